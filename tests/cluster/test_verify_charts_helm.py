"""`stackplan verify-charts` and `stackplan images --chart-dir` with the real helm, on small charts written here.

No fetched upstream chart is needed (CI has none): the charts below are tiny, written by the test, and play
one blueprint each — one that matches its blueprint and one that differs in every way the verification
looks at (a renamed workload, an image in a ConfigMap the catalog does not list, a value no template reads,
an image the mirror's values do not rewrite).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_helpers import run_cli

pytestmark = pytest.mark.cluster  # needs the testbin's helm, not the control plane

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: x}}}}
  template:
    metadata: {{labels: {{app: x}}}}
    spec:
      containers:
        - name: c
          image: "{{{{ .Values.image.repository }}}}:{{{{ .Values.image.tag }}}}"
"""
CONFIGMAP = """apiVersion: v1
kind: ConfigMap
metadata:
  name: engines
data:
  config.yaml: |
    engines:
      images:
        default: docker.io/acme/engine:1.2.3
"""


def _chart(root: Path, name: str, version: str, templates: dict[str, str], values: str) -> None:
    d = root / name
    (d / "templates").mkdir(parents=True)
    (d / "Chart.yaml").write_text(f"apiVersion: v2\nname: {name}\nversion: {version}\n")
    (d / "values.yaml").write_text(values)
    for fname, text in templates.items():
        (d / "templates" / fname).write_text(text)


def _catalog(root: Path) -> Path:
    """A one-component catalog (blueprint `web`, chart `web` 1.0.0) and a profile using it."""
    (root / "blueprints").mkdir(parents=True)
    (root / "stacks").mkdir()
    (root / "blueprints" / "web.yaml").write_text("""description: a test component
layer: serving
source: {kind: helm, repo: https://charts.example.invalid, chart: web}
version: 1.0.0
namespace: web
values:
  image: {repository: ghcr.io/acme/web, tag: v1}
  unused: {flag: true}
knownValues: [image, unused]
mirrorValues:
  image.repository: ghcr.io/acme/web
workloads:
  - {kind: Deployment, name: web-controller}
images:
  - ghcr.io/acme/web:v1
sources: ["test"]
""")
    (root / "stacks" / "p.yaml").write_text("description: test\ncomponents: [web]\n")
    return root


@pytest.fixture
def env(tmp_path: Path, testbin_paths: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("STACKPLAN_HELM", str(testbin_paths["helm"]))
    monkeypatch.setenv("STACKPLAN_CATALOG_DIR", str(_catalog(tmp_path / "catalog")))
    return tmp_path


def test_a_chart_that_matches_its_blueprint_holds(env: Path, capsys) -> None:
    charts = env / "charts"
    _chart(charts, "web", "1.0.0", {"deploy.yaml": DEPLOYMENT.format(name="web-controller")},
           "image: {repository: nginx, tag: latest}\nunused: {flag: false}\n")
    # `unused.flag` is read by no template: give the chart one that reads it, so everything holds
    (charts / "web" / "templates" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: flags}\ndata: {flag: '{{ .Values.unused.flag }}'}\n")
    result = run_cli(capsys, "verify-charts", "--profile", "p", "--chart-dir", str(charts), "-o", "json")
    data = json.loads(result.out)
    assert result.code == 0, data
    assert [(r["release"], r["result"]) for r in data["releases"]] == [("web", "holds")]


def test_differences_are_named_with_the_fix(env: Path, capsys) -> None:
    charts = env / "charts"
    _chart(charts, "web", "1.0.0", {"deploy.yaml": DEPLOYMENT.format(name="web"), "cm.yaml": CONFIGMAP},
           "image: {repository: nginx, tag: latest}\nunused: {}\nextra: {}\n")
    result = run_cli(capsys, "verify-charts", "--profile", "p", "--chart-dir", str(charts), "-o", "json")
    assert result.code == 1
    diffs = {(d["topic"], d["subject"]) for r in json.loads(result.out)["releases"] for d in r["differences"]}
    assert ("workload", "Deployment/web-controller") in diffs  # declared, not rendered
    assert ("workload", "Deployment/web") in diffs  # rendered, not declared
    assert ("image", "docker.io/acme/engine:1.2.3") in diffs  # in a ConfigMap, missing from `stackplan images`
    assert ("value", "unused.flag") in diffs  # no template reads it
    assert ("value", "extra") in diffs  # a chart key knownValues lacks


def test_images_from_the_rendered_chart_name_what_the_mirror_does_not_rewrite(env: Path, capsys) -> None:
    charts = env / "charts"
    _chart(charts, "web", "1.0.0", {"deploy.yaml": DEPLOYMENT.format(name="web-controller"), "cm.yaml": CONFIGMAP},
           "image: {repository: nginx, tag: latest}\nunused: {}\n")
    stack = env / "stackplan.yaml"
    stack.write_text("profile: p\nmirror:\n  images: registry.internal:5000/m\n")
    result = run_cli(capsys, "images", "-f", str(stack), "--chart-dir", str(charts), "-o", "mapping")
    pairs = dict(line.split(" ") for line in result.out.splitlines())
    assert pairs["ghcr.io/acme/web:v1"] == "registry.internal:5000/m/acme/web:v1"
    assert pairs["docker.io/acme/engine:1.2.3"] == "docker.io/acme/engine:1.2.3"
    assert "docker.io/acme/engine:1.2.3 (web) stays upstream under mirror.images" in result.err
    assert "ConfigMap/engines" in result.err
    verify = run_cli(capsys, "verify-charts", "-f", str(stack), "--chart-dir", str(charts), "-o", "json")
    mirror = [d for r in json.loads(verify.out)["releases"] for d in r["differences"] if d["topic"] == "mirror"]
    assert [d["subject"] for d in mirror] == ["docker.io/acme/engine:1.2.3"]


def test_a_missing_chart_directory_is_bad_input(env: Path, capsys) -> None:
    result = run_cli(capsys, "verify-charts", "--profile", "p", "--chart-dir", str(env / "nope"))
    assert result.code == 2 and "--chart-dir" in result.err
