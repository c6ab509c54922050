"""Issue #18: the plan is the one desired state; the Pulumi program, apply, check and drift read it.

Each test here failed before the plan carried how each release is installed (`Release.install`) and the
workload namespace; they use the real catalog.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from planner.catalog import load_catalog
from planner.drift.compare import compare
from planner.drift.live import LiveFacts, LiveObject
from planner.emit.sources import helm_chart, is_kustomize, kustomize_directory
from planner.engine.charts import ChartTarget, KustomizeTarget, resolve_targets
from planner.model import Mirror, Plan, StackSpec
from planner.report import Outcome
from planner.resolve import resolve
from tests.chart_files import chart_dir, chart_tgz


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def _only(plan: Plan, *rids: str) -> Plan:
    return replace(plan, waves=(tuple(rids),), releases={r: plan.releases[r] for r in rids})


def test_a_mirrored_kustomize_release_is_compared_as_kustomize_by_drift(catalog, tmp_path):
    """Problem 1: mirror.kustomize made kustomize releases `local` sources and drift looked for Helm records."""
    plan = resolve(catalog, StackSpec(profile="training-team", mirror=Mirror(kustomize=str(tmp_path))))
    rel = plan.releases["kubeflow-pipelines-crds"]
    assert rel.install is not None and rel.install.kustomize and rel.install.local
    assert rel.install.location == str(tmp_path / "kubeflow-pipelines-crds")
    applied = LiveObject("CustomResourceDefinition", rel.crds[0], None,
                         labels={"app.kubernetes.io/managed-by": "stackplan", "stackplan.dev/release": rel.id},
                         annotations={"stackplan.dev/values-digest": rel.values_digest})
    from planner.drift.live import LiveCrd

    crds = {n: LiveCrd("CustomResourceDefinition", n, None, labels=dict(applied.labels),
                       annotations=dict(applied.annotations)) for n in rel.crds}
    findings = compare(_only(plan, rel.id), LiveFacts(crds=crds, workloads={"Deployment": {}, "DaemonSet": {},
                                                                                "StatefulSet": {}}))
    dr001 = [f for f in findings if f.check_id == "DR001"]
    assert [(f.subject.kind, f.outcome) for f in dr001] == [("Kustomization", Outcome.PASSED)], dr001
    # and the emitter and apply agree it is a local kustomize directory
    assert is_kustomize(rel) and kustomize_directory(rel) == str(tmp_path / "kubeflow-pipelines-crds")


def test_a_chart_under_its_release_id_is_found_by_the_pulumi_program_as_by_apply(catalog, tmp_path):
    """Problem 2: `<dir>/<release-id>` (kserve's chart kserve-resources in dir `kserve`) worked for apply,
    not for the Pulumi program (`path not found`)."""
    plan0 = resolve(catalog, StackSpec(profile="full-mlops"), find=None)
    kserve = plan0.releases["kserve"]
    chart = kserve.source.chart or "kserve"
    assert chart != "kserve"  # the case: chart name and release id differ
    want = chart_dir(tmp_path, "kserve", chart, kserve.version)
    gpu = plan0.releases["gpu-operator"]
    archive = chart_tgz(tmp_path, gpu.source.chart or gpu.id, gpu.version)
    plan = resolve(catalog, StackSpec(profile="full-mlops", mirror=Mirror(charts=str(tmp_path))))
    assert helm_chart(plan.releases["kserve"]).chart == str(want)
    assert helm_chart(plan.releases["gpu-operator"]).chart == str(archive)
    targets = resolve_targets(_only(plan, "kserve", "gpu-operator"))
    assert targets["kserve"] == ChartTarget(str(want), local=True)
    assert targets["gpu-operator"] == ChartTarget(str(archive), local=True)


def test_apply_chart_dir_is_part_of_the_plan(catalog, tmp_path):
    """`apply --chart-dir DIR` feeds resolve (one lookup): the plan JSON says where each release comes from."""
    plan0 = resolve(catalog, StackSpec(profile="training-team"), find=None)
    kueue = plan0.releases["kueue"]
    d = chart_dir(tmp_path, "kueue", kueue.source.chart or "kueue", kueue.version)
    (tmp_path / "katib").mkdir()
    (tmp_path / "katib" / "kustomization.yaml").write_text("resources: []\n")
    plan = resolve(catalog, StackSpec(profile="training-team"), local_dir=str(tmp_path))
    body = {r["id"]: r["install"] for r in plan.to_dict()["releases"]}
    assert body["kueue"] == {"method": "helm", "location": str(d), "local": True}
    assert body["kubeflow-pipelines"] == {"method": "kustomize", "location": str(tmp_path / "kubeflow-pipelines"),
                                          "local": True}
    katib = plan.releases.get("katib")
    if katib is not None:
        assert resolve_targets(_only(plan, "katib"))["katib"] == KustomizeTarget(str(tmp_path / "katib"), local=True)


def test_every_release_of_the_plan_json_says_how_it_is_installed(catalog):
    plan = resolve(catalog, StackSpec(profile="full-mlops"))
    for r in plan.to_dict()["releases"]:
        assert r["install"]["method"] in ("helm", "kustomize")
        if r["source"]["kind"] == "kustomize":
            assert r["install"] == {"method": "kustomize", "location": r["source"]["location"],
                                    "ref": r["source"]["ref"]}


def _stack(tmp_path: Path, text: str) -> StackSpec:
    from planner.stackfile import load_stack

    path = tmp_path / "stackplan.yaml"
    path.write_text(text)
    return load_stack(str(path))


def test_the_workload_namespace_comes_from_the_stack_file_for_every_reader(catalog, tmp_path):
    """Problem 3: check, drift and apply hard-coded ml-workloads while the program read Pulumi config."""
    from planner.checks.declared import declared
    from planner.checks.view import ClusterView
    from planner.drift.customs import planned
    from planner.engine.resources import objects

    stack = _stack(tmp_path, "profile: training-team\nworkloadNamespace: team-a\n")
    plan = resolve(catalog, stack)
    assert plan.workload_namespace == "team-a" and plan.to_dict()["workloadNamespace"] == "team-a"
    want = [("team-a", "default")]
    view = ClusterView(plan, reader=None)  # type: ignore[arg-type]  # declared() reads only the plan
    assert declared(view, "LocalQueue") == want
    assert [(o.namespace, o.name) for o in planned(plan) if o.kind == "LocalQueue"] == want
    assert [(o.namespace, o.name) for o in objects(plan) if o.kind == "LocalQueue"] == want
    assert resolve(catalog, StackSpec(profile="training-team")).workload_namespace == "ml-workloads"


def test_the_deprecated_pulumi_config_key_is_read_with_a_note_and_must_agree(catalog):
    from planner.emit.settings import EmitConfig, legacy_workload_namespace
    from planner.errors import InputError

    assert legacy_workload_namespace(EmitConfig(), "team-a") is None
    note = legacy_workload_namespace(EmitConfig(workload_namespace="team-a"), "team-a")
    assert note and "deprecated" in note
    with pytest.raises(InputError) as e:
        legacy_workload_namespace(EmitConfig(workload_namespace="team-b"), "team-a")
    assert "workloadNamespace: team-b" in (e.value.hint or "")


def test_apply_sends_the_vllm_model_specs_the_pulumi_program_sends(catalog, tmp_path):
    """Problem 6: with serving vllm-stack and models, apply sent `modelSpec: []`."""
    from planner.emit.settings import EmitConfig
    from planner.emit.wiring import wiring

    stack = _stack(tmp_path, "profile: llm-inference\nchoices: {serving: vllm-stack}\n"
                             "models:\n  - {name: qwen, source: hf://Qwen/Qwen2.5-0.5B-Instruct}\n")
    plan = resolve(catalog, stack)
    rel = plan.releases["vllm-stack"]
    specs = rel.values["servingEngineSpec"]["modelSpec"]  # what `stackplan apply` sends (engine/helm.py)
    assert [s["name"] for s in specs] == ["qwen"] and specs[0]["modelURL"] == "Qwen/Qwen2.5-0.5B-Instruct"
    program = wiring(plan, EmitConfig()).values_for(rel.id, rel.values)  # what the Pulumi program sends
    assert program == dict(rel.values)


def test_both_installers_write_the_revision_description_drift_reads(catalog, tmp_path):
    """Problem 7: apply wrote `stackplan values-digest …`, which drift's regex for the program's form missed."""
    from planner.desired.revision import description, parse
    from planner.engine.helm import PyHelmRunner

    plan = resolve(catalog, StackSpec(profile="training-team"))
    rel = plan.releases["kueue"]
    runner = PyHelmRunner.__new__(PyHelmRunner)
    runner.version = type("V", (), {"major": 3, "minor": 22})()
    args = runner.upgrade_args(rel, ChartTarget(rel.how.location, version=rel.version), "5m")
    written = args[args.index("--description") + 1]
    assert written == description(rel)
    mark = parse(written)
    assert mark is not None and mark.digest == rel.values_digest and mark.release == "kueue"
    old = parse(f"stackplan values-digest {rel.values_digest}")  # revisions apply wrote before
    assert old is not None and old.digest == rel.values_digest


def test_plan_objects_has_one_signature_and_every_reader_gets_the_same_objects(catalog, tmp_path):
    """Problem 7: plan_objects() was called with different flags in four places."""
    import inspect

    from planner.desired.objects import plan_objects
    from planner.drift.customs import KINDS as DRIFT_KINDS
    from planner.drift.customs import planned
    from planner.emit.pulumi import custom_objects
    from planner.emit.settings import EmitConfig
    from planner.engine.resources import objects

    assert list(inspect.signature(plan_objects).parameters) == ["plan"]
    stack = _stack(tmp_path, "profile: full-mlops\nmodels:\n  - {name: a, source: hf://org/a}\n"
                             "  - {name: b, source: s3://bucket/b, engine: triton}\n")
    plan = resolve(catalog, stack)
    mine = [o.manifest(plan.releases[o.owner].values_digest) for o in plan_objects(plan)]
    assert [o.manifest(plan.releases[o.owner].values_digest) for o in objects(plan)] == mine
    tokens = EmitConfig(secrets={"huggingfaceToken": object()})
    for cfg in (EmitConfig(), tokens):
        assert [o.manifest(plan.releases[o.owner].values_digest) for o in custom_objects(plan, cfg)] == mine
    assert [o.key for o in planned(plan)] == [o.key for o in plan_objects(plan) if o.kind in DRIFT_KINDS]


def test_labels_are_defined_once():
    import planner.desired.labels as labels
    from planner.drift import compare, live
    from planner.engine import kustomize

    assert live.RELEASE_LABEL is labels.RELEASE and compare.DIGEST_ANNOTATION is labels.VALUES_DIGEST
    assert kustomize.overlay.__globals__["identity_labels"] is labels.identity_labels


def test_the_engine_does_not_import_drift():
    """apply reads the shared modules (planner/values.py, planner/desired), never drift's."""
    import ast

    root = Path(__file__).parents[2] / "planner" / "engine"
    found = []
    for path in sorted(root.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            found += [f"{path.name}: {n}" for n in names if n.startswith("planner.drift")]
    assert found == []


def test_ambiguous_yaml_scalars_are_refused_with_their_position(tmp_path):
    """Problem 7: `enabled: off` reached Helm as the string "off" (stackplan read YAML 1.2, Helm reads 1.1)."""
    from planner.errors import InputError, MultipleErrors
    from planner.stackfile import load_stack

    path = tmp_path / "stackplan.yaml"
    path.write_text("profile: training-team\ncomponents:\n  mlflow:\n    values:\n      ingress:\n"
                    "        enabled: off\n      mode: 010\n      list: [\"on\", Yes]\n      tag: 'off'\n"
                    "      port: 0\n      when: |\n        off\n")
    with pytest.raises(MultipleErrors) as e:
        load_stack(str(path))
    got = [(err.location.line, err.location.column, err.message) for err in e.value.errors
           if isinstance(err, InputError) and err.location]
    assert [(line, col) for line, col, _ in got] == [(6, 18), (7, 13), (8, 20)]
    assert "`off` is the boolean false to Helm (YAML 1.1)" in got[0][2]
    assert "`010` is an octal number to Helm" in got[1][2]
    assert all('quote it ("' in (err.hint or "") for err in e.value.errors)
    path.write_text("profile: training-team\ncomponents:\n  mlflow:\n    values: {ingress: {enabled: false}, "
                    "tag: 'off', mode: \"010\"}\n")
    spec = load_stack(str(path))
    assert dict(spec.components["mlflow"].values) == {"ingress": {"enabled": False}, "tag": "off", "mode": "010"}


def test_what_stackplan_writes_reads_the_same_in_yaml_1_1_and_1_2():
    """One YAML module: `dump` quotes every string a YAML 1.1 reader (Helm, PyYAML) would read otherwise."""
    import yaml as pyyaml  # PyYAML resolves YAML 1.1, as Helm does

    from planner.yamlio import dump, load

    data = {"enabled": "off", "mode": "010", "answer": "yes", "time": "1:20", "oct": "0o10", "exp": "1e3",
            "n": 1, "flag": True, "none": None, "text": "plain words", "list": ["on", "y", "N"]}
    text = dump(data)
    assert load(text) == data and pyyaml.safe_load(text) == data


def test_a_release_whose_values_render_a_monitor_needs_what_installs_its_crd(catalog, tmp_path):
    """Problem 4: cert-manager, the GPU Operator (NFD) and MLflow got ServiceMonitor/PodMonitor values with
    observability=prometheus, but no need on kube-prometheus-stack: same wave, `no matches for kind`."""
    plan = resolve(catalog, _stack(tmp_path, "profile: full-mlops\nchoices: {observability: prometheus}\n"))
    for rid in ("cert-manager", "gpu-operator", "mlflow"):
        rel = plan.releases[rid]
        assert "kube-prometheus-stack" in rel.needs, rid
        why = rel.need_reasons["kube-prometheus-stack"]
        assert "monitoring.coreos.com" in why and "@" in why, why  # the CRD, and the chart file@version
        wave = {r: i for i, w in enumerate(plan.waves) for r in w}
        assert wave[rid] > wave["kube-prometheus-stack"]
    assert any(n.release == "mlflow" and "needs kube-prometheus-stack" in n.message for n in plan.notes)
    assert plan.to_dict()["releases"][0]["needReasons"] is not None


def test_a_monitor_value_without_its_crd_in_the_plan_is_refused_with_a_hint(catalog, tmp_path):
    from planner.errors import StackplanError

    stack = _stack(tmp_path, "profile: llm-inference\ncomponents:\n  cert-manager:\n    enabled: true\n"
                             "    values:\n      prometheus: {servicemonitor: {enabled: true}}\n")
    with pytest.raises(StackplanError) as e:
        resolve(catalog, stack)
    err = e.value
    assert "ServiceMonitor" in err.message and "servicemonitors.monitoring.coreos.com" in err.message
    assert err.location is not None and err.location.line == 6
    hint = err.hint or ""
    assert "kube-prometheus-stack" in hint and "prometheus.servicemonitor.enabled: false" in hint


def test_every_rendered_kind_has_a_component_that_installs_its_crd(catalog):
    for bp in catalog.blueprints.values():
        for r in bp.renders:
            assert any(r.crd in other.crds for other in catalog.blueprints.values()), (bp.id, r.crd)
            assert "@" in r.source or "commit" in r.source, (bp.id, r.source)


def test_releases_created_beside_kueue_wait_for_its_webhooks(catalog):
    """Problem 5: Kueue 0.19.2's deployment/statefulset/job webhooks (failurePolicy Fail, every namespace but
    kube-system and its own) refused the Deployments of releases installed in its wave."""
    plan = resolve(catalog, StackSpec(profile="training-team"))
    wave = {r: i for i, w in enumerate(plan.waves) for r in w}
    gated = [r for r in plan.ordered() if "kueue" in r.needs]
    assert {r.id for r in gated} >= {"kubeflow-trainer", "volcano", "mlflow"}
    for rel in gated:
        assert wave[rel.id] > wave["kueue"]
        assert "mdeployment.kb.io" in rel.need_reasons["kueue"] and "v0.19.2" in rel.need_reasons["kueue"]
    crds_only = plan.releases["kubeflow-pipelines-crds"]  # no Deployment, StatefulSet or Job: not gated
    assert "kueue" not in crds_only.needs
    # with kube-prometheus-stack, kueue needs it for its ServiceMonitor: no need back (that would be a cycle)
    from planner.model import ComponentOverride

    both = resolve(catalog, StackSpec(profile="training-team",
                                      components={"kube-prometheus-stack": ComponentOverride(enabled=True)}))
    assert "kube-prometheus-stack" in both.releases["kueue"].needs
    assert "kueue" not in both.releases["kube-prometheus-stack"].needs


def test_prerequisites_follow_the_workload_namespace(catalog, tmp_path):
    stack = _stack(tmp_path, "profile: llm-inference\nchoices: {serving: kserve-vllm}\nworkloadNamespace: team-a\n"
                             "models:\n  - {name: qwen, source: hf://Qwen/Qwen2.5-0.5B-Instruct}\n")
    plan = resolve(catalog, stack)
    hf = [p for p in plan.prerequisites if p.kind == "Secret" and p.name == "stackplan-huggingface"]
    assert [p.namespace for p in hf] == ["team-a"]
