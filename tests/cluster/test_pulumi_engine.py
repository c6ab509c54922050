"""The real Pulumi engine on the real control plane, one profile (and serving layer, and with models) at a time:
`stackplan init` -> preview -> up -> the status real controllers would write -> `stackplan check`, `drift` and
`drift --pulumi` are clean -> `preview --expect-no-changes` is clean -> one value changed in stackplan.yaml ->
preview shows exactly that change -> up -> drift is clean -> destroy leaves no stackplan-labelled object.

Engine: tests/cluster/engine_helpers.py (the CLI and provider built by testbin/engine/build.sh; the program runs as
an Automation API inline program). Charts: the stand-ins of tests/charts, served as a local chart mirror laid out
as `mirror.charts` documents it (`<dir>/<chart name>`, here symlinks to tests/charts/<release id>), kustomize
folders from `mirror.kustomize` = tests/charts. CI runs this tier in a private network namespace (.ci/run), so
no webhook call, chart or plugin download can leave the machine.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from planner.commands.options import load_plan
from planner.desired.labels import MANAGED_BY, MANAGER
from planner.desired.objects import plan_objects
from tests.cli_helpers import run_cli
from tests.cluster.apply_helpers import CHARTS, ROOT, kubectl_json, run, tool_env, uninstall
from tests.cluster.engine_helpers import Project, cli_shim, engine_env, find_engine
from tests.cluster.test_e2e_profiles import cleanup_objects, operators_report_healthy, set_status
from tests.fixtures_cluster import _unavailable
from tests.user_names import fill_init_blanks

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(1800)]

# The one value each test changes after the first `up`: the GPU Operator's driver version, the override the
# generated stackplan.yaml itself shows (gpu-operator is in every profile).
CHANGED = 'components:\n  gpu-operator:\n    values:\n      driver:\n        version: "595.91.07"\n'
KUBEAI_MODEL = """models:
  - name: qwen-tiny
    source: ollama://qwen2.5:0.5b
    engine: ollama
    gpusPerReplica: 0
    replicas: 0
"""
KSERVE_MODEL = """models:
  - name: qwen-small
    source: hf://Qwen/Qwen2.5-0.5B-Instruct
    engine: vllm
    gpusPerReplica: 1
    replicas: 1
"""


@pytest.fixture(scope="session")
def pulumi_engine() -> Path:
    engine = find_engine()
    if engine is None:
        _unavailable(f"the Pulumi engine ({' and '.join(('pulumi', 'pulumi-resource-kubernetes'))}) was not "
                     "found; build it with `bash testbin/engine/build.sh` or set STACKPLAN_PULUMI_ENGINE")
    assert engine is not None
    return engine


@pytest.fixture
def engine(pulumi_engine: Path, kubeconfig: str, testbin_dir: Path, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The engine's environment, also set in this process (the inline program and in-process CLI runs read it);
    PATH starts with the `pulumi` of plain CLI calls (engine_helpers.cli_shim)."""
    env = engine_env(pulumi_engine, testbin_dir, kubeconfig, tmp_path / "engine")
    shim_dir = tmp_path / "pulumi-cli"
    cli_shim(shim_dir, pulumi_engine)
    env["PATH"] = f"{shim_dir}{os.pathsep}{env['PATH']}"
    # the shim's program imports `planner` from this checkout, as the in-process inline program does
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    yield env


def chart_mirror(plan, directory: Path) -> Path:
    """A local chart mirror as `mirror.charts` documents it: `<dir>/<chart name>` for every Helm release."""
    directory.mkdir(parents=True, exist_ok=True)
    for rid, rel in plan.releases.items():
        if not rel.how.kustomize:
            (directory / (rel.source.chart or rid)).symlink_to(CHARTS / rid, target_is_directory=True)
    return directory


def init_project(capsys, directory: Path, profile: str, *, serving: str | None = None, models: str = "",
                 charts: Path | None = None) -> Path:
    """`stackplan init`, then the edits a user would make in stackplan.yaml: the serving layer, models, mirror."""
    r = run_cli(capsys, "init", "--profile", profile, "--dir", str(directory))
    assert r.code == 0, r.out + r.err
    stack = directory / "stackplan.yaml"
    text = stack.read_text()
    if serving:
        assert "  serving: kubeai\n" in text
        text = text.replace("  serving: kubeai\n", f"  serving: {serving}\n")
    if models:
        assert "\nmodels: []\n" in text
        text = text.replace("\nmodels: []\n", "\n" + models)
    stack.write_text(text)
    fill_init_blanks(stack)  # the bucket init marks REQUIRED
    text = stack.read_text()
    if charts is None:
        charts = chart_mirror(load_plan(str(stack), None), directory.parent / "charts")
    stack.write_text(text + f"mirror:\n  charts: {charts}\n  kustomize: {CHARTS}\n")
    return stack


def controllers_report_healthy(env: dict[str, str], plan) -> None:
    """The status the real operators would write (the stand-in pods run nothing): e2e's, plus the stack's models."""
    operators_report_healthy(env, plan)
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    for o in plan_objects(plan):
        if o.kind == "Model" and o.name != "qwen":
            want = int(o.spec.get("minReplicas") or 0)
            set_status(env, "models.kubeai.org", o.name, {"replicas": {"all": want, "ready": want}}, o.namespace)
        elif o.kind == "InferenceService":
            conds = [{"type": t, "status": "True", "lastTransitionTime": now}
                     for t in ("PredictorReady", "IngressReady", "Ready")]
            set_status(env, "inferenceservices.serving.kserve.io", o.name,
                       {"conditions": conds, "url": f"http://{o.name}.{o.namespace}.example"}, o.namespace)


def stackplan(capsys, env: dict[str, str], *args: str):
    with tool_env(env):
        return run_cli(capsys, *args, "--kubeconfig", env["KUBECONFIG"])


def stackplan_labelled(env: dict[str, str]) -> list[str]:
    """Every object of every listable kind that carries app.kubernetes.io/managed-by=stackplan."""
    kinds = [k for k in run(env, "kubectl", "api-resources", "--verbs=list", "-o", "name").split()
             if k not in ("events", "events.events.k8s.io")]
    out = run(env, "kubectl", "get", ",".join(kinds), "-A", "-l", f"{MANAGED_BY}={MANAGER}", "-o", "name",
              "--ignore-not-found")
    return sorted(line for line in out.splitlines() if line.strip())


def crd_names(env: dict[str, str]) -> set[str]:
    return {i["metadata"]["name"] for i in kubectl_json(env, "get", "crds")["items"]}


def crds_folder_crds(plan) -> set[str]:
    """The CRDs of the plan's charts' crds/ folders (Helm installs them once and never deletes them)."""
    out: set[str] = set()
    for rid in plan.releases:
        folder = CHARTS / rid / "crds"
        for f in sorted(folder.glob("*.yaml")) if folder.is_dir() else ():
            out |= {d["metadata"]["name"] for d in yaml.safe_load_all(f.read_text())
                    if isinstance(d, dict) and d.get("kind") == "CustomResourceDefinition"}
    return out


def change_one_value(stack: Path) -> None:
    """Set gpu-operator's driver.version in stackplan.yaml, as a user would (under `components:`)."""
    before = load_plan(str(stack), None).releases["gpu-operator"].values_digest
    text = stack.read_text()
    if "\ncomponents: {}\n" in text:
        text = text.replace("\ncomponents: {}\n", "\n" + CHANGED)
    else:
        assert "\ncomponents:\n" in text and "\n  gpu-operator:" not in text
        text = text.replace("\ncomponents:\n", "\n" + CHANGED)
    stack.write_text(text)
    assert load_plan(str(stack), None).releases["gpu-operator"].values_digest != before


def no_errors(run_) -> None:
    assert run_.errors == [], "\n".join(run_.errors)


def up_check_drift_change_destroy(capsys, env: dict[str, str], project_dir: Path, stack: Path) -> None:
    plan = load_plan(str(stack), None)
    crds_before = crd_names(env)
    project = Project(project_dir, env)
    try:
        first = project.preview()
        no_errors(first)
        assert first.changes() and {s.op for s in first.changes()} == {"create"}
        assert {s.name for s in first.steps if s.type == "kubernetes:helm.sh/v3:Release"} >= {
            rid for rid, r in plan.releases.items() if not r.how.kustomize}

        no_errors(project.up())
        controllers_report_healthy(env, plan)

        check = stackplan(capsys, env, "check", "-f", str(stack))
        assert check.code == 0, check.out + check.err
        drift = stackplan(capsys, env, "drift", "-f", str(stack))
        assert drift.code == 0, drift.out + drift.err
        with_pulumi = stackplan(capsys, env, "drift", "-f", str(stack), "--pulumi", "-o", "json")
        assert with_pulumi.code == 0, with_pulumi.out + with_pulumi.err
        dr008 = [f for f in json.loads(with_pulumi.out)["findings"] if f["checkId"] == "DR008"]
        assert [f["outcome"] for f in dr008] == ["PASSED"] and "no changes" in dr008[0]["message"]

        clean = project.preview(expect_no_changes=True)
        no_errors(clean)
        assert clean.changes() == []

        change_one_value(stack)
        changed = project.preview()
        no_errors(changed)
        # the Release's values, and the values digest stackplan records in the Release's description
        # (planner/drift/compare.py) and on the release's namespace (planner/desired/labels.py): in place, nothing else
        steps = {(s.type, s.name): s for s in changed.changes()}
        assert sorted(steps) == [("kubernetes:core/v1:Namespace", "ns-gpu-operator"),
                                 ("kubernetes:helm.sh/v3:Release", "gpu-operator")], changed.changes()
        assert {s.op for s in steps.values()} == {"update"}
        release = steps["kubernetes:helm.sh/v3:Release", "gpu-operator"]
        assert sorted(release.diffs) == ["description", "values"], release  # the description has the values digest
        assert [p for p in release.paths if p.startswith("values")] == ["values.driver.version"], release
        ns = steps["kubernetes:core/v1:Namespace", "ns-gpu-operator"]
        assert ns.paths and all(p.startswith("metadata.annotations") and "values-digest" in p for p in ns.paths), ns
        no_errors(project.up())
        drift = stackplan(capsys, env, "drift", "-f", str(stack))
        assert drift.code == 0, drift.out + drift.err
    finally:
        destroyed = project.destroy()
        cleanup_objects(env)
    no_errors(destroyed)
    assert stackplan_labelled(env) == []
    releases = json.loads(run(env, "helm", "list", "-A", "-o", "json"))
    assert [r["name"] for r in releases if r["name"] in plan.releases] == []
    left = crd_names(env) - crds_before
    assert left <= crds_folder_crds(plan), f"CRDs left that no crds/ folder installed: {sorted(left)}"
    if left:  # Helm's crds/ CRDs stay by design (helm.sh docs, "CRDs"); later tests expect a cluster without them
        run(env, "kubectl", "delete", "crd", *sorted(left), "--wait=true", "--timeout=120s")


@pytest.mark.parametrize(("profile", "serving", "models"), [
    ("training-team", None, ""),
    ("llm-inference", None, ""),
    ("llm-inference", "kubeai", KUBEAI_MODEL),
    ("llm-inference", "kserve-vllm", KSERVE_MODEL),
    ("full-mlops", None, ""),
], ids=["training-team", "llm-inference", "llm-inference-kubeai-model", "llm-inference-kserve-vllm-model",
        "full-mlops"])
def test_pulumi_up_check_drift_change_destroy(capsys, engine, tmp_path, profile, serving, models):
    stack = init_project(capsys, tmp_path / "project", profile, serving=serving, models=models)
    up_check_drift_change_destroy(capsys, engine, tmp_path / "project", stack)


def test_drift_pulumi_fails_when_the_stack_cannot_be_read_or_the_cli_is_missing(capsys, engine, tmp_path,
                                                                                 monkeypatch):
    """The real CLI without a passphrase cannot read the stack: exit 3 with its reason; no CLI: exit 3;
    not a project: exit 2. Never a pass with a note."""
    stack = init_project(capsys, tmp_path / "project", "llm-inference")
    Project(tmp_path / "project", engine)  # creates and selects stack `dev` in the file backend
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE")
    r = stackplan(capsys, engine, "drift", "-f", str(stack), "--pulumi")
    assert r.code == 3, r.out + r.err
    assert "the stack could not be read" in r.err and "passphrase" in r.err.lower()

    no_cli = os.pathsep.join(p for p in engine["PATH"].split(os.pathsep) if not (Path(p) / "pulumi").exists())
    env = {**engine, "PATH": no_cli}
    assert shutil.which("pulumi", path=no_cli) is None
    r = stackplan(capsys, env, "drift", "-f", str(stack), "--pulumi")
    assert r.code == 3 and "`pulumi` CLI is not on PATH" in r.err, r.out + r.err

    (tmp_path / "project" / "Pulumi.yaml").unlink()
    r = stackplan(capsys, engine, "drift", "-f", str(stack), "--pulumi")
    assert r.code == 2 and "not a stackplan Pulumi project" in r.err, r.out + r.err


def test_full_mlops_from_a_local_chart_dir_laid_out_by_release_id(capsys, engine, tmp_path):
    """`mirror.charts` as a directory laid out <dir>/<release id> (what `apply --chart-dir` accepts): kserve's chart
    is kserve-resources, so a lookup by chart name alone fails `pulumi up` with `path not found` (issue #18, 2)."""
    stack = init_project(capsys, tmp_path / "project", "full-mlops", charts=CHARTS)
    plan = load_plan(str(stack), None)
    assert any(rel.source.chart not in (None, rid) for rid, rel in plan.releases.items())  # kserve-resources
    project = Project(tmp_path / "project", engine)
    try:
        no_errors(project.preview())
        no_errors(project.up())
    finally:
        try:
            project.destroy()
        finally:
            cleanup_objects(engine)
            uninstall(plan, engine)


def test_the_network_is_loopback_only_in_ci() -> None:
    """.ci/run runs this tier in a private network namespace: only `lo`, and no route off the machine."""
    if os.environ.get("STACKPLAN_NETNS") != "1":
        pytest.skip("not in the private network namespace (.ci/run sets STACKPLAN_NETNS=1 there)")
    ifaces = {line.split(":", 1)[0].strip() for line in Path("/proc/net/dev").read_text().splitlines()[2:]}
    assert ifaces == {"lo"}
    for address in ("10.96.0.1", "1.1.1.1"):  # the kernel has no route: nothing is even attempted
        assert subprocess.run(["ip", "route", "get", address], capture_output=True).returncode != 0, address
