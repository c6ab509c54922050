"""The pure upgrade planner on fixture installed states, with the shipped blueprints' upgrade facts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import cache

import pytest

from planner.catalog import load_catalog
from planner.desired.labels import MANAGED_BY, MANAGER, RELEASE, VALUES_DIGEST
from planner.drift.helm_records import HelmRelease
from planner.drift.live import LiveFacts, LiveObject
from planner.errors import PlanError
from planner.model import Catalog, ComponentOverride, Plan, StackSpec
from planner.resolve import resolve
from planner.upgrade.facts import UpgradeFact, check_facts, compare, facts_of
from planner.upgrade.plan import DECISION, HANDLED, Installed, InstalledCrd, plan_upgrade, summarize_crd
from planner.values import parse_set

# the releases before the current pins (tests/charts/*-previous stand in for them on the control plane)
PREVIOUS = {"kueue": "0.15.8", "kserve-crd": "v0.19.0", "kserve": "v0.19.0", "gpu-operator": "v26.3.3"}
KUEUE_CRDS = ("workloads.kueue.x-k8s.io", "clusterqueues.kueue.x-k8s.io")


@cache
def _catalog() -> Catalog:
    return load_catalog()


@cache
def _plan() -> Plan:
    stack = StackSpec(profile="full-mlops", components={"kueue": ComponentOverride(enabled=True)})
    return resolve(_catalog(), stack, [])


def _facts(plan: Plan) -> dict[str, tuple[UpgradeFact, ...]]:
    return {r.component: facts_of(_catalog().blueprints[r.component]) for r in plan.releases.values()}


def _installed(versions: Mapping[str, str], *, stored: Mapping[str, tuple[str, ...]] | None = None,
               status: str = "deployed", plan: Plan | None = None) -> Installed:
    """Every Helm release of the plan installed at its pin, except `versions`; CRDs with `stored`."""
    plan = plan or _plan()
    releases = {}
    for r in plan.releases.values():
        if r.source.kind == "kustomize":
            continue
        releases[(r.namespace, r.id)] = HelmRelease(
            name=r.id, namespace=r.namespace, revision=1, status=status if r.id in versions else "deployed",
            chart=r.source.chart or r.id, chart_version=versions.get(r.id, r.version), config=r.values)
    crds = {name: InstalledCrd(name, ("v1beta1", "v1beta2"), "v1beta2", sv) for name, sv in (stored or {}).items()}
    return Installed(releases=releases, crds=crds)


def _steps(up) -> list:
    """The steps other than re-applying kustomize releases (which every upgrade plan holds)."""
    return [s for s in up.steps if s.action != "reapply"]


def _codes(up, severity: str | None = None) -> list[tuple[str, str]]:
    return [(h.release, h.code) for h in up.hazards if severity is None or h.severity == severity]


def test_nothing_to_do_when_everything_is_at_its_pin() -> None:
    up = plan_upgrade(_plan(), _installed({}), _facts(_plan()))
    assert up.safe and up.exit_code() == 0
    assert up.hazards == ()
    # kustomize releases have no Helm record to compare: they are re-applied, nothing else is touched
    kustomize = {r.id for r in _plan().releases.values() if r.how.kustomize}
    assert kustomize and {(s.release, s.action) for s in up.steps} == {(rid, "reapply") for rid in kustomize}
    assert {c.action for c in up.changes} == {"unchanged", "reapply"}


def test_a_kustomize_release_whose_objects_carry_the_planned_digest_is_unchanged() -> None:
    """Kustomize releases have no Helm record: their objects' digest stamps (which cover version and image
    rewrites) say whether they are current. All current: no step at all. One stale object or an unreadable
    LIST: re-applied."""
    plan = _plan()
    kustomize = {r.id: r for r in plan.releases.values() if r.how.kustomize}

    def applied(digests: Mapping[str, tuple[str, ...]]) -> LiveFacts:
        """Each release's objects as drift summarizes them: two Deployments in its namespace, one per digest."""
        objs = {(r.namespace, f"{rid}-{i}"): LiveObject("Deployment", f"{rid}-{i}", r.namespace,
                                                        labels={MANAGED_BY: MANAGER, RELEASE: rid},
                                                        annotations={VALUES_DIGEST: d})
                for rid, r in kustomize.items() for i, d in enumerate(digests[rid])}
        return LiveFacts(workloads={"Deployment": objs})

    planned = {rid: (r.values_digest, r.values_digest) for rid, r in kustomize.items()}
    current = replace(_installed({}), stamped=applied(planned))
    up = plan_upgrade(plan, current, _facts(plan))
    assert up.steps == () and {c.action for c in up.changes} == {"unchanged"}
    rid = sorted(kustomize)[0]
    stale = replace(current, stamped=applied({**planned, rid: (kustomize[rid].values_digest, "sha256:older")}))
    assert [(s.release, s.action) for s in plan_upgrade(plan, stale, _facts(plan)).steps] == [(rid, "reapply")]
    unread = replace(current, stamped=None)
    assert {s.release for s in plan_upgrade(plan, unread, _facts(plan)).steps} == set(kustomize)


def test_previous_pins_to_current_names_every_crossed_hazard_with_its_source() -> None:
    plan = _plan()
    up = plan_upgrade(plan, _installed(PREVIOUS, stored={n: ("v1beta1",) for n in KUEUE_CRDS}), _facts(plan))
    changes = {c.release: (c.installed, c.target, c.action) for c in up.changes}
    assert changes["kueue"] == ("0.15.8", "0.19.2", "upgrade")
    assert changes["gpu-operator"] == ("v26.3.3", "v26.7.0", "upgrade")
    codes = _codes(up)
    assert ("gpu-operator", "UP010") in codes  # crds/ folder
    assert ("gpu-operator", "UP012") in codes  # new CRDs in v26.7.0
    assert ("kueue", "UP021") in codes  # objects still stored as v1beta1
    assert ("kueue", "UP019") in codes  # the 0.18 note was crossed
    assert ("kserve-crd", "UP019") in codes  # the v0.20 CRD size note
    assert not any(c == "UP013" for _, c in codes)  # the chart rename was at v0.17.0: not crossed from v0.19.0
    for h in up.hazards:
        assert h.source and ("@" in h.source or "://" in h.source), h
    # the GPU Operator's hook does not apply the resource.nvidia.com CRDs: the hazard says so
    crd_hazard = next(h for h in up.hazards if h.code == "UP010")
    assert "computedomains.resource.nvidia.com" in crd_hazard.message
    assert up.safe and up.exit_code() == 0  # every hazard has a step


def test_steps_put_crds_first_then_releases_in_dependency_order_then_migrations() -> None:
    plan = _plan()
    up = plan_upgrade(plan, _installed(PREVIOUS, stored={n: ("v1beta1", "v1beta2") for n in KUEUE_CRDS}),
                      _facts(plan))
    kinds = [(s.action, s.release) for s in up.steps]
    assert kinds[0] == ("crds", "gpu-operator")
    assert set(kinds[0:1]) == {(a, r) for a, r in kinds if a == "crds"}  # every CRD step comes first
    gpu_crds = up.steps[0].crds
    assert "gpuclusters.nvidia.com" in gpu_crds and "computedomains.resource.nvidia.com" in gpu_crds
    upgraded = [r for a, r in kinds if a == "upgrade"]
    assert set(upgraded) == {"kueue", "kserve-crd", "kserve", "gpu-operator"}
    assert upgraded.index("kserve-crd") < upgraded.index("kserve")
    migrate = kinds.index(("migrate", "kueue"))
    assert kinds.index(("upgrade", "kueue")) < migrate
    assert set(up.steps[migrate].crds) == set(KUEUE_CRDS)
    assert "migrate-to-v1beta2.sh" in up.steps[migrate].description
    assert any("kueue-resources.yaml" in b for b in up.backups)


def test_a_storage_migration_still_pending_shows_even_when_the_version_is_unchanged() -> None:
    plan = _plan()
    up = plan_upgrade(plan, _installed({}, stored={"workloads.kueue.x-k8s.io": ("v1beta1", "v1beta2")}),
                      _facts(plan))
    assert ("kueue", "UP021") in _codes(up, HANDLED)
    assert [s.action for s in _steps(up)] == ["migrate"]
    # migrated already: storedVersions holds only the new version
    up = plan_upgrade(plan, _installed({}, stored={"workloads.kueue.x-k8s.io": ("v1beta2",)}), _facts(plan))
    assert up.hazards == () and _steps(up) == []


def test_a_removed_storage_version_is_a_decision() -> None:
    plan = _plan()
    facts = _facts(plan)
    facts["kueue"] = tuple(replace(f, removed_in="0.19.0") if f.kind == "storageVersion" else f
                           for f in facts["kueue"])
    up = plan_upgrade(plan, _installed({"kueue": "0.18.6"}, stored={"workloads.kueue.x-k8s.io": ("v1beta1",)}),
                      facts)
    assert ("kueue", "UP021") in _codes(up, DECISION)
    assert not up.safe and up.exit_code() == 1


def test_unreadable_crds_make_the_storage_check_a_decision() -> None:
    plan = _plan()
    installed = replace(_installed({"kueue": "0.18.6"}), unread={"crds": "403 forbidden"})
    up = plan_upgrade(plan, installed, _facts(plan))
    assert ("kueue", "UP020") in _codes(up, DECISION)


def test_downgrade_failed_release_and_other_chart_are_decisions() -> None:
    plan = _plan()
    up = plan_upgrade(plan, _installed({"kueue": "0.20.0"}), _facts(plan))
    assert ("kueue", "UP004") in _codes(up, DECISION)
    up = plan_upgrade(plan, _installed({"volcano": "1.14.0"}, status="failed"), _facts(plan))
    assert ("volcano", "UP002") in _codes(up, DECISION)
    installed = _installed({})
    key = ("mlflow", "mlflow")
    releases = dict(installed.releases)
    releases[key] = replace(releases[key], chart="something-else")
    up = plan_upgrade(plan, replace(installed, releases=releases), _facts(plan))
    assert ("mlflow", "UP003") in _codes(up, DECISION)


def test_missing_release_is_an_install_after_what_it_needs() -> None:
    plan = _plan()
    installed = _installed({})
    releases = {k: v for k, v in installed.releases.items() if k[1] not in ("kserve", "kserve-runtimes")}
    up = plan_upgrade(plan, replace(installed, releases=releases), _facts(plan))
    assert [(s.action, s.release) for s in _steps(up)] == [("install", "kserve"), ("install", "kserve-runtimes")]
    assert up.safe


def test_a_deprecated_value_in_the_plan_is_a_decision() -> None:
    sets = [parse_set("kserve.kserve.controller.deploymentMode=RawDeployment")]
    plan = resolve(_catalog(), StackSpec(profile="full-mlops"), sets)
    up = plan_upgrade(plan, _installed({"kserve": "v0.19.0"}, plan=plan), _facts(plan))
    hazard = next(h for h in up.hazards if h.code == "UP014")
    assert hazard.release == "kserve" and "Standard" in hazard.message and "constants.go@v0.20.0" in hazard.source


def test_requires_orders_and_checks_the_other_component() -> None:
    plan = _plan()
    facts = _facts(plan)
    # mlflow and kubeflow-trainer: no need between them in the plan (with kueue both need kueue, whose admission
    # webhooks gate their Deployments), so only the `requires` fact orders them
    need = UpgradeFact("mlflow", "requires", "test", "x@v1", 99, other="kubeflow-trainer", version="9.0.0")
    facts["mlflow"] = (*facts["mlflow"], need)
    up = plan_upgrade(plan, _installed({"mlflow": "1.10.0"}), facts)
    assert ("mlflow", "UP030") in _codes(up, DECISION)
    ok = replace(need, version="2.2.0")
    facts["mlflow"] = (*facts["mlflow"][:-1], ok)
    up = plan_upgrade(plan, _installed({"mlflow": "1.10.0", "kubeflow-trainer": "2.2.0"}), facts)
    order = [s.release for s in up.steps if s.action == "upgrade"]
    assert order.index("kubeflow-trainer") < order.index("mlflow")
    assert up.safe


def test_summarize_crd_reads_stored_versions() -> None:
    crd = {"metadata": {"name": "workloads.kueue.x-k8s.io"},
           "spec": {"versions": [{"name": "v1beta1", "served": True, "storage": False},
                                 {"name": "v1beta2", "served": True, "storage": True}]},
           "status": {"storedVersions": ["v1beta1", "v1beta2"]}}
    got = summarize_crd(crd)
    assert got == InstalledCrd("workloads.kueue.x-k8s.io", ("v1beta1", "v1beta2"), "v1beta2", ("v1beta1", "v1beta2"))


@pytest.mark.parametrize(("a", "b", "want"), [
    ("v0.15.8", "0.16.0", -1), ("0.16.0", "v0.16.0", 0), ("v26.7.0", "v26.3.3", 1),
    ("1.0.0-rc.1", "1.0.0", -1), ("0.19", "0.19.0", 0), ("0.10.0", "0.9.9", 1),
])
def test_compare(a: str, b: str, want: int) -> None:
    assert compare(a, b) == want


def test_crossing() -> None:
    fact = UpgradeFact("kueue", "note", "n", "s@v1", 0, since="0.16.0")
    assert fact.crosses("0.15.8", "0.19.2")
    assert not fact.crosses("0.16.0", "0.19.2")
    assert not fact.crosses("0.14.0", "0.15.8")
    assert not fact.crosses("0.19.2", "0.15.8")  # a downgrade crosses nothing
    assert replace(fact, since=None).crosses("0.18.0", "0.19.2")


def test_check_facts_refuses_unknown_components_and_crds() -> None:
    catalog = _catalog()
    bp = catalog.blueprints["kueue"]
    bad = replace(bp, upgrades=({"kind": "before", "component": "nope", "note": "n", "source": "s"},))
    with pytest.raises(PlanError, match="nope"):
        check_facts(replace(catalog, blueprints={**catalog.blueprints, "kueue": bad}))
    bad = replace(bp, upgrades=({"kind": "newCrds", "since": "1.0", "crds": ["x.example.com"], "note": "n",
                                 "source": "s"},))
    with pytest.raises(PlanError, match=r"x\.example\.com"):
        check_facts(replace(catalog, blueprints={**catalog.blueprints, "kueue": bad}))
    bad = replace(bp, upgrades=({"kind": "note", "since": "soon", "note": "n", "source": "s"},))
    with pytest.raises(PlanError, match="not a version"):
        check_facts(replace(catalog, blueprints={**catalog.blueprints, "kueue": bad}))


def test_shipped_upgrade_facts_cite_upstream() -> None:
    for bid in ("kueue", "kserve", "kserve-crd", "gpu-operator", "kuberay"):
        facts = facts_of(_catalog().blueprints[bid])
        assert facts, bid
        for f in facts:
            assert "@" in f.source or "://" in f.source, (bid, f)


def test_kubernetes_below_the_new_minimum_is_a_decision() -> None:
    plan = _plan()
    ranges = {"kueue": ("1.29", None, "blueprints/kueue.yaml"), "gpu-operator": ("1.33", "1.36", "blueprints/g.yaml")}
    installed = replace(_installed({"kueue": "0.18.6", "gpu-operator": "v26.3.3"}), kubernetes_version="v1.31.4")
    up = plan_upgrade(plan, installed, _facts(plan), ranges)
    assert ("gpu-operator", "UP005") in _codes(up, DECISION)
    assert ("kueue", "UP005") not in _codes(up)
    installed = replace(installed, kubernetes_version="v1.37.0+k3s1")
    up = plan_upgrade(plan, installed, _facts(plan), ranges)
    assert ("gpu-operator", "UP005") in _codes(up, "info") and up.safe
    unchanged = replace(_installed({}), kubernetes_version="v1.20.0")  # nothing moves: no range hazard
    assert plan_upgrade(plan, unchanged, _facts(plan), ranges).hazards == ()


@pytest.mark.parametrize(("installed", "pin", "stops"), [("2.2.1", "2.4.0", True), ("2.2.1", "2.3.0", False),
                                                         ("2.3.0", "2.4.0", False)])
def test_an_upgrade_past_a_release_it_must_stop_at_is_a_decision(installed: str, pin: str, stops: bool) -> None:
    plan = _plan()
    trainer = plan.releases["kubeflow-trainer"]
    plan = replace(plan, releases={**plan.releases, trainer.id: replace(trainer, version=pin)})
    up = plan_upgrade(plan, _installed({"kubeflow-trainer": installed}, plan=plan), _facts(plan))
    assert (("kubeflow-trainer", "UP016") in _codes(up, DECISION)) is stops
    if stops:
        assert "pin kubeflow-trainer at 2.3.0" in next(h.message for h in up.hazards if h.code == "UP016")


def test_crd_adoption_comes_right_before_the_release_it_hands_the_crds_to() -> None:
    plan = _plan()
    up = plan_upgrade(plan, _installed({"kubeflow-trainer": "2.2.1"}), _facts(plan))
    kinds = [(s.action, s.release) for s in up.steps]
    at = kinds.index(("adopt", "kubeflow-trainer"))
    assert kinds[at + 1] == ("upgrade", "kubeflow-trainer")
    assert set(up.steps[at].crds) == {"trainjobs.trainer.kubeflow.org", "trainingruntimes.trainer.kubeflow.org",
                                      "clustertrainingruntimes.trainer.kubeflow.org"}
    assert ("kubeflow-trainer", "UP015") in _codes(up, HANDLED)
    # already past 2.3.0: the chart owns them, nothing to adopt
    up = plan_upgrade(plan, _installed({"kubeflow-trainer": "2.3.0"}), _facts(plan))
    assert "adopt" not in {s.action for s in up.steps}
