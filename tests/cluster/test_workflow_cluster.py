"""The generated workflow's `cluster` job against the real control plane: check and drift produce GitHub
annotations and JUnit reports for upload, and their exit codes fail the job (nothing of the plan is installed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.pulumi.test_workflow import Context, git, python_shim, repository, run_job  # noqa: F401 (fixture)

pytestmark = [pytest.mark.cluster, pytest.mark.slow]


def test_cluster_job_reports_and_gates_on_a_real_cluster(repository: tuple[Path, dict[str, Any]],  # noqa: F811
                                                          kubeconfig: str) -> None:
    root, workflow = repository
    ws = root / "ws-main" / "repo"
    ws.parent.mkdir()
    git(root, "clone", "-q", "--depth", "1", "--branch", "main", f"file://{root / 'origin.git'}", str(ws))
    secrets = {"KUBECONFIG": Path(kubeconfig).read_text(), "PULUMI_ACCESS_TOKEN": "pul-test"}
    recorded: list[dict[str, Any]] = []
    steps = run_job(workflow, "cluster", Context("schedule", "refs/heads/main", ws, secrets=secrets),
                    python_shim(root / "py"), recorded)
    assert steps is not None
    by_name = {s.name: s for s in steps}
    assert by_name["Install"].code == 0, by_name["Install"].out[-2000:]
    check, drift = by_name["Health check"], by_name["Drift"]
    assert check.code == 1 and "::error" in check.out, check.out[-2000:]  # the plan's components are missing
    assert drift.code == 1 and "::error" in drift.out, drift.out[-2000:]
    for report in ("check.xml", "drift.xml"):
        text = (ws / "reports" / report).read_text()
        assert "<testsuites" in text and "<failure" in text, report
    upload = next(r for r in recorded if r["uses"].startswith("actions/upload-artifact@"))
    assert (ws / upload["with"]["path"]).is_dir()


def test_pull_request_job_passes_preflight_on_a_ready_cluster_and_previews(
        repository: tuple[Path, dict[str, Any]], testbin_paths: dict[str, Path],  # noqa: F811
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """A control plane of its own (the shared one carries other tests' installs and nodes): the GPU node the
    generated stack file describes (one node, one GPU) and a default StorageClass, so `stackplan preflight`
    passes and the preview runs."""
    from planner.sandbox import ControlPlane, add_nodes, path_for
    from tests.pulumi.test_workflow import run_pull_request

    root, workflow = repository
    generated = (root / "work" / "stackplan.yaml").read_text()
    assert "gpu:\n    nodes: 1 " in generated and "perNode: 1 " in generated, "the cluster below matches these facts"
    cp = ControlPlane(tmp_path_factory.mktemp("pr-control-plane"), bins=testbin_paths)
    cp.start(timeout=120)
    try:
        with cp.kube() as kube:
            add_nodes(kube, cpu_nodes=1, gpu_nodes=1, gpus_per_node=1, prefix="pr")
            kube.create(path_for("storageclasses", base="apis/storage.k8s.io/v1"), {
                "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                "metadata": {"name": "standard",
                             "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
                "provisioner": "example.com/none"})
        recorded: list[dict[str, Any]] = []
        by_name = run_pull_request(root, workflow, Path(cp.kubeconfig).read_text(), recorded)
    finally:
        cp.stop()
    assert by_name["Preflight"].code == 0, by_name["Preflight"].out[-3000:]
    assert by_name["Preview"].code == 0
    preview = next(r for r in recorded if r["uses"].startswith("pulumi/actions@"))
    assert preview["with"]["command"] == "preview" and preview["with"]["stack-name"] == "dev"
