"""verify-charts for kustomize releases: remote bases mapped to local copies, the real kustomize, the mirror rewrite,
run-time fetches, and the object facts kustomize sources taught the comparisons."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from planner.engine.kustomize_build import KustomizeBuild, kustomize_command, plan_stage, stage
from planner.errors import InputError, PlanError
from planner.kustomize_remote import is_remote, parse_remote
from planner.mirror import rewrite_images
from planner.model import Blueprint, Plan, Release, Source, Workload
from planner.verify import compare
from planner.verify.manifest import analyse
from planner.verify.run import verify_plan

BASE_DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: ctl
spec:
  replicas: 1
  selector: {matchLabels: {app: ctl}}
  template:
    metadata: {labels: {app: ctl}}
    spec:
      containers:
      - name: c
        image: ghcr.io/acme/ctl:v1
        env:
        - {name: HELPER_IMAGE, value: ghcr.io/acme/helper}
"""
CONFIG = """apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
data:
  cacheImage: ghcr.io/acme/busybox
  runtime.yaml: |
    image: mysql:8.4
    other: docker.io/library/mysql:8.4
"""


def write_fixture(root: Path) -> tuple[Path, Path]:
    """A mirror: github.com/acme/base@v1 (a copy of a remote repository) and app/ (a release's kustomization whose
    remote base points at that repository, with a local base and a patch file beside it)."""
    mirror = root / "mirror"
    base = mirror / "github.com/acme/base@v1/deploy"
    base.mkdir(parents=True)
    (base / "deployment.yaml").write_text(BASE_DEPLOY)
    (base / "kustomization.yaml").write_text("resources:\n- deployment.yaml\n")
    shared = mirror / "app-shared"
    shared.mkdir()
    (shared / "configmap.yaml").write_text(CONFIG)
    (shared / "kustomization.yaml").write_text("resources:\n- configmap.yaml\n")
    app = mirror / "app"
    app.mkdir()
    (app / "patch.yaml").write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ctl}\n"
                                    "spec: {replicas: 2}\n")
    (app / "kustomization.yaml").write_text(
        "namespace: sys\nresources:\n- https://github.com/acme/base/deploy?ref=v1&timeout=60s\n- ../app-shared\n"
        "patches:\n- path: patch.yaml\n")
    return mirror, app


@pytest.mark.parametrize(("url", "parts"), [
    ("github.com/kubeflow/pipelines/manifests/kustomize/env/platform-agnostic?ref=2.17.0",
     ("github.com", "kubeflow", "pipelines", "manifests/kustomize/env/platform-agnostic", "2.17.0")),
    ("https://github.com/argoproj/argo-workflows/manifests/base/crds/minimal?ref=v4.0.5&timeout=60s",
     ("github.com", "argoproj", "argo-workflows", "manifests/base/crds/minimal", "v4.0.5")),
    ("github.com/kubeflow/katib.git/manifests/v1beta1/installs/katib-standalone?ref=v0.19.0",
     ("github.com", "kubeflow", "katib", "manifests/v1beta1/installs/katib-standalone", "v0.19.0")),
    ("git::https://gitlab.com/acme/repo//deploy/base?version=v2", ("gitlab.com", "acme", "repo", "deploy/base", "v2")),
    ("git@github.com:acme/repo.git/deploy?ref=v3", ("github.com", "acme", "repo", "deploy", "v3")),
    ("https://raw.githubusercontent.com/acme/repo/v4/deploy/crd.yaml", ("github.com", "acme", "repo",
                                                                        "deploy/crd.yaml", "v4")),
])
def test_remote_targets_are_read_as_kustomize_reads_them(url: str, parts: tuple[str, ...]) -> None:
    t = parse_remote(url)
    assert (t.host, t.owner, t.repo, t.path, t.ref) == parts
    assert is_remote(url)
    assert str(t.local_path()) == f"{t.host}/{t.owner}/{t.repo}@{t.ref}" + (f"/{t.path}" if t.path else "")


def test_local_paths_are_not_remote_and_an_unreadable_target_is_refused() -> None:
    assert not is_remote("../../base/installs/generic") and not is_remote("deployment.yaml")
    with pytest.raises(PlanError):
        parse_remote("github.com/only-owner")


def test_stage_copies_only_the_kustomization_with_a_remote_base_and_leaves_the_mirror_untouched(tmp_path: Path):
    mirror, app = write_fixture(tmp_path)
    original = (app / "kustomization.yaml").read_text()
    plan = plan_stage(app.resolve(), mirror.resolve())
    assert plan.copy == {app.resolve()} and not plan.missing  # app-shared and the base are used where they are
    target, _ = stage(app, mirror, tmp_path / "tmp")
    assert target == tmp_path / "tmp" / "k0"
    from ruamel.yaml import YAML

    staged = YAML(typ="safe").load((target / "kustomization.yaml").read_text())
    assert [(target / r).resolve() for r in staged["resources"]] == [
        (mirror / "github.com/acme/base@v1/deploy").resolve(), (mirror / "app-shared").resolve()]
    assert (target / "patch.yaml").is_file() and staged["patches"] == [{"path": "patch.yaml"}]
    assert (app / "kustomization.yaml").read_text() == original


def test_a_missing_copy_names_the_directory_and_the_clone_command(tmp_path: Path):
    mirror, app = write_fixture(tmp_path)
    import shutil

    shutil.rmtree(mirror / "github.com")
    with pytest.raises(InputError) as e:
        stage(app, mirror, tmp_path / "tmp")
    assert f"{mirror.resolve()}/github.com/acme/base@v1/deploy" in e.value.message
    assert "git clone --depth 1 --branch v1 https://github.com/acme/base" in e.value.message


def test_an_unpinned_remote_base_is_refused(tmp_path: Path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "kustomization.yaml").write_text("resources:\n- github.com/acme/base/deploy\n")
    with pytest.raises(InputError, match="names no"):
        stage(app, tmp_path, tmp_path / "tmp")


def real_kustomize() -> KustomizeBuild:
    command = kustomize_command()
    if command is None:
        pytest.skip("no kubectl or kustomize on this machine (the testbin builds kubectl)")
    return KustomizeBuild(command)


def test_the_real_kustomize_renders_the_remote_base_from_the_local_copy(tmp_path: Path):
    mirror, app = write_fixture(tmp_path)
    docs = asyncio.run(real_kustomize().render("app", str(app), str(mirror)))
    by_kind = {d["kind"]: d for d in docs}
    assert by_kind["Deployment"]["metadata"] == {"name": "ctl", "namespace": "sys"}
    assert by_kind["Deployment"]["spec"]["replicas"] == 2  # the patch beside the copied kustomization applied
    images = set(analyse(docs).image_names())
    assert images == {"ghcr.io/acme/ctl:v1", "ghcr.io/acme/helper", "ghcr.io/acme/busybox", "mysql:8.4",
                      "docker.io/library/mysql:8.4"}


def kustomize_release(**kw) -> tuple[Release, Blueprint]:
    src = Source("kustomize", "github.com/acme/app/deploy", ref="v1")
    rel = Release(id="app", component="app", layer="x", source=src, version="v1", namespace="sys", needs=(),
                  values={}, values_digest="sha256:0", workloads=(Workload("Deployment", "ctl"),), **kw)
    bp = Blueprint(id="app", description="", layer="x", source=src, version="v1", namespace="sys",
                   workloads=rel.workloads, images=rel.images, file="blueprints/app.yaml")
    return rel, bp


def test_verify_plan_renders_a_kustomize_release_from_the_mirror_and_checks_the_mirrored_images(tmp_path: Path):
    mirror, _ = write_fixture(tmp_path)
    images = ("ghcr.io/acme/ctl:v1", "ghcr.io/acme/helper", "ghcr.io/acme/busybox", "mysql:8.4")
    rel, bp = kustomize_release(images=images)
    plan = Plan(profile="p", kubernetes_version="1.35.0", cluster={}, choices={}, waves=(("app",),),
                releases={"app": rel})
    results, _ = asyncio.run(verify_plan(plan, None, {"app": bp}, None, tmp_path, kustomizer=real_kustomize(),
                                         kustomize_dir=mirror))
    [res] = results
    assert res.status == "differs"  # the docker.io/library/mysql:8.4 inside the ConfigMap text is not listed
    assert [(d.topic, d.subject) for d in res.differences] == [("image", "docker.io/library/mysql:8.4")]

    from planner.mirror import mirror_image
    from planner.model import Mirror

    prefix = "registry.local/m"
    mrel, _ = kustomize_release(images=images, image_map={i: mirror_image(i, prefix) for i in images})
    mplan = Plan(profile="p", kubernetes_version="1.35.0", cluster={}, choices={}, waves=(("app",),),
                 releases={"app": mrel}, mirror=Mirror(images=prefix))
    results, _ = asyncio.run(verify_plan(plan, mplan, {"app": bp}, None, tmp_path, kustomizer=real_kustomize(),
                                         kustomize_dir=mirror))
    mirror_diffs = [d.subject for d in results[0].differences if d.topic == "mirror"]
    assert mirror_diffs == ["docker.io/library/mysql:8.4"]  # every listed image was rewritten, the unlisted not


def test_a_kustomize_release_without_local_manifests_is_not_verified_with_where_it_looked(tmp_path: Path):
    rel, bp = kustomize_release()
    plan = Plan(profile="p", kubernetes_version="1.35.0", cluster={}, choices={}, waves=(("app",),),
                releases={"app": rel})
    results, _ = asyncio.run(verify_plan(plan, None, {"app": bp}, None, tmp_path, kustomizer=real_kustomize()))
    assert results[0].status == "not verified"
    assert f"{tmp_path}/app" in results[0].note and f"{tmp_path}/github.com/acme/app@v1/deploy" in results[0].note


def test_rewrite_images_replaces_whole_references_in_pod_specs_env_and_configmap_text():
    docs = [{"spec": {"containers": [{"image": "mysql:8.4", "env": [{"name": "X", "value": "ghcr.io/acme/helper"}],
                                      "args": ["--executor-image=quay.io/argoproj/argoexec:v4.0.5"]}]}},
            {"data": {"runtime.yaml": "image: mysql:8.4\nother: docker.io/library/mysql:8.4\nnext: mysql:8.4.1\n"}}]
    m = {"mysql:8.4": "r/m/library/mysql:8.4", "ghcr.io/acme/helper": "r/m/acme/helper",
         "quay.io/argoproj/argoexec:v4.0.5": "r/m/argoproj/argoexec:v4.0.5"}
    out = rewrite_images(docs, m)
    c = out[0]["spec"]["containers"][0]
    assert c["image"] == "r/m/library/mysql:8.4" and c["env"][0]["value"] == "r/m/acme/helper"
    assert c["args"] == ["--executor-image=r/m/argoproj/argoexec:v4.0.5"]
    assert out[1]["data"]["runtime.yaml"] == ("image: r/m/library/mysql:8.4\nother: docker.io/library/mysql:8.4\n"
                                              "next: mysql:8.4.1\n")
    assert docs[0]["spec"]["containers"][0]["image"] == "mysql:8.4"  # the input is not modified


def test_resolve_maps_a_kustomize_releases_images_under_mirror_images_only():
    from planner.commands.options import load_plan

    plain = load_plan(None, "training-team")
    assert plain.releases["kubeflow-pipelines"].image_map == {}
    import dataclasses

    from planner.catalog import load_catalog
    from planner.model import Mirror, StackSpec
    from planner.resolve import resolve

    plan = resolve(load_catalog(), dataclasses.replace(StackSpec(profile="training-team"),
                                                       mirror=Mirror(images="registry.local/m")), [])
    m = plan.releases["kubeflow-pipelines"].image_map
    assert m["docker.io/alpine:3.23"] == "registry.local/m/library/alpine:3.23"
    assert m["ghcr.io/containerd/busybox"] == "registry.local/m/containerd/busybox"
    assert plan.releases["kubeflow-trainer"].image_map == {}  # a Helm release is mirrored through its values
    assert any("apk add --no-cache kubectl" in n.message and n.release == "kubeflow-trainer" for n in plan.notes)
    assert not any("apk add" in n.message for n in plain.notes)


INSTALLER = {"apiVersion": "batch/v1", "kind": "Job",
             "metadata": {"name": "kubeflow-trainer-runtimes-installer",
                          "annotations": {"helm.sh/hook": "post-install,post-upgrade"}},
             "spec": {"template": {"spec": {"containers": [{
                 "name": "apply-runtimes", "image": "docker.io/alpine:3.21",
                 "command": ["/bin/sh", "-c",
                             "set -e\n# Install kubectl\napk add --no-cache kubectl\nkubectl apply"]}]}}}}


def test_run_time_package_fetches_are_found_and_compared_with_runtime_fetches():
    rendered = analyse([INSTALLER])
    assert rendered.fetches == (("Job/kubeflow-trainer-runtimes-installer", "apk add --no-cache kubectl"),)
    rel, _ = kustomize_release()
    [undeclared] = compare.runtime_fetches(rel, rendered, [], "bp.yaml")
    assert undeclared.topic == "fetch" and "apk add --no-cache kubectl" in undeclared.message
    declared = [{"object": "Job/kubeflow-trainer-runtimes-installer", "command": "apk add --no-cache kubectl",
                 "source": "s", "fix": "f"}]
    assert compare.runtime_fetches(rel, rendered, declared, "bp.yaml") == []
    [stale] = compare.runtime_fetches(rel, analyse([]), declared, "bp.yaml")
    assert "no rendered container runs it" in stale.message


def test_a_webhook_the_component_registers_at_run_time_is_not_expected_in_the_manifests():
    rel, _ = kustomize_release(webhooks=("cache-webhook-kubeflow",))
    assert compare.webhooks(rel, analyse([]), "bp.yaml", {"cache-webhook-kubeflow": "operator"}) == []
    [missing] = compare.webhooks(rel, analyse([]), "bp.yaml")
    assert "renders no such webhook" in missing.message
    hook = {"kind": "MutatingWebhookConfiguration", "metadata": {"name": "cache-webhook-kubeflow"}}
    [wrong] = compare.webhooks(rel, analyse([hook]), "bp.yaml", {"cache-webhook-kubeflow": "operator"})
    assert "at run time, but the manifests render it" in wrong.message


def test_the_shipped_blueprints_name_the_kfp_webhook_and_trainer_fetches():
    from planner.catalog import load_catalog

    bps = load_catalog().blueprints
    assert bps["kubeflow-pipelines"].webhook_creators == {"cache-webhook-kubeflow": "operator"}
    assert {f["object"] for f in bps["kubeflow-trainer"].runtime_fetches} == {
        "Job/kubeflow-trainer-runtimes-installer", "Job/kubeflow-trainer-runtimes-installer-cleanup"}


def test_apply_sends_kustomize_manifests_with_the_plans_image_map(tmp_path: Path):
    """KubectlRunner.apply_kustomize over a recording stub kubectl: the applied objects name the mirror."""
    import json
    import stat

    from planner.engine.charts import KustomizeTarget
    from planner.engine.kubectl import KubectlRunner

    log = tmp_path / "applied.jsonl"
    stub = tmp_path / "kubectl"
    manifest = json.dumps({"apiVersion": "apps/v1", "kind": "Deployment",
                           "metadata": {"name": "ctl", "namespace": "sys"},
                           "spec": {"template": {"spec": {"containers": [
                               {"name": "c", "image": "mysql:8.4",
                                "env": [{"name": "HELPER_IMAGE", "value": "ghcr.io/acme/helper"}]}]}}}})
    stub.write_text(f"""#!/bin/sh
case "$1" in
  kustomize) printf '%s' '{manifest}' ;;
  apply) cat >> {log}; echo >> {log} ;;
esac
exit 0
""")
    stub.chmod(stub.stat().st_mode | stat.S_IEXEC)
    rel, _ = kustomize_release(image_map={"mysql:8.4": "r/m/library/mysql:8.4",
                                          "ghcr.io/acme/helper": "r/m/acme/helper"})
    app = tmp_path / "app"
    app.mkdir()
    target = KustomizeTarget(str(app), local=True)
    asyncio.run(KubectlRunner(str(stub)).apply_kustomize(rel, target, "30s"))
    [applied] = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    container = applied["items"][0]["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "r/m/library/mysql:8.4"
    assert container["env"][0]["value"] == "r/m/acme/helper"


def test_the_pulumi_transformation_rewrites_in_place():
    from planner.mirror import rewrite_images_in_place

    obj = {"kind": "ConfigMap", "data": {"cacheImage": "ghcr.io/containerd/busybox"}}
    same = obj
    rewrite_images_in_place(obj, {"ghcr.io/containerd/busybox": "r/m/containerd/busybox"})
    assert same is obj and obj["data"]["cacheImage"] == "r/m/containerd/busybox"


def test_a_mirror_kustomize_folder_is_verified_where_the_plan_installs_it_from(tmp_path: Path):
    """mirror.kustomize: the plan's own `<dir>/<release>/`; its remote bases map into the same `<dir>`."""
    _mirror, app = write_fixture(tmp_path)
    rel, bp = kustomize_release(images=("ghcr.io/acme/ctl:v1", "ghcr.io/acme/helper", "ghcr.io/acme/busybox",
                                        "mysql:8.4", "docker.io/library/mysql:8.4"))
    import dataclasses

    local = dataclasses.replace(rel, source=Source("local", str(app)), install=None)
    assert local.how.local and local.how.location == str(app)
    plan = Plan(profile="p", kubernetes_version="1.35.0", cluster={}, choices={}, waves=(("app",),),
                releases={"app": local})
    results, _ = asyncio.run(verify_plan(plan, None, {"app": bp}, None, tmp_path / "elsewhere",
                                         kustomizer=real_kustomize()))
    assert results[0].status == "holds", results[0].note
