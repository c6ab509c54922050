"""`stackplan apply` end to end over recording stubs of helm and kubectl (no cluster, no network)."""

from __future__ import annotations

import json

import pytest

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
    monkeypatch.setattr("planner.commands.apply.load_plan", lambda *a, **k: p)
    return p


@pytest.fixture
def bin_dir(tmp_path, monkeypatch):
    d = tmp_path / "bin"
    d.mkdir()
    monkeypatch.setenv("PATH", only_path(d))
    monkeypatch.delenv("STACKPLAN_HELM", raising=False)
    monkeypatch.delenv("STACKPLAN_KUBECTL", raising=False)
    monkeypatch.delenv("KUBECONFIG", raising=False)
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


def test_unreachable_cluster_is_exit_3(capsys, two_waves, bin_dir):
    stub(bin_dir, "helm", HELM_VERSION + 'sys.stderr.write("Error: Kubernetes cluster unreachable: Get '
         '\\"https://127.0.0.1:1/version\\": dial tcp 127.0.0.1:1: connect: connection refused"); sys.exit(1)')
    stub(bin_dir, "kubectl")
    r = run_cli(capsys, "apply", "--profile", "x")
    assert r.code == 3 and "cannot be reached" in r.err and "connection refused" in r.err
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
    kc.write_text("apiVersion: v1\nkind: Config\n")
    r = run_cli(capsys, "apply", "--profile", "x", "--kubeconfig", str(kc), "--context", "test", "--timeout", "2m")
    assert r.code == 0, r.out + r.err
    upgrades = [c for c in calls(bin_dir, "helm") if c[:1] == ["upgrade"]]
    assert [c[1] for c in upgrades] == ["gpu-operator", "kueue"]
    assert all("--kubeconfig" in c and str(kc) in c and "--kube-context" in c for c in upgrades)
    assert "--timeout" in upgrades[0] and upgrades[0][upgrades[0].index("--timeout") + 1] == "2m"
    applies = [c for c in calls(bin_dir, "kubectl") if c[:2] == ["apply", "--server-side"]]
    ns_applies = [c for c in applies if any(a.startswith("--field-manager=stackplan-") for a in c)]
    assert len(ns_applies) == 2 and all("--context" in c for c in applies)
    # then kueue's queues and flavors (planner/emit/crs.py), server-side as field manager stackplan
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
