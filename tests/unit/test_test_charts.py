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
