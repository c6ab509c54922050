"""Smoke tests proving the control plane is real: controllers, scheduler, RBAC, CRDs, helm."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest

from planner.sandbox import Kube, KubeError, path_for
from planner.sandbox.nodes import is_ready
from tests.fixtures_cluster import conditions, deployment, eventually, pod, wait_crd_established

pytestmark = pytest.mark.cluster


def simulated_nodes(kube: Kube) -> dict[str, dict]:
    return {n["metadata"]["name"]: n for n in kube.items(path_for("nodes"))
            if n["metadata"].get("annotations", {}).get("kwok.x-k8s.io/node") == "fake"}


def test_version_is_the_pinned_kubernetes(control_plane) -> None:
    assert control_plane.version()["gitVersion"].startswith("v1.35.")


def test_deployment_with_two_replicas_becomes_available(kube: Kube, cluster_namespace: str) -> None:
    kube.create(path_for("deployments", cluster_namespace), deployment("web", 2))

    def available() -> bool:
        d = kube.get(path_for("deployments", cluster_namespace, "web"))
        return d.get("status", {}).get("availableReplicas") == 2 and conditions(d).get("Available") == "True"

    eventually(available, what="Deployment web Available with 2 replicas")
    pods = kube.items(path_for("pods", cluster_namespace), labelSelector="app=web")
    assert len(pods) == 2
    assert all(p["status"]["phase"] == "Running" for p in pods)
    assert {p["spec"]["nodeName"] for p in pods} <= set(simulated_nodes(kube))


def test_daemonset_gets_a_pod_on_every_node(kube: Kube, cluster_namespace: str) -> None:
    ready = sorted(n for n, obj in simulated_nodes(kube).items() if is_ready(obj))
    assert len(ready) >= 4
    labels = {"app": "agent"}
    kube.create(path_for("daemonsets", cluster_namespace), {
        "apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent"},
        "spec": {"selector": {"matchLabels": labels}, "template": {
            "metadata": {"labels": labels},
            "spec": {"containers": [{"name": "main", "image": "registry.invalid/agent:1"}]}}},
    })

    def all_ready() -> bool:
        s = kube.get(path_for("daemonsets", cluster_namespace, "agent")).get("status", {})
        return s.get("desiredNumberScheduled") == len(ready) == s.get("numberReady")

    eventually(all_ready, what=f"DaemonSet ready on {len(ready)} nodes")
    pods = kube.items(path_for("pods", cluster_namespace), labelSelector="app=agent")
    assert sorted(p["spec"]["nodeName"] for p in pods) == ready


def test_gpu_pod_lands_only_on_a_gpu_node_and_oversized_request_stays_pending(
    kube: Kube, cluster_namespace: str
) -> None:
    nodes = simulated_nodes(kube)
    gpu_nodes = {n for n, obj in nodes.items() if "nvidia.com/gpu" in obj["status"]["allocatable"]}
    total = sum(int(nodes[n]["status"]["allocatable"]["nvidia.com/gpu"]) for n in gpu_nodes)
    assert gpu_nodes and gpu_nodes != set(nodes)
    pods = path_for("pods", cluster_namespace)
    kube.create(pods, pod("one-gpu", {"limits": {"nvidia.com/gpu": "1"}}))
    kube.create(pods, pod("too-many", {"limits": {"nvidia.com/gpu": str(total + 1)}}))

    placed = eventually(lambda: kube.get(f"{pods}/one-gpu")["spec"].get("nodeName"), what="GPU pod bound")
    assert placed in gpu_nodes
    assert nodes[placed]["metadata"]["labels"]["nvidia.com/gpu.present"] == "true"
    eventually(lambda: kube.get(f"{pods}/one-gpu")["status"].get("phase") == "Running",
               what="GPU pod Running")

    def unschedulable() -> bool:
        conds = kube.get(f"{pods}/too-many")["status"].get("conditions") or []
        return any(c["type"] == "PodScheduled" and c.get("reason") == "Unschedulable" for c in conds)

    eventually(unschedulable, what="oversized GPU pod marked Unschedulable")
    too_many = kube.get(f"{pods}/too-many")
    assert too_many["status"]["phase"] == "Pending"
    assert not too_many["spec"].get("nodeName")


CRD = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.smoke.stackplan.dev"},
    "spec": {
        "group": "smoke.stackplan.dev", "scope": "Namespaced",
        "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
        "versions": [{"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": {
            "type": "object",
            "properties": {"spec": {"type": "object", "required": ["size"], "properties": {
                "size": {"type": "integer", "minimum": 1}}}},
        }}}],
    },
}


def test_crd_is_served_and_custom_resources_are_validated(kube: Kube, cluster_namespace: str) -> None:
    crd_path = path_for("customresourcedefinitions", name=CRD["metadata"]["name"])
    kube.delete(crd_path)
    kube.create(path_for("customresourcedefinitions"), CRD)
    try:
        wait_crd_established(kube, CRD["metadata"]["name"])
        widgets = path_for("widgets", cluster_namespace, base="apis/smoke.stackplan.dev/v1")
        good = {"apiVersion": "smoke.stackplan.dev/v1", "kind": "Widget", "metadata": {"name": "ok"},
                "spec": {"size": 3}}
        eventually(lambda: _try_create(kube, widgets, good), what="Widget accepted")
        bad = {**good, "metadata": {"name": "bad"}, "spec": {"size": 0}}
        with pytest.raises(KubeError) as err:
            kube.create(widgets, bad)
        assert err.value.status == 422
        assert "spec.size" in str(err.value)
        assert [w["metadata"]["name"] for w in kube.items(widgets)] == ["ok"]
    finally:
        kube.delete(crd_path)


def _try_create(kube: Kube, path: str, body: dict) -> bool:
    try:
        kube.create(path, body)
    except KubeError as exc:
        if exc.status == 404:  # discovery of a new CRD can lag by a moment
            return False
        raise
    return True


def test_helm_upgrade_install_wait_succeeds(cluster_env: dict, cluster_namespace: str, kube: Kube,
                                           tmp_path: Path) -> None:
    chart = tmp_path / "demo"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(
        "apiVersion: v2\nname: demo\nversion: 0.1.0\nappVersion: '1.0'\nkubeVersion: '>=1.30.0-0'\n")
    (chart / "values.yaml").write_text("replicas: 2\n")
    (chart / "templates" / "deployment.yaml").write_text(textwrap.dedent("""\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: {{ .Release.Name }}-web}
        spec:
          replicas: {{ .Values.replicas }}
          selector: {matchLabels: {app: {{ .Release.Name }}-web}}
          template:
            metadata: {labels: {app: {{ .Release.Name }}-web}}
            spec: {containers: [{name: web, image: registry.invalid/web:1, ports: [{containerPort: 80}]}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: {{ .Release.Name }}-web}
        spec:
          selector: {app: {{ .Release.Name }}-web}
          ports: [{port: 80}]
        """))
    cmd = ["helm", "upgrade", "--install", "demo", str(chart), "-n", cluster_namespace,
           "--wait", "--timeout", "120s"]
    r = subprocess.run(cmd, env=cluster_env, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr
    r = subprocess.run(["helm", "status", "demo", "-n", cluster_namespace, "-o", "json"],
                       env=cluster_env, capture_output=True, text=True, timeout=60)
    assert '"status":"deployed"' in r.stdout.replace(" ", "")
    d = kube.get(path_for("deployments", cluster_namespace, "demo-web"))
    assert d["status"]["readyReplicas"] == 2


def test_rbac_denies_a_verb_the_role_lacks(kube: Kube, cluster_namespace: str) -> None:
    ns = cluster_namespace
    kube.create(path_for("serviceaccounts", ns), {"apiVersion": "v1", "kind": "ServiceAccount",
                                                  "metadata": {"name": "reader"}})
    kube.create(path_for("roles", ns), {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "pod-reader"},
        "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}],
    })
    kube.create(path_for("rolebindings", ns), {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "reader"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pod-reader"},
        "subjects": [{"kind": "ServiceAccount", "name": "reader", "namespace": ns}],
    })
    token = kube.create(path_for("serviceaccounts", ns, "reader") + "/token", {
        "apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {"expirationSeconds": 600},
    })["status"]["token"]
    with Kube(kube.creds, token=token) as reader:
        assert reader.items(path_for("pods", ns)) == []
        with pytest.raises(KubeError) as err:
            reader.create(path_for("pods", ns), pod("nope"))
        assert err.value.status == 403
        assert 'cannot create resource "pods"' in str(err.value)
        with pytest.raises(KubeError) as err:
            reader.items(path_for("secrets", ns))
        assert err.value.status == 403


def test_kubectl_talks_to_the_cluster(cluster_env: dict) -> None:
    r = subprocess.run(["kubectl", "get", "nodes", "-l", "nvidia.com/gpu.present=true", "-o", "name"],
                       env=cluster_env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.split()) >= 2
