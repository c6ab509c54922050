"""Where releases come from: local directories (charts, archives, kustomize folders), OCI, repos."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from planner.engine.charts import ChartTarget, KustomizeTarget, check_local_chart, resolve_target, resolve_targets
from planner.errors import InputError, MultipleErrors
from planner.install import find_local_chart, install_for
from planner.model import Release, Source
from tests.chart_files import chart_dir, chart_tgz
from tests.unit.engine_fakes import plan, release


def from_dir(r: Release, directory: Path) -> Release:
    """The release as resolve makes it with `apply --chart-dir DIR`."""
    return replace(r, install=install_for(r.id, r.source, r.version, local_dir=str(directory)))


def with_source(r: Release, source: Source) -> Release:
    return replace(r, source=source, install=install_for(r.id, source, r.version))


def checked(root: Path, chart: str, version: str, rid: str) -> Path:
    r = replace(release(rid, version=version), source=Source("local", str(root), chart=chart), install=None)
    return check_local_chart(replace(r, install=install_for(rid, r.source, version)))


def test_local_chart_directory_by_chart_name(tmp_path):
    d = chart_dir(tmp_path, "gpu-operator", "gpu-operator", "v26.7.0")
    assert find_local_chart(str(tmp_path), "gpu-operator", "v26.7.0", "gpu-operator") == str(d)
    assert checked(tmp_path, "gpu-operator", "v26.7.0", "gpu-operator") == d


def test_local_chart_directory_by_release_id_when_chart_name_differs(tmp_path):
    d = chart_dir(tmp_path, "kserve", "kserve-resources", "v0.20.0")
    assert find_local_chart(str(tmp_path), "kserve-resources", "v0.20.0", "kserve") == str(d)


def test_local_chart_archive(tmp_path):
    tgz = chart_tgz(tmp_path, "kueue", "0.19.2")
    assert find_local_chart(str(tmp_path), "kueue", "0.19.2", "kueue") == str(tgz)
    assert checked(tmp_path, "kueue", "0.19.2", "kueue") == tgz


def test_local_chart_with_another_version_is_refused(tmp_path):
    chart_dir(tmp_path, "kueue", "kueue", "0.18.0")
    with pytest.raises(InputError, match=r"has version 0.18.0, the plan pins 0.19.2"):
        checked(tmp_path, "kueue", "0.19.2", "kueue")


def test_missing_local_chart_names_every_path_looked_at(tmp_path):
    assert find_local_chart(str(tmp_path), "mlflow", "1.11.5", "mlflow") is None
    with pytest.raises(InputError) as e:
        checked(tmp_path, "mlflow", "1.11.5", "mlflow")
    assert str(tmp_path / "mlflow") in e.value.message and "mlflow-1.11.5.tgz" in e.value.message
    assert e.value.hint and "helm pull" in e.value.hint


def test_local_chart_with_unvendored_dependencies_is_refused(tmp_path):
    deps = "dependencies:\n  - name: postgresql\n    version: 18.8.12\n    repository: https://charts.bitnami.com/bitnami\n"
    d = chart_dir(tmp_path, "mlflow", "mlflow", "1.11.5", deps)
    with pytest.raises(InputError, match="postgresql"):
        checked(tmp_path, "mlflow", "1.11.5", "mlflow")
    (d / "charts" / "postgresql").mkdir(parents=True)
    assert checked(tmp_path, "mlflow", "1.11.5", "mlflow") == d


def test_chart_dir_replaces_every_source(tmp_path):
    chart_dir(tmp_path, "a", "a", "1.0.0")
    (tmp_path / "kfp").mkdir()
    (tmp_path / "kfp" / "kustomization.yaml").write_text("resources: []\n")
    p = plan((from_dir(release("a"), tmp_path), from_dir(release("kfp", kind="kustomize", ns="kubeflow"), tmp_path)))
    got = resolve_targets(p)
    assert got["a"] == ChartTarget(str((tmp_path / "a").resolve()), local=True)
    assert got["kfp"] == KustomizeTarget(str((tmp_path / "kfp").resolve()), local=True)


def test_all_resolution_problems_are_reported_together(tmp_path):
    p = plan(tuple(from_dir(r, tmp_path) for r in (release("a"), release("b"), release("kfp", kind="kustomize"))))
    with pytest.raises(MultipleErrors) as e:
        resolve_targets(p)
    assert len(e.value.errors) == 3
    assert "no kustomization.yaml" in e.value.render()


def test_remote_sources_without_chart_dir():
    r = release("kueue", version="0.19.2")
    oci = with_source(r, Source("oci", "oci://registry.k8s.io/kueue/charts/kueue", chart="kueue"))
    assert resolve_target(oci) == ChartTarget("oci://registry.k8s.io/kueue/charts/kueue", version="0.19.2")
    helm = with_source(r, Source("helm", "https://charts.example", chart="kueue"))
    assert resolve_target(helm) == ChartTarget("kueue", repo="https://charts.example", version="0.19.2")
    kz = with_source(r, Source("kustomize", "github.com/kubeflow/pipelines/manifests/kustomize/env/platform-agnostic",
                               ref="2.17.0"))
    assert resolve_target(kz) == KustomizeTarget(
        "github.com/kubeflow/pipelines/manifests/kustomize/env/platform-agnostic?ref=2.17.0")


def test_mirror_local_source_resolves_inside_the_mirror(tmp_path):
    chart_dir(tmp_path, "kueue", "kueue", "0.19.2")
    local = with_source(release("kueue", version="0.19.2"), Source("local", str(tmp_path), chart="kueue"))
    assert resolve_target(local) == ChartTarget(str((tmp_path / "kueue").resolve()), local=True)
