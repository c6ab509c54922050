"""verify-charts: render every release of a plan from a chart directory and compare it with the catalog.

`verify_plan` does the I/O (helm template through `HelmTemplate`); the comparisons are in `compare.py` and the
extraction in `manifest.py`, both pure. Kustomize releases are rendered with the real kustomize (`kubectl
kustomize`, planner/engine/kustomize_build.py) from a local directory, remote bases mapped to local copies of their
repositories, and compared the same way (they take no values: no values checks).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from planner.errors import StackplanError
from planner.mirror import runtime_fetches
from planner.model import JSON, Blueprint, Plan, Release
from planner.resolve import enabled_by_values, model_engines
from planner.values import merge, nested
from planner.verify import compare
from planner.verify.manifest import ImageRef, Rendered, analyse, docs_of


class KustomizeRenderer(Protocol):
    async def render(self, release_id: str, directory: str, mirror: str) -> list[Any]: ...


class Renderer(Protocol):
    async def render(self, release_id: str, chart_path: str, namespace: str, values: Mapping[str, Any],
                     kube_version: str, api_versions: Sequence[str] = ()) -> list[Any]: ...


@dataclass
class ReleaseResult:
    release: str
    chart: str
    version: str
    status: str  # holds | differs | not verified
    differences: list[compare.Difference] = field(default_factory=list)
    note: str = ""
    images: tuple[str, ...] = ()  # every image the (possibly mirrored) render references
    refs: tuple[ImageRef, ...] = ()  # the images of the render with the plan's values, and where they are
    mirrored_refs: tuple[ImageRef, ...] | None = None  # the same under the mirror's values

    def to_dict(self) -> dict[str, JSON]:
        return {"release": self.release, "chart": self.chart, "version": self.version, "result": self.status,
                "note": self.note, "differences": [d.to_dict() for d in self.differences],
                "images": list(self.images)}


def leaf_paths(values: Mapping[str, Any], prefix: str = "") -> list[str]:
    """Dotted paths of every leaf (scalars, lists and empty mappings are leaves)."""
    out: list[str] = []
    for k, v in values.items():
        path = f"{prefix}{k}"
        if isinstance(v, Mapping) and v:
            out.extend(leaf_paths(v, path + "."))
        else:
            out.append(path)
    return out


def _get(values: Mapping[str, Any], path: str) -> Any:
    node: Any = values
    for part in path.split("."):
        node = node[part]
    return node


def perturbed(value: Any) -> Any:
    """A different value of the same shape, to see whether any template reads the key."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 7
    if isinstance(value, str):
        return value + "-stackplan-probe" if value else "stackplan-probe"
    if isinstance(value, list):
        return [] if value else ["stackplan-probe"]
    if isinstance(value, Mapping):
        return {"stackplanProbe": "x"}
    return "stackplan-probe"


def _canonical(docs: Sequence[Any], skip: set[tuple[str, str]]) -> list[str]:
    out = []
    for d in docs_of(docs):
        meta = d.get("metadata") or {}
        if (str(d.get("kind")), str(meta.get("name"))) in skip:
            continue
        out.append(json.dumps(d, sort_keys=True, default=str))
    return sorted(out)


def _unstable(a: Sequence[Any], b: Sequence[Any]) -> set[tuple[str, str]]:
    """Objects that differ between two identical renders (random passwords, generated certificates)."""
    def keyed(docs: Sequence[Any]) -> dict[tuple[str, str], str]:
        return {(str(d.get("kind")), str((d.get("metadata") or {}).get("name"))): json.dumps(d, sort_keys=True,
                                                                                             default=str)
                for d in docs_of(docs)}

    ka, kb = keyed(a), keyed(b)
    return {k for k in set(ka) | set(kb) if ka.get(k) != kb.get(k)}


def api_versions_of(rendered: Rendered) -> list[str]:
    out = []
    for crd in rendered.crds.values():
        for v in crd.served:
            out += [f"{crd.group}/{v}", f"{crd.group}/{v}/{crd.kind}"]
    return out


def chart_keys(chart: Path) -> list[str]:
    """Top-level value keys a chart reads: its values.yaml keys and its dependencies' names (or aliases)."""
    from ruamel.yaml import YAML

    y = YAML(typ="safe")
    if not chart.is_dir():
        return []
    values = y.load((chart / "values.yaml").read_text(encoding="utf-8")) if (chart / "values.yaml").is_file() else {}
    meta = y.load((chart / "Chart.yaml").read_text(encoding="utf-8")) or {}
    deps = [str(d.get("alias") or d.get("name")) for d in meta.get("dependencies") or [] if isinstance(d, dict)]
    return sorted(set(values or {}) | set(deps))


class Verifier:
    def __init__(self, renderer: Renderer, chart_dir: Path, *, check_values: bool = True,
                 concurrency: int = 2, kustomizer: KustomizeRenderer | None = None,
                 kustomize_dir: Path | None = None) -> None:
        self.renderer = renderer
        self.chart_dir = chart_dir
        self.kustomizer = kustomizer  # None: no kustomize on this machine (kustomize releases not verified)
        self.kustomize_dir = kustomize_dir or chart_dir
        self.check_values = check_values
        self._sem = asyncio.Semaphore(concurrency)
        self.mirror_prefix: str | None = None  # mirror.images of the mirrored plan, when there is one
        self.crds: dict[str, Any] = {}  # every CRD the releases render, by name (for the schema check)

    async def _render(self, release: Release, chart: str, values: Mapping[str, Any], kube: str,
                      apis: Sequence[str]) -> list[Any]:
        async with self._sem:
            return await self.renderer.render(release.id, chart, release.namespace, values, kube, apis)

    async def unread(self, release: Release, chart: str, kube: str, apis: Sequence[str],
                     base: list[Any], probe_with: Mapping[str, Mapping[str, Any]] | None = None) -> list[str]:
        """Leaf paths of the release's values whose change changes nothing rendered.

        `probe_with` (the blueprint's `probeWith`): value path -> companion values set in both renders of that
        probe, for a value the chart reads only together with another one (KubeAI's secrets.huggingface.create
        matters only with a token, which stackplan never puts in values).
        """
        again = await self._render(release, chart, release.values, kube, apis)
        skip = _unstable(base, again)
        want = _canonical(base, skip)

        async def probe(path: str) -> str | None:
            values = merge(release.values, nested(path, perturbed(_get(release.values, path))))
            reference = want
            try:
                companions = (probe_with or {}).get(path)
                if companions:
                    for other, value in companions.items():
                        values = merge(values, nested(other, value))
                    with_companions = dict(release.values)
                    for other, value in companions.items():
                        with_companions = merge(with_companions, nested(other, value))
                    reference = _canonical(await self._render(release, chart, with_companions, kube, apis), skip)
                docs = await self._render(release, chart, values, kube, apis)
            except StackplanError:
                return None  # the chart rejects the value: it reads it
            return path if _canonical(docs, skip) == reference else None

        found = await asyncio.gather(*(probe(p) for p in leaf_paths(release.values)))
        return [p for p in found if p]

    async def release(self, plan: Plan, release: Release, bp: Blueprint, mirrored: Release | None,
                      apis: list[str], check_objects: Sequence[tuple[str, str, str]]) -> ReleaseResult:
        from planner.install import find_local_chart

        chart_name = bp.source.chart or bp.id
        result = ReleaseResult(release.id, chart_name if not release.how.kustomize else "(kustomize)",
                               release.version, "holds")
        if release.how.kustomize:  # the plan's decision (planner/install.py), as every consumer reads it
            return await self.kustomize_release(plan, release, bp, mirrored, check_objects, result)
        path = find_local_chart(str(self.chart_dir), chart_name, release.version, release.id)
        if path is None:
            result.status = "not verified"
            result.note = (f"no chart `{chart_name}` {release.version} in {self.chart_dir} (looked for <chart>/, "
                           f"<chart>-<version>.tgz, <release>/, <release>-<version>.tgz)")
            return result
        try:
            docs = await self._render(release, path, release.values, plan.kubernetes_version, apis)
        except StackplanError as e:
            result.status = "not verified"
            result.note = str(getattr(e, "message", e))
            return result
        rendered = analyse(docs)
        self.crds.update(rendered.crds)
        apis.extend(api_versions_of(rendered))
        _, listed = enabled_by_values(bp, release.values, model_engines(plan.models))
        per_model: list[tuple[str, str]] = []
        if bp.id == "vllm-stack":
            from planner.checks.vllm_stack import engine_deployments

            per_model = [("Deployment", n) for n in engine_deployments(release.id, release.values)]
        diffs = [*compare.workloads(release, rendered, bp.file, per_model), *compare.crds(release, rendered, bp.file),
                 *compare.webhooks(release, rendered, bp.file, bp.webhook_creators),
                 *compare.images(release, listed, rendered, bp.file),
                 *compare.objects(release, [(k, n) for c, k, n in check_objects if c == bp.id], rendered,
                                  "a health check")]
        diffs += compare.known_values(release, bp.known_values, chart_keys(Path(path)), bp.file)
        diffs += compare.runtime_fetches(release, rendered, runtime_fetches(bp, release.values), bp.file)
        result.images = rendered.image_names()
        result.refs = rendered.images
        if self.check_values:
            unread = await self.unread(release, path, plan.kubernetes_version, list(apis), docs, bp.probe_with)
            diffs += compare.unread_values(release, unread, bp.file)
        if mirrored is not None and self.mirror_prefix:
            try:
                mdocs = await self._render(mirrored, path, mirrored.values, plan.kubernetes_version, apis)
            except StackplanError as e:
                diffs.append(compare.Difference(release.id, "mirror", release.id, "the chart does not render with "
                                                f"the mirror's values: {getattr(e, 'message', e)}",
                                                f"{bp.file}: fix mirrorValues"))
            else:
                diffs += self._mirrored(result, mirrored, bp, analyse(mdocs))
        return _done(result, diffs)


    async def kustomize_release(self, plan: Plan, release: Release, bp: Blueprint, mirrored: Release | None,
                                check_objects: Sequence[tuple[str, str, str]], result: ReleaseResult) -> ReleaseResult:
        """A kustomize release: its manifests from a local directory (the mirror's `<release>/` folder, or the
        upstream target in a copy of its repository), remote bases mapped into the same directory."""
        from planner.engine.kustomize_build import KUSTOMIZE_HINT
        from planner.install import find_local_kustomization, local_kustomization_candidates

        how = release.how
        if how.local:  # mirror.kustomize or --chart-dir: the plan's own folder; its remote bases map beside it
            directory: str | None = how.location if Path(how.location).is_dir() else None
            mirror = Path(how.location).parent
            looked = [how.location]
        else:
            mirror = self.kustomize_dir
            directory = find_local_kustomization(str(mirror), release.id, how)
            looked = local_kustomization_candidates(str(mirror), release.id, how)
        if directory is None:
            result.status = "not verified"
            result.note = (f"no kustomization for {how.describe()} (looked in {', '.join(looked)}; copy the "
                           "repository at its ref there as <host>/<owner>/<repo>@<ref>/)")
            return result
        if self.kustomizer is None:
            result.status = "not verified"
            result.note = f"kustomize was not found: {KUSTOMIZE_HINT}"
            return result
        try:
            async with self._sem:
                docs = await self.kustomizer.render(release.id, directory, str(mirror))
        except StackplanError as e:
            result.status = "not verified"
            result.note = str(getattr(e, "message", e)) + (f" ({e.hint})" if getattr(e, "hint", None) else "")
            return result
        rendered = analyse(docs)
        self.crds.update(rendered.crds)
        _, listed = enabled_by_values(bp, release.values, model_engines(plan.models))
        diffs = [*compare.workloads(release, rendered, bp.file), *compare.crds(release, rendered, bp.file),
                 *compare.webhooks(release, rendered, bp.file, bp.webhook_creators),
                 *compare.images(release, listed, rendered, bp.file),
                 *compare.objects(release, [(k, n) for c, k, n in check_objects if c == bp.id], rendered,
                                  "a health check")]
        diffs += compare.runtime_fetches(release, rendered, runtime_fetches(bp, release.values), bp.file)
        result.images = rendered.image_names()
        result.refs = rendered.images
        if mirrored is not None and self.mirror_prefix:
            diffs += self._mirrored(result, mirrored, bp, analyse(mirror_kustomize_docs(docs, mirrored)))
        return _done(result, diffs)

    def _mirrored(self, result: ReleaseResult, mirrored: Release, bp: Blueprint, rendered: Any) -> list[Any]:
        """Differences of the release as rendered under the mirror; its images become the result's."""
        result.images = rendered.image_names()
        result.mirrored_refs = rendered.images
        return compare.mirrored(mirrored, self.mirror_prefix, rendered, bp.mirror_notes)


def _done(result: ReleaseResult, diffs: list[Any]) -> ReleaseResult:
    result.differences = diffs
    result.status = "differs" if diffs else "holds"
    return result


def mirror_kustomize_docs(docs: list[Any], mirrored: Release) -> list[Any]:
    """The manifests of a kustomize release as `apply` and the Pulumi program install them under the mirror: no
    values to set, the plan's `image_map` rewritten into them (planner.mirror.rewrite_images)."""
    from planner.mirror import rewrite_images

    return rewrite_images(docs, mirrored.image_map)


def schema_differences(plan: Plan, rendered_crds: Mapping[str, Any]) -> list[compare.Difference]:
    """The plan's custom resources (planner.desired.objects) validated against the rendered CRDs' schemas.

    Built-in kinds the plan creates (a ServiceAccount) have no CRD and are not custom resources: skipped.

    Each resource gives a `schema` difference per error, or an `unvalidated` one when no release rendered its CRD
    (the CRD comes from a kustomize release or a chart that could not be rendered).
    """
    from planner.desired.objects import plan_objects

    out = []
    for obj in plan_objects(plan):
        if obj.core:
            continue  # a built-in kind (the models' ServiceAccount): the API server's own schema, no CRD
        found = compare.crd_for(obj.kind, obj.api_version, rendered_crds)
        if found is None:
            out.append(compare.Difference(obj.owner, "unvalidated", f"{obj.kind}/{obj.name}",
                                          f"no rendered CRD serves {obj.api_version} {obj.kind}", ""))
            continue
        facts, version = found
        body = obj.manifest("sha256:0")
        for err in compare.schema_errors(body, facts.schemas[version]):
            out.append(compare.Difference(obj.owner, "schema", f"{obj.kind}/{obj.name}",
                                          f"rejected by {facts.name} {version}: {err}",
                                          "fix planner/desired/objects.py to follow the CRD"))
    return out


def wired(plan: Plan) -> Plan:
    """The plan with the values the Pulumi program adds (models' vLLM modelSpec entries, ...), no secrets."""
    import dataclasses

    from planner.emit.settings import EmitConfig
    from planner.emit.wiring import wiring

    extra = wiring(plan, EmitConfig())
    releases = {rid: dataclasses.replace(r, values=extra.values_for(rid, r.values)) for rid, r in plan.releases.items()}
    return dataclasses.replace(plan, releases=releases)


async def verify_plan(plan: Plan, mirrored: Plan | None, blueprints: Mapping[str, Blueprint], renderer: Renderer,
                      chart_dir: Path, *, check_values: bool = True,
                      check_objects: Sequence[tuple[str, str, str]] = (),
                      kustomizer: KustomizeRenderer | None = None,
                      kustomize_dir: Path | None = None) -> tuple[list[ReleaseResult], list[compare.Difference]]:
    """Every release of `plan` (wave by wave, so later releases see earlier CRDs' API versions)."""
    plan, mirrored = wired(plan), wired(mirrored) if mirrored is not None else None
    verifier = Verifier(renderer, chart_dir, check_values=check_values, kustomizer=kustomizer,
                        kustomize_dir=kustomize_dir)
    if mirrored is not None and mirrored.mirror:
        verifier.mirror_prefix = mirrored.mirror.images
    apis: list[str] = []
    results: list[ReleaseResult] = []
    for wave in plan.waves:
        rels = [plan.releases[r] for r in wave]
        results += await asyncio.gather(*(
            verifier.release(plan, r, blueprints[r.component],
                             mirrored.releases.get(r.id) if mirrored else None, apis, check_objects)
            for r in rels))
    if any(r.status != "not verified" for r in results):
        return results, schema_differences(plan, verifier.crds)
    return results, []
