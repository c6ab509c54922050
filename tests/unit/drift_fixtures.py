"""Hand-built plans, Helm release documents and live facts for the drift unit tests."""

from __future__ import annotations

from typing import Any

from planner.drift.helm_records import HelmRelease
from planner.model import Plan, Release, Source, Workload
from planner.values import digest


def release(rid: str, namespace: str = "ml", *, chart: str | None = None, version: str = "1.0.0",
            values: dict[str, Any] | None = None, crds: tuple[str, ...] = (), workloads: tuple[Workload, ...] = (),
            kind: str = "helm") -> Release:
    vals = values if values is not None else {"replicaCount": 1}
    src = (Source("kustomize", "github.com/x/y/env", ref=version) if kind == "kustomize"
           else Source("helm", "https://charts.example.invalid", chart=chart or rid))
    return Release(id=rid, component=rid, layer="test", source=src, version=version, namespace=namespace,
                   needs=(), values=vals, values_digest=digest(vals), crds=crds, workloads=workloads)


def plan(*releases: Release) -> Plan:
    return Plan(profile="test", kubernetes_version="1.35", cluster={}, choices={},
                waves=(tuple(sorted(r.id for r in releases)),), releases={r.id: r for r in releases})


def helm_doc(name: str, namespace: str = "ml", *, chart: str | None = None, version: str = "1.0.0",
             revision: int = 1, status: str = "deployed", config: dict[str, Any] | None = None,
             manifest: str = "") -> dict[str, Any]:
    """A release document with the JSON field names of helm/helm pkg/release/release.go (v3)."""
    return {
        "name": name,
        "namespace": namespace,
        "version": revision,
        "info": {"first_deployed": "2026-11-27T07:00:00Z", "last_deployed": "2026-11-27T07:00:00Z",
                 "deleted": "", "description": "Install complete" if status == "deployed" else f"status {status}",
                 "status": status, "notes": "NOTES"},
        "chart": {"metadata": {"name": chart or name, "version": version, "appVersion": "9.9.9",
                               "apiVersion": "v2"},
                  "lock": None, "templates": [{"name": "templates/x.yaml", "data": "a2luZDogWA=="}],
                  "values": {"defaultPassword": "chart-default-secret"}, "schema": None, "files": []},
        "config": config if config is not None else {"replicaCount": 1},
        "manifest": manifest or "---\napiVersion: v1\nkind: Secret\nstringData: {token: manifest-secret}\n",
    }


def rec(name: str, namespace: str = "ml", **kw: Any) -> HelmRelease:
    """A decoded record (what helm_records.decode_record returns)."""
    d = helm_doc(name, namespace, **kw)
    return HelmRelease(name=name, namespace=namespace, revision=d["version"], status=d["info"]["status"],
                       chart=d["chart"]["metadata"]["name"], chart_version=d["chart"]["metadata"]["version"],
                       description=d["info"]["description"], config=d["config"],
                       secret=f"sh.helm.release.v1.{name}.v{d['version']}")
