"""HC070: the Kubeflow Pipelines API server (`ml-pipeline`) is available and its Service has ready endpoints.

Deployment and Service `ml-pipeline` (ports 8888 http / 8887 grpc) in `kubeflow`; health probe
/apis/v1beta1/healthz
(kubeflow/pipelines:manifests/kustomize/base/pipeline/ml-pipeline-apiserver-deployment.yaml@2.17.0).
ZenML's Kubeflow orchestrator also requires the Service to be named ml-pipeline (component-facts.md §18).
"""

from __future__ import annotations

from planner.checks import k8s
from planner.checks.base import Check
from planner.checks.view import ClusterView
from planner.kinds import DEPLOYMENTS, ENDPOINT_SLICES, SERVICES
from planner.report import Finding, Severity, Subject

API = "ml-pipeline"


class KfpApiReady(Check):
    id = "HC070"
    title = "The Kubeflow Pipelines API server is up"
    components = ("kubeflow-pipelines",)
    severity = Severity.CRITICAL
    reads = (DEPLOYMENTS, SERVICES, ENDPOINT_SLICES)
    remediation = ("kubectl -n kubeflow logs deploy/ml-pipeline: it needs mysql and the object store (seaweedfs) "
                   "up and their PVCs bound (HC007); it restarts until they are.")

    def evaluate(self, view: ClusterView) -> list[Finding]:
        out = []
        for rel in view.releases_of("kubeflow-pipelines"):
            ns = rel.namespace
            dep = view.get(DEPLOYMENTS, API, ns)
            if dep is None:
                out.append(self.failed(Subject("Deployment", API, ns), f"Deployment {ns}/{API} does not exist",
                                       evidence=[f"Deployment/{ns}/{API} not found"]))
                continue
            ok, evidence = k8s.workload_status(dep)
            lines = [evidence]
            if view.get(SERVICES, API, ns) is None:
                ok = False
                lines.append(f"Service/{ns}/{API} not found")
            else:
                ready = view.ready_endpoints(ns, API)
                lines.append(f"Service/{ns}/{API} has {ready} ready endpoint(s)")
                ok = ok and ready > 0
            if ok:
                out.append(self.passed(k8s.subject(dep), "the pipeline API server is up", evidence=lines))
            else:
                out.append(self.failed(k8s.subject(dep), "the pipeline API server (ml-pipeline) is not serving",
                                       evidence=lines))
        return out
