"""Compare one release's catalog facts with what its real chart renders. Pure.

Each difference names the release, what differs, the catalog's claim and the chart's truth, and what to fix.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from planner.mirror import mirror_image
from planner.model import JSON, Release
from planner.verify.manifest import CrdFacts, ImageRef, Rendered


@dataclass(frozen=True)
class Difference:
    release: str
    topic: str  # workload | crd | webhook | image | mirror | value | object | schema
    subject: str
    message: str
    fix: str = ""

    def to_dict(self) -> dict[str, JSON]:
        return {"release": self.release, "topic": self.topic, "subject": self.subject, "message": self.message,
                "fix": self.fix}


def _ns_ok(rendered_ns: str | None, expected: str) -> bool:
    return rendered_ns is None or rendered_ns == expected


def workloads(release: Release, rendered: Rendered, file: str,
              per_model: Sequence[tuple[str, str]] = ()) -> list[Difference]:
    """`per_model`: workloads the chart renders for the plan's models (not in the blueprint, checks find them)."""
    out: list[Difference] = []
    declared = {(w.kind, w.name) for w in release.workloads} | set(per_model)
    have = {(k, n) for k, n, *_ in rendered.workloads}
    out += [Difference(release.id, "workload", f"{k}/{n}", "the plan's models should render it, the chart does not",
                       "fix the model values the Pulumi program wires (planner/emit/wiring.py)")
            for k, n in per_model if (k, n) not in have]
    for w in release.workloads:
        got = rendered.workload(w.kind, w.name)
        subject = f"{w.kind}/{w.name}"
        expected_ns = w.namespace or release.namespace
        if w.created_by == "operator":
            if got is not None:
                out.append(Difference(release.id, "workload", subject,
                                      "the blueprint says the operator creates it, but the chart renders it",
                                      f"{file}: drop `createdBy: operator` from {subject}"))
            continue
        if got is None:
            if w.created_by == "hook":
                out.append(Difference(release.id, "workload", subject, "declared as a Helm hook; the chart renders "
                                      "no such hook", f"{file}: fix or remove {subject}"))
            elif not w.optional:
                out.append(Difference(release.id, "workload", subject, "declared, but the chart does not render it",
                                      f"{file}: rename it as the chart names it, mark it `createdBy: operator` "
                                      "if an operator creates it at run time, or give it `enabledBy`"))
            continue
        _, _, ns, hook, replicas = got
        if not _ns_ok(ns, expected_ns):
            out.append(Difference(release.id, "workload", subject,
                                  f"rendered in namespace {ns}, the blueprint expects {expected_ns}",
                                  f"{file}: set `namespace: {ns}` on {subject}"))
        if hook and w.created_by != "hook":
            out.append(Difference(release.id, "workload", subject, "the chart renders it as a Helm hook",
                                  f"{file}: mark {subject} `createdBy: hook`"))
        if replicas == 0 and w.replicas != 0:
            out.append(Difference(release.id, "workload", subject,
                                  "the chart renders it with replicas: 0 (a placeholder, never Available)",
                                  f"{file}: mark {subject} `replicas: 0` so checks do not call it scaled down"))
        elif w.replicas is not None and replicas != w.replicas:
            out.append(Difference(release.id, "workload", subject,
                                  f"the chart renders replicas: {replicas}, the blueprint says {w.replicas}",
                                  f"{file}: fix replicas on {subject}"))
    for kind, name, _ns, hook, _replicas in rendered.workloads:
        if (kind, name) not in declared and not hook:
            out.append(Difference(release.id, "workload", f"{kind}/{name}",
                                  "the chart renders it, the blueprint does not declare it",
                                  f"{file}: add {{kind: {kind}, name: {name}}} to workloads"))
    return out


def crds(release: Release, rendered: Rendered, file: str) -> list[Difference]:
    out: list[Difference] = []
    for name in release.crds:
        if name not in rendered.crds:
            out.append(Difference(release.id, "crd", name, "declared, but the chart does not render it",
                                  f"{file}: remove it from crds, or vendor the chart's crds/"))
    for name in sorted(set(rendered.crds) - set(release.crds)):
        out.append(Difference(release.id, "crd", name, "the chart renders it, the blueprint does not list it",
                              f"{file}: add it to crds"))
    for name, want in sorted(release.crd_versions.items()):
        got = rendered.crds.get(name)
        if got is None:
            continue
        if want.get("storage") and want["storage"] != got.storage:
            out.append(Difference(release.id, "crd", name,
                                  f"storage version {got.storage}, the blueprint says {want['storage']}",
                                  f"{file}: crdVersions.{name}.storage: {got.storage}"))
        served = want.get("served")
        if served and sorted(served) != sorted(got.served):  # type: ignore[arg-type]
            out.append(Difference(release.id, "crd", name,
                                  f"served versions {', '.join(got.served)}, the blueprint says {', '.join(served)}",
                                  f"{file}: crdVersions.{name}.served: [{', '.join(got.served)}]"))
    return out


def webhooks(release: Release, rendered: Rendered, file: str,
             creators: Mapping[str, str] | None = None) -> list[Difference]:
    """`creators`: the blueprint's `createdBy` of each webhook configuration (an operator's is not rendered)."""
    out: list[Difference] = []
    got = set(rendered.webhooks)
    for name in release.webhooks:
        if (creators or {}).get(name) == "operator":
            if name in got:
                out.append(Difference(release.id, "webhook", name, "the blueprint says the component creates it at "
                                      "run time, but the manifests render it", f"{file}: drop `createdBy: operator`"))
            continue
        if name not in got:
            out.append(Difference(release.id, "webhook", name, "declared, but the chart renders no such webhook",
                                  f"{file}: fix webhooks"))
    for name in sorted(got - set(release.webhooks)):
        out.append(Difference(release.id, "webhook", name, "the chart renders it, the blueprint does not list it",
                              f"{file}: add it to webhooks"))
    return out


def _where(refs: Iterable[ImageRef], image: str) -> str:
    places = sorted({r.where for r in refs if r.image == image})
    return places[0] + (f" (+{len(places) - 1} more)" if len(places) > 1 else "")


def images(release: Release, listed: Sequence[str], rendered: Rendered, file: str) -> list[Difference]:
    """`listed`: the upstream images the catalog lists for the release under its values."""
    out: list[Difference] = []
    got = set(rendered.image_names())
    for image in sorted(got - set(listed)):
        out.append(Difference(release.id, "image", image,
                              f"rendered ({_where(rendered.images, image)}), missing from `stackplan images`",
                              f"{file}: add it to images"))
    for image in sorted(set(listed) - got):
        out.append(Difference(release.id, "image", image, "listed by `stackplan images`, the chart never renders it",
                              f"{file}: remove it, fix its tag, or give it `enabledBy`"))
    return out


def mirrored(release: Release, prefix: str, rendered: Rendered,
             notes: Mapping[str, str] | None = None) -> list[Difference]:
    """Every image of the release's render under the mirror's values must live under the mirror prefix, or be
    one the blueprint's mirrorNotes say how to set (`stackplan images` prints those)."""
    out: list[Difference] = []
    base = prefix.rstrip("/") + "/"
    for image in rendered.image_names():
        if not image.startswith(base) and image not in (notes or {}):
            out.append(Difference(release.id, "mirror", image,
                                  f"stays upstream under mirror.images ({_where(rendered.images, image)})",
                                  f"pull it from {mirror_image(image, prefix)}: add its value path to the "
                                  "blueprint's mirrorValues, or set it in the stack file's component values"))
    return out


def objects(release: Release, expected: Iterable[tuple[str, str]], rendered: Rendered, why: str) -> list[Difference]:
    """Objects a check or drift reads by name (kind, name) that the chart must render."""
    have = {(k, n) for k, n, _ns in rendered.objects}
    return [Difference(release.id, "object", f"{kind}/{name}", f"{why} reads it, the chart does not render it",
                       f"rename it in {why} as the chart names it")
            for kind, name in expected if (kind, name) not in have]


def unread_values(release: Release, paths: Sequence[str], file: str) -> list[Difference]:
    return [Difference(release.id, "value", path,
                       "stackplan sets it, but changing it changes nothing the chart renders (no template reads it)",
                       f"{file}: drop it or set the key the chart reads") for path in paths]


def known_values(release: Release, known: Sequence[str], chart_keys: Sequence[str], file: str) -> list[Difference]:
    """`knownValues` against the chart's top-level value keys (values.yaml keys and subchart names/aliases)."""
    if not known:
        return []
    out = [Difference(release.id, "value", key, "a top-level key of the chart that knownValues lacks, so "
                      "stackplan refuses a legitimate override", f"{file}: add it to knownValues")
           for key in sorted(set(chart_keys) - set(known) - {"global"})]
    out += [Difference(release.id, "value", key, "in knownValues, but not a top-level key of the chart",
                       f"{file}: remove it from knownValues") for key in sorted(set(known) - set(chart_keys))]
    return out


def crd_for(kind: str, api_version: str, crds: Mapping[str, CrdFacts]) -> tuple[CrdFacts, str] | None:
    group, _, version = api_version.rpartition("/")
    for facts in crds.values():
        if facts.kind == kind and facts.group == group and version in facts.schemas:
            return facts, version
    return None


def schema_errors(obj: Mapping[str, Any], schema: Mapping[str, Any]) -> list[str]:
    """jsonschema errors of a custom resource against a CRD's openAPIV3Schema (Kubernetes extensions ignored)."""
    import jsonschema

    schema = dict(_strip_k8s(schema))
    props = schema.get("properties")
    if isinstance(props, dict):  # apiVersion, kind and metadata are always allowed at the root
        schema["properties"] = {"apiVersion": {}, "kind": {}, "metadata": {}, **props}
    validator = jsonschema.Draft7Validator(schema)
    return sorted(f"{'.'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
                  for e in validator.iter_errors(obj))


def _strip_k8s(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _strip_k8s(v) for k, v in node.items() if not str(k).startswith("x-kubernetes-")}
        if node.get("x-kubernetes-int-or-string"):
            out.pop("type", None)
        if node.get("x-kubernetes-preserve-unknown-fields"):
            out.pop("additionalProperties", None)
        elif "properties" in node and "additionalProperties" not in node:
            out["additionalProperties"] = False  # the API server drops (strict: rejects) unknown fields
        return out
    if isinstance(node, list):
        return [_strip_k8s(v) for v in node]
    return node


def runtime_fetches(release: Release, rendered: Rendered, declared: Sequence[Mapping[str, str]],
                    file: str) -> list[Difference]:
    """Containers that fetch from the internet at run time against the blueprint's `runtimeFetches`."""
    listed = {f["object"] for f in declared}
    found = {obj for obj, _ in rendered.fetches}
    out = [Difference(release.id, "fetch", obj, f"runs `{cmd}` at run time (fetches from the internet, which an "
                      "air-gapped cluster cannot serve); the blueprint does not say so",
                      f"{file}: add it to runtimeFetches with how to avoid it")
           for obj, cmd in sorted(set(rendered.fetches)) if obj not in listed]
    out += [Difference(release.id, "fetch", obj, "listed in runtimeFetches, but no rendered container runs it",
                       f"{file}: remove it from runtimeFetches, or give it enabledBy")
            for obj in sorted(listed - found)]
    return out
