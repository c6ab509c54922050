"""The plan's custom resources in `stackplan apply`, and the repair of releases whose CRDs or workloads are gone.

Custom resources (Kueue queues and flavors, the Volcano queue, KubeAI Models, KServe InferenceServices) come
from the same pure builders as the Pulumi program (`planner.desired.objects.plan_objects`), stamped with stackplan's
labels and digests, and are applied with `kubectl apply --server-side --field-manager stackplan` as soon as
the wave of the last release they wait for (their CRD's and their operator's) is done. Each object is one row
of the progress and the summary, named `<Kind>/<namespace>/<name>`.

Secrets are never created here: an InferenceService of an `hf://` model reads HF_TOKEN from Secret
`stackplan-huggingface` in the workload namespace, which must exist (a missing one fails its rows, naming it).

A release Helm reports as up to date is still re-applied when a CRD it ships (`Release.crds`) or a workload
the chart renders (`Release.workloads`, not optional, `createdBy: chart`) is missing; an operator's objects are
the operator's to re-create, so they never make apply upgrade the release again. CRDs of the chart's crds/
folder (which Helm installs only on first install) are applied first, read from the chart through pyhelm3 and
applied with kubectl server-side — the chart may render objects of those kinds, which `helm upgrade` would reject — then
`helm upgrade` re-creates template-rendered objects.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Collection, Mapping
from typing import Any, Protocol

from planner.desired.labels import identity_labels
from planner.desired.namespaces import namespace_specs
from planner.desired.objects import HF_SECRET, HF_SECRET_KEY, CustomObject, plan_objects
from planner.engine.charts import ChartTarget
from planner.engine.state import ReleaseState, StepError
from planner.model import Plan, Release

FIELD_MANAGER = "stackplan"
_WORKLOAD_KINDS = ("Deployment", "DaemonSet", "StatefulSet")  # Jobs: Helm deletes hook Jobs once done

Record = Callable[..., None]  # _Run.record(row, wave, state, detail, started=None)


def objects(plan: Plan) -> list[CustomObject]:
    """The objects `stackplan apply` creates beyond releases: the plan's, as the Pulumi program creates them."""
    return plan_objects(plan)


def row(obj: CustomObject) -> str:
    return f"{obj.kind}/{obj.namespace}/{obj.name}" if obj.namespace else f"{obj.kind}/{obj.name}"


def wave_of(plan: Plan, obj: CustomObject) -> int:
    """The 1-based wave after which `obj` can be applied: the latest wave of the releases it waits for."""
    where = {rid: i for i, wave in enumerate(plan.waves, start=1) for rid in wave}
    return max((where[rid] for rid in obj.after if rid in where), default=len(plan.waves))


def by_wave(plan: Plan) -> dict[int, list[CustomObject]]:
    out: dict[int, list[CustomObject]] = {}
    for obj in objects(plan):
        out.setdefault(wave_of(plan, obj), []).append(obj)
    return out


def manifest(plan: Plan, obj: CustomObject) -> dict[str, Any]:
    """The object with stackplan's labels, its operator release's values digest and its own spec digest."""
    return obj.manifest(plan.releases[obj.owner].values_digest)


def secret_refs(obj: CustomObject, *, optional: bool = False) -> list[tuple[str, str, str]]:
    """(namespace, Secret, key) an object reads through secretKeyRef: the required ones, or with `optional` the
    optional ones (InferenceServices' HF_TOKEN, needed only by gated models)."""
    refs = []
    env = (((obj.spec.get("predictor") or {}).get("model") or {}).get("env") or []) if obj.kind == \
        "InferenceService" else []
    for e in env:
        ref = (e.get("valueFrom") or {}).get("secretKeyRef") or {}
        if ref.get("name") and bool(ref.get("optional")) == optional:
            refs.append((obj.namespace or "", str(ref["name"]), str(ref.get("key", ""))))
    return refs


def progress_rows(plan: Plan) -> dict[str, int]:
    """Row -> wave, for the live progress table."""
    return {row(o): w for w, objs in by_wave(plan).items() for o in objs}


def describe(plan: Plan) -> list[str]:
    """`apply --dry-run` lines: which custom resources would be applied after which wave."""
    if not objects(plan):
        return []
    lines = ["custom resources (planner/desired/objects.py), each batch once its wave is ready:"]
    for w, objs in sorted(by_wave(plan).items()):
        lines.append(f"after wave {w}: kubectl apply --server-side --field-manager {FIELD_MANAGER} -f - "
                     f"({len(objs)} custom resource(s), labels {MANAGED_LABELS})")
        for o in objs:
            lines.append(f"    {row(o)} ({o.api_version}; waits for {', '.join(o.after)})")
            lines += [f"      needs Secret {ns}/{name} (key {key}) to exist: apply does not create it"
                      for ns, name, key in secret_refs(o)]
            lines += [f"      reads Secret {ns}/{name} (key {key}) if it exists (gated models need it): apply does "
                      "not create it" for ns, name, key in secret_refs(o, optional=True)]
    return lines


MANAGED_LABELS = ",".join(f"{k}=<release>" if k.endswith("/release") else f"{k}={v}"
                          for k, v in identity_labels("<release>").items())


class ClusterObjects(Protocol):
    """What apply needs beyond helm: server-side apply of objects and a few existence checks."""

    async def ensure_namespace(self, name: str, labels: Mapping[str, str], manager: str) -> None: ...

    async def apply_objects(self, docs: list[dict[str, Any]], timeout: str) -> None: ...

    async def missing(self, release: Release) -> list[str]:
        """`CustomResourceDefinition/<name>` / `<Kind>/<ns>/<name>` of the release's CRDs and workloads not found."""
        ...

    async def missing_secrets(self, refs: list[tuple[str, str, str]]) -> list[str]: ...

    async def restore_crds(self, release: Release, target: ChartTarget, timeout: str) -> list[str]:
        """Apply the release's missing CRDs that are in the chart's crds/ folder (before `helm upgrade`, which
        re-creates template-rendered ones but not these); returns the names applied."""
        ...


class KubectlObjects:
    """ClusterObjects over the engine's KubectlRunner (kubectl) and its helm runner (a chart's crds/ folder)."""

    def __init__(self, kube: Any, helm: Any) -> None:
        self.kube = kube
        self.helm = helm

    async def ensure_namespace(self, name: str, labels: Mapping[str, str], manager: str) -> None:
        await self.kube.ensure_namespace(name, labels, manager)

    async def apply_objects(self, docs: list[dict[str, Any]], timeout: str) -> None:
        from planner.engine.duration import seconds

        body = json.dumps({"apiVersion": "v1", "kind": "List", "items": docs})
        # --force-conflicts: stackplan owns the fields it sets; an edit by hand is drift that apply undoes
        await self.kube.run(["apply", "--server-side", "--force-conflicts", f"--field-manager={FIELD_MANAGER}",
                             "-f", "-"], stdin=body, limit=seconds(timeout) + 60)

    async def _names(self, args: list[str]) -> set[str]:
        out = await self.kube.run(["get", *args, "--ignore-not-found", "-o", "name"], limit=120)
        return {line.strip() for line in out.splitlines() if line.strip()}

    async def missing(self, release: Release) -> list[str]:
        gone: list[str] = []
        if release.crds:
            found = await self._names(["crd", *release.crds])
            gone += [f"CustomResourceDefinition/{n}" for n in release.crds
                     if f"customresourcedefinition.apiextensions.k8s.io/{n}" not in found]
        by_ns: dict[str, list[tuple[str, str]]] = {}
        for w in release.workloads:
            # only what the chart renders: `helm upgrade` cannot re-create an operator's objects (no upgrade loop)
            if w.kind in _WORKLOAD_KINDS and not w.optional and w.chart_renders:
                by_ns.setdefault(w.namespace or release.namespace, []).append((w.kind, w.name))
        for ns, items in sorted(by_ns.items()):
            found = await self._names([f"{kind.lower()}/{name}" for kind, name in items] + ["-n", ns])
            gone += [f"{kind}/{ns}/{name}" for kind, name in items
                     if f"{kind.lower()}.apps/{name}" not in found]
        return gone

    async def missing_secrets(self, refs: list[tuple[str, str, str]]) -> list[str]:
        gone = []
        for ns, name, key in sorted(set(refs)):
            if not await self._names([f"secret/{name}", "-n", ns]):  # `-o name` prints no Secret data
                gone.append(f"Secret {ns}/{name} (key {key})")
        return gone

    async def chart_crds(self, target: ChartTarget) -> list[dict[str, Any]]:
        """The CRDs in the chart's crds/ folder (through pyhelm3: `PyHelmRunner.chart_crds`); template-rendered
        ones come back with upgrade."""
        if self.helm is None or not hasattr(self.helm, "chart_crds"):
            raise StepError("helm is needed to read the chart's CRDs")
        return await self.helm.chart_crds(target)

    async def restore_crds(self, release: Release, target: ChartTarget, timeout: str) -> list[str]:
        gone = {m.split("/", 1)[1] for m in await self.missing(release) if m.startswith("CustomResourceDefinition/")}
        if not gone:
            return []
        docs = [d for d in await self.chart_crds(target) if (d.get("metadata") or {}).get("name") in gone]
        if not docs:
            return []
        await self.apply_objects(docs, timeout)
        names = sorted(d["metadata"]["name"] for d in docs)
        await self.kube.wait_established(names, timeout)
        return names


def cluster_objects(kube: Any, helm: Any = None) -> ClusterObjects | None:
    """The ClusterObjects for apply's kube runner: the real one for kubectl, the runner itself for fakes that
    implement the protocol, else None (no kubectl: custom resources cannot be applied)."""
    if kube is None:
        return None
    if hasattr(kube, "apply_objects"):
        return kube
    if hasattr(kube, "run") and hasattr(kube, "wait_established"):  # KubectlRunner, or a wrapper forwarding to it
        return KubectlObjects(kube, helm)
    return None


class ResourceStep:
    """The custom-resource rows of one apply run (used by `planner.engine.apply._Run`)."""

    def __init__(self, plan: Plan, client: ClusterObjects | None, record: Record, timeout: str) -> None:
        self.plan = plan
        self.client = client
        self.record = record
        self.timeout = timeout
        self.waves = by_wave(plan)

    def rows(self, wave: int) -> list[str]:
        return [row(o) for o in self.waves.get(wave, [])]

    def pending(self) -> None:
        for w, objs in self.waves.items():
            for o in objs:
                self.record(row(o), w, ReleaseState.PENDING, "")

    def not_started(self, after_wave: int, reason: str) -> None:
        for w, objs in self.waves.items():
            if w >= after_wave:
                for o in objs:
                    self.record(row(o), w, ReleaseState.PENDING, f"not started: {reason}")

    async def gaps(self, release: Release) -> list[str]:
        """What of an up-to-date release is missing in the cluster (nothing is known without kubectl)."""
        if self.client is None or not (release.crds or release.workloads):
            return []
        return await self.client.missing(release)

    async def restore_crds(self, release: Release, target: ChartTarget) -> str:
        if self.client is None or not release.crds:
            return ""
        names = await self.client.restore_crds(release, target, self.timeout)
        return f"; CRD(s) {', '.join(names)} applied from the chart's crds/" if names else ""

    async def apply(self, wave: int, only: Collection[str] | None = None) -> list[str]:
        """Apply the objects due after `wave` (with `only`: those of these rows, whatever their wave); returns the
        rows that failed."""
        objs = self.waves.get(wave, []) if only is None else [o for o in objects(self.plan) if row(o) in only]
        if not objs:
            return []
        started = time.monotonic()
        rows = [row(o) for o in objs]
        if self.client is None:
            for r in rows:
                self.record(r, wave, ReleaseState.FAILED, "kubectl is needed to apply custom resources", started)
            return rows
        for r in rows:
            self.record(r, wave, ReleaseState.INSTALLING, f"kubectl apply --server-side --field-manager "
                        f"{FIELD_MANAGER}")
        try:
            specs = {s.name: s for s in namespace_specs(self.plan, [(o.namespace, o.owner) for o in objs
                                                                     if o.namespace])}
            for ns in sorted({o.namespace for o in objs if o.namespace} - set(self.plan.namespaces())):
                if ns in specs:  # the same labels as the Pulumi program's Namespace (planner/desired/namespaces.py)
                    await self.client.ensure_namespace(ns, specs[ns].labels, FIELD_MANAGER)
            await self.client.apply_objects([manifest(self.plan, o) for o in objs], self.timeout)
            lacking = await self.client.missing_secrets([ref for o in objs for opt in (False, True)
                                                         for ref in secret_refs(o, optional=opt)])
        except StepError as e:
            for r in rows:
                self.record(r, wave, ReleaseState.FAILED, e.message, started)
            return rows
        failed = []
        def absent(o: CustomObject, optional: bool) -> list[str]:
            refs = secret_refs(o, optional=optional)
            return [s for s in lacking if any(s.startswith(f"Secret {ns}/{n} ") for ns, n, _ in refs)]

        for o in objs:
            need, gated = absent(o, False), absent(o, True)
            if gated and not need:  # e.g. HF_TOKEN: public models run without it, gated ones cannot download
                self.record(row(o), wave, ReleaseState.READY,
                            f"applied ({o.api_version}); {', '.join(gated)} not found: gated models need it, e.g. "
                            f"`kubectl create secret generic {HF_SECRET} -n {o.namespace} "
                            f"--from-literal={HF_SECRET_KEY}=<token>`", started)
            elif need:
                failed.append(row(o))
                self.record(row(o), wave, ReleaseState.FAILED,
                            f"applied, but {', '.join(need)} is missing: create it, e.g. `kubectl create secret "
                            f"generic {HF_SECRET} -n {o.namespace} --from-literal={HF_SECRET_KEY}=<token>`", started)
            else:
                self.record(row(o), wave, ReleaseState.READY, f"applied ({o.api_version})", started)
        return failed
