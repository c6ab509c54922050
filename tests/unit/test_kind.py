"""`stackplan cluster create --kind`: the generated config in detail, and the command line via recording stubs.

kind cannot run here (no container engine, no kindest/node image): nothing in these tests creates a cluster.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from planner import kind
from planner.catalog import blueprint_from_dict
from planner.errors import InputError
from planner.model import Catalog
from tests.cli_helpers import run_cli
from tests.unit.stubs import HELM_VERSION, calls, only_path, stub

ROOT = Path(__file__).resolve().parents[2]
IMAGE_135 = "kindest/node:v1.35.8@sha256:07b2536e30b803ed61d1677a79df6115f798ce64c80f9e22f6ed45afd09323c0"


def test_node_image_for_a_minor_is_the_digest_pinned_prebuilt_one():
    assert kind.node_image("1.35") == (IMAGE_135, None)
    assert kind.node_image("v1.35.8") == (IMAGE_135, None)
    assert kind.node_image("1.36")[0].startswith("kindest/node:v1.36.4@sha256:")


def test_node_image_for_another_patch_is_by_tag_with_a_warning():
    image, warning = kind.node_image("1.35.2")
    assert image == "kindest/node:v1.35.2" and warning and "without a digest" in warning


@pytest.mark.parametrize("bad", ["1.20", "latest", "1"])
def test_node_image_rejects_unknown_or_malformed_versions(bad):
    with pytest.raises(InputError):
        kind.node_image(bad)


def test_config_has_a_control_plane_cpu_workers_and_labelled_gpu_workers():
    spec = kind.KindCluster(name="lab", image=IMAGE_135, workers=2, gpu_nodes=3, gpus_per_node=4)
    cfg = kind.config(spec)
    assert cfg["kind"] == "Cluster" and cfg["apiVersion"] == "kind.x-k8s.io/v1alpha4" and cfg["name"] == "lab"
    roles = [n["role"] for n in cfg["nodes"]]
    assert roles == ["control-plane", "worker", "worker", "worker", "worker", "worker"]
    assert all(n["image"] == IMAGE_135 for n in cfg["nodes"])
    labelled = [n for n in cfg["nodes"] if n.get("labels")]
    assert len(labelled) == 3 and all(n["labels"] == {"run.ai/simulated-gpu-node-pool": "default"} for n in labelled)
    assert not cfg["nodes"][0].get("labels")  # GPUs never on the control plane
    assert kind.fake_gpu_values(spec) == {"topology": {"nodePools": {"default": {"gpuCount": 4}}}}


def test_config_without_gpus_has_no_labels():
    cfg = kind.config(kind.KindCluster(name="cpu", image=IMAGE_135, workers=1, gpu_nodes=0))
    assert [n.get("labels") for n in cfg["nodes"]] == [None, None]


@pytest.mark.parametrize(("field", "value"), [("name", "Bad_Name"), ("workers", -1), ("gpus_per_node", 0)])
def test_invalid_specs(field, value):
    spec = kind.KindCluster(**{"name": "ok", "image": IMAGE_135, field: value})
    with pytest.raises(InputError):
        kind.validate(spec)


def test_create_args():
    spec = kind.KindCluster(name="lab", image=IMAGE_135, wait="3m")
    assert kind.create_args(spec, "kind-lab.yaml", "/home/u/.kube/config") == [
        "create", "cluster", "--name", "lab", "--config", "kind-lab.yaml", "--image", IMAGE_135,
        "--kubeconfig", "/home/u/.kube/config", "--wait", "3m"]


# ---- the command, with recording stubs on PATH

@pytest.fixture
def catalog(monkeypatch):
    data = YAML(typ="safe").load((ROOT / "blueprints" / "fake-gpu-operator.yaml").read_text())
    bp = blueprint_from_dict("fake-gpu-operator", data)
    # a second blueprint documenting Kubernetes up to 1.35 makes 1.35 the catalog's default version
    capped = bp.__class__(**{**bp.__dict__, "id": "capped", "kube_max": "1.35"})
    cat = Catalog(blueprints={"fake-gpu-operator": bp, "capped": capped}, profiles={})
    monkeypatch.setattr("planner.catalog.load_catalog", lambda *a, **k: cat)
    return cat


@pytest.fixture
def bin_dir(tmp_path, monkeypatch):
    d = tmp_path / "bin"
    monkeypatch.setenv("PATH", only_path(d))
    monkeypatch.delenv("KIND_EXPERIMENTAL_PROVIDER", raising=False)
    monkeypatch.delenv("STACKPLAN_HELM", raising=False)
    monkeypatch.delenv("STACKPLAN_KUBECTL", raising=False)
    monkeypatch.chdir(tmp_path)
    # no API server behind these stubs: the reachability ping (planner.cluster) is tested in test_cli_apply.py
    monkeypatch.setattr("planner.engine.install.check_reachable", lambda *a, **k: None)
    d.mkdir()
    return d


def test_dry_run_prints_config_and_commands_and_runs_nothing(capsys, catalog, bin_dir):
    r = run_cli(capsys, "cluster", "create", "--kind", "--name", "lab", "--gpus", "4", "--dry-run",
                "--kubeconfig", "/tmp/kc")
    assert r.code == 0, r.err
    assert "kind.x-k8s.io/v1alpha4" in r.out and "run.ai/simulated-gpu-node-pool: default" in r.out
    assert f"$ kind create cluster --name lab --config kind-lab.yaml --image {IMAGE_135}" in r.out
    assert "fake-gpu-operator" in r.out and "--kubeconfig /tmp/kc --context kind-lab" in r.out
    assert not Path("kind-lab.yaml").exists()


def test_missing_kind_is_exit_3(capsys, catalog, bin_dir):
    r = run_cli(capsys, "cluster", "create", "--kind")
    assert r.code == 3 and "kind binary was not found" in r.err and "go install sigs.k8s.io/kind" in r.err


def test_docker_client_without_engine_is_exit_3(capsys, catalog, bin_dir):
    stub(bin_dir, "kind")
    stub(bin_dir, "docker", 'sys.stderr.write("Cannot connect to the Docker daemon"); sys.exit(1)')
    r = run_cli(capsys, "cluster", "create", "--kind")
    assert r.code == 3 and "no running container engine" in r.err and "docker found" in r.err
    assert calls(bin_dir, "kind") == []


def test_no_engine_at_all_is_exit_3(capsys, catalog, bin_dir):
    stub(bin_dir, "kind")
    r = run_cli(capsys, "cluster", "create", "--kind")
    assert r.code == 3 and "no running container engine" in r.err and "Podman" in r.err


def test_without_kind_flag_is_a_usage_error(capsys, catalog, bin_dir):
    assert run_cli(capsys, "cluster", "create").code == 2


def test_create_calls_kind_then_installs_fake_gpu_operator(capsys, catalog, bin_dir, tmp_path):
    stub(bin_dir, "kind")
    stub(bin_dir, "podman", "sys.exit(0)")
    stub(bin_dir, "helm", "import json\n" + HELM_VERSION
         + 'if args[:1] == ["list"]:\n    print("[]"); sys.exit(0)\n'
         + 'if args[:1] == ["status"]:\n    sys.stderr.write("Error: release: not found"); sys.exit(1)\n'
         + 'if args[:1] == ["upgrade"]:\n    open(' + repr(str(bin_dir / "values")) + ', "w").write(sys.stdin.read())\n'
         + '    print(json.dumps({"name": args[1], "version": 1})); sys.exit(0)\n')
    stub(bin_dir, "kubectl")
    kc = tmp_path / "kc"  # as `kind create cluster` leaves it: apply checks the context is there
    kc.write_text("apiVersion: v1\nkind: Config\ncurrent-context: kind-lab\n"
                  "clusters: [{name: kind-lab, cluster: {server: 'https://127.0.0.1:1'}}]\n"
                  "users: [{name: kind-lab, user: {token: x}}]\n"
                  "contexts: [{name: kind-lab, context: {cluster: kind-lab, user: kind-lab}}]\n")
    r = run_cli(capsys, "cluster", "create", "--kind", "--name", "lab", "--gpus", "8", "--gpu-nodes", "2",
                "--kubernetes-version", "1.36", "--kubeconfig", str(kc))
    assert r.code == 0, r.out + r.err
    [kind_call] = calls(bin_dir, "kind")
    assert kind_call[:4] == ["create", "cluster", "--name", "lab"]
    assert kind_call[kind_call.index("--image") + 1].startswith("kindest/node:v1.36.4@sha256:")
    assert kind_call[kind_call.index("--kubeconfig") + 1] == str(kc)
    written = YAML(typ="safe").load(Path(kind_call[kind_call.index("--config") + 1]).read_text())
    assert sum(1 for n in written["nodes"] if n.get("labels")) == 2
    [upgrade] = [c for c in calls(bin_dir, "helm") if c[:1] == ["upgrade"]]
    assert upgrade[1] == "fake-gpu-operator" and "oci://ghcr.io/run-ai/fake-gpu-operator/fake-gpu-operator" in upgrade
    assert upgrade[upgrade.index("--kube-context") + 1] == "kind-lab"
    assert '"gpuCount": 8' in (bin_dir / "values").read_text()
    ns = [c for c in calls(bin_dir, "kubectl") if c[:1] == ["apply"]]
    assert ns and "--context" in ns[0] and "kind-lab" in ns[0]
    assert "16 simulated GPUs" in r.out


def test_kind_failure_is_exit_3(capsys, catalog, bin_dir):
    stub(bin_dir, "kind", 'sys.stderr.write("ERROR: failed to create cluster"); sys.exit(1)')
    stub(bin_dir, "docker", "sys.exit(0)")
    r = run_cli(capsys, "cluster", "create", "--kind", "--gpu-nodes", "0")
    assert r.code == 3 and "kind create cluster` failed" in r.err
