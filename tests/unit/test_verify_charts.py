"""verify-charts' pure core: image extraction from rendered manifests, and the catalog comparisons."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from planner.model import Release, Source, Workload
from planner.verify import compare
from planner.verify.manifest import analyse, looks_like_image
from planner.verify.run import leaf_paths, verify_plan

DEPLOY = {
    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "ctl", "namespace": "sys"},
    "spec": {"replicas": 1, "template": {"spec": {
        "initContainers": [{"name": "i", "image": "docker.io/alpine:3.21"}],
        "containers": [{"name": "c", "image": "ghcr.io/acme/ctl:v1",
                        "args": ["--sidecar-image=quay.io/acme/sidecar:v2", "--port=8080",
                                 "--reloader=mirror.local:5000/m/acme/reloader:v3"],
                        "env": [{"name": "ENGINE_IMAGE", "value": "vllm/vllm-openai:v0.9.1"},
                                {"name": "URL", "value": "https://example.com/a/b:c"}]}]}}},
}
CONFIGMAP = {
    "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "inferenceservice-config"},
    "data": {"storageInitializer": json.dumps({"image": "kserve/storage-initializer:v0.20.0",
                                               "memoryRequest": "100Mi"}),
             "config.yaml": "modelServers:\n  VLLM:\n    images:\n      default: vllm/vllm-openai:v0.9\n"
                            "      nvidia-gpu: vllm/vllm-openai:v0.9-cuda\n"},
}
OPERATOR_CR = {
    "apiVersion": "nvidia.com/v1", "kind": "ClusterPolicy", "metadata": {"name": "cluster-policy"},
    "spec": {"driver": {"repository": "nvcr.io/nvidia", "image": "driver", "version": "595.91.07"},
             "toolkit": {"registry": "nvcr.io", "repository": "nvidia/k8s/container-toolkit", "tag": "v1.20.0"},
             "gds": {"enabled": False, "repository": "nvcr.io/nvidia/cloud-native", "image": "nvidia-fs",
                     "version": "2.20.5"}},
}
CRD = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": {"name": "queues.x.io"},
    "spec": {"group": "x.io", "names": {"kind": "Queue"}, "scope": "Cluster", "versions": [
        {"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": {
            "type": "object", "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"},
                                             "metadata": {"type": "object"},
                                             "spec": {"type": "object",
                                                      "properties": {"weight": {"type": "integer"}}}}}}},
        {"name": "v1beta1", "served": True, "storage": False}]},
}
HOOK_JOB = {"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "installer", "annotations": {"helm.sh/hook": "post-install"}},
            "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "docker.io/alpine:3.21"}]}}}}


def test_images_are_found_in_pod_specs_args_env_configmaps_and_operator_crs():
    images = set(analyse([DEPLOY, CONFIGMAP, OPERATOR_CR, CRD]).image_names())
    assert images == {
        "docker.io/alpine:3.21", "ghcr.io/acme/ctl:v1", "quay.io/acme/sidecar:v2", "vllm/vllm-openai:v0.9.1",
        "mirror.local:5000/m/acme/reloader:v3",
        "kserve/storage-initializer:v0.20.0", "vllm/vllm-openai:v0.9", "vllm/vllm-openai:v0.9-cuda",
        "nvcr.io/nvidia/driver:595.91.07", "nvcr.io/nvidia/k8s/container-toolkit:v1.20.0",
    }


def test_an_image_mapping_of_repository_and_tag_in_an_operator_cr_is_an_image():
    # nginx/nginx-gateway-fabric:charts/nginx-gateway-fabric/templates/nginxproxy.yaml@v2.6.7: the data plane image
    # the controller deploys per Gateway is only in the NginxProxy CR, as `image: {repository, tag, pullPolicy}`
    proxy = {"apiVersion": "gateway.nginx.org/v1alpha2", "kind": "NginxProxy", "metadata": {"name": "ngf-proxy-config"},
             "spec": {"kubernetes": {"deployment": {"container": {"image": {
                 "repository": "ghcr.io/nginx/nginx-gateway-fabric/nginx", "tag": "2.6.7",
                 "pullPolicy": "IfNotPresent"}}}}}}
    refs = analyse([proxy]).images
    assert [(r.image, r.in_pod_spec) for r in refs] == [("ghcr.io/nginx/nginx-gateway-fabric/nginx:2.6.7", False)]
    assert refs[0].where == "NginxProxy/ngf-proxy-config spec.kubernetes.deployment.container.image"
    # no tag (the operator picks its own) or no registry path: not an image reference by itself
    untagged = {**proxy, "spec": {"image": {"repository": "ghcr.io/x/y"}}}
    assert analyse([untagged]).images == ()
    assert analyse([{**proxy, "spec": {"image": {"repository": "plain", "tag": "1"}}}]).images == ()


def test_free_text_that_is_not_an_image_is_not_reported():
    assert not looks_like_image("hello world")
    assert looks_like_image("busybox:1.36")
    assert analyse([{"kind": "ConfigMap", "metadata": {"name": "x"},
                     "data": {"a": "see https://github.com/org/repo:main for /etc/config.yaml:12"}}]).images == ()


def _release(**kw) -> Release:
    base = dict(id="r", component="r", layer="x", source=Source("helm", "https://x", chart="r"), version="1.0.0",
                namespace="sys", needs=(), values={}, values_digest="d")
    base.update(kw)
    return Release(**base)  # type: ignore[arg-type]


def test_workload_differences_name_operator_created_placeholders_and_undeclared_objects():
    zero = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "placeholder"},
            "spec": {"replicas": 0}}
    rendered = analyse([DEPLOY, zero, HOOK_JOB])
    rel = _release(workloads=(Workload("Deployment", "ctl"), Workload("Deployment", "placeholder"),
                              Workload("DaemonSet", "operand", created_by="operator"),
                              Workload("DaemonSet", "gone")))
    diffs = {(d.subject, d.message.split(",")[0]) for d in compare.workloads(rel, rendered, "bp.yaml")}
    assert ("Deployment/placeholder", "the chart renders it with replicas: 0 (a placeholder") in {
        (s, m.split(" never")[0]) for s, m in diffs}
    assert any(s == "DaemonSet/gone" for s, _ in diffs)
    assert not any(s == "DaemonSet/operand" for s, _ in diffs)  # the operator creates it: not expected rendered
    assert not any(s == "Job/installer" for s, _ in diffs)  # hooks are not required declarations
    # an operator-created object the chart does render is a wrong claim
    rel2 = _release(workloads=(Workload("Deployment", "ctl", created_by="operator"),))
    assert [d.subject for d in compare.workloads(rel2, analyse([DEPLOY]), "bp.yaml")] == ["Deployment/ctl"]


def test_crd_versions_webhooks_and_images_are_compared_both_ways():
    rendered = analyse([CRD, DEPLOY])
    rel = _release(crds=("queues.x.io", "missing.x.io"), crd_versions={"queues.x.io": {"storage": "v1beta1"}})
    msgs = [d.message for d in compare.crds(rel, rendered, "bp.yaml")]
    assert any("storage version v1" in m for m in msgs) and any("does not render" in m for m in msgs)
    img = compare.images(rel, ["ghcr.io/acme/ctl:v1", "ghcr.io/acme/ctl:latest"], rendered, "bp.yaml")
    subjects = {d.subject for d in img}
    assert "ghcr.io/acme/ctl:latest" in subjects and "quay.io/acme/sidecar:v2" in subjects
    assert "ghcr.io/acme/ctl:v1" not in subjects


def test_mirror_reports_every_image_left_upstream_with_where_it_is():
    rendered = analyse([DEPLOY, CONFIGMAP])
    diffs = compare.mirrored(_release(), "mirror.local:5000/m", rendered)
    where = {d.subject: d.message for d in diffs}
    assert "kserve/storage-initializer:v0.20.0" in where
    assert "ConfigMap/inferenceservice-config" in where["kserve/storage-initializer:v0.20.0"]


def test_schema_validation_rejects_a_wrong_type_and_an_unknown_field():
    schema = CRD["spec"]["versions"][0]["schema"]["openAPIV3Schema"]  # type: ignore[index]
    good = {"apiVersion": "x.io/v1", "kind": "Queue", "metadata": {"name": "q"}, "spec": {"weight": 1}}
    assert compare.schema_errors(good, schema) == []
    bad = {**good, "spec": {"weight": "heavy", "colour": "red"}}
    errors = compare.schema_errors(bad, schema)
    assert any("weight" in e for e in errors) and any("colour" in e for e in errors)


def test_leaf_paths():
    assert leaf_paths({"a": {"b": 1, "c": {}}, "d": [1]}) == ["a.b", "a.c", "d"]


class FakeRenderer:
    """Renders a tiny 'chart': the Deployment's image follows values.image; `unused` is read by nothing."""

    def __init__(self) -> None:
        self.calls = 0

    async def render(self, release_id, chart_path, namespace, values, kube_version, api_versions=()):
        self.calls += 1
        return [{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "ctl"},
                 "spec": {"template": {"spec": {"containers": [{"name": "c", "image": values["image"]}]}}}}]


def test_verify_plan_reports_unread_values_and_images(tmp_path: Path):
    from planner.model import Blueprint, Plan

    chart = tmp_path / "r"
    chart.mkdir()
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: r\nversion: 1.0.0\n")
    rel = _release(values={"image": "ghcr.io/acme/ctl:v1", "unused": True},
                   workloads=(Workload("Deployment", "ctl"),), images=("ghcr.io/acme/ctl:v1",))
    bp = Blueprint(id="r", description="", layer="x", source=rel.source, version="1.0.0", namespace="sys",
                   images=("ghcr.io/acme/ctl:v1",), workloads=rel.workloads, file="blueprints/r.yaml")
    plan = Plan(profile="p", kubernetes_version="1.35.0", cluster={}, choices={}, waves=(("r",),),
                releases={"r": rel})
    results, schema = asyncio.run(verify_plan(plan, None, {"r": bp}, FakeRenderer(), tmp_path))
    [res] = results
    assert [(d.topic, d.subject) for d in res.differences] == [("value", "unused")]
    assert res.status == "differs" and schema == []


def test_workloads_the_plans_models_render_are_expected_not_undeclared():
    engine = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "vllm-stack-qwen-deployment-vllm"},
              "spec": {"replicas": 1}}
    rel = _release(id="vllm-stack")
    assert compare.workloads(rel, analyse([engine]), "bp.yaml", [("Deployment", engine["metadata"]["name"])]) == []
    [missing] = compare.workloads(rel, analyse([]), "bp.yaml", [("Deployment", "vllm-stack-qwen-deployment-vllm")])
    assert "models should render it" in missing.message


def test_custom_resources_without_a_rendered_crd_are_named_unvalidated():
    from planner.commands.options import load_plan
    from planner.verify.run import schema_differences

    plan = load_plan(None, "training-team")
    diffs = schema_differences(plan, {})
    assert diffs and {d.topic for d in diffs} == {"unvalidated"}
    assert any(d.subject.startswith("ClusterQueue/") for d in diffs)


def test_a_built_in_kind_the_plan_creates_is_not_a_custom_resource_to_validate(tmp_path: Path):
    from planner.commands.options import load_plan
    from planner.desired.objects import plan_objects
    from planner.verify.run import schema_differences

    # full-mlops with an s3:// model creates ServiceAccount stackplan-models (core v1): no CRD serves it, and
    # verify-charts must not name it unvalidated (the 2026-12-07 run did)
    stack = tmp_path / "stackplan.yaml"
    stack.write_text("profile: full-mlops\nmodels:\n  - {name: iris, source: \"s3://models/iris\", engine: triton}\n")
    plan = load_plan(str(stack), None)
    assert any(o.core for o in plan_objects(plan))
    subjects = {d.subject for d in schema_differences(plan, {})}
    assert "InferenceService/iris" in subjects
    assert not any(s.startswith("ServiceAccount/") for s in subjects)


class SecretRenderer:
    """A 'chart' that renders a Secret only when create is true and a token is set (KubeAI's pattern)."""

    async def render(self, release_id, chart_path, namespace, values, kube_version, api_versions=()):
        sec = values.get("secret") or {}
        return [{"kind": "Secret", "metadata": {"name": "hf"}}] if sec.get("create") and sec.get("token") else []


def test_probe_with_sets_the_companion_value_the_chart_needs_to_read_a_key(tmp_path: Path):
    from planner.verify.run import Verifier

    rel = _release(values={"secret": {"create": False}})
    v = Verifier(SecretRenderer(), tmp_path)
    assert asyncio.run(v.unread(rel, "c", "1.35.0", (), [])) == ["secret.create"]
    with_token = {"secret.create": {"secret.token": "t"}}
    assert asyncio.run(v.unread(rel, "c", "1.35.0", (), [], with_token)) == []


def test_verify_charts_refuses_a_plan_without_the_names_only_the_user_can_give(tmp_path: Path, capsys) -> None:
    """MLflow's chart requires its database host to render (templates/deployment.yaml@mlflow-1.11.5): verify-charts
    asks for the names as apply does (exit 2, the --set to pass), before looking for helm or any chart."""
    from tests.cli_helpers import run_cli

    result = run_cli(capsys, "verify-charts", "--profile", "training-team", "--chart-dir", str(tmp_path))
    assert result.code == 2 and "Traceback" not in result.err
    assert "pass `--set mlflow.backendStore.postgres.host=<name>`" in result.err
    assert "pass `--set mlflow.artifactRoot.s3.bucket=<name>`" in result.err
