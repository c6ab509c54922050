"""Kubeconfig → connection settings (server, TLS, credentials), following kubectl's conventions.

Supports: `KUBECONFIG` with several files (first value wins, as kubectl merges), `--context`,
inline or file CA / client certificates, `insecure-skip-tls-verify`, bearer `token` / `tokenFile`,
`exec` credential plugins (client.authentication.k8s.io ExecCredential), and in-cluster
ServiceAccount credentials. Legacy `auth-provider` plugins are not supported (a clear error says so).
Credentials are never logged; client key material only lives in a 0600 temp file while it is loaded.
"""

from __future__ import annotations

import base64
import json
import os
import re
import ssl
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner.errors import ClusterUnreachableError, InputError, Location
from planner.secrets import redact_text

IN_CLUSTER_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")


@dataclass(frozen=True)
class Connection:
    """Where and how to talk to the API server. `verify` is an SSLContext or False (skip TLS verify)."""

    server: str
    context: str
    verify: ssl.SSLContext | bool
    token: str | None = None

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


def _load_files(kubeconfig: str | None) -> list[tuple[Path, dict[str, Any]]]:
    from ruamel.yaml import YAML, YAMLError

    raw = kubeconfig or os.environ.get("KUBECONFIG") or str(Path.home() / ".kube" / "config")
    out = []
    for part in [p for p in raw.split(os.pathsep) if p]:
        path = Path(part).expanduser()
        if not path.is_file():
            continue
        try:
            data = YAML(typ="safe").load(path.read_text()) or {}
        except YAMLError as e:
            raise _yaml_error(path, e) from None  # never the parser's snippet: it quotes tokens and keys
        except OSError as e:
            raise InputError(f"{path}: cannot read kubeconfig: {e.strerror or type(e).__name__}",
                             hint="check the file exists and is readable") from None
        if not isinstance(data, dict):
            raise InputError(f"{path}: not a kubeconfig (expected a mapping)")
        out.append((path, data))
    return out


def _yaml_error(path: Path, e: Exception) -> InputError:
    """file:line:col and what is wrong; the problem text loses any quoted value (`duplicate key "token"
    with value "..."`) and goes through the credential rules."""
    mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
    problem = str(getattr(e, "problem", None) or getattr(e, "context", None) or "not valid YAML")
    problem = redact_text(re.sub(r"\s+with value .*", "", problem, flags=re.S))
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
    return InputError(f"cannot read kubeconfig: {problem}", location=Location(str(path), line, col),
                      hint="fix the YAML at that position (kubectl config view shows the merged kubeconfig)")


def _named(files: list[tuple[Path, dict[str, Any]]], section: str, name: str) -> tuple[Path, dict[str, Any]] | None:
    for path, data in files:
        for item in data.get(section) or []:
            if isinstance(item, dict) and item.get("name") == name:
                return path, item.get(section[:-1]) or {}
    return None


def _data(d: dict[str, Any], key: str, base: Path) -> bytes | None:
    """`<key>-data` (base64) or `<key>` (a path relative to the kubeconfig's directory)."""
    if d.get(f"{key}-data"):
        return base64.b64decode(d[f"{key}-data"])
    if d.get(key):
        p = Path(d[key]).expanduser()
        return (p if p.is_absolute() else base / p).read_bytes()
    return None


def _ssl_context(ca: bytes | None, cert: bytes | None, key: bytes | None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cadata=ca.decode() if ca else None)
    if cert and key:
        with tempfile.TemporaryDirectory(prefix="stackplan-") as tmp:
            cert_file, key_file = Path(tmp) / "c.pem", Path(tmp) / "k.pem"
            for f, body in ((cert_file, cert), (key_file, key)):
                f.touch(mode=0o600)
                f.write_bytes(body)
            ctx.load_cert_chain(str(cert_file), str(key_file))
    return ctx


def _exec_credential(spec: dict[str, Any], server: str) -> dict[str, Any]:
    """Run an exec credential plugin and return its ExecCredential `status`."""
    cmd = [spec.get("command", ""), *(spec.get("args") or [])]
    env = dict(os.environ)
    for e in spec.get("env") or []:
        env[e["name"]] = e["value"]
    info = {"apiVersion": spec.get("apiVersion", "client.authentication.k8s.io/v1"), "kind": "ExecCredential",
            "spec": {"interactive": False, "cluster": {"server": server}}}
    env["KUBERNETES_EXEC_INFO"] = json.dumps(info)
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        hint = spec.get("installHint") or f"install `{cmd[0]}` or fix the exec section of the kubeconfig"
        raise ClusterUnreachableError(f"kubeconfig exec plugin `{cmd[0]}` could not run: {e}", hint=hint) from e
    if proc.returncode != 0:
        raise ClusterUnreachableError(f"kubeconfig exec plugin `{cmd[0]}` failed (exit {proc.returncode})",
                                      hint=redact_text((proc.stderr.strip().splitlines() or
                                                        ["re-login to your cloud"])[-1]))
    try:
        return json.loads(proc.stdout).get("status") or {}
    except ValueError as e:
        raise ClusterUnreachableError(f"kubeconfig exec plugin `{cmd[0]}` printed no ExecCredential JSON") from e


def _in_cluster() -> Connection | None:
    host, port = os.environ.get("KUBERNETES_SERVICE_HOST"), os.environ.get("KUBERNETES_SERVICE_PORT")
    token_file = IN_CLUSTER_DIR / "token"
    if not (host and port and token_file.is_file()):
        return None
    ca = (IN_CLUSTER_DIR / "ca.crt").read_bytes()
    host = f"[{host}]" if ":" in host else host
    return Connection(f"https://{host}:{port}", "in-cluster", _ssl_context(ca, None, None),
                      token_file.read_text().strip())


def load_connection(kubeconfig: str | None = None, context: str | None = None) -> Connection:
    """Resolve the kubeconfig (or in-cluster credentials) into a Connection; InputError on bad config."""
    files = _load_files(kubeconfig)
    if not files:
        if not kubeconfig and (conn := _in_cluster()):
            return conn
        where = kubeconfig or os.environ.get("KUBECONFIG") or "~/.kube/config"
        raise InputError(f"no kubeconfig found at {where}", hint="pass --kubeconfig PATH or set KUBECONFIG")
    ctx_name = context or next((d.get("current-context") for _, d in files if d.get("current-context")), None)
    if not ctx_name:
        raise InputError(f"{files[0][0]}: no current-context set", hint="pass --context NAME")
    ctx = _named(files, "contexts", ctx_name)
    if ctx is None:
        known = sorted({c.get("name") for _, d in files for c in d.get("contexts") or [] if isinstance(c, dict)})
        raise InputError(f"context `{ctx_name}` is not in the kubeconfig",
                         hint=f"known contexts: {', '.join(known) or '(none)'}")
    cl = _named(files, "clusters", ctx[1].get("cluster", ""))
    if cl is None or not cl[1].get("server"):
        raise InputError(f"context `{ctx_name}` names cluster `{ctx[1].get('cluster')}`, which has no server")
    cl_path, cluster = cl
    server = cluster["server"].rstrip("/")
    user_entry = _named(files, "users", ctx[1].get("user", "")) or (cl_path, {})
    user_path, user = user_entry
    if user.get("auth-provider"):
        raise InputError(f"user `{ctx[1].get('user')}` uses the legacy auth-provider "
                         f"`{user['auth-provider'].get('name')}`, which stackplan does not support",
                         hint="switch the kubeconfig to an exec credential plugin "
                              "(e.g. kubelogin, gke-gcloud-auth-plugin)")
    token = user.get("token")
    try:
        if not token and user.get("tokenFile"):
            token = Path(user["tokenFile"]).expanduser().read_text().strip()
        cert = _data(user, "client-certificate", user_path.parent)
        key = _data(user, "client-key", user_path.parent)
    except (OSError, ValueError) as e:  # binascii.Error is a ValueError; neither message is shown (may quote data)
        raise InputError(f"{user_path}: user `{ctx[1].get('user')}`: cannot read its token or client "
                         f"certificate/key ({type(e).__name__})",
                         hint="check tokenFile / client-certificate(-data) / client-key(-data)") from None
    if user.get("exec"):
        status = _exec_credential(user["exec"], server)
        token = status.get("token") or token
        if status.get("clientCertificateData"):
            cert = status["clientCertificateData"].encode()
            key = (status.get("clientKeyData") or "").encode()
    try:
        if cluster.get("insecure-skip-tls-verify"):
            verify: ssl.SSLContext | bool = False
            if cert and key:  # still present the client certificate
                verify = _ssl_context(None, cert, key)
                verify.check_hostname = False
                verify.verify_mode = ssl.CERT_NONE
        else:
            verify = _ssl_context(_data(cluster, "certificate-authority", cl_path.parent), cert, key)
    except (OSError, ValueError) as e:  # ssl.SSLError is an OSError; its text is not shown (may quote data)
        raise InputError(f"{cl_path}: context `{ctx_name}`: the certificate authority or client certificate "
                         f"does not load ({type(e).__name__})",
                         hint="check certificate-authority(-data), client-certificate(-data), client-key(-data)"
                         ) from None
    return Connection(server, ctx_name, verify, token)
