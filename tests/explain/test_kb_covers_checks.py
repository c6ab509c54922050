"""The knowledge base against the real health checks: every failure the checks' own FAILED fixtures
produce (tests/checks/fixtures, sourced upstream shapes) gets a specific entry, never the generic one;
read failures (403, CRD missing, timeouts) get theirs."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from planner.checks.runner import run_checks
from planner.cluster import ReadError
from planner.explain.kb import default_knowledge_base
from planner.kinds import CATALOG
from planner.report import Finding
from tests.checks.harness import COMPONENTS, FIXTURES, NOW, FakeReader, fixture_models, load, make_plan, run

KB = default_knowledge_base()
PLAN = make_plan(*COMPONENTS, gpu_nodes=1)


def _check_ids() -> dict[str, str]:
    ids = {}
    for test in Path(__file__).parents[1].joinpath("checks").glob("test_*.py"):
        m = re.search(r'run\("(HC\d{3})"', test.read_text())
        if m:
            ids[test.stem.removeprefix("test_")] = m.group(1)
    return ids


CASES = [pytest.param(cid, path, id=f"{cid}-{path.stem}") for module, cid in sorted(_check_ids().items())
         for path in sorted((FIXTURES / module).glob("*FAILED.yaml"))]

# The specific signature each check's characteristic failure must land on.
EXPECTED = {
    "crashloop-driver-validation-FAILED": "gpu-operator.validator-init-crashloop",
    "notready-driver-FAILED": "gpu-operator.clusterpolicy-not-ready",
    "absent-FAILED": "gpu-operator.clusterpolicy-missing",
    "allocatable-zero-FAILED": "gpu-operator.no-allocatable-gpus",
    "driver-on-one-of-two-FAILED": "gpu-operator.driver-daemonset-not-scheduled",
    "flavor-not-found-FAILED": "kueue.workload-no-flavor",
    "clusterqueue-missing-FAILED": "kueue.clusterqueue-inactive",
    "closed-queue-1FAILED": "volcano.queue-closed",
    "gang-unschedulable-FAILED": "volcano.podgroup-pending",
    "issuer-missing-FAILED": "cert-manager.certificate-not-ready",
    "predictor-not-ready-FAILED": "kserve.inferenceservice-not-ready",
    "engine-runtimeclass-missing-1FAILED": "vllm.runtimeclass-nvidia-missing",
    "no-default-storageclass-2FAILED": "pvc.unbound-no-default-storageclass",
    "image-pull-backoff-FAILED": "image.pull-backoff",
}


def _problems(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.is_problem]


@pytest.mark.parametrize(("check_id", "path"), CASES)
def test_check_failures_get_a_specific_explanation(check_id: str, path: Path) -> None:
    plan = replace(PLAN, models=fixture_models(path))  # the plan's models a fixture declares
    problems = _problems(run(check_id, load(path), plan))
    assert problems, f"{path.name} produced no problem"
    for f in problems:
        entry, _ = KB.lookup(f)
        assert not entry.id.startswith("generic."), f"{check_id} {path.name}: no signature for {f.message!r}"
    if path.stem in EXPECTED:
        assert EXPECTED[path.stem] in {KB.lookup(f)[0].id for f in problems}


class _TimeoutReader(FakeReader):
    def list(self, kind, namespace=None, label_selector=None, field_selector=None):  # type: ignore[override]
        raise ReadError(kind, 0, "timed out after 10s")


@pytest.mark.parametrize(("reader", "entry"), [
    (FakeReader([], forbidden=CATALOG), "rbac.forbidden"),
    (FakeReader([], missing=[k for k in CATALOG if k.group and "." in k.group]), "crd.api-not-served"),
    (_TimeoutReader([]), "cluster.unreachable"),
])
def test_read_failures_are_explained(reader: FakeReader, entry: str) -> None:
    report = run_checks(PLAN, reader, None, check_ids=["HC020"], now=NOW)
    [f] = _problems(list(report.findings))
    x = KB.explain(f)
    assert x.source == f"knowledge-base:{entry}"
    text = " ".join((x.summary, *x.commands))
    assert "<" not in text and "None" not in text, text  # filled from the message, not left as placeholders
