"""The cluster read edge: LIST Kubernetes objects as plain JSON dicts, once per kind and scope.

`ClusterReader` is the only code that reads the API server for `check`, `drift` and `apply`'s reachability
check. It LISTs (paginated with `limit`/`continue`), memoises every answer for the run (a second `list()` of the
same kind and scope costs nothing), counts its HTTP requests, and turns failures into typed errors:

- `ReadError(kind, status, reason)`: one kind could not be read — 403 (RBAC), 404 (the CRD is not
  installed / the API version is not served), a timeout, a server error, a malformed answer.
  The checks that needed it become UNKNOWN; the others still run.
- `planner.errors.ClusterUnreachableError` (exit 3): the API cannot be reached or authenticated at all.

It never reads Secrets, except Helm's release records (`list_helm_releases`, for drift).

`ApiSession` is the one way stackplan reaches a Kubernetes API (the reader and the sandbox harness use it): kr8s
reads the kubeconfig (client certificates, tokens, exec credential plugins, `tls-server-name`, `proxy-url`,
in-cluster ServiceAccounts) and sends each request; stackplan keeps the paging, the counting and the typed
errors. Why kr8s (measured against lightkube and the official client): docs/architecture.md, "Reaching the API".
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import threading
import time
from collections.abc import Coroutine, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol, TypeVar

from planner.errors import ClusterUnreachableError, InputError
from planner.kinds import CATALOG, HELM_RELEASE_SECRETS, HELM_RELEASE_TYPE, Kind

__all__ = ["CATALOG", "ApiConnectionError", "ApiSession", "ApiTimeout", "ClusterReader", "Kind", "ReadError",
           "Reader"]

DEFAULT_PAGE_SIZE = 500  # kubectl's chunk size
T = TypeVar("T")


class ReadError(Exception):
    """One kind could not be listed. status: HTTP status, 0 for timeouts and network errors."""

    def __init__(self, kind: Kind, status: int, reason: str) -> None:
        super().__init__(f"cannot list {kind.kind} ({kind.key}): {reason}")
        self.kind = kind
        self.status = status
        self.reason = reason

    @property
    def not_installed(self) -> bool:
        """The kind's API is not served: its CRD is missing (or another version is installed)."""
        return self.status == 404


class ApiTimeout(Exception):
    """The API server did not answer one request in time."""


class ApiConnectionError(Exception):
    """One request could not be sent or answered: connection refused, TLS failure, proxy error, reset."""


class Reader(Protocol):
    """What checks and drift need from the cluster (ClusterReader, or a fake in tests)."""

    def list(self, kind: Kind, namespace: str | None = None, label_selector: str | None = None,
             field_selector: str | None = None) -> list[dict[str, Any]]: ...


def _reason(kind: Kind, status: int, body: Any, namespace: str | None) -> str:
    message = body.get("message", "") if isinstance(body, dict) else ""
    if status == 403:
        scope = f"in namespace {namespace}" if namespace else "cluster-wide"
        return f"forbidden: cannot list {kind.key} {scope} (RBAC; see `stackplan rbac`)"
    if status == 404:
        if kind.group and "." in kind.group:
            return f"not installed: the API {kind.api_version} {kind.plural} is not served (CRD {kind.key} missing?)"
        return f"not found: {message or kind.path(namespace)}"
    return f"HTTP {status}: {message or 'error'}"


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
        exec_command = chosen.exec_command if chosen is not None else None
        try:
            with _exec_info(chosen):
                await api.auth.reauthenticate()
        except (RuntimeError, OSError, KeyError, ValueError) as e:
            if exec_command is not None:  # the plugin ran and failed, or is missing: as kubectl, cannot authenticate
                from planner.secrets import redact_text

                detail = redact_text(str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__)
                raise ClusterUnreachableError(f"kubeconfig exec plugin `{exec_command}` failed: {detail}",
                                              hint=(chosen.user.get("exec") or {}).get("installHint")
                                              or "re-login to your cloud, or fix the exec section of the kubeconfig"
                                              ) from None
            # the text is not shown: a decoding error may quote certificate or key data
            raise InputError(f"kubeconfig context `{context or '(current)'}`: its certificate authority, client "
                             f"certificate/key or token cannot be read ({type(e).__name__})",
                             hint="check certificate-authority(-data), client-certificate(-data), client-key(-data) "
                                  "and token (`kubectl config view --raw`)") from None
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
        except (OSError, ValueError) as e:  # ssl.SSLError is an OSError; its text is not shown (may quote data)
            raise InputError(f"kubeconfig context `{context or '(current)'}`: the certificate authority or client "
                             f"certificate does not load ({type(e).__name__})",
                             hint="check certificate-authority(-data), client-certificate(-data), client-key(-data)"
                             ) from None
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


class ClusterReader:
    """Read-only, memoised access to one cluster. Thread-safe; `prefetch` lists kinds in parallel."""

    def __init__(self, kubeconfig: str | None = None, context: str | None = None, timeout: float = 10.0, *,
                 page_size: int = DEFAULT_PAGE_SIZE, compression: bool = True, transport: Any = None,
                 server: str | None = None) -> None:
        self.timeout = timeout
        self.page_size = page_size
        # gzip shrinks large LISTs ~10x over real networks; on loopback `compression=False` saves the CPU
        self._headers = {"Accept": "application/json"}
        if not compression:
            self._headers["Accept-Encoding"] = "identity"
        self.requests = 0  # HTTP requests made (every page counts)
        self.lists = 0  # distinct LIST operations (kind + scope)
        self.seconds = 0.0  # time spent waiting for LISTs (summed over threads)
        self._pinged = False  # after a successful ping, a lost connection only loses that kind (ReadError)
        self._lock = threading.Lock()
        self._memo: dict[tuple[str, str | None, str | None, str | None], list[dict[str, Any]] | ReadError] = {}
        self._key_locks: dict[tuple[str, str | None, str | None, str | None], threading.Lock] = {}
        self._session = ApiSession(kubeconfig, context, timeout, transport=transport, server=server)
        self.server, self.context = self._session.server, self._session.context

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> ClusterReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----- HTTP

    def _get(self, path: str, params: dict[str, str] | None = None) -> Any:
        """One GET; returns the response. Raises ApiTimeout, or ClusterUnreachableError on network/TLS failure."""
        with self._lock:
            self.requests += 1
        try:
            return self._session.request("GET", path, params=params, headers=self._headers)
        except ApiConnectionError as e:
            from planner.secrets import redact_text

            via = f" through the proxy {self._session.proxy}" if self._session.proxy else ""
            raise ClusterUnreachableError(
                f"cannot reach the Kubernetes API at {self.server}{via}: {redact_text(str(e))}",
                hint="check --kubeconfig/--context, that the cluster is running, and the network path to it") from e

    def ping(self) -> dict[str, Any]:
        """Check the API answers and accepts our credentials (GET /version, then discovery /api).

        Raises ClusterUnreachableError when it does not; returns the server's version info.
        """
        try:
            version = self._get("/version")
            api = self._get("/api")
        except ApiTimeout as e:
            raise ClusterUnreachableError(f"the Kubernetes API at {self.server} did not answer in {self.timeout:g}s",
                                          hint="check the cluster is up, or raise --timeout") from e
        for r in (version, api):
            if r.status_code == 401:
                raise ClusterUnreachableError(
                    f"the Kubernetes API at {self.server} rejected the credentials of context `{self.context}` (401)",
                    hint="refresh the credentials (re-login, new token) or choose another --context")
        if api.status_code == 403:
            raise ClusterUnreachableError(
                f"the Kubernetes API at {self.server} treats context `{self.context}` as unauthenticated (403 on /api)",
                hint="the kubeconfig user has no valid credentials")
        if version.status_code >= 400 or api.status_code >= 400:
            raise ClusterUnreachableError(f"{self.server} does not look like a Kubernetes API "
                                          f"(GET /version: {version.status_code}, GET /api: {api.status_code})")
        self._pinged = True
        try:
            return version.json()
        except ValueError:
            return {}

    # ----- LIST

    def list(self, kind: Kind, namespace: str | None = None, label_selector: str | None = None,
             field_selector: str | None = None) -> list[dict[str, Any]]:
        """Every object of `kind` (cluster-wide when `namespace` is None), as plain JSON dicts.

        Memoised: the same kind and scope is listed once per reader; errors are memoised too.
        The returned list is shared — treat it as read-only.
        """
        if kind.kind == "Secret" and field_selector != f"type={HELM_RELEASE_TYPE}":
            raise ValueError("stackplan never reads Secrets (except Helm release records: list_helm_releases)")
        ns = namespace if kind.namespaced else None
        key = (kind.key + "/" + kind.version, ns, label_selector, field_selector)
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            if key not in self._memo:
                try:
                    self._memo[key] = self._list(kind, ns, label_selector, field_selector)
                except ReadError as e:
                    self._memo[key] = e
            result = self._memo[key]
        if isinstance(result, ReadError):
            raise result
        return result

    def _list(self, kind: Kind, namespace: str | None, label_selector: str | None,
              field_selector: str | None) -> list[dict[str, Any]]:
        with self._lock:
            self.lists += 1
        started = time.perf_counter()
        params: dict[str, str] = {"limit": str(self.page_size)}
        if label_selector:
            params["labelSelector"] = label_selector
        if field_selector:
            params["fieldSelector"] = field_selector
        items: list[dict[str, Any]] = []
        try:
            while True:
                try:
                    r = self._get(kind.path(namespace), params)
                except ApiTimeout as e:
                    raise ReadError(kind, 0, f"timed out after {self.timeout:g}s") from e
                except ClusterUnreachableError as e:
                    if not self._pinged:
                        raise
                    raise ReadError(kind, 0, f"connection failed: {e.message}") from e
                try:
                    body = r.json()
                except ValueError:
                    body = None
                if r.status_code == 401:
                    raise ClusterUnreachableError(f"the Kubernetes API at {self.server} rejected the credentials (401)")
                if r.status_code >= 400:
                    raise ReadError(kind, r.status_code, _reason(kind, r.status_code, body, namespace))
                page = body.get("items") if isinstance(body, dict) else None
                if not isinstance(page, list) or not all(isinstance(o, dict) for o in page):
                    raise ReadError(kind, r.status_code, "malformed answer: no list of objects in `items`")
                item_kind = kind.kind
                for o in page:  # LIST items carry no apiVersion/kind; add them so objects stand alone
                    o.setdefault("apiVersion", kind.api_version)
                    o.setdefault("kind", item_kind)
                items.extend(page)
                token = (body.get("metadata") or {}).get("continue")
                if not token:
                    return items
                params["continue"] = token
        finally:
            with self._lock:
                self.seconds += time.perf_counter() - started

    def prefetch(self, kinds: Iterable[Kind], workers: int = 8) -> dict[Kind, ReadError | None]:
        """LIST each kind cluster-wide in parallel (memoised); returns the errors by kind."""
        unique = list(dict.fromkeys(kinds))

        def one(k: Kind) -> ReadError | None:
            try:
                self.list(k)
            except ReadError as e:
                return e
            return None

        if not unique:
            return {}
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(unique)))) as pool:
            return dict(zip(unique, pool.map(one, unique), strict=True))

    def list_helm_releases(self, namespace: str) -> list[dict[str, Any]]:
        """Helm's release records in one namespace (Secrets of type helm.sh/release.v1 only; for drift)."""
        return self.list(HELM_RELEASE_SECRETS, namespace, field_selector=f"type={HELM_RELEASE_TYPE}")

    def stats(self) -> dict[str, Any]:
        return {"requests": self.requests, "lists": self.lists, "listSeconds": round(self.seconds, 3)}
