"""The pure parts of the emitter: sources, labels, namespaces, custom resources, wiring, settings."""

from __future__ import annotations

from dataclasses import replace

import pytest

from planner.desired import labels, namespaces
from planner.desired import objects as crs
from planner.emit import sources, wiring
from planner.emit.settings import EmitConfig, config_from_values
from planner.errors import InputError, PlanError
from planner.install import install_for
from planner.model import Model
from tests.pulumi.plans import plan_of, release

SECRET = object()  # stands for a Pulumi secret Output: opaque to the pure layer


@pytest.mark.parametrize(("target", "ref", "expected"), [
    ("github.com/kubeflow/pipelines/manifests/kustomize/env/platform-agnostic", "2.17.0",
     "https://github.com/kubeflow/pipelines/tree/2.17.0/manifests/kustomize/env/platform-agnostic"),
    ("github.com/kubeflow/katib.git/manifests/v1beta1/installs/katib-standalone", "v0.19.0",
     "https://github.com/kubeflow/katib/tree/v0.19.0/manifests/v1beta1/installs/katib-standalone"),
    ("https://github.com/kubeflow/trainer.git//manifests/overlays/manager?ref=old", "v2.3.0",
     "https://github.com/kubeflow/trainer/tree/v2.3.0/manifests/overlays/manager"),
    ("git::https://gitlab.example.com/team/repo", "main", "https://gitlab.example.com/team/repo/tree/main"),
])
def test_kustomize_targets_become_git_tree_urls(target: str, ref: str, expected: str) -> None:
    assert sources.git_tree_url(target, ref) == expected


def test_bad_kustomize_target_is_a_plan_error() -> None:
    with pytest.raises(PlanError):
        sources.git_tree_url("github.com/only-owner", "v1")


def test_helm_chart_locations() -> None:
    url = "https://community-charts.github.io/helm-charts"
    repo = sources.helm_chart(release("mlflow", location=url))
    assert (repo.chart, repo.repo, repo.version) == ("mlflow", url, "1.0.0")
    oci = sources.helm_chart(release("kueue", kind="oci", location="oci://registry.k8s.io/kueue/charts/kueue"))
    assert (oci.chart, oci.repo) == ("oci://registry.k8s.io/kueue/charts/kueue", None)
    local = release("kueue", kind="local", location="/mirror", chart="kueue", version="0.19.2")
    assert sources.helm_chart(local).chart == "/mirror/kueue"  # not found on this machine: <dir>/<chart>
    archive = "/mirror/kueue-0.19.2.tgz"
    found = replace(local, install=install_for("kueue", local.source, "0.19.2", find=lambda *a: archive))
    assert sources.helm_chart(found).chart == archive  # the plan's decision, not a second lookup
    with pytest.raises(PlanError):
        sources.helm_chart(release("kfp", kind="kustomize"))


def test_local_kustomize_mirror_is_used_as_is() -> None:
    rel = release("katib", kind="local", location="/mirror/kustomize/katib")
    assert sources.is_kustomize(rel)
    assert sources.kustomize_directory(rel) == "/mirror/kustomize/katib"


def test_stamp_merges_and_does_not_mutate() -> None:
    obj = {"kind": "Service", "metadata": {"name": "x", "labels": {"app": "x"}, "annotations": {"a": "b"}}}
    out = labels.stamp(obj, "kfp", "sha256:1")
    assert obj["metadata"]["labels"] == {"app": "x"}
    assert out["metadata"]["labels"] == {"app": "x", labels.MANAGED_BY: "stackplan", labels.RELEASE: "kfp"}
    assert out["metadata"]["annotations"] == {"a": "b", labels.VALUES_DIGEST: "sha256:1"}
    assert labels.is_stamped(out, "kfp") and not labels.is_stamped(out, "other") and not labels.is_stamped(obj)


def test_namespace_labels_merge_least_restrictive_pod_security() -> None:
    plan = plan_of(
        release("a", namespace="shared", labels={"pod-security.kubernetes.io/enforce": "restricted", "x": "1"}),
        release("b", namespace="shared", needs=("a",), labels={"pod-security.kubernetes.io/enforce": "privileged"}),
        release("c", namespace="other"),
        release("d", namespace="kube-system"),
    )
    specs = {s.name: s for s in namespaces.namespace_specs(plan, [("ml-workloads", "c")])}
    assert set(specs) == {"shared", "other", "ml-workloads"}
    shared = specs["shared"]
    assert shared.labels["pod-security.kubernetes.io/enforce"] == "privileged"
    assert shared.labels["x"] == "1"
    assert shared.owner == "a" and shared.labels[labels.RELEASE] == "a"
    assert shared.annotations[labels.RELEASES] == "a,b"
    assert shared.annotations[labels.VALUES_DIGEST] == plan.releases["a"].values_digest
    assert specs["ml-workloads"].labels[labels.RELEASE] == "c"


def test_kueue_queues_are_sized_from_the_cluster() -> None:
    plan = plan_of(release("kueue", crds=("clusterqueues.kueue.x-k8s.io",)))  # 2 nodes x 4 GPUs, NVIDIA-L4
    objs = {o.key: o for o in crs.kueue_objects(plan)}
    assert set(objs) == {"resourceflavor-default-flavor", "resourceflavor-gpu", "clusterqueue-stackplan",
                         "localqueue-ml-workloads-default"}
    cq = objs["clusterqueue-stackplan"].spec
    gpu_group = next(g for g in cq["resourceGroups"] if g["coveredResources"] == ["nvidia.com/gpu"])
    assert gpu_group["flavors"][0]["resources"] == [{"name": "nvidia.com/gpu", "nominalQuota": 8}]
    assert objs["resourceflavor-gpu"].spec == {"nodeLabels": {"nvidia.com/gpu.product": "NVIDIA-L4"}}
    assert objs["localqueue-ml-workloads-default"].spec == {"clusterQueue": "stackplan"}
    assert all(o.after == ("kueue",) and o.owner == "kueue" for o in objs.values())


def test_no_gpus_means_no_gpu_quota() -> None:
    plan = plan_of(release("kueue"), release("volcano"), cluster={"gpu": {"nodes": 0, "perNode": 1}})
    cq = next(o for o in crs.kueue_objects(plan) if o.kind == "ClusterQueue")
    assert [g["coveredResources"] for g in cq.spec["resourceGroups"]] == [["cpu", "memory"]]
    assert "capability" not in crs.volcano_queue(plan)[0].spec


def test_custom_resources_wait_for_every_release_shipping_their_crd() -> None:
    plan = plan_of(release("kserve-crd", namespace="kserve", crds=("inferenceservices.serving.kserve.io",)),
                   release("kserve", needs=("kserve-crd",)), release("kserve-runtimes", needs=("kserve",)),
                   models=(Model("m", "hf://org/m"),))
    (isvc,) = crs.kserve_services(plan)
    assert isvc.after == ("kserve", "kserve-crd", "kserve-runtimes")
    assert isvc.owner == "kserve"


def test_kubeai_model_profiles() -> None:
    assert crs.kubeai_profile("NVIDIA-L40S", 2) == "nvidia-gpu-l40s:2"
    assert crs.kubeai_profile("NVIDIA-L4", 1) == "nvidia-gpu-l4:1"
    assert crs.kubeai_profile("NVIDIA-A100-SXM4-80GB", 8) == "nvidia-gpu-a100-80gb:8"
    assert crs.kubeai_profile(None, 1) == f"{crs.KUBEAI_GENERIC_GPU}:1"
    assert crs.kubeai_profile("NVIDIA-H100-80GB-HBM3", 0) == "cpu:1"
    plan = plan_of(release("kubeai"), models=(
        Model("qwen", "hf://Qwen/Qwen2.5-7B", gpus_per_replica=2, replicas=0, args=("--max-model-len=8192",)),
        Model("tiny", "ollama://qwen2:0.5b", engine="ollama", gpus_per_replica=0),
        Model("t", "s3://b/m", engine="triton")))
    models = {o.name: o for o in crs.kubeai_models(plan)}
    assert set(models) == {"qwen", "tiny"}  # KubeAI has no Triton engine
    q = models["qwen"]
    assert q.namespace == "kubeai"
    assert q.spec == {"url": "hf://Qwen/Qwen2.5-7B", "engine": "VLLM", "features": ["TextGeneration"],
                      "resourceProfile": "nvidia-gpu-l4:2", "minReplicas": 0, "maxReplicas": 1,
                      "targetRequests": 100, "scaleDownDelaySeconds": 30, "args": ["--max-model-len=8192"]}
    assert models["tiny"].spec["engine"] == "OLlama" and models["tiny"].spec["resourceProfile"] == "cpu:1"


def test_inference_service_uses_secret_refs_only() -> None:
    spec = crs.inference_service_spec(Model("llama", "hf://meta/llama", gpus_per_replica=1))
    model = spec["predictor"]["model"]
    assert model["modelFormat"] == {"name": "huggingface"}
    assert model["args"] == ["--model_name=llama"]
    assert model["storageUri"] == "hf://meta/llama"
    assert model["resources"]["limits"] == {"nvidia.com/gpu": "1"}
    # optional: public models need no token, and `apply` never creates Secrets (one object for every installer)
    assert model["env"][0]["valueFrom"]["secretKeyRef"] == {"name": crs.HF_SECRET, "key": "HF_TOKEN",
                                                            "optional": True}
    assert "serviceAccountName" not in spec["predictor"]  # only s3:// models need the S3 service account
    s3 = crs.inference_service_spec(Model("m", "s3://bucket/m", engine="triton", gpus_per_replica=0))
    assert s3["predictor"]["serviceAccountName"] == crs.MODELS_SERVICE_ACCOUNT
    assert "env" not in s3["predictor"]["model"] and "resources" not in s3["predictor"]["model"]


def test_manifest_carries_identity_and_spec_digest() -> None:
    plan = plan_of(release("volcano"))
    (queue,) = crs.volcano_queue(plan)
    body = queue.manifest("sha256:v")
    assert body["apiVersion"] == "scheduling.volcano.sh/v1beta1" and body["kind"] == "Queue"
    assert body["spec"] == {"weight": 1, "reclaimable": True, "capability": {"nvidia.com/gpu": 8}}
    assert labels.is_stamped(body, "volcano")
    assert body["metadata"]["annotations"][labels.SPEC_DIGEST].startswith("sha256:")


def test_model_specs_are_plan_values_and_wiring_without_secrets_adds_nothing() -> None:
    plan = plan_of(release("vllm-stack", images=("lmcache/vllm-openai:v0.3.1",)),
                   models=(Model("m", "hf://org/m", gpus_per_replica=2, replicas=3),))
    (spec,) = plan.releases["vllm-stack"].values["servingEngineSpec"]["modelSpec"]
    assert spec == {"name": "m", "repository": "lmcache/vllm-openai", "tag": "v0.3.1", "modelURL": "org/m",
                    "replicaCount": 3, "requestCPU": 6, "requestMemory": "16Gi", "requestGPU": 2}
    w = wiring.wiring(plan, EmitConfig())
    assert w.secrets == () and w.slots == () and dict(w.values) == {}


def test_wiring_routes_every_secret_through_config_keys() -> None:
    mlflow = {"artifactRoot": {"s3": {"enabled": True, "existingSecret": {"name": "mlflow-s3"}}},
              "postgresql": {"enabled": True, "auth": {"existingSecret": "pg", "secretKeys": {"userPasswordKey": "u"}}}}
    kserve = {"kserve": {"storage": {"s3": {"accessKeyIdName": "ID", "secretAccessKeyName": "KEY"}}}}
    plan = plan_of(release("kubeai"), release("vllm-stack"), release("mlflow", values=mlflow),
                   release("kserve", values=kserve), models=(Model("m", "hf://org/m"),))
    cfg = EmitConfig(secrets={k: SECRET for k in ("huggingfaceToken", "s3AccessKeyId", "s3SecretAccessKey",
                                                   "mlflowDbPassword", "mlflowDbAdminPassword")})
    w = wiring.wiring(plan, cfg)
    assert [(s.release, s.path, s.config_key) for s in w.slots] == [
        ("kubeai", ("secrets", "huggingface", "token"), "huggingfaceToken")]
    by_key = {s.key: s for s in w.secrets}
    assert set(by_key) == {"secret-vllm-stack-stackplan-huggingface", "secret-ml-workloads-stackplan-huggingface",
                           "secret-mlflow-mlflow-s3", "secret-mlflow-pg", "secret-ml-workloads-stackplan-s3"}
    assert dict(by_key["secret-mlflow-mlflow-s3"].entries) == {"AWS_ACCESS_KEY_ID": "s3AccessKeyId",
                                                               "AWS_SECRET_ACCESS_KEY": "s3SecretAccessKey"}
    assert dict(by_key["secret-mlflow-pg"].entries) == {"u": "mlflowDbPassword",
                                                        "postgres-password": "mlflowDbAdminPassword"}
    kserve_s3 = by_key["secret-ml-workloads-stackplan-s3"]
    assert dict(kserve_s3.entries) == {"ID": "s3AccessKeyId", "KEY": "s3SecretAccessKey"}
    assert "mlflow" not in w.values and "kserve" not in w.values  # where S3 lives stays in the stack file
    assert w.values["vllm-stack"]["servingEngineSpec"]["modelSpec"][0]["hf_token"] == {
        "secretName": crs.HF_SECRET, "secretKey": "HF_TOKEN"}


def test_no_credentials_no_secrets() -> None:
    mlflow = {"artifactRoot": {"s3": {"enabled": True}}, "postgresql": {"enabled": True}}
    w = wiring.wiring(plan_of(release("mlflow", values=mlflow), release("kubeai")), EmitConfig())
    assert w.secrets == () and w.slots == ()


def test_settings_validate_phase_and_secret_pairs() -> None:
    with pytest.raises(InputError, match="phase"):
        EmitConfig(phase="crds")
    with pytest.raises(InputError, match="s3SecretAccessKey is not set"):
        config_from_values({}, {"s3AccessKeyId": SECRET})
    with pytest.raises(InputError, match="mlflowDbPassword is not set"):
        config_from_values({}, {"mlflowDbAdminPassword": SECRET})
    with pytest.raises(InputError, match="helmTimeout"):
        config_from_values({"helmTimeout": "soon"}, {})
    with pytest.raises(InputError, match="unknown secret"):
        EmitConfig(secrets={"awsKey": SECRET})
    cfg = config_from_values({"phase": "operators", "helmTimeout": "60"},
                             {"s3AccessKeyId": SECRET, "s3SecretAccessKey": SECRET, "huggingfaceToken": None})
    assert cfg.phase == "operators" and not cfg.with_custom_resources and cfg.helm_timeout == 60
    assert cfg.has("s3AccessKeyId", "s3SecretAccessKey") and not cfg.has("huggingfaceToken")


def test_kubeai_token_goes_to_the_secret_the_chart_reads() -> None:
    values = {"secrets": {"huggingface": {"create": False, "name": "kubeai-huggingface"}}}
    w = wiring.wiring(plan_of(release("kubeai", values=values)), EmitConfig(secrets={"huggingfaceToken": SECRET}))
    assert w.slots == ()
    (secret,) = w.secrets
    assert (secret.name, secret.namespace, dict(secret.entries)) == ("kubeai-huggingface", "kubeai",
                                                                     {"token": "huggingfaceToken"})


@pytest.mark.parametrize(("directory", "project"), [
    ("my-stack", "my-stack"), ("My Stack!", "My-Stack"), ("..", "stackplan"), ("a.b_c", "a.b_c")])
def test_project_name_follows_the_directory(directory: str, project: str) -> None:
    from planner.emit.scaffold import project_name

    assert project_name(directory) == project
