"""A small Kubernetes REST client for the sandbox harness and the tests: JSON in, JSON out, KubeError on failure.

It sends every request through `planner.kubeapi.ApiSession` (kr8s), the one way stackplan reaches an API server,
with a kubeconfig built from the sandbox's certificate files (client certificate, or a bearer token).
"""

from __future__ import annotations

import base64
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner.kubeapi import ApiConnectionError, ApiSession, ApiTimeout

_CORE = {"pods", "nodes", "namespaces", "services", "serviceaccounts", "configmaps", "secrets",
         "endpoints", "events", "persistentvolumeclaims", "resourcequotas", "limitranges"}
_GROUP = {
    "deployments": "apis/apps/v1", "daemonsets": "apis/apps/v1", "statefulsets": "apis/apps/v1",
    "replicasets": "apis/apps/v1", "jobs": "apis/batch/v1",
    "roles": "apis/rbac.authorization.k8s.io/v1", "rolebindings": "apis/rbac.authorization.k8s.io/v1",
    "clusterroles": "apis/rbac.authorization.k8s.io/v1",
    "clusterrolebindings": "apis/rbac.authorization.k8s.io/v1",
    "customresourcedefinitions": "apis/apiextensions.k8s.io/v1",
    "validatingwebhookconfigurations": "apis/admissionregistration.k8s.io/v1",
    "mutatingwebhookconfigurations": "apis/admissionregistration.k8s.io/v1",
    "apiservices": "apis/apiregistration.k8s.io/v1",
    "leases": "apis/coordination.k8s.io/v1",
    "endpointslices": "apis/discovery.k8s.io/v1",
}


class KubeError(Exception):
    """A request failed; ``status`` is the HTTP status (0 when the server was unreachable)."""

    def __init__(self, status: int, message: str):
        self.status = status
        super().__init__(f"{status}: {message}" if status else message)


def path_for(resource: str, namespace: str | None = None, name: str | None = None,
             base: str | None = None) -> str:
    """REST path for a resource, e.g. ``path_for("pods", "ns", "p")``."""
    base = base or ("api/v1" if resource in _CORE else _GROUP[resource])
    parts = [base]
    if namespace:
        parts += ["namespaces", namespace]
    parts.append(resource)
    if name:
        parts.append(name)
    return "/" + "/".join(parts)


@dataclass(frozen=True)
class Credentials:
    """Server URL plus PEM file paths for TLS client auth."""

    server: str
    ca: Path
    cert: Path
    key: Path

    def kubeconfig_dict(self, token: str | None = None, cluster: str = "stackplan-sandbox") -> dict[str, Any]:
        """A kubeconfig naming the certificate files (nothing secret inline): admin certificate, or `token`."""
        user: dict[str, Any] = {"token": token} if token else {"client-certificate": str(self.cert),
                                                                "client-key": str(self.key)}
        return {"apiVersion": "v1", "kind": "Config", "current-context": cluster,
                "clusters": [{"name": cluster, "cluster": {"server": self.server,
                                                           "certificate-authority": str(self.ca)}}],
                "users": [{"name": f"{cluster}-user", "user": user}],
                "contexts": [{"name": cluster, "context": {"cluster": cluster, "user": f"{cluster}-user"}}]}

    def kubeconfig(self, cluster: str = "stackplan-sandbox") -> str:
        """An admin kubeconfig with the certificate data inlined."""
        def b64(p: Path) -> str:
            return base64.b64encode(p.read_bytes()).decode()

        return (
            "apiVersion: v1\nkind: Config\n"
            f"clusters:\n- name: {cluster}\n  cluster:\n    server: {self.server}\n"
            f"    certificate-authority-data: {b64(self.ca)}\n"
            f"users:\n- name: {cluster}-admin\n  user:\n"
            f"    client-certificate-data: {b64(self.cert)}\n    client-key-data: {b64(self.key)}\n"
            f"contexts:\n- name: {cluster}\n  context:\n    cluster: {cluster}\n    user: {cluster}-admin\n"
            f"current-context: {cluster}\n"
        )


class Kube:
    """Synchronous JSON client. Raises KubeError on non-2xx answers (status 0: no answer)."""

    def __init__(self, creds: Credentials, timeout: float = 30.0, token: str | None = None):
        self.creds = creds  # a token client presents the token only, never the admin certificate
        self._api = ApiSession(creds.kubeconfig_dict(token), timeout=timeout)

    def close(self) -> None:
        self._api.close()

    def __enter__(self) -> Kube:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(self, method: str, path: str, body: Any = None, params: dict | None = None,
                content_type: str = "application/json") -> Any:
        try:
            r = self._api.request(method, path, params=params, json=body,
                                  headers={"Content-Type": content_type} if body is not None else None)
        except (ApiTimeout, ApiConnectionError) as exc:
            raise KubeError(0, f"{method} {path}: {exc}") from exc
        if r.status_code >= 300:
            try:
                msg = r.json().get("message", r.text)
            except ValueError:
                msg = r.text
            raise KubeError(r.status_code, msg)
        return r.json() if r.content and "json" in r.headers.get("content-type", "") else r.text

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params or None)

    def create(self, path: str, body: dict) -> dict:
        return self.request("POST", path, body)

    def delete(self, path: str, missing_ok: bool = True) -> None:
        try:
            self.request("DELETE", path)
        except KubeError as exc:
            if not (missing_ok and exc.status == 404):
                raise

    def merge_patch(self, path: str, body: dict) -> dict:
        return self.request("PATCH", path, body, content_type="application/merge-patch+json")

    def items(self, path: str, **params: Any) -> list[dict]:
        return self.get(path, **params).get("items", [])


def write_kubeconfig(creds: Credentials, path: Path) -> Path:
    """Write an admin kubeconfig atomically (mode 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False) as f:
        f.write(creds.kubeconfig())
    Path(f.name).chmod(0o600)
    Path(f.name).replace(path)
    return path
