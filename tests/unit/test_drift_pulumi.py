"""--pulumi: PreviewDigest parsing (pulumi/pulumi sdk/go/common/display/json.go) and the failure paths of the CLI
edge. The real engine runs in the cluster tier (tests/cluster/test_pulumi_engine.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planner.drift.pulumi_preview import ARGV, Completed, findings_from_preview, preview, pulumi_cli
from planner.errors import InputError, ServiceUnavailableError
from planner.report import Outcome
from tests.unit.drift_fixtures import plan, release

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


def test_without_the_cli_it_fails_with_the_reason_never_passes(tmp_path: Path):
    with pytest.raises(ServiceUnavailableError) as e:
        pulumi_cli(_project(tmp_path), which=lambda _: None)
    assert e.value.exit_code == 3 and "not on PATH" in e.value.message and "drop --pulumi" in (e.value.hint or "")


def test_outside_a_stackplan_pulumi_project_it_is_bad_input(tmp_path: Path):
    (tmp_path / "Pulumi.yaml").write_text("name: other\n")
    with pytest.raises(InputError) as e:
        pulumi_cli(tmp_path, which=lambda _: "/usr/bin/pulumi")
    assert e.value.exit_code == 2 and "not a stackplan Pulumi project" in e.value.message
    assert pulumi_cli(_project(tmp_path / "p"), which=lambda _: "/usr/bin/pulumi") == "/usr/bin/pulumi"


def test_a_cli_failure_without_json_fails_with_the_redacted_stderr_tail(tmp_path: Path):
    def runner(argv, cwd, env):
        assert list(argv) == ["/bin/pulumi", *ARGV[1:]] and cwd == project and env["KUBECONFIG"] == "/k/config"
        return Completed(255, "", "warning: x\nerror: could not read stack: token=hunter2hunter2 is wrong\n")

    project = _project(tmp_path)
    with pytest.raises(ServiceUnavailableError) as e:
        preview(P, project, "/bin/pulumi", kubeconfig="/k/config", runner=runner)
    assert e.value.exit_code == 3 and "exit 255" in e.value.message and "could not be read" in e.value.message
    assert "error: could not read stack" in e.value.message and "hunter2hunter2" not in e.value.message


def test_a_cli_that_cannot_start_fails(tmp_path: Path):
    def runner(argv, cwd, env):
        raise PermissionError(13, "Permission denied")

    with pytest.raises(ServiceUnavailableError, match="could not run: PermissionError"):
        preview(P, _project(tmp_path), "/bin/pulumi", runner=runner)


def test_a_json_result_is_folded_in(tmp_path: Path):
    def runner(argv, cwd, env):
        return Completed(255, json.dumps(DIGEST), "")

    findings = preview(P, _project(tmp_path), "/bin/pulumi", runner=runner)
    assert [f.component for f in findings] == ["mlflow", "kserve"]
