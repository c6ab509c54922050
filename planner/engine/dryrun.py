"""`stackplan apply --dry-run`: what would be done, wave by wave, without touching the cluster. Pure."""

from __future__ import annotations

import shlex
from collections.abc import Mapping

from planner.desired.labels import VALUES_DIGEST as DIGEST_ANNOTATION
from planner.desired.labels import identity_labels as stackplan_labels
from planner.engine.charts import ChartTarget, Target
from planner.model import Plan


def _labels(labels: Mapping[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in labels.items())


def describe_dict(plan: Plan, targets: Mapping[str, Target], timeout: str) -> dict:
    """The dry run as data (`stackplan apply --dry-run --output json`)."""
    waves = []
    for wave in plan.waves:
        steps = []
        for rid in wave:
            rel, target = plan.releases[rid], targets[rid]
            step = {"release": rid, "namespace": rel.namespace, "namespaceLabels": dict(rel.namespace_labels),
                    "valuesDigest": rel.values_digest, "target": target.describe()}
            if isinstance(target, ChartTarget):
                step.update(kind="helm", chart=target.ref, repo=target.repo, version=target.version)
            else:
                step.update(kind="kustomize", location=target.location)
            steps.append(step)
        waves.append(steps)
    return {"dryRun": True, "profile": plan.profile, "timeout": timeout, "waves": waves}


def describe(plan: Plan, targets: Mapping[str, Target], timeout: str) -> str:
    from planner.engine.progress import plural

    lines = [f"dry run: profile {plan.profile}, {plural(len(plan.releases), 'release')} in "
             f"{plural(len(plan.waves), 'wave')} (nothing is changed)"]
    for i, wave in enumerate(plan.waves, start=1):
        parallel = " (in parallel)" if len(wave) > 1 else ""
        lines.append(f"wave {i}{parallel}:")
        for rid in wave:
            rel = plan.releases[rid]
            target = targets[rid]
            ns_labels = f" with labels {_labels(rel.namespace_labels)}" if rel.namespace_labels else ""
            if isinstance(target, ChartTarget):
                cmd = ["helm", "upgrade", "--install", rid, target.ref]
                if target.repo:
                    cmd += ["--repo", target.repo]
                if target.version:
                    cmd += ["--version", target.version]
                cmd += ["--namespace", rel.namespace, "--create-namespace", "--wait", "--timeout", timeout]
                lines.append(f"  {rid}: {shlex.join(cmd)}")
                if ns_labels:
                    lines.append(f"    namespace {rel.namespace}{ns_labels} (kubectl apply --server-side)")
                lines.append(f"    values {rel.values_digest} ({len(rel.values)} top-level keys, on stdin); "
                             f"release labels {_labels(stackplan_labels(rid))}; skipped if already deployed "
                             f"at {rel.version} with this digest")
            else:
                lines.append(f"  {rid}: kubectl apply --server-side -k {target.location} (CRDs first, then the rest;"
                             f" wait for rollouts, timeout {timeout}); namespace {rel.namespace}{ns_labels}")
                lines.append(f"    labels {_labels(stackplan_labels(rid))}; annotation "
                             f"{DIGEST_ANNOTATION}={rel.values_digest}")
    from planner.engine.resources import describe as describe_resources

    lines += describe_resources(plan)
    return "\n".join(lines)
