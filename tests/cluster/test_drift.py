"""`stackplan drift` against the real control plane, after real `helm install`s of tests/drift/charts/widget.

Each test gets its own namespace and a synthetic catalog (STACKPLAN_CATALOG_DIR) whose two blueprints
install the widget chart there; then one kind of drift is produced with helm/kubectl and the CLI's
exit code, JSON report (validated against schemas/report.schema.json) and output are checked.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.cluster

CHART = Path(__file__).resolve().parents[1] / "drift" / "charts" / "widget"
ROOT = Path(__file__).resolve().parents[2]
NEVER = {"stackplan.dev/test-never": "true"}  # no node has this label: pods stay Pending


def _blueprint(ns: str, crd_group: str, **kw: Any) -> dict[str, Any]:
    bp = {"description": "drift test widget", "layer": "platform", "sources": ["tests/drift/charts/widget"],
          "source": {"kind": "helm", "repo": "https://charts.example.invalid", "chart": "widget"},
          "version": "1.0.0", "namespace": ns}
    bp.update(kw)
    return bp


@dataclass
class Stack:
    ns: str
    dir: Path
    env: dict[str, str]
    crd: str

    def run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess:
        p = subprocess.run(list(argv), env=self.env, cwd=self.dir, capture_output=True, text=True, timeout=120)
        if check and p.returncode != 0:
            pytest.fail(f"{' '.join(argv)} failed ({p.returncode}): {p.stderr}", pytrace=False)
        return p

    def helm(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.run("helm", *args, "-n", self.ns, check=check)

    def values_file(self, rid: str) -> str:
        plan = json.loads(self.run(sys.executable, "-m", "planner", "plan", "-f", "stackplan.yaml", "-o",
                                   "json").stdout)
        values = next(r["values"] for r in plan["releases"] if r["id"] == rid)
        path = self.dir / f"{rid}-values.json"
        path.write_text(json.dumps(values))
        return str(path)

    def install(self, rid: str, chart: Path = CHART, *extra: str) -> None:
        self.helm("upgrade", "--install", rid, str(chart), "-f", self.values_file(rid), *extra)

    def drift(self, *args: str) -> tuple[int, dict[str, Any]]:
        p = self.run(sys.executable, "-m", "planner", "drift", "-f", "stackplan.yaml", "-o", "json", *args,
                     check=False)
        assert p.returncode in (0, 1), p.stderr
        return p.returncode, json.loads(p.stdout)

    def text(self, *args: str) -> subprocess.CompletedProcess:
        return self.run(sys.executable, "-m", "planner", "drift", "-f", "stackplan.yaml", *args, check=False)


def _make_stack(ns: str, env: dict[str, str], tmp_path: Path, *, never: bool = True,
                kustomize: bool = False) -> Stack:
    """alpha: widget with a templated CRD and a DaemonSet; beta: widget (pinned to a node label nobody has
    when `never`); gamma (with `kustomize`): a kustomize Deployment, matched by stackplan's labels."""
    group = f"{ns}.drift.test"
    catalog = tmp_path / "catalog"
    (catalog / "blueprints").mkdir(parents=True)
    (catalog / "stacks").mkdir()
    blueprints = {
        "alpha": _blueprint(ns, group, crds=[f"widgets.{group}"],
                            values={"daemonset": True, "crd": {"enabled": True, "group": group},
                                    "auth": {"password": "planned-secret"}},
                            workloads=[{"kind": "Deployment", "name": "alpha-web"},
                                       {"kind": "DaemonSet", "name": "alpha-agent"}]),
        "beta": _blueprint(ns, group, values={"nodeSelector": NEVER} if never else {},
                           workloads=[{"kind": "Deployment", "name": "beta-web"}]),
    }
    if kustomize:
        blueprints["gamma"] = _blueprint(ns, group, source={"kind": "kustomize", "url": "gamma", "ref": "v1"},
                                         version="v1", workloads=[{"kind": "Deployment", "name": "gamma-web"}])
    for name, bp in blueprints.items():
        (catalog / "blueprints" / f"{name}.yaml").write_text(json.dumps(bp))
    (catalog / "stacks" / "drifttest.yaml").write_text(json.dumps(
        {"description": "drift test", "components": sorted(blueprints), "choices": {}}))
    work = tmp_path / "project"
    work.mkdir()
    (work / "stackplan.yaml").write_text("profile: drifttest\n")
    env = {**env, "STACKPLAN_CATALOG_DIR": str(catalog), "PYTHONPATH": str(ROOT)}
    return Stack(ns, work, env, f"widgets.{group}")


@pytest.fixture
def stack(cluster_namespace: str, cluster_env: dict[str, str], tmp_path: Path) -> Stack:
    """The two widget releases, installed with `helm upgrade --install` and the planned values."""
    s = _make_stack(cluster_namespace, cluster_env, tmp_path)
    s.install("alpha")
    s.install("beta")
    yield s
    s.run("kubectl", "delete", "crd", s.crd, "--ignore-not-found", "--wait=false", check=False)


@pytest.fixture
def applied(cluster_namespace: str, cluster_env: dict[str, str], tmp_path: Path) -> Stack:
    """alpha, beta and the kustomize release gamma, installed by `stackplan apply --chart-dir`."""
    s = _make_stack(cluster_namespace, cluster_env, tmp_path, never=False, kustomize=True)
    s.run(sys.executable, "-m", "planner", "apply", "-f", "stackplan.yaml", "--chart-dir", str(CHART.parent),
          "--timeout", "90s")
    yield s
    s.run("kubectl", "delete", "crd", s.crd, "--ignore-not-found", "--wait=false", check=False)


def _problems(report: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    return sorted((f["checkId"], f["component"], f["outcome"]) for f in report["findings"]
                  if f["outcome"] in ("FAILED", "UNKNOWN"))


def _finding(report: dict[str, Any], check_id: str, component: str) -> dict[str, Any]:
    (f,) = [f for f in report["findings"] if f["checkId"] == check_id and f["component"] == component]
    return f


def _schema_valid(report: dict[str, Any]) -> None:
    import jsonschema

    schema = json.loads((ROOT / "schemas" / "report.schema.json").read_text())
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(report)


def test_no_drift_right_after_install(stack: Stack) -> None:
    code, report = stack.drift()
    assert code == 0, _problems(report)
    _schema_valid(report)
    ids = {(f["checkId"], f["component"]) for f in report["findings"]}
    assert {("DR001", "alpha"), ("DR003", "alpha"), ("DR005", "alpha"), ("DR006", "alpha"),
            ("DR001", "beta"), ("DR004", "beta")} <= ids
    assert report["meta"]["apiRequests"] <= 2 + 1 + 1 + 3 + 1  # ping (2) + records (1 ns) + CRDs + 3 kinds + HPAs
    gh = stack.text("-o", "github")
    assert gh.returncode == 0 and "::error" not in gh.stdout and "::notice" in gh.stdout


def test_upgrade_to_another_chart_version(stack: Stack, tmp_path: Path) -> None:
    newer = tmp_path / "widget"
    shutil.copytree(CHART, newer)
    chart_yaml = newer / "Chart.yaml"
    chart_yaml.write_text(chart_yaml.read_text().replace("version: 1.0.0", "version: 1.1.0"))
    stack.install("alpha", newer)
    code, report = stack.drift()
    assert code == 1
    assert _problems(report) == [("DR002", "alpha", "FAILED")]
    assert _finding(report, "DR002", "alpha")["message"] == \
        "widget 1.1.0 is installed; the plan has widget 1.0.0"


def test_values_changed_with_helm_set(stack: Stack) -> None:
    stack.helm("upgrade", "alpha", str(CHART), "--reuse-values", "--set", "replicaCount=3",
               "--set", "auth.password=live-secret")
    code, report = stack.drift()
    assert code == 1
    assert _problems(report) == [("DR003", "alpha", "FAILED")]
    f = _finding(report, "DR003", "alpha")
    assert "replicaCount: not planned, live 3" in f["evidence"]  # a chart default, overridden live
    assert "auth.password: planned ***, live ***" in f["evidence"]
    for out in (json.dumps(report), stack.text().stdout, stack.text("-o", "github").stdout,
                stack.text("-o", "junit").stdout):
        assert "live-secret" not in out and "planned-secret" not in out


def test_release_uninstalled(stack: Stack) -> None:
    stack.helm("uninstall", "beta", "--wait")
    code, report = stack.drift()
    assert code == 1
    assert _problems(report) == [("DR001", "beta", "FAILED")]
    assert "not installed in namespace" in _finding(report, "DR001", "beta")["message"]


def test_crd_deleted(stack: Stack) -> None:
    stack.run("kubectl", "delete", "crd", stack.crd)
    code, report = stack.drift()
    assert code == 1
    assert _problems(report) == [("DR005", "alpha", "FAILED")]
    assert _finding(report, "DR005", "alpha")["evidence"] == [f"CustomResourceDefinition/{stack.crd}: not found"]


def test_workload_deleted(stack: Stack) -> None:
    stack.run("kubectl", "delete", "daemonset", "alpha-agent", "-n", stack.ns)
    code, report = stack.drift()
    assert code == 1
    assert _problems(report) == [("DR006", "alpha", "FAILED")]
    assert "DaemonSet/alpha-agent" in _finding(report, "DR006", "alpha")["message"]


def test_release_left_failed_by_a_timed_out_upgrade(stack: Stack) -> None:
    """beta's pods can never schedule, so `helm upgrade --wait` times out and records a failed revision."""
    p = stack.helm("upgrade", "beta", str(CHART), "-f", stack.values_file("beta"), "--wait", "--timeout", "3s",
                   check=False)
    assert p.returncode != 0
    code, report = stack.drift()
    assert code == 1
    assert _problems(report) == [("DR004", "beta", "FAILED")]  # same chart and values: only the status
    f = _finding(report, "DR004", "beta")
    assert f["message"].startswith("revision 2 is failed")
    junit = stack.text("-o", "junit").stdout
    assert junit.count("<testcase") == 2 and junit.count("<failure") == 1


def test_release_stuck_pending_after_an_interrupted_upgrade(stack: Stack) -> None:
    """A CI job cancelled mid-upgrade: helm is killed while it waits, leaving revision 2 in pending-upgrade."""
    from tests.fixtures_cluster import eventually

    argv = ["helm", "upgrade", "beta", str(CHART), "-f", stack.values_file("beta"), "-n", stack.ns, "--wait",
            "--timeout", "120s"]
    helm = subprocess.Popen(argv, env=stack.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        pending = ("kubectl", "get", "secret", "-n", stack.ns, "-l", "name=beta,status=pending-upgrade", "-o", "name")
        eventually(lambda: stack.run(*pending).stdout.strip(), timeout=60, what="a pending-upgrade record")
    finally:
        helm.kill()
        helm.wait()
    code, report = stack.drift()
    assert code == 1
    assert _problems(report) == [("DR004", "beta", "FAILED")]
    assert _finding(report, "DR004", "beta")["message"].startswith("revision 2 is stuck in pending-upgrade")


def test_extra_release_in_a_plan_namespace(stack: Stack) -> None:
    stack.helm("install", f"stray-{uuid.uuid4().hex[:4]}", str(CHART))
    code, report = stack.drift()
    assert code == 0  # a note, not drift
    (note,) = [f for f in report["findings"] if f["checkId"] == "DR007"]
    assert note["outcome"] == "PASSED" and note["subject"]["name"].startswith("stray-")
    assert "note:" in stack.text().stdout
    code, report = stack.drift("--strict")
    assert code == 1
    assert _problems(report) == [("DR007", None, "FAILED")]


def test_no_drift_right_after_stackplan_apply(applied: Stack) -> None:
    code, report = applied.drift()
    assert code == 0, _problems(report)
    _schema_valid(report)
    gamma = {f["checkId"]: f for f in report["findings"] if f["component"] == "gamma"}
    assert set(gamma) == {"DR001", "DR003", "DR006"} and gamma["DR001"]["subject"]["kind"] == "Kustomization"


def test_kustomize_release_changed_and_removed(applied: Stack) -> None:
    applied.run("kubectl", "annotate", "deployment", "gamma-web", "-n", applied.ns, "--overwrite",
                "stackplan.dev/values-digest=sha256:edited")
    code, report = applied.drift()
    assert code == 1
    assert _problems(report) == [("DR003", "gamma", "FAILED")]
    assert "sha256:edited" in _finding(report, "DR003", "gamma")["evidence"][0]
    applied.run("kubectl", "delete", "deployment", "gamma-web", "-n", applied.ns)
    code, report = applied.drift()
    assert _problems(report) == [("DR001", "gamma", "FAILED")]


def _token_kubeconfig(stack: Stack, sa: str, path: Path) -> str:
    """A kubeconfig for ServiceAccount `sa` in the stack's namespace (same server and CA as the admin one)."""
    token = stack.run("kubectl", "create", "token", sa, "-n", stack.ns).stdout.strip()
    server = stack.run("kubectl", "config", "view", "--minify", "--raw", "-o",
                       "jsonpath={.clusters[0].cluster.server}").stdout
    ca = stack.run("kubectl", "config", "view", "--minify", "--raw", "-o",
                   "jsonpath={.clusters[0].cluster.certificate-authority-data}").stdout
    path.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "sa",
        "clusters": [{"name": "c", "cluster": {"server": server, "certificate-authority-data": ca}}],
        "users": [{"name": sa, "user": {"token": token}}],
        "contexts": [{"name": "sa", "context": {"cluster": "c", "user": sa}}]}))
    return str(path)


def test_drift_runs_with_only_the_rbac_that_stackplan_rbac_prints(stack: Stack, tmp_path: Path) -> None:
    pytest.importorskip("planner.rbac")
    sa = "drift-reader"
    stack.run("kubectl", "create", "serviceaccount", sa, "-n", stack.ns)
    subject = f"serviceaccount:{stack.ns}:{sa}"
    cluster_only = stack.run(sys.executable, "-m", "planner", "rbac", "--subject", subject).stdout
    subprocess.run(["kubectl", "apply", "-f", "-"], input=cluster_only, env=stack.env, text=True, check=True,
                   capture_output=True)
    sa_env = {**stack.env, "KUBECONFIG": _token_kubeconfig(stack, sa, tmp_path / "sa-kubeconfig")}
    as_sa = Stack(stack.ns, stack.dir, sa_env, stack.crd)
    code, report = as_sa.drift()  # the check ClusterRole grants no Secrets: release records are UNKNOWN
    assert code == 1
    assert _problems(report) == [("DR001", "alpha", "UNKNOWN"), ("DR001", "beta", "UNKNOWN")]
    assert "stackplan rbac --drift" in _finding(report, "DR001", "alpha")["remediation"]
    with_drift = stack.run(sys.executable, "-m", "planner", "rbac", "--drift", "-f", "stackplan.yaml",
                           "--subject", subject).stdout
    subprocess.run(["kubectl", "apply", "-f", "-"], input=with_drift, env=stack.env, text=True, check=True,
                   capture_output=True)
    from tests.fixtures_cluster import eventually

    eventually(lambda: as_sa.drift()[0] == 0, timeout=20, what="drift clean once the RoleBinding is in effect")


def _dr010_evidence(report: dict[str, Any], component: str) -> list[str]:
    return _finding(report, "DR010", component)["evidence"]


def test_kubectl_set_image_set_env_and_scale_are_reported(stack: Stack) -> None:
    """The drift a platform team meets most: workloads changed with kubectl, Helm's record untouched."""
    code, report = stack.drift()
    assert code == 0 and _finding(report, "DR010", "alpha")["outcome"] == "PASSED"
    ns = stack.ns
    stack.run("kubectl", "set", "image", "deployment/alpha-web", "web=registry.invalid/widget:hotfix", "-n", ns)
    stack.run("kubectl", "scale", "deployment/alpha-web", "--replicas=0", "-n", ns)
    stack.run("kubectl", "set", "env", "deployment/beta-web", "MODE=debug", "API_TOKEN=live-token-value", "-n", ns)
    stack.run("kubectl", "set", "image", "daemonset/alpha-agent", "agent=registry.invalid/agent:2", "-n", ns)
    code, report = stack.drift()
    assert code == 1
    assert _problems(report) == [("DR010", "alpha", "FAILED"), ("DR010", "beta", "FAILED")]
    _schema_valid(report)
    c = "spec.template.spec.containers"
    alpha = _dr010_evidence(report, "alpha")
    assert sorted(alpha[:3]) == [  # in the manifest's order (Helm sorts by kind), then one line naming the record
        f"DaemonSet/{ns}/alpha-agent {c}[agent].image: release registry.invalid/widget:1, "
        "live registry.invalid/agent:2",
        f"Deployment/{ns}/alpha-web spec.replicas: release 1, live 0",
        f"Deployment/{ns}/alpha-web {c}[web].image: release registry.invalid/widget:1, "
        "live registry.invalid/widget:hotfix",
    ]
    assert len(alpha) == 4 and alpha[3].startswith("compared with the manifest of revision 1 (Secret ")
    assert _finding(report, "DR010", "alpha")["message"] == \
        "3 workload field(s) differ from the release manifest in DaemonSet/alpha-agent, Deployment/alpha-web"
    assert _dr010_evidence(report, "beta")[:2] == [
        f"Deployment/{ns}/beta-web {c}[web].env.API_TOKEN: release (not set), live ***",
        f'Deployment/{ns}/beta-web {c}[web].env.MODE: release (not set), live "debug"',
    ]
    assert _finding(report, "DR010", "alpha")["docUrl"] == "docs/drift.md#dr010"
    for out in (json.dumps(report), stack.text().stdout, stack.text("-o", "github").stdout,
                stack.text("-o", "junit").stdout):
        assert "live-token-value" not in out
    assert "::error" in stack.text("-o", "github").stdout
    stack.helm("rollback", "alpha", "1")  # the remediation: Helm's three-way merge restores them
    code, report = stack.drift()
    assert _problems(report) == [("DR010", "beta", "FAILED")]


def _chart_with_env_and_resources(tmp_path: Path) -> Path:
    """The widget chart, its web container given env (a literal from values, a fieldRef) and resources
    written in non-canonical form (the API server stores 0.5 as 500m, 1024Mi as 1Gi)."""
    chart = tmp_path / "widget-env"
    shutil.copytree(CHART, chart)
    tpl = chart / "templates" / "deployment.yaml"
    tpl.write_text(tpl.read_text() + """
          env:
            - {name: MODE, value: {{ .Values.mode | default "fast" | quote }}}
            - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
          resources:
            requests: {cpu: 0.5, memory: 1024Mi}
            limits: {cpu: 1000m, memory: {{ .Values.memoryLimit | default "1Gi" }}}
""")
    return chart


def test_helm_upgrade_with_new_values_is_not_dr010(stack: Stack, tmp_path: Path) -> None:
    chart = _chart_with_env_and_resources(tmp_path)
    stack.helm("upgrade", "alpha", str(chart), "-f", stack.values_file("alpha"), "--set", "replicaCount=2",
               "--set", "image=registry.invalid/widget:2", "--set", "mode=slow", "--set", "memoryLimit=2Gi")
    code, report = stack.drift()
    assert code == 1
    assert _problems(report) == [("DR003", "alpha", "FAILED")]  # values differ from the plan; workloads match Helm
    assert _finding(report, "DR010", "alpha")["outcome"] == "PASSED"
    stack.run("kubectl", "set", "resources", "deployment/alpha-web", "-c", "web", "--limits=memory=3Gi", "-n",
              stack.ns)
    code, report = stack.drift()
    assert _problems(report) == [("DR003", "alpha", "FAILED"), ("DR010", "alpha", "FAILED")]
    assert _dr010_evidence(report, "alpha")[0] == (
        f"Deployment/{stack.ns}/alpha-web spec.template.spec.containers[web].resources.limits.memory: "
        "release 2Gi, live 3Gi")


def test_replicas_an_hpa_manages_are_not_reported(stack: Stack) -> None:
    hpa = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
           "metadata": {"name": "alpha-web", "namespace": stack.ns},
           "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "alpha-web"},
                    "minReplicas": 1, "maxReplicas": 5,
                    "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                        "type": "Utilization", "averageUtilization": 80}}}]}}
    stack.run("kubectl", "scale", "deployment/alpha-web", "--replicas=3", "-n", stack.ns)  # what an HPA does
    code, report = stack.drift()
    assert code == 1 and _problems(report) == [("DR010", "alpha", "FAILED")]
    assert _dr010_evidence(report, "alpha")[0].endswith("spec.replicas: release 1, live 3")
    subprocess.run(["kubectl", "apply", "-f", "-"], input=json.dumps(hpa), env=stack.env, text=True, check=True,
                   capture_output=True)
    code, report = stack.drift()
    assert code == 0, _problems(report)
    assert _finding(report, "DR010", "alpha")["outcome"] == "PASSED"
    assert report["meta"]["apiRequests"] <= 2 + 1 + 1 + 3 + 1
