"""`stackplan drift` exit codes for bad input (2) and an unreachable cluster (3), through the real entry point."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.minicatalog import write_catalog

ROOT = Path(__file__).resolve().parents[2]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    port = _closed_port()
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(f"""apiVersion: v1
kind: Config
current-context: dead
clusters: [{{name: dead, cluster: {{server: "https://127.0.0.1:{port}", insecure-skip-tls-verify: true}}}}]
users: [{{name: u, user: {{token: not-a-real-token}}}}]
contexts: [{{name: dead, context: {{cluster: dead, user: u}}}}]
""")
    return {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(ROOT),
            "STACKPLAN_CATALOG_DIR": str(write_catalog(tmp_path / "catalog")), "KUBECONFIG": str(kubeconfig),
            "XDG_CACHE_HOME": str(tmp_path / "cache")}


def _drift(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "planner", "drift", *args], env=env, capture_output=True,
                          text=True, timeout=60, cwd=env["HOME"])


def test_unreachable_cluster_exits_3_without_a_traceback(env):
    p = _drift(env, "--profile", "serve", "--timeout", "2")
    assert p.returncode == 3, p.stderr
    assert "cannot reach the Kubernetes API at https://127.0.0.1:" in p.stderr
    assert "Traceback" not in p.stderr and p.stdout == ""


@pytest.mark.parametrize("args, message", [
    (("--profile", "nope"), "unknown profile `nope`"),
    (("-f", "missing.yaml"), "missing.yaml"),
    ((), "no stackplan.yaml here"),
    (("--profile", "serve", "-f", "x.yaml"), "mutually exclusive"),
    (("--profile", "serve", "-o", "xml"), "Invalid value for '--output'"),
])
def test_bad_input_exits_2(env, args, message):
    p = _drift(env, *args)
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert message in p.stderr and "Traceback" not in p.stderr
