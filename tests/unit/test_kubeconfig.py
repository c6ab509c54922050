"""Kubeconfig resolution: contexts, merged files, tokens, exec plugins, clear errors."""

from __future__ import annotations

import json
import stat
import sys
import textwrap
from pathlib import Path

import pytest

from planner.errors import ClusterUnreachableError, InputError
from planner.kubeconfig import load_connection


def write(tmp: Path, name: str, body: str) -> Path:
    p = tmp / name
    p.write_text(textwrap.dedent(body))
    return p


BASE = """\
apiVersion: v1
kind: Config
current-context: a
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:6443/", insecure-skip-tls-verify: true}
contexts:
- name: a
  context: {cluster: c, user: u}
- name: b
  context: {cluster: c, user: exec-user}
users:
- name: u
  user: {token: abc}
"""


def test_token_context_and_trailing_slash(tmp_path: Path) -> None:
    conn = load_connection(str(write(tmp_path, "kc", BASE)))
    assert conn.server == "https://127.0.0.1:6443"
    assert conn.context == "a" and conn.token == "abc" and conn.verify is False
    assert conn.headers() == {"Authorization": "Bearer abc"}


def test_exec_plugin_token(tmp_path: Path) -> None:
    plugin = tmp_path / "plugin.py"
    plugin.write_text("import json, os\ninfo = json.loads(os.environ['KUBERNETES_EXEC_INFO'])\n"
                      "print(json.dumps({'kind': 'ExecCredential', 'status': {'token': 'from-' + "
                      "info['spec']['cluster']['server'].split(':')[-1]}}))\n")
    plugin.chmod(plugin.stat().st_mode | stat.S_IXUSR)
    users = f"""\
    apiVersion: v1
    kind: Config
    users:
    - name: exec-user
      user:
        exec: {json.dumps({"command": sys.executable, "args": [str(plugin)],
                           "apiVersion": "client.authentication.k8s.io/v1"})}
    """
    kc = f"{write(tmp_path, 'kc', BASE)}:{write(tmp_path, 'users', users)}"
    assert load_connection(kc, context="b").token == "from-6443"


def test_failing_exec_plugin_is_unreachable(tmp_path: Path) -> None:
    users = """\
    users:
    - name: exec-user
      user: {exec: {command: "false"}}
    """
    kc = f"{write(tmp_path, 'kc', BASE)}:{write(tmp_path, 'users', users)}"
    with pytest.raises(ClusterUnreachableError, match="exec plugin"):
        load_connection(kc, context="b")


def test_unknown_context_lists_known(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_connection(str(write(tmp_path, "kc", BASE)), context="nope")
    assert "a, b" in (info.value.hint or "")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no kubeconfig"):
        load_connection(str(tmp_path / "absent"))
