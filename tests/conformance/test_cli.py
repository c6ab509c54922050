"""`stackplan conformance` as a user runs it: plan mode, exit codes, and --cluster writing its two files
(the cluster reader replaced at its public facade by fixture objects; the real API is in tests/cluster)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

import pytest
import yaml
from junitparser import JUnitXml

from planner.commands.options import load_plan
from planner.conformance.checklist import checklist
from tests.checks.harness import FakeReader
from tests.cli_helpers import run_cli
from tests.conformance import world as w


@pytest.mark.parametrize("profile", ["training-team", "llm-inference", "full-mlops"])
def test_plan_mode_lists_every_must_and_exits_1_while_some_are_missing(capsys, profile: str) -> None:
    r = run_cli(capsys, "conformance", "-p", profile, "--checklist", "1.36", "-o", "json")
    assert r.code == 1, r.err
    data = json.loads(r.out)
    assert data["conformant"] is False and data["version"] == "1.36"
    ids = {x["id"] for x in data["requirements"] if x["level"] == "MUST"}
    assert ids == {x.id for x in checklist("1.36").must()}
    missing = {x["id"] for x in data["requirements"] if x["status"] == "missing" and x["level"] == "MUST"}
    assert "ai_inference" in missing  # no Gateway API implementation in the catalog yet


def test_plan_mode_table_names_components_and_fixes(capsys) -> None:
    r = run_cli(capsys, "conformance", "-p", "training-team")
    assert r.code == 1
    assert "kueue, volcano" in r.out and "gang_scheduling" in r.out and "AIConformance-1.35.yaml" in r.out
    assert "missing: ai_inference" in r.out


def test_bad_input_is_exit_2_with_a_hint(capsys, tmp_path: Path) -> None:
    r = run_cli(capsys, "conformance", "-p", "training-team", "--checklist", "1.99")
    assert r.code == 2 and "1.36" in r.err and "Traceback" not in r.err
    r = run_cli(capsys, "conformance", "-p", "nope")
    assert r.code == 2
    r = run_cli(capsys, "conformance", "-p", "training-team", "--out-dir", str(tmp_path))
    assert r.code == 2 and "--cluster" in r.err


class FakeClusterReader(FakeReader):
    """The ClusterReader facade (constructor, context manager, ping, list) over fixture objects."""

    objects_for_next: ClassVar[list[dict]] = []

    def __init__(self, kubeconfig=None, context=None, timeout: float = 10.0, **kw) -> None:
        super().__init__(self.objects_for_next)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None

    def ping(self) -> dict:
        return {"gitVersion": "v1.36.1"}


@pytest.fixture
def fake_cluster(monkeypatch: pytest.MonkeyPatch):
    import planner.cluster

    monkeypatch.setattr(planner.cluster, "ClusterReader", FakeClusterReader)

    def use(objects: list[dict]) -> None:
        FakeClusterReader.objects_for_next = objects
    return use


def test_cluster_mode_writes_a_draft_and_junit_and_refuses_to_overwrite(capsys, tmp_path: Path,
                                                                          fake_cluster) -> None:
    fake_cluster(w.without(w.conformant(), "GatewayClass"))
    out = tmp_path / "ai-conf"
    args = ["conformance", "-p", "training-team", "--checklist", "1.36", "--cluster", "--out-dir", str(out)]
    r = run_cli(capsys, *args)
    assert r.code == 1, r.err  # ai_inference is not implemented
    doc = yaml.safe_load((out / "PRODUCT.yaml").read_text())
    items = {i["id"]: i for cat in doc["spec"].values() for i in cat}
    assert items["ai_inference"]["status"] == "Not Implemented"
    assert items["gang_scheduling"]["status"] == "Implemented"
    assert items["gang_scheduling"]["evidence"] == ["junit.xml", "e2e.log"]
    log = (out / "e2e.log").read_text()
    assert "--- FAIL: TestAiInference (" in log and "--- PASS: TestGangScheduling (" in log
    assert log.splitlines()[-2] == "FAIL" and log.splitlines()[-1].startswith("FAIL\tstackplan/ai-conformance/v1.36\t")
    assert doc["metadata"]["kubernetesVersion"] == "v1.36"
    JUnitXml.fromfile(str(out / "junit.xml"))
    assert "wrote" in r.out and "PRODUCT.yaml" in r.out

    (out / "PRODUCT.yaml").write_text((out / "PRODUCT.yaml").read_text().replace("'[Vendor Name]'", "Yoyodyne"))
    again = run_cli(capsys, *args)
    assert again.code == 2 and "--force" in again.err
    assert "Yoyodyne" in (out / "PRODUCT.yaml").read_text()  # untouched

    fake_cluster(w.conformant() + w.installed(load_plan(None, "training-team")))
    forced = run_cli(capsys, *args, "--force")
    assert forced.code == 0, forced.out
    doc = yaml.safe_load((out / "PRODUCT.yaml").read_text())
    assert doc["metadata"]["vendorName"] == "Yoyodyne"  # the metadata the user filled is kept
    assert all(i["status"] == "Implemented" for cat in doc["spec"].values() for i in cat if i["level"] == "MUST")


def test_cluster_mode_json_without_files(capsys, fake_cluster) -> None:
    fake_cluster(w.conformant() + w.installed(load_plan(None, "training-team")))
    r = run_cli(capsys, "conformance", "-p", "training-team", "--cluster", "-o", "json")
    assert r.code == 0, r.out
    data = json.loads(r.out)
    assert data["conformant"] is True and data["kubernetesVersion"] == "v1.36.1"
    assert "warning: the cluster runs v1.36.1; the checklist is for v1.35" in r.err
