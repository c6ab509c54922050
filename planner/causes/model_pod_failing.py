"""RC006: a model's pod failing (the model download first) explains the InferenceService or KubeAI Model
not ready.

KServe downloads the model in the predictor pod's `storage-initializer` init container before the server
starts (kserve/kserve:pkg/webhook/admission/pod/storage_initializer_injector.go@v0.20.0); predictor pods
carry `serving.kserve.io/inferenceservice=<name>` (pkg/constants/constants.go@v0.20.0) and the
InferenceService stays Ready=False while they fail. KubeAI model pods carry `model=<name>` and the Model's
ready replicas stay below minReplicas (kubeai-project/kubeai:internal/modelcontroller/pod_plan.go).
Root: a failing pod (HC005) with one of those labels. Members: the InferenceService (HC040) or Model
(HC050) of that name in that namespace, and the model's other failing pods. Confidence is high when the
failing container is the downloader (storage-initializer), medium otherwise.
"""

from __future__ import annotations

from planner.causes.base import Indexed, Link, Rule, failed
from planner.report import Confidence

DOWNLOADER = "storage-initializer"
OWNERS = (("inferenceService", "HC040", "InferenceService"), ("model", "HC050", "Model"))


class ModelPodFailing(Rule):
    id = "RC006"
    title = "A model's pod fails (model download first)"
    source = ("kserve/kserve:pkg/webhook/admission/pod/storage_initializer_injector.go@v0.20.0, "
              "pkg/constants/constants.go@v0.20.0; kubeai-project/kubeai:internal/modelcontroller/pod_plan.go")
    confidence = Confidence.HIGH

    def link(self, problems: Indexed) -> list[Link]:
        out, seen = [], set()
        for fact, check, kind in OWNERS:
            pods = [(i, f) for i, f in problems if failed(f, "HC005") and f.fact(fact)]
            # downloader failures first: they are the deepest cause
            pods.sort(key=lambda p: p[1].fact("container") != DOWNLOADER)
            for fid, f in pods:
                key = (kind, f.subject.namespace, f.fact(fact))
                if key in seen:
                    continue
                seen.add(key)
                name = f.fact(fact)
                members = tuple(i for i, g in problems if i != fid and (
                    (g.check_id == check and g.subject.kind == kind and g.subject.name == name
                     and g.subject.namespace == f.subject.namespace)
                    or (failed(g, "HC005") and g.fact(fact) == name and g.subject.namespace == f.subject.namespace)))
                download = f.fact("container") == DOWNLOADER
                what = "the model download fails" if download else f"its pod fails in {f.fact('container') or '?'}"
                out.append(Link(fid, members, f"{kind} {name}: {what}",
                                Confidence.HIGH if download else Confidence.MEDIUM))
        return out
