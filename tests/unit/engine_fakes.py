"""Fakes for the apply engine's edges (HelmRunner, KubeRunner) and hand-made plans."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field

from planner.engine.charts import ChartTarget, KustomizeTarget, Target
from planner.engine.runner import Deployed
from planner.engine.state import ReleaseState, StepError
from planner.model import Plan, Release, Source
from planner.values import digest


def release(rid: str, needs: tuple[str, ...] = (), *, ns: str = "apps", kind: str = "helm",
            version: str = "1.0.0", values: Mapping | None = None, labels: Mapping[str, str] | None = None) -> Release:
    values = dict(values or {"replicas": 1})
    chart = None if kind == "kustomize" else rid
    return Release(id=rid, component=rid, layer="test", source=Source(kind, "https://charts.example.invalid",
                   chart=chart), version=version, namespace=ns, needs=needs, values=values,
                   values_digest=digest(values), namespace_labels=dict(labels or {}))


def plan(*waves: tuple[Release, ...]) -> Plan:
    releases = {r.id: r for wave in waves for r in wave}
    return Plan(profile="test", kubernetes_version="1.35", cluster={}, choices={},
                waves=tuple(tuple(sorted(r.id for r in wave)) for wave in waves), releases=releases)


def targets(p: Plan) -> dict[str, Target]:
    out: dict[str, Target] = {}
    for r in p.releases.values():
        if r.source.kind == "kustomize":
            out[r.id] = KustomizeTarget(f"/manifests/{r.id}", local=True)
        else:
            out[r.id] = ChartTarget(r.id, repo=r.source.location, version=r.version)
    return out


@dataclass
class FakeCluster:
    """What the fakes have 'installed': release id -> Deployed, plus an event log with timestamps."""

    deployed: dict[str, Deployed] = field(default_factory=dict)
    events: list[tuple[str, str]] = field(default_factory=list)  # (event, release)
    running: int = 0
    max_running: int = 0


class FakeHelm:
    def __init__(self, cluster: FakeCluster, *, fail: Mapping[str, str] | None = None, delay: float = 0.02,
                 crash: set[str] | None = None) -> None:
        self.cluster = cluster
        self.fail = dict(fail or {})
        self.crash = crash or set()
        self.delay = delay
        self.upgrades: list[str] = []

    async def deployed(self, release: Release) -> Deployed | None:
        return self.cluster.deployed.get(release.id)

    async def upgrade(self, release: Release, target: ChartTarget, timeout: str, current: Deployed | None) -> str:
        c = self.cluster
        self.upgrades.append(release.id)
        c.events.append(("start", release.id))
        c.running += 1
        c.max_running = max(c.max_running, c.running)
        try:
            await asyncio.sleep(self.delay)
            if release.id in self.crash:
                raise RuntimeError("unexpected")
            if release.id in self.fail:
                c.deployed[release.id] = Deployed("failed", release.id, release.version, release.values_digest, 1)
                raise StepError(self.fail[release.id])
            rev = (current.revision + 1) if current else 1
            c.deployed[release.id] = Deployed("deployed", release.id, release.version, release.values_digest, rev)
            return "installed" if current is None else "upgraded"
        finally:
            c.running -= 1
            c.events.append(("end", release.id))


class FakeKube:
    def __init__(self, cluster: FakeCluster, *, fail_namespace: str | None = None) -> None:
        self.cluster = cluster
        self.namespaces: list[tuple[str, dict[str, str], str]] = []
        self.kustomized: list[str] = []
        self.fail_namespace = fail_namespace

    async def ensure_namespace(self, name: str, labels: Mapping[str, str], manager: str) -> None:
        self.cluster.events.append(("namespace", name))
        if name == self.fail_namespace:
            raise StepError("forbidden")
        self.namespaces.append((name, dict(labels), manager))

    async def apply_kustomize(self, release: Release, target: KustomizeTarget, timeout: str) -> str:
        self.kustomized.append(release.id)
        self.cluster.events.append(("kustomize", release.id))
        return "applied 3 objects"


class Recorder:
    def __init__(self) -> None:
        self.seen: list[tuple[str, ReleaseState]] = []

    def update(self, release: str, state: ReleaseState, detail: str = "") -> None:
        self.seen.append((release, state))
