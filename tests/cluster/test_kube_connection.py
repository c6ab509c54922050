"""The one way to the API (planner.kubeapi.ApiSession, kr8s) against the real kube-apiserver: kubeconfig fields
that kubectl honours and the old hand-written loader ignored — `tls-server-name`, `proxy-url` — plus inline
client certificates and an exec plugin that returns a client certificate.

The sandbox's API server certificate holds the SANs localhost, kubernetes(.default…), 127.0.0.1 and the
service IP (planner/sandbox/certs.py). A TCP relay on 127.0.0.2 (all of 127/8 is loopback) reaches the same
server through an address its certificate does not name: that is the case `tls-server-name` is for. The proxy is
a small HTTP CONNECT proxy on loopback that records what it tunnels. Everything stays on 127.0.0.0/8.
"""

from __future__ import annotations

import base64
import json
import select
import socket
import socketserver
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from planner.cluster import ClusterReader
from planner.errors import ClusterUnreachableError
from planner.kinds import NODES

pytestmark = pytest.mark.cluster

ROOT = Path(__file__).resolve().parents[2]
IN_SAN = "kubernetes.default"  # a name the API server certificate holds


def _pipe(a: socket.socket, b: socket.socket) -> None:
    socks = [a, b]
    try:
        while True:
            ready, _, _ = select.select(socks, [], [], 30)
            if not ready:
                return
            for s in ready:
                data = s.recv(65536)
                if not data:
                    return
                (b if s is a else a).sendall(data)
    except OSError:
        return
    finally:
        a.close()
        b.close()


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@pytest.fixture
def relay(control_plane) -> Iterator[str]:
    """https://127.0.0.2:PORT, relayed byte for byte to the API server (127.0.0.2 is not in its certificate)."""
    target = urlsplit(control_plane.server)

    class Relay(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            upstream = socket.create_connection((target.hostname, target.port), timeout=10)
            _pipe(self.request, upstream)

    server = _Server(("127.0.0.2", 0), Relay)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.2:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def proxy() -> Iterator[tuple[str, list[str]]]:
    """An HTTP CONNECT proxy on loopback; yields its URL and the targets it tunnelled to."""
    tunnelled: list[str] = []

    class Proxy(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            line = self.rfile.readline().decode()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass
            method, target, _ = line.split(" ", 2)
            host, port = target.rsplit(":", 1)
            if method != "CONNECT" or not host.startswith("127."):  # loopback only
                self.wfile.write(b"HTTP/1.1 403 Forbidden\r\n\r\n")
                return
            tunnelled.append(target)
            upstream = socket.create_connection((host, int(port)), timeout=10)
            self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            self.wfile.flush()
            _pipe(self.connection, upstream)

    server = _Server(("127.0.0.1", 0), Proxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", tunnelled
    server.shutdown()
    server.server_close()


def b64(p: Path) -> str:
    return base64.b64encode(p.read_bytes()).decode()


def kubeconfig(path: Path, control_plane, server: str, *, cluster_extra: dict | None = None,
               user: dict | None = None) -> str:
    creds = control_plane.credentials()
    cluster = {"server": server, "certificate-authority-data": b64(creds.ca), **(cluster_extra or {})}
    user = user or {"client-certificate-data": b64(creds.cert), "client-key-data": b64(creds.key)}
    path.write_text(json.dumps({  # JSON is YAML: kubectl and stackplan read it alike
        "apiVersion": "v1", "kind": "Config", "current-context": "x",
        "clusters": [{"name": "c", "cluster": cluster}], "users": [{"name": "u", "user": user}],
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}]}))
    path.chmod(0o600)
    return str(path)


def stackplan_check(kc: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "planner", "check", "--profile", "llm-inference", "--kubeconfig", kc,
                           "-o", "json"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=False)


def kubectl_ok(kc: str, env: dict[str, str]) -> bool:
    r = subprocess.run(["kubectl", "--kubeconfig", kc, "get", "--raw", "/version"], capture_output=True, text=True,
                       env=env, timeout=60, check=False)
    return r.returncode == 0


def test_tls_server_name(control_plane, relay: str, cluster_env: dict[str, str], tmp_path: Path) -> None:
    """Dialling an address the certificate does not name fails TLS (exit 3, as kubectl fails); with
    `tls-server-name` set to a name it does hold, kubectl and stackplan both work; a wrong name fails again."""
    plain = kubeconfig(tmp_path / "plain", control_plane, relay)
    named = kubeconfig(tmp_path / "named", control_plane, relay, cluster_extra={"tls-server-name": IN_SAN})
    wrong = kubeconfig(tmp_path / "wrong", control_plane, relay, cluster_extra={"tls-server-name": "wrong.invalid"})

    assert not kubectl_ok(plain, cluster_env) and kubectl_ok(named, cluster_env) and not kubectl_ok(wrong, cluster_env)
    with ClusterReader(plain) as r, pytest.raises(ClusterUnreachableError, match="certificate"):
        r.ping()
    with ClusterReader(named) as r:
        assert r.ping()["gitVersion"].startswith("v1.")
        assert r.list(NODES)  # the sandbox has nodes
    for kc, code in ((plain, 3), (wrong, 3)):
        result = stackplan_check(kc, cluster_env)
        assert result.returncode == code and "Traceback" not in result.stderr, result.stderr
    result = stackplan_check(named, cluster_env)
    assert result.returncode in (0, 1), result.stderr  # the cluster was read: problems or none, not unreachable
    assert json.loads(result.stdout)["meta"]["api"]["lists"] > 0


def test_proxy_url(control_plane, proxy: tuple[str, list[str]], cluster_env: dict[str, str], tmp_path: Path) -> None:
    """`proxy-url`: every connection goes through the proxy (CONNECT to the API server), for kubectl and stackplan."""
    url, tunnelled = proxy
    kc = kubeconfig(tmp_path / "proxied", control_plane, control_plane.server, cluster_extra={"proxy-url": url})
    target = urlsplit(control_plane.server).netloc
    assert kubectl_ok(kc, cluster_env) and tunnelled == [target]
    tunnelled.clear()
    with ClusterReader(kc) as r:
        r.ping()
        r.list(NODES)
    assert tunnelled and set(tunnelled) == {target}
    tunnelled.clear()
    result = stackplan_check(kc, cluster_env)
    assert result.returncode in (0, 1), result.stderr
    assert tunnelled and set(tunnelled) == {target}


def test_exec_plugin_with_client_certificate(control_plane, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An exec credential plugin that returns a client certificate (as e.g. some cloud plugins do)."""
    creds = control_plane.credentials()
    plugin = tmp_path / "plugin.py"
    status = {"clientCertificateData": creds.cert.read_text(), "clientKeyData": creds.key.read_text()}
    plugin.write_text(f"import json\nprint(json.dumps({{'apiVersion': 'client.authentication.k8s.io/v1', "
                      f"'kind': 'ExecCredential', 'status': {status!r}}}))\n")
    plugin.chmod(plugin.stat().st_mode | stat.S_IXUSR)
    kc = kubeconfig(tmp_path / "exec", control_plane, control_plane.server, user={"exec": {
        "apiVersion": "client.authentication.k8s.io/v1", "command": sys.executable, "args": [str(plugin)],
        "interactiveMode": "Never"}})
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    with ClusterReader(kc) as r:
        assert r.ping()["gitVersion"].startswith("v1.")
        assert r.list(NODES)
        assert list(private_tmp.iterdir()) == []  # the key kr8s wrote for clientKeyData is gone once loaded
