"""What drift asks the cluster for: one LIST per plan namespace (release records only), CRDs, 3 workload kinds, HPAs."""

from __future__ import annotations

import threading

import pytest

from planner.cluster import ReadError
from planner.drift.helm_records import record_secret
from planner.drift.reader import read_live
from planner.errors import ClusterUnreachableError
from planner.kinds import DEPLOYMENTS
from tests.unit.drift_fixtures import helm_doc, plan, release


class FakeReader:
    def __init__(self, objects: dict, fail: dict | None = None) -> None:
        self.objects, self.fail, self.calls = objects, fail or {}, []
        self._lock = threading.Lock()

    def list(self, kind, namespace=None, label_selector=None, field_selector=None):
        with self._lock:
            self.calls.append((kind.kind, namespace, label_selector, field_selector))
        if (kind.kind, namespace) in self.fail:
            raise self.fail[(kind.kind, namespace)]
        return self.objects.get((kind.kind, namespace), [])


def test_requests_depend_on_namespaces_not_components():
    many = plan(*[release(f"r{i}", namespace="ml" if i % 2 else "serving") for i in range(12)])
    few = plan(release("r0", namespace="ml"), release("r1", namespace="serving"))
    for p in (many, few):
        reader = FakeReader({})
        read_live(reader, p)
        assert sorted(reader.calls, key=str) == sorted([
            ("Secret", "ml", None, "type=helm.sh/release.v1"), ("Secret", "serving", None, "type=helm.sh/release.v1"),
            ("CustomResourceDefinition", None, None, None), ("Deployment", None, None, None),
            ("DaemonSet", None, None, None), ("StatefulSet", None, None, None),
            ("HorizontalPodAutoscaler", None, None, None)], key=str)


def test_summaries_and_unread_sources():
    p = plan(release("app"))
    objects = {
        ("Secret", "ml"): [record_secret(helm_doc("app", revision=1, status="superseded")),
                           record_secret(helm_doc("app", revision=2))],
        ("CustomResourceDefinition", None): [{"metadata": {"name": "w.example.com"}, "spec": {"versions": [
            {"name": "v1", "served": True, "storage": False}, {"name": "v2", "served": True, "storage": True}]}}],
        ("Deployment", None): [{"metadata": {"name": "web", "namespace": "ml", "labels": {"a": "b"}}, "spec": {}}],
    }
    live = read_live(FakeReader(objects, {("DaemonSet", None): ReadError(DEPLOYMENTS, 403, "forbidden")}), p)
    assert live.releases[("ml", "app")].revision == 2
    crd = live.crds["w.example.com"]
    assert (crd.served, crd.storage) == (("v1", "v2"), "v2")
    assert live.workloads["Deployment"][("ml", "web")].labels == {"a": "b"}
    assert live.unread == {"DaemonSet": "forbidden"} and "DaemonSet" not in live.workloads


def test_an_unreachable_cluster_propagates():
    err = ClusterUnreachableError("cannot reach the Kubernetes API")
    with pytest.raises(ClusterUnreachableError):
        read_live(FakeReader({}, {("CustomResourceDefinition", None): err}), plan(release("app")))

