"""The blueprints' knobs and production defaults, seen through the resolver (cluster facts -> release values)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from planner.catalog import load_catalog
from planner.model import Catalog, ComponentOverride, Mirror, Plan, StackSpec
from planner.resolve import resolve
from planner.values import get_path


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(use_cache=False)


def _plan(catalog: Catalog, profile: str, *, choices: Mapping[str, str] | None = None,
          cluster: Mapping[str, Any] | None = None, enable: tuple[str, ...] = (),
          mirror: Mirror | None = None) -> Plan:
    components = {cid: ComponentOverride(enabled=True) for cid in enable}
    return resolve(catalog, StackSpec(profile=profile, choices=dict(choices or {}), cluster=dict(cluster or {}),
                                      components=components, mirror=mirror))


def _value(plan: Plan, release: str, path: str) -> Any:
    return get_path(plan.releases[release].values, path, "<unset>")


@pytest.mark.parametrize(("preinstalled", "expected"), [(True, False), (False, True)])
def test_gpu_operator_skips_driver_and_toolkit_when_preinstalled(catalog: Catalog, preinstalled: bool,
                                                                 expected: bool) -> None:
    gpu = {"nodes": 2, "driversPreinstalled": preinstalled, "toolkitPreinstalled": preinstalled}
    plan = _plan(catalog, "llm-inference", cluster={"gpu": gpu})
    assert _value(plan, "gpu-operator", "driver.enabled") is expected
    assert _value(plan, "gpu-operator", "toolkit.enabled") is expected


def test_no_gpus_swaps_in_fake_gpu_operator_and_clears_vllm_runtime_class(catalog: Catalog) -> None:
    plan = _plan(catalog, "llm-inference", choices={"serving": "vllm-stack"}, cluster={"gpu": {"nodes": 0}})
    assert "fake-gpu-operator" in plan.releases and "gpu-operator" not in plan.releases
    assert _value(plan, "vllm-stack", "servingEngineSpec.runtimeClassName") == ""
    with_gpus = _plan(catalog, "llm-inference", choices={"serving": "vllm-stack"})
    assert _value(with_gpus, "vllm-stack", "servingEngineSpec.runtimeClassName") == "nvidia"


@pytest.mark.parametrize(("observability", "monitored"), [("prometheus", True), ("none", False)])
def test_monitors_follow_kube_prometheus_stack(catalog: Catalog, observability: str, monitored: bool) -> None:
    plan = _plan(catalog, "full-mlops", choices={"observability": observability})
    assert _value(plan, "gpu-operator", "dcgmExporter.serviceMonitor.enabled") is monitored
    assert _value(plan, "gpu-operator", "node-feature-discovery.prometheus.enable") is monitored
    assert _value(plan, "cert-manager", "prometheus.servicemonitor.enabled") is monitored
    assert _value(plan, "mlflow", "serviceMonitor.enabled") is monitored


def test_storage_class_fact_reaches_persistent_volume_claims(catalog: Catalog) -> None:
    plan = _plan(catalog, "training-team", choices={"pipelines": "metaflow"}, cluster={"storageClass": "fast-ssd"},
                 enable=("kube-prometheus-stack", "ollama"))
    # MLflow's bundled PostgreSQL is an opt-in (switched off, its values would be read by no template)
    assert _value(plan, "mlflow", "postgresql.primary.persistence.storageClass") == "<unset>"
    assert _value(plan, "metaflow-service", "postgresql.primary.persistence.storageClass") == "fast-ssd"
    assert _value(plan, "ollama", "persistentVolume.storageClass") == "fast-ssd"
    path = "prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName"
    assert _value(plan, "kube-prometheus-stack", path) == "fast-ssd"


def test_trainer_leaves_lws_to_the_lws_release(catalog: Catalog) -> None:
    # stackplan sets nothing there by default: the chart reads the key only with dataCache.enabled=true
    assert _value(_plan(catalog, "training-team"), "kubeflow-trainer", "dataCache.lws.install") == "<unset>"
    plan = _plan(catalog, "training-team", enable=("lws",))
    assert _value(plan, "kubeflow-trainer", "dataCache.lws.install") is False


def test_mlflow_is_never_the_ephemeral_demo(catalog: Catalog) -> None:
    values = _plan(catalog, "training-team").releases["mlflow"].values
    assert get_path(values, "postgresql.enabled") or get_path(values, "backendStore.postgres.enabled")
    assert get_path(values, "postgresql.primary.persistence.enabled") is not False
    assert any(get_path(values, f"artifactRoot.{store}.enabled") for store in ("s3", "azureBlob", "gcs"))
    assert get_path(values, "artifactRoot.s3.existingSecret.name"), "S3 credentials come from a Secret"
    assert get_path(values, "backendStore.existingDatabaseSecret.name"), "database credentials come from a Secret"
    assert get_path(values, "postgresql.enabled") is False, "the unmaintained bitnamilegacy PostgreSQL is an opt-in"


def test_mlflow_expects_the_bundled_postgresql_only_when_opted_in(catalog: Catalog) -> None:
    # community-charts/helm-charts:charts/mlflow/Chart.yaml@mlflow-1.11.5: the postgresql subchart's condition is
    # postgresql.enabled; README.md@mlflow-1.11.5 documents an external database by existingDatabaseSecret
    external = _plan(catalog, "training-team").releases["mlflow"]
    assert [(w.kind, w.name) for w in external.workloads] == [("Deployment", "mlflow")]
    assert not any("postgresql" in i for i in external.images)
    opt_in = {"postgresql": {"enabled": True}, "backendStore": {"postgres": {"enabled": False}}}
    plan = resolve(catalog, StackSpec(profile="training-team",
                                      components={"mlflow": ComponentOverride(values=opt_in)}))
    bundled = plan.releases["mlflow"]
    assert ("StatefulSet", "mlflow-postgresql") in {(w.kind, w.name) for w in bundled.workloads}
    assert any("bitnamilegacy/postgresql" in i for i in bundled.images)


def test_serving_and_platform_defaults_are_production_ones(catalog: Catalog) -> None:
    plan = _plan(catalog, "full-mlops")
    assert _value(plan, "kserve", "kserve.controller.deploymentMode") == "Standard"
    assert _value(plan, "cert-manager", "crds.enabled") is True
    assert _value(plan, "kserve-runtimes", "kserve.servingruntime.enabled") is True
    assert _value(plan, "kserve-runtimes", "kserve.servingruntime.tritonserver.disabled") is False
    kubeai = _plan(catalog, "llm-inference")
    assert _value(kubeai, "kubeai", "open-webui.enabled") is False


def test_zenml_and_metaflow_defaults(catalog: Catalog) -> None:
    zenml = _plan(catalog, "training-team", choices={"pipelines": "zenml"})
    assert _value(zenml, "zenml-server", "server.analyticsOptIn") is False
    assert _value(zenml, "zenml-server", "server.ingress.enabled") is False
    refs = {r["name"] for r in _value(zenml, "zenml-server", "server.environmentSecretKeyRefs")}
    assert {"ZENML_SERVER_JWT_SECRET_KEY", "ZENML_SECRETS_STORE_ENCRYPTION_KEY"} <= refs
    metaflow = _plan(catalog, "training-team", choices={"pipelines": "metaflow"})
    release = metaflow.releases["metaflow-service"]
    assert _value(metaflow, "metaflow-service", "metaflow-ui.namespace") == release.namespace
    assert _value(metaflow, "metaflow-service", "metaflow-ui.ingress.enabled") is False
    assert "bitnamilegacy" in _value(metaflow, "metaflow-service", "postgresql.image.repository")
    assert _value(metaflow, "metaflow-service", "metaflow-service.metadatadb.password") == ""


@pytest.mark.parametrize("profile", ["training-team", "llm-inference", "full-mlops"])
def test_mirror_rewrites_every_mirror_value(catalog: Catalog, profile: str) -> None:
    prefix = "registry.internal:5000/mirror"
    plan = _plan(catalog, profile, mirror=Mirror(images=prefix))
    for rel in plan.releases.values():
        for path in catalog.blueprints[rel.component].mirror_values:
            assert str(get_path(rel.values, path)).startswith(prefix), f"{rel.id}: {path} not mirrored"
        assert all(img.startswith(prefix) for img in rel.images), rel.id


def test_full_mlops_points_kserve_at_mlflows_artifact_store(catalog: Catalog) -> None:
    plan = _plan(catalog, "full-mlops")
    endpoint = _value(plan, "mlflow", "extraEnvVars.MLFLOW_S3_ENDPOINT_URL")
    scheme, _, host = str(endpoint).partition("://")
    assert _value(plan, "kserve", "kserve.storage.s3.endpoint") == host
    assert _value(plan, "kserve", "kserve.storage.s3.useHttps") == ("1" if scheme == "https" else "0")
    region = _value(plan, "mlflow", "extraEnvVars.AWS_DEFAULT_REGION")
    assert _value(plan, "kserve", "kserve.storage.s3.region") == region
    secret = catalog.blueprints["mlflow"].values["artifactRoot"]["s3"]["existingSecret"]
    assert secret["keyOfAccessKeyId"] == _value(plan, "kserve", "kserve.storage.s3.accessKeyIdName")
    assert secret["keyOfSecretAccessKey"] == _value(plan, "kserve", "kserve.storage.s3.secretAccessKeyName")


def test_vllm_stack_engine_values_are_probed_with_a_model_the_chart_renders(catalog: Catalog) -> None:
    from planner.checks.vllm_stack import engine_deployments
    from planner.values import merge, nested

    # a plan without models renders no engine Deployment, so verify-charts probes the engine values with one
    # modelSpec entry (the 2026-12-07 run found them unread in llm-inference/vllm-stack without models)
    bp = catalog.blueprints["vllm-stack"]
    for path in ("servingEngineSpec.runtimeClassName", "servingEngineSpec.imagePullPolicy"):
        values: dict[str, Any] = {}
        for other, value in bp.probe_with[path].items():
            values = merge(values, nested(other, value))
        assert engine_deployments("vllm-stack", values) == ["vllm-stack-probe-deployment-vllm"]
