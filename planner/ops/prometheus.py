"""GPU utilisation from the DCGM exporter, read from Prometheus through the API server's service proxy.

Never dials a cluster IP: the request goes to the API server (`GET /api/v1/namespaces/NS/services/NAME:PORT/proxy/
api/v1/query`), which forwards it, under the caller's RBAC (`get` on `services/proxy`; `stackplan rbac --ops`
grants it for kube-prometheus-stack's Prometheus Service only).

Facts: kube-prometheus-stack's Prometheus Service is `<release>-prometheus`, labelled
`app: kube-prometheus-stack-prometheus` and `app.kubernetes.io/part-of: kube-prometheus-stack`, port `http-web` 9090
(prometheus-community/helm-charts:charts/kube-prometheus-stack/templates/prometheus/service.yaml); the Prometheus
Operator's governing Service is `prometheus-operated`, port `web` (prometheus-operator:pkg/prometheus/server).
DCGM exporter's `DCGM_FI_DEV_GPU_UTIL` (percent) carries labels `gpu` (index) and `Hostname` (NVIDIA/dcgm-exporter
docs, "DCGM Exporter Metrics"); that `Hostname` is the Kubernetes node name under the GPU Operator is UNCONFIRMED, so
a `node` label (a common ServiceMonitor relabeling) is preferred when present. Prometheus' instant query
API answers `{"status": "success", "data": {"resultType": "vector", "result": [{"metric": {...}, "value": [t, "v"]}]}}`
(prometheus/prometheus:docs/querying/api.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from planner.checks import k8s
from planner.cluster import Reader, ReadError
from planner.kinds import SERVICES

KPS_RELEASE = "kube-prometheus-stack"
KPS_SERVICE = f"{KPS_RELEASE}-prometheus"
KPS_PORT = "http-web"
KPS_NAMESPACE = "monitoring"  # blueprints/kube-prometheus-stack.yaml
QUERY = "avg_over_time(DCGM_FI_DEV_GPU_UTIL[5m])"

# (namespace, `NAME:PORT`, path, params) -> (HTTP status, parsed JSON body or None): ClusterReader.get_service_proxy
ProxyGet = Callable[[str, str, str, dict[str, str]], "tuple[int, Any]"]
QUERY_PATH = "api/v1/query"


@dataclass(frozen=True)
class PrometheusTarget:
    namespace: str
    service: str
    port: str

    @property
    def proxy_name(self) -> str:
        """`NAME:PORT` as it appears in the proxy URL (and in the RBAC rule's resourceNames)."""
        return f"{self.service}:{self.port}"



def _port(svc: dict[str, Any], names: tuple[str, ...]) -> str:
    ports = (svc.get("spec") or {}).get("ports") or []
    for p in ports:
        if p.get("name") in names:
            return str(p["name"])
    return str(ports[0].get("name") or ports[0].get("port")) if ports else "9090"


def find_prometheus(reader: Reader) -> PrometheusTarget | None:
    """kube-prometheus-stack's Prometheus Service, else the operator's `prometheus-operated`; None if neither."""
    services = reader.list(SERVICES)
    for svc in services:
        labels = k8s.meta(svc).get("labels") or {}
        if labels.get("app.kubernetes.io/part-of") == KPS_RELEASE and str(labels.get("app", "")).endswith(
                "-prometheus"):
            return PrometheusTarget(k8s.namespace(svc) or "", k8s.name(svc), _port(svc, (KPS_PORT, "web")))
    for svc in services:
        if k8s.name(svc) == "prometheus-operated":
            return PrometheusTarget(k8s.namespace(svc) or "", k8s.name(svc), _port(svc, ("web", KPS_PORT)))
    return None


def parse_utilisation(body: Any) -> dict[str, dict[str, Any]]:
    """Per node: average utilisation over its GPUs and per GPU index, from an instant-query answer."""
    per_node: dict[str, dict[str, float]] = {}
    for sample in ((body or {}).get("data") or {}).get("result") or []:
        metric, value = sample.get("metric") or {}, sample.get("value") or []
        node = metric.get("node") or metric.get("Hostname") or metric.get("instance")
        try:
            percent = float(value[1])
        except (IndexError, TypeError, ValueError):
            continue
        if node:
            per_node.setdefault(str(node), {})[str(metric.get("gpu", len(per_node.get(str(node), {}))))] = percent
    return {node: {"avg": round(sum(g.values()) / len(g), 1), "gpus": {k: round(v, 1) for k, v in sorted(g.items())}}
            for node, g in per_node.items()}


def utilisation(reader: Reader, proxy_get: ProxyGet) -> dict[str, dict[str, Any]] | str:
    """Per-node GPU utilisation, or a sentence saying why there is none (no Prometheus, forbidden, no data)."""
    try:
        target = find_prometheus(reader)
    except ReadError as e:
        return f"utilisation not read: cannot list Services ({e.reason})"
    if target is None:
        return "utilisation not available: no Prometheus Service (kube-prometheus-stack) in the cluster"
    where = f"Prometheus {target.namespace}/{target.service}"
    try:
        status, body = proxy_get(target.namespace, target.proxy_name, QUERY_PATH, {"query": QUERY})
    except Exception as e:
        return f"utilisation not read: {where} did not answer through the API server proxy ({type(e).__name__})"
    if status == 403:
        return (f"utilisation not read: forbidden to proxy to {where} (grant get on services/proxy "
                f"`{target.proxy_name}`: `stackplan rbac --ops`)")
    if status >= 400 or not isinstance(body, dict) or body.get("status") != "success":
        return f"utilisation not read: {where} answered HTTP {status} through the API server proxy"
    data = parse_utilisation(body)
    return data or f"no DCGM_FI_DEV_GPU_UTIL samples in {where} (is the DCGM exporter scraped?)"
