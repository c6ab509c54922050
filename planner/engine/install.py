"""The I/O shell around `apply_plan`: find helm and kubectl, check the cluster answers, show progress.

Used by `stackplan apply` and by `stackplan cluster create` (which installs fake-gpu-operator).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from planner.engine.charts import KustomizeTarget, Target
from planner.engine.state import ApplyResult
from planner.errors import InputError, ServiceUnavailableError
from planner.model import Plan


def check_kubeconfig(kubeconfig: str | None, context: str | None) -> None:
    """Fail with exit 2 before helm runs when the kubeconfig is missing, unreadable, empty or lacks the context
    (helm would fall back to http://localhost:8080 or say only "cluster unreachable"). Same rules as check/drift."""
    from planner.kubeconfig import select

    select(kubeconfig, context)


def kube_flags(kubeconfig: str | None, context: str | None) -> tuple[str | None, str | None]:
    """The --kubeconfig to pass on (None leaves KUBECONFIG/~/.kube/config to helm and kubectl)."""
    if kubeconfig and os.pathsep in kubeconfig:
        return None, context  # a KUBECONFIG list: the tools merge it themselves
    if kubeconfig and not Path(kubeconfig).expanduser().is_file():
        raise InputError(f"--kubeconfig {kubeconfig}: no such file",
                         hint="pass the path of a kubeconfig, or unset KUBECONFIG to use ~/.kube/config")
    return (str(Path(kubeconfig).expanduser()) if kubeconfig else None), context


def needs_kubectl(plan: Plan, targets: Mapping[str, Target]) -> list[str]:
    """Why this plan needs kubectl (kustomize releases, labelled namespaces); empty when it does not."""
    why = [f"release {rid} is a kustomize release" for rid, t in targets.items() if isinstance(t, KustomizeTarget)]
    why += [f"namespace {r.namespace} of {r.id} needs labels" for r in plan.ordered() if r.namespace_labels]
    return why


def make_runners(plan: Plan, targets: Mapping[str, Target], kubeconfig: str | None, context: str | None):
    """(helm runner, kube runner or None); raises ServiceUnavailableError (exit 3) naming what is missing."""
    from planner.engine.helm import HELM_HINT, PyHelmRunner
    from planner.engine.kubectl import KUBECTL_HINT, KubectlRunner
    from planner.tools import find_helm, find_kubectl

    helm_bin = find_helm()
    if helm_bin is None:
        raise ServiceUnavailableError("the helm binary was not found", hint=HELM_HINT)
    try:
        helm = PyHelmRunner(helm_bin, kubeconfig=kubeconfig, context=context)
    except Exception as e:  # `helm version` failed: not a working helm
        raise ServiceUnavailableError(f"{helm_bin} does not work as helm: {e}", hint=HELM_HINT) from e
    if helm.version.major < 3:
        raise ServiceUnavailableError(f"{helm_bin} is helm {helm.version}; stackplan needs helm 3 or 4",
                                      hint=HELM_HINT)
    kubectl_bin = find_kubectl()
    why = needs_kubectl(plan, targets)
    if kubectl_bin is None and why:
        raise ServiceUnavailableError(f"kubectl was not found, and {why[0]}", hint=KUBECTL_HINT)
    kube = KubectlRunner(kubectl_bin, kubeconfig=kubeconfig, context=context) if kubectl_bin else None
    return helm, kube


def check_reachable(kubeconfig: str | None, context: str | None, timeout: float = 10.0) -> None:
    """Exit 3 (ClusterUnreachableError) when the API server does not answer or rejects the credentials.

    Decided by the typed answer of the reader `check` and `drift` use (`ClusterReader.ping`: a network error, a
    timeout, 401, or 403 on discovery), never by the wording of helm's error messages."""
    from planner.cluster import ClusterReader

    with ClusterReader(kubeconfig, context, timeout=timeout) as reader:
        reader.ping()


async def _with_ticks(work, progress, every: float = 1.0):
    """Run `work` while calling `progress.tick()` every `every` seconds (elapsed times, `still waiting`)."""
    async def ticker() -> None:
        while True:
            await asyncio.sleep(every)
            progress.tick()

    task = asyncio.create_task(ticker())
    try:
        return await work
    finally:
        task.cancel()


def install(plan: Plan, targets: Mapping[str, Target], *, kubeconfig: str | None, context: str | None,
            timeout: str, tty: bool | None = None, output: str = "table") -> ApplyResult:
    """Apply the plan with progress; returns the result (exit code via `result.exit_code()`).

    `output="json"`: progress lines go to stderr and stdout gets only the JSON summary.
    """
    import json

    from planner.engine.apply import apply_plan
    from planner.engine.progress import LineProgress, RichProgress, print_summary_rich, summary_dict, summary_text
    from planner.engine.resources import progress_rows

    given = kubeconfig
    kubeconfig, context = kube_flags(kubeconfig, context)
    check_kubeconfig(given, context)
    helm, kube = make_runners(plan, targets, kubeconfig, context)
    check_reachable(given, context)
    waves = {rid: i for i, wave in enumerate(plan.waves, start=1) for rid in wave}
    waves.update(progress_rows(plan))  # custom resources: one row each
    tty = sys.stdout.isatty() if tty is None else tty

    def run(progress) -> ApplyResult:
        from planner.engine.waiting import ObservedHelm, ObservedKube

        observed_kube = ObservedKube(kube, progress) if kube is not None else None
        work = apply_plan(plan, targets, helm=ObservedHelm(helm, kube, progress), kube=observed_kube,
                          timeout=timeout, observer=progress)
        return asyncio.run(_with_ticks(work, progress))

    if output == "json":
        result = run(LineProgress(waves, stream=sys.stderr))
        print(json.dumps(summary_dict(result), indent=2), flush=True)
    elif tty:
        with RichProgress(waves) as progress:
            result = run(progress)
        print_summary_rich(result)
    else:
        result = run(LineProgress(waves))
        print(summary_text(result), flush=True)
    return result


class ReleaseEngine:
    """`stackplan apply`'s engine, one release at a time (`stackplan upgrade --apply`): helm and kubectl are found
    and the cluster is checked once, then `release()` upgrades one release (`apply_release`) with line progress on
    stderr and returns its result."""

    def __init__(self, plan: Plan, targets: Mapping[str, Target], *, kubeconfig: str | None, context: str | None,
                 timeout: str) -> None:
        given = kubeconfig
        kubeconfig, context = kube_flags(kubeconfig, context)
        check_kubeconfig(given, context)
        self.helm, self.kube = make_runners(plan, targets, kubeconfig, context)
        check_reachable(given, context)
        self.plan, self.targets, self.timeout = plan, targets, timeout

    def release(self, rid: str, objects: tuple[str, ...] = ()) -> ApplyResult:
        from planner.engine.apply import apply_release
        from planner.engine.progress import LineProgress
        from planner.engine.waiting import ObservedHelm, ObservedKube

        wave = next(i for i, w in enumerate(self.plan.waves, start=1) if rid in w)
        progress = LineProgress({rid: wave, **{r: wave for r in objects}}, stream=sys.stderr)
        kube = ObservedKube(self.kube, progress) if self.kube is not None else None
        work = apply_release(self.plan, rid, self.targets, helm=ObservedHelm(self.helm, self.kube, progress),
                             kube=kube, timeout=self.timeout, observer=progress, objects=objects)
        return asyncio.run(_with_ticks(work, progress))
