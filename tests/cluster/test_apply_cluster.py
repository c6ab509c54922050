"""`stackplan apply` on the real control plane: each profile's plan from the local test charts, re-apply is
a no-op, a failing release stops later waves and a re-run continues, unreachable clusters exit 3.

The profiles share cluster-wide CRDs and fixed namespaces, so each test uninstalls what it installed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from planner.commands.options import load_plan
from planner.desired.revision import description
from planner.engine.charts import resolve_targets
from planner.engine.progress import plural
from planner.engine.state import ReleaseState
from planner.model import Plan, Release, Source
from planner.values import digest
from tests.cli_helpers import run_cli
from tests.cluster.apply_helpers import (
    CHARTS,
    PROFILES,
    helm_revision,
    kubectl_json,
    named,
    named_yaml,
    planned,
    run,
    tool_env,
    uninstall,
)

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def apply_env(kubeconfig: str, testbin_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    import os

    home = tmp_path_factory.mktemp("helm-home")
    env = dict(os.environ)
    env.update(KUBECONFIG=kubeconfig, PATH=f"{testbin_dir}{os.pathsep}{env.get('PATH', '')}",
               HELM_CACHE_HOME=str(home / "cache"), HELM_CONFIG_HOME=str(home / "config"),
               HELM_DATA_HOME=str(home / "data"))
    return env


def apply_cli(capsys, env, *args: str):
    with tool_env(env):
        return run_cli(capsys, "apply", "--kubeconfig", env["KUBECONFIG"], "--timeout", "3m", *args)


def kustomize_workloads(plan: Plan):
    for rel in plan.ordered():
        if rel.how.kustomize:
            for w in rel.workloads:
                yield rel, w


@pytest.mark.parametrize("profile", PROFILES)
def test_profile_installs_from_local_charts_and_reapply_is_a_no_op(profile, capsys, apply_env):
    env = apply_env
    plan = planned(profile)
    try:
        first = apply_cli(capsys, env, "--profile", profile, *named(profile), "--chart-dir", str(CHARTS))
        assert first.code == 0, first.out + first.err
        summary = (rf"applied {plural(len(plan.releases), 'release')}( and \d+ custom resources?)? in "
                   rf"{plural(len(plan.waves), 'wave')}:")
        assert re.search(summary, first.out), first.out[-500:]
        for rel in plan.ordered():
            if rel.how.kustomize:
                continue
            status = json.loads(run(env, "helm", "status", rel.id, "-n", rel.namespace, "-o", "json"))
            assert status["info"]["status"] == "deployed"
            meta = json.loads(run(env, "helm", "get", "metadata", rel.id, "-n", rel.namespace, "-o", "json"))
            assert meta["version"] == rel.version and meta["revision"] == 1
            assert status["info"]["description"] == description(rel)  # as the Pulumi program writes it
            record = kubectl_json(env, "get", "secret", "-n", rel.namespace, f"sh.helm.release.v1.{rel.id}.v1")
            assert record["metadata"]["labels"]["stackplan.dev/release"] == rel.id
            assert record["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "stackplan"
            for w in rel.workloads:  # the chart created the upstream object names, ready (helm --wait)
                if w.kind == "Job":
                    continue  # hook Jobs upstream, deleted when they succeed; the stand-ins create none
                kubectl_json(env, "get", w.kind.lower(), "-n", w.namespace or rel.namespace, w.name)
            for label, value in rel.namespace_labels.items():
                ns = kubectl_json(env, "get", "namespace", rel.namespace)
                assert ns["metadata"]["labels"].get(label) == value
        versions = {}
        for rel, w in kustomize_workloads(plan):
            obj = kubectl_json(env, "get", w.kind.lower(), "-n", w.namespace or rel.namespace, w.name)
            assert obj["metadata"]["labels"]["stackplan.dev/release"] == rel.id
            assert obj["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "stackplan"
            assert obj["metadata"]["annotations"]["stackplan.dev/values-digest"] == rel.values_digest
            assert (obj["status"].get("availableReplicas") or 0) >= 1
            versions[(rel.id, w.name)] = obj["metadata"]["resourceVersion"]

        again = apply_cli(capsys, env, "--profile", profile, *named(profile), "--chart-dir", str(CHARTS))
        assert again.code == 0, again.out + again.err
        for rel in plan.ordered():
            if rel.how.kustomize:
                continue
            assert f"{rel.id} up to date (revision 1)" in again.out
            assert f"{rel.id} installing" not in again.out, "an up-to-date release is not announced as installing"
            assert helm_revision(env, rel.id, rel.namespace) == 1
        for rel, w in kustomize_workloads(plan):  # server-side apply of identical manifests changes nothing
            obj = kubectl_json(env, "get", w.kind.lower(), "-n", w.namespace or rel.namespace, w.name)
            assert obj["metadata"]["resourceVersion"] == versions[(rel.id, w.name)]
        with tool_env(env):  # what apply installed is what the plan says: drift finds nothing
            drift = run_cli(capsys, "drift", "--profile", profile, *named(profile), "--kubeconfig",
                            env["KUBECONFIG"])
        assert drift.code == 0, drift.out + drift.err
    finally:
        uninstall(plan, env)


# ---- failures, on hand-made plans in a fresh namespace

def _chart(root: Path, name: str, version: str, template: str) -> None:
    d = root / name
    (d / "templates").mkdir(parents=True, exist_ok=True)
    (d / "Chart.yaml").write_text(f"apiVersion: v2\nname: {name}\nversion: {version}\n")
    (d / "templates" / "main.yaml").write_text(template)


def _deployment(name: str, node_selector: str = "") -> str:
    selector = f"      nodeSelector: {{{node_selector}}}\n" if node_selector else ""
    return (f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}}}\nspec:\n  replicas: 1\n"
            f"  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n"
            f"    spec:\n{selector}      containers: [{{name: main, image: registry.k8s.io/pause:3.10}}]\n")


def _release(rid: str, ns: str, charts: Path, needs: tuple[str, ...] = ()) -> Release:
    values = {"stackplanTest": rid}
    return Release(id=rid, component=rid, layer="test", source=Source("local", str(charts), chart=rid),
                   version="1.0.0", namespace=ns, needs=needs, values=values, values_digest=digest(values))


def _plan(ns: str, charts: Path) -> Plan:
    rels = [_release("alpha", ns, charts), _release("stuck", ns, charts),
            _release("later", ns, charts, needs=("stuck",))]
    return Plan(profile="test", kubernetes_version="1.35", cluster={}, choices={},
                waves=(("alpha", "stuck"), ("later",)), releases={r.id: r for r in rels})


def _install(plan: Plan, env, timeout: str):
    from planner.engine.install import install

    with tool_env(env):
        return install(plan, resolve_targets(plan), kubeconfig=env["KUBECONFIG"], context=None, timeout=timeout,
                       tty=False)


def test_a_release_that_never_becomes_ready_stops_later_waves_and_a_rerun_continues(
        cluster_namespace, apply_env, tmp_path, capsys):
    env, ns = apply_env, cluster_namespace
    _chart(tmp_path, "alpha", "1.0.0", _deployment("alpha"))
    _chart(tmp_path, "stuck", "1.0.0", _deployment("stuck", "no-such-label: x"))  # Pending forever
    _chart(tmp_path, "later", "1.0.0", _deployment("later"))
    plan = _plan(ns, tmp_path)
    try:
        result = _install(plan, env, "15s")
        by = {o.release: o for o in result.outcomes}
        assert result.exit_code() == 1 and result.failed_wave == 1
        assert by["alpha"].state is ReleaseState.READY
        assert by["stuck"].state is ReleaseState.FAILED
        assert "context deadline exceeded" in by["stuck"].detail or "timed out" in by["stuck"].detail
        assert by["stuck"].detail.endswith(f"not ready: Deployment {ns}/stuck: 0/1 ready"), by["stuck"].detail
        assert by["later"].state is ReleaseState.PENDING and helm_revision(env, "later", ns) is None
        out = capsys.readouterr().out
        assert "release stuck failed:" in out and "  wave 2 was not started" in out
        assert f"[wave 1] stuck installing {tmp_path}/stuck; helm --wait" in out and "(timeout 15s)" in out

        _chart(tmp_path, "stuck", "1.0.0", _deployment("stuck"))  # the cause is fixed
        again = _install(plan, env, "60s")
        by = {o.release: o for o in again.outcomes}
        assert again.ok
        assert by["alpha"].state is ReleaseState.SKIPPED  # continues where it stopped
        assert by["stuck"].state is ReleaseState.READY and by["stuck"].detail.startswith("upgraded")
        assert by["later"].state is ReleaseState.READY and helm_revision(env, "later", ns) == 1
    finally:
        for rid in ("later", "stuck", "alpha"):
            run(env, "helm", "uninstall", rid, "-n", ns, "--ignore-not-found", check=False)


def test_an_invalid_template_fails_with_helms_reason(cluster_namespace, apply_env, tmp_path):
    env, ns = apply_env, cluster_namespace
    _chart(tmp_path, "alpha", "1.0.0", "kind: ConfigMap\napiVersion: v1\nmetadata: {name: x}\n"
           "data: {v: {{ .Values.missing.key | quote }}}\n")
    _chart(tmp_path, "stuck", "1.0.0", _deployment("stuck"))
    _chart(tmp_path, "later", "1.0.0", _deployment("later"))
    plan = _plan(ns, tmp_path)
    try:
        result = _install(plan, env, "60s")
        by = {o.release: o for o in result.outcomes}
        assert by["alpha"].state is ReleaseState.FAILED and "nil pointer" in by["alpha"].detail
        assert by["stuck"].state is ReleaseState.READY
        assert by["later"].state is ReleaseState.PENDING
    finally:
        for rid in ("stuck", "alpha"):
            run(env, "helm", "uninstall", rid, "-n", ns, "--ignore-not-found", check=False)


def test_helm_is_found_in_the_sandbox_testbin_without_path(cluster_namespace, apply_env, tmp_path,
                                                            testbin_dir):
    """After `stackplan sandbox up` helm sits in the testbin cache, not on PATH: apply still finds it."""
    from planner.sandbox.binaries import find
    from planner.tools import find_helm

    env, ns = {**apply_env, "PATH": "/usr/bin:/bin"}, cluster_namespace
    if find("helm") is None:
        pytest.skip("helm is on PATH only (not in KUBEBUILDER_ASSETS or the testbin cache)")
    _chart(tmp_path, "alpha", "1.0.0", _deployment("alpha"))
    rel = _release("alpha", ns, tmp_path)
    plan = Plan(profile="test", kubernetes_version="1.35", cluster={}, choices={}, waves=(("alpha",),),
                releases={"alpha": rel})
    try:
        with tool_env(env):
            assert find_helm() == str(find("helm"))
        result = _install(plan, env, "60s")
        assert result.ok, result.outcomes
    finally:
        run(apply_env, "helm", "uninstall", "alpha", "-n", ns, "--ignore-not-found", check=False)


@pytest.mark.parametrize(("args", "message"), [(("--context", "nosuch"), "context `nosuch` is not in the kubeconfig")])
def test_kubeconfig_problems_exit_2_not_3(capsys, apply_env, args, message):
    r = apply_cli(capsys, apply_env, "--profile", "llm-inference", "--chart-dir", str(CHARTS), *args)
    assert r.code == 2 and message in r.err and "cannot be reached" not in r.err


def test_unreachable_cluster_exits_3(capsys, apply_env, tmp_path):
    from ruamel.yaml import YAML

    y = YAML(typ="safe")
    cfg = y.load(Path(apply_env["KUBECONFIG"]).read_text())
    for c in cfg["clusters"]:
        c["cluster"]["server"] = "https://127.0.0.1:1"
    dead = tmp_path / "dead-kubeconfig"
    with dead.open("w") as f:
        y.dump(cfg, f)
    env = {**apply_env, "KUBECONFIG": str(dead)}
    r = apply_cli(capsys, env, "--profile", "llm-inference", "--chart-dir", str(CHARTS))
    assert r.code == 3 and "cannot reach the Kubernetes API at https://127.0.0.1:1" in r.err


def test_air_gapped_stack_file_with_a_local_mirror_installs_without_chart_dir(capsys, apply_env, tmp_path):
    """mirror.charts / mirror.kustomize pointing at local folders: no repo, no OCI registry, no git."""
    stack = tmp_path / "stackplan.yaml"
    stack.write_text(f"profile: training-team\nchoices: {{scheduling: kueue}}\n"
                     f"mirror:\n  charts: {CHARTS}\n  kustomize: {CHARTS}\n  images: registry.internal:5000/mirror\n"
                     + named_yaml("training-team"))
    plan = load_plan(str(stack), None)
    assert {r.source.kind for r in plan.releases.values()} == {"local"}
    try:
        dry = apply_cli(capsys, apply_env, "-f", str(stack), "--dry-run")
        assert dry.code == 0 and "oci://" not in dry.out and "--repo" not in dry.out and "github.com" not in dry.out
        r = apply_cli(capsys, apply_env, "-f", str(stack))
        assert r.code == 0, r.out + r.err
        values = json.loads(run(apply_env, "helm", "get", "values", "gpu-operator", "-n", "gpu-operator", "-o",
                                "json"))
        assert values["operator"]["repository"].startswith("registry.internal:5000/mirror/")  # images mirrored too
    finally:
        uninstall(plan, apply_env)
