"""The sandbox as users and tests meet it: CLI, warnings about simulated backends, no leftovers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from planner.sandbox import Kube, path_for, simulated
from planner.sandbox.processes import Proc
from tests.fixtures_cluster import deployment, eventually

pytestmark = pytest.mark.cluster
ROOT = Path(__file__).resolve().parents[2]


def stackplan(*args: str, env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "planner", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def gone(procs: list[Proc], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(p.alive() for p in procs):
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def cli_env(testbin_dir: Path, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEST_ASSET_")}
    env.update(KUBEBUILDER_ASSETS=str(testbin_dir), STACKPLAN_SANDBOX_HOME=str(tmp_path / "sandboxes"))
    path = [d for d in env.get("PATH", "").split(os.pathsep) if d and Path(d).resolve() != testbin_dir.resolve()]
    env["PATH"] = os.pathsep.join(path)  # as for a user: the testbin is not on PATH before `sandbox up`
    return env


def test_sandbox_up_status_down(cli_env: dict[str, str], testbin_dir: Path) -> None:
    r = stackplan("sandbox", "up", "--name", "smoke", "--gpu-nodes", "2", "--gpu-type", "h100",
                  "--cpu-nodes", "1", env=cli_env)
    state = Path(cli_env["STACKPLAN_SANDBOX_HOME"]) / "smoke" / "state.json"
    try:
        assert r.returncode == 0, r.stderr
        first_out = r.stdout
        exports = [line for line in r.stdout.splitlines() if line.startswith("export KUBECONFIG=")]
        assert len(exports) == 1
        kubeconfig = exports[0].split("=", 1)[1]
        assert Path(kubeconfig).is_file()

        # The CLI has exited; the cluster keeps running and kubectl can use the printed kubeconfig.
        out = subprocess.run([str(testbin_dir / "kubectl"), "--kubeconfig", kubeconfig, "get", "nodes",
                              "-o", "json"], capture_output=True, text=True, timeout=60, check=True)
        nodes = json.loads(out.stdout)["items"]
        gpu = [n for n in nodes if n["status"]["allocatable"].get("nvidia.com/gpu") == "8"]
        assert len(nodes) == 3 and len(gpu) == 2
        assert {n["metadata"]["labels"]["nvidia.com/gpu.product"] for n in gpu} == {"NVIDIA-H100-80GB-HBM3"}

        r = stackplan("sandbox", "status", "--name", "smoke", "-o", "json", env=cli_env)
        assert r.returncode == 0, r.stderr
        st = json.loads(r.stdout)
        assert st["running"] and st["ready_nodes"] == 3 and st["gpus"] == 16 and st["warnings"] == []

        # up again is idempotent: exit 0 and the same export lines, so `eval "$(stackplan sandbox up)"` works
        again = stackplan("sandbox", "up", "--name", "smoke", env=cli_env)
        assert again.returncode == 0 and "already running" in again.stderr and "Traceback" not in again.stderr
        assert again.stdout == first_out

        # helm and kubectl of the testbin: on PATH after eval, and apply finds them even without it
        path_lines = [line for line in first_out.splitlines() if line.startswith("export PATH=")]
        assert path_lines == [f'export PATH={testbin_dir.resolve()}:"$PATH"']
        shell = subprocess.run(["sh", "-c", f'eval "{first_out}"; command -v helm; echo "$KUBECONFIG"'],
                               env={**cli_env, "PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=30)
        assert shell.stdout.split() == [str(testbin_dir.resolve() / "helm"), kubeconfig]
        found = subprocess.run([sys.executable, "-c", "from planner.tools import find_helm; print(find_helm())"],
                               cwd=ROOT, env={**cli_env, "PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
                               timeout=30)
        assert found.stdout.strip() == str(testbin_dir.resolve() / "helm")
    finally:
        procs = [Proc(**p) for p in json.loads(state.read_text())["procs"]] if state.exists() else []
        r = stackplan("sandbox", "down", "--name", "smoke", env=cli_env)
    assert r.returncode == 0, r.stderr
    assert procs and gone(procs), "a sandbox process survived `sandbox down`"
    assert not state.parent.exists()
    r = stackplan("sandbox", "status", "--name", "smoke", env=cli_env)
    assert r.returncode == 3 and "not running" in r.stderr


def test_webhook_backed_by_simulated_pods_is_reported(kube: Kube, cluster_namespace: str) -> None:
    ns = cluster_namespace
    kube.create(path_for("deployments", ns), deployment("hook", 1))
    kube.create(path_for("services", ns), {
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "hook"},
        "spec": {"selector": {"app": "hook"}, "ports": [{"port": 443, "targetPort": 8443}]},
    })
    eventually(lambda: kube.items(path_for("pods", ns), labelSelector="app=hook"), what="hook pod")
    name = f"{ns}-guard"
    cfg = {
        "apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
        "metadata": {"name": name},
        "webhooks": [{
            "name": "guard.stackplan.dev", "failurePolicy": "Fail", "sideEffects": "None",
            "admissionReviewVersions": ["v1"], "timeoutSeconds": 2,
            "clientConfig": {"service": {"namespace": ns, "name": "hook", "path": "/validate"}},
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": ns}},
            "rules": [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"],
                       "resources": ["configmaps"]}],
        }],
    }
    kube.create(path_for("validatingwebhookconfigurations"), cfg)
    try:
        warnings = [w for w in simulated.check(kube) if name in w]
        assert len(warnings) == 1
        assert "failurePolicy Fail" in warnings[0] and "simulated pods" in warnings[0]
        # Deliberately not demonstrated: a matching create would make the API server dial the Service's
        # cluster IP (a private-range address with nothing behind it). Tests send traffic to loopback only.
    finally:
        kube.delete(path_for("validatingwebhookconfigurations", name=name))


CHILD = textwrap.dedent("""\
    import json, sys, time
    from pathlib import Path
    from planner.sandbox import ControlPlane
    cp = ControlPlane(Path(sys.argv[1])).start()
    print(json.dumps([p.__dict__ for p in cp.procs]), flush=True)
    time.sleep(600)
""")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_no_process_survives_its_test_process(sig: int, testbin_dir: Path, tmp_path: Path) -> None:
    env = {**os.environ, "KUBEBUILDER_ASSETS": str(testbin_dir)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path / "cp")], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline()  # type: ignore[union-attr]
        procs = [Proc(**p) for p in json.loads(line)]
        assert len(procs) == 5 and all(p.alive() for p in procs)
        child.send_signal(sig)
        child.wait(timeout=30)
        assert gone(procs), f"survived {signal.Signals(sig).name}: {[p.name for p in procs if p.alive()]}"
    finally:
        if child.poll() is None:
            child.kill()


def test_start_retries_when_a_picked_port_is_taken(testbin_paths: dict, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    from planner.sandbox import ControlPlane, processes
    from planner.sandbox.controlplane import api_ready

    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        taken = blocker.getsockname()[1]
        real, first = processes.free_port, iter([taken])
        monkeypatch.setattr(processes, "free_port", lambda: next(first, None) or real())
        cp = ControlPlane(tmp_path / "cp", bins=testbin_paths)
        try:
            cp.start()
            assert cp.ports["etcd"] != taken
            assert api_ready(cp)
        finally:
            cp.stop()
    assert not any(p.alive() for p in cp.procs)


def test_bad_name_gets_a_hint_about_valid_names(cli_env: dict[str, str]) -> None:
    r = stackplan("sandbox", "up", "--name", "bad name!", env=cli_env)
    assert r.returncode == 2 and "lower-case letters, digits and '-'" in r.stderr
    assert "stop it first" not in r.stderr and "down" not in r.stderr


def test_up_exits_3_and_leaves_nothing_running_when_a_component_fails(cli_env: dict[str, str]) -> None:
    env = {**cli_env, "TEST_ASSET_KUBE_APISERVER": "/bin/false"}
    r = stackplan("sandbox", "up", "--name", "broken", env=env)
    assert r.returncode == 3
    assert "kube-apiserver exited with code 1" in r.stderr and "Traceback" not in r.stderr
    assert not (Path(cli_env["STACKPLAN_SANDBOX_HOME"]) / "broken" / "state.json").exists()
    assert stackplan("sandbox", "down", "--name", "broken", env=cli_env).returncode == 0
