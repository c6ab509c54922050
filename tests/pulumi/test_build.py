"""build(plan) under Pulumi mocks, on hand-made plans: what the engine would receive, resource by resource."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from planner.desired.labels import MANAGED_BY, RELEASE, SPEC_DIGEST, VALUES_DIGEST
from planner.emit.pulumi import build
from planner.emit.settings import EmitConfig
from planner.model import Model, Plan
from tests.pulumi.harness import Recorder, install_mocks, plan_of, release, run, secret_values, unwrapped_strings

RELEASE_T = "kubernetes:helm.sh/v3:Release"
NAMESPACE_T = "kubernetes:core/v1:Namespace"
DIRECTORY_T = "kubernetes:kustomize:Directory"
KFP_URL = "https://github.com/example/kfp/tree/2.17.0/manifests"
KFP_MANIFESTS = [
    {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
     "metadata": {"name": "viewers.kubeflow.org"},
     "spec": {"group": "kubeflow.org", "names": {"kind": "Viewer", "plural": "viewers"}, "scope": "Namespaced",
              "versions": []}},
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kubeflow", "labels": {"upstream": "yes"}}},
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kubeflow-extra"}},
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "ml-pipeline", "namespace": "kubeflow"},
     "spec": {"template": {"metadata": {"labels": {"app": "ml-pipeline"}}}}},
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "kubeflow"}, "data": {}},
]
TOKEN = "hf_not_a_real_token_0123456789"
S3_KEY, S3_SECRET = "AKIA_TEST_KEY_ID", "s3-secret-access-key-test"


def emit(plan: Plan, cfg: EmitConfig | None = None, kustomize: dict[str, Any] | None = None) -> Recorder:
    _, rec = install_mocks(kustomize)
    run(lambda: build(plan, cfg or EmitConfig()))
    return rec


def diamond() -> Plan:
    """a <- b, a <- c, (b, c) <- d; e independent; kfp (kustomize) needs a; f needs kfp."""
    return plan_of(
        release("a", labels={"pod-security.kubernetes.io/enforce": "privileged"},
                values={"driver": {"enabled": False}}),
        release("b", needs=("a",), kind="oci", location="oci://ghcr.io/org/charts/b", version="v0.20.0"),
        release("c", needs=("a",), namespace="shared"),
        release("d", needs=("b", "c"), namespace="shared", values={"replicas": 2}),
        release("e"),
        release("kfp", kind="kustomize", namespace="kubeflow", needs=("a",), version="2.17.0",
                location="github.com/example/kfp/manifests"),
        release("f", needs=("kfp",)),
    )


def test_one_release_per_helm_release_named_by_id_with_pinned_chart() -> None:
    plan = diamond()
    rec = emit(plan, kustomize={KFP_URL: KFP_MANIFESTS})
    rels = rec.releases()
    assert set(rels) == {"a", "b", "c", "d", "e", "f"}
    for rid, reg in rels.items():
        want = plan.releases[rid]
        inputs = reg.inputs
        assert inputs["name"] == rid, f"{reg.urn}: Helm release name must be the id (no random suffix)"
        assert inputs["version"] == want.version, reg.urn
        assert inputs["namespace"] == want.namespace, reg.urn
        assert inputs["values"] == dict(want.values), reg.urn
        assert inputs["createNamespace"] is False and inputs["skipAwait"] is False, reg.urn
        assert want.values_digest in inputs["description"], reg.urn
    assert rels["a"].inputs["chart"] == "a"
    assert rels["a"].inputs["repositoryOpts"] == {"repo": "https://charts.example.invalid/a"}
    assert rels["b"].inputs["chart"] == "oci://ghcr.io/org/charts/b"
    assert "repositoryOpts" not in rels["b"].inputs


def test_depends_on_is_exactly_the_plan_needs() -> None:
    plan = diamond()
    rec = emit(plan, kustomize={KFP_URL: KFP_MANIFESTS})
    for rid, reg in rec.releases().items():
        assert rec.release_deps(reg) == set(plan.releases[rid].needs), reg.urn
    # independent releases are not serialised: b and c both wait for a only, e for nothing
    assert rec.release_deps(rec.releases()["b"]) == {"a"} == rec.release_deps(rec.releases()["c"])
    # every kustomize object waits for kfp's needs (a), and nothing else outside kfp
    children = rec.kustomize_children()
    assert len(children) == 4  # the CRD, namespace kubeflow-extra, the Deployment, the ConfigMap
    for child in children:
        assert rec.release_deps(child) - {"kfp"} == {"a"}, child.urn


def test_kustomize_installs_crds_first_and_stamps_every_object() -> None:
    plan = diamond()
    mocks, rec = install_mocks({KFP_URL: KFP_MANIFESTS})
    run(lambda: build(plan, EmitConfig()))
    assert [a["directory"] for t, a in mocks.invokes if t == "kubernetes:kustomize:directory"] == [KFP_URL] * 2
    dirs = {r.name: r for r in rec.of_type(DIRECTORY_T)}
    assert set(dirs) == {"kfp-crds", "kfp-manifests"}
    crd = rec.named("kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", "kfp-viewers.kubeflow.org")
    assert crd.parent == dirs["kfp-crds"].urn
    deployment = rec.named("kubernetes:apps/v1:Deployment", "kfp-kubeflow/ml-pipeline")
    assert deployment.parent == dirs["kfp-manifests"].urn
    assert crd.urn in deployment.dependencies, "non-CRD objects must wait for the release's CRDs"
    # stackplan owns namespace kubeflow: the manifest's own Namespace object is dropped, others are kept
    assert [r.name for r in rec.kustomize_children() if r.type == NAMESPACE_T] == ["kfp-kubeflow-extra"]
    kfp = plan.releases["kfp"]
    for child in rec.kustomize_children():
        meta = child.inputs["metadata"]
        assert meta["labels"][MANAGED_BY] == "stackplan" and meta["labels"][RELEASE] == "kfp", child.urn
        assert meta["annotations"][VALUES_DIGEST] == kfp.values_digest, child.urn


def test_namespaces_carry_identity_and_pod_security_labels() -> None:
    plan = diamond()
    rec = emit(plan, kustomize={KFP_URL: KFP_MANIFESTS})
    top = {r.name: r for r in rec.top_level(NAMESPACE_T)}
    assert set(top) == {f"ns-{n}" for n in plan.namespaces()}
    a = top["ns-a"].inputs["metadata"]
    assert a["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"
    for reg in top.values():
        meta = reg.inputs["metadata"]
        owner = meta["labels"][RELEASE]
        assert meta["labels"][MANAGED_BY] == "stackplan", reg.urn
        assert meta["annotations"][VALUES_DIGEST] == plan.releases[owner].values_digest, reg.urn
    assert top["ns-shared"].inputs["metadata"]["annotations"]["stackplan.dev/releases"] == "c,d"


def gpu_plan(**kw: Any) -> Plan:
    return plan_of(
        release("gpu-operator"),
        release("kueue", kind="oci", needs=("gpu-operator",), crds=("clusterqueues.kueue.x-k8s.io",)),
        release("volcano"),
        release("kubeai", needs=("gpu-operator",)),
        release("kserve-crd", namespace="kserve", crds=("inferenceservices.serving.kserve.io",)),
        release("kserve", needs=("kserve-crd",)),
        release("kserve-runtimes", namespace="kserve", needs=("kserve",)),
        release("mlflow", values=MLFLOW_VALUES),
        release("vllm-stack", needs=("gpu-operator",)),
        models=(Model("llama", "hf://meta/llama", gpus_per_replica=1), Model("s3m", "s3://bucket/m", engine="triton")),
        **kw,
    )


MLFLOW_VALUES = {"artifactRoot": {"s3": {"enabled": True, "bucket": "mlflow", "existingSecret": {
    "name": "mlflow-s3", "keyOfAccessKeyId": "KEY_ID", "keyOfSecretAccessKey": "SECRET_KEY"}}},
    "postgresql": {"enabled": True, "auth": {"existingSecret": "mlflow-postgresql"}}}
DB_PASSWORD, DB_ADMIN = "db-user-password-test", "db-admin-password-test"


def full_config(phase: str = "all") -> EmitConfig:
    return EmitConfig(phase=phase, secrets={"huggingfaceToken": pulumi.Output.secret(TOKEN),
                               "s3AccessKeyId": pulumi.Output.secret(S3_KEY),
                               "s3SecretAccessKey": pulumi.Output.secret(S3_SECRET),
                               "mlflowDbPassword": pulumi.Output.secret(DB_PASSWORD),
                               "mlflowDbAdminPassword": pulumi.Output.secret(DB_ADMIN)})


def custom(rec: Recorder) -> list[Any]:
    return [r for r in rec.items if r.type.split(":")[1].count(".") >= 1 and "/" in r.type.split(":")[1]
            and r.type.split(":")[1].split("/")[0] in {"kueue.x-k8s.io", "scheduling.volcano.sh", "kubeai.org",
                                                       "serving.kserve.io"}]


def test_custom_resources_wait_for_the_releases_shipping_their_crds() -> None:
    plan = gpu_plan()
    rec = emit(plan, full_config())
    regs = {r.name: r for r in custom(rec)}
    assert set(regs) == {"resourceflavor-default-flavor", "resourceflavor-gpu", "clusterqueue-stackplan",
                         "localqueue-ml-workloads-default", "queue-stackplan", "model-kubeai-llama",
                         "inferenceservice-ml-workloads-llama", "inferenceservice-ml-workloads-s3m"}
    expected = {"resourceflavor": {"kueue"}, "clusterqueue": {"kueue"}, "localqueue": {"kueue"},
                "queue": {"volcano"}, "model": {"kubeai"},
                "inferenceservice": {"kserve", "kserve-crd", "kserve-runtimes"}}
    for name, reg in regs.items():
        assert rec.release_deps(reg) == expected[name.split("-")[0]], reg.urn
        meta = reg.inputs["metadata"]
        assert meta["labels"][MANAGED_BY] == "stackplan", reg.urn
        assert VALUES_DIGEST in meta["annotations"] and SPEC_DIGEST in meta["annotations"], reg.urn
    cq = regs["clusterqueue-stackplan"].inputs["spec"]
    assert {"name": "nvidia.com/gpu", "nominalQuota": 8} in cq["resourceGroups"][1]["flavors"][0]["resources"]
    isvc = regs["inferenceservice-ml-workloads-s3m"]
    sa = rec.named("kubernetes:core/v1:ServiceAccount", "serviceaccount-ml-workloads-stackplan-models")
    assert isvc.inputs["spec"]["predictor"]["serviceAccountName"] == "stackplan-models"
    assert sa.urn in isvc.dependencies


def test_phase_operators_leaves_custom_resources_out() -> None:
    rec = emit(gpu_plan(), full_config(phase="operators"))
    assert custom(rec) == []
    assert set(rec.releases()) == set(gpu_plan().releases)


def test_secrets_only_travel_as_pulumi_secrets() -> None:
    rec = emit(gpu_plan(), full_config())
    for reg in rec.items:
        leaked = {TOKEN, S3_KEY, S3_SECRET, DB_PASSWORD, DB_ADMIN} & set(unwrapped_strings(reg.wire))
        assert not leaked, f"{reg.urn} leaks a secret"
    kubeai = rec.releases()["kubeai"]
    assert TOKEN in secret_values(kubeai.wire)
    assert kubeai.inputs["values"]["secrets"]["huggingface"]["token"] == TOKEN
    assert rec.releases()["mlflow"].inputs["values"] == MLFLOW_VALUES, "credentials never enter Helm values"
    secrets = {r.name: r for r in rec.of_type("kubernetes:core/v1:Secret")}
    assert set(secrets) == {"secret-vllm-stack-stackplan-huggingface", "secret-ml-workloads-stackplan-huggingface",
                            "secret-mlflow-mlflow-s3", "secret-mlflow-mlflow-postgresql",
                            "secret-ml-workloads-stackplan-s3"}
    s3 = secrets["secret-mlflow-mlflow-s3"]
    assert s3.inputs["stringData"] == {"KEY_ID": S3_KEY, "SECRET_KEY": S3_SECRET}
    assert secret_values(s3.wire) >= {S3_KEY, S3_SECRET}
    db = secrets["secret-mlflow-mlflow-postgresql"]
    assert db.inputs["stringData"] == {"password": DB_PASSWORD, "postgres-password": DB_ADMIN}
    for secret in (s3, db):
        assert secret.urn in rec.releases()["mlflow"].dependencies, "the release must find its existing Secrets"
    spec = rec.releases()["vllm-stack"].inputs["values"]["servingEngineSpec"]["modelSpec"]
    assert [m["name"] for m in spec] == ["llama"] and spec[0]["hf_token"]["secretName"] == "stackplan-huggingface"


@pytest.mark.parametrize("preinstalled", [True, False])
def test_release_values_are_the_plan_values(preinstalled: bool) -> None:
    plan = plan_of(release("gpu-operator", values={"driver": {"enabled": not preinstalled}}))
    rec = emit(plan)
    assert rec.releases()["gpu-operator"].inputs["values"]["driver"]["enabled"] is (not preinstalled)


UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # Pulumi wire format: an unknown (computed) value


def test_preview_of_a_fresh_stack_sends_fully_known_custom_resources() -> None:
    """In preview, a Release being created has unknown outputs (`status`). The program must not feed any of
    them into a custom resource: with known inputs the provider skips the dry run of a kind whose CRD does
    not exist yet (provider.go Create: `!k.gvkExists`) instead of failing. Mocks echo inputs only, so any
    Release output the program used would arrive as unknown here."""
    _, rec = install_mocks(preview=True)
    run(lambda: build(gpu_plan(), full_config()))
    regs = custom(rec)
    assert len(regs) == 8
    for reg in regs:
        assert UNKNOWN not in str(reg.wire), f"{reg.urn} has unknown inputs at preview"
        assert rec.release_deps(reg), f"{reg.urn} must still wait for its operator"


def test_system_namespaces_are_used_never_created() -> None:
    rec = emit(plan_of(release("a", namespace="kube-system"), release("b", needs=("a",))))
    assert {r.name for r in rec.top_level(NAMESPACE_T)} == {"ns-b"}
    assert rec.releases()["a"].inputs["namespace"] == "kube-system"


def test_null_values_reach_helm() -> None:
    """`key: null` is Helm's "delete this chart default" (planner/values.py); Pulumi must not drop it."""
    rec = emit(plan_of(release("a", values={"x": None, "y": {"z": None, "k": 1}})))
    assert rec.releases()["a"].wire["values"] == {"x": None, "y": {"z": None, "k": 1}}


def test_mirrored_sources_use_local_paths(tmp_path: Any) -> None:
    (tmp_path / "kueue-0.19.2.tgz").write_bytes(b"")
    plan = plan_of(release("kueue", kind="local", location=str(tmp_path), chart="kueue", version="0.19.2"),
                   release("katib", kind="local", location="/srv/mirror/kustomize/katib", namespace="kubeflow"))
    mocks, rec = install_mocks()
    run(lambda: build(plan, EmitConfig()))
    kueue = rec.releases()["kueue"].inputs
    assert kueue["chart"] == f"{tmp_path}/kueue-0.19.2.tgz" and "repositoryOpts" not in kueue
    assert {a["directory"] for t, a in mocks.invokes if t == "kubernetes:kustomize:directory"} == {
        "/srv/mirror/kustomize/katib"}
