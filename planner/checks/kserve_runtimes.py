"""HC042: the KServe serving runtimes the plan enables exist and are not disabled.

The kserve-runtime-configs chart renders one ClusterServingRuntime `kserve-<runtime>` per entry of
`kserve.servingruntime` when `kserve.servingruntime.enabled` is true, with `spec.disabled` from that entry's
`disabled` (kserve/kserve:charts/kserve-runtime-configs/templates/runtimes/resources.yaml and
files/runtimes/clusterservingruntimes-patch.yaml@v0.20.0). The runtimes checked are those the blueprint's
health names (Triton, the Hugging Face server and vLLM), read from the release's values.
"""

from __future__ import annotations

from collections.abc import Mapping

from planner.checks.base import Check
from planner.checks.view import ClusterView
from planner.kinds import CLUSTER_SERVING_RUNTIMES
from planner.model import JSON
from planner.report import Finding, Severity, Subject
from planner.values import get_path

RUNTIMES = ("tritonserver", "huggingfaceserver", "vllmserver")


def expected_runtimes(values: Mapping[str, JSON]) -> list[str]:
    """ClusterServingRuntime names the release's values render and enable."""
    if not get_path(values, "kserve.servingruntime.enabled", False):
        return []
    return [f"kserve-{key}" for key in RUNTIMES
            if get_path(values, f"kserve.servingruntime.{key}.disabled", False) is not True]


class KserveRuntimesPresent(Check):
    id = "HC042"
    title = "KServe serving runtimes exist and are enabled"
    components = ("kserve-runtimes",)
    severity = Severity.HIGH
    reads = (CLUSTER_SERVING_RUNTIMES,)
    remediation = ("`stackplan apply` re-installs the kserve-runtimes release (`helm list -n kserve`); an "
                   "InferenceService whose model format has no enabled runtime never becomes ready.")

    def evaluate(self, view: ClusterView) -> list[Finding]:
        out: list[Finding] = []
        for rel in view.releases_of("kserve-runtimes"):
            for name in expected_runtimes(rel.values):
                obj = view.get(CLUSTER_SERVING_RUNTIMES, name)
                subject = Subject("ClusterServingRuntime", name)
                if obj is None:
                    out.append(self.failed(subject, f"ClusterServingRuntime {name} does not exist",
                                           evidence=[f"ClusterServingRuntime/{name} not found"]))
                elif (obj.get("spec") or {}).get("disabled") is True:
                    out.append(self.failed(subject, f"ClusterServingRuntime {name} is disabled",
                                           evidence=[f"ClusterServingRuntime/{name} .spec.disabled=true"],
                                           remediation=f"set kserve.servingruntime.{name.removeprefix('kserve-')}"
                                                       ".disabled=false in the kserve-runtimes values"))
                else:
                    out.append(self.passed(subject, f"ClusterServingRuntime {name} is enabled",
                                           evidence=[f"ClusterServingRuntime/{name} .spec.disabled is not true"]))
        return out
