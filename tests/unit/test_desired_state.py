"""Issue #18: the plan is the one desired state; the Pulumi program, apply, check and drift read it.

Each test here failed before the plan carried how each release is installed (`Release.install`) and the
workload namespace; they use the real catalog.
"""

from __future__ import annotations

import io
import tarfile
from dataclasses import replace
from pathlib import Path

import pytest

from planner.catalog import load_catalog
from planner.drift.compare import compare
from planner.drift.live import LiveFacts, LiveObject
from planner.emit.sources import helm_chart, is_kustomize, kustomize_directory
from planner.engine.charts import ChartTarget, KustomizeTarget, resolve_targets
from planner.model import Mirror, Plan, StackSpec
from planner.report import Outcome
from planner.resolve import resolve


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def _only(plan: Plan, *rids: str) -> Plan:
    return replace(plan, waves=(tuple(rids),), releases={r: plan.releases[r] for r in rids})


def test_a_mirrored_kustomize_release_is_compared_as_kustomize_by_drift(catalog, tmp_path):
    """Problem 1: mirror.kustomize made kustomize releases `local` sources and drift looked for Helm records."""
    plan = resolve(catalog, StackSpec(profile="training-team", mirror=Mirror(kustomize=str(tmp_path))))
    rel = plan.releases["kubeflow-pipelines-crds"]
    assert rel.install is not None and rel.install.kustomize and rel.install.local
    assert rel.install.location == str(tmp_path / "kubeflow-pipelines-crds")
    applied = LiveObject("CustomResourceDefinition", rel.crds[0], None,
                         labels={"app.kubernetes.io/managed-by": "stackplan", "stackplan.dev/release": rel.id},
                         annotations={"stackplan.dev/values-digest": rel.values_digest})
    from planner.drift.live import LiveCrd

    crds = {n: LiveCrd("CustomResourceDefinition", n, None, labels=dict(applied.labels),
                       annotations=dict(applied.annotations)) for n in rel.crds}
    findings = compare(_only(plan, rel.id), LiveFacts(crds=crds, workloads={"Deployment": {}, "DaemonSet": {},
                                                                                "StatefulSet": {}}))
    dr001 = [f for f in findings if f.check_id == "DR001"]
    assert [(f.subject.kind, f.outcome) for f in dr001] == [("Kustomization", Outcome.PASSED)], dr001
    # and the emitter and apply agree it is a local kustomize directory
    assert is_kustomize(rel) and kustomize_directory(rel) == str(tmp_path / "kubeflow-pipelines-crds")


def _chart(root: Path, dirname: str, name: str, version: str) -> Path:
    d = root / dirname
    (d / "templates").mkdir(parents=True)
    (d / "Chart.yaml").write_text(f"apiVersion: v2\nname: {name}\nversion: {version}\n")
    return d


def _tgz(root: Path, name: str, version: str) -> Path:
    path = root / f"{name}-{version}.tgz"
    with tarfile.open(path, "w:gz") as tar:
        data = f"apiVersion: v2\nname: {name}\nversion: {version}\n".encode()
        info = tarfile.TarInfo(f"{name}/Chart.yaml")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return path


def test_a_chart_under_its_release_id_is_found_by_the_pulumi_program_as_by_apply(catalog, tmp_path):
    """Problem 2: `<dir>/<release-id>` (kserve's chart kserve-resources in dir `kserve`) worked for apply,
    not for the Pulumi program (`path not found`)."""
    plan0 = resolve(catalog, StackSpec(profile="full-mlops"), find=None)
    kserve = plan0.releases["kserve"]
    chart = kserve.source.chart or "kserve"
    assert chart != "kserve"  # the case: chart name and release id differ
    want = _chart(tmp_path, "kserve", chart, kserve.version)
    gpu = plan0.releases["gpu-operator"]
    archive = _tgz(tmp_path, gpu.source.chart or gpu.id, gpu.version)
    plan = resolve(catalog, StackSpec(profile="full-mlops", mirror=Mirror(charts=str(tmp_path))))
    assert helm_chart(plan.releases["kserve"]).chart == str(want)
    assert helm_chart(plan.releases["gpu-operator"]).chart == str(archive)
    targets = resolve_targets(_only(plan, "kserve", "gpu-operator"))
    assert targets["kserve"] == ChartTarget(str(want), local=True)
    assert targets["gpu-operator"] == ChartTarget(str(archive), local=True)


def test_apply_chart_dir_is_part_of_the_plan(catalog, tmp_path):
    """`apply --chart-dir DIR` feeds resolve (one lookup): the plan JSON says where each release comes from."""
    plan0 = resolve(catalog, StackSpec(profile="training-team"), find=None)
    kueue = plan0.releases["kueue"]
    d = _chart(tmp_path, "kueue", kueue.source.chart or "kueue", kueue.version)
    (tmp_path / "katib").mkdir()
    (tmp_path / "katib" / "kustomization.yaml").write_text("resources: []\n")
    plan = resolve(catalog, StackSpec(profile="training-team"), local_dir=str(tmp_path))
    body = {r["id"]: r["install"] for r in plan.to_dict()["releases"]}
    assert body["kueue"] == {"method": "helm", "location": str(d), "local": True}
    assert body["kubeflow-pipelines"] == {"method": "kustomize", "location": str(tmp_path / "kubeflow-pipelines"),
                                          "local": True}
    katib = plan.releases.get("katib")
    if katib is not None:
        assert resolve_targets(_only(plan, "katib"))["katib"] == KustomizeTarget(str(tmp_path / "katib"), local=True)


def test_every_release_of_the_plan_json_says_how_it_is_installed(catalog):
    plan = resolve(catalog, StackSpec(profile="full-mlops"))
    for r in plan.to_dict()["releases"]:
        assert r["install"]["method"] in ("helm", "kustomize")
        if r["source"]["kind"] == "kustomize":
            assert r["install"] == {"method": "kustomize", "location": r["source"]["location"],
                                    "ref": r["source"]["ref"]}
