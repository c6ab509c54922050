"""Pure: small summaries of Deployments/DaemonSets/StatefulSets and their field differences (DR010 uses them:
`planner/drift/workload_fields.py`).

A summary keeps, per container (`containers` and `initContainers`), the image, the env var names with their
literal values (a name `planner.secrets.hides` keeps only a sha256 of its value, shown as `***`; credentials
inside other values — URL userinfo, tokens — are masked when shown; `valueFrom` keeps only the source type),
and `resources.requests`/`.limits`; plus `spec.replicas`. Nothing else of the object is kept.

From a Helm manifest (`release.manifest`, helm/helm pkg/release/release.go), only documents whose top-level
`kind:` line says Deployment, DaemonSet or StatefulSet are YAML-parsed; every other document (Secrets and
ConfigMaps included) is skipped unparsed. Quantities are compared by value (`0.5` == `500m`, `1Gi` ==
`1024Mi`): the API server stores them in canonical form (k8s.io/apimachinery pkg/api/resource/quantity.go).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from planner.quantity import quantity  # shared with preflight (planner/quantity.py)
from planner.secrets import MASK, hides, redact_text

KINDS = ("Deployment", "DaemonSet", "StatefulSet")
HPA_UNREAD = "HorizontalPodAutoscaler"  # the reader's label of the HPA LIST
_DOC_SPLIT = re.compile(r"(?m)^---[ \t]*(?:#.*)?$")
_TOP_KIND = re.compile(r"(?m)^kind:[ \t]*[\"']?([A-Za-z0-9]+)[\"']?[ \t]*(?:#.*)?$")
_MAX_DOC = 1024 * 1024  # a workload document larger than this is not parsed (counted as unparsed)
_MAX_SHOWN = 80


@dataclass(frozen=True, slots=True)
class EnvVar:
    name: str
    value: str  # the literal value, or `sha256:<hex>` of it when `hidden`; "" for valueFrom
    source: str = ""  # "" literal, else secretKeyRef | configMapKeyRef | fieldRef | resourceFieldRef
    hidden: bool = False  # the name says it may hold a credential (planner.secrets.hides): only a digest is kept

    def show(self) -> str:
        if self.source:
            return f"(from {self.source})"
        if self.hidden:
            return MASK
        return _clip(json.dumps(redact_text(self.value, marker=MASK), ensure_ascii=False))


@dataclass(frozen=True, slots=True)
class Container:
    name: str
    image: str
    env: tuple[EnvVar, ...] = ()
    resources: tuple[tuple[str, str], ...] = ()  # ("limits.cpu", "500m"), sorted
    init: bool = False

    def path(self) -> str:
        return f"spec.template.spec.{'initContainers' if self.init else 'containers'}[{self.name}]"


@dataclass(frozen=True, slots=True)
class WorkloadSpec:
    """What DR010 compares of one workload. `replicas` is None when the object does not set it (a DaemonSet,
    or a chart leaving replicas to the API default or an autoscaler)."""

    kind: str
    namespace: str
    name: str
    replicas: int | None = None
    containers: tuple[Container, ...] = ()

    @property
    def key(self) -> tuple[str, str, str]:
        return self.kind, self.namespace, self.name

    def ref(self) -> str:
        return f"{self.kind}/{self.namespace}/{self.name}"


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"


def _sha(value: str) -> str:
    return "sha256:" + hashlib.sha256(value.encode()).hexdigest()


def _env(entries: Any) -> tuple[EnvVar, ...]:
    out: dict[str, EnvVar] = {}  # the last entry of a repeated name wins, as in the kubelet
    for e in entries if isinstance(entries, list) else ():
        if not isinstance(e, Mapping) or not e.get("name"):
            continue
        name = str(e["name"])
        ref = e.get("valueFrom")
        if isinstance(ref, Mapping) and ref:
            out[name] = EnvVar(name, "", source=",".join(sorted(str(k) for k in ref)))
            continue
        value = e.get("value")
        text = "" if value is None else value if isinstance(value, str) else json.dumps(value)
        hidden = bool(text) and hides(name, text)
        out[name] = EnvVar(name, _sha(text) if hidden else text, hidden=hidden)
    return tuple(sorted(out.values(), key=lambda v: v.name))


def _resources(res: Any) -> tuple[tuple[str, str], ...]:
    out = []
    for group in ("requests", "limits"):
        items = res.get(group) if isinstance(res, Mapping) else None
        for name, q in (items or {}).items() if isinstance(items, Mapping) else ():
            out.append((f"{group}.{name}", str(q)))
    return tuple(sorted(out))


def _containers(pod: Mapping[str, Any]) -> tuple[Container, ...]:
    out = []
    for field, init in (("initContainers", True), ("containers", False)):
        for c in pod.get(field) or ():
            if isinstance(c, Mapping):
                out.append(Container(str(c.get("name") or ""), str(c.get("image") or ""), _env(c.get("env")),
                                     _resources(c.get("resources")), init))
    return tuple(out)


def summarize_workload(obj: Mapping[str, Any], kind: str | None = None,
                       default_namespace: str = "") -> WorkloadSpec | None:
    """A workload object (a manifest document or a live object) -> WorkloadSpec; None if it is not one."""
    kind = kind or str(obj.get("kind") or "")
    meta = obj.get("metadata")
    spec = obj.get("spec")
    if kind not in KINDS or not isinstance(meta, Mapping) or not isinstance(spec, Mapping):
        return None
    replicas = spec.get("replicas") if kind != "DaemonSet" else None
    if not isinstance(replicas, int) or isinstance(replicas, bool):
        replicas = None
    template = spec.get("template") or {}
    pod = template.get("spec") if isinstance(template, Mapping) else None
    return WorkloadSpec(kind, str(meta.get("namespace") or default_namespace), str(meta.get("name") or ""),
                        replicas, _containers(pod if isinstance(pod, Mapping) else {}))


@dataclass(frozen=True, slots=True)
class ManifestWorkloads:
    workloads: tuple[WorkloadSpec, ...] = ()
    unparsed: int = 0  # workload documents that could not be parsed


def _yaml_loader() -> tuple[Callable[[str], Any], tuple[type[Exception], ...]]:
    """PyYAML's libyaml SafeLoader (declared in pyproject; YAML 1.1 like the
    sigs.k8s.io/yaml that reads manifests into the API, and ~50x faster than a pure-Python parser), else
    ruamel.yaml's safe loader."""
    try:
        import yaml

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        return (lambda text: yaml.load(text, Loader=loader)), (yaml.YAMLError,)  # a safe loader
    except ImportError:  # pragma: no cover - depends on the environment
        from ruamel.yaml import YAML
        from ruamel.yaml.error import YAMLError

        return YAML(typ="safe", pure=True).load, (YAMLError,)


def workloads_from_manifest(manifest: Any, namespace: str) -> ManifestWorkloads:
    """The workloads of a rendered Helm manifest. Only workload documents are parsed (see the module doc)."""
    if not isinstance(manifest, str) or not manifest:
        return ManifestWorkloads()
    load, errors = _yaml_loader()
    found: list[WorkloadSpec] = []
    unparsed = 0
    for doc in _DOC_SPLIT.split(manifest):
        kinds = set(_TOP_KIND.findall(doc))
        if len(kinds) != 1 or not kinds <= set(KINDS):
            continue  # not a workload (or ambiguous): never parsed
        try:
            if len(doc) > _MAX_DOC:
                raise ValueError("too large")
            obj = load(doc)
        except (*errors, ValueError):
            unparsed += 1
            continue
        spec = summarize_workload(obj, None, namespace) if isinstance(obj, Mapping) else None
        if spec is None:
            unparsed += 1
        else:
            found.append(spec)
    return ManifestWorkloads(tuple(found), unparsed)


def _same_quantity(a: str, b: str) -> bool:
    qa, qb = quantity(a), quantity(b)
    return qa == qb if qa is not None and qb is not None else a == b


# --- the comparison
@dataclass(frozen=True, slots=True)
class FieldChange:
    ref: str  # Deployment/ns/name
    path: str  # spec.template.spec.containers[web].image
    release: str
    live: str

    def __str__(self) -> str:
        return f"{self.ref} {self.path}: release {self.release}, live {self.live}"


def _escape(key: str) -> str:
    return key.replace(".", "\\.")


NOT_SET = "(not set)"


def _diff_container(ref: str, rel: Container, live: Container) -> Iterable[FieldChange]:
    base = rel.path()
    if rel.image != live.image:
        yield FieldChange(ref, f"{base}.image", _clip(rel.image), _clip(live.image))
    rel_env, live_env = {e.name: e for e in rel.env}, {e.name: e for e in live.env}
    for name in sorted(set(rel_env) | set(live_env)):
        a, b = rel_env.get(name), live_env.get(name)
        if a is None or b is None or (a.value, a.source, a.hidden) != (b.value, b.source, b.hidden):
            yield FieldChange(ref, f"{base}.env.{_escape(name)}", a.show() if a else NOT_SET,
                              b.show() if b else NOT_SET)
    rel_res, live_res = dict(rel.resources), dict(live.resources)
    for key in sorted(set(rel_res) | set(live_res)):
        a, b = rel_res.get(key), live_res.get(key)
        if a is None or b is None or not _same_quantity(a, b):
            group, _, name = key.partition(".")
            yield FieldChange(ref, f"{base}.resources.{group}.{_escape(name)}", a or NOT_SET, b or NOT_SET)


def diff_workload(rel: WorkloadSpec, live: WorkloadSpec, *, autoscaled: bool) -> list[FieldChange]:
    """Differing fields of one workload. `replicas` only when the release sets it and no HPA targets it."""
    ref = rel.ref()
    out: list[FieldChange] = []
    if rel.replicas is not None and not autoscaled and live.replicas != rel.replicas:
        out.append(FieldChange(ref, "spec.replicas", str(rel.replicas),
                               NOT_SET if live.replicas is None else str(live.replicas)))
    rel_c = {(c.init, c.name): c for c in rel.containers}
    live_c = {(c.init, c.name): c for c in live.containers}
    for key in sorted(set(rel_c) | set(live_c), key=lambda k: (not k[0], k[1])):
        a, b = rel_c.get(key), live_c.get(key)
        if a and b:
            out += _diff_container(ref, a, b)
        else:
            c = a or b
            assert c is not None
            out.append(FieldChange(ref, c.path(), "present" if a else NOT_SET, "present" if b else NOT_SET))
    return out
