"""Preflight checks on fixture objects: each fails on a cluster that is not ready for the plan and passes on one
that is. The objects use upstream names and shapes (sources in the check modules)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pytest

from planner.catalog import load_catalog
from planner.model import Model
from planner.preflight import run_preflight
from planner.report import Outcome
from tests.checks.harness import FakeReader, make_plan

BLUEPRINTS = load_catalog().blueprints
V135 = {"gitVersion": "v1.35.2", "major": "1", "minor": "35"}


def node(name: str, *, gpus: int | None = None, labels: dict | None = None, cpu: str = "8",
         memory: str = "32Gi") -> dict:
    alloc = {"cpu": cpu, "memory": memory, **({"nvidia.com/gpu": str(gpus)} if gpus is not None else {})}
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels or {}},
            "status": {"capacity": dict(alloc), "allocatable": dict(alloc)}}


def run(check_id: str, objects: list[dict], plan, version: dict = V135) -> list:
    report = run_preflight(plan, FakeReader(objects), version=version, blueprints=BLUEPRINTS, check_ids=[check_id])
    return list(report.findings)


def outcomes(findings) -> set[Outcome]:
    return {f.outcome for f in findings}


def gpu_plan(*components: str, nodes: int = 1, per_node: int = 1, **gpu):
    plan = make_plan(*components, gpu_nodes=nodes)
    cluster = {**plan.cluster, "gpu": {"nodes": nodes, "perNode": per_node, **gpu}}
    return dataclasses.replace(plan, cluster=cluster)


# ----- PF001 version

def test_pf001_version_below_a_components_minimum_fails_and_in_range_passes():
    plan = make_plan("gpu-operator")  # blueprint: kubernetes min 1.33
    old = run("PF001", [], plan, {"gitVersion": "v1.31.0"})
    assert Outcome.FAILED in outcomes(old) and any("needs Kubernetes >= 1.33" in f.message for f in old)
    assert outcomes(run("PF001", [], plan)) == {Outcome.PASSED}


def test_pf001_a_stack_file_for_another_version_is_reported():
    plan = dataclasses.replace(make_plan("kueue"), kubernetes_version="1.34")
    (f,) = run("PF001", [], plan)
    assert f.outcome is Outcome.FAILED and "1.34" in f.message and "v1.35.2" in f.message


# ----- PF002 storage

def sc(name: str, default: bool = False) -> dict:
    ann = {"storageclass.kubernetes.io/is-default-class": "true"} if default else {}
    return {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": name, "annotations": ann}}


def test_pf002_named_class_missing_fails_present_passes_default_needed_without_a_name():
    named = dataclasses.replace(make_plan("kueue"), cluster={"storageClass": "gp3", "gpu": {"nodes": 0}})
    assert outcomes(run("PF002", [sc("standard", True)], named)) == {Outcome.FAILED}
    assert outcomes(run("PF002", [sc("gp3")], named)) == {Outcome.PASSED}
    unnamed = make_plan("kueue")
    assert outcomes(run("PF002", [sc("standard")], unnamed)) == {Outcome.FAILED}
    assert outcomes(run("PF002", [sc("standard", True)], unnamed)) == {Outcome.PASSED}


# ----- PF003 GPU facts

GPU_LABELS = {"nvidia.com/gpu.present": "true", "nvidia.com/gpu.product": "NVIDIA-L4", "nvidia.com/gpu.count": "4"}


def test_pf003_sixteen_gpus_against_the_default_one_gpu_plan_fails():
    nodes = [node(f"gpu-{i}", gpus=8, labels=GPU_LABELS) for i in range(2)]
    findings = run("PF003", nodes, gpu_plan("gpu-operator", nodes=1, per_node=1))
    messages = " ".join(f.message for f in findings if f.outcome is Outcome.FAILED)
    assert "cluster.gpu.nodes is 1, the cluster has 2 GPU node(s)" in messages and "has 8 GPU(s)" in messages


def test_pf003_product_and_preinstalled_driver_mismatch_fail():
    labels = {**GPU_LABELS, "nvidia.com/cuda.driver-version.major": "580"}
    findings = run("PF003", [node("gpu-0", gpus=4, labels=labels)],
                   gpu_plan("gpu-operator", nodes=1, per_node=4, type="NVIDIA-H100-80GB-HBM3"))
    failed = {f.message.split(",")[0] for f in findings if f.outcome is Outcome.FAILED}
    assert any("has NVIDIA-L4" in m for m in failed) and any("already has NVIDIA driver 580" in m for m in failed)


def test_pf003_matching_facts_pass():
    findings = run("PF003", [node("gpu-0", gpus=4, labels=GPU_LABELS), node("cpu-0")],
                   gpu_plan("gpu-operator", nodes=1, per_node=4, type="NVIDIA-L4"))
    assert outcomes(findings) == {Outcome.PASSED}


# ----- PF004 prerequisites (through the adapter's interface)

@dataclass(frozen=True)
class Prereq:
    kind: str
    name: str
    namespace: str | None
    keys: tuple[str, ...]
    component: str
    why: str
    source: str
    fix: str


@dataclass(frozen=True)
class PlanWithPrereqs:
    """A plan carrying `prerequisites` as planner/prerequisites.py will (init-portable's interface)."""

    base: object
    prerequisites: tuple[Prereq, ...]

    def __getattr__(self, name: str):
        return getattr(self.base, name)


HF = Prereq("Secret", "stackplan-huggingface", "kserve", ("HF_TOKEN",), "kserve", "gated Hugging Face models",
            "kserve/website docs/modelserving/storage/huggingface", "kubectl -n kserve create secret generic ...")


def secret(name: str, ns: str) -> dict:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": ns,
                                                               "labels": {"owner": "x"}},
            "data": {"HF_TOKEN": "Q0FOQVJZ"}}


def test_pf004_a_missing_secret_fails_with_its_fix_and_an_existing_one_passes_without_reading_data():
    plan = PlanWithPrereqs(make_plan("kserve"), (HF,))
    (missing,) = run("PF004", [], plan)
    assert missing.outcome is Outcome.FAILED and missing.remediation == HF.fix
    reader = FakeReader([secret("stackplan-huggingface", "kserve")])
    report = run_preflight(plan, reader, version=V135, blueprints=BLUEPRINTS, check_ids=["PF004"])
    (found,) = report.findings
    assert found.outcome is Outcome.PASSED and any("not verified" in e for e in found.evidence)
    assert "Q0FOQVJZ" not in str(report.to_dict())


def test_pf004_without_declared_prerequisites_is_skipped():
    assert outcomes(run("PF004", [], make_plan("kserve"))) == {Outcome.SKIPPED}


# ----- PF005 quotas

def test_pf005_constant_cpu_quota_below_a_big_clusters_allocatable_fails():
    big = [node(f"n{i}", cpu="96", memory="768Gi") for i in range(16)]  # 1,536 CPUs, 12 TiB
    (f,) = [f for f in run("PF005", big, make_plan("kueue")) if f.subject.kind == "ClusterQueue"]
    assert f.outcome is Outcome.FAILED and "cpu quota 1000 is less" in f.message
    assert any('cluster.quota.memory: "12288Gi"' in e for e in f.evidence)


def test_pf005_gpu_quota_above_allocatable_fails_and_sized_quotas_pass():
    plan = gpu_plan("kueue", nodes=2, per_node=8)  # quota 16 GPUs
    (f,) = run("PF005", [node("gpu-0", gpus=8, labels=GPU_LABELS)], plan)
    assert f.outcome is Outcome.FAILED and "nvidia.com/gpu quota 16 is more" in f.message
    sized = dataclasses.replace(plan, cluster={**plan.cluster, "quota": {"cpu": "16", "memory": "64Gi"}})
    assert outcomes(run("PF005", [node("gpu-0", gpus=8), node("gpu-1", gpus=8)], sized)) == {Outcome.PASSED}


# ----- PF006 conflicting installs, PF007 CRD ownership

def deployment(name: str, ns: str, release: str | None = None) -> dict:
    ann = {"meta.helm.sh/release-name": release, "meta.helm.sh/release-namespace": ns} if release else {}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": ns,
                                                                        "annotations": ann}}


def test_pf006_another_gpu_operator_fails_ours_passes():
    plan = make_plan("gpu-operator")
    other = run("PF006", [deployment("gpu-operator", "nvidia-gpu-operator", "gpu-operator")], plan)
    assert outcomes(other) == {Outcome.FAILED} and "nvidia-gpu-operator/gpu-operator" in other[0].evidence[0]
    assert outcomes(run("PF006", [deployment("gpu-operator", "gpu-operator", "gpu-operator")], plan)) == \
        {Outcome.PASSED}


def test_pf006_a_conflicting_component_running_fails():
    (f,) = run("PF006", [deployment("status-updater", "gpu-operator")], make_plan("gpu-operator"))
    assert f.outcome is Outcome.FAILED and "fake-gpu-operator, which conflicts" in f.message


def crd(name: str, release: str | None, ns: str | None, versions: tuple[str, ...] = ("v1beta2",)) -> dict:
    ann = {"meta.helm.sh/release-name": release, "meta.helm.sh/release-namespace": ns} if release else {}
    return {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": name, "annotations": ann},
            "spec": {"versions": [{"name": v} for v in versions]}}


def test_pf007_crd_owned_by_another_release_fails_and_its_own_passes():
    plan = make_plan("kueue")
    other = run("PF007", [crd("clusterqueues.kueue.x-k8s.io", "kueue-old", "default")], plan)
    assert outcomes(other) == {Outcome.FAILED} and "owned by Helm release default/kueue-old" in other[0].message
    mine = run("PF007", [crd("clusterqueues.kueue.x-k8s.io", "kueue", "kueue-system")], plan)
    assert outcomes(mine) == {Outcome.PASSED}


def test_pf007_crd_without_the_storage_version_fails():
    plan = make_plan("gpu-operator")
    plan = dataclasses.replace(plan, releases={"gpu-operator": dataclasses.replace(
        plan.releases["gpu-operator"], crd_versions={"nvidiadrivers.nvidia.com": {"storage": "v1alpha1"}})})
    (f,) = run("PF007", [crd("nvidiadrivers.nvidia.com", None, None, ("v1beta9",))], plan)
    assert f.outcome is Outcome.FAILED and "without version v1alpha1" in f.message


# ----- PF008 Pod Security

def namespace(name: str, level: str | None) -> dict:
    labels = {"pod-security.kubernetes.io/enforce": level} if level else {}
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


@pytest.mark.parametrize(("level", "outcome"), [("restricted", Outcome.FAILED), ("baseline", Outcome.FAILED),
                                                 ("privileged", Outcome.PASSED), (None, Outcome.PASSED)])
def test_pf008_pod_security_of_an_existing_namespace(level, outcome):
    plan = make_plan("gpu-operator")
    plan = dataclasses.replace(plan, releases={"gpu-operator": dataclasses.replace(
        plan.releases["gpu-operator"], namespace_labels={"pod-security.kubernetes.io/enforce": "privileged"})})
    assert outcomes(run("PF008", [namespace("gpu-operator", level)], plan)) == {outcome}
    assert outcomes(run("PF008", [], plan)) == {Outcome.PASSED}  # created with the label


# ----- PF009 models

def test_pf009_models_needing_more_gpus_than_the_cluster_has_fail():
    models = (Model("llama", "hf://meta-llama/Llama-3.1-8B-Instruct", gpus_per_replica=2, replicas=3),)
    plan = dataclasses.replace(gpu_plan("kubeai", nodes=2, per_node=2), models=models)
    (f,) = run("PF009", [node("gpu-0", gpus=2), node("gpu-1", gpus=2)], plan)
    assert f.outcome is Outcome.FAILED and "need 6 GPUs, the cluster has 4" in f.message
    big = dataclasses.replace(plan, models=(dataclasses.replace(models[0], gpus_per_replica=4, replicas=1),))
    assert any("largest node has 2" in x.message for x in run("PF009", [node("gpu-0", gpus=2)], big))
    ok = dataclasses.replace(plan, models=(dataclasses.replace(models[0], replicas=2),))
    assert outcomes(run("PF009", [node("gpu-0", gpus=2), node("gpu-1", gpus=2)], ok)) == {Outcome.PASSED}
