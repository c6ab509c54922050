"""Plan mode: what each profile satisfies, by which component, and the fix for the rest."""

from __future__ import annotations

import pytest

from planner.catalog import load_catalog
from planner.commands.options import load_plan
from planner.conformance.assess import MISSING, PLATFORM, SATISFIED, assess
from planner.conformance.checklist import checklist, newest

CATALOG = load_catalog()


def by_id(profile: str, sets: tuple[str, ...] = (), version: str | None = None) -> dict:
    plan = load_plan(None, profile, sets)
    return {a.requirement.id: a for a in assess(plan, CATALOG, checklist(version or newest()))}


@pytest.mark.parametrize("profile", sorted(CATALOG.profiles))
def test_every_must_of_the_newest_checklist_is_listed_with_a_status_and_a_fix(profile: str) -> None:
    results = by_id(profile)
    for req in checklist(newest()).must():
        a = results[req.id]
        assert a.status in (SATISFIED, MISSING, PLATFORM)
        if a.status == SATISFIED:
            assert a.by, f"{profile}: {req.id} satisfied by nothing"
        else:
            assert a.fix, f"{profile}: {req.id} {a.status} without a fix"


def test_gang_scheduling_follows_the_scheduling_choice() -> None:
    assert by_id("training-team")["gang_scheduling"].by == ("kueue", "volcano")
    assert by_id("full-mlops")["gang_scheduling"].by == ("volcano",)
    missing = by_id("llm-inference")["gang_scheduling"]
    assert missing.status == MISSING and "kueue" in missing.fix


def test_the_fix_is_the_profiles_choice_when_one_adds_the_component() -> None:
    a = by_id("full-mlops")["ai_service_metrics"]
    assert a.status == MISSING and a.fix == "choices: {observability: prometheus} in stackplan.yaml"
    assert by_id("llm-inference")["ai_service_metrics"].fix.startswith("components: {kube-prometheus-stack:")


def test_components_switched_off_by_values_do_not_count() -> None:
    assert by_id("llm-inference")["accelerator_metrics"].by == ("gpu-operator",)
    off = by_id("llm-inference", ("gpu-operator.dcgmExporter.enabled=false",))["accelerator_metrics"]
    assert off.status == MISSING and "dcgm" in off.fix.lower()
    assert by_id("llm-inference")["gpu_sharing"].status == MISSING
    on = by_id("llm-inference", ("gpu-operator.devicePlugin.config.name=time-slicing",))["gpu_sharing"]
    assert on.status == SATISFIED and on.by == ("gpu-operator",)


def test_simulated_gpus_satisfy_only_as_a_simulation() -> None:
    plan = load_plan(None, "llm-inference")
    cluster = {**plan.cluster, "gpu": {**(plan.cluster.get("gpu") or {}), "nodes": 0}}
    from planner.model import StackSpec
    from planner.resolve import resolve

    sim = resolve(CATALOG, StackSpec(profile="llm-inference", cluster=cluster), [])
    assert "fake-gpu-operator" in {r.component for r in sim.releases.values()}
    a = {x.requirement.id: x for x in assess(sim, CATALOG, checklist(newest()))}["secure_accelerator_access"]
    assert a.status == SATISFIED and a.simulated and "gpu-operator" in a.fix


def test_gateway_choices_satisfy_ai_inference_and_the_inference_extension() -> None:
    from planner.model import StackSpec
    from planner.resolve import resolve

    a = by_id("llm-inference")
    assert a["ai_inference"].status == MISSING and a["ai_inference"].blocking
    assert a["ai_inference"].fix == "choices: {gateway: nginx} in stackplan.yaml"
    assert a["advanced_inference_ingress"].fix == "choices: {gateway: nginx-inference} in stackplan.yaml"
    assert by_id("training-team")["advanced_inference_ingress"].fix == (
        "components: {nginx-gateway-fabric: {enabled: true}, gateway-api-inference-extension-crds: {enabled: true}} "
        "in stackplan.yaml")
    plan = resolve(CATALOG, StackSpec(profile="llm-inference", choices={"gateway": "nginx-inference"}), [])
    got = {x.requirement.id: x for x in assess(plan, CATALOG, checklist(newest()))}
    assert got["ai_inference"].by == ("nginx-gateway-fabric",)
    assert got["advanced_inference_ingress"].status == SATISFIED  # the blueprint's rule switched the extension on
    off = resolve(CATALOG, StackSpec(profile="llm-inference", choices={"gateway": "nginx-inference"}),
                  [("nginx-gateway-fabric", "nginxGateway.gwAPIInferenceExtension.enable", False)])
    assert {x.requirement.id: x for x in assess(off, CATALOG, checklist(newest()))}[
        "advanced_inference_ingress"].status == MISSING


def test_gaps_the_catalog_cannot_fill_say_so() -> None:
    a = by_id("llm-inference")
    assert a["disaggregated_inference"].status == MISSING and "not in the catalog" in a["disaggregated_inference"].fix
    assert a["cluster_autoscaling"].status == PLATFORM


def test_a_stack_can_meet_every_must_of_the_newest_checklist() -> None:
    from planner.model import ComponentOverride, StackSpec
    from planner.resolve import resolve

    spec = StackSpec(profile="llm-inference", choices={"gateway": "nginx"},
                     components={"kueue": ComponentOverride(enabled=True),
                                 "prometheus-adapter": ComponentOverride(enabled=True)})
    results = assess(resolve(CATALOG, spec, []), CATALOG, checklist(newest()))
    assert not [x.requirement.id for x in results if x.blocking]


def test_dra_is_satisfied_by_the_kubernetes_version() -> None:
    a = by_id("training-team", version="1.35")["dra_support"]
    assert a.status == SATISFIED and a.by == ("kubernetes 1.35",)


def test_pod_autoscaling_needs_the_adapter_over_prometheus() -> None:
    from planner.model import StackSpec
    from planner.resolve import resolve

    assert by_id("full-mlops")["pod_autoscaling"].fix == "choices: {observability: prometheus-hpa} in stackplan.yaml"
    assert by_id("llm-inference")["pod_autoscaling"].fix == (
        "components: {prometheus-adapter: {enabled: true}} in stackplan.yaml (brings kube-prometheus-stack)")
    plan = resolve(CATALOG, StackSpec(profile="full-mlops", choices={"observability": "prometheus-hpa"}), [])
    a = {x.requirement.id: x for x in assess(plan, CATALOG, checklist(newest()))}
    assert a["pod_autoscaling"].status == SATISFIED
    assert a["pod_autoscaling"].by == ("kube-prometheus-stack", "prometheus-adapter")
    assert a["ai_service_metrics"].status == SATISFIED
    assert "prometheus-adapter" in {r.component for r in plan.releases.values()}
