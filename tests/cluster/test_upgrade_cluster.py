"""`stackplan upgrade` on the real control plane: the previous releases of Kueue, KServe and the GPU Operator
(stand-ins from tests/charts/previous.py, with those releases' CRD differences) installed by a real helm,
then the upgrade plan to the current pins read from Helm's records and the live CRDs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cluster.apply_helpers import CHARTS, ROOT, kubectl_json, run, uninstall

pytestmark = pytest.mark.cluster

STACK = """\
apiVersion: stackplan.dev/v1alpha1
kind: Stack
profile: llm-inference
choices: {serving: kserve-vllm}
cluster: {kubernetesVersion: "1.35", flavor: sandbox, gpu: {nodes: 1, perNode: 1}}
components:
  kueue: {enabled: true}
  kubeflow-trainer: {enabled: true}
"""
FLAVOR = """\
apiVersion: kueue.x-k8s.io/v1beta1
kind: ResourceFlavor
metadata: {name: upgrade-test-flavor}
spec: {}
"""


def _previous_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("charts_previous", CHARTS / "previous.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture
def previous_stack(cluster_env: dict[str, str], tmp_path: Path):
    """The stack's releases installed at the previous pins (current pins for the rest), torn down after."""
    from planner.catalog import load_catalog
    from planner.commands.options import load_plan

    previous = _previous_module()
    (tmp_path / "stackplan.yaml").write_text(STACK)
    plan = load_plan(str(tmp_path / "stackplan.yaml"), None)
    catalog = load_catalog()
    try:
        for rel in plan.ordered():
            chart = (previous.write_previous(catalog.blueprints[rel.component], tmp_path / "previous")
                     if rel.component in previous.PREVIOUS else CHARTS / rel.id)
            run(cluster_env, "helm", "install", rel.id, str(chart), "-n", rel.namespace, "--create-namespace",
                "--wait", "--timeout", "120s")
        yield tmp_path, plan
    finally:
        uninstall(plan, cluster_env)


def _upgrade(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "planner", "upgrade", "-f", "stackplan.yaml", *args], cwd=cwd,
                          env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=120)


def test_upgrade_plans_the_previous_pins_to_the_current_ones(previous_stack, cluster_env: dict[str, str]) -> None:
    where, _ = previous_stack
    run(cluster_env, "kubectl", "apply", "-f", "-", stdin=FLAVOR)
    crd = kubectl_json(cluster_env, "get", "crd", "resourceflavors.kueue.x-k8s.io")
    assert crd["status"]["storedVersions"] == ["v1beta1"]  # what a cluster installed at 0.15.8 holds

    p = _upgrade(cluster_env, where, "-o", "json")
    assert p.returncode == 0, p.stderr  # every hazard has a step: safe
    up = json.loads(p.stdout)
    releases = {r["release"]: (r["from"], r["to"], r["action"]) for r in up["releases"]}
    assert releases["kueue"] == ("0.15.8", "0.19.2", "upgrade")
    assert releases["gpu-operator"] == ("v26.3.3", "v26.7.0", "upgrade")
    assert releases["kserve-crd"] == ("v0.19.0", "v0.20.0", "upgrade")
    assert releases["kserve"] == ("v0.19.0", "v0.20.0", "upgrade")
    assert releases["kubeflow-trainer"] == ("2.2.1", "2.3.0", "upgrade")
    # installed at its pin by a plain `helm install` (the fixture), without the plan's values: a values-only step
    assert releases["cert-manager"][2] == "reconfigure"

    hazards = {(h["release"], h["code"]): h for h in up["hazards"]}
    storage = hazards[("kueue", "UP021")]
    assert "resourceflavors.kueue.x-k8s.io" in storage["message"]
    assert "CHANGELOG-0.16.md" in storage["source"]
    assert "crds/@v26.7.0" in hazards[("gpu-operator", "UP010")]["source"]
    assert "gpuclusters.nvidia.com" in hazards[("gpu-operator", "UP012")]["message"]
    # Kueue >= 0.17 with Trainer >= 2.2 (kueue#10127), and the Trainer CRDs leaving crds/ at 2.3.0
    assert "kubeflow-trainer >= 2.2.0" in hazards[("kueue", "UP033")]["message"]
    assert "CHANGELOG-0.17.md" in hazards[("kueue", "UP033")]["source"]
    assert "pkg/action/validate.go" in hazards[("kubeflow-trainer", "UP015")]["source"]

    steps = [(s["action"], s["release"]) for s in up["steps"]]
    assert steps[0] == ("crds", "gpu-operator")  # CRDs Helm would not upgrade, before any chart
    upgrades = [r for a, r in steps if a == "upgrade"]
    assert upgrades.index("kserve-crd") < upgrades.index("kserve")
    assert steps.index(("upgrade", "kueue")) < steps.index(("migrate", "kueue"))
    assert steps.index(("adopt", "kubeflow-trainer")) + 1 == steps.index(("upgrade", "kubeflow-trainer"))
    migrate = next(s for s in up["steps"] if s["action"] == "migrate")
    assert "resourceflavors.kueue.x-k8s.io" in migrate["crds"]

    table = _upgrade(cluster_env, where)
    assert table.returncode == 0, table.stderr
    assert "source: kubernetes-sigs/kueue:CHANGELOG/CHANGELOG-0.16.md@v0.19.2" in table.stdout
    assert "Safe: yes" in table.stdout


def test_upgrade_exits_3_when_the_cluster_is_unreachable(tmp_path: Path) -> None:
    (tmp_path / "stackplan.yaml").write_text(STACK)
    (tmp_path / "kubeconfig").write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "x",
        "clusters": [{"name": "x", "cluster": {"server": "https://127.0.0.1:9"}}],
        "contexts": [{"name": "x", "context": {"cluster": "x", "user": "x"}}],
        "users": [{"name": "x", "user": {"token": "t"}}]}))
    p = _upgrade({"PATH": "/usr/bin:/bin"}, tmp_path, "--kubeconfig", str(tmp_path / "kubeconfig"),
                 "--timeout", "2s")
    assert p.returncode == 3, p.stderr
    assert "Traceback" not in p.stderr


POLICY = """\
apiVersion: nvidia.com/v1
kind: ClusterPolicy
metadata: {name: upgrade-test-policy}
spec: {}
"""


def _inventory(env: dict[str, str], plan) -> set[str]:
    """Every custom resource of the plan's CRDs that exist, as `crd/namespace/name`."""
    found: set[str] = set()
    for crd in sorted({c for r in plan.releases.values() for c in r.crds}):
        if not run(env, "kubectl", "get", "crd", crd, "--ignore-not-found", "-o", "name").strip():
            continue
        for item in kubectl_json(env, "get", crd, "--all-namespaces")["items"]:
            found.add(f"{crd}/{item['metadata'].get('namespace', '')}/{item['metadata']['name']}")
    return found


def _record_rv(env: dict[str, str], release: str, namespace: str) -> int:
    """The etcd revision (resourceVersion) of the newest Helm release record: written when its upgrade ended."""
    secrets = kubectl_json(env, "get", "secrets", "-n", namespace, "-l", f"owner=helm,name={release}")["items"]
    newest = max(secrets, key=lambda s: int(s["metadata"]["labels"]["version"]))
    return int(newest["metadata"]["resourceVersion"])


def test_upgrade_apply_runs_the_printed_steps_in_order_and_keeps_custom_resources(
        previous_stack, cluster_env: dict[str, str]) -> None:
    where, plan = previous_stack
    run(cluster_env, "kubectl", "apply", "-f", "-", stdin=FLAVOR)
    run(cluster_env, "kubectl", "apply", "-f", "-", stdin=POLICY)
    before = _inventory(cluster_env, plan)
    assert {"resourceflavors.kueue.x-k8s.io//upgrade-test-flavor",
            "clusterpolicies.nvidia.com//upgrade-test-policy"} <= before
    planned = _upgrade(cluster_env, where, "-o", "json", "--chart-dir", str(CHARTS))
    assert planned.returncode == 0, planned.stderr
    steps = [(s["action"], s["release"]) for s in json.loads(planned.stdout)["steps"]]

    p = _upgrade(cluster_env, where, "--apply", "--chart-dir", str(CHARTS), "--release-timeout", "3m")
    assert p.returncode == 0, p.stdout + p.stderr
    # the progress names each printed step, in the printed order
    ran = [line.split(":")[0].split("] ", 1)[1] for line in p.stderr.splitlines() if line.startswith("[")
           and "/" in line.split("]")[0]]
    what = {"crds": "CRDs of {}", "migrate": "storage migration of {}", "adopt": "CRD ownership of {}"}
    assert ran == [what.get(a, a + " {}").format(r) for a, r in steps]

    # and the cluster saw them in that order (etcd revisions only grow): each release's record was written
    # after the previous release's, and Kueue's migration (the flavor rewritten, storedVersions patched) after
    # Kueue's upgrade and before the next release moved
    releases = [r for a, r in steps if a in ("upgrade", "install")]  # Helm releases (kustomize has no record)
    revs = [_record_rv(cluster_env, r, plan.releases[r].namespace) for r in releases]
    assert revs == sorted(revs) and len(set(revs)) == len(revs), dict(zip(releases, revs, strict=True))
    flavor = kubectl_json(cluster_env, "get", "resourceflavors.kueue.x-k8s.io", "upgrade-test-flavor")
    crd = kubectl_json(cluster_env, "get", "crd", "resourceflavors.kueue.x-k8s.io")
    kueue_at = steps.index(("upgrade", "kueue"))
    after_kueue = next(r for a, r in steps[kueue_at + 1:] if a in ("upgrade", "install", "reapply"))
    assert steps.index(("migrate", "kueue")) < steps.index(("upgrade", after_kueue))
    kueue_rv, next_rv = (_record_rv(cluster_env, r, plan.releases[r].namespace) for r in ("kueue", after_kueue))
    assert kueue_rv < int(flavor["metadata"]["resourceVersion"]) < int(crd["metadata"]["resourceVersion"]) < next_rv
    assert crd["status"]["storedVersions"] == ["v1beta2"]

    for rel in plan.releases.values():  # every release at its current pin
        status = json.loads(run(cluster_env, "helm", "list", "-n", rel.namespace, "-o", "json"))
        assert {r["name"]: r["chart"] for r in status}[rel.id].endswith(rel.version), rel.id
    # the CRDs new in v26.7.0 sit in crds/, which helm upgrade skips: the server-side apply step made them
    new_crd = kubectl_json(cluster_env, "get", "crd", "computedomains.resource.nvidia.com", "--show-managed-fields")
    assert any(m.get("manager") == "stackplan" and m.get("operation") == "Apply"
               for m in new_crd["metadata"]["managedFields"])
    # the Trainer CRDs its old chart installed from crds/ now belong to the release (the adopt step), so helm
    # upgraded them from templates
    trainjobs = kubectl_json(cluster_env, "get", "crd", "trainjobs.trainer.kubeflow.org")
    assert trainjobs["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "Helm"
    assert trainjobs["metadata"]["annotations"]["meta.helm.sh/release-name"] == "kubeflow-trainer"
    # no custom resource lost (the plan's own, applied after Kueue's step, come on top)
    after = _inventory(cluster_env, plan)
    assert before <= after, before - after
    assert "clusterqueues.kueue.x-k8s.io//stackplan" in after

    again = _upgrade(cluster_env, where, "-o", "json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["steps"] == []
    drift = subprocess.run([sys.executable, "-m", "planner", "drift", "-f", "stackplan.yaml", "-o", "json"],
                           cwd=where, env={**cluster_env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
                           timeout=120)
    findings = [f for f in json.loads(drift.stdout).get("findings", []) if f.get("outcome") != "PASSED"]
    assert drift.returncode == 0, findings


def test_without_the_adopt_step_helm_refuses_the_trainer_crds_moved_to_templates(
        cluster_env: dict[str, str], tmp_path: Path) -> None:
    """The crdAdoption fact of kubeflow-trainer, against the real helm: CRDs a crds/ folder installed carry no Helm
    ownership, so `helm upgrade` to a chart templating them fails; after the adopt step's label and annotations
    it goes through."""
    from planner.catalog import load_catalog
    from planner.upgrade.execute import Tools, adopt

    bp = load_catalog().blueprints["kubeflow-trainer"]
    old = _previous_module().write_previous(bp, tmp_path / "previous")
    ns, crds = bp.namespace, [c for c in bp.crds if c.endswith("trainer.kubeflow.org")]
    try:
        run(cluster_env, "helm", "install", "kubeflow-trainer", str(old), "-n", ns, "--create-namespace")
        refused = subprocess.run(["helm", "upgrade", "kubeflow-trainer", str(CHARTS / "kubeflow-trainer"), "-n", ns],
                                 env=cluster_env, capture_output=True, text=True, timeout=120)
        assert refused.returncode != 0 and "invalid ownership metadata" in refused.stderr, refused.stderr
        import shutil

        path = cluster_env["PATH"]
        tools = Tools(str(shutil.which("helm", path=path)), str(shutil.which("kubectl", path=path)),
                      ("--kubeconfig", cluster_env["KUBECONFIG"]))
        assert adopt(tools, crds, "kubeflow-trainer", ns) == f"3 CRD(s) handed to Helm release {ns}/kubeflow-trainer"
        run(cluster_env, "helm", "upgrade", "kubeflow-trainer", str(CHARTS / "kubeflow-trainer"), "-n", ns)
        crd = kubectl_json(cluster_env, "get", "crd", "trainjobs.trainer.kubeflow.org")
        assert crd["metadata"]["annotations"]["meta.helm.sh/release-name"] == "kubeflow-trainer"
    finally:
        run(cluster_env, "helm", "uninstall", "kubeflow-trainer", "-n", ns, "--wait", "--timeout", "120s",
            "--ignore-not-found", check=False)
        run(cluster_env, "kubectl", "delete", "crd", *bp.crds, "--ignore-not-found", "--wait=true", check=False)


def test_upgrade_apply_stops_at_a_failed_release_and_the_printed_command_continues(
        previous_stack, cluster_env: dict[str, str], tmp_path: Path) -> None:
    """A release that cannot be upgraded (its chart fails to render) stops the run after the steps before it; the
    command it prints, run once the chart is fixed, does the rest and nothing twice."""
    import shlex
    import shutil

    where, plan = previous_stack
    charts = tmp_path / "charts"
    shutil.copytree(CHARTS, charts, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    broken = charts / "kserve" / "templates" / "broken.yaml"
    broken.write_text('{{ fail "broken on purpose by the test" }}\n')
    planned = _upgrade(cluster_env, where, "-o", "json", "--chart-dir", str(charts))
    steps = [(s["action"], s["release"]) for s in json.loads(planned.stdout)["steps"]]
    at = steps.index(("upgrade", "kserve"))

    first = _upgrade(cluster_env, where, "--apply", "--chart-dir", str(charts), "--release-timeout", "3m")
    assert first.returncode == 1, first.stderr
    err = first.stderr.splitlines()
    failed = next(line for line in err if line.startswith("upgrade --apply: step"))
    assert failed.startswith(f"upgrade --apply: step {at + 1}/{len(steps)} (upgrade kserve) failed: ")
    assert "broken on purpose by the test" in failed
    done = next(line for line in err if line.startswith("  done: "))
    assert done.count(". ") == at  # every step before kserve's finished
    assert next(line for line in err if line.startswith("  not started: ")).count(". ") == len(steps) - at - 1
    command = next(line for line in err if line.startswith("  to continue")).split("run: ", 1)[1]
    argv = shlex.split(command)
    assert argv[:2] == ["stackplan", "upgrade"] and "--apply" in argv
    status = json.loads(run(cluster_env, "helm", "list", "-n", plan.releases["kserve"].namespace, "-o", "json"))
    assert {r["name"]: r["chart"] for r in status}["kserve"].endswith("v0.19.0")  # not moved

    broken.unlink()
    left = _upgrade(cluster_env, where, "-o", "json", "--chart-dir", str(charts))
    assert [(s["action"], s["release"]) for s in json.loads(left.stdout)["steps"]] == steps[at:]
    second = subprocess.run([sys.executable, "-m", "planner", *argv[1:]], cwd=where,
                            env={**cluster_env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    assert f"upgrade --apply: {len(steps) - at} step(s) done" in second.stderr
    again = _upgrade(cluster_env, where, "-o", "json", "--chart-dir", str(charts))
    assert json.loads(again.stdout)["steps"] == []
