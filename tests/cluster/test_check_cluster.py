"""`stackplan check` on the real control plane: the RBAC run, fault cases, and real breakages found.

The stack's objects are created directly with their upstream names in a fresh namespace (the plan is
re-pointed at it), so these tests need no charts; the end-to-end apply + check per profile lives in
tests/cluster/test_e2e_profiles.py.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from planner.checks.runner import run_checks
from planner.cluster import ClusterReader
from planner.kinds import CATALOG, CRDS, NODES, PODS
from planner.model import Plan
from planner.report import Outcome, Report
from planner.sandbox import Kube, KubeError, path_for
from tests.checks.harness import make_plan
from tests.fixtures_cluster import deployment, eventually, wait_crd_established

pytestmark = pytest.mark.cluster

ROOT = Path(__file__).resolve().parents[2]
KUEUE_SELECTOR = {"app.kubernetes.io/name": "kueue", "control-plane": "controller-manager"}


def in_namespace(plan: Plan, namespace: str) -> Plan:
    """The same plan with every release installed in `namespace` (the test's own)."""
    releases = {k: dataclasses.replace(r, namespace=namespace) for k, r in plan.releases.items()}
    return dataclasses.replace(plan, releases=releases)


def by_check(report: Report, check_id: str) -> list:
    return [f for f in report.findings if f.check_id == check_id]


def stackplan(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "planner", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120, check=False)


def token_kubeconfig(kube: Kube, control_plane, namespace: str, sa: str, path: Path) -> tuple[Path, str]:
    """A kubeconfig holding a short-lived token for ServiceAccount `sa` (TokenRequest API), and the token."""
    answer = kube.create(path_for("serviceaccounts", namespace, sa) + "/token", {
        "apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {"expirationSeconds": 900}})
    token = answer["status"]["token"]
    ca = control_plane.credentials().ca
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: sa\n"
        f"clusters: [{{name: c, cluster: {{server: '{control_plane.server}', certificate-authority: '{ca}'}}}}]\n"
        "contexts: [{name: sa, context: {cluster: c, user: sa}}]\n"
        f"users: [{{name: sa, user: {{token: '{token}'}}}}]\n")
    path.chmod(0o600)
    return path, token


def wait_for_rbac(kubeconfig: Path) -> None:
    """RBAC changes reach the authorizer through an informer: wait until the token can list CRDs."""
    from planner.cluster import ReadError

    def can_list() -> bool:
        with ClusterReader(str(kubeconfig)) as r:
            try:
                r.list(CRDS)
            except ReadError:
                return False
            return True

    eventually(can_list, timeout=30, what="RBAC binding effective")


@pytest.fixture
def kueue_up(kube: Kube, cluster_namespace: str) -> str:
    """kueue-controller-manager (upstream name and selector labels) available in the test namespace."""
    body = deployment("kueue-controller-manager", 1)
    body["spec"]["selector"]["matchLabels"] = dict(KUEUE_SELECTOR)
    body["spec"]["template"]["metadata"]["labels"] = dict(KUEUE_SELECTOR)
    kube.create(path_for("deployments", cluster_namespace), body)
    eventually(lambda: kube.get(path_for("deployments", cluster_namespace, "kueue-controller-manager"))
               .get("status", {}).get("availableReplicas") == 1, what="kueue-controller-manager available")
    return cluster_namespace


def test_rbac_serviceaccount_runs_the_whole_check(kube: Kube, control_plane, cluster_namespace: str,
                                                  cluster_env: dict[str, str], tmp_path: Path, kueue_up: str) -> None:
    """`stackplan rbac | kubectl apply -f -`, then every check of a full profile runs without a 403."""
    from planner.rbac import RbacSubject, release_status_documents, to_yaml

    sa = "stackplan-check"
    subject = f"serviceaccount:{cluster_namespace}:{sa}"
    # `rbac --profile llm-inference`: the Roles for HC090 live in the profile's namespaces, which must exist
    created = [ns for ns in ("gpu-operator", "kubeai") if not _namespace_exists(kube, ns)]
    for ns in created:
        kube.create(path_for("namespaces"), {"apiVersion": "v1", "kind": "Namespace",
                                             "metadata": {"name": ns, "labels": {"created-by": "stackplan-tests"}}})
    rbac = stackplan(["rbac", "--profile", "llm-inference", "--subject", subject], cluster_env)
    assert rbac.returncode == 0, rbac.stderr
    assert "stackplan-secret-metadata" in rbac.stdout
    # the in-process run below re-points every release at the test namespace: its Role, as rbac makes it
    extra = to_yaml(release_status_documents([cluster_namespace], RbacSubject.parse(subject)))
    applied = subprocess.run(["kubectl", "apply", "-f", "-"], input=rbac.stdout + extra, capture_output=True,
                             text=True, env=cluster_env, timeout=60, check=False)
    assert applied.returncode == 0, applied.stderr
    try:
        kc, token = token_kubeconfig(kube, control_plane, cluster_namespace, sa, tmp_path / "sa.kubeconfig")
        wait_for_rbac(kc)
        plan = in_namespace(make_plan("gpu-operator", "kueue", "volcano", "kserve", "kserve-runtimes", "cert-manager",
                                      "kubeai", "vllm-stack", "kubeflow-pipelines", "kubeflow-trainer", "kuberay"),
                            cluster_namespace)
        with ClusterReader(str(kc)) as reader:
            reader.ping()
            report = run_checks(plan, reader)
            # folded findings (components not installed here, HC009) keep their messages in the evidence
            lines = [f.message for f in report.findings] + [e for f in report.findings for e in f.evidence
                                                            if e.startswith("folded: ")]
            forbidden = [line for line in lines if "forbidden" in line]
            assert forbidden == [], forbidden
            assert report.meta["notApplicable"] == 0  # every check applies to this plan
            # the CRDs of these components are not installed here: UNKNOWN "not installed", never 403
            unknown = [f.message for f in report.findings if f.outcome is Outcome.UNKNOWN] + [
                line for line in lines if line.startswith("folded: ") and " UNKNOWN " in line]
            assert unknown and all("not installed" in line for line in unknown)
            # Secrets: `list` only (RBAC cannot grant metadata alone), only in the plan's namespaces; no get, no watch
            as_sa = Kube(control_plane.credentials(), token=token)
            kube.create(path_for("secrets", cluster_namespace), {"metadata": {"name": "some-secret"},
                                                                 "data": {"k": "dg=="}})
            for path, params in ((path_for("secrets", cluster_namespace, "some-secret"), {}),
                                 (path_for("secrets", "default"), {}),
                                 (path_for("secrets", cluster_namespace), {"watch": "true"})):
                with pytest.raises(KubeError) as denied:
                    as_sa.get(path, **params)
                assert denied.value.status == 403, path
        # the CLI with that kubeconfig: problems found (exit 1), not unreachable (3)
        env = dict(cluster_env, KUBECONFIG=str(kc))
        cli = stackplan(["check", "--profile", "llm-inference", "-o", "json"], env)
        assert cli.returncode == 1, cli.stderr
        cli_findings = json.loads(cli.stdout)["findings"]
        assert not any("forbidden" in f["message"] for f in cli_findings)
        assert not any(f["checkId"] == "HC090" and f["outcome"] == "UNKNOWN" for f in cli_findings)
    finally:
        subprocess.run(["kubectl", "delete", "--ignore-not-found", "-f", "-"], input=rbac.stdout + extra,
                       env=cluster_env, capture_output=True, text=True, timeout=60, check=False)
        for ns in created:
            kube.delete(path_for("namespaces", name=ns))


def _namespace_exists(kube: Kube, name: str) -> bool:
    try:
        kube.get(path_for("namespaces", name=name))
    except KubeError as e:
        if e.status == 404:
            return False
        raise
    return True


def test_unreachable_and_unauthenticated_exit_3(cluster_env: dict[str, str], control_plane, tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]  # closed again when the block ends: nothing listens there
    for server, user in ((f"https://127.0.0.1:{dead_port}", "{token: t}"), (control_plane.server, "{token: bogus}")):
        kc = tmp_path / "kc"
        kc.write_text("apiVersion: v1\nkind: Config\ncurrent-context: x\n"
                      f"clusters: [{{name: c, cluster: {{server: '{server}', insecure-skip-tls-verify: true}}}}]\n"
                      "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
                      f"users: [{{name: u, user: {user}}}]\n")
        result = stackplan(["check", "--profile", "llm-inference", "--kubeconfig", str(kc)], cluster_env)
        assert result.returncode == 3, (server, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr and "error:" in result.stderr


def test_forbidden_kinds_are_unknown_and_the_rest_run(kube: Kube, control_plane, cluster_namespace: str,
                                                      tmp_path: Path) -> None:
    """A role without pods and nodes: the checks that need them are UNKNOWN (403), the others still run."""
    from planner.rbac import read_rules

    sa, role = "partial-reader", f"stackplan-partial-{cluster_namespace}"
    kube.create(path_for("serviceaccounts", cluster_namespace), {"metadata": {"name": sa}})
    kinds = [k for k in CATALOG if k not in (PODS, NODES)]
    kube.create(path_for("clusterroles"), {"metadata": {"name": role}, "rules": read_rules(kinds)})
    kube.create(path_for("clusterrolebindings"), {
        "metadata": {"name": role},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
        "subjects": [{"kind": "ServiceAccount", "name": sa, "namespace": cluster_namespace}]})
    try:
        kc, _ = token_kubeconfig(kube, control_plane, cluster_namespace, sa, tmp_path / "partial.kubeconfig")
        wait_for_rbac(kc)
        plan = in_namespace(make_plan("gpu-operator", "kueue"), cluster_namespace)
        with ClusterReader(str(kc)) as reader:
            report = run_checks(plan, reader)
        for cid in ("HC005", "HC006", "HC008", "HC011", "HC012", "HC022"):
            [f] = by_check(report, cid)
            assert f.outcome is Outcome.UNKNOWN and f.message.startswith(f"[{cid}] forbidden"), f.message
        # CRDs and Deployments are readable: HC009 (and HC001, unless folded into it) are never UNKNOWN
        read = by_check(report, "HC001") + by_check(report, "HC009")
        assert by_check(report, "HC009") and all(f.outcome is not Outcome.UNKNOWN for f in read)
        assert all(f.outcome is not Outcome.UNKNOWN for f in by_check(report, "HC004"))
    finally:
        kube.delete(path_for("clusterrolebindings", name=role))
        kube.delete(path_for("clusterroles", name=role))


def test_breakages_are_found(kube: Kube, control_plane, kueue_up: str, add_cluster_nodes) -> None:
    """Operator scaled to 0, a GPU node without allocatable GPUs, a crash-looping validator, a missing CRD."""
    ns = kueue_up
    plan = in_namespace(make_plan("gpu-operator", "kueue", gpu_nodes=1), ns)
    # the gpu-operator Deployment, so the component counts as installed (HC009) and its checks are not folded
    kube.create(path_for("deployments", ns), deployment("gpu-operator", 1))
    [gpu_node] = add_cluster_nodes(gpu_nodes=1, gpus_per_node=4)
    with ClusterReader(str(control_plane.kubeconfig)) as reader:
        healthy = run_checks(plan, reader)
    assert [f.outcome for f in by_check(healthy, "HC002") if f.subject.name == "kueue-controller-manager"] == [
        Outcome.PASSED]
    assert any(f.subject.name == gpu_node and f.outcome is Outcome.PASSED for f in by_check(healthy, "HC012"))
    [cp] = by_check(healthy, "HC010")  # no nvidia.com CRD on this control plane
    assert cp.outcome is Outcome.UNKNOWN and "not installed" in cp.message
    assert any(f.subject.name == "clusterpolicies.nvidia.com" and f.outcome is Outcome.FAILED
               for f in by_check(healthy, "HC001"))

    kube.merge_patch(path_for("deployments", ns, "kueue-controller-manager"), {"spec": {"replicas": 0}})
    kube.request("PATCH", path_for("nodes", name=gpu_node) + "/status",
                 {"status": {"allocatable": {"nvidia.com/gpu": "0"}}}, content_type="application/merge-patch+json")
    kube.create(path_for("pods", ns), {
        "metadata": {"name": "nvidia-operator-validator-abcde", "labels": {"app": "nvidia-operator-validator"}},
        "spec": {"nodeSelector": {"stackplan.dev/never": "true"},
                 "initContainers": [{"name": "driver-validation", "image": "registry.invalid/validator:1"}],
                 "containers": [{"name": "nvidia-operator-validator", "image": "registry.invalid/validator:1"}]}})
    kube.request("PATCH", path_for("pods", ns, "nvidia-operator-validator-abcde") + "/status", {"status": {
        "initContainerStatuses": [{"name": "driver-validation", "ready": False, "restartCount": 6,
                                   "image": "registry.invalid/validator:1", "imageID": "",
                                   "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                                   "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}}]}},
                 content_type="application/merge-patch+json")
    time.sleep(0.5)
    with ClusterReader(str(control_plane.kubeconfig)) as reader:
        broken = run_checks(plan, reader)
    [dep] = [f for f in by_check(broken, "HC002") if f.subject.name == "kueue-controller-manager"]
    assert dep.outcome is Outcome.FAILED and ".spec.replicas=0" in dep.evidence[0]
    assert any(f.subject.name == gpu_node and f.outcome is Outcome.FAILED for f in by_check(broken, "HC012"))
    [val] = [f for f in by_check(broken, "HC011") if f.subject.name == "nvidia-operator-validator-abcde"]
    assert val.outcome is Outcome.FAILED and "Init:CrashLoopBackOff" in val.message and "driver" in val.message
    assert broken.exit_code() == 1


def test_malformed_object_is_unknown(kube: Kube, control_plane, cluster_namespace: str) -> None:
    """A ClusterPolicy whose status has the wrong shape (the CRD here accepts anything) -> UNKNOWN, no crash."""
    crd = "clusterpolicies.nvidia.com"
    kube.create(path_for("customresourcedefinitions"), {
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": {"name": crd},
        "spec": {"group": "nvidia.com", "scope": "Cluster",
                 "names": {"plural": "clusterpolicies", "singular": "clusterpolicy", "kind": "ClusterPolicy",
                           "listKind": "ClusterPolicyList"},
                 "versions": [{"name": "v1", "served": True, "storage": True,
                               "schema": {"openAPIV3Schema": {"type": "object",
                                                              "x-kubernetes-preserve-unknown-fields": True}}}]}})
    try:
        wait_crd_established(kube, crd)  # a new CRD's status.conditions is null for a moment
        base = "/apis/nvidia.com/v1/clusterpolicies"
        eventually(lambda: _try_create(kube, base, {
            "apiVersion": "nvidia.com/v1", "kind": "ClusterPolicy", "metadata": {"name": "cluster-policy"},
            "status": {"state": "notReady", "conditions": "not-a-list"}}), what="ClusterPolicy created")
        plan = in_namespace(make_plan("gpu-operator"), cluster_namespace)
        with ClusterReader(str(control_plane.kubeconfig)) as reader:
            report = run_checks(plan, reader)
        [f] = by_check(report, "HC010")
        assert f.outcome is Outcome.UNKNOWN and "malformed object" in f.message
        assert any(g.outcome is not Outcome.UNKNOWN for g in by_check(report, "HC008"))
    finally:
        kube.delete(path_for("customresourcedefinitions", name=crd))
        eventually(lambda: not _exists(kube, path_for("customresourcedefinitions", name=crd)), what="CRD deleted")


def _try_create(kube: Kube, path: str, body: dict) -> bool:
    try:
        kube.create(path, body)
    except KubeError as e:
        if e.status == 409:
            return True
        if e.status == 404:  # the new API is not served yet
            return False
        raise
    return True


def _exists(kube: Kube, path: str) -> bool:
    try:
        kube.get(path)
    except KubeError as e:
        if e.status == 404:
            return False
        raise
    return True

