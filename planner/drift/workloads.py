"""Pure: small summaries of Deployments/DaemonSets/StatefulSets, and DR010 (live fields vs the Helm release manifest).

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
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Protocol

from planner.report import Outcome, Severity

if TYPE_CHECKING:
    from planner.drift.live import LiveFacts
    from planner.model import Release

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


# --- quantities (k8s.io/apimachinery pkg/api/resource/quantity.go suffixes)
_QUANTITY = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$")
_SUFFIX = {"Ki": Fraction(2**10), "Mi": Fraction(2**20), "Gi": Fraction(2**30), "Ti": Fraction(2**40),
           "Pi": Fraction(2**50), "Ei": Fraction(2**60), "n": Fraction(1, 10**9), "u": Fraction(1, 10**6),
           "m": Fraction(1, 1000), "": Fraction(1), "k": Fraction(10**3), "M": Fraction(10**6),
           "G": Fraction(10**9), "T": Fraction(10**12), "P": Fraction(10**15), "E": Fraction(10**18)}


def quantity(text: str) -> Fraction | None:
    """`500m` -> 1/2, `1Gi` -> 1073741824, `1e3` -> 1000; None if it is not a Kubernetes quantity."""
    m = _QUANTITY.match(text.strip())
    if not m:
        return None
    suffix = m[2] or ""
    scale = Fraction(10) ** int(suffix[1:]) if suffix[:1] in ("e", "E") and len(suffix) > 1 else _SUFFIX[suffix]
    return Fraction(m[1]) * scale


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


# --- DR010 findings (called from compare.py with its `_Findings.add`)
class AddFinding(Protocol):
    def __call__(self, check_id: str, outcome: Outcome, message: str, *, severity: Severity = ...,
                 evidence: Iterable[str] = ..., remediation: str = ...) -> None: ...


def _autoscaled(live: LiveFacts, spec: WorkloadSpec) -> bool | None:
    if live.hpa_error:
        return None
    return (spec.namespace, spec.kind, spec.name) in live.autoscaled


def check_fields(r: Release, live: LiveFacts, add: AddFinding) -> None:
    """DR010 for one Helm release: each workload of the deployed revision's manifest against the live object.

    Blueprint-listed workloads that are missing are DR006's; other manifest workloads missing live are DR010's.
    Kustomize releases are checked for presence only (DR006): server-side apply keeps no copy of the applied
    values (`metadata.managedFields` names the owners of fields, not the values they applied).
    """
    rel = live.release(r.namespace, r.id) if not r.how.kustomize else None
    if rel is None or rel.status != "deployed" or not (rel.workloads or rel.unparsed_workloads):
        return
    kinds = sorted({w.kind for w in rel.workloads if w.kind in live.unread})
    if kinds:
        add("DR010", Outcome.UNKNOWN, f"could not list {', '.join(kinds)}: "
            f"{'; '.join(live.unread[k] for k in kinds)}",
            remediation="grant read access: `stackplan rbac | kubectl apply -f -`")
        return
    listed = {(w.kind, w.namespace or r.namespace, w.name) for w in r.workloads}
    changes: list[FieldChange] = []
    unsure: list[str] = []
    for spec in rel.workloads:
        obj = (live.workloads.get(spec.kind) or {}).get((spec.namespace, spec.name))
        if obj is None or obj.spec is None:
            if spec.key not in listed:
                changes.append(FieldChange(spec.ref(), "(object)", "present", "not found"))
            continue
        hpa = _autoscaled(live, spec)
        found = diff_workload(spec, obj.spec, autoscaled=bool(hpa))
        if hpa is None and any(c.path == "spec.replicas" for c in found):
            unsure += [f"{c}: HorizontalPodAutoscalers could not be read ({live.hpa_error}); an HPA "
                       "may own replicas" for c in found if c.path == "spec.replicas"]
            found = [c for c in found if c.path != "spec.replicas"]
        changes += found
    where = f"compared with the manifest of revision {rel.revision} (Secret {rel.namespace}/{rel.secret or rel.name})"
    notes = [where] + ([f"{rel.unparsed_workloads} workload document(s) of the manifest could not be parsed"]
                       if rel.unparsed_workloads else [])
    if changes:
        objs = sorted({c.ref.split("/", 1)[0] + "/" + c.ref.rsplit("/", 1)[-1] for c in changes})
        add("DR010", Outcome.FAILED, f"{len(changes)} workload field(s) differ from the release manifest in "
            + ", ".join(objs[:4]) + (" …" if len(objs) > 4 else ""),
            severity=Severity.MEDIUM, evidence=[*map(str, changes), *unsure, *notes],
            remediation=f"re-apply the release's manifest: `helm rollback {r.id} {rel.revision} -n {rel.namespace}` "
                        "(Helm 3's three-way merge restores the fields the chart sets; `stackplan apply` skips a "
                        "release whose chart and values are unchanged); undo additions by hand (e.g. "
                        "`kubectl set env <kind>/<name> NAME-`); to keep a change, set it through the chart's "
                        "values in stackplan.yaml")
    elif unsure:
        add("DR010", Outcome.UNKNOWN, "replicas differ from the release manifest, but autoscalers could not be read",
            evidence=[*unsure, *notes],
            remediation="grant list on horizontalpodautoscalers.autoscaling/v2, cluster-wide")
    else:
        add("DR010", Outcome.PASSED, f"{len(rel.workloads)} workload(s) match the release manifest", evidence=notes)
