"""The values stackplan passes around: blueprints, profiles, the user's stack, and the Plan.

All frozen. `Plan.to_dict()` is the stable JSON form (`stackplan plan --output json`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from planner.errors import Location
from planner.prerequisites import Prerequisite
from planner.record import Record, field

if TYPE_CHECKING:
    from planner.install import Install

JSON = Any  # a JSON-compatible value (dict/list/str/int/float/bool/None)
DEFAULT_WORKLOAD_NAMESPACE = "ml-workloads"  # the stack file's `workloadNamespace` when it has none


class Source(Record):
    """Where a release's manifests come from.

    kind: `helm` (repo URL + chart), `oci` (location is the full oci:// chart reference),
    `kustomize` (location is a kustomize URL, `ref` the git ref), or `local` (a directory holding
    `<chart>/` folders or `<chart>-<version>.tgz` archives, or for kustomize a directory of manifests).
    """

    kind: str
    location: str
    chart: str | None = None
    ref: str | None = None

    def to_dict(self) -> dict[str, JSON]:
        out: dict[str, JSON] = {"kind": self.kind, "location": self.location}
        if self.chart is not None:
            out["chart"] = self.chart
        if self.ref is not None:
            out["ref"] = self.ref
        return out


class Workload(Record):
    """A workload a component runs when healthy (used by checks and drift)."""

    kind: str  # Deployment | DaemonSet | StatefulSet | Job
    name: str
    namespace: str | None = None  # None: the release namespace
    optional: bool = False  # created only under some values; absence is not a failure
    created_by: str = "chart"  # chart | operator (its controller creates it at run time) | hook (a Helm hook)
    enabled_by: str | None = None  # a dotted value path; the workload exists only when that value is true
    replicas: int | None = None  # 0: the chart renders a placeholder scaled to zero on purpose (never Available)

    def to_dict(self) -> dict[str, JSON]:
        out: dict[str, JSON] = {"kind": self.kind, "name": self.name}
        if self.namespace:
            out["namespace"] = self.namespace
        if self.optional:
            out["optional"] = True
        if self.created_by != "chart":
            out["createdBy"] = self.created_by
        if self.enabled_by:
            out["enabledBy"] = self.enabled_by
        if self.replicas is not None:
            out["replicas"] = self.replicas
        return out

    @property
    def chart_renders(self) -> bool:
        """True when `helm template` renders it (neither an operator's nor a hook's object)."""
        return self.created_by == "chart"


class Rule(Record):
    """A knob: when every fact in `when` equals its value, `set` these dotted value paths."""

    when: Mapping[str, JSON]
    set: Mapping[str, JSON]
    note: str | None = None


class Render(Record):
    """The chart renders a `kind` (whose CRD `crd` another component may install) when its values match `when`."""

    when: Mapping[str, JSON]
    kind: str
    crd: str
    source: str


class Gate(Record):
    """Admission webhooks (failurePolicy Fail) that intercept `kinds` other releases create outside `exclude`."""

    webhooks: tuple[str, ...]
    kinds: tuple[str, ...]
    source: str
    exclude: tuple[str, ...] = ()  # namespaces; `$namespace` is the release's own
    when: Mapping[str, JSON] = field(default_factory=dict)


class Blueprint(Record):
    """One component of the catalog, as data (blueprints/<id>.yaml)."""

    id: str
    description: str
    layer: str
    source: Source
    version: str
    namespace: str
    needs: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()
    kube_min: str | None = None
    kube_max: str | None = None
    values: Mapping[str, JSON] = field(default_factory=dict)
    known_values: tuple[str, ...] = ()  # top-level chart value keys; empty = not checked
    rules: tuple[Rule, ...] = ()
    mirror_values: Mapping[str, str] = field(default_factory=dict)  # value path -> upstream image/registry
    namespace_labels: Mapping[str, str] = field(default_factory=dict)
    crds: tuple[str, ...] = ()
    crd_versions: Mapping[str, Mapping[str, JSON]] = field(default_factory=dict)  # name -> {storage, served}
    workloads: tuple[Workload, ...] = ()
    webhooks: tuple[str, ...] = ()
    renders: tuple[Render, ...] = ()
    admission: tuple[Gate, ...] = ()
    images: tuple[str, ...] = ()
    image_conditions: Mapping[str, str] = field(default_factory=dict)  # image -> value path that enables it
    mirror_notes: Mapping[str, str] = field(default_factory=dict)  # image no value rewrites -> how to set it
    runtime_fetches: tuple[Mapping[str, str], ...] = ()  # objects that fetch from the internet at run time
    webhook_conditions: Mapping[str, str] = field(default_factory=dict)  # webhook configuration -> enabling value
    webhook_creators: Mapping[str, str] = field(default_factory=dict)  # webhook configuration -> createdBy (operator)
    probe_with: Mapping[str, Mapping[str, JSON]] = field(default_factory=dict)  # verify-charts: value -> companions
    health: tuple[str, ...] = ()
    serves: tuple[str, ...] = ()  # model engines it serves (stack file `models:`)
    prerequisites: tuple[Mapping[str, JSON], ...] = ()  # what must exist before install (planner/prerequisites.py)
    sources: tuple[str, ...] = ()
    unconfirmed: tuple[str, ...] = ()
    file: str = ""
    upgrades: tuple[Mapping[str, JSON], ...] = ()  # upgrade facts as data (planner/upgrade/facts.py reads them)
    upgrades_unconfirmed: tuple[str, ...] = ()


class Option(Record):
    """One answer to a profile choice: the components it adds and values it sets."""

    name: str
    description: str
    components: tuple[str, ...] = ()
    values: Mapping[str, Mapping[str, JSON]] = field(default_factory=dict)


class Choice(Record):
    name: str
    description: str
    default: str
    options: Mapping[str, Option]


class Substitution(Record):
    """Replace component `replace` by `with_` when the facts in `when` hold (e.g. no GPUs)."""

    when: Mapping[str, JSON]
    replace: str
    with_: str
    note: str


class Profile(Record):
    """A use-case profile (stacks/<name>.yaml)."""

    name: str
    description: str
    components: tuple[str, ...]
    choices: Mapping[str, Choice]
    values: Mapping[str, Mapping[str, JSON]] = field(default_factory=dict)
    substitutions: tuple[Substitution, ...] = ()
    file: str = ""


class Catalog(Record):
    blueprints: Mapping[str, Blueprint]
    profiles: Mapping[str, Profile]


class Model(Record):
    """A model the stack serves (from the stack file's `models:`)."""

    name: str
    source: str
    engine: str = "vllm"
    gpus_per_replica: int = 1
    replicas: int = 1
    args: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, JSON]:
        return {
            "name": self.name,
            "source": self.source,
            "engine": self.engine,
            "gpusPerReplica": self.gpus_per_replica,
            "replicas": self.replicas,
            "args": list(self.args),
        }


class Mirror(Record):
    """Air-gapped installs: where charts, kustomize manifests and images come from instead."""

    charts: str | None = None  # oci://host/path | https://host/path | a local directory
    images: str | None = None  # registry prefix, e.g. registry.internal:5000/mirror
    kustomize: str | None = None  # a local directory holding <release id>/ folders

    def to_dict(self) -> dict[str, JSON]:
        return {k: v for k, v in (("charts", self.charts), ("images", self.images),
                                  ("kustomize", self.kustomize)) if v is not None}


class ComponentOverride(Record):
    enabled: bool | None = None
    values: Mapping[str, JSON] = field(default_factory=dict)


class StackSpec(Record):
    """The user's stackplan.yaml, validated. `origin` maps JSON pointers to file positions."""

    profile: str
    choices: Mapping[str, str] = field(default_factory=dict)
    cluster: Mapping[str, JSON] = field(default_factory=dict)
    components: Mapping[str, ComponentOverride] = field(default_factory=dict)
    models: tuple[Model, ...] = ()
    mirror: Mirror | None = None
    strict: bool = False
    workload_namespace: str | None = None  # None: DEFAULT_WORKLOAD_NAMESPACE
    origin: Origin | None = None


class Origin(Record):
    """A loaded file and the positions of its keys, for file:line:col errors."""

    file: str
    positions: Mapping[str, tuple[int, int]] = field(default_factory=dict)  # of each key (or list item)
    value_positions: Mapping[str, tuple[int, int]] = field(default_factory=dict)  # of each mapping value

    def locate(self, pointer: str, *, value: bool = False) -> Location:
        """The closest known position for a JSON pointer (walks up to the parent if needed).

        With `value`, a scalar's own position (for "wrong type" errors) rather than its key's.
        """
        if value and pointer in self.value_positions:
            line, col = self.value_positions[pointer]
            return Location(self.file, line, col, pointer)
        p = pointer
        while True:
            if p in self.positions:
                line, col = self.positions[p]
                return Location(self.file, line, col, pointer)
            if not p:
                return Location(self.file, None, None, pointer)
            p = p.rsplit("/", 1)[0]


class Note(Record):
    level: str  # info | warning
    message: str
    release: str | None = None

    def to_dict(self) -> dict[str, JSON]:
        out: dict[str, JSON] = {"level": self.level, "message": self.message}
        if self.release:
            out["release"] = self.release
        return out


class Release(Record):
    """One install step of the plan: a Helm release or a kustomize apply."""

    id: str
    component: str
    layer: str
    source: Source
    version: str
    namespace: str
    needs: tuple[str, ...]
    values: Mapping[str, JSON]
    values_digest: str
    namespace_labels: Mapping[str, str] = field(default_factory=dict)
    crds: tuple[str, ...] = ()
    crd_versions: Mapping[str, Mapping[str, JSON]] = field(default_factory=dict)
    workloads: tuple[Workload, ...] = ()
    webhooks: tuple[str, ...] = ()
    images: tuple[str, ...] = ()
    reason: str = ""  # why it is in the plan
    need_reasons: Mapping[str, str] = field(default_factory=dict)  # need -> why, for needs resolve added
    install: Install | None = None  # how it is installed (planner/install.py); resolve always sets it
    # kustomize releases under mirror.images: upstream image -> mirrored name, rewritten in the rendered manifests
    # (planner.mirror.rewrite_images), since kustomize sources take no values
    image_map: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.install is None:  # a Release built by hand (tests): the same decision, without reading the disk
            from planner.install import install_for

            object.__setattr__(self, "install", install_for(self.id, self.source, self.version, find=None))

    @property
    def how(self) -> Install:
        """`install`, typed as always set."""
        assert self.install is not None
        return self.install

    def to_dict(self) -> dict[str, JSON]:
        return {
            "id": self.id,
            "component": self.component,
            "layer": self.layer,
            "source": self.source.to_dict(),
            "install": self.how.to_dict(),
            "chart": self.source.chart,
            "version": self.version,
            "namespace": self.namespace,
            "namespaceLabels": dict(self.namespace_labels),
            "needs": list(self.needs),
            "needReasons": dict(sorted(self.need_reasons.items())),
            "reason": self.reason,
            "values": self.values,
            "valuesDigest": self.values_digest,
            "crds": list(self.crds),
            "crdVersions": {k: dict(v) for k, v in sorted(self.crd_versions.items())},
            "workloads": [w.to_dict() for w in self.workloads],
            "webhooks": list(self.webhooks),
            "images": list(self.images),
            **({"imageMap": dict(sorted(self.image_map.items()))} if self.image_map else {}),
        }


class Plan(Record):
    """The resolved stack: releases in waves (each wave's needs are all in earlier waves)."""

    profile: str
    kubernetes_version: str
    cluster: Mapping[str, JSON]
    choices: Mapping[str, str]
    waves: tuple[tuple[str, ...], ...]
    releases: Mapping[str, Release]
    models: tuple[Model, ...] = ()
    mirror: Mirror | None = None
    notes: tuple[Note, ...] = ()
    workload_namespace: str = DEFAULT_WORKLOAD_NAMESPACE  # LocalQueue `default`, InferenceServices, model Secrets
    prerequisites: tuple[Prerequisite, ...] = ()  # what must exist before install, in install order

    def ordered(self) -> Iterator[Release]:
        """Releases in install order (wave by wave, ids sorted within a wave)."""
        for wave in self.waves:
            for rid in wave:
                yield self.releases[rid]

    def reversed_waves(self) -> tuple[tuple[str, ...], ...]:
        """Waves in teardown order."""
        return tuple(reversed(self.waves))

    def namespaces(self) -> tuple[str, ...]:
        return tuple(sorted({r.namespace for r in self.releases.values()}))

    def to_dict(self) -> dict[str, JSON]:
        from planner.values import digest

        body: dict[str, JSON] = {
            "apiVersion": "stackplan.dev/v1alpha1",
            "kind": "Plan",
            "profile": self.profile,
            "kubernetesVersion": self.kubernetes_version,
            "cluster": self.cluster,
            "choices": dict(self.choices),
            "waves": [list(w) for w in self.waves],
            "releases": [r.to_dict() for r in self.ordered()],
            "models": [m.to_dict() for m in self.models],
            "mirror": self.mirror.to_dict() if self.mirror else None,
            "workloadNamespace": self.workload_namespace,
            "notes": [n.to_dict() for n in self.notes],
            "prerequisites": [p.to_dict() for p in self.prerequisites],
        }
        body["digest"] = digest(body)
        return body
