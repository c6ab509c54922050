"""apply's custom resources (planner/engine/resources.py) and the repair of up-to-date releases, on fakes."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from planner.desired.labels import MANAGED_BY, RELEASE, SPEC_DIGEST, VALUES_DIGEST
from planner.emit.pulumi import custom_objects
from planner.emit.settings import EmitConfig
from planner.engine import resources
from planner.engine.apply import apply_plan
from planner.engine.charts import ChartTarget
from planner.engine.dryrun import describe
from planner.engine.progress import summary_text
from planner.engine.runner import Deployed
from planner.engine.state import ReleaseState, StepError
from planner.model import Model, Plan, Release, Workload
from tests.unit.engine_fakes import FakeCluster, FakeHelm, FakeKube, plan, release, targets

CRD = "models.kubeai.org"


class FakeObjects(FakeKube):
    """FakeKube plus the ClusterObjects protocol: records what is applied and what it was asked."""

    def __init__(self, cluster: FakeCluster, *, missing: Mapping[str, list[str]] | None = None,
                 secrets: set[str] | None = None, fail_apply: str | None = None) -> None:
        super().__init__(cluster)
        self.gone = {k: list(v) for k, v in (missing or {}).items()}
        self.secrets = secrets or set()
        self.fail_apply = fail_apply
        self.applied: list[list[dict[str, Any]]] = []
        self.restored: list[str] = []

    async def apply_objects(self, docs: list[dict[str, Any]], timeout: str) -> None:
        self.cluster.events.append(("crs", ",".join(d["metadata"]["name"] for d in docs)))
        if self.fail_apply:
            raise StepError(self.fail_apply)
        self.applied.append(docs)

    async def missing(self, release: Release) -> list[str]:
        return self.gone.get(release.id, [])

    async def missing_secrets(self, refs: list[tuple[str, str, str]]) -> list[str]:
        return [f"Secret {ns}/{n} (key {k})" for ns, n, k in sorted(set(refs)) if f"{ns}/{n}" not in self.secrets]

    async def restore_crds(self, release: Release, target: ChartTarget, timeout: str) -> list[str]:
        self.cluster.events.append(("restore-crds", release.id))
        crds = [g.split("/", 1)[1] for g in self.gone.pop(release.id, []) if g.startswith("CustomResourceDefinition/")]
        self.restored += crds
        return crds


def serving_plan(**cluster: Any) -> Plan:
    kueue = replace(release("kueue", ns="kueue-system"), crds=("clusterqueues.kueue.x-k8s.io",))
    kubeai = replace(release("kubeai", ("kueue",), ns="kubeai"), crds=(CRD,),
                     workloads=(Workload("Deployment", "kubeai"),))
    kserve = replace(release("kserve", ("kueue",), ns="kserve"), crds=("inferenceservices.serving.kserve.io",))
    p = plan((kueue,), (kserve, kubeai))
    models = (Model("qwen", "ollama://qwen2.5:0.5b", engine="ollama", gpus_per_replica=0, replicas=0),
              Model("llama", "hf://meta-llama/Llama-3.1-8B-Instruct"))
    return replace(p, models=models, cluster=cluster or {"gpu": {"nodes": 1, "perNode": 1, "type": "NVIDIA-L4"}})


def run(p: Plan, helm: FakeHelm, kube: Any):
    return asyncio.run(apply_plan(p, targets(p), helm=helm, kube=kube, timeout="1m"))


def docs_by_row(kube: FakeObjects) -> dict[str, dict[str, Any]]:
    out = {}
    for batch in kube.applied:
        for d in batch:
            ns = d["metadata"].get("namespace")
            out[f"{d['kind']}/{ns}/{d['metadata']['name']}" if ns else f"{d['kind']}/{d['metadata']['name']}"] = d
    return out


def test_apply_creates_the_same_objects_as_the_pulumi_program() -> None:
    p = serving_plan()
    cluster = FakeCluster()
    kube = FakeObjects(cluster, secrets={"ml-workloads/stackplan-huggingface"})
    result = run(p, FakeHelm(cluster), kube)
    assert result.ok, summary_text(result)
    applied = docs_by_row(kube)
    # the Pulumi program, given a Hugging Face token, builds the very same manifests from planner/desired/objects.py
    pulumi = {resources.row(o): resources.manifest(p, o)
              for o in custom_objects(p, EmitConfig(secrets={"huggingfaceToken": object()}))}
    assert applied == pulumi
    assert {"Model/kubeai/qwen", "Model/kubeai/llama", "InferenceService/ml-workloads/llama",
            "ClusterQueue/stackplan", "LocalQueue/ml-workloads/default"} <= set(applied)
    model = applied["Model/kubeai/llama"]
    labels, notes = model["metadata"]["labels"], model["metadata"]["annotations"]
    assert labels[MANAGED_BY] == "stackplan" and labels[RELEASE] == "kubeai"
    assert notes[VALUES_DIGEST] == p.releases["kubeai"].values_digest and notes[SPEC_DIGEST].startswith("sha256:")
    assert model["spec"]["resourceProfile"] == "nvidia-gpu-l4:1"


def test_objects_are_applied_after_the_wave_of_their_operator_and_before_the_next() -> None:
    p = serving_plan()
    cluster = FakeCluster()
    kube = FakeObjects(cluster, secrets={"ml-workloads/stackplan-huggingface"})
    result = run(p, FakeHelm(cluster), kube)
    ev = cluster.events
    kueue_crs = ev.index(("crs", "default-flavor,gpu,stackplan,default"))
    assert ev.index(("end", "kueue")) < kueue_crs < ev.index(("start", "kubeai"))
    wave2 = next(i for i, e in enumerate(ev) if e[0] == "crs" and "qwen" in e[1])
    assert max(ev.index(("end", "kubeai")), ev.index(("end", "kserve"))) < wave2
    assert ("namespace", "ml-workloads") in ev  # the workload namespace is created before its objects
    order = [o.release for o in result.outcomes]
    assert order.index("kueue") < order.index("ClusterQueue/stackplan") < order.index("kserve")
    by = {o.release: o for o in result.outcomes}
    assert by["Model/kubeai/qwen"].wave == 2 and by["Model/kubeai/qwen"].state is ReleaseState.READY
    assert "applied 3 releases and 7 custom resources in 2 waves" in summary_text(result)


def test_a_failed_release_leaves_its_objects_unapplied() -> None:
    p = serving_plan()
    cluster = FakeCluster()
    kube = FakeObjects(cluster)
    result = run(p, FakeHelm(cluster, fail={"kueue": "boom"}), kube)
    by = {o.release: o for o in result.outcomes}
    assert result.exit_code() == 1 and not kube.applied
    assert by["ClusterQueue/stackplan"].state is ReleaseState.PENDING
    assert "not started: wave 1 failed" in by["Model/kubeai/qwen"].detail


def test_a_failed_apply_fails_its_rows_and_stops_later_waves() -> None:
    p = serving_plan()
    cluster = FakeCluster()
    helm = FakeHelm(cluster)
    result = run(p, helm, FakeObjects(cluster, fail_apply="kubectl apply: admission webhook denied"))
    by = {o.release: o for o in result.outcomes}
    assert result.exit_code() == 1 and result.failed_wave == 1
    assert by["ClusterQueue/stackplan"].state is ReleaseState.FAILED and "webhook denied" in by[
        "ClusterQueue/stackplan"].detail
    assert helm.upgrades == ["kueue"]  # wave 2 never started
    assert "ClusterQueue/stackplan failed: kubectl apply" in summary_text(result)


def test_without_kubectl_the_objects_fail_and_say_why() -> None:
    p = serving_plan()
    cluster = FakeCluster()
    result = run(p, FakeHelm(cluster), None)
    by = {o.release: o for o in result.outcomes}
    assert by["ClusterQueue/stackplan"].state is ReleaseState.FAILED
    assert "kubectl is needed" in by["ClusterQueue/stackplan"].detail


def test_a_missing_hugging_face_secret_is_named_but_optional() -> None:
    """HF_TOKEN is an optional secretKeyRef (the same object the Pulumi program creates without a token):
    public models run without it; the row says which Secret gated models need."""
    p = serving_plan()
    cluster = FakeCluster()
    kube = FakeObjects(cluster)  # no Secret exists
    result = run(p, FakeHelm(cluster), kube)
    by = {o.release: o for o in result.outcomes}
    isvc = by["InferenceService/ml-workloads/llama"]
    assert isvc.state is ReleaseState.READY
    assert "Secret ml-workloads/stackplan-huggingface (key HF_TOKEN) not found" in isvc.detail
    assert "kubectl create secret generic stackplan-huggingface -n ml-workloads" in isvc.detail
    assert by["Model/kubeai/llama"].state is ReleaseState.READY  # KubeAI Models read no Secret
    assert "InferenceService/ml-workloads/llama" in docs_by_row(kube)  # applied nonetheless


def deployed(p: Plan) -> FakeCluster:
    return FakeCluster(deployed={r.id: Deployed("deployed", r.id, r.version, r.values_digest, 3)
                                 for r in p.releases.values()})


def test_up_to_date_release_with_a_missing_crd_is_re_applied_and_the_crd_restored() -> None:
    p = serving_plan()
    cluster = deployed(p)
    helm = FakeHelm(cluster)
    kube = FakeObjects(cluster, missing={"kubeai": [f"CustomResourceDefinition/{CRD}"]},
                       secrets={"ml-workloads/stackplan-huggingface"})
    result = run(p, helm, kube)
    by = {o.release: o for o in result.outcomes}
    assert helm.upgrades == ["kubeai"] and kube.restored == [CRD]
    # the chart's crds/ first: its templates may render objects of those kinds, which helm upgrade would reject
    assert cluster.events.index(("restore-crds", "kubeai")) < cluster.events.index(("start", "kubeai"))
    assert by["kubeai"].state is ReleaseState.READY
    assert f"missing CustomResourceDefinition/{CRD}" in by["kubeai"].detail and "crds/" in by["kubeai"].detail
    assert by["kueue"].state is ReleaseState.SKIPPED and by["kserve"].state is ReleaseState.SKIPPED


def test_up_to_date_release_with_a_missing_workload_is_re_applied() -> None:
    p = serving_plan()
    cluster = deployed(p)
    helm = FakeHelm(cluster)
    kube = FakeObjects(cluster, missing={"kubeai": ["Deployment/kubeai/kubeai"]},
                       secrets={"ml-workloads/stackplan-huggingface"})
    result = run(p, helm, kube)
    assert helm.upgrades == ["kubeai"] and not kube.restored
    assert "missing Deployment/kubeai/kubeai" in {o.release: o for o in result.outcomes}["kubeai"].detail


def test_nothing_missing_means_skipped_and_objects_re_applied_idempotently() -> None:
    p = serving_plan()
    cluster = deployed(p)
    helm = FakeHelm(cluster)
    kube = FakeObjects(cluster, secrets={"ml-workloads/stackplan-huggingface"})
    result = run(p, helm, kube)
    assert result.ok and helm.upgrades == []
    assert {o.state for o in result.outcomes if "/" not in o.release} == {ReleaseState.SKIPPED}
    assert len(docs_by_row(kube)) == 7  # server-side apply of unchanged objects is a no-op in the cluster


def test_dry_run_lists_the_objects_after_their_wave() -> None:
    p = serving_plan()
    text = describe(p, targets(p), "5m")
    after1 = text.index("after wave 1: kubectl apply --server-side --field-manager stackplan")
    assert after1 < text.index("after wave 2:")
    assert "ClusterQueue/stackplan" in text[after1:text.index("after wave 2:")]
    assert "Model/kubeai/llama (kubeai.org/v1; waits for kubeai)" in text
    assert "reads Secret ml-workloads/stackplan-huggingface (key HF_TOKEN) if it exists" in text


def test_no_custom_resources_without_their_operators() -> None:
    p = plan((release("a"),))
    assert resources.objects(replace(p, models=(Model("m", "hf://x/y"),))) == []
    assert resources.describe(p) == []


def test_apply_release_moves_one_release_and_only_the_objects_it_is_given() -> None:
    from planner.engine.apply import apply_release

    p = serving_plan()
    cluster = FakeCluster()
    kube = FakeObjects(cluster, secrets={"ml-workloads/stackplan-huggingface"})
    helm = FakeHelm(cluster)
    rows = ("ClusterQueue/stackplan", "LocalQueue/ml-workloads/default")
    result = asyncio.run(apply_release(p, "kueue", targets(p), helm=helm, kube=kube, timeout="1m", objects=rows))
    assert result.ok and [o.release for o in result.outcomes] == ["kueue", *rows]
    assert helm.upgrades == ["kueue"]  # kserve and kubeai are not touched
    assert set(docs_by_row(kube)) == set(rows)
    ev = cluster.events
    assert ev.index(("end", "kueue")) < next(i for i, e in enumerate(ev) if e[0] == "crs")
    # at its pin and values: skipped, as `stackplan apply` skips it
    again = asyncio.run(apply_release(p, "kueue", targets(p), helm=helm, kube=kube, timeout="1m"))
    assert again.outcomes[0].state is ReleaseState.SKIPPED and helm.upgrades == ["kueue"]


def test_apply_release_failing_leaves_its_objects_unapplied() -> None:
    from planner.engine.apply import apply_release

    p = serving_plan()
    cluster = FakeCluster()
    kube = FakeObjects(cluster)
    result = asyncio.run(apply_release(p, "kueue", targets(p), helm=FakeHelm(cluster, fail={"kueue": "boom"}),
                                       kube=kube, timeout="1m", objects=("ClusterQueue/stackplan",)))
    assert result.exit_code() == 1 and not kube.applied
    assert [(o.release, o.state) for o in result.outcomes] == [("kueue", ReleaseState.FAILED),
                                                             ("ClusterQueue/stackplan", ReleaseState.PENDING)]
    assert result.failed[0].detail == "boom"
