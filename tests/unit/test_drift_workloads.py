"""DR010: live Deployments/DaemonSets/StatefulSets against the workloads of the Helm release manifest."""

from __future__ import annotations

import json
from dataclasses import replace
from fractions import Fraction

import pytest

from planner.cluster import ReadError
from planner.drift import workloads as wl
from planner.drift.compare import compare
from planner.drift.helm_records import decode_record, record_secret
from planner.drift.live import LiveFacts, LiveObject
from planner.drift.reader import HPAS, read_live
from planner.drift.workloads import WorkloadSpec, diff_workload, quantity, summarize_workload, workloads_from_manifest
from planner.model import Workload
from planner.report import Outcome
from tests.unit.drift_fixtures import helm_doc, plan, release
from tests.unit.test_drift_reader import FakeReader


def deployment(name: str = "web", *, namespace: str | None = None, replicas: int | None = 1,
               image: str = "registry.invalid/web:1", env: list | None = None, resources: dict | None = None,
               kind: str = "Deployment") -> dict:
    meta = {"name": name, **({"namespace": namespace} if namespace else {})}
    container = {"name": "app", "image": image, "env": env if env is not None else [
        {"name": "LOG_LEVEL", "value": "info"}, {"name": "DB_PASSWORD", "value": "hunter2"},
        {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
        "resources": resources if resources is not None else {"requests": {"cpu": 0.5, "memory": "1Gi"},
                                                               "limits": {"memory": "2Gi"}}}
    spec = {"selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                         "spec": {"initContainers": [{"name": "init", "image": "busybox:1"}],
                                  "containers": [container]}}}
    if replicas is not None and kind != "DaemonSet":
        spec["replicas"] = replicas
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": meta, "spec": spec}


def manifest(*objs: dict) -> str:
    """A manifest the way Helm stores it: `---` then `# Source:` then the rendered document."""
    secret = ("apiVersion: v1\nkind: Secret\nmetadata: {name: creds}\nstringData: {token: manifest-secret}\n")
    config = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata:\n  a.yaml: |\n    kind: Deployment\n"
    docs = [secret, config, "apiVersion: v1\nkind: Service\nmetadata: {name: svc}\n"]
    from io import StringIO

    from ruamel.yaml import YAML

    for o in objs:
        buf = StringIO()
        YAML().dump(o, buf)
        docs.append(buf.getvalue())
    return "".join(f"---\n# Source: chart/templates/t{i}.yaml\n{d}" for i, d in enumerate(docs))


def live_obj(obj: dict, namespace: str = "ml") -> LiveObject:
    o = json.loads(json.dumps(obj))
    o["metadata"]["namespace"] = o["metadata"].get("namespace") or namespace
    return LiveObject(o["kind"], o["metadata"]["name"], o["metadata"]["namespace"],
                      spec=summarize_workload(o, o["kind"]))


def facts(rel_objs: list[dict], live_objs: list[dict], **kw) -> LiveFacts:
    rec = decode_record(record_secret(helm_doc("app", manifest=manifest(*rel_objs))))
    by_kind: dict = {}
    for o in live_objs:
        lo = live_obj(o)
        by_kind.setdefault(lo.kind, {})[(lo.namespace, lo.name)] = lo
    return LiveFacts(releases={("ml", "app"): rec}, workloads=by_kind, **kw)


def dr010(live: LiveFacts, rel=None):
    found = [f for f in compare(plan(rel or release("app")), live) if f.check_id == "DR010"]
    return found


def test_only_workload_documents_are_parsed(monkeypatch):
    parsed: list[str] = []
    real = wl._yaml_loader

    def spy_loader():
        load, errors = real()
        return (lambda text: parsed.append(text) or load(text)), errors

    monkeypatch.setattr(wl, "_yaml_loader", spy_loader)
    text = manifest(deployment(), deployment("agent", kind="DaemonSet"),
                    deployment("db", namespace="data", kind="StatefulSet", replicas=3))
    got = workloads_from_manifest(text, "ml")
    assert [w.ref() for w in got.workloads] == ["Deployment/ml/web", "DaemonSet/ml/agent", "StatefulSet/data/db"]
    assert len(parsed) == 3 and not any("manifest-secret" in d or "kind: ConfigMap" in d for d in parsed)
    assert [w.replicas for w in got.workloads] == [1, None, 3]


def test_a_summary_keeps_no_secret_like_value_and_no_other_field():
    spec = summarize_workload(deployment(), default_namespace="ml")
    assert spec is not None
    app = next(c for c in spec.containers if c.name == "app")
    env = {e.name: e for e in app.env}
    assert env["LOG_LEVEL"].value == "info" and env["POD"].source == "fieldRef"
    assert env["DB_PASSWORD"].value.startswith("sha256:") and "hunter2" not in repr(spec)
    assert app.resources == (("limits.memory", "2Gi"), ("requests.cpu", "0.5"), ("requests.memory", "1Gi"))
    assert "selector" not in repr(spec) and "labels" not in repr(spec)


def test_an_unparseable_workload_document_is_counted_not_fatal():
    got = workloads_from_manifest("---\nkind: Deployment\nmetadata: {name: [broken\n", "ml")
    assert got.workloads == () and got.unparsed == 1


@pytest.mark.parametrize("a, b", [("0.5", "500m"), ("1Gi", "1024Mi"), ("1", "1000m"), ("1e3", "1k"),
                                  ("100M", "1e8"), (".5Gi", "512Mi")])
def test_quantities_compare_by_value(a, b):
    assert quantity(a) == quantity(b) and quantity(a) is not None


def test_quantity_parse():
    assert quantity("250m") == Fraction(1, 4) and quantity("2Ki") == 2048 and quantity("lots") is None


def _spec(**kw) -> WorkloadSpec:
    spec = summarize_workload(deployment(**kw), default_namespace="ml")
    assert spec is not None
    return spec


def test_diff_reports_each_field_as_a_dotted_path_with_release_and_live_values():
    rel = _spec()
    live = _spec(replicas=0, image="registry.invalid/web:2",
                 env=[{"name": "LOG_LEVEL", "value": "debug"}, {"name": "DB_PASSWORD", "value": "changed"},
                      {"name": "POD", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
                      {"name": "NEW.VAR", "value": "x"}],
                 resources={"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"memory": "4Gi"}})
    got = [str(c) for c in diff_workload(rel, live, autoscaled=False)]
    c = "Deployment/ml/web spec.template.spec.containers[app]"
    assert got == [
        "Deployment/ml/web spec.replicas: release 1, live 0",
        f"{c}.image: release registry.invalid/web:1, live registry.invalid/web:2",
        f"{c}.env.DB_PASSWORD: release ***, live ***",
        f'{c}.env.LOG_LEVEL: release "info", live "debug"',
        f'{c}.env.NEW\\.VAR: release (not set), live "x"',
        f"{c}.resources.limits.memory: release 2Gi, live 4Gi",
    ]  # cpu 0.5 == 500m, and fieldRef's defaulted apiVersion is no change
    assert diff_workload(rel, replace(live, replicas=1, containers=rel.containers), autoscaled=False) == []


def test_replicas_an_autoscaler_owns_are_not_compared():
    assert diff_workload(_spec(), _spec(replicas=7), autoscaled=True) == []
    assert [c.path for c in diff_workload(_spec(), _spec(replicas=7), autoscaled=False)] == ["spec.replicas"]
    assert diff_workload(_spec(replicas=None), _spec(replicas=7), autoscaled=False) == []  # chart leaves it


def test_containers_added_or_removed_and_init_containers():
    rel = _spec()
    changed = [replace(c, image="busybox:2") if c.init else c for c in rel.containers]
    live = replace(rel, containers=(*changed, replace(rel.containers[-1], name="sidecar")))
    got = [str(c) for c in diff_workload(rel, live, autoscaled=False)]
    assert got == ["Deployment/ml/web spec.template.spec.initContainers[init].image: release busybox:1, live busybox:2",
                   "Deployment/ml/web spec.template.spec.containers[sidecar]: release (not set), live present"]


def test_url_credentials_in_env_values_are_masked():
    rel = _spec(env=[{"name": "DATABASE_URL", "value": "postgres://app:s3cret@db:5432/x"}])
    live = _spec(env=[{"name": "DATABASE_URL", "value": "postgres://app:other@db2:5432/x"}])
    (change,) = diff_workload(rel, live, autoscaled=False)
    assert "s3cret" not in str(change) and "other" not in str(change) and "db2" in str(change)
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
    rel = _spec(env=[{"name": "HEADER", "value": "x"}, {"name": "HF_TOKEN", "value": "hf_release"}])
    live = _spec(env=[{"name": "HEADER", "value": f"Bearer {jwt}"}, {"name": "HF_TOKEN", "value": "hf_live"}])
    got = " ".join(map(str, diff_workload(rel, live, autoscaled=False)))
    assert "env.HF_TOKEN: release ***, live ***" in got and "env.HEADER" in got
    assert jwt[:20] not in got and "hf_live" not in got and "hf_release" not in got


def test_dr010_fails_with_evidence_and_no_secret_in_the_report():
    live = facts([deployment()], [deployment(image="registry.invalid/web:2",
                                             env=[{"name": "DB_PASSWORD", "value": "live-secret"}])])
    (f,) = dr010(live)
    assert f.outcome is Outcome.FAILED and f.component == "app"
    assert f.message.startswith("4 workload field(s) differ from the release manifest in Deployment/web")
    assert "Deployment/ml/web spec.template.spec.containers[app].env.DB_PASSWORD: release ***, live ***" in f.evidence
    assert f.evidence[-1].startswith("compared with the manifest of revision 1 (Secret ml/sh.helm.release.v1.app.v1")
    text = json.dumps([x.to_dict() for x in compare(plan(release("app")), live)])
    assert "hunter2" not in text and "live-secret" not in text and "manifest-secret" not in text


def test_dr010_passes_when_live_matches():
    (f,) = dr010(facts([deployment(), deployment("agent", kind="DaemonSet")],
                       [deployment(), deployment("agent", kind="DaemonSet")]))
    assert f.outcome is Outcome.PASSED and f.message == "2 workload(s) match the release manifest"


def test_hpa_targeted_replicas_pass_and_unreadable_hpas_make_replicas_unknown():
    rel, live = [deployment()], [deployment(replicas=5)]
    assert dr010(facts(rel, live))[0].outcome is Outcome.FAILED
    assert dr010(facts(rel, live, autoscaled=frozenset({("ml", "Deployment", "web")})))[0].outcome is Outcome.PASSED
    (f,) = dr010(facts(rel, live, hpa_error="forbidden"))
    assert f.outcome is Outcome.UNKNOWN and "forbidden" in f.evidence[0]
    (f,) = dr010(facts(rel, [deployment(replicas=5, image="other:1")], hpa_error="forbidden"))
    assert f.outcome is Outcome.FAILED and any("an HPA may own replicas" in e for e in f.evidence)


def test_missing_workloads_blueprint_listed_are_dr006s_others_dr010s():
    live = facts([deployment(), deployment("extra")], [])
    listed = release("app", workloads=(Workload("Deployment", "web"),))
    findings = compare(plan(listed), live)
    assert [f.outcome for f in findings if f.check_id == "DR006"] == [Outcome.FAILED]
    (f,) = [f for f in findings if f.check_id == "DR010"]
    assert f.evidence[0] == "Deployment/ml/extra (object): release present, live not found"


def test_no_dr010_for_failed_revisions_kustomize_or_unread_kinds():
    live = facts([deployment()], [deployment(replicas=0)])
    failed = replace(live, releases={k: replace(v, status="failed") for k, v in live.releases.items()})
    assert dr010(failed) == []
    assert dr010(live, release("app", kind="kustomize")) == []
    (f,) = dr010(replace(live, unread={"Deployment": "forbidden"}))
    assert f.outcome is Outcome.UNKNOWN


def test_reader_summarizes_only_workloads_a_manifest_names_and_reads_hpas_once():
    p = plan(release("app"))
    other = deployment("unrelated")
    other["metadata"]["namespace"] = "ml"
    mine = deployment()
    mine["metadata"]["namespace"] = "ml"
    hpa = {"metadata": {"name": "web", "namespace": "ml"},
           "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}}}
    objects = {("Secret", "ml"): [record_secret(helm_doc("app", manifest=manifest(deployment())))],
               ("Deployment", None): [mine, other], ("HorizontalPodAutoscaler", None): [hpa]}
    reader = FakeReader(objects)
    live = read_live(reader, p)
    deps = live.workloads["Deployment"]
    assert deps[("ml", "web")].spec is not None and deps[("ml", "unrelated")].spec is None
    assert live.autoscaled == {("ml", "Deployment", "web")} and live.hpa_error == ""
    assert sum(1 for c in reader.calls if c[0] == "HorizontalPodAutoscaler") == 1
    live = read_live(FakeReader(objects, {("HorizontalPodAutoscaler", None): ReadError(HPAS, 403, "forbidden")}), p)
    assert live.hpa_error == "forbidden" and live.unread == {}
    assert wl.KINDS == ("Deployment", "DaemonSet", "StatefulSet")
