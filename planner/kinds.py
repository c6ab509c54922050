"""The Kubernetes kinds stackplan reads, as data (group, version, plural, scope, upstream source).

One catalog shared by the cluster reader (URLs), the checks (what they read) and `stackplan rbac`
(the ClusterRole), so the permissions cannot drift from the code. Custom resources are pinned to
the API version served by the component versions the blueprints install; each cites its source.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    """One resource type: `group` is "" for the core API."""

    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    source: str = ""  # where the group/version/scope was read upstream

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def key(self) -> str:
        """`plural.group` (the CRD name for custom resources), `plural` for the core API."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def path(self, namespace: str | None = None) -> str:
        """The REST collection path, cluster-wide or in one namespace."""
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if namespace and self.namespaced:
            return f"{base}/namespaces/{namespace}/{self.plural}"
        return f"{base}/{self.plural}"

    def __str__(self) -> str:
        return self.kind


_K8S = "kubernetes/api@v0.35 (k8s.io/api)"

# --- built-in kinds
PODS = Kind("", "v1", "pods", "Pod", True, _K8S)
NODES = Kind("", "v1", "nodes", "Node", False, _K8S)
EVENTS = Kind("", "v1", "events", "Event", True, _K8S)
PVCS = Kind("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", True, _K8S)
SERVICES = Kind("", "v1", "services", "Service", True, _K8S)
ENDPOINT_SLICES = Kind("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", True, _K8S)
DEPLOYMENTS = Kind("apps", "v1", "deployments", "Deployment", True, _K8S)
DAEMONSETS = Kind("apps", "v1", "daemonsets", "DaemonSet", True, _K8S)
STATEFULSETS = Kind("apps", "v1", "statefulsets", "StatefulSet", True, _K8S)
JOBS = Kind("batch", "v1", "jobs", "Job", True, _K8S)
CRDS = Kind("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", False, _K8S)
VALIDATING_WEBHOOKS = Kind("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations",
                           "ValidatingWebhookConfiguration", False, _K8S)
MUTATING_WEBHOOKS = Kind("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations",
                         "MutatingWebhookConfiguration", False, _K8S)
APISERVICES = Kind("apiregistration.k8s.io", "v1", "apiservices", "APIService", False, _K8S)

# --- custom resources of the catalog's components
CLUSTER_POLICIES = Kind("nvidia.com", "v1", "clusterpolicies", "ClusterPolicy", False,
                        "NVIDIA/gpu-operator:api/nvidia/v1/clusterpolicy_types.go@v26.7.0 (scope=Cluster)")
CLUSTER_QUEUES = Kind("kueue.x-k8s.io", "v1beta2", "clusterqueues", "ClusterQueue", False,
                      "kubernetes-sigs/kueue:apis/kueue/v1beta2/clusterqueue_types.go@v0.19.2 (scope=Cluster)")
LOCAL_QUEUES = Kind("kueue.x-k8s.io", "v1beta2", "localqueues", "LocalQueue", True,
                    "kubernetes-sigs/kueue:apis/kueue/v1beta2/localqueue_types.go@v0.19.2")
KUEUE_WORKLOADS = Kind("kueue.x-k8s.io", "v1beta2", "workloads", "Workload", True,
                       "kubernetes-sigs/kueue:apis/kueue/v1beta2/workload_types.go@v0.19.2")
VOLCANO_QUEUES = Kind("scheduling.volcano.sh", "v1beta1", "queues", "Queue", False,
                      "volcano-sh/volcano:installer/helm/chart/volcano/crd/bases/scheduling.volcano.sh_queues.yaml"
                      "@v1.15.1 (scope=Cluster)")
POD_GROUPS = Kind("scheduling.volcano.sh", "v1beta1", "podgroups", "PodGroup", True,
                  "volcano-sh/volcano:installer/helm/chart/volcano/crd/bases/scheduling.volcano.sh_podgroups.yaml"
                  "@v1.15.1")
INFERENCE_SERVICES = Kind("serving.kserve.io", "v1beta1", "inferenceservices", "InferenceService", True,
                          "kserve/kserve:pkg/apis/serving/v1beta1/inference_service.go@v0.20.0")
CERTIFICATES = Kind("cert-manager.io", "v1", "certificates", "Certificate", True,
                    "cert-manager/cert-manager:pkg/apis/certmanager/v1/types_certificate.go@v1.21.1")
KUBEAI_MODELS = Kind("kubeai.org", "v1", "models", "Model", True,
                     "kubeai-project/kubeai:api/k8s/v1/model_types.go@HEAD (chart 0.22.1)")
RAY_SERVICES = Kind("ray.io", "v1", "rayservices", "RayService", True,
                    "ray-project/kuberay:ray-operator/apis/ray/v1/rayservice_types.go@v1.7.0")
CLUSTER_SERVING_RUNTIMES = Kind("serving.kserve.io", "v1alpha1", "clusterservingruntimes", "ClusterServingRuntime",
                                False, "kserve/kserve:pkg/apis/serving/v1alpha1/servingruntime_types.go@v0.20.0 "
                                "(scope=Cluster; spec.disabled)")
TRAIN_JOBS = Kind("trainer.kubeflow.org", "v1alpha1", "trainjobs", "TrainJob", True,
                  "kubeflow/trainer:pkg/apis/trainer/v1alpha1/trainjob_types.go@v2.3.0")

# Everything `stackplan check` may LIST (the ClusterRole `stackplan rbac` prints covers exactly these; a test
# keeps it equal to what the registered checks read). Service readiness comes from EndpointSlices: the
# core/v1 Endpoints API is deprecated since Kubernetes 1.33.
CATALOG: tuple[Kind, ...] = (
    PODS, NODES, EVENTS, PVCS, SERVICES, ENDPOINT_SLICES, DEPLOYMENTS, DAEMONSETS, STATEFULSETS, JOBS,
    CRDS, VALIDATING_WEBHOOKS, MUTATING_WEBHOOKS, APISERVICES,
    CLUSTER_POLICIES, CLUSTER_QUEUES, LOCAL_QUEUES, KUEUE_WORKLOADS, VOLCANO_QUEUES, POD_GROUPS,
    INFERENCE_SERVICES, CERTIFICATES, KUBEAI_MODELS, RAY_SERVICES, TRAIN_JOBS, CLUSTER_SERVING_RUNTIMES,
)

# Helm's release records (drift only; never part of the check ClusterRole). Helm v3 stores each
# release revision as a Secret of type helm.sh/release.v1 (helm/helm:pkg/storage/driver/secrets.go).
HELM_RELEASE_SECRETS = Kind("", "v1", "secrets", "Secret", True, "helm/helm:pkg/storage/driver/secrets.go@v3.22.0")
HELM_RELEASE_TYPE = "helm.sh/release.v1"
# HorizontalPodAutoscalers (drift only: DR010 leaves alone the replicas an HPA owns). autoscaling/v2, GA since
# Kubernetes 1.23 (k8s.io/api/autoscaling/v2/types.go).
HPAS = Kind("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", True,
            "kubernetes/api@v0.35 (k8s.io/api/autoscaling/v2)")
# What drift reads cluster-wide beyond the check ClusterRole (`stackplan rbac --drift` grants it).
DRIFT_EXTRA_KINDS = (HPAS,)
# What `stackplan preflight` reads beyond check's kinds (the check ClusterRole grants them too): StorageClasses
# (storage.k8s.io/v1, default marked by annotation storageclass.kubernetes.io/is-default-class) and Namespaces
# (their Pod Security labels pod-security.kubernetes.io/enforce).
STORAGE_CLASSES = Kind("storage.k8s.io", "v1", "storageclasses", "StorageClass", False, _K8S)
NAMESPACES = Kind("", "v1", "namespaces", "Namespace", False, _K8S)
PREFLIGHT_EXTRA_KINDS = (STORAGE_CLASSES, NAMESPACES)
# Secrets are never listed with data by check or preflight: only as metadata (PartialObjectMetadataList),
# for Helm's release status (HC090) and prerequisites by name (PF004). planner/cluster.py list_metadata.
SECRETS = HELM_RELEASE_SECRETS

# What `stackplan conformance --cluster` reads beyond the check ClusterRole (`stackplan rbac --conformance`
# grants it): Gateway API classes (ai_inference) and the Prometheus Operator's objects (metrics requirements).
GATEWAY_CLASSES = Kind("gateway.networking.k8s.io", "v1", "gatewayclasses", "GatewayClass", False,
                       "kubernetes-sigs/gateway-api:apis/v1/gatewayclass_types.go@v1.4.0 (scope=Cluster)")
SERVICE_MONITORS = Kind("monitoring.coreos.com", "v1", "servicemonitors", "ServiceMonitor", True,
                        "prometheus-operator/prometheus-operator:pkg/apis/monitoring/v1/servicemonitor_types.go"
                        "@v0.93.1 (kube-prometheus-stack 88.5.3)")
POD_MONITORS = Kind("monitoring.coreos.com", "v1", "podmonitors", "PodMonitor", True,
                    "prometheus-operator/prometheus-operator:pkg/apis/monitoring/v1/podmonitor_types.go@v0.93.1")
PROMETHEUSES = Kind("monitoring.coreos.com", "v1", "prometheuses", "Prometheus", True,
                    "prometheus-operator/prometheus-operator:pkg/apis/monitoring/v1/prometheus_types.go@v0.93.1")
CONFORMANCE_EXTRA_KINDS = (GATEWAY_CLASSES, SERVICE_MONITORS, POD_MONITORS, PROMETHEUSES, HPAS)


def by_kind(kind: str) -> Kind:
    """The catalog entry for a Kind name (`ClusterPolicy`); KeyError if stackplan does not read it."""
    for k in CATALOG:
        if k.kind == kind:
            return k
    raise KeyError(kind)


def for_api_version(api_version: str, kind: str) -> Kind | None:
    """The catalog entry for an object's apiVersion/kind, or None."""
    group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
    for k in CATALOG:
        if k.kind == kind and k.group == group:
            return k
    return None

# What the ops tools (`stackplan status`, `mcp`, `ask`) read beyond the check ClusterRole: RayJobs and the Argo
# Workflows Kubeflow Pipelines runs are made of (`stackplan rbac --ops` grants them). planner/ops/ reads the rest
# through CATALOG's kinds.
RAY_JOBS = Kind("ray.io", "v1", "rayjobs", "RayJob", True,
                "ray-project/kuberay:ray-operator/apis/ray/v1/rayjob_types.go@v1.7.0")
ARGO_WORKFLOWS = Kind("argoproj.io", "v1alpha1", "workflows", "Workflow", True,
                      "argoproj/argo-workflows:pkg/apis/workflow/v1alpha1/workflow_types.go@v4.0.5 (bundled by "
                      "kubeflow/pipelines 2.17.0)")
OPS_EXTRA_KINDS = (RAY_JOBS, ARGO_WORKFLOWS)
