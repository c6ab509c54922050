"""Kubeconfig selection (planner/kubeconfig.py) and the kr8s connection (planner/kubeapi.ApiSession).

A loopback HTTP server stands in for the API server and records what arrives (credentials included), so each
test checks what really goes over the wire. TLS, tls-server-name, proxy-url and client certificates are checked
against the real control plane in tests/cluster/test_check_cluster.py.
"""

from __future__ import annotations

import http.server
import json
import os
import stat
import sys
import tempfile
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from planner.cluster import ClusterReader
from planner.errors import ClusterUnreachableError, InputError
from planner.kinds import NODES
from planner.kubeapi import ApiSession
from planner.kubeconfig import select


class _Handler(http.server.BaseHTTPRequestHandler):
    seen: list[tuple[str, str | None]]

    def do_GET(self) -> None:
        self.seen.append((self.path, self.headers.get("Authorization")))
        path = self.path.split("?")[0].rstrip("/")
        body = json.dumps({"gitVersion": "v1.35.4"} if path == "/version" else
                          {"versions": ["v1"]} if path == "/api" else {"items": []}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def api() -> Iterator[tuple[str, list[tuple[str, str | None]]]]:
    seen: list[tuple[str, str | None]] = []
    handler = type("H", (_Handler,), {"seen": seen})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()


def write(tmp: Path, name: str, body: str) -> Path:
    p = tmp / name
    p.write_text(textwrap.dedent(body))
    return p


def base(server: str) -> str:
    return f"""\
apiVersion: v1
kind: Config
current-context: a
clusters:
- name: c
  cluster: {{server: "{server}/"}}
contexts:
- name: a
  context: {{cluster: c, user: u}}
- name: b
  context: {{cluster: c, user: exec-user}}
- name: f
  context: {{cluster: c, user: file-user}}
users:
- name: u
  user: {{token: abc}}
- name: file-user
  user: {{tokenFile: token.txt}}
"""


def test_token_context_and_trailing_slash(tmp_path: Path, api) -> None:
    server, seen = api
    with ClusterReader(str(write(tmp_path, "kc", base(server)))) as r:
        assert r.server == server and r.context == "a"
        assert r.ping()["gitVersion"] == "v1.35.4"
        r.list(NODES)
    assert [a for _, a in seen] == ["Bearer abc"] * 3
    assert seen[-1][0].startswith("/api/v1/nodes?")


def test_token_file_relative_to_the_kubeconfig(tmp_path: Path, api) -> None:
    server, seen = api
    (tmp_path / "token.txt").write_text("from-file\n")
    with ClusterReader(str(write(tmp_path, "kc", base(server))), context="f") as r:
        r.ping()
    assert {a for _, a in seen} == {"Bearer from-file"}


def test_exec_plugin_token(tmp_path: Path, api) -> None:
    server, seen = api
    plugin = tmp_path / "plugin.py"
    plugin.write_text("import json, os\ninfo = json.loads(os.environ['KUBERNETES_EXEC_INFO'])\n"
                      "assert info['spec']['interactive'] is False\n"
                      "print(json.dumps({'kind': 'ExecCredential', 'status': {'token': 'from-' + "
                      "info['spec']['cluster']['server'].rsplit(':', 1)[-1]}}))\n")
    plugin.chmod(plugin.stat().st_mode | stat.S_IXUSR)
    users = f"""\
    apiVersion: v1
    kind: Config
    users:
    - name: exec-user
      user:
        exec: {json.dumps({"command": sys.executable, "args": [str(plugin)], "provideClusterInfo": True,
                           "apiVersion": "client.authentication.k8s.io/v1"})}
    """
    kc = f"{write(tmp_path, 'kc', base(server))}{os.pathsep}{write(tmp_path, 'users', users)}"
    with ClusterReader(kc, context="b") as r:
        r.ping()
    assert {a for _, a in seen} == {f"Bearer from-{server.rsplit(':', 1)[-1]}"}
    assert "KUBERNETES_EXEC_INFO" not in os.environ


def test_failing_exec_plugin_is_unreachable(tmp_path: Path, api) -> None:
    server, seen = api
    users = """\
    users:
    - name: exec-user
      user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: "false"}}
    """
    kc = f"{write(tmp_path, 'kc', base(server))}{os.pathsep}{write(tmp_path, 'users', users)}"
    with pytest.raises(ClusterUnreachableError, match="exec plugin `false` failed") as info:
        ClusterReader(kc, context="b")
    assert info.value.exit_code == 3 and seen == []


def test_inline_client_key_is_not_left_on_disk(tmp_path: Path, api, monkeypatch: pytest.MonkeyPatch) -> None:
    """kr8s writes `client-key-data` to a temp file and keeps it; the session deletes it once loaded."""
    import base64

    from planner.sandbox.certs import generate  # a real client key pair, as the sandbox makes them

    server, _ = api
    pki = generate(tmp_path / "pki")
    cert, key = (pki.ca_crt.parent / "admin.crt").read_bytes(), (pki.ca_crt.parent / "admin.key").read_bytes()
    b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    kc = write(tmp_path, "kc", base(server).replace("user: {token: abc}", "user: {client-certificate-data: "
                                                     f"{b64(cert)}, client-key-data: {b64(key)}}}"))
    with ClusterReader(str(kc)) as r:
        r.ping()
        assert list(tmp.iterdir()) == []


def test_unknown_context_lists_known(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        select(str(write(tmp_path, "kc", base("https://127.0.0.1:6443"))), context="nope")
    assert "a, b, f" in (info.value.hint or "")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no kubeconfig"):
        ApiSession(str(tmp_path / "absent"))


def test_bad_yaml_names_file_line_and_column(tmp_path: Path) -> None:
    kc = write(tmp_path, "kc", "apiVersion: v1\nusers:\n- name: u\n  user: {token: [abc\n")
    with pytest.raises(InputError) as info:
        select(str(kc))
    assert info.value.location is not None and info.value.location.file == str(kc)
    assert "abc" not in str(info.value)


def test_unreachable_server_is_exit_3(tmp_path: Path) -> None:
    kc = write(tmp_path, "kc", base("http://127.0.0.1:1"))
    with ClusterReader(str(kc), timeout=2) as r, pytest.raises(ClusterUnreachableError) as info:
        r.ping()
    assert info.value.exit_code == 3 and "127.0.0.1:1" in info.value.message


def test_unreachable_proxy_is_named_without_its_password(tmp_path: Path) -> None:
    kc = write(tmp_path, "kc", base("http://127.0.0.1:2").replace(
        'cluster: {server: "http://127.0.0.1:2/"}', 'cluster: {server: "http://127.0.0.1:2/", '
        'proxy-url: "http://me:CANARYPROXY@127.0.0.1:1"}'))
    with ClusterReader(str(kc), timeout=2) as r, pytest.raises(ClusterUnreachableError) as info:
        r.ping()
    assert "through the proxy http://127.0.0.1:1" in info.value.message
    assert "CANARYPROXY" not in info.value.message + str(info.value.hint)
