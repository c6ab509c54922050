"""--pulumi: PreviewDigest parsing (pulumi/pulumi sdk/go/common/display/json.go) and the CLI edge, with a
recording stub `pulumi` executable (the engine cannot run here)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from planner.drift.pulumi_preview import ARGV, Completed, findings_from_preview, preview
from planner.report import Outcome
from tests.unit.drift_fixtures import plan, release
from tests.unit.stubs import calls, stub

P = plan(release("mlflow"), release("kserve", namespace="kserve"))
URN = "urn:pulumi:dev::ml-platform::"
DIGEST = {
    "steps": [
        {"op": "same", "urn": URN + "kubernetes:core/v1:Namespace::ns-kserve"},
        {"op": "update", "urn": URN + "kubernetes:helm.sh/v3:Release::mlflow", "diffReasons": ["values"],
         "detailedDiff": {"values.replicaCount": {"kind": "update", "inputDiff": False}},
         "oldState": {"inputs": {"values": {"auth": {"password": "old-secret"}}}},
         "newState": {"inputs": {"values": {"auth": {"password": "new-secret"}}}}},
        {"op": "create", "urn": URN + "kubernetes:core/v1:Secret::kserve-hf-token"},
        {"op": "read", "urn": URN + "kubernetes:core/v1:ConfigMap::cfg"},
    ],
    "changeSummary": {"same": 1, "update": 1, "create": 1},
}


def test_changing_steps_become_failed_findings_without_state_values():
    findings = findings_from_preview(P, DIGEST)
    assert [(f.outcome, f.component, f.subject.kind, f.subject.name) for f in findings] == [
        (Outcome.FAILED, "mlflow", "kubernetes:helm.sh/v3:Release", "mlflow"),
        (Outcome.FAILED, "kserve", "kubernetes:core/v1:Secret", "kserve-hf-token")]
    assert findings[0].message == "pulumi would update kubernetes:helm.sh/v3:Release mlflow (values)"
    assert "values.replicaCount: update" in findings[0].evidence
    text = json.dumps([f.to_dict() for f in findings])
    assert "old-secret" not in text and "new-secret" not in text


def test_no_changes_is_one_passed_finding_and_errors_are_unknown():
    (ok,) = findings_from_preview(P, {"steps": [DIGEST["steps"][0]]})
    assert ok.outcome is Outcome.PASSED and "1 resources unchanged" in ok.message
    (bad,) = findings_from_preview(P, {"diagnostics": [{"severity": "error", "message": "no stack selected"}]})
    assert bad.outcome is Outcome.UNKNOWN and bad.evidence == ("no stack selected",)


def _project(tmp_path: Path) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "Pulumi.yaml").write_text("name: ml-platform\nruntime: python\n")
    (tmp_path / "stackplan.yaml").write_text("profile: full-mlops\n")
    return tmp_path


def test_without_the_cli_it_says_so_and_adds_nothing(tmp_path: Path):
    result = preview(P, _project(tmp_path), which=lambda _: None)
    assert result.findings == () and "not on PATH" in (result.note or "")


def test_outside_a_stackplan_pulumi_project_it_says_so(tmp_path: Path):
    (tmp_path / "Pulumi.yaml").write_text("name: other\n")
    result = preview(P, tmp_path, which=lambda _: "/usr/bin/pulumi")
    assert result.findings == () and "not a stackplan Pulumi project" in (result.note or "")


def test_runs_the_stub_cli_in_the_project_and_folds_in_its_json(tmp_path: Path, monkeypatch):
    bin_dir = tmp_path / "bin"
    body = (f"import os\nopen({str(bin_dir / 'cwd')!r}, 'w').write(os.getcwd() + ' ' + os.environ['KUBECONFIG'])\n"
            f"print({json.dumps(json.dumps(DIGEST))})\nsys.exit(255)")
    stub(bin_dir, "pulumi", body)
    monkeypatch.setenv("PATH", str(bin_dir))
    project = _project(tmp_path / "proj")
    result = preview(P, project, kubeconfig="/k/config", which=shutil.which)
    assert calls(bin_dir, "pulumi") == [list(ARGV[1:])]
    assert (bin_dir / "cwd").read_text() == f"{project} /k/config"
    assert [f.component for f in result.findings] == ["mlflow", "kserve"]


def test_a_cli_failure_without_json_is_unknown_with_the_stderr_tail(tmp_path: Path):
    def runner(argv, cwd, env):
        return Completed(255, "", "warning: x\nerror: could not read stack: passphrase must be set\n")

    (f,) = preview(P, _project(tmp_path), runner=runner, which=lambda _: "/bin/pulumi").findings
    assert f.outcome is Outcome.UNKNOWN and "exit 255" in f.message
    assert f.evidence[-1] == "error: could not read stack: passphrase must be set"
