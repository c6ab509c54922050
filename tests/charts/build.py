"""Write the local test charts (tests/charts/<blueprint-id>/) from the blueprints. Run: python tests/charts/build.py

Each chart stands in for the upstream chart of one component: it creates the SAME object names the
blueprint lists (sourced from the upstream chart there) — Deployments, DaemonSets and StatefulSets with a
pause image (kwok simulates the pods, nothing runs), CRDs with a permissive schema and a status
subresource, webhook configurations with failurePolicy Ignore and rules on a group that does not exist
(simulated pods serve nothing), and a Service per webhook selecting the component's controller pods.
Kustomize components get a kustomization folder instead. tests/unit/test_test_charts.py fails when the
committed charts and the blueprints disagree; re-run this script then.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

HERE = Path(__file__).resolve().parent
IMAGE = "registry.k8s.io/pause:3.10"  # never pulled: kwok simulates the pods
# The components of the three profiles' default plans (and cluster create's fake-gpu-operator), and
# the AI Conformance components: prometheus-adapter (its APIService is left out: a simulated pod serves nothing, so
# it would never be Available), the Gateway API and Inference Extension CRDs and nginx-gateway-fabric.
COMPONENTS = ("cert-manager", "fake-gpu-operator", "gateway-api-crds", "gateway-api-inference-extension-crds",
              "gpu-operator", "katib", "kserve", "kserve-crd", "kserve-runtimes", "kubeai", "kubeflow-pipelines",
              "kubeflow-pipelines-crds", "kubeflow-trainer", "kueue", "mlflow", "nginx-gateway-fabric",
              "prometheus-adapter", "volcano")
# CRD name -> (Kind, served version, namespaced). Checks read some of these kinds (planner/kinds.py wins there);
# the rest are stand-ins whose kind/version follow the upstream CRDs named in the blueprints.
CRD_KINDS: dict[str, tuple[str, str, bool]] = {
    "clusterpolicies.nvidia.com": ("ClusterPolicy", "v1", False),
    "nvidiadrivers.nvidia.com": ("NVIDIADriver", "v1alpha1", False),
    "gpuclusters.nvidia.com": ("GPUCluster", "v1alpha1", False),
    "computedomains.resource.nvidia.com": ("ComputeDomain", "v1beta1", True),
    "computedomaincliques.resource.nvidia.com": ("ComputeDomainClique", "v1beta1", True),
    "nodefeatures.nfd.k8s-sigs.io": ("NodeFeature", "v1alpha1", True),
    "nodefeaturerules.nfd.k8s-sigs.io": ("NodeFeatureRule", "v1alpha1", False),
    "nodefeaturegroups.nfd.k8s-sigs.io": ("NodeFeatureGroup", "v1alpha1", True),
    "certificates.cert-manager.io": ("Certificate", "v1", True),
    "certificaterequests.cert-manager.io": ("CertificateRequest", "v1", True),
    "issuers.cert-manager.io": ("Issuer", "v1", True),
    "clusterissuers.cert-manager.io": ("ClusterIssuer", "v1", False),
    "orders.acme.cert-manager.io": ("Order", "v1", True),
    "challenges.acme.cert-manager.io": ("Challenge", "v1", True),
    "experiments.kubeflow.org": ("Experiment", "v1beta1", True),
    "suggestions.kubeflow.org": ("Suggestion", "v1beta1", True),
    "trials.kubeflow.org": ("Trial", "v1beta1", True),
    "inferenceservices.serving.kserve.io": ("InferenceService", "v1beta1", True),
    "servingruntimes.serving.kserve.io": ("ServingRuntime", "v1alpha1", True),
    "clusterservingruntimes.serving.kserve.io": ("ClusterServingRuntime", "v1alpha1", False),
    "inferencegraphs.serving.kserve.io": ("InferenceGraph", "v1alpha1", True),
    "trainedmodels.serving.kserve.io": ("TrainedModel", "v1alpha1", True),
    "clusterstoragecontainers.serving.kserve.io": ("ClusterStorageContainer", "v1alpha1", False),
    "applications.app.k8s.io": ("Application", "v1beta1", True),
    "scheduledworkflows.kubeflow.org": ("ScheduledWorkflow", "v1beta1", True),
    "viewers.kubeflow.org": ("Viewer", "v1beta1", True),
    "workflows.argoproj.io": ("Workflow", "v1alpha1", True),
    "workflowtemplates.argoproj.io": ("WorkflowTemplate", "v1alpha1", True),
    "cronworkflows.argoproj.io": ("CronWorkflow", "v1alpha1", True),
    "clusterworkflowtemplates.argoproj.io": ("ClusterWorkflowTemplate", "v1alpha1", False),
    "workflowtaskresults.argoproj.io": ("WorkflowTaskResult", "v1alpha1", True),
    "workflowtasksets.argoproj.io": ("WorkflowTaskSet", "v1alpha1", True),
    "workflowartifactgctasks.argoproj.io": ("WorkflowArtifactGCTask", "v1alpha1", True),
    "workfloweventbindings.argoproj.io": ("WorkflowEventBinding", "v1alpha1", True),
    "trainjobs.trainer.kubeflow.org": ("TrainJob", "v1alpha1", True),
    "trainingruntimes.trainer.kubeflow.org": ("TrainingRuntime", "v1alpha1", True),
    "clustertrainingruntimes.trainer.kubeflow.org": ("ClusterTrainingRuntime", "v1alpha1", False),
    "jobsets.jobset.x-k8s.io": ("JobSet", "v1alpha2", True),
    "admissionchecks.kueue.x-k8s.io": ("AdmissionCheck", "v1beta2", False),
    "clusterqueues.kueue.x-k8s.io": ("ClusterQueue", "v1beta2", False),
    "cohorts.kueue.x-k8s.io": ("Cohort", "v1beta2", False),
    "localqueues.kueue.x-k8s.io": ("LocalQueue", "v1beta2", True),
    "multikueueclusters.kueue.x-k8s.io": ("MultiKueueCluster", "v1beta2", False),
    "multikueueconfigs.kueue.x-k8s.io": ("MultiKueueConfig", "v1beta2", False),
    "provisioningrequestconfigs.kueue.x-k8s.io": ("ProvisioningRequestConfig", "v1beta2", False),
    "resourceflavors.kueue.x-k8s.io": ("ResourceFlavor", "v1beta2", False),
    "topologies.kueue.x-k8s.io": ("Topology", "v1beta2", False),
    "workloadpriorityclasses.kueue.x-k8s.io": ("WorkloadPriorityClass", "v1beta2", False),
    "workloads.kueue.x-k8s.io": ("Workload", "v1beta2", True),
    # gateway-api v1.5.1 config/crd/standard; gateway-api-inference-extension v1.5.0 config/crd/bases;
    # nginx-gateway-fabric v2.6.7 config/crd/bases (served versions as there)
    "gatewayclasses.gateway.networking.k8s.io": ("GatewayClass", "v1", False),
    "gateways.gateway.networking.k8s.io": ("Gateway", "v1", True),
    "grpcroutes.gateway.networking.k8s.io": ("GRPCRoute", "v1", True),
    "httproutes.gateway.networking.k8s.io": ("HTTPRoute", "v1", True),
    "referencegrants.gateway.networking.k8s.io": ("ReferenceGrant", "v1", True),
    "backendtlspolicies.gateway.networking.k8s.io": ("BackendTLSPolicy", "v1", True),
    "listenersets.gateway.networking.k8s.io": ("ListenerSet", "v1", True),
    "tlsroutes.gateway.networking.k8s.io": ("TLSRoute", "v1", True),
    "inferencemodelrewrites.inference.networking.x-k8s.io": ("InferenceModelRewrite", "v1alpha2", True),
    "inferenceobjectives.inference.networking.x-k8s.io": ("InferenceObjective", "v1alpha2", True),
    "inferencepoolimports.inference.networking.x-k8s.io": ("InferencePoolImport", "v1alpha1", True),
    "inferencepools.inference.networking.k8s.io": ("InferencePool", "v1", True),
    "authenticationfilters.gateway.nginx.org": ("AuthenticationFilter", "v1alpha1", True),
    "clientsettingspolicies.gateway.nginx.org": ("ClientSettingsPolicy", "v1alpha1", True),
    "nginxgateways.gateway.nginx.org": ("NginxGateway", "v1alpha1", True),
    "nginxproxies.gateway.nginx.org": ("NginxProxy", "v1alpha2", True),
    "observabilitypolicies.gateway.nginx.org": ("ObservabilityPolicy", "v1alpha2", True),
    "proxysettingspolicies.gateway.nginx.org": ("ProxySettingsPolicy", "v1alpha1", True),
    "snippetsfilters.gateway.nginx.org": ("SnippetsFilter", "v1alpha1", True),
    "snippetspolicies.gateway.nginx.org": ("SnippetsPolicy", "v1alpha1", True),
    "upstreamsettingspolicies.gateway.nginx.org": ("UpstreamSettingsPolicy", "v1alpha1", True),
    "ratelimitpolicies.gateway.nginx.org": ("RateLimitPolicy", "v1alpha1", True),
    "wafpolicies.gateway.nginx.org": ("WAFPolicy", "v1alpha1", True),
    "jobs.batch.volcano.sh": ("Job", "v1alpha1", True),
    "cronjobs.batch.volcano.sh": ("CronJob", "v1alpha1", True),
    "commands.bus.volcano.sh": ("Command", "v1alpha1", True),
    "podgroups.scheduling.volcano.sh": ("PodGroup", "v1beta1", True),
    "queues.scheduling.volcano.sh": ("Queue", "v1beta1", False),
    "numatopologies.nodeinfo.volcano.sh": ("Numatopology", "v1alpha1", False),
    "hypernodes.topology.volcano.sh": ("HyperNode", "v1alpha1", False),
    "colocationconfigurations.config.volcano.sh": ("ColocationConfiguration", "v1alpha1", True),
    "nodeshards.shard.volcano.sh": ("NodeShard", "v1alpha1", False),
    "jobflows.flow.volcano.sh": ("JobFlow", "v1alpha1", True),
    "jobtemplates.flow.volcano.sh": ("JobTemplate", "v1alpha1", True),
    "models.kubeai.org": ("Model", "v1", True),
    "leaderworkersets.leaderworkerset.x-k8s.io": ("LeaderWorkerSet", "v1", True),
}
# Webhook Service names where upstream fixes them (component-facts.md); others get <release>-webhook-service.
WEBHOOK_SERVICES = {"kueue": "kueue-webhook-service", "kserve": "kserve-webhook-server-service",
                    "cert-manager": "cert-manager-webhook", "volcano": "volcano-admission-service",
                    "katib": "katib-controller", "kubeflow-pipelines": "cache-server", "lws": "lws-webhook-service"}
# DaemonSets that the GPU Operator schedules on GPU nodes only (nvidia.com/gpu.deploy.* labels upstream).
GPU_ONLY = ("nvidia-", "gpu-feature-discovery")


# Charts whose upstream ships CRDs in crds/ (installed before templates, kept on uninstall); the others template
# them (component-facts.md). gpu-operator needs it anyway: its chart also creates a ClusterPolicy.
CRDS_DIR = {"gpu-operator", "fake-gpu-operator", "lws", "kuberay", "vllm-stack"}
# Objects the upstream chart renders besides workloads and webhooks that checks look at (component-facts.md).
EXTRA: dict[str, list[dict[str, Any]]] = {
    "nginx-gateway-fabric": [  # templates/gatewayclass.yaml, values.yaml@v2.6.7 (class and controller names)
        {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "GatewayClass", "metadata": {"name": "nginx"},
         "spec": {"controllerName": "gateway.nginx.org/nginx-gateway-controller"}}],
    "gpu-operator": [{"apiVersion": "nvidia.com/v1", "kind": "ClusterPolicy", "metadata": {"name": "cluster-policy"},
                      "spec": {}}],  # clusterPolicy.deployCR=true (values.yaml@v26.7.0)
    "kserve": [  # charts/kserve-resources/files/kserve/resources.yaml@v0.20.0
        {"apiVersion": "cert-manager.io/v1", "kind": "Issuer",
         "metadata": {"name": "selfsigned-issuer", "namespace": "kserve"}, "spec": {"selfSigned": {}}},
        {"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
         "metadata": {"name": "serving-cert", "namespace": "kserve"},
         "spec": {"secretName": "kserve-webhook-server-cert", "issuerRef": {"kind": "Issuer", "name":
                  "selfsigned-issuer"}, "dnsNames": ["kserve-webhook-server-service.kserve.svc"]}},
        {"apiVersion": "v1", "kind": "ConfigMap",
         "metadata": {"name": "inferenceservice-config", "namespace": "kserve"},
         "data": {"deploy": '{"defaultDeploymentMode": "Standard"}'}},
    ],
    "kubeflow-pipelines": [  # manifests/kustomize/base/pipeline/ml-pipeline-apiserver-service.yaml@2.17.0
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "ml-pipeline", "namespace": "kubeflow"},
         "spec": {"selector": {"app.kubernetes.io/name": "ml-pipeline"},
                  "ports": [{"name": "http", "port": 8888}, {"name": "grpc", "port": 8887}]}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "ml-pipeline-ui", "namespace": "kubeflow"},
         "spec": {"selector": {"app.kubernetes.io/name": "ml-pipeline-ui"}, "ports": [{"port": 80,
                  "targetPort": 3000}]}},
    ],
    "kserve-runtimes": [  # config/runtimes/kserve-tritonserver.yaml@v0.20.0 (component-facts.md section 20)
        {"apiVersion": "serving.kserve.io/v1alpha1", "kind": "ClusterServingRuntime",
         "metadata": {"name": "kserve-tritonserver"},
         "spec": {"supportedModelFormats": [{"name": "triton", "version": "2", "autoSelect": True}],
                  "protocolVersions": ["v2", "grpc-v2"],
                  "containers": [{"name": "kserve-container", "image": "nvcr.io/nvidia/tritonserver:23.05-py3"}]}},
        # charts/kserve-runtime-configs/files/runtimes/resources.yaml@v0.20.0 (HC042 reads both)
        {"apiVersion": "serving.kserve.io/v1alpha1", "kind": "ClusterServingRuntime",
         "metadata": {"name": "kserve-huggingfaceserver"},
         "spec": {"supportedModelFormats": [{"name": "huggingface", "version": "1", "autoSelect": True}],
                  "containers": [{"name": "kserve-container", "image": "kserve/huggingfaceserver:v0.20.0"}]}},
        {"apiVersion": "serving.kserve.io/v1alpha1", "kind": "ClusterServingRuntime",
         "metadata": {"name": "kserve-vllmserver"},
         "spec": {"supportedModelFormats": [{"name": "vLLM", "version": "1", "autoSelect": True}],
                  "containers": [{"name": "kserve-container", "image": "vllm/vllm-openai:v0.24.0"}]}},
    ],
}


def _dump(docs: list[dict[str, Any]]) -> str:
    import io

    from ruamel.yaml import YAML

    y = YAML()
    y.default_flow_style = False
    y.representer.ignore_aliases = lambda *a: True  # no &id001 anchors
    out = []
    for d in docs:
        buf = io.StringIO()
        y.dump(d, buf)
        out.append("---\n" + buf.getvalue())
    return "".join(out)


def crd(name: str, versions: Any = None) -> dict[str, Any]:
    """A stand-in CRD; `versions` is the blueprint's crdVersions entry ({storage, served}) when it has one."""
    from planner import kinds

    known = {k.key: k for k in vars(kinds).values() if isinstance(k, kinds.Kind)}
    plural, group = name.split(".", 1)
    if name in known:
        k = known[name]
        kind, version, namespaced = k.kind, k.version, k.namespaced
    else:
        kind, version, namespaced = CRD_KINDS[name]
    storage = str((versions or {}).get("storage") or version)
    served = [str(v) for v in (versions or {}).get("served") or [storage]]
    if storage not in served:
        served.append(storage)
    meta: dict[str, Any] = {"name": name}
    if group.endswith((".k8s.io", ".kubernetes.io")):  # protected groups need the API-approval annotation
        meta["annotations"] = {"api-approved.kubernetes.io": "unapproved, stackplan test stand-in"}
    return {
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": meta,
        "spec": {"group": group, "scope": "Namespaced" if namespaced else "Cluster",
                 "names": {"plural": plural, "singular": kind.lower(), "kind": kind, "listKind": f"{kind}List"},
                 "versions": [{"name": v, "served": True, "storage": v == storage, "subresources": {"status": {}},
                               "schema": {"openAPIV3Schema": {"type": "object",
                                                              "x-kubernetes-preserve-unknown-fields": True}}}
                              for v in served]},
    }


def workload(kind: str, name: str, namespace: str, component: str, replicas: int | None = None) -> dict[str, Any]:
    selector = {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": component}
    # `app: <name>` is how the GPU Operator's operands (and several other upstream charts) label their pods
    labels = {"app": name, **selector}
    pod: dict[str, Any] = {"containers": [{"name": "main", "image": IMAGE}]}
    if kind == "DaemonSet" and name.startswith(GPU_ONLY) and component == "gpu-operator":
        pod["nodeSelector"] = {"nvidia.com/gpu.present": "true"}
    spec: dict[str, Any] = {"selector": {"matchLabels": selector},
                            "template": {"metadata": {"labels": labels}, "spec": pod}}
    if kind != "DaemonSet":
        spec["replicas"] = 1 if replicas is None else replicas  # 0: the upstream chart's placeholder, as it is
    if kind == "StatefulSet":
        spec["serviceName"] = name
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": name, "namespace": namespace}, "spec": spec}


def webhooks(bp, controller: str | None) -> list[dict[str, Any]]:
    if not bp.webhooks:
        return []
    svc = WEBHOOK_SERVICES.get(bp.id, f"{bp.id}-webhook-service")
    selector = {"app.kubernetes.io/name": controller} if controller else {"app.kubernetes.io/part-of": bp.id}
    docs: list[dict[str, Any]] = [{"apiVersion": "v1", "kind": "Service",
                                   "metadata": {"name": svc, "namespace": bp.namespace},
                                   "spec": {"selector": selector, "ports": [{"port": 443, "targetPort": 9443}]}}]
    for name in bp.webhooks:
        lowered = name.lower()
        kinds = (["Mutating"] if ("mutat" in lowered or "defaulter" in lowered or name == "cache-webhook-kubeflow")
                 else ["Validating"] if ("validat" in lowered) else ["Validating", "Mutating"])
        for k in kinds:
            docs.append({
                "apiVersion": "admissionregistration.k8s.io/v1", "kind": f"{k}WebhookConfiguration",
                "metadata": {"name": name},
                "webhooks": [{"name": f"stand-in.{bp.id}.stackplan.test", "failurePolicy": "Ignore",
                              "sideEffects": "None", "admissionReviewVersions": ["v1"], "timeoutSeconds": 1,
                              "clientConfig": {"service": {"name": svc, "namespace": bp.namespace, "port": 443}},
                              "rules": [{"apiGroups": ["stand-in.stackplan.test"], "apiVersions": ["v1"],
                                         "operations": ["CREATE"], "resources": ["nothing"]}]}],
            })
    return docs


def objects(bp) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(CRDs, everything else) the stand-in creates."""
    crds = [crd(n, bp.crd_versions.get(n)) for n in bp.crds]
    rest = [workload(w.kind, w.name, w.namespace or bp.namespace, bp.id, w.replicas) for w in bp.workloads
            if w.kind in ("Deployment", "DaemonSet", "StatefulSet")]
    controller = next((w.name for w in bp.workloads if w.kind == "Deployment"), None)
    return crds, rest + webhooks(bp, controller) + EXTRA.get(bp.id, [])


def write_chart(bp, out: Path) -> None:
    crds, rest = objects(bp)
    chart = bp.source.chart or bp.id
    (out / "templates").mkdir(parents=True)
    meta = {"apiVersion": "v2", "name": chart, "version": bp.version, "appVersion": bp.version,
            "description": f"stackplan TEST stand-in for {chart} {bp.version}: upstream object names, simulated pods"}
    (out / "Chart.yaml").write_text(json.dumps(meta, indent=2) + "\n")
    (out / "values.yaml").write_text("{}\n")
    if crds:
        crd_dir = out / "crds" if bp.id in CRDS_DIR else out / "templates"
        crd_dir.mkdir(exist_ok=True)
        (crd_dir / "crds.yaml").write_text(_dump(crds))
    if rest:
        (out / "templates" / "objects.yaml").write_text(_dump(rest))


def write_kustomization(bp, out: Path) -> None:
    crds, rest = objects(bp)
    out.mkdir(parents=True)
    files = []
    if crds:
        (out / "crds.yaml").write_text(_dump(crds))
        files.append("crds.yaml")
    if rest:
        (out / "objects.yaml").write_text(_dump(rest))
        files.append("objects.yaml")
    (out / "kustomization.yaml").write_text(json.dumps(
        {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "resources": files}, indent=2)
        + "\n")
    (out / "VERSION").write_text(bp.version + "\n")


def main(dest: Path = HERE) -> int:
    from planner.catalog import blueprint_from_dict
    from planner.install import is_kustomize_source as is_kustomize
    from planner.load import read_yaml

    seen_crds: dict[str, str] = {}
    for cid in COMPONENTS:
        path = ROOT / "blueprints" / f"{cid}.yaml"
        if not path.exists():
            print(f"skip {cid}: no blueprint yet", file=sys.stderr)
            continue
        data, _ = read_yaml(path)
        bp = blueprint_from_dict(cid, data)
        for name in bp.crds:
            owner = seen_crds.setdefault(name, cid)
            if owner != cid and {owner, cid} != {"gpu-operator", "fake-gpu-operator"}:  # those two never coexist
                raise SystemExit(f"CRD {name} is listed by both {owner} and {cid}")
        out = dest / cid
        if out.exists():
            shutil.rmtree(out)
        (write_kustomization if is_kustomize(bp.source) else write_chart)(bp, out)
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
