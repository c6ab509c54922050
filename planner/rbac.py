"""The RBAC objects `stackplan check` and `stackplan drift` need, generated from the Kind catalog.

`check` reads, cluster-wide, exactly the kinds in `planner.kinds.CATALOG` (a test keeps that equal to
what the registered checks read): verbs get/list/watch, never Secrets. `drift` additionally reads Helm's
release records — Secrets of type helm.sh/release.v1 — in the plan's namespaces only: a namespaced Role
per namespace. (RBAC cannot restrict by Secret type; the reader asks only for that type with a field
selector, see planner/cluster.py.)

`check` also reads the status of the plan's Helm releases (HC090) from the labels of Helm's release Secrets,
listed as metadata only (PartialObjectMetadataList). Kubernetes RBAC cannot grant "metadata only": `list` on
Secrets lets a client that asks for full objects read their data too. So that grant is as narrow as RBAC
allows — verb `list` alone (no get, no watch), Secrets only, one Role per plan namespace, no ClusterRole — and
the reader never asks for anything but metadata (planner/cluster.py `list_metadata`, tested).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from planner.kinds import (
    CATALOG,
    CONFORMANCE_EXTRA_KINDS,
    DRIFT_EXTRA_KINDS,
    HELM_RELEASE_SECRETS,
    OPS_EXTRA_KINDS,
    PREFLIGHT_EXTRA_KINDS,
    Kind,
)

CHECK_ROLE = "stackplan-check"
DRIFT_ROLE = "stackplan-drift-release-records"
DRIFT_CLUSTER_ROLE = "stackplan-drift"
CONFORMANCE_ROLE = "stackplan-conformance"
RELEASE_STATUS_ROLE = "stackplan-secret-metadata"
OPS_ROLE = "stackplan-ops"
READ_VERBS = ["get", "list", "watch"]
LABELS = {"app.kubernetes.io/name": "stackplan", "app.kubernetes.io/component": "rbac"}


@dataclass(frozen=True)
class RbacSubject:
    """Who gets the roles: kind ServiceAccount (with namespace), User or Group."""

    kind: str
    name: str
    namespace: str | None = None

    @classmethod
    def parse(cls, text: str) -> RbacSubject:
        """`serviceaccount:NS:NAME`, `user:NAME` or `group:NAME`; ValueError otherwise."""
        parts = text.split(":")
        kind = parts[0].lower()
        if kind == "serviceaccount" and len(parts) == 3 and all(parts[1:]):
            return cls("ServiceAccount", parts[2], parts[1])
        if kind in ("user", "group") and len(parts) == 2 and parts[1]:
            return cls(kind.capitalize(), parts[1])
        raise ValueError(f"`{text}` is not serviceaccount:NAMESPACE:NAME, user:NAME or group:NAME")

    def to_dict(self) -> dict[str, Any]:
        if self.kind == "ServiceAccount":
            return {"kind": "ServiceAccount", "name": self.name, "namespace": self.namespace}
        return {"kind": self.kind, "name": self.name, "apiGroup": "rbac.authorization.k8s.io"}


def read_rules(kinds: Iterable[Kind] = CATALOG + PREFLIGHT_EXTRA_KINDS) -> list[dict[str, Any]]:
    """One rule per API group, resources sorted; get/list/watch only."""
    by_group: dict[str, set[str]] = defaultdict(set)
    for k in kinds:
        if k.plural == "secrets":
            raise ValueError("the check role must never grant Secrets")
        by_group[k.group].add(k.plural)
    return [{"apiGroups": [g], "resources": sorted(r), "verbs": list(READ_VERBS)} for g, r in sorted(by_group.items())]


def _meta(name: str, namespace: str | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "labels": dict(LABELS)}
    if namespace:
        meta["namespace"] = namespace
    return meta


def check_documents(subject: RbacSubject | None) -> list[dict[str, Any]]:
    """The ClusterRole for `check` (plus the ServiceAccount and ClusterRoleBinding when a subject is given)."""
    docs: list[dict[str, Any]] = [{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                                   "metadata": _meta(CHECK_ROLE), "rules": read_rules()}]
    if subject is None:
        return docs
    if subject.kind == "ServiceAccount":
        sa = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta(subject.name, subject.namespace)}
        docs.insert(0, sa)
    docs.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                 "metadata": _meta(CHECK_ROLE),
                 "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": CHECK_ROLE},
                 "subjects": [subject.to_dict()]})
    return docs


def conformance_documents(subject: RbacSubject | None) -> list[dict[str, Any]]:
    """A ClusterRole for what `conformance --cluster` reads beyond check's (GatewayClasses, the Prometheus
    Operator's objects, HPAs); with a subject, its binding."""
    docs: list[dict[str, Any]] = [{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                                   "metadata": _meta(CONFORMANCE_ROLE), "rules": read_rules(CONFORMANCE_EXTRA_KINDS)}]
    if subject is not None:
        docs.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                     "metadata": _meta(CONFORMANCE_ROLE),
                     "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                 "name": CONFORMANCE_ROLE},
                     "subjects": [subject.to_dict()]})
    return docs


def release_status_documents(namespaces: Iterable[str], subject: RbacSubject | None) -> list[dict[str, Any]]:
    """Per plan namespace, a Role allowing only `list` on Secrets (HC090 lists Helm's records as metadata only;
    RBAC cannot narrow it further), and with a subject its RoleBinding."""
    docs: list[dict[str, Any]] = []
    for ns in sorted(set(namespaces)):
        docs.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                     "metadata": _meta(RELEASE_STATUS_ROLE, ns),
                     "rules": [{"apiGroups": [HELM_RELEASE_SECRETS.group], "resources": ["secrets"],
                                "verbs": ["list"]}]})
        if subject is not None:
            docs.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                         "metadata": _meta(RELEASE_STATUS_ROLE, ns),
                         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                                     "name": RELEASE_STATUS_ROLE},
                         "subjects": [subject.to_dict()]})
    return docs


def drift_documents(namespaces: Iterable[str], subject: RbacSubject | None) -> list[dict[str, Any]]:
    """A ClusterRole for what drift reads beyond check's (HorizontalPodAutoscalers), then per namespace a Role
    allowing get/list on Secrets (Helm's release records); with a subject, their bindings."""
    docs: list[dict[str, Any]] = [{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                                   "metadata": _meta(DRIFT_CLUSTER_ROLE), "rules": read_rules(DRIFT_EXTRA_KINDS)}]
    if subject is not None:
        docs.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                     "metadata": _meta(DRIFT_CLUSTER_ROLE),
                     "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                 "name": DRIFT_CLUSTER_ROLE},
                     "subjects": [subject.to_dict()]})
    for ns in sorted(set(namespaces)):
        docs.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": _meta(DRIFT_ROLE, ns),
                     "rules": [{"apiGroups": [HELM_RELEASE_SECRETS.group], "resources": ["secrets"],
                                "verbs": ["get", "list"]}]})
        if subject is not None:
            docs.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                         "metadata": _meta(DRIFT_ROLE, ns),
                         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": DRIFT_ROLE},
                         "subjects": [subject.to_dict()]})
    return docs


def _binding(kind: str, name: str, subject: RbacSubject, namespace: str | None = None) -> dict[str, Any]:
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": f"{kind}Binding", "metadata": _meta(name, namespace),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": name},
            "subjects": [subject.to_dict()]}


def ops_documents(subject: RbacSubject | None, prometheus: tuple[str, str] | None) -> list[dict[str, Any]]:
    """What the ops tools (`status`, `mcp`, `ask`) read beyond check's ClusterRole: a ClusterRole for RayJobs and
    Argo Workflows, and, given (namespace, `service:port`), a Role allowing `get` on that one Service's proxy
    (Prometheus, for DCGM utilisation) — never Secrets, never another Service."""
    docs: list[dict[str, Any]] = [{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                                   "metadata": _meta(OPS_ROLE), "rules": read_rules(OPS_EXTRA_KINDS)}]
    if subject is not None:
        docs.append(_binding("ClusterRole", OPS_ROLE, subject))
    if prometheus is not None:
        namespace, proxy_name = prometheus
        docs.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": _meta(OPS_ROLE,
                                                                                                    namespace),
                     "rules": [{"apiGroups": [""], "resources": ["services/proxy"], "resourceNames": [proxy_name],
                                "verbs": ["get"]}]})
        if subject is not None:
            docs.append(_binding("Role", OPS_ROLE, subject, namespace))
    return docs


def to_yaml(docs: list[dict[str, Any]], header: str = "") -> str:
    import io

    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    buf = io.StringIO()
    yaml.dump_all(docs, buf)
    body = buf.getvalue()
    if not body.startswith("---"):
        body = "---\n" + body
    return header + body
