"""GPU utilisation through the API server's service proxy: finding Prometheus, the query, every failure said."""

from __future__ import annotations

from typing import Any

from planner.kinds import SERVICES
from planner.ops.gpus import gpus
from planner.ops.prometheus import QUERY, find_prometheus, parse_utilisation, utilisation
from tests.checks.harness import FakeReader
from tests.ops.scenario import in_memory

# kube-prometheus-stack's Service (templates/prometheus/service.yaml): labels and port as upstream renders them
KPS = {"apiVersion": "v1", "kind": "Service",
       "metadata": {"name": "kube-prometheus-stack-prometheus", "namespace": "monitoring",
                    "labels": {"app": "kube-prometheus-stack-prometheus", "self-monitor": "true",
                               "app.kubernetes.io/part-of": "kube-prometheus-stack"}},
       "spec": {"ports": [{"name": "http-web", "port": 9090, "targetPort": 9090},
                          {"name": "reloader-web", "port": 8080}]}}
OPERATED = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "prometheus-operated", "namespace": "obs"},
            "spec": {"ports": [{"name": "web", "port": 9090}]}}
ANSWER = {"status": "success", "data": {"resultType": "vector", "result": [
    {"metric": {"Hostname": "gpu-a", "gpu": "0", "UUID": "GPU-1"}, "value": [1700000000, "100"]},
    {"metric": {"Hostname": "gpu-a", "gpu": "1", "UUID": "GPU-2"}, "value": [1700000000, "90"]},
    {"metric": {"Hostname": "gpu-b", "gpu": "0", "UUID": "GPU-3"}, "value": [1700000000, "12.34"]},
    {"metric": {"Hostname": "gpu-b", "gpu": "1"}, "value": [1700000000, "NaN?"]}]}}


def test_finds_kube_prometheus_stack_first_then_the_operated_service() -> None:
    target = find_prometheus(FakeReader([OPERATED, KPS]))
    assert target is not None and (target.namespace, target.proxy_name) == (
        "monitoring", "kube-prometheus-stack-prometheus:http-web")
    target = find_prometheus(FakeReader([OPERATED]))
    assert target is not None and target.proxy_name == "prometheus-operated:web" and target.namespace == "obs"
    assert find_prometheus(FakeReader([])) is None


def test_parse_utilisation_per_node_and_gpu() -> None:
    assert parse_utilisation(ANSWER) == {"gpu-a": {"avg": 95.0, "gpus": {"0": 100.0, "1": 90.0}},
                                         "gpu-b": {"avg": 12.3, "gpus": {"0": 12.3}}}
    assert parse_utilisation({"status": "success", "data": {"result": []}}) == {}


def test_utilisation_goes_to_the_api_server_proxy_only() -> None:
    asked: list[tuple[str, str, str, dict[str, str]]] = []

    def proxy_get(namespace: str, service: str, path: str, params: dict[str, str]) -> tuple[int, Any]:
        asked.append((namespace, service, path, params))
        return 200, ANSWER

    reader = FakeReader([*in_memory(), KPS])
    data = gpus(reader, utilisation=lambda: utilisation(reader, proxy_get))
    assert asked == [("monitoring", "kube-prometheus-stack-prometheus:http-web", "api/v1/query", {"query": QUERY})]
    assert data["nodes"][0]["utilisation"] == {"avg": 95.0, "gpus": {"0": 100.0, "1": 90.0}}
    assert data["utilisationSource"].startswith("DCGM exporter via Prometheus")


def test_every_failure_is_a_sentence_not_an_error() -> None:
    reader = FakeReader([KPS])

    def answer(status: int, body: Any) -> Any:
        return lambda namespace, service, path, params: (status, body)

    def boom(namespace: str, service: str, path: str, params: dict[str, str]) -> tuple[int, Any]:
        raise ConnectionError("reset")

    assert "no Prometheus" in str(utilisation(FakeReader([]), answer(200, ANSWER)))
    assert "stackplan rbac --ops" in str(utilisation(reader, answer(403, {"kind": "Status"})))
    assert "HTTP 503" in str(utilisation(reader, answer(503, None)))
    assert "did not answer" in str(utilisation(reader, boom))
    assert "no DCGM_FI_DEV_GPU_UTIL samples" in str(utilisation(reader, answer(200, {"status": "success",
                                                                                    "data": {"result": []}})))
    assert "cannot list Services" in str(utilisation(FakeReader([KPS], forbidden=[SERVICES]), answer(200, ANSWER)))


def test_the_reader_sends_the_proxy_request_to_the_api_server() -> None:
    import httpx

    from planner.cluster import ClusterReader

    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=ANSWER)

    with ClusterReader(transport=httpx.MockTransport(handler), server="https://api.example:6443") as r:
        status, body = r.get_service_proxy("monitoring", "kube-prometheus-stack-prometheus:http-web", "api/v1/query",
                                           {"query": QUERY})
    assert (status, body) == (200, ANSWER)
    [req] = seen
    assert req.url.host == "api.example" and req.url.path == (
        "/api/v1/namespaces/monitoring/services/kube-prometheus-stack-prometheus:http-web/proxy/api/v1/query")
    assert req.url.params["query"] == QUERY
