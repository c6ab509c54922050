"""Kubeconfig selection and validation, following kubectl's conventions; the connection itself is kr8s's.

`select` resolves `--kubeconfig`/`KUBECONFIG` (several files: the first value wins, as kubectl merges) and
`--context`, and turns what kubectl would refuse into clear InputErrors (exit 2) naming the file (YAML errors
with line and column), the known contexts and the fix. Legacy `auth-provider` plugins are refused. It builds no
TLS context and runs no exec plugin: `planner.cluster` hands the files and the context to kr8s, which reads
certificates, tokens, exec plugins, `tls-server-name` and `proxy-url`. Credentials are never logged.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planner.errors import InputError, Location
from planner.secrets import redact_text

IN_CLUSTER_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")


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


@dataclass(frozen=True)
class Selection:
    """Which kubeconfig files and context a connection uses (what kr8s is given), checked for clear errors."""

    files: tuple[Path, ...]  # the kubeconfig files that exist, in KUBECONFIG order (empty: in-cluster)
    context: str
    server: str
    user: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)  # never printed: credentials

    @property
    def path_spec(self) -> str | None:
        """The files as kr8s takes them (`a:b`), or None for in-cluster credentials."""
        return os.pathsep.join(str(p) for p in self.files) or None

    @property
    def exec_command(self) -> str | None:
        spec = self.user.get("exec")
        return str(spec.get("command") or "") if isinstance(spec, dict) else None

    def token_file(self) -> Path | None:
        """A `tokenFile` (relative to the kubeconfig that names it) when no inline `token` is set."""
        if self.user.get("token") or not self.user.get("tokenFile"):
            return None
        return Path(self.user["tokenFile"]).expanduser()


def select(kubeconfig: str | None = None, context: str | None = None) -> Selection:
    """Resolve kubeconfig files and context the way kubectl does; InputError (exit 2) naming the file and the fix.

    Only selection and validation happen here (unknown context, no server, YAML errors with file:line:col, legacy
    auth-provider); the connection itself (TLS, tls-server-name, proxy-url, exec plugins, tokens, client
    certificates) is kr8s's, in `planner.cluster`.
    """
    try:
        return _select(kubeconfig, context)
    except (TypeError, AttributeError, KeyError, ValueError) as e:  # a shape kubectl would refuse too
        where = kubeconfig or os.environ.get("KUBECONFIG") or "~/.kube/config"
        raise InputError(f"kubeconfig {where}: unusable ({type(e).__name__})",
                         hint="check it with `kubectl config view`, or pass --kubeconfig/--context") from None


def _select(kubeconfig: str | None, context: str | None) -> Selection:
    files = _load_files(kubeconfig)
    if not files:
        if not kubeconfig and _in_cluster():
            host, port = os.environ["KUBERNETES_SERVICE_HOST"], os.environ["KUBERNETES_SERVICE_PORT"]
            host = f"[{host}]" if ":" in host else host
            return Selection((), "in-cluster", f"https://{host}:{port}")
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
    user_entry = _named(files, "users", ctx[1].get("user", ""))
    user_path, user = user_entry or (cl[0], {})
    if user.get("auth-provider"):
        raise InputError(f"user `{ctx[1].get('user')}` uses the legacy auth-provider "
                         f"`{user['auth-provider'].get('name')}`, which stackplan does not support",
                         hint="switch the kubeconfig to an exec credential plugin "
                              "(e.g. kubelogin, gke-gcloud-auth-plugin)")
    user = dict(user)
    if user.get("tokenFile") and not Path(user["tokenFile"]).expanduser().is_absolute():
        user["tokenFile"] = str(user_path.parent / user["tokenFile"])
    return Selection(tuple(p for p, _ in files), ctx_name, str(cl[1]["server"]).rstrip("/"), user)


def _in_cluster() -> bool:
    return bool(os.environ.get("KUBERNETES_SERVICE_HOST") and os.environ.get("KUBERNETES_SERVICE_PORT")
                and (IN_CLUSTER_DIR / "token").is_file())
