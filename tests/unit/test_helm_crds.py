"""A chart's crds/ folder read through pyhelm3 (PyHelmRunner.chart_crds), never through raw `helm show crds`.

`helm show crds` glues the crds/ files together, so a file without a final newline followed by a multi-document
file yields a broken stream (helm/helm#11261); pyhelm3 reads the files one by one.
"""

from __future__ import annotations

import asyncio
import functools
import http.server
import subprocess
import tarfile
import threading
from pathlib import Path

import pytest

from planner.engine.charts import ChartTarget
from planner.engine.helm import PyHelmRunner
from planner.engine.state import StepError
from planner.tools import find_helm
from tests.unit.stubs import HELM_VERSION, stub


def crd(plural: str) -> str:
    return (f"apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
            f"metadata:\n  name: {plural}.example.com\nspec:\n  group: example.com\n")


def chart(root: Path, version: str = "1.2.3") -> Path:
    d = root / "demo"
    (d / "crds").mkdir(parents=True)
    (d / "Chart.yaml").write_text(f"apiVersion: v2\nname: demo\nversion: {version}\n")
    (d / "crds" / "a.yaml").write_text(crd("alphas").rstrip("\n"))  # no final newline
    (d / "crds" / "b.yaml").write_text(crd("betas") + "---\n" + crd("gammas") + "---\n# just a comment\n")
    return d


def names(docs: list[dict]) -> list[str]:
    return sorted(d["metadata"]["name"] for d in docs)


ALL = ["alphas.example.com", "betas.example.com", "gammas.example.com"]


@pytest.fixture
def stub_helm(tmp_path: Path) -> PyHelmRunner:
    return PyHelmRunner(str(stub(tmp_path / "bin", "helm", HELM_VERSION)))


def test_local_directory_with_multi_document_files(stub_helm: PyHelmRunner, tmp_path: Path) -> None:
    d = chart(tmp_path)
    assert names(asyncio.run(stub_helm.chart_crds(ChartTarget(str(d), local=True)))) == ALL


def test_local_archive(stub_helm: PyHelmRunner, tmp_path: Path) -> None:
    d = chart(tmp_path / "src")
    tgz = tmp_path / "demo-1.2.3.tgz"
    with tarfile.open(tgz, "w:gz") as t:
        t.add(d, arcname="demo")
    assert names(asyncio.run(stub_helm.chart_crds(ChartTarget(str(tgz), local=True)))) == ALL


def test_not_a_chart_is_a_step_error(stub_helm: PyHelmRunner, tmp_path: Path) -> None:
    with pytest.raises(StepError, match="reading the chart's CRDs"):
        asyncio.run(stub_helm.chart_crds(ChartTarget(str(tmp_path), local=True)))


@pytest.mark.skipif(find_helm() is None, reason="needs the real helm (bash testbin/build.sh)")
def test_repository_chart_is_pulled_at_the_pinned_version_by_real_helm(tmp_path: Path) -> None:
    """Real helm pulls from a chart repository served on loopback; the pinned version's CRDs come back."""
    helm = find_helm()
    assert helm is not None
    repo = tmp_path / "repo"
    repo.mkdir()
    for version, extra in (("1.2.3", ""), ("2.0.0", "deltas")):
        d = chart(tmp_path / version, version)
        if extra:
            (d / "crds" / "c.yaml").write_text(crd(extra))
        subprocess.run([helm, "package", str(d), "-d", str(repo)], check=True, capture_output=True)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(repo))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        subprocess.run([helm, "repo", "index", str(repo), "--url", url], check=True, capture_output=True)
        # the upstream bug this avoids: raw `helm show crds` loses the CRD of the file without a final newline
        raw = subprocess.run([helm, "show", "crds", "demo", "--repo", url, "--version", "1.2.3"], check=True,
                             capture_output=True, text=True).stdout
        import yaml

        assert names([d for d in yaml.safe_load_all(raw) if d]) != ALL, "helm/helm#11261 fixed? then simplify"
        runner = PyHelmRunner(helm)
        docs = asyncio.run(runner.chart_crds(ChartTarget("demo", repo=url, version="1.2.3")))
        assert names(docs) == ALL
        newer = asyncio.run(runner.chart_crds(ChartTarget("demo", repo=url, version="2.0.0")))
        assert names(newer) == sorted([*ALL, "deltas.example.com"])
    finally:
        server.shutdown()
