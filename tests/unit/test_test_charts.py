"""The committed test charts (tests/charts) match the blueprints: same object names, pinned versions."""

from __future__ import annotations

import filecmp
import importlib.util
from pathlib import Path

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
CHARTS = ROOT / "tests" / "charts"


def _build_module():
    spec = importlib.util.spec_from_file_location("charts_build", CHARTS / "build.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _differences(a: Path, b: Path) -> list[str]:
    cmp = filecmp.dircmp(a, b)
    out = [f"{a.name}: only committed {x}" for x in cmp.left_only] + [f"{a.name}: only generated {x}"
                                                                     for x in cmp.right_only]
    out += [f"{a.name}/{x} differs" for x in cmp.diff_files]
    for sub in cmp.common_dirs:
        out += _differences(a / sub, b / sub)
    return out


def test_committed_charts_are_what_build_py_writes_from_the_blueprints(tmp_path, capsys):
    build = _build_module()
    build.main(tmp_path)
    problems = []
    for cid in build.COMPONENTS:
        if (tmp_path / cid).exists() != (CHARTS / cid).exists():
            problems.append(f"{cid}: committed={ (CHARTS / cid).exists()} generated={(tmp_path / cid).exists()}")
        elif (tmp_path / cid).exists():
            problems += _differences(CHARTS / cid, tmp_path / cid)
    assert not problems, "re-run `python tests/charts/build.py`: " + "; ".join(problems)


def test_chart_versions_and_object_names_follow_the_blueprint():
    y = YAML(typ="safe")
    bp = y.load((ROOT / "blueprints" / "kueue.yaml").read_text())
    chart = y.load((CHARTS / "kueue" / "Chart.yaml").read_text())
    assert chart["name"] == bp["source"]["chart"] and chart["version"] == bp["version"]
    docs = [d for f in (CHARTS / "kueue").rglob("*.yaml") if f.parent.name in ("templates", "crds")
            for d in y.load_all(f.read_text()) if d]
    names = {(d["kind"], d["metadata"]["name"]) for d in docs}
    for w in bp["workloads"]:
        assert (w["kind"], w["name"]) in names
    for crd in bp["crds"]:
        assert ("CustomResourceDefinition", crd) in names
    hooks = [d for d in docs if d["kind"].endswith("WebhookConfiguration")]
    assert hooks and all(h["failurePolicy"] == "Ignore" for d in hooks for h in d["webhooks"])


def test_stand_ins_declare_nothing_the_blueprint_does_not():
    """A stand-in may create only the blueprint's workloads, CRDs and webhook configurations, plus objects a check
    reads by name that `stackplan verify-charts` requires the real chart to render (planner.verify.objects)."""
    from planner.catalog import load_catalog
    from planner.verify.objects import CHECK_OBJECTS

    build = _build_module()
    catalog = load_catalog(use_cache=False)
    y = YAML(typ="safe")
    problems = []
    for cid in build.COMPONENTS:
        bp = catalog.blueprints[cid]
        allowed = {(w.kind, w.name) for w in bp.workloads}
        allowed |= {("CustomResourceDefinition", c) for c in bp.crds}
        allowed |= {(k, w) for w in bp.webhooks for k in ("ValidatingWebhookConfiguration",
                                                          "MutatingWebhookConfiguration")}
        allowed |= {(kind, name) for comp, kind, name in CHECK_OBJECTS if comp == cid}
        if bp.webhooks:  # the Service the stand-in's webhook configurations point at
            allowed.add(("Service", build.WEBHOOK_SERVICES.get(cid, f"{cid}-webhook-service")))
        for f in sorted((CHARTS / cid).rglob("*.yaml")):
            if f.name in ("Chart.yaml", "values.yaml", "kustomization.yaml"):
                continue
            for d in y.load_all(f.read_text()):
                if not d:
                    continue
                if (d["kind"], d["metadata"]["name"]) not in allowed:
                    problems.append(f"{f.relative_to(CHARTS)}: {d['kind']}/{d['metadata']['name']}")
    assert not problems, "stand-ins declare objects their blueprint does not: " + "; ".join(problems)


def test_stand_in_workloads_keep_the_replicas_the_real_chart_renders():
    y = YAML(typ="safe")
    docs = [d for d in y.load_all((CHARTS / "fake-gpu-operator" / "templates" / "objects.yaml").read_text()) if d]
    replicas = {d["metadata"]["name"]: d["spec"].get("replicas") for d in docs if d["kind"] == "Deployment"}
    assert replicas["gpu-operator"] == 0  # run-ai/fake-gpu-operator templates/gpu-operator/deployment.yml@v0.2.0
