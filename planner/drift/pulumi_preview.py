"""DR008: fold `pulumi preview --expect-no-changes --json` into the drift report.

The JSON is Pulumi's PreviewDigest (pulumi/pulumi:sdk/go/common/display/json.go): `steps[]` with `op`,
`urn`, `diffReasons`, `replaceReasons`, `detailedDiff`, and `diagnostics[]` with `severity`/`message`.
Step ops are pkg/resource/deploy/step.go's StepOp labels; `same`, `read` and `refresh` change nothing.
Only URNs, ops and property *names* are reported — never old/new state values (they may hold secrets).
The CLI runs behind `Runner`; the cluster tier runs the real engine (tests/cluster/test_pulumi_engine.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner.drift.compare import DOC, TITLES
from planner.errors import InputError, ServiceUnavailableError
from planner.model import Plan
from planner.report import Finding, Outcome, Severity, Subject
from planner.secrets import redact_text

ARGV = ("pulumi", "preview", "--expect-no-changes", "--json", "--non-interactive")
NO_CHANGE = frozenset({"same", "read", "refresh"})
PROJECT_FILES = ("Pulumi.yaml", "stackplan.yaml")
_SEVERITY = {"delete": Severity.HIGH, "replace": Severity.HIGH, "delete-replaced": Severity.HIGH}


def is_project(directory: Path) -> bool:
    """A stackplan Pulumi project (what `stackplan init` writes): Pulumi.yaml beside stackplan.yaml."""
    return all((directory / f).is_file() for f in PROJECT_FILES)


@dataclass(frozen=True)
class Completed:
    returncode: int
    stdout: str
    stderr: str


Runner = Callable[[Sequence[str], Path, Mapping[str, str]], Completed]


def run_cli(argv: Sequence[str], cwd: Path, env: Mapping[str, str], timeout: float = 900.0) -> Completed:
    p = subprocess.run(list(argv), cwd=cwd, env=dict(env), capture_output=True, text=True, timeout=timeout,
                       check=False)
    return Completed(p.returncode, p.stdout, p.stderr)


def _urn_parts(urn: str) -> tuple[str, str]:
    """`urn:pulumi:stack::project::parent$type::name` -> (type, name)."""
    parts = urn.split("::")
    if len(parts) < 4:
        return "PulumiResource", urn
    return parts[2].rsplit("$", 1)[-1], "::".join(parts[3:])


def _component(plan: Plan, name: str) -> str | None:
    if name in plan.releases:
        return name
    prefixes = [rid for rid in plan.releases if name.startswith(rid + "-")]
    return max(prefixes, key=len) if prefixes else None


def _problem(message: str, evidence: Sequence[str] = ()) -> Finding:
    return Finding("DR008", TITLES["DR008"], Outcome.UNKNOWN, Subject("PulumiStack", "preview"), message,
                   severity=Severity.MEDIUM, evidence=tuple(evidence), doc_url=DOC + "dr008",
                   remediation="run `pulumi preview --diff` in the project directory to see why")


def findings_from_preview(plan: Plan, digest: Mapping[str, Any]) -> list[Finding]:
    """PreviewDigest -> one FAILED finding per changing step, or one PASSED finding when nothing changes."""
    steps = [s for s in digest.get("steps") or () if isinstance(s, Mapping)]
    out: list[Finding] = []
    for step in steps:
        op = str(step.get("op") or "")
        if op in NO_CHANGE:
            continue
        rtype, name = _urn_parts(str(step.get("urn") or ""))
        keys = [str(k) for k in (step.get("replaceReasons") or step.get("diffReasons") or ())]
        detailed = step.get("detailedDiff") or {}
        evidence = [str(step.get("urn") or "")]
        if keys:
            evidence.append(f"changed properties: {', '.join(keys)}")
        evidence += [f"{path}: {(d or {}).get('kind', '?')}" for path, d in sorted(detailed.items())][:10]
        out.append(Finding(
            "DR008", TITLES["DR008"], Outcome.FAILED, Subject(rtype, name),
            f"pulumi would {op} {rtype} {name}" + (f" ({', '.join(keys[:5])})" if keys else ""),
            severity=_SEVERITY.get(op, Severity.MEDIUM), component=_component(plan, name),
            evidence=tuple(evidence), doc_url=DOC + "dr008",
            remediation="`pulumi up` brings the cluster back to the program; or change the program/stack file"))
    errors = [d for d in digest.get("diagnostics") or () if isinstance(d, Mapping) and d.get("severity") == "error"]
    if errors and not out:
        out.append(_problem("pulumi preview reported errors", [redact_text(str(d.get("message", ""))).strip()[:300]
                                                             for d in errors[:5]]))
    if not out:
        unchanged = sum(1 for s in steps if s.get("op") == "same")
        out.append(Finding("DR008", TITLES["DR008"], Outcome.PASSED, Subject("PulumiStack", "preview"),
                           f"pulumi preview: no changes ({unchanged} resources unchanged)", severity=Severity.INFO,
                           doc_url=DOC + "dr008"))
    return out


def pulumi_cli(directory: Path, which: Callable[[str], str | None] = shutil.which) -> str:
    """The pulumi executable for a --pulumi run in `directory`, checked before the cluster is read.

    Raises ServiceUnavailableError (exit 3) when the CLI is missing and InputError (exit 2) when the directory is
    not a stackplan Pulumi project: --pulumi asked for the preview, so it never passes without one."""
    exe = which("pulumi")
    if exe is None:
        raise ServiceUnavailableError("--pulumi: the `pulumi` CLI is not on PATH, so the Pulumi preview cannot run",
                                      hint="install it (https://www.pulumi.com/docs/install/), or drop --pulumi")
    if not is_project(directory):
        raise InputError(f"--pulumi: {directory} is not a stackplan Pulumi project (needs "
                         f"{' and '.join(PROJECT_FILES)})",
                         hint="run drift in the directory `stackplan init` wrote, or pass -f <that dir>/stackplan.yaml")
    return exe


def preview(plan: Plan, directory: Path, exe: str, *, kubeconfig: str | None = None,
            runner: Runner = run_cli) -> list[Finding]:
    """Run `pulumi preview --expect-no-changes --json` in the project and turn its PreviewDigest into findings.

    Raises ServiceUnavailableError (exit 3) when the preview cannot run or ends without a JSON result (no stack
    selected, no passphrase, an unreadable backend): the stack could not be read, so there is nothing to compare."""
    env = {**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"}
    if kubeconfig:
        env["KUBECONFIG"] = kubeconfig
    try:
        done = runner([exe, *ARGV[1:]], directory, env)
    except (OSError, subprocess.SubprocessError) as e:
        raise ServiceUnavailableError(f"--pulumi: `pulumi preview` could not run: {type(e).__name__}: "
                                      f"{redact_text(str(e))}", hint=f"run `pulumi preview` in {directory}") from None
    try:
        digest = json.loads(done.stdout) if done.stdout.strip() else None
    except json.JSONDecodeError:
        digest = None
    if not isinstance(digest, Mapping):
        tail = [redact_text(t.strip())[:300] for t in done.stderr.strip().splitlines() if t.strip()][-3:]
        raise ServiceUnavailableError(
            f"--pulumi: `pulumi preview` failed (exit {done.returncode}) without a result; the stack could not be "
            "read" + ("".join(f"\n  {t}" for t in tail) if tail else ""),
            hint=f"run `pulumi preview` in {directory} (a stack selected? PULUMI_CONFIG_PASSPHRASE set?)")
    return findings_from_preview(plan, digest)
