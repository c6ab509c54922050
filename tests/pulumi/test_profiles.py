"""Every profile and its main choices, from the real catalog, through build(plan) under mocks."""

from __future__ import annotations

from typing import Any

import pytest

from planner.catalog import load_catalog
from planner.emit.crs import KINDS
from planner.emit.labels import MANAGED_BY, RELEASE, VALUES_DIGEST
from planner.emit.pulumi import build
from planner.emit.settings import EmitConfig
from planner.emit.sources import is_kustomize
from planner.model import Model, Plan, StackSpec
from planner.resolve import resolve
from tests.pulumi.harness import Recorder, install_mocks, run

MODELS = (Model("qwen", "hf://Qwen/Qwen2.5-7B-Instruct", gpus_per_replica=1),)

CASES: list[tuple[str, dict[str, str], dict[str, Any]]] = [
    ("training-team", {}, {}),
    ("training-team", {"scheduling": "kueue", "pipelines": "zenml"}, {}),
    ("training-team", {"scheduling": "volcano", "pipelines": "metaflow"}, {"gpu": {"nodes": 0}}),
    ("llm-inference", {}, {"gpu": {"nodes": 2, "perNode": 8, "type": "NVIDIA-H100-80GB-HBM3"}}),
    ("llm-inference", {"serving": "kserve-vllm", "rayserve": "kuberay"}, {}),
    ("llm-inference", {"serving": "vllm-stack", "ollama": "ollama", "multinode": "lws"}, {}),
    ("full-mlops", {}, {"gpu": {"driversPreinstalled": True}}),
    ("full-mlops", {"observability": "prometheus"}, {}),
    ("full-mlops", {"observability": "prometheus-hpa"}, {}),  # prometheus-adapter needs kube-prometheus-stack
]


def resolve_case(profile: str, choices: dict[str, str], cluster: dict[str, Any]) -> Plan:
    # training-team has no serving layer: the resolver refuses models there
    models = () if profile == "training-team" else MODELS
    return resolve(load_catalog(), StackSpec(profile=profile, choices=choices, cluster=cluster, models=models))


def emit(plan: Plan) -> Recorder:
    _, rec = install_mocks()  # kustomize renders to nothing here: test_build covers the children
    run(lambda: build(plan, EmitConfig()))
    return rec


@pytest.mark.parametrize(("profile", "choices", "cluster"), CASES,
                         ids=[f"{p}-{'-'.join(c.values()) or 'defaults'}" for p, c, _ in CASES])
def test_profile_builds_the_planned_graph(profile: str, choices: dict[str, str], cluster: dict[str, Any]) -> None:
    plan = resolve_case(profile, choices, cluster)
    rec = emit(plan)
    helm = {r.id for r in plan.ordered() if not is_kustomize(r)}
    kustomize = {r.id for r in plan.ordered() if is_kustomize(r)}
    releases = rec.releases()
    assert set(releases) == helm
    dirs = {r.name for r in rec.of_type("kubernetes:kustomize:Directory")}
    assert dirs == {f"{k}-{part}" for k in kustomize for part in ("crds", "manifests")}
    for rid, reg in releases.items():
        want = plan.releases[rid]
        got = reg.inputs
        assert got["name"] == rid and got["version"] == want.version and got["namespace"] == want.namespace, reg.urn
        if want.source.kind == "oci":
            assert got["chart"] == want.source.location and "repositoryOpts" not in got, reg.urn
        else:
            assert got["chart"] == want.source.chart, reg.urn
            assert got["repositoryOpts"] == {"repo": want.source.location}, reg.urn
        assert rec.release_deps(reg) == set(want.needs), reg.urn
    namespaces = {r.inputs["metadata"]["name"]: r for r in rec.top_level("kubernetes:core/v1:Namespace")}
    assert set(plan.namespaces()) <= set(namespaces)
    for reg in namespaces.values():
        meta = reg.inputs["metadata"]
        assert meta["labels"][MANAGED_BY] == "stackplan" and VALUES_DIGEST in meta["annotations"], reg.urn
        for rid in meta["annotations"]["stackplan.dev/releases"].split(","):
            if rid in plan.releases:
                for key, value in plan.releases[rid].namespace_labels.items():
                    if not key.startswith("pod-security.kubernetes.io/"):
                        assert meta["labels"][key] == value, f"{reg.urn}: {key}"


def test_gpu_operator_driver_follows_the_cluster_facts() -> None:
    for preinstalled in (True, False):
        plan = resolve_case("llm-inference", {}, {"gpu": {"driversPreinstalled": preinstalled}})
        values = emit(plan).releases()["gpu-operator"].inputs["values"]
        assert values["driver"]["enabled"] is (not preinstalled), f"driversPreinstalled={preinstalled}"
    assert emit(resolve_case("llm-inference", {}, {"gpu": {"nodes": 0}})).releases().keys() >= {"fake-gpu-operator"}


def test_gpu_operator_namespace_allows_privileged_pods() -> None:
    rec = emit(resolve_case("training-team", {}, {}))
    ns = rec.named("kubernetes:core/v1:Namespace", "ns-gpu-operator").inputs["metadata"]
    assert ns["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"


@pytest.mark.parametrize(("profile", "choices", "kinds"), [
    ("training-team", {}, {"ResourceFlavor": 2, "ClusterQueue": 1, "LocalQueue": 1, "Queue": 1}),
    ("training-team", {"scheduling": "volcano"}, {"Queue": 1}),
    ("llm-inference", {}, {"Model": 1}),
    ("llm-inference", {"serving": "kserve-vllm"}, {"InferenceService": 1}),
    ("llm-inference", {"serving": "vllm-stack"}, {}),
    ("full-mlops", {}, {"Queue": 1, "InferenceService": 1}),
])
def test_profile_custom_resources(profile: str, choices: dict[str, str], kinds: dict[str, int]) -> None:
    plan = resolve_case(profile, choices, {"gpu": {"nodes": 2, "perNode": 4}})
    rec = emit(plan)
    found: dict[str, int] = {}
    for reg in rec.items:
        kind = reg.type.rsplit(":", 1)[1]
        if kind not in KINDS or reg.type != f"kubernetes:{KINDS[kind][0]}:{kind}":
            continue
        found[kind] = found.get(kind, 0) + 1
        shipping = {r.id for r in plan.releases.values() if KINDS[kind][1] in r.crds}
        assert shipping, f"{reg.urn}: no release of the plan ships {KINDS[kind][1]}"
        assert shipping <= rec.release_deps(reg), f"{reg.urn} must wait for {shipping}"
        assert reg.inputs["metadata"]["labels"][RELEASE] in plan.releases, reg.urn
    assert found == kinds
    if profile == "llm-inference" and choices.get("serving") == "vllm-stack":
        spec = rec.releases()["vllm-stack"].inputs["values"]["servingEngineSpec"]["modelSpec"]
        assert [m["modelURL"] for m in spec] == ["Qwen/Qwen2.5-7B-Instruct"]

