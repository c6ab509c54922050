"""What a plan expects to exist before install: declared by blueprints, resolved into Plan.prerequisites."""

from __future__ import annotations

import dataclasses

from planner.catalog import load_catalog
from planner.emit.crs import HF_SECRET, HF_SECRET_KEY
from planner.emit.settings import DEFAULT_WORKLOAD_NAMESPACE, SECRET_KEYS, EmitConfig
from planner.emit.wiring import wiring
from planner.model import Model, StackSpec
from planner.prerequisites import Prerequisite
from planner.resolve import resolve
from planner.values import parse_set


def plan_of(profile: str, *sets: str, **stack):
    return resolve(load_catalog(), StackSpec(profile=profile, **stack), [parse_set(s) for s in sets])


def find(plan, kind: str, component: str) -> list[Prerequisite]:
    return [p for p in plan.prerequisites if p.kind == kind and p.component == component]


def test_the_interface_preflight_reads() -> None:
    assert [f.name for f in dataclasses.fields(Prerequisite)][:8] == [
        "kind", "name", "namespace", "keys", "component", "why", "source", "fix"]
    plan = plan_of("full-mlops")
    assert plan.to_dict()["prerequisites"] == [p.to_dict() for p in plan.prerequisites]
    for p in plan.prerequisites:
        assert p.why and p.source and p.fix and "$" not in p.fix, p


def test_mlflow_needs_a_named_bucket_and_two_secrets() -> None:
    plan = plan_of("training-team")
    [bucket] = find(plan, "Bucket", "mlflow")
    assert bucket.unset and bucket.setting == "components.mlflow.values.artifactRoot.s3.bucket"
    secrets = {(p.namespace, p.name): p.keys for p in find(plan, "Secret", "mlflow")}
    assert secrets == {("mlflow", "mlflow-s3"): ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"),
                       ("mlflow", "mlflow-postgresql"): ("password", "postgres-password")}
    named = plan_of("training-team", "mlflow.artifactRoot.s3.bucket=acme-art",
                    "mlflow.postgresql.auth.existingSecret=db-creds",
                    "mlflow.postgresql.auth.secretKeys.userPasswordKey=user-pw")
    [bucket] = find(named, "Bucket", "mlflow")
    assert bucket.name == "acme-art" and not bucket.unset
    renamed = next(p for p in find(named, "Secret", "mlflow") if "db" in (p.name or ""))
    assert renamed.name == "db-creds" and renamed.keys == ("user-pw", "postgres-password")
    assert "-n mlflow create secret generic db-creds --from-literal=user-pw=" in renamed.fix


def test_conditions_on_values_and_cluster_facts() -> None:
    off = plan_of("training-team", "mlflow.postgresql.enabled=false", "mlflow.artifactRoot.s3.enabled=false")
    assert find(off, "Secret", "mlflow") == [] and find(off, "Bucket", "mlflow") == []
    default = plan_of("full-mlops")
    assert {p.component for p in default.prerequisites if p.kind == "StorageClass"} == {
        "mlflow", "kubeflow-pipelines", "katib"}
    assert all(p.name is None for p in default.prerequisites if p.kind == "StorageClass")
    gp3 = plan_of("full-mlops", cluster={"storageClass": "gp3"})
    [sc] = find(gp3, "StorageClass", "mlflow")
    assert sc.name == "gp3" and sc.setting == "cluster.storageClass"
    assert find(gp3, "StorageClass", "katib")[0].name is None, "kustomize manifests take no storageClassName"


def test_hugging_face_token_only_for_hf_models() -> None:
    assert not [p for p in plan_of("llm-inference").prerequisites if p.kind == "Secret"]
    hf = (Model("llama", "hf://meta-llama/Llama-3.1-8B-Instruct"),)
    [kubeai] = find(plan_of("llm-inference", models=hf), "Secret", "kubeai")
    assert (kubeai.namespace, kubeai.name, kubeai.keys) == ("kubeai", "kubeai-huggingface", ("token",))
    [kserve] = find(plan_of("llm-inference", models=hf, choices={"serving": "kserve-vllm"}), "Secret", "kserve")
    assert (kserve.namespace, kserve.name, kserve.keys) == (DEFAULT_WORKLOAD_NAMESPACE, HF_SECRET, (HF_SECRET_KEY,))
    s3 = (Model("m", "s3://bucket/m", engine="triton"),)
    assert not find(plan_of("llm-inference", models=s3, choices={"serving": "kserve-vllm"}), "Secret", "kserve")


def test_every_secret_the_pulumi_program_can_create_is_a_declared_prerequisite() -> None:
    """One fact, two readers: the names and keys the program creates (planner/emit/wiring.py) are the ones
    the blueprints declare; `createdBy` names the config keys that make the program create them."""
    cfg = EmitConfig(secrets={k: object() for k in SECRET_KEYS})
    hf = (Model("llama", "hf://meta-llama/Llama-3.1-8B-Instruct"),)
    for plan in (plan_of("full-mlops", models=hf), plan_of("training-team"), plan_of("llm-inference", models=hf),
                 plan_of("llm-inference", models=hf, choices={"serving": "kserve-vllm"})):
        declared = {(p.namespace, p.name): p for p in plan.prerequisites if p.kind == "Secret"}
        for spec in wiring(plan, cfg).secrets:
            if spec.service_account:  # the S3 Secret for s3:// models: created with its ServiceAccount
                continue
            p = declared.get((spec.namespace, spec.name))
            assert p is not None, f"{plan.profile}: the program creates {spec.namespace}/{spec.name}, undeclared"
            assert set(p.keys) == set(spec.entries) and set(p.created_by) == set(spec.entries.values())


def test_preflight_looks_up_the_cluster_objects_by_name_only() -> None:
    """PF004 (planner/preflight) reads Plan.prerequisites: Secrets and named StorageClasses; not a bucket
    (outside the cluster; validate makes the user name it) nor the default StorageClass (PF002's job)."""
    from planner.preflight.prerequisites import declared

    plan = plan_of("full-mlops", cluster={"storageClass": "gp3"})
    looked_up = {(p.kind, p.namespace, p.name) for p in declared(plan)}
    assert looked_up == {("Secret", "mlflow", "mlflow-s3"), ("Secret", "mlflow", "mlflow-postgresql"),
                         ("StorageClass", None, "gp3")}
    assert {p.kind for p in plan.prerequisites} - {k for k, _, _ in looked_up} == {"Bucket"}
