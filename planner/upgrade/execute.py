"""`stackplan upgrade --apply`: carry out an UpgradePlan, step by step, stopping at the first failure.

1. CRDs Helm would not upgrade: `helm show crds <chart> --version <pin>` (the new chart's crds/ folder)
   piped to `kubectl apply --server-side --force-conflicts`.
2. The releases: the same engine as `stackplan apply` (planner.engine.install), which upgrades wave by
   wave and skips releases already at their pin and values.
3. Storage-version migrations: every object of the CRD rewritten unchanged (`kubectl get -o json` then
   `kubectl replace`, so the API server stores it at the new storage version), then the old version
   dropped from the CRD's status.storedVersions (only when the live CRD stores the new version).

Every step is idempotent, so resuming after a failure is running the same command again.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from planner.engine.charts import ChartTarget, Target
from planner.errors import ServiceUnavailableError
from planner.model import Plan
from planner.upgrade.plan import Step, UpgradePlan

RESUME = "fix the cause, then run the same `stackplan upgrade --apply` again: finished steps are skipped or redone " \
         "harmlessly (CRD applies and migrations are idempotent; releases at their pin are skipped)"


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


class StepFailed(Exception):
    pass


def find_tools(kubeconfig: str | None, context: str | None) -> Tools:
    from planner.engine.helm import HELM_HINT, find_helm
    from planner.engine.kubectl import KUBECTL_HINT, find_kubectl

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
    args = [tools.helm, "show", "crds", target.ref]
    if target.repo:
        args += ["--repo", target.repo]
    if target.version:
        args += ["--version", target.version]
    manifests = tools.run(args)
    if not manifests.strip():
        return "no CRDs in the chart's crds/ folder"
    out = tools.kubectl_("apply", "--server-side", "--force-conflicts", "--field-manager", "stackplan", "-f", "-",
                         stdin=manifests)
    return f"{len([line for line in out.splitlines() if line.strip()])} CRD(s) applied server-side"


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


def run_upgrade(plan: Plan, up: UpgradePlan, targets: Mapping[str, Target], *,
                kubeconfig: str | None, context: str | None, timeout: str, echo: Callable[[str], None],
                output: str = "table", install: Callable[..., object] | None = None, tools: Tools | None = None) -> int:
    """Run the steps; returns the exit code (0 done, 1 a step failed or the plan is not safe)."""
    if not up.safe:
        echo("upgrade --apply: the plan has hazards marked DECIDE; nothing was changed")
        return 1
    tools = tools or find_tools(kubeconfig, context)
    crd_steps = [s for s in up.steps if s.action == "crds"]
    release_steps = [s for s in up.steps if s.action in ("upgrade", "install")]
    migrations = [s for s in up.steps if s.action == "migrate"]
    total = len(crd_steps) + (1 if release_steps else 0) + len(migrations)
    done = 0

    def fail(what: str, why: str) -> int:
        echo(f"upgrade --apply: step {done + 1}/{total} ({what}) failed: {why}")
        echo(f"  resume: {RESUME}")
        return 1

    for step in crd_steps:
        try:
            echo(f"[{done + 1}/{total}] {step.release}: {apply_crds(tools, step, targets[step.release])}")
        except (StepFailed, subprocess.TimeoutExpired) as e:
            return fail(f"CRDs of {step.release}", str(e))
        done += 1
    if release_steps:
        if install is None:
            from planner.engine.install import install as engine_install

            install = engine_install
        echo(f"[{done + 1}/{total}] releases: " + ", ".join(s.release for s in release_steps) + " (stackplan apply)")
        result = install(plan, targets, kubeconfig=kubeconfig, context=context, timeout=timeout, output=output)
        code = result.exit_code()  # type: ignore[attr-defined]
        if code:
            echo(f"upgrade --apply: step {done + 1}/{total} (releases) failed; later steps were not started")
            echo(f"  resume: {RESUME}")
            return int(code)
        done += 1
    for step in migrations:
        try:
            echo(f"[{done + 1}/{total}] {step.release}: "
                 f"{migrate(tools, step.crds, step.storage)}")
        except (StepFailed, subprocess.TimeoutExpired, ValueError) as e:
            return fail(f"storage migration of {step.release}", str(e))
        done += 1
    echo(f"upgrade --apply: {total} step(s) done")
    return 0
