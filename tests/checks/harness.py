"""Run checks on fixture YAML: a fake reader over the objects, hand-made plans, and file names that
state the expected result (`crashloop-validator-FAILED.yaml`, `two-nodes-2PASSED.yaml`).

A document `{stackplanModels: [{name, source, engine?, gpusPerReplica?, replicas?}]}` is not an object: it is the
stack file's `models:` for the plan (`fixture_models`).

A name ending `-<N><OUTCOME>.yaml` means: exactly N findings of the check have that outcome and no
finding has a worse one; without N, at least one. PASSED fixtures must yield no FAILED/UNKNOWN finding.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from planner.checks.runner import run_checks
from planner.cluster import ReadError
from planner.kinds import CATALOG, Kind
from planner.model import Model, Plan, Release, Source, Workload
from planner.report import Finding, Outcome
from planner.values import get_path

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2026, 8, 20, 12, 0, tzinfo=UTC)  # fixture timestamps are relative to this
_NAME = re.compile(r"-(\d*)(PASSED|FAILED|UNKNOWN|SKIPPED)\.yaml$")

# Component -> (namespace, CRDs, workloads, webhooks) as the blueprints declare them; names from
# /work/shared/component-facts.md (each sourced upstream there). Only what the check tests need.
COMPONENTS: dict[str, tuple[str, tuple[str, ...], tuple[Workload, ...], tuple[str, ...]]] = {
    "gpu-operator": ("gpu-operator", ("clusterpolicies.nvidia.com", "nvidiadrivers.nvidia.com"),
                     (Workload("Deployment", "gpu-operator"),), ()),
    "fake-gpu-operator": ("gpu-operator", (), (Workload("Deployment", "status-updater"),), ()),
    "kueue": ("kueue-system", ("clusterqueues.kueue.x-k8s.io", "localqueues.kueue.x-k8s.io",
                               "workloads.kueue.x-k8s.io", "resourceflavors.kueue.x-k8s.io"),
              (Workload("Deployment", "kueue-controller-manager"),),
              ("kueue-mutating-webhook-configuration", "kueue-validating-webhook-configuration")),
    "volcano": ("volcano-system", ("queues.scheduling.volcano.sh", "podgroups.scheduling.volcano.sh"),
                (Workload("Deployment", "volcano-admission"), Workload("Deployment", "volcano-controllers"),
                 Workload("Deployment", "volcano-scheduler")), ()),
    "kserve": ("kserve", ("inferenceservices.serving.kserve.io",),
               (Workload("Deployment", "kserve-controller-manager"),), ("inferenceservice.serving.kserve.io",)),
    "kserve-runtimes": ("kserve", (), (), ()),
    "cert-manager": ("cert-manager", ("certificates.cert-manager.io",),
                     (Workload("Deployment", "cert-manager"), Workload("Deployment", "cert-manager-webhook")),
                     ("cert-manager-webhook",)),
    "kubeai": ("kubeai", ("models.kubeai.org",), (Workload("Deployment", "kubeai"),), ()),
    "vllm-stack": ("vllm", ("loraadapters.production-stack.vllm.ai",), (), ()),
    "kubeflow-pipelines": ("kubeflow", ("scheduledworkflows.kubeflow.org",), (Workload("Deployment", "ml-pipeline"),),
                           ()),
    "kubeflow-trainer": ("kubeflow-system", ("trainjobs.trainer.kubeflow.org",),
                         (Workload("Deployment", "kubeflow-trainer-controller-manager"),
                          Workload("Deployment", "jobset-controller", enabled_by="jobset.install")),
                         ("validator.trainer.kubeflow.org",)),
    "kuberay": ("kuberay", ("rayservices.ray.io",), (Workload("Deployment", "kuberay-operator"),), ()),
}


# Components whose checks read names from the release values: the blueprint's values by default.
DEFAULT_VALUES: dict[str, dict[str, Any]] = {
    "kserve-runtimes": {"kserve": {"servingruntime": {"enabled": True, "tritonserver": {"disabled": False},
                                                      "huggingfaceserver": {"disabled": False},
                                                      "vllmserver": {"disabled": False}}}},
}


def make_plan(*components: str, values: dict[str, dict[str, Any]] | None = None, gpu_nodes: int = 0,
              workloads: dict[str, tuple[Workload, ...]] | None = None, models: tuple[Model, ...] = ()) -> Plan:
    """A Plan holding one release per component (ids = component names), in one wave."""
    releases = {}
    for comp in components:
        ns, crds, wls, hooks = COMPONENTS[comp]
        releases[comp] = Release(
            id=comp, component=comp, layer="test", source=Source("local", "tests/charts", chart=comp), version="0.0.0",
            namespace=ns, needs=(), values=(values or {}).get(comp, DEFAULT_VALUES.get(comp, {})),
            values_digest="0" * 64, crds=crds,
            workloads=tuple(w for w in (workloads or {}).get(comp, wls)  # as resolve does (enabledBy)
                            if get_path((values or {}).get(comp, {}), w.enabled_by or "-", True) is not False),
            webhooks=hooks)
    return Plan(profile="test", kubernetes_version="1.35", cluster={"gpu": {"nodes": gpu_nodes}}, choices={},
                waves=(tuple(sorted(releases)),), releases=releases, models=models)


class FakeReader:
    """The Reader protocol over in-memory objects; `forbidden` kinds answer 403, `missing` ones 404."""

    def __init__(self, objects: Iterable[dict], forbidden: Iterable[Kind] = (), missing: Iterable[Kind] = ()) -> None:
        self.objects = list(objects)
        self.forbidden, self.missing = set(forbidden), set(missing)
        self.calls: list[tuple[Kind, str | None]] = []

    def list(self, kind: Kind, namespace: str | None = None, label_selector: str | None = None,
             field_selector: str | None = None) -> list[dict]:
        self.calls.append((kind, namespace))
        if kind in self.forbidden:
            raise ReadError(kind, 403, f"forbidden: cannot list {kind.key} cluster-wide (RBAC; see `stackplan rbac`)")
        if kind in self.missing:
            raise ReadError(kind, 404, f"not installed: the API {kind.api_version} {kind.plural} is not served")
        out = [o for o in self.objects if o.get("kind") == kind.kind
               and o.get("apiVersion", "").rsplit("/", 1)[0] == (kind.group or o.get("apiVersion"))]
        if namespace:
            out = [o for o in out if (o.get("metadata") or {}).get("namespace") == namespace]
        if field_selector == "type=Warning":
            out = [o for o in out if o.get("type") == "Warning"]
        return out

    def list_metadata(self, kind: Kind, namespace: str, label_selector: str | None = None,
                      field_selector: str | None = None) -> list[dict]:
        """Objects as the real reader keeps them (name, namespace, Helm's labels only), by one label
        `key=value` and/or `metadata.name=NAME`."""
        from planner.helm_status import strip

        self.calls.append((kind, namespace))
        out = [o for o in self.objects if o.get("kind") == kind.kind
               and (o.get("metadata") or {}).get("namespace") == namespace]
        if label_selector:
            key, value = label_selector.split("=", 1)
            out = [o for o in out if ((o.get("metadata") or {}).get("labels") or {}).get(key) == value]
        if field_selector:
            name = field_selector.removeprefix("metadata.name=")
            out = [o for o in out if (o.get("metadata") or {}).get("name") == name]
        return [strip(o) for o in out]


def load(path: Path) -> list[dict]:
    docs = [d for d in YAML(typ="safe").load_all(path.read_text()) if d and "stackplanModels" not in d]
    out: list[dict] = []
    for d in docs:
        out.extend(d.get("items") or [] if d.get("kind") == "List" else [d])
    known = {(k.api_version, k.kind) for k in CATALOG} | {("v1", "Event"), ("v1", "Secret")}  # Secret: Helm records
    for o in out:
        what = (o.get("apiVersion"), o.get("kind"))
        assert what in known, f"{path.name}: {what} is not a kind stackplan reads"
    return out


def fixture_models(path: Path) -> tuple[Model, ...]:
    """The plan's models a fixture declares (its `stackplanModels` document), else none."""
    for d in YAML(typ="safe").load_all(path.read_text()):
        if d and "stackplanModels" in d:
            return tuple(Model(m["name"], m["source"], m.get("engine", "vllm"), m.get("gpusPerReplica", 1),
                               m.get("replicas", 1)) for m in d["stackplanModels"])
    return ()


def run(check_id: str, objects: Iterable[dict], plan: Plan, *, forbidden: Iterable[Kind] = (),
        missing: Iterable[Kind] = (), components: Iterable[str] | None = None) -> list[Finding]:
    """The findings of one check, run through the real runner (so read errors become UNKNOWN)."""
    reader = FakeReader(objects, forbidden, missing)
    report = run_checks(plan, reader, components, check_ids=[check_id], now=NOW)
    return [f for f in report.findings if f.check_id == check_id]


def fixtures(module: str) -> list[Any]:
    """pytest params: every fixture file of a check module, named by file."""
    files = sorted((FIXTURES / module).glob("*.yaml"))
    assert files, f"no fixtures under {FIXTURES / module}"
    return [pytest.param(p, id=p.stem) for p in files]


def expected(path: Path) -> tuple[Outcome, int | None]:
    m = _NAME.search(path.name)
    assert m, f"{path.name}: fixture names end with -[N]PASSED|FAILED|UNKNOWN|SKIPPED.yaml"
    return Outcome(m.group(2)), int(m.group(1)) if m.group(1) else None


def assert_expected(findings: list[Finding], path: Path) -> None:
    outcome, count = expected(path)
    got = [f for f in findings if f.outcome is outcome]
    shown = "\n".join(f"  {f.outcome} {f.subject}: {f.message}" for f in findings)
    assert got, f"{path.name}: expected {outcome}, got:\n{shown}"
    if count is not None:
        assert len(got) == count, f"{path.name}: expected {count} {outcome}, got {len(got)}:\n{shown}"
    if outcome is Outcome.PASSED:
        assert not any(f.is_problem for f in findings), f"{path.name}: expected only PASSED, got:\n{shown}"
    for f in findings:
        if f.outcome is Outcome.FAILED:
            assert f.evidence, f"{path.name}: a FAILED finding without evidence: {f.message}"
            assert f.remediation, f"{path.name}: a FAILED finding without remediation: {f.message}"
