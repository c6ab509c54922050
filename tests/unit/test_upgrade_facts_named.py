"""`stackplan upgrade` names every upgrade fact of the shipped blueprints, with its source, in a plan that crosses it.

For each fact: a plan holding its component (and the other component of before/requires facts), an installed
state that crosses it (the component installed before `since`, or below its pin; CRDs still storing the old
version for storageVersion facts; the value set for value facts), and the rendered upgrade plan — the table
people read and the JSON tools read — must carry the fact's source."""

from __future__ import annotations

import json
from dataclasses import replace
from functools import cache
from typing import Any

import pytest

from planner.catalog import load_catalog
from planner.drift.helm_records import HelmRelease
from planner.errors import PlanError
from planner.model import Catalog, ComponentOverride, Plan, StackSpec
from planner.resolve import resolve
from planner.upgrade.facts import UpgradeFact, facts_of
from planner.upgrade.plan import Installed, InstalledCrd, plan_upgrade
from planner.upgrade.render import render

PROFILES = ("full-mlops", "training-team", "llm-inference")


@cache
def _catalog() -> Catalog:
    return load_catalog()


def _facts() -> list[UpgradeFact]:
    return [f for bp in sorted(_catalog().blueprints.values(), key=lambda b: b.id) for f in facts_of(bp)]


def _plan_with(*components: str) -> Plan:
    for profile in PROFILES:
        stack = StackSpec(profile=profile, components={c: ComponentOverride(enabled=True) for c in components})
        try:
            plan = resolve(_catalog(), stack, [])
        except PlanError:
            continue
        if {c for c in components} <= {r.component for r in plan.releases.values()}:
            return plan
    raise AssertionError(f"no profile plans {components}")


def _set(values: Any, path: str, value: Any) -> dict:
    out = dict(values)
    head, _, rest = path.partition(".")
    out[head] = _set(out.get(head) or {}, rest, value) if rest else value
    return out


def _crossing(fact: UpgradeFact) -> tuple[Plan, Installed]:
    plan = _plan_with(*([fact.component, fact.other] if fact.other else [fact.component]))
    me = next(r for r in plan.releases.values() if r.component == fact.component)
    if fact.kind == "via":  # named when an upgrade goes past the release it must stop at
        me = replace(me, version="99.0.0")
        plan = replace(plan, releases={**plan.releases, me.id: me})
    if fact.kind == "value":
        value = fact.old_value if fact.old_value is not None else "set-by-the-test"
        plan = replace(plan, releases={**plan.releases, me.id: replace(me, values=_set(me.values, fact.path or "",
                                                                                      value))})
    # installed just before the fact: a version below `since` (or below the pin for facts without one)
    before = "0.0.1"
    releases = {(r.namespace, r.id): HelmRelease(r.id, r.namespace, 1, "deployed", r.source.chart or r.id,
                                                 before if r.id == me.id else r.version, config=r.values)
                for r in plan.releases.values() if not r.how.kustomize}
    crds = {c: InstalledCrd(c, (fact.old or "", fact.new or ""), fact.new, (fact.old or "", fact.new or ""))
            for c in fact.crds} if fact.kind == "storageVersion" else {}
    return plan, Installed(releases=releases, crds=crds)


@pytest.mark.parametrize("fact", _facts(), ids=lambda f: f"{f.component}-{f.index}-{f.kind}")
def test_every_blueprint_upgrade_fact_is_named_with_its_source(fact: UpgradeFact) -> None:
    plan, installed = _crossing(fact)
    facts = {r.component: facts_of(_catalog().blueprints[r.component]) for r in plan.releases.values()}
    up = plan_upgrade(plan, installed, facts)
    table = " ".join(render(up, "table").split())  # the table wraps nothing, but compare without line breaks
    assert f"source: {' '.join(fact.source.split())}" in table, fact
    named = [h for h in json.loads(render(up, "json"))["hazards"] if h["source"] == fact.source]
    assert named, fact
    assert all(h["code"].startswith("UP0") for h in named)


def test_the_shipped_blueprints_have_facts_of_every_kind_the_issue_names() -> None:
    kinds = {(f.component, f.kind) for f in _facts()}
    assert {("kueue", "storageVersion"), ("kueue", "requires"), ("kueue", "conversionWebhook"),
            ("kuberay", "crds"), ("gpu-operator", "newCrds"), ("kserve-crd", "before"),
            ("kserve", "value")} <= kinds
    trainer = next(f for f in _facts() if f.component == "kueue" and f.kind == "requires")
    assert (trainer.other, trainer.version, trainer.since) == ("kubeflow-trainer", "2.2.0", "0.17.0")
