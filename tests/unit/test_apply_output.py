"""What apply prints and passes on: dry run, summary, trimmed errors, helm arguments, kustomize overlay."""

from __future__ import annotations

import pytest

from planner.engine.charts import ChartTarget, KustomizeTarget
from planner.engine.dryrun import describe
from planner.engine.duration import normalise, seconds
from planner.engine.kustomize import crd_names, overlay, partition, rollouts
from planner.engine.progress import LineProgress, summary_text
from planner.engine.state import ApplyResult, ReleaseOutcome, ReleaseState, trim_error
from tests.unit.engine_fakes import plan, release, targets
from tests.unit.stubs import HELM_VERSION, stub


def test_dry_run_lists_every_wave_namespace_and_command():
    p = plan((release("gpu-operator", ns="gpu-operator", version="v26.7.0",
                      labels={"pod-security.kubernetes.io/enforce": "privileged"}), release("cert-manager")),
             (release("kfp", ("gpu-operator",), kind="kustomize", ns="kubeflow"),))
    text = describe(p, targets(p), "5m")
    lines = text.splitlines()
    assert lines[1] == "wave 1 (in parallel):"
    assert ("    namespace gpu-operator with labels pod-security.kubernetes.io/enforce=privileged "
            "(kubectl apply --server-side)") in lines
    assert ("  gpu-operator: helm upgrade --install gpu-operator gpu-operator --repo https://charts.example.invalid "
            "--version v26.7.0 --namespace gpu-operator --create-namespace --wait --timeout 5m") in lines
    assert "wave 2:" in lines
    assert any(ln.startswith("  kfp: kubectl apply --server-side -k /manifests/kfp") for ln in lines)
    assert p.releases["kfp"].values_digest in text


def test_summary_names_the_failed_release_its_reason_and_the_waves_not_started():
    result = ApplyResult((
        ReleaseOutcome("a", 1, ReleaseState.READY, "installed (revision 1)", 2.0),
        ReleaseOutcome("b", 2, ReleaseState.FAILED, "Error: timed out waiting for the condition", 61.2),
        ReleaseOutcome("c", 3, ReleaseState.PENDING, "not started: wave 2 failed (b)"),
    ), waves_run=2, waves_total=3, failed_wave=2)
    text = summary_text(result)
    assert "release b failed: Error: timed out waiting for the condition" in text
    assert "wave 3 was not started" in text and "waves 3-3" not in text
    assert "run `stackplan apply` again" in text
    assert result.exit_code() == 1


def test_line_progress_prints_real_starts_waits_and_outcomes(capsys):
    now = [100.0]
    lp = LineProgress({"a": 1, "b": 1}, every=30, clock=lambda: now[0])
    lp.update("a", ReleaseState.PENDING)
    lp.update("a", ReleaseState.INSTALLING, "chart a")  # the engine first checks whether a is up to date
    lp.started("a", "installing chart a (timeout 10m)")
    lp.update("b", ReleaseState.INSTALLING, "chart b")
    lp.update("b", ReleaseState.SKIPPED, "up to date (revision 3)")
    now[0] = 129.0
    lp.tick()
    now[0] = 131.0
    lp.tick()
    lp.tick()
    lp.update("a", ReleaseState.READY, "installed")
    now[0] = 200.0
    lp.tick()
    assert capsys.readouterr().out.splitlines() == [
        "[wave 1] a installing chart a (timeout 10m)",
        "[wave 1] b up to date (revision 3)",
        "[wave 1] a still waiting after 31s: installing chart a (timeout 10m)",
        "[wave 1] a ready: installed",
    ]


def test_headline_grammar():
    one = ApplyResult((ReleaseOutcome("a", 1, ReleaseState.READY, "installed"),), waves_run=1, waves_total=1)
    assert summary_text(one).splitlines()[-1] == "applied 1 release in 1 wave: 1 ready"
    two = ApplyResult((ReleaseOutcome("a", 1, ReleaseState.READY), ReleaseOutcome("b", 2, ReleaseState.SKIPPED)),
                      waves_run=2, waves_total=2)
    assert summary_text(two).splitlines()[-1] == "applied 2 releases in 2 waves: 1 ready, 1 skipped"
    failed = ApplyResult((ReleaseOutcome("a", 1, ReleaseState.FAILED, "x"),
                          ReleaseOutcome("b", 2, ReleaseState.PENDING, "not started"),
                          ReleaseOutcome("c", 3, ReleaseState.PENDING, "not started")),
                         waves_run=1, waves_total=3, failed_wave=1)
    assert "  waves 2-3 were not started" in summary_text(failed).splitlines()


def test_not_ready_workloads_are_named():
    from planner.engine.waiting import not_ready, with_not_ready, workload_refs

    manifest = [{"kind": "Deployment", "metadata": {"name": "kubeai"}},
                {"kind": "DaemonSet", "metadata": {"name": "agent", "namespace": "other"}},
                {"kind": "Service", "metadata": {"name": "kubeai"}}, None]
    assert workload_refs(manifest, "kubeai") == [("Deployment", "kubeai", "kubeai"), ("DaemonSet", "other", "agent")]
    live = [{"kind": "Deployment", "metadata": {"name": "kubeai", "namespace": "kubeai"},
             "spec": {"replicas": 2}, "status": {"readyReplicas": 1}},
            {"kind": "DaemonSet", "metadata": {"name": "agent", "namespace": "other"},
             "status": {"numberReady": 3, "desiredNumberScheduled": 3}},
            {"kind": "StatefulSet", "metadata": {"name": "db", "namespace": "kubeai"}, "spec": {}, "status": {}}]
    lines = not_ready(live)
    assert lines == ["Deployment kubeai/kubeai: 1/2 ready", "StatefulSet kubeai/db: 0/1 ready"]
    assert with_not_ready("Error: timed out", lines) == ("Error: timed out — not ready: Deployment kubeai/kubeai: "
                                                         "1/2 ready; StatefulSet kubeai/db: 0/1 ready")
    assert with_not_ready("Error: x", []) == "Error: x"


def test_a_failed_helm_wait_names_what_was_not_ready():
    import asyncio

    from planner.engine.state import StepError
    from planner.engine.waiting import ObservedHelm

    class Helm:
        async def upgrade(self, release, target, timeout, current):
            raise StepError("Error: UPGRADE FAILED: context deadline exceeded")

        async def manifest(self, release):
            return [{"kind": "Deployment", "metadata": {"name": "kubeai"}}]

    class Kube:
        def __init__(self) -> None:
            self.asked: list = []

        async def get_objects(self, refs):
            self.asked.append(refs)
            return [{"kind": "Deployment", "metadata": {"name": "kubeai", "namespace": "kubeai"},
                     "spec": {"replicas": 2}, "status": {"readyReplicas": 1}}]

    class Progress:
        def __init__(self) -> None:
            self.said: list = []

        def started(self, release, what):
            self.said.append((release, what))

    kube, progress = Kube(), Progress()
    helm = ObservedHelm(Helm(), kube, progress)
    with pytest.raises(StepError) as err:
        asyncio.run(helm.upgrade(release("kubeai", ns="kubeai"), ChartTarget("kubeai"), "10m", None))
    assert err.value.message.endswith("context deadline exceeded — not ready: Deployment kubeai/kubeai: 1/2 ready")
    assert kube.asked == [[("Deployment", "kubeai", "kubeai")]]
    assert progress.said[0][0] == "kubeai" and "timeout 10m" in progress.said[0][1]


def test_trim_error_keeps_the_cause_and_masks_secrets():
    text = ("line one\n\nDEBUG noise\nmysql password: hunter2\n"
            "data: c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0\n"
            "Error: UPGRADE FAILED: timed out waiting for the condition\n")
    out = trim_error(text)
    assert out.endswith("Error: UPGRADE FAILED: timed out waiting for the condition")
    assert "hunter2" not in out and "c2VjcmV0" not in out and "DEBUG" not in out
    assert len(trim_error("x" * 5000)) <= 600


@pytest.mark.parametrize(("text", "secs"), [("90s", 90), ("10m", 600), ("1h30m", 5400), ("45", 45)])
def test_durations(text, secs):
    assert seconds(text) == secs


def test_bad_duration_and_normalised_bare_number():
    with pytest.raises(ValueError):
        seconds("ten minutes")
    assert normalise("30") == "30s" and normalise("2m") == "2m"


def test_kustomize_overlay_labels_without_touching_selectors():
    r = release("kfp", kind="kustomize", ns="kubeflow")
    ov = overlay(r, "../manifests/kfp")
    assert ov["resources"] == ["../manifests/kfp"]
    assert ov["labels"] == [{"pairs": {"app.kubernetes.io/managed-by": "stackplan", "stackplan.dev/release": "kfp"},
                             "includeSelectors": False, "includeTemplates": False}]
    assert ov["commonAnnotations"] == {"stackplan.dev/values-digest": r.values_digest}


def test_rendered_manifests_split_crds_and_namespaces_first():
    docs = [
        {"kind": "Deployment", "metadata": {"name": "ml-pipeline", "namespace": "kubeflow"}},
        {"kind": "CustomResourceDefinition", "metadata": {"name": "viewers.kubeflow.org"}},
        None,
        {"kind": "List", "items": [{"kind": "Namespace", "metadata": {"name": "kubeflow"}},
                                   {"kind": "DaemonSet", "metadata": {"name": "agent"}}]},
    ]
    first, rest = partition(docs)
    assert [d["kind"] for d in first] == ["CustomResourceDefinition", "Namespace"]
    assert crd_names(first) == ["viewers.kubeflow.org"]
    assert rollouts(rest, "kubeflow") == [("kubeflow", "deployment", "ml-pipeline"), ("kubeflow", "daemonset", "agent")]


def _runner(tmp_path, version: str):
    from planner.engine.helm import PyHelmRunner

    helm = stub(tmp_path, "helm", f'if args[:1] == ["version"]:\n    sys.stdout.write("{version}"); sys.exit(0)\n')
    return PyHelmRunner(str(helm), kubeconfig="/tmp/kc", context="ctx")


def test_helm_upgrade_arguments(tmp_path):
    r = release("kueue", ns="kueue-system", version="0.19.2")
    args = _runner(tmp_path, "v3.22.0").upgrade_args(r, ChartTarget("oci://registry.k8s.io/kueue/charts/kueue",
                                                                    version="0.19.2"), "5m")
    assert args[:4] == ["upgrade", "kueue", "oci://registry.k8s.io/kueue/charts/kueue", "--install"]
    joined = " ".join(args)
    for part in ("--namespace kueue-system", "--create-namespace", "--wait", "--timeout 5m", "--values -",
                 "--version 0.19.2", f"--description stackplan release kueue, values {r.values_digest}",
                 "--labels app.kubernetes.io/managed-by=stackplan,stackplan.dev/release=kueue"):
        assert part in joined
    assert "--repo" not in args


def test_helm_before_3_13_gets_no_labels_flag(tmp_path):
    r = release("a")
    args = _runner(tmp_path, "v3.12.3").upgrade_args(r, ChartTarget("/charts/a", local=True), "5m")
    assert "--labels" not in args and "--version" not in args


def test_helm_runner_reads_a_missing_release_as_none_and_a_deployed_one(tmp_path):
    import asyncio
    import json

    r = release("a", values={"replicas": 2.0})
    status = {"name": "a", "namespace": "apps", "version": 4, "info": {"status": "deployed",
              "last_deployed": "2026-11-27T07:00:00Z"}, "manifest": "",
              "chart": {"metadata": {"name": "a", "version": "1.0.0", "apiVersion": "v2"}}}
    body = HELM_VERSION + (
        'if args[:2] == ["status", "missing"]:\n    sys.stderr.write("Error: release: not found"); sys.exit(1)\n'
        f'if args[:1] == ["status"]:\n    print({json.dumps(json.dumps(status))}); sys.exit(0)\n'
        'if args[:2] == ["get", "values"]:\n    print(\'{"replicas": 2}\'); sys.exit(0)\n')
    from planner.engine.helm import PyHelmRunner

    runner = PyHelmRunner(str(stub(tmp_path, "helm", body)))
    missing = release("missing")
    assert asyncio.run(runner.deployed(missing)) is None
    got = asyncio.run(runner.deployed(r))
    assert got is not None and got.status == "deployed" and got.revision == 4 and got.version == "1.0.0"
    assert got.values_digest == r.values_digest  # 2.0 planned, 2 stored by helm: the same values


def test_kustomize_target_describe():
    assert KustomizeTarget("/x").describe() == "/x"


def test_rich_progress_and_summary_render_every_release(capsys):
    from planner.engine.progress import RichProgress, print_summary_rich

    now = [0.0]
    with RichProgress({"a": 1, "b": 2}, clock=lambda: now[0]) as progress:
        progress.update("a", ReleaseState.INSTALLING, "chart a")
        progress.started("a", "installing chart a (timeout 10m)")
        now[0] = 75.0
        from rich.console import Console

        console = Console(width=200, record=True)
        console.print(progress._table())
        live = console.export_text()
        assert "1m15s" in live and "installing chart a (timeout 10m)" in live
        progress.update("a", ReleaseState.READY, "installed (revision 1)")
        progress.update("b", ReleaseState.FAILED, "Error: boom")
    assert progress.rows["a"] == (ReleaseState.READY, "installed (revision 1)")
    result = ApplyResult((ReleaseOutcome("a", 1, ReleaseState.READY, "installed (revision 1)", 1.0),
                          ReleaseOutcome("b", 2, ReleaseState.FAILED, "Error: boom", 2.0)),
                         waves_run=2, waves_total=2, failed_wave=2)
    print_summary_rich(result)
    out = capsys.readouterr().out
    assert "installed (revision 1)" in out and "release b failed: Error: boom" in out
