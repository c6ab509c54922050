"""The resolver's rules on a small synthetic catalog: needs, waves, conflicts, cycles, versions, knobs,
values precedence and merge semantics, --set, mirror, determinism."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from planner.catalog import load_catalog
from planner.errors import InputError, MultipleErrors, PlanError, StackplanError
from planner.load import parse_yaml, validate
from planner.resolve import default_kubernetes_version, resolve
from planner.stackfile import stack_from_dict
from planner.values import digest, parse_set
from tests.unit.minicatalog import BLUEPRINTS, PROFILES, bp, write_catalog


@pytest.fixture
def catalog(tmp_path: Path):
    return load_catalog(write_catalog(tmp_path / "cat"), use_cache=False)


def stack(text: str):
    data, origin = parse_yaml(text, "stackplan.yaml")
    validate(data, "stack", origin)
    return stack_from_dict(data, origin)


def test_needs_are_added_transitively_with_the_reason(catalog):
    plan = resolve(catalog, stack("profile: serve\n"))
    assert set(plan.releases) == {"gpu", "runtimes", "serving", "crd", "certs"}
    assert plan.releases["runtimes"].reason == "choice serving=full"
    assert plan.releases["serving"].reason == "needed by runtimes"
    assert plan.releases["crd"].reason == "needed by serving"
    assert any(n.message == "added: needed by serving" and n.release == "certs" for n in plan.notes)


def test_waves_follow_the_longest_chain_and_keep_independent_releases_together(catalog):
    plan = resolve(catalog, stack("profile: serve\n"))
    assert plan.waves == (("certs", "crd", "gpu"), ("serving",), ("runtimes",))
    seen: set[str] = set()
    for wave in plan.waves:
        for rid in wave:
            assert set(plan.releases[rid].needs) <= seen, rid
        seen |= set(wave)


def test_choice_option_changes_members_and_values(catalog):
    plan = resolve(catalog, stack("profile: serve\nchoices: {serving: bare, pipelines: kfp}\n"))
    assert set(plan.releases) == {"gpu", "pipes"}
    assert plan.releases["gpu"].values["nfd"] == {"enabled": False}
    assert plan.choices == {"pipelines": "kfp", "serving": "bare"}


def test_unknown_choice_value_points_at_the_line(catalog):
    with pytest.raises(PlanError) as e:
        resolve(catalog, stack("profile: serve\nchoices:\n  serving: ful\n"))
    assert e.value.location.line == 3
    assert "did you mean `full`" in e.value.render()


def test_unknown_profile_suggests_the_closest(catalog):
    with pytest.raises(PlanError) as e:
        resolve(catalog, stack("profile: serv\n"))
    assert "unknown profile `serv`" in e.value.render()
    assert "did you mean `serve`" in e.value.render()
    assert e.value.location.line == 1


def test_no_gpu_nodes_substitutes_the_fake_operator(catalog):
    plan = resolve(catalog, stack("profile: serve\ncluster: {gpu: {nodes: 0}}\n"))
    assert "fakegpu" in plan.releases and "gpu" not in plan.releases
    assert "instead of gpu" in plan.releases["fakegpu"].reason


def test_conflicting_components_are_rejected_naming_both(catalog):
    with pytest.raises(PlanError) as e:
        resolve(catalog, stack("profile: serve\ncomponents:\n  fakegpu: {enabled: true}\n"))
    text = e.value.render()
    assert "`fakegpu` (enabled in the stack file) conflicts with `gpu` (profile serve)" in text
    assert e.value.location.line == 3


def test_disabling_a_needed_component_is_an_error(catalog):
    with pytest.raises(PlanError) as e:
        resolve(catalog, stack("profile: serve\ncomponents:\n  certs: {enabled: false}\n"))
    assert "`serving` needs `certs`, which the stack file disables" in e.value.render()


def test_cycle_in_blueprints_is_reported(tmp_path: Path):
    bps = copy.deepcopy(BLUEPRINTS)
    bps["crd"]["needs"] = ["runtimes"]
    with pytest.raises(PlanError) as e:
        load_catalog(write_catalog(tmp_path, bps), use_cache=False)
    assert "dependency cycle in blueprints: crd -> runtimes -> serving -> crd" in e.value.render()


def test_undefined_need_is_reported_with_a_hint(tmp_path: Path):
    bps = copy.deepcopy(BLUEPRINTS)
    bps["serving"]["needs"] = ["crd", "cert"]
    with pytest.raises(PlanError) as e:
        load_catalog(write_catalog(tmp_path, bps), use_cache=False)
    assert "`serving` needs `cert`, which no blueprint defines" in e.value.render()


def test_kubernetes_below_minimum_fails_above_maximum_warns(catalog):
    with pytest.raises(PlanError) as e:
        resolve(catalog, stack("profile: serve\ncluster:\n  kubernetesVersion: '1.32'\n"))
    assert "needs Kubernetes >= 1.33" in e.value.render()
    assert e.value.location.line == 3
    plan = resolve(catalog, stack("profile: serve\ncluster: {kubernetesVersion: '1.36'}\n"))
    warnings = [n for n in plan.notes if n.level == "warning"]
    assert [n.release for n in warnings] == ["certs"]
    with pytest.raises(PlanError):
        resolve(catalog, stack("profile: serve\ncluster: {kubernetesVersion: '1.36'}\n"), strict=True)


def test_default_kubernetes_version_is_the_lowest_documented_maximum(catalog):
    assert default_kubernetes_version(catalog) == "1.35"
    assert resolve(catalog, stack("profile: serve\n")).kubernetes_version == "1.35"


def test_knob_rules_follow_cluster_facts(catalog):
    plan = resolve(catalog, stack("profile: serve\ncluster: {gpu: {driversPreinstalled: true}, storageClass: fast}\n"))
    assert plan.releases["gpu"].values["driver"] == {"enabled": False, "version": "595"}
    assert plan.releases["serving"].values["storage"] == {"class": "fast"}
    plain = resolve(catalog, stack("profile: serve\n"))
    assert plain.releases["gpu"].values["driver"]["enabled"] is True


def test_value_precedence_user_over_rules_over_profile_over_defaults(catalog):
    plan = resolve(
        catalog,
        stack("profile: serve\ncluster: {gpu: {driversPreinstalled: true}}\n"
              "components:\n  gpu:\n    values:\n      driver: {enabled: true}\n      list: [3]\n"),
        [parse_set("gpu.driver.version=600")],
    )
    values = plan.releases["gpu"].values
    assert values["driver"] == {"enabled": True, "version": 600}
    assert values["list"] == [3]  # lists replace whole
    assert values["toolkit"] == {"enabled": True}  # from the profile


def test_null_over_a_section_is_refused_with_its_position(catalog):
    with pytest.raises(InputError) as e:
        resolve(catalog, stack("profile: serve\ncomponents:\n  gpu:\n    values:\n      driver: null\n"))
    assert "would wipe a whole section" in e.value.render()
    assert e.value.location.line == 5


def test_null_over_a_scalar_passes_through_for_helm(catalog):
    plan = resolve(catalog, stack("profile: serve\n"), [parse_set("gpu.driver.version=null")])
    assert plan.releases["gpu"].values["driver"]["version"] is None


def test_set_errors_name_the_flag(catalog):
    with pytest.raises(StackplanError) as e:
        resolve(catalog, stack("profile: serve\n"), [parse_set("nope.a=1")])
    assert e.value.render().startswith("--set nope.a: unknown component `nope`")
    with pytest.raises(StackplanError) as e:
        resolve(catalog, stack("profile: serve\n"), [parse_set("pipes.a=1")])
    assert "is not in this plan" in e.value.render()
    with pytest.raises(StackplanError) as e:
        resolve(catalog, stack("profile: serve\n"), [parse_set("gpu.drivr.enabled=false")])
    assert "`gpu` has no value `drivr`" in e.value.render() and "did you mean `driver`" in e.value.render()


def test_unknown_value_key_in_the_stack_file_points_at_it(catalog):
    with pytest.raises(InputError) as e:
        resolve(catalog, stack("profile: serve\ncomponents:\n  gpu:\n    values:\n      drier: {}\n"))
    assert e.value.location.line == 5


def test_several_problems_are_reported_together(catalog):
    with pytest.raises(MultipleErrors) as e:
        resolve(catalog, stack("profile: serve\nchoices: {serving: x, nope: z}\n"))
    assert len(e.value.errors) == 2


def test_mirror_rewrites_sources_and_images(catalog):
    plan = resolve(catalog, stack("profile: serve\nchoices: {pipelines: kfp}\n"
                                  "mirror: {charts: 'oci://reg.internal/charts', images: 'reg.internal:5000/m'}\n"))
    gpu = plan.releases["gpu"]
    assert gpu.source.kind == "oci" and gpu.source.location == "oci://reg.internal/charts/gpu-operator"
    assert gpu.values["operator"]["repository"] == "reg.internal:5000/m/nvidia"
    assert gpu.images == ("reg.internal:5000/m/nvidia/gpu-operator:v26.7.0",
                          "reg.internal:5000/m/library/busybox:1.38.0")
    assert any(n.release == "pipes" and "mirror.kustomize" in n.message for n in plan.notes)


def test_mirror_to_local_directory_and_http(catalog):
    plan = resolve(catalog, stack("profile: serve\nchoices: {pipelines: kfp}\n"
                                  "mirror: {charts: ./charts, kustomize: ./manifests}\n"))
    assert plan.releases["gpu"].source.kind == "local"
    assert plan.releases["gpu"].source.location == "./charts"
    assert plan.releases["gpu"].source.chart == "gpu-operator"
    assert plan.releases["pipes"].source.location == "./manifests/pipes"
    http = resolve(catalog, stack("profile: serve\nmirror: {charts: 'https://charts.internal/repo'}\n"))
    assert http.releases["gpu"].source.kind == "helm"
    assert http.releases["gpu"].source.location == "https://charts.internal/repo"


def test_plan_json_is_byte_identical_for_the_same_input(tmp_path: Path):
    a = load_catalog(write_catalog(tmp_path / "a"), use_cache=False)
    reordered = {k: BLUEPRINTS[k] for k in reversed(list(BLUEPRINTS))}
    b = load_catalog(write_catalog(tmp_path / "b", reordered, PROFILES), use_cache=False)
    one = resolve(a, stack("profile: serve\ncomponents:\n  gpu: {values: {nfd: {b: 1, a: 2}}}\n")).to_dict()
    two = resolve(b, stack("profile: serve\ncomponents:\n  gpu: {values: {nfd: {a: 2, b: 1}}}\n")).to_dict()
    assert json.dumps(one, sort_keys=True) == json.dumps(two, sort_keys=True)
    assert one["digest"].startswith("sha256:")


def test_values_digest_changes_with_values(catalog):
    a = resolve(catalog, stack("profile: serve\n"))
    b = resolve(catalog, stack("profile: serve\n"), [parse_set("gpu.driver.version=1")])
    assert a.releases["gpu"].values_digest != b.releases["gpu"].values_digest
    assert a.releases["crd"].values_digest == b.releases["crd"].values_digest


def test_catalog_cache_is_used_and_keyed_by_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = write_catalog(tmp_path / "cat")
    first = load_catalog(root)
    cached = list((tmp_path / "cache" / "stackplan").glob("catalog-*.json"))
    assert len(cached) == 1
    import planner.catalog as cat

    monkeypatch.setattr(cat, "_read_and_validate", lambda *a: pytest.fail("cache not used"))
    assert load_catalog(root) == first
    monkeypatch.undo()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    bps = copy.deepcopy(BLUEPRINTS)
    bps["crd"]["version"] = "2.0.0"
    write_catalog(root, bps)
    assert load_catalog(root).blueprints["crd"].version == "2.0.0"


def test_blueprint_schema_errors_name_file_and_line(tmp_path: Path):
    bps = copy.deepcopy(BLUEPRINTS)
    bps["crd"] = bp(namespace="Bad_NS")
    with pytest.raises(InputError) as e:
        load_catalog(write_catalog(tmp_path, bps), use_cache=False)
    rendered = e.value.render()
    assert "crd.yaml:10:16:" in rendered and "is not a valid `namespace`" in rendered


@pytest.mark.parametrize(("fact", "condition", "expected"), [
    ("eks", "eks", True), ("eks", "gke", False),
    ("eks", {"in": ["eks", "gke"]}, True), ("aks", {"in": ["eks", "gke"]}, False),
    ("aks", {"notIn": ["eks"]}, True), (0, {"not": 0}, False), (2, {"not": 0}, True),
    (None, {"isSet": True}, False), ("fast", {"isSet": True}, True), (None, {"isSet": False}, True),
])
def test_when_conditions(fact, condition, expected):
    from planner.resolve import matches

    assert matches(fact, condition) is expected


def test_crd_versions_must_name_listed_crds(tmp_path: Path):
    bps = copy.deepcopy(BLUEPRINTS)
    bps["crd"]["crds"] = ["widgets.example.com"]
    bps["crd"]["crdVersions"] = {"gadgets.example.com": {"storage": "v1"}}
    with pytest.raises(PlanError) as e:
        load_catalog(write_catalog(tmp_path, bps), use_cache=False)
    assert "crdVersions names `gadgets.example.com`" in e.value.render()


def test_each_missing_required_key_is_named(tmp_path: Path):
    bps = copy.deepcopy(BLUEPRINTS)
    del bps["crd"]["version"]
    del bps["crd"]["namespace"]
    with pytest.raises(MultipleErrors) as e:
        load_catalog(write_catalog(tmp_path, bps), use_cache=False)
    text = e.value.render()
    assert "missing required key `version`" in text and "missing required key `namespace`" in text


@pytest.mark.parametrize("ref", ["alpine:3.23", "docker.io/alpine:3.23", "docker.io/library/alpine:3.23",
                                 "index.docker.io/library/alpine:3.23", "registry-1.docker.io/alpine:3.23"])
def test_one_docker_hub_image_has_one_mirror_path_however_it_is_spelled(ref: str) -> None:
    from planner.mirror import mirror_image

    assert mirror_image(ref, "registry.internal:5000/m/") == "registry.internal:5000/m/library/alpine:3.23"


def test_other_registries_keep_their_path_below_the_mirror() -> None:
    from planner.mirror import mirror_image

    assert mirror_image("nvcr.io/nvidia/driver:595", "m.io") == "m.io/nvidia/driver:595"
    assert mirror_image("docker.io/bitnamilegacy/postgresql:16", "m.io") == "m.io/bitnamilegacy/postgresql:16"
    assert mirror_image("ghcr.io/x:1", "m.io") == "m.io/x:1"
    assert mirror_image("localhost:5000/a/b:1", "m.io") == "m.io/a/b:1"


def test_a_kustomize_releases_digest_follows_its_version_and_image_rewrites_not_its_folder() -> None:
    """Kustomize takes no values, so its digest (stamped on every object it applies; drift's DR003 and `upgrade`
    compare it) covers what decides the manifests: a new pin or `mirror.images` must change it; where the
    manifests are read from (upstream or a mirror folder) must not."""
    from dataclasses import replace

    from planner.catalog import load_catalog
    from planner.model import Mirror, StackSpec

    real = load_catalog()
    stack = StackSpec(profile="full-mlops")
    base = resolve(real, stack).releases["kubeflow-pipelines"]
    assert base.how.kustomize
    bumped_bp = replace(real.blueprints["kubeflow-pipelines"], version="9.9.9")
    bumped = resolve(replace(real, blueprints={**real.blueprints, "kubeflow-pipelines": bumped_bp}), stack)
    assert bumped.releases["kubeflow-pipelines"].values_digest != base.values_digest
    folder = resolve(real, replace(stack, mirror=Mirror(kustomize="/srv/mirror/kustomize")))
    assert folder.releases["kubeflow-pipelines"].values_digest == base.values_digest
    images = resolve(real, replace(stack, mirror=Mirror(images="registry.internal:5000/m")))
    assert images.releases["kubeflow-pipelines"].values_digest != base.values_digest
    mlflow = resolve(real, StackSpec(profile="full-mlops")).releases["mlflow"]
    assert mlflow.values_digest == digest(mlflow.values)  # a chart's digest is its values' (Helm's record)
