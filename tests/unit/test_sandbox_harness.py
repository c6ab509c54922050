"""Sandbox harness pieces that need no control-plane binaries."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from planner import tools
from planner.sandbox import binaries, certs, nodes, processes
from planner.sandbox.kube import Credentials

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def no_assets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for k in list(os.environ):
        if k.startswith("TEST_ASSET_") or k == "KUBEBUILDER_ASSETS":
            monkeypatch.delenv(k)
    monkeypatch.setenv("STACKPLAN_TESTBIN_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(tools, "candidates", _no_system(tools.candidates))
    return tmp_path


def _no_system(fn):
    return lambda name: [p for p in fn(name) if not str(p).startswith("/usr/local/kubebuilder")]


def _exe(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


def test_binary_lookup_follows_envtest_order(no_assets: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cached = _exe(no_assets / "cache" / "k8s-v1_x" / "kube-apiserver")
    assert binaries.find("kube-apiserver") == cached.resolve()
    assets = _exe(no_assets / "assets" / "kube-apiserver")
    monkeypatch.setenv("KUBEBUILDER_ASSETS", str(assets.parent))
    assert binaries.find("kube-apiserver") == assets.resolve()
    explicit = _exe(no_assets / "elsewhere" / "apiserver-1.35")
    monkeypatch.setenv("TEST_ASSET_KUBE_APISERVER", str(explicit))
    assert binaries.find("kube-apiserver") == explicit.resolve()


def test_missing_binaries_are_all_named(no_assets: Path) -> None:
    _exe(no_assets / "cache" / "k" / "etcd")
    with pytest.raises(binaries.MissingBinariesError) as err:
        binaries.resolve()
    assert err.value.missing == ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok",
                                 "kwok-stages.yaml"]


def test_certificates_chain_to_the_ca(tmp_path: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    p = certs.generate(tmp_path)
    ca = x509.load_pem_x509_certificate(p.ca_crt.read_bytes())
    admin = x509.load_pem_x509_certificate(p.admin_crt.read_bytes())
    server = x509.load_pem_x509_certificate(p.apiserver_crt.read_bytes())
    for cert in (admin, server):
        ca.public_key().verify(cert.signature, cert.tbs_certificate_bytes,
                               ec.ECDSA(cert.signature_hash_algorithm))
    assert admin.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "system:masters"
    sans = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in sans.get_values_for_type(x509.DNSName)
    assert "127.0.0.1" in [str(i) for i in sans.get_values_for_type(x509.IPAddress)]
    assert oct(p.admin_key.stat().st_mode & 0o777) == "0o600"


def test_kubeconfig_inlines_credentials(tmp_path: Path) -> None:
    p = certs.generate(tmp_path)
    text = Credentials("https://127.0.0.1:6443", p.ca_crt, p.admin_crt, p.admin_key).kubeconfig()
    assert "server: https://127.0.0.1:6443" in text
    assert "client-key-data:" in text and "current-context: stackplan-sandbox" in text


def test_gpu_node_looks_like_gpu_feature_discovery_labelled_it() -> None:
    n = nodes.node_manifest("g0", gpus=4, gpu_type="h100")
    labels = n["metadata"]["labels"]
    assert n["metadata"]["annotations"] == {"kwok.x-k8s.io/node": "fake"}
    assert n["status"]["allocatable"]["nvidia.com/gpu"] == "4"
    assert labels["nvidia.com/gpu.present"] == "true"
    assert labels["nvidia.com/gpu.count"] == "4"
    assert labels["nvidia.com/gpu.product"] == "NVIDIA-H100-80GB-HBM3"
    assert labels["nvidia.com/gpu.family"] == "hopper"
    assert labels["nvidia.com/gpu.memory"].isdigit()
    cpu = nodes.node_manifest("c0")
    assert "nvidia.com/gpu" not in cpu["status"]["allocatable"]
    assert not any(k.startswith("nvidia.com/") for k in cpu["metadata"]["labels"])
    with pytest.raises(ValueError, match="unknown GPU type"):
        nodes.node_manifest("x", gpus=1, gpu_type="z9000")


def test_cli_offers_every_gpu_type() -> None:
    from planner.commands import sandbox

    assert set(sandbox._GPU_TYPES) == set(nodes.GPU_TYPES)


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "planner", "sandbox", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def bare_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEST_ASSET_")}
    env.pop("KUBEBUILDER_ASSETS", None)
    env.update(STACKPLAN_TESTBIN_CACHE=str(tmp_path / "empty"), STACKPLAN_SANDBOX_HOME=str(tmp_path / "sb"))
    return env


@pytest.mark.skipif(Path("/usr/local/kubebuilder/bin/kube-apiserver").exists(), reason="system assets")
def test_up_without_binaries_says_how_to_build_them(bare_env: dict[str, str]) -> None:
    r = _cli("up", env=bare_env)
    assert r.returncode == 2
    assert "missing control-plane binaries" in r.stderr and "testbin/build.sh" in r.stderr
    assert "Traceback" not in r.stderr


def test_bad_name_is_a_usage_error_and_unknown_sandbox_is_not_running(bare_env: dict[str, str]) -> None:
    r = _cli("up", "--name", "Bad_Name!", env=bare_env)
    assert r.returncode == 2 and "invalid sandbox name" in r.stderr
    r = _cli("status", "--name", "nothing", env=bare_env)
    assert r.returncode == 3 and "not running" in r.stderr
    r = _cli("down", "--name", "nothing", env=bare_env)
    assert r.returncode == 0 and "no sandbox" in r.stderr


def test_stop_kills_the_whole_process_group(tmp_path: Path) -> None:
    sh = shutil.which("sh")
    assert sh
    proc = processes.start("sleeper", [sh, "-c", "sleep 60 & sleep 60"], tmp_path)
    time.sleep(0.2)
    assert proc.alive()
    processes.stop([proc], timeout=5)
    assert not proc.alive() and not processes.group_running(proc.pid)  # zombies may wait for PID 1's reaper


def test_stop_kills_a_group_that_ignores_sigterm(tmp_path: Path) -> None:
    sh = shutil.which("sh")
    assert sh
    proc = processes.start("stubborn", [sh, "-c", "trap '' TERM; sleep 60 & wait; sleep 60"], tmp_path)
    time.sleep(0.2)
    processes.stop([proc], timeout=0.5)
    assert not proc.alive() and not processes.group_running(proc.pid)


CHILD = textwrap.dedent("""\
    import json, sys, time
    from pathlib import Path
    from planner.sandbox import processes
    p = processes.start("sleeper", ["/bin/sleep", "60"], Path(sys.argv[1]), parent_death=True)
    print(json.dumps(p.__dict__), flush=True)
    time.sleep(60)
""")


def test_children_die_when_the_parent_is_killed(tmp_path: Path) -> None:
    parent = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path)], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    proc = processes.Proc(**json.loads(parent.stdout.readline()))  # type: ignore[union-attr]
    assert proc.alive()
    parent.send_signal(signal.SIGKILL)
    parent.wait(timeout=10)
    deadline = time.monotonic() + 5
    while proc.alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not proc.alive()
