"""junit.xml in the shape of the upstream automated suite's report.

kubernetes-sigs/ai-conformance runs `go test -v ./test` (test/README.md@af907ca8), whose JUnit form
(go-junit-report) is one <testsuite> per package and one <testcase> per test function and per subtest
(`TestSecureAcceleratorAccess/PositiveAccessTest`), classname the package. stackplan writes one test per
requirement named like upstream's (`secure_accelerator_access` -> `TestSecureAcceleratorAccess`, which is
upstream's own name for it) and one subtest per check (`TestGangScheduling/AC003`). MUSTs not Implemented
fail; N/A, undetermined results and SHOULDs not Implemented are skipped with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from planner.conformance.checklist import MUST, Checklist
from planner.conformance.evidence import IMPLEMENTED, NA, Evidence
from planner.report import Outcome

PACKAGE = "stackplan/ai-conformance"


def test_name(requirement_id: str) -> str:
    return "Test" + "".join(part.capitalize() for part in requirement_id.split("_"))


def render(checklist: Checklist, evidence: Sequence[Evidence], properties: Mapping[str, str] | None = None) -> str:
    from junitparser import Failure, JUnitXml, Properties, Property, Skipped, TestCase, TestSuite

    suite = TestSuite(f"{PACKAGE}/v{checklist.version}")
    props = Properties()
    for k, v in {"checklist": checklist.source, **(properties or {})}.items():
        props.add_property(Property(k, str(v)))
    suite.append(props)
    for e in evidence:
        r = e.requirement
        case = TestCase(test_name(r.id), classname=PACKAGE, time=e.seconds)
        if e.status == IMPLEMENTED:
            pass
        elif not e.checks:
            case.result = [Skipped(f"{r.level}: not evaluated by stackplan (no automated evidence)")]
        elif e.status == NA or r.level != MUST or e.status == "":
            case.result = [Skipped(f"{r.level}: {e.status or 'undetermined'}: {e.notes}")]
        else:
            failure = Failure(f"{r.level} {r.id}: {e.status}", type_=e.status)
            failure.text = e.notes
            case.result = [failure]
        if e.findings:
            case.system_out = "\n".join(f"{f.check_id} {f.outcome.value} {f.subject}: {f.message}" for f in e.findings)
        suite.add_testcase(case)
        for cid in e.checks:
            mine = [f for f in e.findings if f.check_id == cid]
            sub = TestCase(f"{test_name(r.id)}/{cid}", classname=PACKAGE)
            bad = [f for f in mine if f.outcome in (Outcome.FAILED, Outcome.UNKNOWN)]
            if bad and r.level == MUST and e.status not in (IMPLEMENTED, NA):
                failure = Failure(bad[0].message, type_=bad[0].outcome.value)
                failure.text = "\n".join(f"{f.outcome.value} {f.subject}: {f.message}" for f in bad)
                sub.result = [failure]
            elif mine and all(f.outcome is Outcome.SKIPPED for f in mine):
                sub.result = [Skipped(mine[0].message)]
            elif bad and e.status != IMPLEMENTED:
                sub.result = [Skipped(f"{r.level} {e.status or 'undetermined'}: {bad[0].message}")]
            suite.add_testcase(sub)
    suite.update_statistics()
    xml = JUnitXml(PACKAGE)
    xml.add_testsuite(suite)
    xml.update_statistics()
    out = xml.tostring()
    body = out.decode() if isinstance(out, bytes) else str(out)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def render_log(checklist: Checklist, evidence: Sequence[Evidence]) -> str:
    """e2e.log in the shape of `go test -v` output (what the upstream suite's log is): `=== RUN`, indented
    log lines, `--- PASS|FAIL|SKIP: Name (secs)`, subtests indented, then `PASS`/`FAIL` and the package line."""
    lines: list[str] = []
    failed_any = False
    for e in evidence:
        r = e.requirement
        name = test_name(r.id)
        lines.append(f"=== RUN   {name}")
        for cid in e.checks:
            lines.append(f"=== RUN   {name}/{cid}")
        for f in e.findings:
            lines.append(f"    {f.check_id}: {f.outcome.value} {f.subject}: {f.message}")
        verdict = _verdict_word(e)
        failed_any = failed_any or verdict == "FAIL"
        lines.append(f"--- {verdict}: {name} ({e.seconds:.2f}s)")
        if verdict == "SKIP":
            lines.append(f"    {r.level}: {e.status or ('not evaluated' if not e.checks else 'undetermined')}")
        for cid in e.checks:
            mine = [f for f in e.findings if f.check_id == cid]
            sub = "PASS" if all(f.outcome is Outcome.PASSED for f in mine) else (
                "SKIP" if all(f.outcome is Outcome.SKIPPED for f in mine) or verdict != "FAIL" else "FAIL")
            lines.append(f"    --- {sub}: {name}/{cid} (0.00s)")
    total = sum(e.seconds for e in evidence)
    lines.append("FAIL" if failed_any else "PASS")
    lines.append(f"{'FAIL' if failed_any else 'ok  '}\t{PACKAGE}/v{checklist.version}\t{total:.3f}s")
    return "\n".join(lines) + "\n"


def _verdict_word(e: Evidence) -> str:
    if e.status == IMPLEMENTED:
        return "PASS"
    if not e.checks or e.status in (NA, "") or e.requirement.level != MUST:
        return "SKIP"
    return "FAIL"
