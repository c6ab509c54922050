"""What a plan expects to exist before install: declared by blueprints, resolved into Plan.prerequisites."""

from __future__ import annotations

import dataclasses

from planner.catalog import load_catalog
from planner.desired.objects import HF_SECRET, HF_SECRET_KEY, S3_SECRET
from planner.emit.settings import SECRET_KEYS, EmitConfig
from planner.emit.wiring import wiring
from planner.model import DEFAULT_WORKLOAD_NAMESPACE, Model, StackSpec
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


def test_mlflow_needs_a_named_bucket_a_named_database_and_two_secrets() -> None:
    plan = plan_of("training-team")
    [bucket] = find(plan, "Bucket", "mlflow")
    assert bucket.unset and bucket.setting == "components.mlflow.values.artifactRoot.s3.bucket"
    [database] = find(plan, "Database", "mlflow")  # an external PostgreSQL by default: only the user knows its host
    assert database.unset and database.setting == "components.mlflow.values.backendStore.postgres.host"
    secrets = {(p.namespace, p.name): p.keys for p in find(plan, "Secret", "mlflow")}
    assert secrets == {("mlflow", "mlflow-s3"): ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"),
                       ("mlflow", "mlflow-database"): ("username", "password")}
    assert find(plan, "StorageClass", "mlflow") == []  # no bundled database, no volume
    named = plan_of("training-team", "mlflow.artifactRoot.s3.bucket=acme-art",
                    "mlflow.backendStore.postgres.host=pg.acme.internal",
                    "mlflow.backendStore.existingDatabaseSecret.name=db-creds",
                    "mlflow.backendStore.existingDatabaseSecret.passwordKey=pw")
    [bucket] = find(named, "Bucket", "mlflow")
    assert bucket.name == "acme-art" and not bucket.unset
    [database] = find(named, "Database", "mlflow")
    assert database.name == "pg.acme.internal" and not database.unset
    renamed = next(p for p in find(named, "Secret", "mlflow") if "db" in (p.name or ""))
    assert renamed.name == "db-creds" and renamed.keys == ("username", "pw")
    assert "-n mlflow create secret generic db-creds --from-literal=username=" in renamed.fix


def test_mlflow_bundled_postgresql_is_an_opt_in_with_its_own_secret() -> None:
    bundled = plan_of("training-team", "mlflow.postgresql.enabled=true", "mlflow.backendStore.postgres.enabled=false",
                      "mlflow.postgresql.auth.existingSecret=db-creds",
                      "mlflow.postgresql.auth.secretKeys.userPasswordKey=user-pw")
    assert find(bundled, "Database", "mlflow") == []
    secrets = {(p.namespace, p.name): p.keys for p in find(bundled, "Secret", "mlflow")}
    assert secrets[("mlflow", "db-creds")] == ("user-pw", "postgres-password")
    assert ("mlflow", "mlflow-database") not in secrets
    assert len(find(bundled, "StorageClass", "mlflow")) == 1


def test_conditions_on_values_and_cluster_facts() -> None:
    off = plan_of("training-team", "mlflow.backendStore.postgres.enabled=false", "mlflow.artifactRoot.s3.enabled=false")
    assert find(off, "Secret", "mlflow") == [] and find(off, "Bucket", "mlflow") == []
    assert find(off, "Database", "mlflow") == []
    default = plan_of("full-mlops")
    assert {p.component for p in default.prerequisites if p.kind == "StorageClass"} == {
        "kubeflow-pipelines", "katib"}
    assert all(p.name is None for p in default.prerequisites if p.kind == "StorageClass")
    gp3 = plan_of("full-mlops", "mlflow.postgresql.enabled=true",
                  "mlflow.postgresql.primary.persistence.storageClass=gp3", cluster={"storageClass": "gp3"})
    [sc] = find(gp3, "StorageClass", "mlflow")
    assert sc.name == "gp3" and sc.setting == "components.mlflow.values.postgresql.primary.persistence.storageClass"
    assert find(gp3, "StorageClass", "katib")[0].name is None, "kustomize manifests take no storageClassName"


def test_a_prerequisite_named_by_a_cluster_fact() -> None:
    from planner.prerequisites import for_release

    spec = {"kind": "StorageClass", "name": {"fact": "cluster.storageClass"}, "why": "w", "source": "s", "fix": "f"}
    [sc] = for_release("c", "ns", [spec], {}, {"cluster.storageClass": "gp3"}, (), lambda when, facts: True)
    assert (sc.name, sc.setting) == ("gp3", "cluster.storageClass")
    [default] = for_release("c", "ns", [spec], {}, {}, (), lambda when, facts: True)
    assert default.name is None and not default.unset


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
            if spec.name == S3_SECRET and spec.namespace == plan.workload_namespace:
                continue  # the S3 Secret for s3:// models: listed by the models' ServiceAccount (a plan object)
            p = declared.get((spec.namespace, spec.name))
            assert p is not None, f"{plan.profile}: the program creates {spec.namespace}/{spec.name}, undeclared"
            assert set(p.keys) == set(spec.entries) and set(p.created_by) == set(spec.entries.values())


def test_preflight_looks_up_the_cluster_objects_by_name_only() -> None:
    """PF004 (planner/preflight) reads Plan.prerequisites: Secrets and named StorageClasses; not a bucket
    (outside the cluster; validate makes the user name it) nor the default StorageClass (PF002's job)."""
    from planner.preflight.prerequisites import declared

    plan = plan_of("full-mlops", "mlflow.postgresql.enabled=true", "mlflow.backendStore.postgres.enabled=false",
                   "mlflow.postgresql.auth.existingSecret=mlflow-postgresql",
                   "mlflow.postgresql.primary.persistence.storageClass=gp3")
    looked_up = {(p.kind, p.namespace, p.name) for p in declared(plan)}
    assert looked_up == {("Secret", "mlflow", "mlflow-s3"), ("Secret", "mlflow", "mlflow-postgresql"),
                         ("StorageClass", None, "gp3")}
    assert {p.kind for p in plan.prerequisites} - {k for k, _, _ in looked_up} == {"Bucket"}
    external = plan_of("full-mlops", "mlflow.backendStore.postgres.host=pg.acme.internal")
    assert ("Secret", "mlflow", "mlflow-database") in {(p.kind, p.namespace, p.name) for p in declared(external)}
    assert not [p for p in declared(external) if p.kind == "Database"], "a database server is outside the cluster"
