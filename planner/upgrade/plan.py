"""The upgrade planner (pure): what is installed + the plan + the blueprints' upgrade facts -> an ordered plan.

Order of the steps (docs/upgrade.md): back up; apply CRDs that `helm upgrade` would not (server-side,
from the new chart's crds/ folder), in release order; then each release in dependency order (the plan's
waves, plus `before`/`requires` facts), each followed by its storage-version migrations; dependents
come after what they need. A hazard either has a step in the plan that handles it (`handled`), is
something to read (`info`), or needs a person to decide (`decision`, exit 1).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from planner.drift.compare import kustomize_objects, stale_objects, values_current
from planner.drift.helm_records import HelmRelease
from planner.drift.live import LiveFacts
from planner.model import JSON, Plan, Release
from planner.upgrade.facts import UpgradeFact, compare

DECISION = "decision"  # needs a person: the plan is not safe to run as is
HANDLED = "handled"  # a step of the plan deals with it
INFO = "info"  # read it before upgrading

K8S_STORED_VERSIONS = ("https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/"
                       "custom-resource-definition-versioning/#upgrade-existing-objects-to-a-new-stored-version")


@dataclass(frozen=True)
class InstalledCrd:
    """A live CRD: the versions it serves, the one it stores, and every version objects were stored at."""

    name: str
    served: tuple[str, ...] = ()
    storage: str | None = None
    stored_versions: tuple[str, ...] = ()  # status.storedVersions


def summarize_crd(obj: Mapping[str, Any]) -> InstalledCrd:
    meta = obj.get("metadata") or {}
    versions = (obj.get("spec") or {}).get("versions") or []
    return InstalledCrd(
        name=str(meta.get("name") or ""),
        served=tuple(str(v.get("name")) for v in versions if v.get("served")),
        storage=next((str(v.get("name")) for v in versions if v.get("storage")), None),
        stored_versions=tuple(str(v) for v in (obj.get("status") or {}).get("storedVersions") or ()),
    )


@dataclass(frozen=True)
class Installed:
    """What the cluster runs: Helm's newest records, live CRDs, and what could not be read."""

    releases: Mapping[tuple[str, str], HelmRelease] = field(default_factory=dict)  # (namespace, name)
    record_errors: Mapping[tuple[str, str], str] = field(default_factory=dict)
    crds: Mapping[str, InstalledCrd] = field(default_factory=dict)
    unread: Mapping[str, str] = field(default_factory=dict)  # label -> reason
    kubernetes_version: str | None = None
    # kustomize releases (no Helm record): the CRDs and workloads stackplan labelled, read as drift reads them
    # (planner/drift/reader.py); None when they could not all be read
    stamped: LiveFacts | None = field(default_factory=LiveFacts)


@dataclass(frozen=True)
class Hazard:
    release: str
    severity: str  # decision | handled | info
    code: str
    message: str
    source: str

    def to_dict(self) -> dict[str, JSON]:
        return {"release": self.release, "severity": self.severity, "code": self.code,
                "message": self.message, "source": self.source}


@dataclass(frozen=True)
class Step:
    release: str
    action: str  # crds | adopt | upgrade | install | reapply | migrate (RELEASE_ACTIONS: a release via the engine)
    description: str
    crds: tuple[str, ...] = ()
    storage: str = ""  # migrate: the version objects are rewritten to
    objects: tuple[str, ...] = ()  # release steps: the plan's custom resources applied right after (Kind/ns/name)

    def to_dict(self) -> dict[str, JSON]:
        out: dict[str, JSON] = {"release": self.release, "action": self.action, "description": self.description}
        if self.crds:
            out["crds"] = list(self.crds)
        if self.storage:
            out["storage"] = self.storage
        if self.objects:
            out["objects"] = list(self.objects)
        return out


RELEASE_ACTIONS = ("upgrade", "install", "reapply")


@dataclass(frozen=True)
class ReleaseChange:
    release: str
    component: str
    namespace: str
    chart: str
    installed: str | None  # None: not installed
    target: str
    action: str  # upgrade | install | reconfigure (same version, other values) | unchanged | downgrade | reapply
    # (kustomize: no Helm record) | unknown

    def to_dict(self) -> dict[str, JSON]:
        return {"release": self.release, "component": self.component, "namespace": self.namespace,
                "chart": self.chart, "from": self.installed, "to": self.target, "action": self.action}


@dataclass(frozen=True)
class UpgradePlan:
    changes: tuple[ReleaseChange, ...]
    hazards: tuple[Hazard, ...]
    steps: tuple[Step, ...]
    backups: tuple[str, ...]

    @property
    def safe(self) -> bool:
        return not any(h.severity == DECISION for h in self.hazards)

    def exit_code(self) -> int:
        return 0 if self.safe else 1

    def to_dict(self) -> dict[str, JSON]:
        return {
            "kind": "UpgradePlan",
            "safe": self.safe,
            "releases": [c.to_dict() for c in self.changes],
            "hazards": [h.to_dict() for h in self.hazards],
            "steps": [s.to_dict() for s in self.steps],
            "backups": list(self.backups),
        }


def plan_upgrade(plan: Plan, installed: Installed, facts: Mapping[str, Sequence[UpgradeFact]],
                 kube_ranges: Mapping[str, tuple[str | None, str | None, str]] | None = None) -> UpgradePlan:
    """The ordered upgrade from `installed` to `plan`; `facts` maps a component to its blueprint's facts,
    `kube_ranges` a component to its pinned version's Kubernetes (min, max, blueprint file)."""
    hazards: list[Hazard] = []
    changes = [_change(r, installed, hazards) for r in plan.ordered()]
    _kubernetes(changes, installed.kubernetes_version, kube_ranges or {}, hazards)
    by_release = {c.release: c for c in changes}
    by_component = {r.component: r for r in plan.releases.values()}
    order = _order(plan, facts, by_component, hazards)
    _requires(facts, by_component, by_release, hazards)

    crd_steps: list[Step] = []
    release_steps: list[Step] = []
    backups: list[str] = []
    for rid in order:
        release, change = plan.releases[rid], by_release[rid]
        own = tuple(facts.get(release.component, ()))
        moving = change.action in ("upgrade", "downgrade") and change.installed is not None
        crossed = [f for f in own if moving and f.crosses(change.installed or "", change.target)]
        crds_to_apply: list[str] = []
        for f in crossed:
            crds_to_apply += _crossed_fact(f, change, release, by_component, hazards)
        migrations = _storage(own, change, installed, hazards)
        if crds_to_apply:
            names = tuple(dict.fromkeys(crds_to_apply))
            crd_steps.append(Step(rid, "crds", f"server-side apply the CRDs of {change.chart} {change.target} "
                                  f"before its upgrade (`kubectl apply --server-side --force-conflicts -f crds/`)",
                                  names))
        adopt = tuple(dict.fromkeys(c for f in crossed if f.kind == "crdAdoption" for c in f.crds))
        if adopt:
            release_steps.append(Step(rid, "adopt", f"hand the CRDs the old chart installed from crds/ to Helm "
                                      f"release {rid}: kubectl label crd NAME app.kubernetes.io/managed-by=Helm; "
                                      f"kubectl annotate crd NAME meta.helm.sh/release-name={rid} "
                                      f"meta.helm.sh/release-namespace={change.namespace}", adopt))
        if change.action in ("upgrade", "downgrade", "install", "reconfigure"):
            verb = "install" if change.action == "install" else "upgrade"
            what = f"{change.installed} -> {change.target}" if change.installed else change.target
            why = ", to the plan's values" if change.action == "reconfigure" else ""
            release_steps.append(Step(rid, verb, f"helm {verb} {rid} ({change.chart} {what}{why}) in "
                                      f"{change.namespace}, and wait until it is ready"))
        elif change.action == "reapply":
            release_steps.append(Step(rid, "reapply", f"kubectl apply -k {release.how.describe()} (kustomize: Helm "
                                      "keeps no record of its version, so it is re-applied; unchanged objects stay)"))
        if moving:
            backups.append(f"helm -n {change.namespace} get values {rid} -o yaml > {rid}-values.yaml "
                           f"(rollback: helm -n {change.namespace} rollback {rid})")
            if release.crds:
                backups.append(f"the custom resources of {rid}'s CRDs: "
                               f"kubectl get {','.join(release.crds)} -A -o yaml > {rid}-resources.yaml")
        release_steps += migrations
    for rid in sorted(set(by_release) - set(order)):  # not reached by the ordering (never, but never lost)
        hazards.append(Hazard(rid, DECISION, "UP999", "release left out of the upgrade order", "stackplan"))
    steps = _with_objects(plan, crd_steps + release_steps)
    return UpgradePlan(tuple(changes), tuple(hazards), tuple(steps), tuple(backups))


def _with_objects(plan: Plan, steps: list[Step]) -> list[Step]:
    """Give each release step the plan's custom resources (planner/desired/objects.py, as `stackplan apply` makes
    them) due once it is done: those waiting for it whose other releases are at their pin by then. Objects that
    wait only for releases that do not move are left alone."""
    from dataclasses import replace

    from planner.engine.resources import objects, row

    stepped = {s.release for s in steps if s.action in RELEASE_ACTIONS}
    settled = set(plan.releases) - stepped
    due = list(objects(plan))
    out: list[Step] = []
    for s in steps:
        if s.action in RELEASE_ACTIONS:
            settled.add(s.release)
            now = [o for o in due if s.release in o.after and set(o.after) <= settled]
            due = [o for o in due if o not in now]
            if now:
                s = replace(s, objects=tuple(row(o) for o in now),
                            description=f"{s.description}; then apply the plan's custom resources that wait for it")
        out.append(s)
    return out


def _change(r: Release, installed: Installed, hazards: list[Hazard]) -> ReleaseChange:
    chart = r.source.chart or r.id
    if r.how.kustomize:  # how the plan installs it (planner/install.py): no Helm record, its objects' stamps
        objs = kustomize_objects(r, installed.stamped) if installed.stamped is not None else []
        if objs and not stale_objects(r, objs):  # drift's DR003 passes: the digest covers version and images
            return ReleaseChange(r.id, r.component, r.namespace, chart, r.version, r.version, "unchanged")
        return ReleaseChange(r.id, r.component, r.namespace, chart, None, r.version, "reapply")
    key = (r.namespace, r.id)
    if key in installed.record_errors:
        hazards.append(Hazard(r.id, DECISION, "UP001", f"Helm's release record could not be read: "
                              f"{installed.record_errors[key]}", "helm/helm:pkg/storage/driver/secrets.go"))
        return ReleaseChange(r.id, r.component, r.namespace, chart, None, r.version, "unknown")
    unread = installed.unread.get(f"secrets/{r.namespace}")
    if unread:
        hazards.append(Hazard(r.id, DECISION, "UP001", f"Helm's release records in {r.namespace} could not be "
                              f"listed: {unread}", "stackplan rbac --drift"))
        return ReleaseChange(r.id, r.component, r.namespace, chart, None, r.version, "unknown")
    rec = installed.releases.get(key)
    if rec is None or rec.is_gone:
        return ReleaseChange(r.id, r.component, r.namespace, chart, None, r.version, "install")
    if rec.status != "deployed":
        hazards.append(Hazard(r.id, DECISION, "UP002", f"release {r.namespace}/{r.id} is `{rec.status}` "
                              f"(revision {rec.revision}); settle it (helm rollback or a finished upgrade) first",
                              "helm/helm:pkg/release/status.go"))
    if rec.chart and rec.chart != chart:
        hazards.append(Hazard(r.id, DECISION, "UP003", f"installed from chart `{rec.chart}`, the plan uses "
                              f"`{chart}`", "stackplan plan"))
    cmp = compare(rec.chart_version, r.version)
    action = "unchanged" if cmp == 0 else "upgrade" if cmp < 0 else "downgrade"
    if action == "unchanged" and not values_current(r, rec):
        action = "reconfigure"
    if action == "downgrade":
        hazards.append(Hazard(r.id, DECISION, "UP004", f"installed {rec.chart_version} is newer than the pinned "
                              f"{r.version}: this would be a downgrade", "stackplan plan"))
    return ReleaseChange(r.id, r.component, r.namespace, chart, rec.chart_version, r.version, action)


def _kubernetes(changes: Sequence[ReleaseChange], server: str | None,
                ranges: Mapping[str, tuple[str | None, str | None, str]], hazards: list[Hazard]) -> None:
    """The cluster's Kubernetes against each moving release's documented range (below min: decide; above max:
    read, as `stackplan plan` warns)."""
    have = _minor(server or "")
    if have is None:
        return
    for c in changes:
        if c.action not in ("upgrade", "install") or c.component not in ranges:
            continue
        low, high, file = ranges[c.component]
        if low and (m := _minor(low)) and have < m:
            hazards.append(Hazard(c.release, DECISION, "UP005", f"{c.chart} {c.target} needs Kubernetes >= {low}; "
                                  f"the cluster runs {server}", f"{file} (kubernetes.min)"))
        elif high and (m := _minor(high)) and have > m:
            hazards.append(Hazard(c.release, INFO, "UP005", f"{c.chart} {c.target} documents Kubernetes up to "
                                  f"{high}; the cluster runs {server}", f"{file} (kubernetes.max)"))


def _minor(version: str) -> tuple[int, int] | None:
    parts = version.lstrip("v").split(".")
    try:
        return int(parts[0]), int("".join(ch for ch in parts[1] if ch.isdigit()))
    except (IndexError, ValueError):
        return None


def _crossed_fact(f: UpgradeFact, change: ReleaseChange, release: Release, by_component: Mapping[str, Release],
                  hazards: list[Hazard]) -> list[str]:
    """Hazards of one crossed fact; returns the CRDs a server-side apply must bring first."""
    rid = change.release
    if f.kind == "crds" and f.handling == "crds-folder":
        missed = [c for c in f.crds if c not in f.hook_applies] if f.hook else list(f.crds)
        extra = f" (not applied by the {f.hook} hook: {', '.join(missed)})" if f.hook and missed else ""
        hazards.append(Hazard(rid, HANDLED, "UP010", f"{f.note}{extra}", f.source))
        return list(f.crds)
    if f.kind == "crds":
        hazards.append(Hazard(rid, INFO, "UP011", f.note, f.source))
    elif f.kind == "newCrds":
        hazards.append(Hazard(rid, HANDLED, "UP012", f"new CRDs since {f.since}: {', '.join(f.crds)}: {f.note}",
                              f.source))
        return list(f.crds)
    elif f.kind == "chartRename":
        hazards.append(Hazard(rid, INFO, "UP013", f"chart renamed from `{f.old}` (since {f.since}): {f.note}",
                              f.source))
    elif f.kind == "value":
        _value(f, change, release, hazards)
    elif f.kind == "note":
        hazards.append(Hazard(rid, INFO, "UP019", f.note, f.source))
    elif f.kind == "before" and (other := by_component.get(f.other or "")) is not None:
        hazards.append(Hazard(rid, HANDLED, "UP032", f"upgraded before {other.id} ({f.other}): {f.note}", f.source))
    elif f.kind == "via" and compare(change.target, f.since or "") > 0:
        hazards.append(Hazard(rid, DECISION, "UP016", f"{change.installed} -> {change.target} skips {f.since}, "
                              f"which every upgrade from before it must stop at: pin {release.component} at "
                              f"{f.since}, upgrade, then move to {change.target}: {f.note}", f.source))
    elif f.kind == "crdAdoption":
        hazards.append(Hazard(rid, HANDLED, "UP015", f"{', '.join(f.crds)}: installed from the old chart's crds/ "
                              f"folder, so they carry no Helm ownership, and from {f.since} the chart renders them "
                              "as templates; `helm upgrade` refuses to take over a resource another release or no "
                              "release owns (\"invalid ownership metadata\"), so an adopt step labels and annotates "
                              f"them for this release first: {f.note}", f.source))
    elif f.kind == "conversionWebhook":
        hazards.append(Hazard(rid, HANDLED, "UP022", f"{', '.join(f.crds)} convert between versions through the "
                              f"webhook of Service {f.service}: while it is not ready, reads and writes of those "
                              f"objects fail, so each migration runs only after its release is upgraded and ready "
                              f"(helm --wait): {f.note}", f.source))
    return []


def _value(f: UpgradeFact, change: ReleaseChange, release: Release, hazards: list[Hazard]) -> None:
    path = f.path or ""
    found, value = _lookup(release.values, path)
    if not found or (f.old_value is not None and value != f.old_value):
        return
    instead = f"`{f.renamed_to}`" if f.renamed_to else f"`{path}={f.new_value}`" if f.new_value is not None else ""
    hazards.append(Hazard(change.release, DECISION, "UP014",
                          f"the plan sets `{path}={value}`{', use ' + instead + ' instead' if instead else ''}: "
                          f"{f.note}", f.source))


def _lookup(values: Mapping[str, Any], path: str) -> tuple[bool, Any]:
    node: Any = values
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _storage(own: Iterable[UpgradeFact], change: ReleaseChange, installed: Installed,
             hazards: list[Hazard]) -> list[Step]:
    """Storage-version facts hold whenever the target is past `since`: objects stored at the old version
    stay there until rewritten, so they are checked on every upgrade, not only the one that crosses."""
    steps: list[Step] = []
    if change.installed is None:
        return steps
    for f in own:
        if f.kind != "storageVersion" or (f.since and compare(change.target, f.since) < 0):
            continue
        if "crds" in installed.unread:
            hazards.append(Hazard(change.release, DECISION, "UP020", f"CRDs could not be read "
                                  f"({installed.unread['crds']}): cannot tell whether objects are still stored "
                                  f"as {f.old}", f.source))
            continue
        stale = sorted(c for c in f.crds if c in installed.crds and f.old in installed.crds[c].stored_versions)
        if not stale:
            continue
        removed = f.removed_in is not None and compare(change.target, f.removed_in) >= 0
        severity = DECISION if removed else HANDLED
        why = (f"{change.target} no longer serves {f.old} (removed in {f.removed_in}): migrate before upgrading"
               if removed else f"migrate them to {f.new} after the upgrade")
        hazards.append(Hazard(change.release, severity, "UP021",
                              f"{len(stale)} CRD(s) still list {f.old} in status.storedVersions "
                              f"({', '.join(stale)}); {why}: {f.note}", f.source))
        if not removed:
            steps.append(Step(change.release, "migrate", f"{f.migration}; then drop {f.old} from each CRD's "
                              f"status.storedVersions: kubectl patch crd NAME --subresource=status --type=merge "
                              f"-p '{{\"status\":{{\"storedVersions\":[\"{f.new}\"]}}}}' ({K8S_STORED_VERSIONS})",
                              tuple(stale), storage=f.new or ""))
    return steps


def _requires(facts: Mapping[str, Sequence[UpgradeFact]], by_component: Mapping[str, Release],
              by_release: Mapping[str, ReleaseChange], hazards: list[Hazard]) -> None:
    """`requires` facts of the pinned versions: unmet -> UP030 (decide); met and crossed by this upgrade (either
    side moves past the version that matters) -> UP033, named with its source."""
    for comp, own in sorted(facts.items()):
        me = by_component.get(comp)
        if me is None:
            continue
        for f in own:
            if f.kind != "requires" or not f.other or not f.holds_at(me.version):
                continue
            other = by_component.get(f.other)
            if other is None:
                if not f.if_present:
                    hazards.append(Hazard(me.id, DECISION, "UP030", f"needs {f.other} >= {f.version}, which is "
                                          f"not in the plan: {f.note}", f.source))
                continue
            if compare(other.version, f.version or "") < 0:
                hazards.append(Hazard(me.id, DECISION, "UP030", f"{me.component} {me.version} needs {f.other} >= "
                                      f"{f.version}; the plan pins {other.version}: {f.note}", f.source))
                continue
            mine, theirs = by_release[me.id], by_release[other.id]
            crossed = (mine.installed is not None and f.crosses(mine.installed, mine.target)) or (
                theirs.installed is not None and compare(theirs.installed, f.version or "") < 0
                and theirs.action == "upgrade")
            if crossed:
                order = (f"; {other.id} is upgraded first" if f.upgrade_first else
                         "; both move in this upgrade, in the plan's dependency order")
                hazards.append(Hazard(me.id, HANDLED, "UP033", f"{me.component} {me.version} needs {f.other} >= "
                                      f"{f.version} (the plan pins {other.version}){order}: {f.note}", f.source))


def _order(plan: Plan, facts: Mapping[str, Sequence[UpgradeFact]], by_component: Mapping[str, Release],
           hazards: list[Hazard]) -> list[str]:
    """Release ids in upgrade order: the plan's install order, moved only as far as before/requires need."""
    base = [r.id for r in plan.ordered()]
    after: dict[str, set[str]] = {rid: set(plan.releases[rid].needs) & set(base) for rid in base}
    for comp, own in sorted(facts.items()):
        me = by_component.get(comp)
        if me is None:
            continue
        for f in own:
            other = by_component.get(f.other or "")
            if f.kind == "before" and other is not None:
                after[other.id].add(me.id)
            elif f.kind == "requires" and other is not None and f.upgrade_first and f.holds_at(me.version):
                after[me.id].add(other.id)
    out: list[str] = []
    done: set[str] = set()
    pending = list(base)
    while pending:
        ready = next((rid for rid in pending if after[rid] <= done), None)
        if ready is None:  # a cycle through before/requires facts
            hazards.append(Hazard(pending[0], DECISION, "UP031", "upgrade ordering facts form a cycle: "
                                  + " -> ".join(pending), "blueprints upgrades"))
            out += pending
            break
        out.append(ready)
        done.add(ready)
        pending.remove(ready)
    return out
