"""The PRODUCT.yaml draft against the upstream template and validator rules; junit.xml in the suite's shape."""

from __future__ import annotations

from pathlib import Path

import yaml
from junitparser import Failure, JUnitXml, Skipped

from planner.conformance import junit, product
from planner.conformance.checklist import MUST, checklist, versions
from planner.conformance.evidence import IMPLEMENTED, gather
from tests.checks.harness import NOW, FakeReader
from tests.conformance import world as w

ITEM_KEYS = ["id", "description", "level", "status", "evidence", "notes"]  # upstream template order


def template(version: str) -> dict:
    """The upstream template of `version` as a document (what vendors copy; empty status, evidence, notes)."""
    c = checklist(version)
    spec: dict = {}
    for r in c.requirements:
        spec.setdefault(r.category, []).append({"id": r.id, "description": r.description, "level": r.level,
                                                "status": "", "evidence": [], "notes": ""})
    return {"metadata": dict(c.metadata), "spec": spec}


def evidence(objs=None, version: str = "1.36"):
    return gather(w.plan(), FakeReader(w.conformant() if objs is None else objs), checklist(version), now=NOW)


def test_the_template_itself_has_no_shape_problems_only_content_to_fill() -> None:
    for v in versions():
        problems = product.validate(template(v), checklist(v))
        assert not [p for p in problems if p.shape and "k8sConformanceUrl" not in p.message], v
        assert any("placeholder" in p.message for p in problems)
        assert any("MUST level" in p.message for p in problems)


def test_draft_has_the_templates_shape(tmp_path: Path) -> None:
    for v in versions():
        c = checklist(v)
        doc = yaml.safe_load(product.to_yaml(product.draft(c, evidence(version=v), evidence_links=["junit.xml"])))
        tpl = template(v)
        assert list(doc["spec"]) == list(tpl["spec"])
        for cat, items in tpl["spec"].items():
            assert [i["id"] for i in doc["spec"][cat]] == [i["id"] for i in items]
            for mine, theirs in zip(doc["spec"][cat], items, strict=True):
                assert list(mine) == ITEM_KEYS
                assert (mine["description"], mine["level"]) == (theirs["description"], theirs["level"])
        assert list(doc["metadata"])[: len(tpl["metadata"])] == list(tpl["metadata"])
        (tmp_path / "junit.xml").write_text("<testsuites/>")
        assert not [p for p in product.validate(doc, c, tmp_path) if p.shape], v


def test_a_conformant_draft_fails_upstream_only_on_the_metadata_a_human_fills() -> None:
    c = checklist("1.36")
    doc = product.draft(c, evidence())
    left = product.validate(doc, c)
    assert left and all("metadata" in p.message.lower() or "k8sConformanceUrl" in p.message for p in left)
    filled = product.draft(c, evidence(), metadata={
        "platformName": "Turbo", "platformVersion": "1.0", "vendorName": "Yoyodyne", "websiteUrl": "https://y.example",
        "repoUrl": "https://y.example/r", "documentationUrl": "https://y.example/d",
        "productLogoUrl": "https://y.example/l.svg", "description": "d", "contactEmailAddress": "a@y.example",
        "k8sConformanceUrl": "https://github.com/cncf/k8s-conformance/tree/master/v1.36/turbo"})
    assert product.validate(filled, c) == []


def test_validator_rules_catch_edits_a_submission_may_not_make(tmp_path: Path) -> None:
    c = checklist("1.36")
    doc = product.draft(c, evidence(), evidence_links=["junit.xml"])
    doc["spec"]["networking"][0]["description"] = "shorter"
    doc["spec"]["operator"][0]["status"] = "Done"
    doc["spec"]["security"][0]["status"] = "N/A"
    doc["spec"]["security"][0]["notes"] = ""
    del doc["spec"]["observability"]
    messages = [p.message for p in product.validate(doc, c, tmp_path)]
    assert any("description or level differs" in m for m in messages)
    assert any("Invalid status 'Done'" in m for m in messages)
    assert any("Notes required for 'secure_accelerator_access'" in m for m in messages)
    assert any("Missing spec category: observability" in m for m in messages)
    assert any("Invalid evidence file" in m for m in messages)  # junit.xml is not in tmp_path


def test_junit_has_one_test_per_requirement_named_like_upstreams_and_a_subtest_per_check() -> None:
    c = checklist("1.36")
    broken = w.without(w.conformant(), "GatewayClass")
    ev = evidence(broken)
    xml = JUnitXml.fromstring(junit.render(c, ev, {"kubernetesVersion": "v1.35.4"}).split("\n", 1)[1])
    suites = list(xml)
    assert len(suites) == 1 and suites[0].name == "stackplan/ai-conformance/v1.36"
    cases = {case.name: case for case in suites[0]}
    assert "TestSecureAcceleratorAccess" in cases  # upstream's own test name for this requirement
    assert "TestGangScheduling/AC003" in cases
    assert {case.classname for case in cases.values()} == {junit.PACKAGE}
    failed = {n for n, case in cases.items() if any(isinstance(r, Failure) for r in case.result)}
    assert failed == {"TestAiInference", "TestAiInference/AC001"}
    skipped = {n for n, case in cases.items() if any(isinstance(r, Skipped) for r in case.result)}
    assert "TestGpuSharing" in skipped  # no automated evidence: skipped, not passed
    musts = [e for e in ev if e.requirement.level == MUST and e.status != IMPLEMENTED]
    assert [e.requirement.id for e in musts] == ["ai_inference"]
    props = {p.name: p.value for p in suites[0].properties()}
    assert props["checklist"] == c.source and props["kubernetesVersion"] == "v1.35.4"
    assert suites[0].failures == 2 and suites[0].tests == len(cases)


def test_e2e_log_reads_like_go_test_v() -> None:
    import re

    c = checklist("1.36")
    log = junit.render_log(c, evidence())
    lines = log.splitlines()
    assert lines[-2:] == ["PASS", lines[-1]] and lines[-1].startswith("ok  \tstackplan/ai-conformance/v1.36\t")
    run = [m.group(1) for line in lines if (m := re.match(r"=== RUN   (\S+)$", line))]
    done = [m.group(2) for line in lines if (m := re.match(r"\s*--- (PASS|FAIL|SKIP): (\S+) \(\d+\.\d\ds\)$", line))]
    assert sorted(run) == sorted(done)  # every test that ran reports its result, as go test -v does
    assert "--- SKIP: TestGpuSharing (0.00s)" in lines
    broken = junit.render_log(c, evidence(w.without(w.conformant(), "GatewayClass"))).splitlines()
    assert "FAIL" in broken[-2:] and any(line.startswith("--- FAIL: TestAiInference (") for line in broken)
