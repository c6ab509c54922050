"""The apply engine on fakes: waves in order, parallel within a wave, failures stop later waves, re-runs skip."""

from __future__ import annotations

import asyncio

from planner.engine.apply import apply_plan, up_to_date
from planner.engine.runner import Deployed
from planner.engine.state import ReleaseState
from tests.unit.engine_fakes import FakeCluster, FakeHelm, FakeKube, Recorder, plan, release, targets


def run(p, helm, kube, observer=None):
    return asyncio.run(apply_plan(p, targets(p), helm=helm, kube=kube, timeout="1m", observer=observer))


def three_waves():
    a, b, c = release("a"), release("b"), release("c")
    d, e = release("d", ("a",)), release("e", ("b",))
    f = release("f", ("d", "e"))
    return plan((a, b, c), (d, e), (f,))


def test_waves_run_in_order_and_releases_of_a_wave_in_parallel():
    cluster = FakeCluster()
    result = run(three_waves(), FakeHelm(cluster), FakeKube(cluster))
    assert result.ok and result.exit_code() == 0
    assert cluster.max_running == 3  # the three releases of wave 1 overlapped
    ends = {rel: i for i, (ev, rel) in enumerate(cluster.events) if ev == "end"}
    starts = {rel: i for i, (ev, rel) in enumerate(cluster.events) if ev == "start"}
    assert max(ends[r] for r in "abc") < min(starts[r] for r in "de")
    assert max(ends[r] for r in "de") < starts["f"]
    assert [o.state for o in result.outcomes] == [ReleaseState.READY] * 6


def test_failed_release_lets_its_wave_finish_then_stops_later_waves():
    cluster = FakeCluster()
    helm = FakeHelm(cluster, fail={"d": "Error: UPGRADE FAILED: context deadline exceeded"})
    result = run(three_waves(), helm, FakeKube(cluster))
    by = {o.release: o for o in result.outcomes}
    assert result.exit_code() == 1 and result.failed_wave == 2 and result.waves_run == 2
    assert by["d"].state is ReleaseState.FAILED and "context deadline exceeded" in by["d"].detail
    assert by["e"].state is ReleaseState.READY  # its sibling finished
    assert by["f"].state is ReleaseState.PENDING and "wave 2 failed (d)" in by["f"].detail
    assert "f" not in helm.upgrades


def test_rerun_after_a_failure_skips_what_is_installed_and_continues():
    cluster = FakeCluster()
    run(three_waves(), FakeHelm(cluster, fail={"e": "boom"}), FakeKube(cluster))
    helm = FakeHelm(cluster)  # the cause is fixed
    result = run(three_waves(), helm, FakeKube(cluster))
    by = {o.release: o.state for o in result.outcomes}
    assert result.ok
    assert {r for r, s in by.items() if s is ReleaseState.SKIPPED} == {"a", "b", "c", "d"}
    assert helm.upgrades == ["e", "f"]  # the failed release is retried, then the wave that never ran
    third = run(three_waves(), FakeHelm(cluster), FakeKube(cluster))
    assert all(o.state is ReleaseState.SKIPPED for o in third.outcomes)  # a third run changes nothing


def test_up_to_date_needs_deployed_status_same_version_and_same_digest():
    r = release("a", values={"x": 1})
    assert up_to_date(r, Deployed("deployed", "a", "1.0.0", r.values_digest, 3))
    assert not up_to_date(r, None)
    assert not up_to_date(r, Deployed("failed", "a", "1.0.0", r.values_digest, 3))
    assert not up_to_date(r, Deployed("pending-install", "a", "1.0.0", r.values_digest, 3))
    assert not up_to_date(r, Deployed("deployed", "a", "0.9.0", r.values_digest, 3))
    assert not up_to_date(r, Deployed("deployed", "a", "1.0.0", "sha256:other", 3))
    assert not up_to_date(r, Deployed("deployed", "other-chart", "1.0.0", r.values_digest, 3))


def test_changed_values_upgrade_a_deployed_release():
    cluster = FakeCluster()
    first = plan((release("a", values={"x": 1}),))
    run(first, FakeHelm(cluster), FakeKube(cluster))
    helm = FakeHelm(cluster)
    result = run(plan((release("a", values={"x": 2}),)), helm, FakeKube(cluster))
    assert helm.upgrades == ["a"] and result.outcomes[0].detail == "upgraded"
    assert cluster.deployed["a"].revision == 2


def test_namespaces_are_created_first_each_release_with_its_own_field_manager():
    """The labels are the namespace's (planner/desired/namespaces.py, as the Pulumi program sets them)."""
    from planner.desired.namespaces import namespace_specs

    cluster = FakeCluster()
    kube = FakeKube(cluster)
    p = plan((release("a", ns="kubeflow", labels={"katib.kubeflow.org/metrics-collector-injection": "enabled"}),
              release("b", ns="kubeflow", labels={"team": "ml"}), release("c", ns="other")))
    run(p, FakeHelm(cluster), kube)
    kubeflow = {"katib.kubeflow.org/metrics-collector-injection": "enabled", "team": "ml"}
    spec = {s.name: s.labels for s in namespace_specs(p)}
    assert {k: v for k, v in spec["kubeflow"].items() if k in kubeflow} == kubeflow
    # identity labels left out: a kustomize release's own Namespace object carries them (with its own id)
    assert sorted(kube.namespaces, key=lambda n: n[2]) == [
        ("kubeflow", kubeflow, "stackplan-a"), ("kubeflow", kubeflow, "stackplan-b"), ("other", {}, "stackplan-c")]
    first_start = next(i for i, (ev, _) in enumerate(cluster.events) if ev == "start")
    assert all(i < first_start for i, (ev, _) in enumerate(cluster.events) if ev == "namespace")


def test_a_namespace_that_cannot_be_created_fails_its_releases_only():
    cluster = FakeCluster()
    helm = FakeHelm(cluster)
    p = plan((release("a", ns="locked"), release("b", ns="open")), (release("c", ("b",), ns="open"),))
    result = run(p, helm, FakeKube(cluster, fail_namespace="locked"))
    by = {o.release: o for o in result.outcomes}
    assert by["a"].state is ReleaseState.FAILED and "namespace locked: forbidden" in by["a"].detail
    assert by["b"].state is ReleaseState.READY and by["c"].state is ReleaseState.PENDING
    assert helm.upgrades == ["b"]


def test_without_kubectl_labelled_namespaces_fail_and_unlabelled_ones_are_left_to_helm():
    cluster = FakeCluster()
    helm = FakeHelm(cluster)
    p = plan((release("a", labels={"pod-security.kubernetes.io/enforce": "privileged"}, ns="gpu"),
              release("b", ns="plain")))
    result = run(p, helm, None)
    by = {o.release: o for o in result.outcomes}
    assert by["a"].state is ReleaseState.FAILED and "needs kubectl" in by["a"].detail
    assert by["b"].state is ReleaseState.READY and helm.upgrades == ["b"]


def test_kustomize_releases_go_to_kubectl_and_helm_releases_to_helm():
    cluster = FakeCluster()
    helm, kube = FakeHelm(cluster), FakeKube(cluster)
    p = plan((release("kfp", kind="kustomize", ns="kubeflow"), release("mlflow")))
    result = run(p, helm, kube)
    assert result.ok and kube.kustomized == ["kfp"] and helm.upgrades == ["mlflow"]


def test_an_unexpected_exception_fails_one_release_not_the_run():
    cluster = FakeCluster()
    result = run(plan((release("a"), release("b"))), FakeHelm(cluster, crash={"a"}), FakeKube(cluster))
    by = {o.release: o for o in result.outcomes}
    assert by["a"].state is ReleaseState.FAILED and by["a"].detail.startswith("RuntimeError")
    assert by["b"].state is ReleaseState.READY


def test_observer_sees_pending_installing_then_ready_or_skipped():
    cluster = FakeCluster()
    rec = Recorder()
    run(plan((release("a"),)), FakeHelm(cluster), FakeKube(cluster), rec)
    assert rec.seen == [("a", ReleaseState.PENDING), ("a", ReleaseState.INSTALLING), ("a", ReleaseState.READY)]
    rec2 = Recorder()
    run(plan((release("a"),)), FakeHelm(cluster), FakeKube(cluster), rec2)
    assert rec2.seen[-1] == ("a", ReleaseState.SKIPPED)


def test_parallelism_is_bounded():
    cluster = FakeCluster()
    p = plan(tuple(release(f"r{i}") for i in range(6)))
    asyncio.run(apply_plan(p, targets(p), helm=FakeHelm(cluster), kube=FakeKube(cluster), parallel=2))
    assert cluster.max_running == 2
