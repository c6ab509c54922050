"""Objects besides workloads, CRDs and webhooks that health checks read by name, as (component, kind, name).

`stackplan verify-charts` requires the real chart to render each of them, and the stand-in charts
(tests/charts/build.py) may create only these besides the blueprint's declared objects.
"""

from __future__ import annotations

CHECK_OBJECTS: tuple[tuple[str, str, str], ...] = (
    # planner/checks/gpu_clusterpolicy.py (clusterPolicy.deployCR=true, values.yaml@v26.7.0)
    ("gpu-operator", "ClusterPolicy", "cluster-policy"),
    # the kserve blueprint's health (defaultDeploymentMode) and its webhook certificate (HC030 certificates_ready)
    ("kserve", "ConfigMap", "inferenceservice-config"),
    ("kserve", "Issuer", "selfsigned-issuer"),
    ("kserve", "Certificate", "serving-cert"),
    # the kserve-runtimes blueprint's health: the serving runtimes the plan's models use
    ("kserve-runtimes", "ClusterServingRuntime", "kserve-tritonserver"),
    ("kserve-runtimes", "ClusterServingRuntime", "kserve-huggingfaceserver"),
    ("kserve-runtimes", "ClusterServingRuntime", "kserve-vllmserver"),
    # planner/conformance/checks/networking.py reads GatewayClasses (nginx/nginx-gateway-fabric:charts/
    # nginx-gateway-fabric/templates/gatewayclass.yaml, values.yaml gatewayClassName@v2.6.7)
    ("nginx-gateway-fabric", "GatewayClass", "nginx"),
    # planner/conformance/checks/scheduling.py reads the custom metrics APIService (prometheus-community/helm-charts:
    # charts/prometheus-adapter/templates/custom-metrics-apiservice.yaml@prometheus-adapter-5.3.0, rules.default)
    ("prometheus-adapter", "APIService", "v1beta1.custom.metrics.k8s.io"),
    # planner/checks/kfp_api.py
    # (kubeflow/pipelines:manifests/kustomize/base/pipeline/ml-pipeline-{apiserver,ui}-service.yaml@2.17.0)
    ("kubeflow-pipelines", "Service", "ml-pipeline"),
    ("kubeflow-pipelines", "Service", "ml-pipeline-ui"),
)
