"""What satisfies each AI Conformance requirement, as data: catalog components (plan mode) and the
cluster checks that produce the evidence (`--cluster`). Ids are upstream's (checklist.py); a test keeps
this table covering every id of every checklist and nothing else.

Scopes:
- `stack`: components of the catalog decide it (every group of `all_of` needs one of its components);
- `platform`: the cluster or its provider decides it (node autoscaler, Kubernetes version, NICs), so the
  plan cannot; `stackplan conformance --cluster` looks for the evidence;
- `gap`: the catalog has no component for it yet; `fix` says what would.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from planner.model import Plan, Release

# the conformant Gateways listed by
# kubernetes-sigs/gateway-api-inference-extension:site-src/implementations/gateways.md@v1.6.0
GATEWAY_IMPLEMENTATIONS = "Istio, Agentgateway or NGINX Gateway Fabric"


@dataclass(frozen=True)
class Satisfier:
    requirement: str
    scope: str  # stack | platform | gap
    all_of: tuple[tuple[str, ...], ...] = ()  # component groups: one of each group must be in the plan
    simulated: tuple[str, ...] = ()  # components that only simulate the capability (no real evidence)
    disabled_by: Mapping[str, str] = field(default_factory=dict)  # component -> value path whose false turns it off
    enabled_by: Mapping[str, str] = field(default_factory=dict)  # component -> value path that must be set
    min_kubernetes: str = ""  # platform scope: satisfied by the Kubernetes version itself from this minor on
    conditional: str = ""  # upstream's "If …": when it holds, N/A (with a note) is a valid answer
    fix: str = ""  # what would satisfy it, in words (components the catalog lacks, platform features)
    how: str = ""  # what satisfies it, for the docs and the PRODUCT.yaml notes

    def components(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c for group in self.all_of for c in group))


_OPERATORS = ("kuberay", "kubeflow-trainer", "kserve", "katib", "kubeai", "lws", "kueue", "volcano")

SATISFIERS: dict[str, Satisfier] = {s.requirement: s for s in (
    # accelerators
    Satisfier("dra_support", "platform", min_kubernetes="1.34",
              how="the DRA APIs (resource.k8s.io) served by the API server: GA as resource.k8s.io/v1 from "
                  "Kubernetes 1.34 (kubernetes/enhancements KEP-4381)",
              fix="run Kubernetes 1.34 or newer (or enable the resource.k8s.io API and the DRA feature gates)"),
    Satisfier("driver_runtime_management", "stack", all_of=(("gpu-operator",),),
              how="the NVIDIA GPU Operator installs and validates the driver and container toolkit per node "
                  "(ClusterPolicy, nvidia-operator-validator)",
              fix="install gpu-operator (the fake-gpu-operator only simulates GPUs)"),
    Satisfier("gpu_sharing", "stack", all_of=(("gpu-operator",),),
              enabled_by={"gpu-operator": "devicePlugin.config.name"},
              how="the GPU Operator's device plugin with a sharing configuration (time-slicing or MIG) named in "
                  "devicePlugin.config.name (NVIDIA/gpu-operator:deployments/gpu-operator/values.yaml@v26.7.0)",
              fix="install gpu-operator and set gpu-operator devicePlugin.config.name to a ConfigMap holding a "
                  "time-slicing or MIG configuration"),
    Satisfier("virtualized_accelerator", "platform",
              how="vGPU exposed by the platform (the GPU Operator's vGPU manager with a licensed NVIDIA vGPU host)",
              conditional="For accelerators that support virtualized accelerator technologies",
              fix="not covered by the catalog: configure vGPU on the hosts"),
    # networking
    Satisfier("ai_inference", "stack", all_of=(("nginx-gateway-fabric",),),
              how="a Gateway API implementation (Gateway API CRDs served, its GatewayClass Accepted)",
              fix="add a Gateway API implementation: nginx-gateway-fabric from the catalog, or "
                  f"{GATEWAY_IMPLEMENTATIONS}"),
    Satisfier("advanced_inference_ingress", "stack",
              all_of=(("nginx-gateway-fabric",), ("gateway-api-inference-extension-crds",)),
              enabled_by={"nginx-gateway-fabric": "nginxGateway.gwAPIInferenceExtension.enable"},
              how="the Gateway API Inference Extension (InferencePool CRD) on a Gateway that routes to it; each "
                  "model then needs an InferencePool and its endpoint picker",
              fix="add gateway-api-inference-extension-crds with nginx-gateway-fabric (its rule turns "
                  "nginxGateway.gwAPIInferenceExtension.enable on)"),
    Satisfier("high_performance_networking", "platform",
              conditional="If high performance pod-to-pod communication is needed",
              how="specialised NICs exposed through DRA (e.g. DRANET)",
              fix="not covered by the catalog: expose RDMA/secondary NICs with a DRA driver"),
    Satisfier("disaggregated_inference", "gap",
              how="a disaggregated serving solution with separate prefill and decode instances (vLLM, SGLang, "
                  "llm-d or Dynamo)",
              fix="deploy llm-d or Dynamo (not in the catalog), or a vLLM configuration with separate prefill "
                  "and decode instances"),
    # scheduling and orchestration
    Satisfier("gang_scheduling", "stack", all_of=(("kueue", "volcano"),),
              how="Kueue (all-or-nothing admission of a Workload's pod sets) or Volcano (PodGroup minMember)",
              fix="add Kueue or Volcano"),
    Satisfier("cluster_autoscaling", "platform",
              conditional="If the platform provides a cluster autoscaler or an equivalent mechanism",
              how="the platform's node autoscaler (Cluster Autoscaler, Karpenter) scales accelerator node groups "
                  "on pending pods",
              fix="configure the provider's node autoscaler for the GPU node group; without one the answer is "
                  "N/A with a note"),
    Satisfier("pod_autoscaling", "stack", all_of=(("kube-prometheus-stack",), ("prometheus-adapter",)),
              conditional="If the platform supports the HorizontalPodAutoscaler",
              how="HPA with custom metrics: the custom.metrics.k8s.io API served by an adapter over Prometheus",
              fix="add prometheus-adapter (it brings kube-prometheus-stack)"),
    # observability
    Satisfier("accelerator_metrics", "stack", all_of=(("gpu-operator", "dcgm-exporter", "fake-gpu-operator"),),
              simulated=("fake-gpu-operator",), disabled_by={"gpu-operator": "dcgmExporter.enabled"},
              how="NVIDIA DCGM exporter (per-GPU utilisation, memory, temperature, power on :9400/metrics)",
              fix="install gpu-operator (DCGM exporter on by default) or dcgm-exporter"),
    Satisfier("ai_service_metrics", "stack", all_of=(("kube-prometheus-stack",),),
              how="Prometheus Operator: ServiceMonitors/PodMonitors discover workloads exposing Prometheus metrics",
              fix="add kube-prometheus-stack"),
    # security
    Satisfier("secure_accelerator_access", "stack", all_of=(("gpu-operator", "fake-gpu-operator"),),
              simulated=("fake-gpu-operator",),
              how="the NVIDIA device plugin (GPU Operator) mediates GPU access through nvidia.com/gpu requests; "
                  "the automated upstream test is TestSecureAcceleratorAccess (kubernetes-sigs/ai-conformance)",
              fix="install gpu-operator"),
    # operator
    Satisfier("robust_controller", "stack", all_of=(_OPERATORS,),
              how="an AI operator with CRDs, webhooks and reconciled custom resources",
              fix="add an AI operator: kuberay, kubeflow-trainer, kserve or kueue"),
)}


def _value(values: Mapping[str, object], path: str) -> object:
    node: object = values
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def present(s: Satisfier, plan: Plan) -> dict[str, Release]:
    """The plan's releases that count for `s` (a component switched off by its values does not)."""
    out: dict[str, Release] = {}
    for rel in plan.ordered():
        if rel.component not in s.components():
            continue
        off = s.disabled_by.get(rel.component)
        if off and _value(rel.values, off) is False:
            continue
        on = s.enabled_by.get(rel.component)
        if on and not _value(rel.values, on):
            continue
        out[rel.component] = rel
    return out
