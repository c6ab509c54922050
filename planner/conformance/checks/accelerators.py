"""AC004 (accelerator_metrics): a DCGM exporter runs on every GPU node and a ServiceMonitor scrapes it.
AC008 (secure_accelerator_access): GPU access goes through the device plugin only.
AC010 (dra_support): the DRA API (resource.k8s.io) is served.
AC011 (gpu_sharing): a GPU node exposes a sharing strategy (time-slicing, MPS or MIG).

DCGM exporter DaemonSet names come from the catalog's blueprints (gpu-operator: nvidia-dcgm-exporter,
dcgm-exporter chart: dcgm-exporter; their sources are in the blueprints). ServiceMonitor `spec.selector`,
`spec.namespaceSelector.{any,matchNames}` (prometheus-operator:pkg/apis/monitoring/v1/servicemonitor_types.go
@v0.93.1). NVIDIA_VISIBLE_DEVICES is the NVIDIA container toolkit's device selection
(NVIDIA/nvidia-container-toolkit docs: docker-specialized.html); a container that sets it itself, runs
privileged or mounts /dev/nvidia* reaches GPUs the device plugin did not allocate to it. The DRA API
group's built-in APIService is `v1.resource.k8s.io` (GA in Kubernetes 1.34, KEP-4381). GPU feature
discovery labels a shared GPU node `nvidia.com/gpu.sharing-strategy` = time-slicing | mps (none otherwise) and
`nvidia.com/gpu.replicas`; with renameByDefault the resource is `nvidia.com/gpu.shared`; MIG's mixed strategy
advertises `nvidia.com/mig-<profile>` resources (NVIDIA GPU Operator docs: gpu-sharing, gpu-sharing-mps,
gpu-operator-mig).
"""

from __future__ import annotations

from functools import cache

from planner.checks import k8s
from planner.checks.view import GPU_RESOURCE, ClusterView, Obj
from planner.conformance.checks.base import ConformanceCheck
from planner.conformance.checks.networking import crd_established
from planner.kinds import APISERVICES, CRDS, DAEMONSETS, NODES, PODS, SERVICE_MONITORS, SERVICES
from planner.report import Finding, Severity, Subject

SERVICE_MONITOR_CRD = "servicemonitors.monitoring.coreos.com"
DRA_APISERVICES = ("v1.resource.k8s.io", "v1beta2.resource.k8s.io", "v1beta1.resource.k8s.io")
GPU_COMPONENTS = ("gpu-operator", "dcgm-exporter", "fake-gpu-operator")
_DONE = ("Succeeded", "Failed")


@cache
def dcgm_daemonsets() -> tuple[str, ...]:
    """DCGM exporter DaemonSet names, from the blueprints of the components that ship one."""
    from planner.catalog import load_catalog

    bps = load_catalog().blueprints
    return tuple(sorted({w.name for c in GPU_COMPONENTS if c in bps for w in bps[c].workloads
                         if w.kind == "DaemonSet" and "dcgm-exporter" in w.name}))


def _monitors(view: ClusterView, svc: Obj) -> list[Obj]:
    labels, ns = k8s.meta(svc).get("labels") or {}, k8s.namespace(svc)
    out = []
    for sm in view.list(SERVICE_MONITORS):
        spec = sm.get("spec") or {}
        nss = spec.get("namespaceSelector") or {}
        in_scope = nss.get("any") or ns in (nss.get("matchNames") or [k8s.namespace(sm)])
        if in_scope and k8s.selector_matches(spec.get("selector"), labels):
            out.append(sm)
    return out


class AcceleratorMetricsScraped(ConformanceCheck):
    id = "AC004"
    requirement = "accelerator_metrics"
    title = "A DCGM exporter runs on every GPU node and Prometheus scrapes it"
    severity = Severity.HIGH
    reads = (NODES, DAEMONSETS, PODS, SERVICES, CRDS, SERVICE_MONITORS)
    remediation = ("Install gpu-operator (dcgmExporter.enabled) or dcgm-exporter, and kube-prometheus-stack: with "
                   "both in the plan the exporter's ServiceMonitor is switched on.")

    def evaluate(self, view: ClusterView) -> list[Finding]:
        gpu_nodes = {k8s.name(n) for n in view.gpu_nodes()}
        if not gpu_nodes:
            return [self.not_applicable("no GPU nodes: no accelerator to expose metrics for")]
        names = dcgm_daemonsets()
        sets = [d for d in view.list(DAEMONSETS) if k8s.name(d) in names]
        if not sets:
            return [self.failed(self.scope("DCGM exporter"), "no DCGM exporter DaemonSet is installed",
                                evidence=[f"no DaemonSet named {' or '.join(names)}"])]
        out: list[Finding] = []
        covered = {(p.get("spec") or {}).get("nodeName") for d in sets for p in view.pods_selected_by(d)
                   if k8s.is_true(p, "Ready")}
        bare = sorted(gpu_nodes - covered)
        refs = ", ".join(k8s.ref(d) for d in sets)
        if bare:
            out.append(self.failed(self.scope("DCGM exporter"), f"{len(bare)} of {len(gpu_nodes)} GPU node(s) have no "
                                   "ready DCGM exporter pod", evidence=[f"{refs}; no ready exporter pod on: "
                                                                        + ", ".join(bare[:10])]))
        else:
            out.append(self.passed(self.scope("DCGM exporter"), f"a ready DCGM exporter pod on each of the "
                                   f"{len(gpu_nodes)} GPU node(s)", evidence=[refs]))
        if not crd_established(view, SERVICE_MONITOR_CRD):
            out.append(self.failed(self.scope("scraping"), "the exporter is not scraped: the Prometheus Operator's "
                                   "ServiceMonitor API is not installed",
                                   evidence=[f"CustomResourceDefinition/{SERVICE_MONITOR_CRD} missing"]))
            return out
        for d in sets:
            labels = ((d.get("spec") or {}).get("template") or {}).get("metadata", {}).get("labels") or {}
            svcs = [s for s in view.in_namespaces(SERVICES, [k8s.namespace(d) or ""])
                    if (s.get("spec") or {}).get("selector")
                    and k8s.selector_matches({"matchLabels": s["spec"]["selector"]}, labels)]
            monitors = [(s, m) for s in svcs for m in _monitors(view, s)]
            if monitors:
                out.append(self.passed(k8s.subject(d), f"{k8s.ref(d)} is scraped",
                                       evidence=[f"{k8s.ref(m)} selects {k8s.ref(s)}" for s, m in monitors]))
            else:
                out.append(self.failed(k8s.subject(d), f"{k8s.ref(d)} is not scraped: no ServiceMonitor selects its "
                                       "Service", evidence=[f"Services of the exporter: "
                                                            f"{', '.join(k8s.ref(s) for s in svcs) or 'none'}"]))
        return out


def _bypasses(pod: Obj) -> str | None:
    """How a pod that requests no GPU could still reach one, else None."""
    spec = pod.get("spec") or {}
    for c in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        for env in c.get("env") or []:
            if env.get("name") == "NVIDIA_VISIBLE_DEVICES" and env.get("value") not in (None, "", "void", "none"):
                return f"container {c.get('name')} sets NVIDIA_VISIBLE_DEVICES={env.get('value')}"
        if (c.get("securityContext") or {}).get("privileged"):
            return f"container {c.get('name')} is privileged"
    for v in spec.get("volumes") or []:
        path = (v.get("hostPath") or {}).get("path", "")
        if path.startswith("/dev/nvidia") or path == "/dev":
            return f"volume {v.get('name')} mounts hostPath {path}"
    return None


class AcceleratorAccessMediated(ConformanceCheck):
    id = "AC008"
    requirement = "secure_accelerator_access"
    title = "GPUs are reached only through the device plugin's allocations"
    severity = Severity.HIGH
    reads = (NODES, PODS)
    remediation = ("Request GPUs as nvidia.com/gpu resources; drop NVIDIA_VISIBLE_DEVICES, privileged mode and "
                   "/dev/nvidia* hostPath mounts from pods that are not GPU system components.")

    def evaluate(self, view: ClusterView) -> list[Finding]:
        nodes = view.gpu_nodes()
        if not nodes:
            return [self.not_applicable("no GPU nodes: no accelerator to isolate")]
        system = {r.namespace for r in view.plan.releases.values() if r.component in GPU_COMPONENTS} | {"kube-system"}
        out: list[Finding] = []
        by_node: dict[str, list[Obj]] = {}
        for p in view.list(PODS):
            node = (p.get("spec") or {}).get("nodeName")
            if node and (p.get("status") or {}).get("phase") not in _DONE:
                by_node.setdefault(node, []).append(p)
        for n in nodes:
            name = k8s.name(n)
            alloc = int(str(((n.get("status") or {}).get("allocatable") or {}).get(GPU_RESOURCE, "0")) or 0)
            if alloc == 0:
                out.append(self.failed(k8s.subject(n), f"GPU node {name} advertises no allocatable {GPU_RESOURCE}: "
                                       "no device plugin mediates its GPUs",
                                       evidence=[f"Node/{name} .status.allocatable[{GPU_RESOURCE}] absent or 0"]))
                continue
            pods = by_node.get(name, [])
            used = sum(_gpu_limit(p) for p in pods)
            if used > alloc:
                out.append(self.failed(k8s.subject(n), f"pods on {name} hold {used} GPUs, more than the {alloc} "
                                       "allocatable", evidence=[f"Node/{name} allocatable {GPU_RESOURCE}={alloc}"]))
            bad = [(p, why) for p in pods if k8s.namespace(p) not in system
                   and not k8s.requests_resource(p, GPU_RESOURCE) and (why := _bypasses(p))]
            for p, why in bad:
                out.append(self.failed(k8s.subject(p), f"pod {k8s.namespace(p)}/{k8s.name(p)} on GPU node {name} "
                                       f"requests no GPU but can reach them: {why}", evidence=[why],
                                       sensitive=view.sensitive(p)))
            if used <= alloc and not bad:
                out.append(self.passed(k8s.subject(n), f"{name}: {used} of {alloc} GPUs allocated through the device "
                                       "plugin; no pod reaches GPUs around it",
                                       evidence=[f"Node/{name} allocatable {GPU_RESOURCE}={alloc}, {len(pods)} pods"]))
        return out


def _gpu_limit(pod: Obj) -> int:
    total = 0
    for c in (pod.get("spec") or {}).get("containers") or []:
        res = c.get("resources") or {}
        value = (res.get("limits") or {}).get(GPU_RESOURCE) or (res.get("requests") or {}).get(GPU_RESOURCE) or 0
        total += int(str(value))
    return total


class DraApiServed(ConformanceCheck):
    id = "AC010"
    requirement = "dra_support"
    title = "The Dynamic Resource Allocation API (resource.k8s.io) is served"
    severity = Severity.HIGH
    reads = (APISERVICES,)
    remediation = "Run Kubernetes 1.34 or newer (DRA is GA), or enable the resource.k8s.io API and DRA feature gates."

    def evaluate(self, view: ClusterView) -> list[Finding]:
        for name in DRA_APISERVICES:
            api = view.get(APISERVICES, name)
            if api is not None and k8s.is_true(api, "Available"):
                return [self.passed(Subject("APIService", name), f"DRA API {name} is served",
                                    evidence=[k8s.describe_condition(api, "Available")])]
        return [self.failed(Subject("APIService", DRA_APISERVICES[0]), "the DRA API is not served",
                            evidence=[f"none of APIService/{', '.join(DRA_APISERVICES)} is Available"])]


SHARING_LABEL = "nvidia.com/gpu.sharing-strategy"


def _sharing(node: Obj) -> str | None:
    labels = k8s.meta(node).get("labels") or {}
    if labels.get(SHARING_LABEL) in ("time-slicing", "mps"):
        replicas = labels.get("nvidia.com/gpu.replicas")
        return f"{SHARING_LABEL}={labels[SHARING_LABEL]} nvidia.com/gpu.replicas={replicas}"
    alloc = (node.get("status") or {}).get("allocatable") or {}
    shared = sorted(r for r in alloc if r == "nvidia.com/gpu.shared" or r.startswith("nvidia.com/mig-"))
    if shared:
        return "allocatable " + ", ".join(f"{r}={alloc[r]}" for r in shared)
    return None


class GpuSharingExposed(ConformanceCheck):
    id = "AC011"
    requirement = "gpu_sharing"
    title = "A GPU node exposes a sharing strategy (time-slicing, MPS or MIG)"
    severity = Severity.LOW
    mode = "any"
    reads = (NODES,)
    remediation = ("Give the GPU Operator's device plugin a time-slicing or MPS configuration "
                   "(devicePlugin.config.name) or enable MIG (mig.strategy, migManager).")

    def evaluate(self, view: ClusterView) -> list[Finding]:
        nodes = view.gpu_nodes()
        if not nodes:
            return [self.not_applicable("no GPU nodes: nothing to share")]
        shared = [(n, how) for n in nodes if (how := _sharing(n))]
        if shared:
            return [self.passed(k8s.subject(n), f"GPU node {k8s.name(n)} shares its GPUs", evidence=[how])
                    for n, how in shared]
        return [self.failed(self.scope("GPU nodes"), f"none of the {len(nodes)} GPU node(s) exposes a sharing "
                            "strategy", evidence=[f"no {SHARING_LABEL}=time-slicing|mps label, nvidia.com/gpu.shared "
                                                  "or nvidia.com/mig-* resource"])]
