"""`stackplan check` end to end over a fake API (httpx MockTransport): exit codes, formats, report file."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from planner.cli import main
from planner.cluster import ClusterReader

READY_NODE = {"metadata": {"name": "n0"}, "status": {"conditions": [{"type": "Ready", "status": "True"}]}}
# the gpu-operator Deployment (NVIDIA/gpu-operator:deployments/gpu-operator/templates/operator.yaml), so the component
# counts as installed and its checks are reported one by one rather than folded into HC009
GPU_OPERATOR = {"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "gpu-operator", "namespace": "gpu-operator"},
                "spec": {"replicas": 1}, "status": {"replicas": 1, "availableReplicas": 1, "readyReplicas": 1}}


def fake_api(status_for: dict[str, int] | None = None, nodes: list[dict] | None = None,
             deployments: list[dict] | None = None, helm_records: list[dict] | None = None):
    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if "as=PartialObjectMetadataList" in request.headers.get("accept", ""):  # metadata only, as the server does
            ns = path.split("/namespaces/")[1].split("/")[0]
            items = [r for r in helm_records or [] if r["metadata"]["namespace"] == ns]
            return httpx.Response(200, json={"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1",
                                             "items": items})
        if path == "/version":
            return httpx.Response(200, json={"gitVersion": "v1.35.4"})
        if path == "/api":
            return httpx.Response(200, json={"versions": ["v1"]})
        for fragment, status in (status_for or {}).items():
            if fragment in path:
                return httpx.Response(status, json={"message": "nope"})
        if path == "/api/v1/nodes":
            return httpx.Response(200, json={"items": nodes if nodes is not None else [READY_NODE]})
        if path == "/apis/apps/v1/deployments":
            return httpx.Response(200, json={"items": deployments or []})
        return httpx.Response(200, json={"items": []})
    return handler


@pytest.fixture
def patched(monkeypatch: pytest.MonkeyPatch):
    def install(handler) -> list[ClusterReader]:
        made: list[ClusterReader] = []
        real_init = ClusterReader.__init__

        def init(self, kubeconfig=None, context=None, timeout=10.0, **kw):
            real_init(self, timeout=timeout, transport=httpx.MockTransport(handler))
            made.append(self)

        monkeypatch.setattr(ClusterReader, "__init__", init)
        return made
    return install


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        main(["check", *args])
    return info.value.code, capsys.readouterr().out


def test_missing_crds_and_workloads_fail_with_exit_1(patched, capsys, tmp_path: Path) -> None:
    made = patched(fake_api())
    code, out = run(["--profile", "llm-inference", "-o", "json", "--report-file", str(tmp_path / "r.json")], capsys)
    assert code == 1
    report = json.loads(out)
    assert report["meta"]["kubernetesVersion"] == "v1.35.4" and report["meta"]["api"]["lists"] == made[0].lists
    failed = [f for f in report["findings"] if f["outcome"] == "FAILED"]
    # nothing is installed: one finding per component, the rest folded into it (and still in the JSON)
    assert sorted((f["checkId"], f["component"]) for f in failed) == [("HC009", "gpu-operator"), ("HC009", "kubeai")]
    evidence = "\n".join(e for f in failed for e in f["evidence"])
    assert "folded: HC001 FAILED CustomResourceDefinition/clusterpolicies.nvidia.com" in evidence
    assert "folded: HC002 FAILED Deployment/gpu-operator/gpu-operator" in evidence
    assert report["meta"]["folded"] >= 10
    assert json.loads((tmp_path / "r.json").read_text())["findings"] == report["findings"]
    # one LIST per kind: no kind listed twice
    assert made[0].lists == made[0].requests - 2  # minus /version and /api


def test_forbidden_kinds_are_unknown_the_rest_still_run(patched, capsys) -> None:
    patched(fake_api({"/apis/nvidia.com/": 403, "/api/v1/pods": 403}, deployments=[GPU_OPERATOR]))
    code, out = run(["--profile", "llm-inference", "-o", "json", "--component", "gpu-operator"], capsys)
    assert code == 1
    findings = json.loads(out)["findings"]
    unknown = {f["checkId"] for f in findings if f["outcome"] == "UNKNOWN"}
    assert {"HC010", "HC005", "HC011"} <= unknown
    assert any(f["checkId"] == "HC008" and f["outcome"] == "PASSED" for f in findings)
    assert all(f["message"].startswith(f"[{f['checkId']}]") for f in findings if f["outcome"] == "UNKNOWN")


def test_unknown_component_is_bad_input(patched, capsys) -> None:
    patched(fake_api())
    code, _ = run(["--profile", "llm-inference", "--component", "volcano"], capsys)
    assert code == 2


def test_explain_flags_need_explain(patched, capsys) -> None:
    patched(fake_api())
    code, _ = run(["--profile", "llm-inference", "--offline"], capsys)
    assert code == 2


def test_junit_and_sarif_render(patched, capsys) -> None:
    patched(fake_api())
    code, out = run(["--profile", "llm-inference", "-o", "junit"], capsys)
    assert code == 1 and "<testsuites" in out and "failures=" in out
    import xml.etree.ElementTree as ET

    cases = [c.get("name") for c in ET.fromstring(out.split("\n", 1)[1]).iter("testcase")]
    assert cases and not any(name.startswith(("HC020", "HC030", "HC070")) for name in cases)  # not applicable
    code, out = run(["--profile", "llm-inference", "-o", "sarif"], capsys)
    doc = json.loads(out)
    assert code == 1 and doc["version"] == "2.1.0"
    results = doc["runs"][0]["results"]
    assert results and all("physicalLocation" not in loc for r in results for loc in r["locations"])  # no file
    code, out = run(["--profile", "llm-inference", "-o", "github"], capsys)
    assert code == 1 and "file=" not in out and "stackplan.yaml" not in out


def test_unwritable_report_file_is_bad_input_before_the_run(patched, capsys) -> None:
    made = patched(fake_api())
    with pytest.raises(SystemExit) as info:
        main(["check", "--profile", "llm-inference", "--report-file", "/proc/nope/rep.json"])
    captured = capsys.readouterr()
    assert info.value.code == 2 and "/proc/nope" in captured.err
    assert made == [] and captured.out == ""  # nothing was read from the cluster, no results printed


def test_report_file_in_a_missing_directory_or_a_directory_is_bad_input(patched, capsys, tmp_path: Path) -> None:
    patched(fake_api())
    for target in (tmp_path / "no" / "r.json", tmp_path):
        code, out = run(["--profile", "llm-inference", "--report-file", str(target)], capsys)
        assert code == 2 and out == ""


def test_explain_show_prompt_prints_only_the_prompt(patched, capsys, monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    patched(fake_api())
    with pytest.raises(SystemExit) as info:
        main(["check", "--profile", "llm-inference", "--explain", "--show-prompt"])
    captured = capsys.readouterr()
    assert info.value.code == 1  # the report's exit code: explaining never changes it
    assert captured.out.startswith("# request 1: POST ")
    assert "problems found" not in captured.out and "┏" not in captured.out  # no report rendered
    assert "nothing was sent" in captured.err


def test_meta_timings_are_wall_clock_and_consistent(patched, capsys) -> None:
    patched(fake_api())
    _, out = run(["--profile", "llm-inference", "-o", "json"], capsys)
    meta = json.loads(out)["meta"]
    assert meta["seconds"] >= meta["listSeconds"] + meta["checkSeconds"] - 0.002
    assert "listSeconds" not in meta["api"] and meta["api"]["listSecondsSummed"] >= 0
    assert meta["notApplicable"] > 0 and meta["stackFile"] is None


@pytest.fixture
def explain_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for var in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL", "STACKPLAN_MODEL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return monkeypatch


def test_explain_without_a_key_says_it_uses_the_knowledge_base(patched, capsys, explain_env) -> None:
    patched(fake_api())
    with pytest.raises(SystemExit) as info:
        main(["check", "--profile", "llm-inference", "--explain", "-o", "json"])
    captured = capsys.readouterr()
    assert info.value.code == 1
    assert captured.err.count("no ANTHROPIC_API_KEY: using the offline knowledge base") == 1
    assert all(f["explanation"]["source"].startswith("knowledge-base:")
               for f in json.loads(captured.out)["findings"] if f["outcome"] in ("FAILED", "UNKNOWN"))


def test_explain_with_a_bad_base_url_is_exit_2_before_the_run(patched, capsys, explain_env) -> None:
    made = patched(fake_api())
    explain_env.setenv("ANTHROPIC_BASE_URL", "ftp://x")
    code, out = run(["--profile", "llm-inference", "--explain"], capsys)
    assert code == 2 and out == "" and made == []
    code, _ = run(["--profile", "llm-inference", "--no-cache"], capsys)
    assert code == 2  # --no-cache only applies with --explain


def test_junit_file_beside_github_annotations_for_check_and_drift(patched, capsys, tmp_path: Path) -> None:
    """What the generated CI workflow runs: annotations on stdout, the JUnit report in a file, one cluster read."""
    import xml.etree.ElementTree as ET

    made = patched(fake_api())
    junit = tmp_path / "check.xml"
    code, out = run(["--profile", "llm-inference", "-o", "github", "--junit-file", str(junit)], capsys)
    assert code == 1 and out.startswith("::") and len(made) == 1
    _, out_junit = run(["--profile", "llm-inference", "-o", "junit"], capsys)

    def cases(text: str) -> list[tuple[str | None, bool]]:
        root = ET.fromstring(text.split("\n", 1)[1])
        return [(c.get("name"), c.find("failure") is not None) for c in root.iter("testcase")]

    assert cases(junit.read_text()) == cases(out_junit) and any(failed for _, failed in cases(out_junit))
    with pytest.raises(SystemExit) as info:
        main(["drift", "--profile", "llm-inference", "-o", "github", "--junit-file", str(tmp_path / "drift.xml")])
    drift_out = capsys.readouterr().out
    assert info.value.code == 1 and "::error" in drift_out  # nothing installed: every release is missing
    assert "<testsuites" in (tmp_path / "drift.xml").read_text()


@pytest.mark.parametrize("command", ["check", "drift"])
def test_junit_file_in_a_missing_directory_is_bad_input_before_the_run(patched, capsys, tmp_path: Path,
                                                                       command: str) -> None:
    made = patched(fake_api())
    with pytest.raises(SystemExit) as info:
        main([command, "--profile", "llm-inference", "--junit-file", str(tmp_path / "no" / "x.xml")])
    captured = capsys.readouterr()
    assert info.value.code == 2 and "--junit-file" in captured.err and made == [] and captured.out == ""


def test_causes_come_first_in_the_table_and_flat_lists_every_finding(patched, capsys) -> None:
    """The GPU Operator's Helm release failed halfway: its Deployment exists, its ClusterPolicy CRD does not."""
    record = {"metadata": {"name": "sh.helm.release.v1.gpu-operator.v1", "namespace": "gpu-operator",
                           "labels": {"name": "gpu-operator", "owner": "helm", "status": "failed", "version": "1"}}}
    patched(fake_api(deployments=[GPU_OPERATOR], helm_records=[record]))
    code, out = run(["--profile", "llm-inference", "--component", "gpu-operator"], capsys)
    assert code == 1
    assert "root cause(s)" in out and "RC002 (high) Helm release gpu-operator is failed (revision 1)" in out
    assert out.index("RC002") < out.index("explains FAIL HC001")
    code, flat = run(["--profile", "llm-inference", "--component", "gpu-operator", "--flat"], capsys)
    assert code == 1 and "RC002" not in flat and "root cause" not in flat and "HC090" in flat
    code, js = run(["--profile", "llm-inference", "--component", "gpu-operator", "-o", "json"], capsys)
    report = json.loads(js)
    [cause] = report["causes"]
    ids = {f["id"] for f in report["findings"]}
    assert cause["root"] == "HC090:Release/gpu-operator/gpu-operator" and set(cause["members"]) <= ids
