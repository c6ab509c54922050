"""The cluster read edge: LIST Kubernetes objects as plain JSON dicts, once per kind and scope.

`ClusterReader` is the only code that reads the API server for `check`, `drift` and `apply`'s reachability
check. It LISTs (paginated with `limit`/`continue`), memoises every answer for the run (a second `list()` of the
same kind and scope costs nothing), counts its HTTP requests, and turns failures into typed errors:

- `ReadError(kind, status, reason)`: one kind could not be read — 403 (RBAC), 404 (the CRD is not
  installed / the API version is not served), a timeout, a server error, a malformed answer.
  The checks that needed it become UNKNOWN; the others still run.
- `planner.errors.ClusterUnreachableError` (exit 3): the API cannot be reached or authenticated at all.

It never reads Secrets, except Helm's release records (`list_helm_releases`, for drift); `list_metadata`
lists Helm's release Secrets as metadata only (labels: name, status, version), for check.

Requests go through `planner.kubeapi.ApiSession` (kr8s: kubeconfig, credentials, TLS, proxy); this module keeps
the paging, the memo, the counting and the typed errors.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, Protocol, TypeVar

from planner.errors import ClusterUnreachableError
from planner.kinds import CATALOG, HELM_RELEASE_SECRETS, HELM_RELEASE_TYPE, Kind
from planner.kubeapi import ApiConnectionError, ApiSession, ApiTimeout

__all__ = ["CATALOG", "ClusterReader", "Kind", "ReadError", "Reader", "list_each"]

K = TypeVar("K", bound=Hashable)

DEFAULT_PAGE_SIZE = 500  # kubectl's chunk size


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


def list_each(calls: Mapping[K, Callable[[], list[dict[str, Any]]]],
              workers: int = 8) -> dict[K, list[dict[str, Any]] | ReadError]:
    """Run LISTs in parallel: each key's objects, or the ReadError it failed with; an unreachable cluster
    (ClusterUnreachableError) re-raises. drift's and upgrade's readers and `prefetch` share it."""

    def one(key: K) -> list[dict[str, Any]] | ReadError:
        try:
            return calls[key]()
        except ReadError as e:
            return e

    if not calls:
        return {}
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(calls)))) as pool:
        return dict(zip(calls, pool.map(one, calls), strict=True))


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
        done = list_each({k: partial(self.list, k) for k in kinds}, workers)
        return {k: res if isinstance(res, ReadError) else None for k, res in done.items()}

    def list_helm_releases(self, namespace: str) -> list[dict[str, Any]]:
        """Helm's release records in one namespace (Secrets of type helm.sh/release.v1 only; for drift)."""
        return self.list(HELM_RELEASE_SECRETS, namespace, field_selector=f"type={HELM_RELEASE_TYPE}")

    # ----- metadata-only LIST (Helm release status for check; planner/helm_status.py)

    def list_metadata(self, kind: Kind, namespace: str, label_selector: str | None = None,
                      field_selector: str | None = None) -> list[dict[str, Any]]:
        """Objects of `kind` in `namespace` as PartialObjectMetadata: the server sends metadata only, and only
        name, namespace and Helm's labels are kept (`helm_status.strip`). An answer that is not a metadata list
        (a server ignoring the Accept parameter) is dropped unread, as a ReadError. Memoised like `list`."""
        from planner.helm_status import METADATA_ACCEPT, METADATA_LIST_KIND, strip

        key = ("metadata:" + kind.key + "/" + kind.version, namespace, label_selector, field_selector)
        params = {k: v for k, v in (("labelSelector", label_selector), ("fieldSelector", field_selector)) if v}
        with self._lock:
            cached = self._memo.get(key)
            self.requests += 1 if cached is None else 0
            self.lists += 1 if cached is None else 0
        if cached is None:
            try:
                r = self._session.request("GET", kind.path(namespace), params=params,
                                          headers={**self._headers, "Accept": METADATA_ACCEPT})
                body = r.json() if r.status_code < 400 else None
                if r.status_code >= 400:
                    cached = ReadError(kind, r.status_code, _reason(kind, r.status_code, body, namespace))
                elif not isinstance(body, dict) or body.get("kind") != METADATA_LIST_KIND:
                    cached = ReadError(kind, r.status_code, "the API server did not answer with metadata only "
                                                            "(PartialObjectMetadataList); nothing was kept")
                else:
                    cached = [strip(o) for o in body.get("items") or [] if isinstance(o, dict)]
            except (ApiTimeout, ApiConnectionError, ValueError) as e:  # a failed request or a body that is not JSON
                cached = ReadError(kind, 0, f"{type(e).__name__}: {e}")
            with self._lock:
                self._memo[key] = cached
        if isinstance(cached, ReadError):
            raise cached
        return cached

    def stats(self) -> dict[str, Any]:
        return {"requests": self.requests, "lists": self.lists, "listSeconds": round(self.seconds, 3)}

    def get_service_proxy(self, namespace: str, service: str, path: str,
                          params: dict[str, str] | None = None) -> tuple[int, Any]:
        """GET `path` on Service `service` (`NAME:PORT`) through the API server's service proxy; (HTTP status,
        parsed JSON or None). The request goes to the API server only, never to a cluster IP (the ops tools read
        Prometheus this way, under RBAC `get` on `services/proxy`)."""
        r = self._get(f"/api/v1/namespaces/{namespace}/services/{service}/proxy/{path.lstrip('/')}", params)
        try:
            return r.status_code, r.json()
        except ValueError:
            return r.status_code, None
