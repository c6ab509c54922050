"""Install a Plan wave by wave; the releases of one wave run in parallel (asyncio).

A release already deployed with the same chart, version and values digest is skipped (unless a CRD or
workload it ships is missing: then it is re-applied), so re-running after a failure continues where it
stopped. The plan's custom resources are applied after the wave of the releases they wait for
(`planner.engine.resources`). A failed release lets its wave finish, then stops: later
waves are not started and stay `pending`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Collection, Mapping

from planner.engine.charts import ChartTarget, KustomizeTarget, Target
from planner.engine.resources import ResourceStep, cluster_objects
from planner.engine.runner import FIELD_MANAGER, Deployed, HelmRunner, KubeRunner, Observer
from planner.engine.state import ApplyResult, ReleaseOutcome, ReleaseState, StepError, trim_error
from planner.model import Plan, Release


class _NullObserver:
    def update(self, release: str, state: ReleaseState, detail: str = "") -> None:
        pass


def up_to_date(release: Release, current: Deployed | None) -> bool:
    """True when Helm already has this release deployed with the plan's chart, version and values."""
    if current is None or current.status != "deployed":
        return False
    if release.source.chart and current.chart not in (release.source.chart, release.id):
        return False
    return current.version == release.version and current.values_digest == release.values_digest


class _Run:
    def __init__(self, plan: Plan, targets: Mapping[str, Target], helm: HelmRunner | None, kube: KubeRunner | None,
                 timeout: str, observer: Observer, parallel: int) -> None:
        self.plan = plan
        self.targets = targets
        self.helm = helm
        self.kube = kube
        self.timeout = timeout
        self.observer = observer
        self.limit = asyncio.Semaphore(max(1, parallel))
        self.outcomes: dict[str, ReleaseOutcome] = {}
        self.resources = ResourceStep(plan, cluster_objects(kube, helm), self.record, timeout)  # custom resources

    def record(self, rid: str, wave: int, state: ReleaseState, detail: str, started: float | None = None) -> None:
        seconds = time.monotonic() - started if started is not None else 0.0
        self.outcomes[rid] = ReleaseOutcome(rid, wave, state, detail, round(seconds, 2))
        self.observer.update(rid, state, detail)

    async def namespaces(self, wave_no: int, wave: tuple[str, ...]) -> set[str]:
        """Ensure each release's namespace exists with its labels; returns the releases that cannot proceed.

        The labels are the namespace's `namespaceLabels` in planner/desired/namespaces.py (as the Pulumi program
        sets them: every release's, least restrictive Pod Security level), without stackplan's identity labels:
        a kustomize release's own Namespace object carries those, with its release id. Each release applies
        them with its own field manager, so no release removes what another set.
        """
        from planner.desired.labels import identity_labels
        from planner.desired.namespaces import namespace_specs

        blocked: set[str] = set()
        identity = set(identity_labels(""))
        specs = {s.name: {k: v for k, v in s.labels.items() if k not in identity} for s in namespace_specs(self.plan)}

        async def ensure(rid: str) -> None:
            rel = self.plan.releases[rid]
            if self.kube is None:
                if rel.namespace_labels:
                    self.record(rid, wave_no, ReleaseState.FAILED,
                                f"namespace {rel.namespace} needs labels {dict(rel.namespace_labels)}, "
                                "which needs kubectl")
                    blocked.add(rid)
                return  # helm --create-namespace makes unlabelled namespaces
            try:
                labels = specs.get(rel.namespace, rel.namespace_labels)  # system namespaces: never labelled by us
                await self.kube.ensure_namespace(rel.namespace, labels, f"{FIELD_MANAGER}-{rid}")
            except StepError as e:
                self.record(rid, wave_no, ReleaseState.FAILED, f"namespace {rel.namespace}: {e.message}")
                blocked.add(rid)

        await asyncio.gather(*(ensure(rid) for rid in wave))
        return blocked

    async def one(self, wave_no: int, rid: str) -> None:
        release = self.plan.releases[rid]
        target = self.targets[rid]
        async with self.limit:
            started = time.monotonic()
            self.record(rid, wave_no, ReleaseState.INSTALLING, target.describe())
            try:
                if isinstance(target, ChartTarget):
                    if self.helm is None:
                        raise StepError("no helm runner")
                    current = await self.helm.deployed(release)
                    gaps = await self.resources.gaps(release) if up_to_date(release, current) else None
                    if current is not None and gaps == []:
                        self.record(rid, wave_no, ReleaseState.SKIPPED,
                                    f"up to date (revision {current.revision})", started)
                        return
                    # CRDs of the chart's crds/ folder first: helm never re-creates them, and the chart may render
                    # objects of those kinds
                    restored = await self.resources.restore_crds(release, target) if gaps else ""
                    detail = await self.helm.upgrade(release, target, self.timeout, current)
                    if gaps:
                        detail = f"re-applied, missing {', '.join(gaps)}: {detail}{restored}"
                elif isinstance(target, KustomizeTarget):
                    if self.kube is None:
                        raise StepError("kubectl is needed for kustomize releases")
                    detail = await self.kube.apply_kustomize(release, target, self.timeout)
                else:  # pragma: no cover - Target is a closed union
                    raise StepError(f"unknown target {target!r}")
            except StepError as e:
                self.record(rid, wave_no, ReleaseState.FAILED, e.message, started)
                return
            except Exception as e:  # a bug or an unexpected tool failure must not abort the other releases
                self.record(rid, wave_no, ReleaseState.FAILED, f"{type(e).__name__}: {trim_error(str(e))}", started)
                return
            self.record(rid, wave_no, ReleaseState.READY, detail, started)

    async def run(self) -> ApplyResult:
        waves = self.plan.waves
        for i, wave in enumerate(waves, start=1):
            for rid in wave:
                self.record(rid, i, ReleaseState.PENDING, "")
        self.resources.pending()
        for i, wave in enumerate(waves, start=1):
            blocked = await self.namespaces(i, wave)
            await asyncio.gather(*(self.one(i, rid) for rid in wave if rid not in blocked))
            failed = [rid for rid in wave if self.outcomes[rid].state is ReleaseState.FAILED]
            failed = failed or await self.resources.apply(i)
            if failed:
                self.resources.not_started(i if failed[0] in wave else i + 1, f"wave {i} failed")
                for later_no, later in enumerate(waves[i:], start=i + 1):
                    for rid in later:
                        self.record(rid, later_no, ReleaseState.PENDING,
                                    f"not started: wave {i} failed ({', '.join(failed)})")
                return self.result(i, failed_wave=i)
        return self.result(len(waves))

    def result(self, waves_run: int, failed_wave: int | None = None) -> ApplyResult:
        order = [rid for i, wave in enumerate(self.plan.waves, start=1) for rid in (*wave, *self.resources.rows(i))]
        return ApplyResult(tuple(self.outcomes[rid] for rid in order), waves_run, len(self.plan.waves), failed_wave)


async def apply_release(plan: Plan, rid: str, targets: Mapping[str, Target], *, helm: HelmRunner | None,
                        kube: KubeRunner | None, timeout: str = "10m", observer: Observer | None = None,
                        objects: Collection[str] = ()) -> ApplyResult:
    """One release of `plan` through the same steps as `apply_plan` (its namespace, CRDs of a chart's crds/ folder
    that are missing, `helm upgrade --install --wait` or kustomize; skipped when already at its pin and values),
    then the plan's custom resources named in `objects` (rows `Kind/namespace/name`). Nothing else of the plan is
    touched: `stackplan upgrade --apply` moves a stack one release at a time, in its own order."""
    run = _Run(plan, targets, helm, kube, timeout, observer or _NullObserver(), 1)
    wave = next(i for i, w in enumerate(plan.waves, start=1) if rid in w)
    run.record(rid, wave, ReleaseState.PENDING, "")
    rows = [r for w in sorted(run.resources.waves) for r in run.resources.rows(w) if r in set(objects)]
    for r in rows:
        run.record(r, wave, ReleaseState.PENDING, "")
    if not await run.namespaces(wave, (rid,)):
        await run.one(wave, rid)
    failed = run.outcomes[rid].state is ReleaseState.FAILED
    if rows and not failed:
        failed = bool(await run.resources.apply(wave, only=rows))
    elif rows:
        for r in rows:
            run.record(r, wave, ReleaseState.PENDING, f"not started: {rid} failed")
    outcomes = tuple(run.outcomes[r] for r in (rid, *rows))
    return ApplyResult(outcomes, 1, 1, wave if failed else None)


async def apply_plan(plan: Plan, targets: Mapping[str, Target], *, helm: HelmRunner | None,
                     kube: KubeRunner | None, timeout: str = "10m", observer: Observer | None = None,
                     parallel: int = 8) -> ApplyResult:
    """Install `plan` (targets from `charts.resolve_targets`); never raises for a release's failure."""
    return await _Run(plan, targets, helm, kube, timeout, observer or _NullObserver(), parallel).run()
