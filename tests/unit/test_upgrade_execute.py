"""`upgrade --apply`'s step runner with recorded tools: order, refusal of unsafe plans, stop and resume hint."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from planner.engine.charts import ChartTarget
from planner.model import Plan
from planner.upgrade.execute import StepFailed, Tools, run_upgrade
from planner.upgrade.plan import DECISION, Hazard, Step, UpgradePlan

PLAN = Plan(profile="p", kubernetes_version="1.35", cluster={}, choices={}, waves=(), releases={})
CRDS = Step("op", "crds", "apply crds", ("a.example.com",))
UPGRADE = Step("op", "upgrade", "helm upgrade op")
MIGRATE = Step("q", "migrate", "migrate", ("w.example.com",), storage="v2")


@dataclass(frozen=True)
class FakeTools(Tools):
    calls: list = field(default_factory=list)
    fail_on: str = ""

    def run(self, argv: Sequence[str], stdin: str | None = None, timeout: float = 600) -> str:
        self.calls.append(list(argv))
        if self.fail_on and self.fail_on in argv:
            raise StepFailed(f"{self.fail_on} failed")
        if argv[1:3] == ["show", "crds"]:
            return "kind: CustomResourceDefinition\n"
        if argv[1:3] == ["get", "crd"]:
            return json.dumps({"spec": {"versions": [{"name": "v1"}, {"name": "v2", "storage": True}]}})
        if "--all-namespaces" in argv:
            return json.dumps({"kind": "List", "items": [{"kind": "W"}]})
        return "applied\n"


class Result:
    def __init__(self, code: int) -> None:
        self.code = code

    def exit_code(self) -> int:
        return self.code


def _run(up: UpgradePlan, tools: FakeTools, install_code: int = 0) -> tuple[int, list[str], list[str]]:
    lines: list[str] = []
    order: list[str] = []

    def install(plan, targets, **kw) -> Result:
        order.append("install")
        tools.calls.append(["install"])
        return Result(install_code)

    code = run_upgrade(PLAN, up, {"op": ChartTarget("charts/op")}, kubeconfig=None, context=None, timeout="1m",
                       echo=lines.append, install=install, tools=tools)
    return code, lines, [c[1] if c[0] != "install" else "install" for c in tools.calls]


def test_crds_then_releases_then_migrations() -> None:
    tools = FakeTools("helm", "kubectl", ())
    code, lines, calls = _run(UpgradePlan((), (), (CRDS, UPGRADE, MIGRATE), ()), tools)
    assert code == 0, lines
    assert calls == ["show", "apply", "install", "get", "get", "replace", "patch"]
    patch = tools.calls[-1]
    assert patch[-1] == json.dumps({"status": {"storedVersions": ["v2"]}})
    assert lines[-1] == "upgrade --apply: 3 step(s) done"


def test_an_unsafe_plan_changes_nothing() -> None:
    tools = FakeTools("helm", "kubectl", ())
    up = UpgradePlan((), (Hazard("op", DECISION, "UP004", "downgrade", "x"),), (CRDS, UPGRADE), ())
    code, lines, calls = _run(up, tools)
    assert code == 1 and calls == [] and "nothing was changed" in lines[0]


def test_a_failed_step_stops_and_says_how_to_resume() -> None:
    tools = FakeTools("helm", "kubectl", (), fail_on="--server-side")
    code, lines, calls = _run(UpgradePlan((), (), (CRDS, UPGRADE, MIGRATE), ()), tools)
    assert code == 1
    assert "install" not in calls  # nothing after the failed step
    assert "step 1/3 (CRDs of op) failed" in lines[0] and "run the same `stackplan upgrade --apply` again" in lines[1]


def test_a_failed_release_stops_before_migrations() -> None:
    tools = FakeTools("helm", "kubectl", ())
    code, lines, calls = _run(UpgradePlan((), (), (UPGRADE, MIGRATE), ()), tools, install_code=1)
    assert code == 1 and calls == ["install"]
    assert "later steps were not started" in lines[-2]


def test_a_migration_refuses_a_crd_not_yet_storing_the_new_version() -> None:
    tools = FakeTools("helm", "kubectl", ())
    step = Step("q", "migrate", "migrate", ("w.example.com",), storage="v3")
    code, lines, calls = _run(UpgradePlan((), (), (step,), ()), tools)
    assert code == 1 and "stores v2, not v3" in lines[0]
    assert "patch" not in calls
