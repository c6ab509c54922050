"""The one way stackplan reaches a Kubernetes API server: `ApiSession`, over kr8s.

kr8s reads the kubeconfig — CA and client certificates (inline or files), tokens, exec credential plugins,
`insecure-skip-tls-verify`, `tls-server-name`, `proxy-url`, in-cluster ServiceAccounts — and builds the httpx
session. stackplan adds what kr8s lacks (`tokenFile`, `KUBERNETES_EXEC_INFO`), deletes the temporary files kr8s
writes for inline keys once they are loaded, and sends each request once: no retry, no re-authentication on
401/403 (kr8s's `call_api` would retry a 403 three times). `planner.cluster.ClusterReader` (check, drift,
apply's reachability) and the sandbox harness (`planner.sandbox.kube`) both use it. Why kr8s, measured against
lightkube and the official client: docs/architecture.md, "Reaching the Kubernetes API".
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import threading
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

from planner.errors import ClusterUnreachableError, InputError

__all__ = ["ApiConnectionError", "ApiSession", "ApiTimeout"]

T = TypeVar("T")


class ApiTimeout(Exception):
    """The API server did not answer one request in time."""


class ApiConnectionError(Exception):
    """One request could not be sent or answered: connection refused, TLS failure, proxy error, reset."""


class _Loop:
    """A private event loop in a daemon thread: kr8s is asynchronous, stackplan's readers are synchronous and
    shared by threads (`prefetch`); every coroutine runs here."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="stackplan-kube", daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def stop(self) -> None:
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(5)
        if not self.loop.is_running():
            self.loop.close()


def _temp_credential_files(auth: Any) -> list[str]:
    """The files kr8s wrote for inline `*-data` credentials (it never deletes them; the session has them loaded)."""
    user, cluster = getattr(auth, "_user", {}) or {}, getattr(auth, "_cluster", {}) or {}
    out = []
    if "client-key-data" in user and auth.client_key_file:
        out.append(str(auth.client_key_file))
    if "client-certificate-data" in user and auth.client_cert_file:
        out.append(str(auth.client_cert_file))
    if "certificate-authority-data" in cluster and auth.server_ca_file:
        out.append(str(auth.server_ca_file))
    return out


@contextlib.contextmanager
def _exec_info(chosen: Any) -> Iterator[None]:
    """KUBERNETES_EXEC_INFO for an exec credential plugin, as kubectl sets it (kr8s does not): non-interactive,
    with the cluster's server when the kubeconfig asks for `provideClusterInfo`. Set only while kr8s runs it."""
    spec = chosen.user.get("exec") if chosen is not None else None
    if not isinstance(spec, dict):
        yield
        return
    info: dict[str, Any] = {"apiVersion": spec.get("apiVersion", "client.authentication.k8s.io/v1"),
                            "kind": "ExecCredential", "spec": {"interactive": False}}
    if spec.get("provideClusterInfo"):
        info["spec"]["cluster"] = {"server": chosen.server}
    before = os.environ.get("KUBERNETES_EXEC_INFO")
    os.environ["KUBERNETES_EXEC_INFO"] = json.dumps(info)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("KUBERNETES_EXEC_INFO", None)
        else:
            os.environ["KUBERNETES_EXEC_INFO"] = before


_CERT_HINT = "check certificate-authority(-data), client-certificate(-data), client-key(-data)"


def _auth_error(e: Exception, chosen: Any, context: str | None) -> Exception:
    """What kr8s's failure to load credentials means: an exec plugin that failed (exit 3, as kubectl cannot
    authenticate either), else unreadable certificates or token (exit 2; the text may quote data: not shown)."""
    command = chosen.exec_command if chosen is not None else None
    if command is not None:
        from planner.secrets import redact_text

        detail = redact_text(str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__)
        return ClusterUnreachableError(f"kubeconfig exec plugin `{command}` failed: {detail}",
                                       hint=(chosen.user.get("exec") or {}).get("installHint")
                                       or "re-login to your cloud, or fix the exec section of the kubeconfig")
    return InputError(f"kubeconfig context `{context or '(current)'}`: its certificate authority, client "
                      f"certificate/key or token cannot be read ({type(e).__name__})",
                      hint=f"{_CERT_HINT} and token (`kubectl config view --raw`)")


class ApiSession:
    """One authenticated connection to a Kubernetes API server, over kr8s; synchronous and thread-safe.

    `request` sends one HTTP request and returns the httpx response whatever its status (no retries, no
    re-authentication: a 403 is an answer). It raises `ApiTimeout` or `ApiConnectionError`.
    Bad kubeconfigs raise InputError (exit 2); an exec credential plugin that fails raises ClusterUnreachableError.
    """

    def __init__(self, kubeconfig: str | dict[str, Any] | None = None, context: str | None = None,
                 timeout: float = 10.0, *, transport: Any = None, server: str | None = None) -> None:
        import httpx

        self.timeout = timeout
        self._timeout = httpx.Timeout(timeout, connect=min(timeout, 5.0))
        self._loop = _Loop()
        try:
            if transport is not None:  # tests: an httpx transport (MockTransport) and a server URL
                self.server, self.context = server or "https://fake.invalid", "fake"
                self._api = self._loop.run(self._fake(transport))
            elif isinstance(kubeconfig, dict):  # the sandbox harness: a kubeconfig it made (file paths, no secrets)
                self._api = self._loop.run(self._connect(kubeconfig, context, None))
                self.server, self.context = self._api.auth.server, self._api.auth.active_context
            else:
                from planner.kubeconfig import select

                chosen = select(kubeconfig, context)
                self.server, self.context = chosen.server, chosen.context
                self._api = self._loop.run(self._connect(chosen.path_spec, chosen.context if chosen.files else None,
                                                         chosen))
        except BaseException:
            self._loop.stop()
            raise

    async def _fake(self, transport: Any) -> Any:
        import httpx
        from kr8s._api import Api

        api = Api(url=self.server, bypass_factory=True)
        api._session = httpx.AsyncClient(base_url=self.server, transport=transport, timeout=self._timeout)
        return api

    async def _connect(self, spec: str | dict[str, Any] | None, context: str | None, chosen: Any) -> Any:
        from kr8s._api import Api

        api = Api(kubeconfig=spec, context=context, bypass_factory=True)
        try:  # kr8s writes inline keys to temp files it never deletes: gone once loaded, or on failure
            try:
                with _exec_info(chosen):
                    await api.auth.reauthenticate()
            except (RuntimeError, OSError, KeyError, ValueError) as e:
                raise _auth_error(e, chosen, context) from None
            token_file = chosen.token_file() if chosen is not None else None
            if token_file is not None and not api.auth.token:  # kr8s reads `token`, not `tokenFile`
                try:
                    api.auth.token = token_file.read_text().strip()
                except OSError as e:
                    raise InputError(f"kubeconfig context `{context}`: cannot read its tokenFile {token_file} "
                                     f"({type(e).__name__})", hint="check the tokenFile path") from None
            api.timeout = self._timeout
            try:
                await api._create_session()  # loads the certificates into the session's SSL context now
            except (OSError, ValueError) as e:  # ssl.SSLError is an OSError; its text may quote data: not shown
                raise InputError(f"kubeconfig context `{context or '(current)'}`: the certificate authority or "
                                 f"client certificate does not load ({type(e).__name__})", hint=_CERT_HINT) from None
        finally:
            for f in _temp_credential_files(api.auth):
                Path(f).unlink(missing_ok=True)
        return api

    @property
    def proxy(self) -> str | None:
        """The kubeconfig's `proxy-url`, without any user:password part (for messages)."""
        from urllib.parse import urlsplit

        url = getattr(getattr(self._api, "auth", None), "proxy", None)
        if not url:
            return None
        parts = urlsplit(str(url))
        return parts._replace(netloc=parts.hostname + (f":{parts.port}" if parts.port else "")).geturl() \
            if parts.hostname else None

    def request(self, method: str, path: str, *, params: dict[str, Any] | None = None, json: Any = None,
                headers: dict[str, str] | None = None) -> Any:
        """One request to `path` (absolute, e.g. /api/v1/pods); returns the httpx.Response (any status)."""
        return self._loop.run(self._request(method, path, params, json, headers))

    async def _request(self, method: str, path: str, params: dict[str, Any] | None, json: Any,
                       headers: dict[str, str] | None) -> Any:
        """On kr8s's session (its base URL, credentials, TLS context and proxy), with the exact path and the
        kubeconfig's tls-server-name as SNI and verified name, as kr8s's `call_api` does (which would add a
        trailing slash to top-level paths and re-authenticate on every 401/403)."""
        import httpx

        tls_name = self._api.auth.tls_server_name
        kwargs: dict[str, Any] = {"params": params, "headers": headers}
        if json is not None:
            kwargs["json"] = json
        if tls_name:
            kwargs["extensions"] = {"sni_hostname": tls_name}
        try:
            return await self._api._session.request(method, path, **kwargs)
        except httpx.TimeoutException as e:
            raise ApiTimeout(f"{method} {path}: no answer in {self.timeout:g}s") from e
        except httpx.HTTPError as e:
            raise ApiConnectionError(f"{type(e).__name__}: {e}") from e

    def close(self) -> None:
        session = getattr(getattr(self, "_api", None), "_session", None)
        if session is not None and self._loop.loop.is_running():
            self._loop.run(session.aclose())
        self._loop.stop()
