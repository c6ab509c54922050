"""`stackplan apply` end to end over recording stubs of helm and kubectl (no cluster, no network)."""

from __future__ import annotations

import json

import pytest

from planner.engine.install import check_reachable as REAL_CHECK_REACHABLE
from tests.cli_helpers import run_cli
from tests.unit.engine_fakes import plan, release
from tests.unit.stubs import HELM_VERSION, calls, only_path, stub

UPGRADE_OK = ('if args[:1] == ["upgrade"]:\n'
              '    print(json.dumps({"name": args[1], "version": 1, "info": {"status": "deployed"}})); sys.exit(0)\n')
NOT_FOUND = 'if args[:1] == ["status"]:\n    sys.stderr.write("Error: release: not found"); sys.exit(1)\n'
LIST_OK = 'if args[:1] == ["list"]:\n    print("[]"); sys.exit(0)\n'


@pytest.fixture
def two_waves(monkeypatch):
    p = plan((release("gpu-operator", ns="gpu-operator", labels={"pod-security.kubernetes.io/enforce": "privileged"}),),
             (release("kueue", ("gpu-operator",), ns="kueue-system"),))
    def load_plan(*a, chart_dir=None, **k):  # as resolve does with --chart-dir: every release from that directory
        if chart_dir is None:
            return p
        from dataclasses import replace

        from planner.install import install_for

        return replace(p, releases={rid: replace(r, install=install_for(rid, r.source, r.version,
                                                                         local_dir=str(chart_dir)))
                                    for rid, r in p.releases.items()})

    monkeypatch.setattr("planner.commands.apply.load_plan", load_plan)
    return p


KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: not-a-real-token}}]
contexts: [{name: test, context: {cluster: c, user: u}}]
current-context: test
"""


@pytest.fixture
def bin_dir(tmp_path, monkeypatch):
    d = tmp_path / "bin"
    d.mkdir()
    monkeypatch.setenv("PATH", only_path(d))
    for var in ("STACKPLAN_HELM", "STACKPLAN_KUBECTL", "KUBEBUILDER_ASSETS", "TEST_ASSET_HELM", "TEST_ASSET_KUBECTL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("STACKPLAN_TESTBIN_CACHE", str(tmp_path / "no-testbin"))  # no sandbox helm either
    kc = tmp_path / "kubeconfig.yaml"
    kc.write_text(KUBECONFIG)
    monkeypatch.setenv("KUBECONFIG", str(kc))
    # the API server's reachability is decided by planner.cluster's ping (tested for real below and in
    # tests/cluster); these tests run over helm/kubectl stubs, with no API server behind the kubeconfig
    monkeypatch.setattr("planner.engine.install.check_reachable", lambda *a, **k: None)
    return d


def test_dry_run_needs_no_binaries(capsys, two_waves, bin_dir):
    r = run_cli(capsys, "apply", "--profile", "x", "--dry-run", "--timeout", "90s")
    assert r.code == 0, r.err
    assert "wave 1:" in r.out and "wave 2:" in r.out and "--timeout 90s" in r.out
    assert calls(bin_dir, "helm") == []


def test_missing_helm_is_exit_3_with_how_to_get_it(capsys, two_waves, bin_dir):
    r = run_cli(capsys, "apply", "--profile", "x")
    assert r.code == 3
    assert "helm binary was not found" in r.err and "helm.sh/docs/intro/install" in r.err
    assert "Traceback" not in r.err


def test_unreachable_cluster_is_exit_3(capsys, two_waves, bin_dir, monkeypatch):
    """The kubeconfig's server is a closed loopback port: the API ping fails (typed), whatever helm would say."""
    from planner.engine import install

    monkeypatch.setattr(install, "check_reachable", REAL_CHECK_REACHABLE)
    stub(bin_dir, "helm", HELM_VERSION + 'sys.stderr.write("Error: something worded differently"); sys.exit(1)')
    stub(bin_dir, "kubectl")
    r = run_cli(capsys, "apply", "--profile", "x")
    assert r.code == 3 and "cannot reach the Kubernetes API at https://127.0.0.1:1" in r.err, r.err
    assert not any(c[:1] == ["upgrade"] for c in calls(bin_dir, "helm"))


def test_labelled_namespace_without_kubectl_is_exit_3(capsys, two_waves, bin_dir):
    stub(bin_dir, "helm", HELM_VERSION + LIST_OK)
    r = run_cli(capsys, "apply", "--profile", "x")
    assert r.code == 3 and "kubectl was not found" in r.err and "gpu-operator" in r.err


def test_bad_timeout_and_missing_kubeconfig_are_exit_2(capsys, two_waves, bin_dir, tmp_path):
    assert run_cli(capsys, "apply", "--profile", "x", "--timeout", "soon").code == 2
    stub(bin_dir, "helm", HELM_VERSION + LIST_OK)
    stub(bin_dir, "kubectl")
    r = run_cli(capsys, "apply", "--profile", "x", "--kubeconfig", str(tmp_path / "nope"))
    assert r.code == 2 and "no such file" in r.err


def test_missing_local_chart_is_exit_2_before_anything_runs(capsys, two_waves, bin_dir, tmp_path):
    r = run_cli(capsys, "apply", "--profile", "x", "--chart-dir", str(tmp_path))
    assert r.code == 2 and "no chart `gpu-operator`" in r.err and "no chart `kueue`" in r.err


def test_apply_installs_wave_by_wave(capsys, two_waves, bin_dir, tmp_path):
    stub(bin_dir, "helm", "import json\n" + HELM_VERSION + LIST_OK + NOT_FOUND + UPGRADE_OK)
    stub(bin_dir, "kubectl")
    kc = tmp_path / "kubeconfig"
    kc.write_text(KUBECONFIG)
    r = run_cli(capsys, "apply", "--profile", "x", "--kubeconfig", str(kc), "--context", "test", "--timeout", "2m")
    assert r.code == 0, r.out + r.err
    upgrades = [c for c in calls(bin_dir, "helm") if c[:1] == ["upgrade"]]
    assert [c[1] for c in upgrades] == ["gpu-operator", "kueue"]
    assert all("--kubeconfig" in c and str(kc) in c and "--kube-context" in c for c in upgrades)
    assert "--timeout" in upgrades[0] and upgrades[0][upgrades[0].index("--timeout") + 1] == "2m"
    assert "[wave 1] gpu-operator installing gpu-operator --repo" in r.out and "(timeout 2m)" in r.out
    applies = [c for c in calls(bin_dir, "kubectl") if c[:2] == ["apply", "--server-side"]]
    ns_applies = [c for c in applies if any(a.startswith("--field-manager=stackplan-") for a in c)]
    assert len(ns_applies) == 2 and all("--context" in c for c in applies)
    # then kueue's queues and flavors (planner/desired/objects.py), server-side as field manager stackplan
    assert any("--field-manager=stackplan" in c and "--force-conflicts" in c for c in applies)
    assert "[wave 1] gpu-operator ready: installed (revision 1)" in r.out
    assert "ClusterQueue/stackplan ready: applied" in r.out
    assert "applied 2 releases and 3 custom resources in 2 waves" in r.out


def test_failed_release_is_exit_1_and_says_why_without_secrets(capsys, two_waves, bin_dir):
    fail = ('if args[:1] == ["upgrade"] and args[1] == "gpu-operator":\n'
            '    sys.stderr.write("Error: INSTALLATION FAILED: admin password: s3cr3t rejected\\n"); sys.exit(1)\n')
    stub(bin_dir, "helm", "import json\n" + HELM_VERSION + LIST_OK + NOT_FOUND + fail + UPGRADE_OK)
    stub(bin_dir, "kubectl")
    r = run_cli(capsys, "apply", "--profile", "x")
    assert r.code == 1
    assert "release gpu-operator failed: Error: INSTALLATION FAILED: admin password: ***" in r.out
    assert "s3cr3t" not in r.out + r.err
    assert "not started: wave 1 failed (gpu-operator)" in r.out
    assert [c[1] for c in calls(bin_dir, "helm") if c[:1] == ["upgrade"]] == ["gpu-operator"]


def test_values_go_to_helm_on_stdin_not_in_argv(capsys, two_waves, bin_dir):
    stub(bin_dir, "helm", "import json\n" + HELM_VERSION + LIST_OK + NOT_FOUND
         + 'if args[:1] == ["upgrade"]:\n    open(' + repr(str(bin_dir / "stdin")) + ', "a").write(sys.stdin.read()'
         ' + "\\n")\n' + UPGRADE_OK)
    stub(bin_dir, "kubectl")
    assert run_cli(capsys, "apply", "--profile", "x").code == 0
    received = [json.loads(line) for line in (bin_dir / "stdin").read_text().splitlines()]
    assert received == [{"replicas": 1}, {"replicas": 1}]
    assert not any("replicas" in " ".join(c) for c in calls(bin_dir, "helm"))


def test_helm_and_kubectl_are_found_in_the_sandbox_testbin(capsys, two_waves, bin_dir, tmp_path, monkeypatch):
    from planner.tools import find_helm, find_kubectl

    assert find_helm() is None and find_kubectl() is None
    testbin = tmp_path / "no-testbin" / "v1"  # what `sandbox up` uses (planner/tools.py)
    helm = stub(testbin, "helm", HELM_VERSION + LIST_OK + NOT_FOUND)
    kubectl = stub(testbin, "kubectl")
    assert find_helm() == str(helm.resolve()) and find_kubectl() == str(kubectl.resolve())
    on_path = stub(bin_dir, "helm")
    assert find_helm() == str(on_path), "PATH first"


@pytest.mark.parametrize(("content", "args", "message"), [
    ("{{{ not yaml", (), "cannot read kubeconfig"),
    ("", (), "no current-context"),
    ("- a\n- list\n", (), "not a kubeconfig"),
    (KUBECONFIG, ("--context", "nosuch"), "context `nosuch` is not in the kubeconfig"),
])
def test_bad_kubeconfig_or_context_is_exit_2_before_helm_talks_to_a_cluster(capsys, two_waves, bin_dir, tmp_path,
                                                                           monkeypatch, content, args, message):
    stub(bin_dir, "helm", HELM_VERSION + LIST_OK)
    stub(bin_dir, "kubectl")
    kc = tmp_path / "bad-kubeconfig"
    kc.write_text(content)
    monkeypatch.setenv("KUBECONFIG", str(kc))
    r = run_cli(capsys, "apply", "--profile", "x", *args)
    assert r.code == 2, r.err
    assert message in r.err and "cannot be reached" not in r.err and "Traceback" not in r.err
    assert [c for c in calls(bin_dir, "helm") if c[:1] != ["version"]] == []


def test_no_kubeconfig_at_all_is_exit_2_not_localhost_8080(capsys, two_waves, bin_dir, tmp_path, monkeypatch):
    stub(bin_dir, "helm", HELM_VERSION + LIST_OK)
    stub(bin_dir, "kubectl")
    monkeypatch.delenv("KUBECONFIG")
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.kube/config either
    r = run_cli(capsys, "apply", "--profile", "x")
    assert r.code == 2 and "no kubeconfig found" in r.err


def test_output_json_is_the_summary_alone_on_stdout(capsys, two_waves, bin_dir):
    stub(bin_dir, "helm", "import json\n" + HELM_VERSION + LIST_OK + NOT_FOUND + UPGRADE_OK)
    stub(bin_dir, "kubectl")
    r = run_cli(capsys, "apply", "--profile", "x", "--output", "json")
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert data["ok"] is True and data["exitCode"] == 0 and data["wavesTotal"] == 2
    rows = {row["release"]: row for row in data["releases"]}
    assert rows["gpu-operator"]["state"] == "ready" and rows["kueue"]["wave"] == 2
    assert "[wave 1] gpu-operator" in r.err  # progress goes to stderr


def test_dry_run_json(capsys, two_waves, bin_dir):
    r = run_cli(capsys, "apply", "--profile", "x", "--dry-run", "-o", "json")
    assert r.code == 0
    data = json.loads(r.out)
    assert data["dryRun"] is True and [[s["release"] for s in w] for w in data["waves"]] == [["gpu-operator"],
                                                                                                ["kueue"]]
    assert data["waves"][0][0]["namespaceLabels"] == {"pod-security.kubernetes.io/enforce": "privileged"}


def test_a_name_only_the_user_can_give_must_be_set_before_anything_installs(capsys, bin_dir, tmp_path):
    """Issue 11's gap: validate refused an unnamed MLflow bucket but apply installed a broken MLflow. Now apply
    refuses too (exit 2, the file's line and the fix), before helm is called; --dry-run still shows the plan."""
    stack = tmp_path / "stackplan.yaml"
    stack.write_text("profile: training-team\ncomponents:\n  mlflow:\n    values: {replicaCount: 1}\n")
    r = run_cli(capsys, "apply", "-f", str(stack), "--kubeconfig", str(tmp_path / "kc"))
    assert r.code == 2 and "Traceback" not in r.err
    assert f"{stack}:" in r.err and "components.mlflow.values.artifactRoot.s3.bucket is not set" in r.err
    assert calls(bin_dir, "helm") == [] and calls(bin_dir, "kubectl") == []
    by_profile = run_cli(capsys, "apply", "--profile", "training-team", "--kubeconfig", str(tmp_path / "kc"))
    assert by_profile.code == 2 and "pass `--set mlflow.artifactRoot.s3.bucket=<name>`" in by_profile.err
    dry = run_cli(capsys, "apply", "-f", str(stack), "--dry-run")
    assert dry.code == 0 and "REQUIRED, set components.mlflow.values.artifactRoot.s3.bucket" in dry.err
    named = run_cli(capsys, "apply", "--profile", "training-team", "--set", "mlflow.artifactRoot.s3.bucket=acme",
                    "--dry-run")
    assert named.code == 0
