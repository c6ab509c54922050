"""`stackplan upgrade --apply`: carry out an UpgradePlan exactly in its printed order, one step at a time,
stopping at the first failure.

- `crds`: CRDs Helm would not upgrade, from the new chart's crds/ folder (read through pyhelm3) piped to
  `kubectl apply --server-side --force-conflicts`.
- `upgrade` / `install` / `reapply`: one release through the engine of `stackplan apply`
  (planner.engine.install.ReleaseEngine -> planner.engine.apply.apply_release: `helm upgrade --install --wait`
  or kustomize, skipped when already at its pin and values), then the plan's custom resources that wait for it.
- `migrate`: every object of the CRDs rewritten unchanged (`kubectl get -o json` then `kubectl replace`, so the
  API server stores it at the new storage version), then the old version dropped from each CRD's
  status.storedVersions (only when the live CRD stores the new version) — right after its release, before the
  next release moves.

A failure prints what was done, what was not started, and the command that continues: the plan is read again
from the cluster, so finished steps drop out (releases at their pin, CRDs no longer storing the old version)
and the failed step is the first one run.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from planner.engine.charts import ChartTarget, Target
from planner.engine.state import ApplyResult
from planner.errors import ServiceUnavailableError
from planner.model import Plan
from planner.upgrade.plan import RELEASE_ACTIONS, Step, UpgradePlan


@dataclass(frozen=True)
class Tools:
    helm: str
    kubectl: str
    flags: tuple[str, ...]  # --kubeconfig/--context for both

    def run(self, argv: Sequence[str], stdin: str | None = None, timeout: float = 600) -> str:
        done = subprocess.run(list(argv), input=stdin, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise StepFailed(f"`{' '.join(argv[:4])} …` failed ({done.returncode}): {done.stderr.strip()[-800:]}")
        return done.stdout

    def kubectl_(self, *args: str, stdin: str | None = None) -> str:
        return self.run([self.kubectl, *self.flags, *args], stdin)

    def chart_crds(self, target: ChartTarget) -> list[dict]:
        """The CRDs of the chart's crds/ folder, through pyhelm3 (raw `helm show crds` glues multi-document files
        together, helm/helm#11261)."""
        import asyncio

        from planner.engine.helm import PyHelmRunner
        from planner.engine.state import StepError

        try:
            return asyncio.run(PyHelmRunner(self.helm).chart_crds(target))
        except StepError as e:
            raise StepFailed(e.message) from e


class StepFailed(Exception):
    pass


def find_tools(kubeconfig: str | None, context: str | None) -> Tools:
    from planner.engine.helm import HELM_HINT
    from planner.engine.kubectl import KUBECTL_HINT
    from planner.tools import find_helm, find_kubectl

    helm, kubectl = find_helm(), find_kubectl()
    if helm is None:
        raise ServiceUnavailableError("the helm binary was not found", hint=HELM_HINT)
    if kubectl is None:
        raise ServiceUnavailableError("kubectl was not found (upgrade --apply applies CRDs and migrates objects "
                                      "with it)", hint=KUBECTL_HINT)
    flags: list[str] = []
    if kubeconfig:
        flags += ["--kubeconfig", kubeconfig]
    if context:
        flags += ["--context", context]
    return Tools(helm, kubectl, tuple(flags))


def apply_crds(tools: Tools, step: Step, target: Target) -> str:
    if not isinstance(target, ChartTarget):
        raise StepFailed(f"{step.release} is not a Helm chart; cannot read its crds/ folder")
    docs = tools.chart_crds(target)
    if not docs:
        return "no CRDs in the chart's crds/ folder"
    manifests = json.dumps({"apiVersion": "v1", "kind": "List", "items": docs})
    out = tools.kubectl_("apply", "--server-side", "--force-conflicts", "--field-manager", "stackplan", "-f", "-",
                         stdin=manifests)
    return f"{len([line for line in out.splitlines() if line.strip()])} CRD(s) applied server-side"


def adopt(tools: Tools, crds: Sequence[str], release: str, namespace: str) -> str:
    """Give CRDs installed from a chart's crds/ folder the ownership Helm checks before it takes over an existing
    object (helm/helm pkg/action/validate.go: label app.kubernetes.io/managed-by=Helm, annotations
    meta.helm.sh/release-name and meta.helm.sh/release-namespace), so the release's templates may own them."""
    found = [c for c in crds if tools.kubectl_("get", "crd", c, "--ignore-not-found", "-o", "name").strip()]
    for crd in found:
        tools.kubectl_("label", "crd", crd, "app.kubernetes.io/managed-by=Helm", "--overwrite")
        tools.kubectl_("annotate", "crd", crd, f"meta.helm.sh/release-name={release}",
                       f"meta.helm.sh/release-namespace={namespace}", "--overwrite")
    return f"{len(found)} CRD(s) handed to Helm release {namespace}/{release}" + (
        f" ({len(crds) - len(found)} not installed)" if len(found) < len(crds) else "")


def migrate(tools: Tools, crds: Sequence[str], new: str) -> str:
    """Rewrite every object of each CRD unchanged, then drop the old versions from status.storedVersions."""
    rewritten = 0
    for crd in crds:
        live = json.loads(tools.kubectl_("get", "crd", crd, "-o", "json"))
        storage = next((v["name"] for v in live["spec"]["versions"] if v.get("storage")), None)
        if storage != new:
            raise StepFailed(f"CRD {crd} stores {storage}, not {new}: upgrade its release first")
        objects = json.loads(tools.kubectl_("get", crd, "--all-namespaces", "-o", "json"))
        if objects.get("items"):
            tools.kubectl_("replace", "-f", "-", stdin=json.dumps(objects))
            rewritten += len(objects["items"])
        patch = json.dumps({"status": {"storedVersions": [new]}})
        tools.kubectl_("patch", "crd", crd, "--subresource=status", "--type=merge", "-p", patch)
    return f"{rewritten} object(s) rewritten as {new}; storedVersions = [{new}] on {len(crds)} CRD(s)"


class ReleaseStep(Protocol):
    """One release through the engine of `stackplan apply` (planner.engine.install.ReleaseEngine.release)."""

    def __call__(self, rid: str, objects: tuple[str, ...]) -> ApplyResult: ...


def run_upgrade(plan: Plan, up: UpgradePlan, targets: Mapping[str, Target], *,
                kubeconfig: str | None, context: str | None, timeout: str, echo: Callable[[str], None],
                command: str = "stackplan upgrade --apply", release: ReleaseStep | None = None,
                tools: Tools | None = None) -> int:
    """Run the steps in `up.steps`' order; returns the exit code (0 done, 1 a step failed or the plan is not safe).
    `command` is the command line that continues after a failure (the same one)."""
    if not up.safe:
        echo("upgrade --apply: the plan has hazards marked DECIDE; nothing was changed")
        return 1
    steps = up.steps
    total = len(steps)
    done: list[str] = []
    tools = tools or find_tools(kubeconfig, context)
    if release is None and any(s.action in RELEASE_ACTIONS for s in steps):
        from planner.engine.install import ReleaseEngine

        release = ReleaseEngine(plan, targets, kubeconfig=kubeconfig, context=context, timeout=timeout).release

    def fail(i: int, step: Step, why: str) -> int:
        echo(f"upgrade --apply: step {i}/{total} ({_what(step)}) failed: {why}")
        echo("  done: " + ("; ".join(done) if done else "nothing (no step finished)"))
        later = [f"{j}. {_what(s)}" for j, s in enumerate(steps[i:], start=i + 1)]
        echo("  not started: " + ("; ".join(later) if later else "nothing"))
        echo(f"  to continue, fix the cause and run: {command}")
        echo("  (the plan is read again from the cluster: finished steps drop out and the failed step runs first; "
             f"`{_plan_only(command)}` shows what is left)")
        return 1

    for i, step in enumerate(steps, start=1):
        try:
            if step.action == "crds":
                result = apply_crds(tools, step, targets[step.release])
            elif step.action in RELEASE_ACTIONS:
                assert release is not None
                outcome = release(step.release, step.objects)
                if outcome.exit_code():
                    why = "; ".join(f"{o.release}: {o.detail}" for o in outcome.failed) or "not ready"
                    return fail(i, step, why)
                main, *objs = outcome.outcomes
                result = f"{main.state.value}" + (f": {main.detail}" if main.detail else "")
                result += f"; {len(objs)} custom resource(s) applied" if objs else ""
            elif step.action == "migrate":
                result = migrate(tools, step.crds, step.storage)
            elif step.action == "adopt":
                result = adopt(tools, step.crds, step.release, plan.releases[step.release].namespace)
            else:  # pragma: no cover - the planner makes no other step
                return fail(i, step, f"unknown step {step.action!r}")
        except (StepFailed, subprocess.TimeoutExpired, ValueError) as e:
            return fail(i, step, str(e))
        echo(f"[{i}/{total}] {_what(step)}: {result}")
        done.append(f"{i}. {_what(step)}")
    echo(f"upgrade --apply: {total} step(s) done")
    return 0


def _what(step: Step) -> str:
    return {"crds": f"CRDs of {step.release}", "migrate": f"storage migration of {step.release}",
            "adopt": f"CRD ownership of {step.release}"}.get(
        step.action, f"{step.action} {step.release}")


def _plan_only(command: str) -> str:
    return " ".join(part for part in command.split(" ") if part != "--apply")
