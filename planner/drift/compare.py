"""Pure: a Plan and what was read from the cluster (LiveFacts) -> drift findings, ids DR###.

Per planned release, in plan order: DR001 installed, DR002 chart and version, DR003 values, DR004 not
failed or pending, DR005 CRDs, DR006 workloads. Then DR007: components in the plan's namespaces (or
labelled managed-by stackplan) that the plan does not manage — a note, a failure only with `strict`.
Helm releases are matched by their records (release name = plan release id); kustomize releases by the
labels `app.kubernetes.io/managed-by: stackplan`, `stackplan.dev/release: <id>` and the annotation
`stackplan.dev/values-digest`. DR008 (Pulumi preview) lives in `pulumi_preview.py`, DR009 (the plan's custom
resources) in `customs.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from planner.desired.labels import MANAGED_BY
from planner.desired.labels import RELEASE as RELEASE_LABEL
from planner.desired.labels import VALUES_DIGEST as DIGEST_ANNOTATION
from planner.desired.revision import parse as parse_revision
from planner.drift.customs import custom_findings
from planner.drift.helm_records import HelmRelease
from planner.drift.live import WORKLOAD_KINDS, LiveFacts, LiveObject
from planner.drift.values_diff import diff_values, values_equal
from planner.drift.workload_fields import check_fields
from planner.model import Plan, Release
from planner.report import Finding, Outcome, Report, Severity, Subject
from planner.secrets import redact_text
from planner.values import digest

TITLES: dict[str, str] = {
    "DR001": "Release is installed",
    "DR002": "Chart and version match the plan",
    "DR003": "Values match the plan",
    "DR004": "Release is deployed (not failed or pending)",
    "DR005": "Expected CRDs are installed at the planned versions",
    "DR006": "Expected workloads exist",
    "DR007": "Only planned components are installed",
    "DR008": "Pulumi preview shows no changes",
    "DR009": "Custom resources match the plan",
    "DR010": "Workload fields match the Helm release manifest",
}
DOC = "docs/drift.md#"
MAX_EVIDENCE = 20
RBAC_HINT = "grant read access: `stackplan rbac --drift | kubectl apply -f -` (release records, per namespace)"
READ_HINT = "grant read access: `stackplan rbac | kubectl apply -f -` (CRDs and workloads, cluster-wide)"


@dataclass(frozen=True)
class CrdExpectation:
    """A CRD a release installs; `storage`/`served` are checked only when the blueprint records them."""

    name: str
    storage: str | None = None
    served: tuple[str, ...] = ()


def crd_expectations(release: Release) -> tuple[CrdExpectation, ...]:
    versions: Mapping[str, Mapping[str, Any]] = release.crd_versions
    out = []
    for name in release.crds:
        v = versions.get(name) or {}
        out.append(CrdExpectation(name, v.get("storage"), tuple(v.get("served") or ())))
    return tuple(out)


class _Findings:
    """Builds the findings of one release with its component, subject and doc link filled in."""

    def __init__(self, release: Release, subject: Subject) -> None:
        self.release = release
        self.subject = subject
        self.items: list[Finding] = []

    def add(self, check_id: str, outcome: Outcome, message: str, *, severity: Severity = Severity.HIGH,
            evidence: Iterable[str] = (), remediation: str = "", subject: Subject | None = None) -> None:
        ev = list(evidence)
        if len(ev) > MAX_EVIDENCE:
            ev = [*ev[:MAX_EVIDENCE], f"… {len(ev) - MAX_EVIDENCE} more"]
        self.items.append(Finding(
            check_id=check_id, title=TITLES[check_id], outcome=outcome, subject=subject or self.subject,
            message=message, severity=severity if outcome is not Outcome.PASSED else Severity.INFO,
            component=self.release.id, evidence=tuple(ev), remediation=remediation if outcome is not Outcome.PASSED
            else "", doc_url=DOC + check_id.lower()))


def _ver(v: str) -> str:
    return v[1:] if v.startswith("v") else v


def _short(dig: str) -> str:
    return dig[:23] + "…" if len(dig) > 24 else dig


def _where(rec: HelmRelease) -> str:
    return f"Secret {rec.namespace}/{rec.secret or rec.name}"


def _helm(r: Release, live: LiveFacts, out: _Findings) -> bool:
    """DR001-DR004 from the release record; returns whether the release is there (to go on)."""
    ns, unread = r.namespace, live.unread.get(f"secrets/{r.namespace}")
    if unread:
        out.add("DR001", Outcome.UNKNOWN, f"could not read Helm release records in namespace {ns}: {unread}",
                remediation=RBAC_HINT)
        return True
    if (ns, r.id) in live.record_errors:
        out.add("DR001", Outcome.UNKNOWN, live.record_errors[(ns, r.id)],
                remediation=f"inspect it with `helm history {r.id} -n {ns}`")
        return False
    rec = live.release(ns, r.id)
    if rec is None or rec.is_gone:
        elsewhere = sorted(k[0] for k, v in live.releases.items() if k[1] == r.id and k[0] != ns and not v.is_gone)
        ev = [f"Secrets {ns}/sh.helm.release.v1.{r.id}.v*: "
              + (f"newest revision {rec.revision} is {rec.status}" if rec else "none")]
        ev += [f"a release `{r.id}` exists in namespace {e}, not in {ns}" for e in elsewhere]
        out.add("DR001", Outcome.FAILED, f"Helm release {r.id} is not installed in namespace {ns}", evidence=ev,
                remediation="`stackplan apply` (or `pulumi up`) installs it")
        return False
    out.add("DR001", Outcome.PASSED, f"revision {rec.revision} of {rec.chart} {rec.chart_version}",
            evidence=[f"{_where(rec)} .version={rec.revision}"])

    chart = r.source.chart
    if (chart and rec.chart != chart) or _ver(rec.chart_version) != _ver(r.version):
        out.add("DR002", Outcome.FAILED,
                f"{rec.chart} {rec.chart_version} is installed; the plan has {chart or rec.chart} {r.version}",
                evidence=[f"{_where(rec)} .chart.metadata.name={rec.chart} .chart.metadata.version="
                          f"{rec.chart_version}"],
                remediation=f"`stackplan apply` returns it to {r.version}; to keep {rec.chart_version}, "
                            "pin that version in stackplan.yaml")
    else:
        out.add("DR002", Outcome.PASSED, f"{rec.chart} {rec.chart_version}")

    changes = [] if values_equal(r.values, rec.config, r.values_digest) else diff_values(r.values, rec.config)
    if not changes:
        out.add("DR003", Outcome.PASSED, f"values digest {_short(r.values_digest)}")
    elif written_from_plan(r, rec):
        out.add("DR003", Outcome.PASSED, f"installed by stackplan from the planned values "
                f"({_short(r.values_digest)}); its wiring set {len(changes)} more key(s)",
                evidence=[f"{_where(rec)} .info.description={redact_text(rec.description)}", *map(str, changes)])
    else:
        paths = ", ".join(c.path for c in changes[:5]) + (" …" if len(changes) > 5 else "")
        out.add("DR003", Outcome.FAILED, f"values differ from the plan in {len(changes)} key(s): {paths}",
                severity=Severity.MEDIUM,
                evidence=[f"{_where(rec)} .config digest {_short(digest(rec.config))} != planned "
                          f"{_short(r.values_digest)}",
                          *map(str, changes)],
                remediation="`stackplan apply` restores the planned values; to keep the live ones, "
                            "put them under `components.<id>.values` in stackplan.yaml")

    if rec.status == "failed" or rec.is_pending or rec.status == "unknown":
        state = "failed" if rec.status == "failed" else f"stuck in {rec.status}"
        out.add("DR004", Outcome.FAILED, f"revision {rec.revision} is {state}: {redact_text(rec.description)[:200]}",
                evidence=[f"{_where(rec)} .info.status={rec.status}"],
                remediation=f"`helm history {r.id} -n {ns}` shows what happened; fix the cause, then "
                            f"`stackplan apply` (or `helm rollback {r.id} -n {ns}`)")
    else:
        out.add("DR004", Outcome.PASSED, f"status {rec.status}")
    return True


def written_from_plan(r: Release, rec: HelmRelease) -> bool:
    """A revision stackplan wrote from the planned digest (planner/desired/revision.py): the Pulumi program's secret
    wiring (tokens, S3 credentials) on top of the plan's values is not values drift."""
    mark = parse_revision(rec.description)
    return bool(mark and mark.digest == r.values_digest and mark.release in (None, r.id))


def values_current(r: Release, rec: HelmRelease) -> bool:
    """Does the release record hold the plan's values (DR003 passes)? Used by drift and by `stackplan upgrade`."""
    return values_equal(r.values, rec.config, r.values_digest) or written_from_plan(r, rec)


def kustomize_objects(r: Release, live: LiveFacts) -> list[LiveObject]:
    """What stackplan applied for kustomize release `r`: its labelled CRDs, and workloads in its namespaces."""
    return live.labelled(r.id, {r.namespace, *(w.namespace for w in r.workloads if w.namespace)})


def stale_objects(r: Release, objs: Iterable[LiveObject]) -> list[LiveObject]:
    """Those applied with another digest than the plan's (DR003 fails on them; `stackplan upgrade` re-applies
    the release). A kustomize release's digest covers its version and image rewrites (planner/resolve.py)."""
    return [o for o in objs if o.annotations.get(DIGEST_ANNOTATION) != r.values_digest]


def _kustomize(r: Release, live: LiveFacts, out: _Findings) -> bool:
    objs = kustomize_objects(r, live)
    selector = f"{MANAGED_BY}=stackplan,{RELEASE_LABEL}={r.id}"
    if not objs:
        if live.unread:
            out.add("DR001", Outcome.UNKNOWN, f"no object labelled {selector} found, but "
                    f"{', '.join(sorted(live.unread))} could not be read", remediation=READ_HINT)
            return True
        out.add("DR001", Outcome.FAILED, f"no object labelled {selector}: the kustomize release is not applied",
                evidence=[f"CRDs and {', '.join(WORKLOAD_KINDS)} with label {RELEASE_LABEL}={r.id}: none"],
                remediation="`stackplan apply` (or `pulumi up`) applies it")
        return False
    out.add("DR001", Outcome.PASSED, f"{len(objs)} object(s) labelled {RELEASE_LABEL}={r.id}")
    stale = stale_objects(r, objs)
    if stale:
        out.add("DR003", Outcome.FAILED,
                f"{len(stale)} of {len(objs)} object(s) were applied with other values or parameters",
                severity=Severity.MEDIUM,
                evidence=[f"{o.ref()} {DIGEST_ANNOTATION}={o.annotations.get(DIGEST_ANNOTATION) or '(none)'} "
                          f"!= planned {r.values_digest}" for o in stale],
                remediation="`stackplan apply` re-applies the planned manifests")
    else:
        out.add("DR003", Outcome.PASSED, f"values digest {_short(r.values_digest)}")
    return True


def _crds(r: Release, live: LiveFacts, out: _Findings) -> None:
    wanted = crd_expectations(r)
    if not wanted:
        return
    if "crds" in live.unread:
        out.add("DR005", Outcome.UNKNOWN, f"could not list CRDs: {live.unread['crds']}", remediation=READ_HINT)
        return
    missing, wrong, ev = [], [], []
    for exp in wanted:
        crd = live.crds.get(exp.name)
        if crd is None:
            missing.append(exp.name)
            ev.append(f"CustomResourceDefinition/{exp.name}: not found")
            continue
        if exp.storage and crd.storage != exp.storage:
            wrong.append(exp.name)
            ev.append(f"CustomResourceDefinition/{exp.name} storage version {crd.storage}, planned {exp.storage}")
        lacking = [v for v in exp.served if v not in crd.served]
        if lacking:
            wrong.append(exp.name)
            ev.append(f"CustomResourceDefinition/{exp.name} does not serve {', '.join(lacking)} "
                      f"(serves {', '.join(crd.served) or 'nothing'})")
    if missing or wrong:
        parts = [f"{len(missing)} missing ({', '.join(missing)})"] if missing else []
        parts += [f"{len(set(wrong))} at another version ({', '.join(sorted(set(wrong)))})"] if wrong else []
        out.add("DR005", Outcome.FAILED, f"CRDs of {r.id}: " + "; ".join(parts), evidence=ev,
                remediation="`stackplan apply` re-applies the release when a CRD it ships is missing: `helm upgrade` "
                            "re-creates CRDs the chart renders from templates, and apply applies those of the "
                            "chart's crds/ folder (which Helm installs only once) from `helm show crds`")
    else:
        out.add("DR005", Outcome.PASSED, f"{len(wanted)} CRD(s) present")


def _workloads(r: Release, live: LiveFacts, out: _Findings) -> None:
    wanted = [w for w in r.workloads if w.kind in WORKLOAD_KINDS and not w.optional]
    if not wanted:
        return
    unread = sorted({w.kind for w in wanted if w.kind in live.unread})
    if unread:
        out.add("DR006", Outcome.UNKNOWN, f"could not list {', '.join(unread)}: "
                f"{'; '.join(live.unread[k] for k in unread)}", remediation=READ_HINT)
        return
    missing = [w for w in wanted
               if (w.namespace or r.namespace, w.name) not in (live.workloads.get(w.kind) or {})]
    if missing:
        by_chart = [w for w in missing if w.chart_renders]
        others = [w for w in missing if not w.chart_renders]
        fixes = []
        if by_chart:
            fixes.append("`stackplan apply` re-creates " + ", ".join(f"{w.kind}/{w.name}" for w in by_chart)
                         + " (for Helm: `helm upgrade` with the same values re-renders deleted objects only when "
                           "the chart changes; use `stackplan apply`)")
        if others:
            fixes.append(", ".join(f"{w.kind}/{w.name}" for w in others) + " are created at run time by "
                         f"{r.component}'s operator (or a Helm hook), not by the chart: look at the operator's logs "
                         "and its custom resource's status; re-applying the release does not re-create them")
        out.add("DR006", Outcome.FAILED, f"{len(missing)} of {len(wanted)} workload(s) missing: "
                + ", ".join(f"{w.kind}/{w.name}" for w in missing),
                evidence=[f"{w.kind}/{w.namespace or r.namespace}/{w.name}: not found"
                          + ("" if w.chart_renders else f" (created by the {w.created_by})") for w in missing],
                remediation="; ".join(fixes))
    else:
        out.add("DR006", Outcome.PASSED, f"{len(wanted)} workload(s) present")


def _release_findings(r: Release, live: LiveFacts) -> list[Finding]:
    kustomize = r.how.kustomize
    out = _Findings(r, Subject("Kustomization" if kustomize else "HelmRelease", r.id, r.namespace))
    present = _kustomize(r, live, out) if kustomize else _helm(r, live, out)
    if present:
        _crds(r, live, out)
        _workloads(r, live, out)
        check_fields(r, live, out.add)  # DR010 (planner/drift/workload_fields.py)
    return out.items


def unmanaged(plan: Plan, live: LiveFacts, *, strict: bool = False) -> Iterator[Finding]:
    """DR007: Helm releases in the plan's namespaces and stackplan-labelled objects the plan does not have."""
    outcome, severity = (Outcome.FAILED, Severity.MEDIUM) if strict else (Outcome.PASSED, Severity.INFO)
    planned = {(r.namespace, r.id) for r in plan.releases.values() if not r.how.kustomize}
    note = "" if strict else " (a note: --strict makes this a failure)"
    namespaces = set(plan.namespaces())
    for (ns, name), rec in sorted(live.releases.items()):
        if ns not in namespaces or (ns, name) in planned or rec.is_gone:
            continue
        yield Finding("DR007", TITLES["DR007"], outcome, Subject("HelmRelease", name, ns),
                      f"Helm release {name} ({rec.chart} {rec.chart_version}, {rec.status}) in namespace {ns} "
                      f"is not in the plan{note}", severity=severity,
                      evidence=(f"{_where(rec)} .info.status={rec.status}",),
                      remediation=f"add it to stackplan.yaml, or `helm uninstall {name} -n {ns}`" if strict else "",
                      doc_url=DOC + "dr007")
    foreign: dict[str, list[str]] = {}
    for obj in live.stackplan_objects(namespaces):
        rid = obj.stackplan_release
        if rid and rid not in plan.releases:
            foreign.setdefault(rid, []).append(obj.ref())
    for rid, refs in sorted(foreign.items()):
        yield Finding("DR007", TITLES["DR007"], outcome, Subject("Kustomization", rid),
                      f"{len(refs)} object(s) labelled {RELEASE_LABEL}={rid} belong to no release of the plan{note}",
                      severity=severity, evidence=tuple(refs[:MAX_EVIDENCE]),
                      remediation=f"delete them: `kubectl delete -l {RELEASE_LABEL}={rid} <kinds> -A`"
                      if strict else "", doc_url=DOC + "dr007")


def compare(plan: Plan, live: LiveFacts, *, strict: bool = False) -> list[Finding]:
    findings: list[Finding] = []
    for r in plan.ordered():
        findings += _release_findings(r, live)
    findings += custom_findings(plan, live.custom, live.custom_unread)  # DR009 (planner/drift/customs.py)
    findings += unmanaged(plan, live, strict=strict)
    return findings


def drift_report(plan: Plan, live: LiveFacts, *, strict: bool = False, extra: Iterable[Finding] = (),
                 errors: Iterable[str] = (), meta: Mapping[str, Any] | None = None) -> Report:
    """The drift Report: compare() plus any extra findings (Pulumi preview) and run-level errors."""
    return Report("drift", (*compare(plan, live, strict=strict), *extra), tuple(map(redact_text, errors)),
                  dict(meta or {}))
