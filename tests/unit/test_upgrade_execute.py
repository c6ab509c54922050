"""`upgrade --apply`'s step runner with recorded tools: order, refusal of unsafe plans, stop and resume hint."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from planner.engine.charts import ChartTarget
from planner.engine.state import ApplyResult, ReleaseOutcome, ReleaseState
from planner.model import Plan
from planner.upgrade.execute import StepFailed, Tools, run_upgrade
from planner.upgrade.plan import DECISION, Hazard, Step, UpgradePlan
from tests.unit.engine_fakes import release

PLAN = Plan(profile="p", kubernetes_version="1.35", cluster={}, choices={}, waves=(), releases={})
CRDS = Step("op", "crds", "apply crds", ("a.example.com",))
UPGRADE = Step("op", "upgrade", "helm upgrade op")
MIGRATE = Step("q", "migrate", "migrate", ("w.example.com",), storage="v2")


@dataclass(frozen=True)
class FakeTools(Tools):
    calls: list = field(default_factory=list)
    fail_on: str = ""

    def chart_crds(self, target: ChartTarget) -> list[dict]:
        self.calls.append([self.helm, "chart_crds", target.ref])
        return [{"kind": "CustomResourceDefinition", "metadata": {"name": "a.example.com"}}]

    def run(self, argv: Sequence[str], stdin: str | None = None, timeout: float = 600) -> str:
        self.calls.append(list(argv))
        if self.fail_on and self.fail_on in argv:
            raise StepFailed(f"{self.fail_on} failed")
        if argv[1:3] == ["get", "crd"]:
            return json.dumps({"spec": {"versions": [{"name": "v1"}, {"name": "v2", "storage": True}]}})
        if "--all-namespaces" in argv:
            return json.dumps({"kind": "List", "items": [{"kind": "W"}]})
        return "applied\n"


def _run(up: UpgradePlan, tools: FakeTools, fail_release: str = "") -> tuple[int, list[str], list[str]]:
    """Run the steps with recorded tools and a recorded one-release engine step; returns (code, echoed lines,
    the calls in order: kubectl/helm verbs and `release <id> <objects>`)."""
    lines: list[str] = []

    def release(rid: str, objects: tuple[str, ...]) -> ApplyResult:
        tools.calls.append(["release", rid, *objects])
        state = ReleaseState.FAILED if rid == fail_release else ReleaseState.READY
        rows = (ReleaseOutcome(rid, 1, state, "helm: timed out" if rid == fail_release else "upgraded"),
                *(ReleaseOutcome(o, 1, ReleaseState.READY, "applied") for o in objects))
        return ApplyResult(rows, 1, 1)

    code = run_upgrade(PLAN, up, {"op": ChartTarget("charts/op")}, kubeconfig=None, context=None, timeout="1m",
                       echo=lines.append, release=release, tools=tools,
                       command="stackplan upgrade -f s.yaml --apply --release-timeout 10m")
    calls = [" ".join(c[1:]) if c[0] == "release" else c[1] for c in tools.calls]
    return code, lines, calls


OTHER = Step("r", "upgrade", "helm upgrade r", objects=("ClusterQueue/q1",))


def test_steps_run_in_the_printed_order_one_release_at_a_time() -> None:
    tools = FakeTools("helm", "kubectl", ())
    code, lines, calls = _run(UpgradePlan((), (), (CRDS, UPGRADE, MIGRATE, OTHER), ()), tools)
    assert code == 0, lines
    # the migration of q runs after op's upgrade and before r moves; r's custom resources go with r
    assert calls == ["chart_crds", "apply", "op", "get", "get", "replace", "patch", "r ClusterQueue/q1"]
    patch = next(c for c in tools.calls if c[1] == "patch")
    assert patch[-1] == json.dumps({"status": {"storedVersions": ["v2"]}})
    assert [line.split(":")[0] for line in lines[:-1]] == ["[1/4] CRDs of op", "[2/4] upgrade op",
                                                          "[3/4] storage migration of q", "[4/4] upgrade r"]
    assert lines[-1] == "upgrade --apply: 4 step(s) done"


def test_an_unsafe_plan_changes_nothing() -> None:
    tools = FakeTools("helm", "kubectl", ())
    up = UpgradePlan((), (Hazard("op", DECISION, "UP004", "downgrade", "x"),), (CRDS, UPGRADE), ())
    code, lines, calls = _run(up, tools)
    assert code == 1 and calls == [] and "nothing was changed" in lines[0]


def test_a_failed_step_stops_and_says_what_was_done_and_how_to_continue() -> None:
    tools = FakeTools("helm", "kubectl", (), fail_on="--server-side")
    code, lines, calls = _run(UpgradePlan((), (), (CRDS, UPGRADE, MIGRATE), ()), tools)
    assert code == 1
    assert calls == ["chart_crds", "apply"]  # nothing after the failed step
    assert lines[0] == "upgrade --apply: step 1/3 (CRDs of op) failed: --server-side failed"
    assert lines[1] == "  done: nothing (no step finished)"
    assert lines[2] == "  not started: 2. upgrade op; 3. storage migration of q"
    assert lines[3] == "  to continue, fix the cause and run: stackplan upgrade -f s.yaml --apply --release-timeout 10m"
    assert "`stackplan upgrade -f s.yaml --release-timeout 10m` shows what is left" in lines[4]


def test_a_failed_release_stops_before_its_migration_and_the_next_release() -> None:
    tools = FakeTools("helm", "kubectl", ())
    code, lines, calls = _run(UpgradePlan((), (), (CRDS, UPGRADE, MIGRATE, OTHER), ()), tools, fail_release="op")
    assert code == 1 and calls == ["chart_crds", "apply", "op"]
    fail = next(line for line in lines if "failed" in line)
    assert fail == "upgrade --apply: step 2/4 (upgrade op) failed: op: helm: timed out"
    assert "  done: 1. CRDs of op" in lines
    assert "  not started: 3. storage migration of q; 4. upgrade r" in lines


def test_a_migration_refuses_a_crd_not_yet_storing_the_new_version() -> None:
    tools = FakeTools("helm", "kubectl", ())
    step = Step("q", "migrate", "migrate", ("w.example.com",), storage="v3")
    code, lines, calls = _run(UpgradePlan((), (), (step,), ()), tools)
    assert code == 1 and "stores v2, not v3" in lines[0]
    assert "patch" not in calls


def test_adopt_labels_and_annotates_the_crds_that_exist_for_the_release() -> None:
    class Adopting(FakeTools):
        def run(self, argv, stdin=None, timeout=600):
            self.calls.append(list(argv))
            if argv[1:3] == ["get", "crd"]:
                return "" if argv[3] == "gone.example.com" else f"customresourcedefinition/{argv[3]}\n"
            return "ok\n"

    tools = Adopting("helm", "kubectl", ())
    plan = Plan(profile="p", kubernetes_version="1.35", cluster={}, choices={}, waves=(("op",),),
                releases={"op": release("op", ns="op-system")})
    step = Step("op", "adopt", "adopt", ("a.example.com", "gone.example.com"))
    lines: list[str] = []
    code = run_upgrade(plan, UpgradePlan((), (), (step,), ()), {}, kubeconfig=None, context=None, timeout="1m",
                       echo=lines.append, tools=tools)
    assert code == 0, lines
    writes = [c[1:] for c in tools.calls if c[1] in ("label", "annotate")]
    assert writes == [["label", "crd", "a.example.com", "app.kubernetes.io/managed-by=Helm", "--overwrite"],
                      ["annotate", "crd", "a.example.com", "meta.helm.sh/release-name=op",
                       "meta.helm.sh/release-namespace=op-system", "--overwrite"]]
    assert "1 CRD(s) handed to Helm release op-system/op (1 not installed)" in lines[0]
