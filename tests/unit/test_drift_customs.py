"""DR009: the plan's custom resources (planner/desired/objects.py) missing or changed, read with one LIST per kind."""

from __future__ import annotations

import copy
from dataclasses import replace

from planner.cluster import ReadError
from planner.drift.compare import TITLES, compare
from planner.drift.customs import TITLE, planned
from planner.drift.live import LiveFacts
from planner.drift.reader import read_live
from planner.engine import resources
from planner.kinds import KUBEAI_MODELS
from planner.model import Model
from planner.report import Outcome
from tests.unit.drift_fixtures import plan, release
from tests.unit.test_drift_reader import FakeReader


def serving(*models: Model):
    p = plan(release("kueue", "kueue-system"), release("kubeai", "kubeai"), release("kserve", "kserve"),
             release("volcano", "volcano-system"))
    return replace(p, models=models, cluster={"gpu": {"nodes": 2, "perNode": 4, "type": "NVIDIA-L4"}})


MODELS = (Model("llama", "hf://meta-llama/Llama-3.1-8B-Instruct"), Model("qwen", "ollama://qwen2.5:0.5b", "ollama"))


def as_applied(p) -> dict:
    """What `stackplan apply` put in the cluster, as the LISTs return it (with server-side defaults added)."""
    out: dict = {}
    for o in resources.objects(p):
        doc = copy.deepcopy(resources.manifest(p, o))
        doc["spec"]["someServerDefault"] = True  # fields stackplan does not set are not compared
        doc["status"] = {"anything": 1}
        out.setdefault((o.kind, None), []).append(doc)
    return out


def dr009(findings):
    return [f for f in findings if f.check_id == "DR009"]


def test_title_is_registered() -> None:
    assert TITLES["DR009"] == TITLE


def test_one_list_per_declared_kind_whatever_the_number_of_models() -> None:
    calls = []
    for models in ((), MODELS, tuple(Model(f"m{i}", f"hf://org/m{i}") for i in range(30))):
        reader = FakeReader({})
        read_live(reader, serving(*models))
        calls.append(sorted(c for c in reader.calls if c[0] not in ("Secret",)))
    kinds = [{c[0] for c in cs} for cs in calls]
    assert {"ClusterQueue", "LocalQueue", "Queue"} <= kinds[0] and "Model" not in kinds[0]
    assert kinds[1] == kinds[2] and {"Model", "InferenceService"} <= kinds[1]
    assert len(calls[1]) == len(calls[2]) and len(calls[2]) == len(set(calls[2]))  # each kind once
    assert all(c[1] is None for cs in calls for c in cs)  # cluster-wide


def test_everything_as_applied_is_clean() -> None:
    p = serving(*MODELS)
    live = read_live(FakeReader(as_applied(p)), p)
    found = dr009(compare(p, live))
    assert found and all(f.outcome is Outcome.PASSED for f in found), [f.message for f in found]
    assert {f.component for f in found} == {"kueue", "kubeai", "kserve", "volcano"}


def test_a_deleted_model_is_reported_missing() -> None:
    p = serving(*MODELS)
    objs = as_applied(p)
    objs[("Model", None)] = [d for d in objs[("Model", None)] if d["metadata"]["name"] != "qwen"]
    [f] = [f for f in dr009(compare(p, read_live(FakeReader(objs), p))) if f.is_problem]
    assert f.outcome is Outcome.FAILED and f.message == "Model qwen is missing" and f.component == "kubeai"
    assert (f.subject.kind, f.subject.namespace) == ("Model", "kubeai")
    assert "stackplan apply" in f.remediation


def test_a_changed_field_is_reported_and_env_values_are_masked() -> None:
    p = serving(*MODELS)
    objs = as_applied(p)
    model = next(d for d in objs[("Model", None)] if d["metadata"]["name"] == "llama")
    model["spec"]["minReplicas"] = 3
    isvc = objs[("InferenceService", None)][0]
    isvc["spec"]["predictor"]["model"]["env"] = [{"name": "HF_TOKEN", "value": "hf_plaintextsecret"}]
    problems = {f.subject.name + "/" + f.subject.kind: f for f in dr009(compare(p, read_live(FakeReader(objs), p)))
                if f.is_problem}
    m = problems["llama/Model"]
    assert "1 field(s) differ" in m.message and any("spec.minReplicas: live 3, planned 1" in e for e in m.evidence)
    i = problems["llama/InferenceService"]
    text = " ".join(i.evidence) + i.message
    assert "spec.predictor.model.env: live ***, planned ***" in text and "hf_plaintextsecret" not in text


def test_numbers_and_quantities_compare_by_value() -> None:
    p = serving()
    objs = as_applied(p)
    cq = objs[("ClusterQueue", None)][0]
    cpu = cq["spec"]["resourceGroups"][0]["flavors"][0]["resources"][0]
    assert cpu["name"] == "cpu"
    live = read_live(FakeReader(objs), p)
    assert not [f for f in dr009(compare(p, live)) if f.is_problem]
    queue = objs[("Queue", None)][0]
    queue["spec"]["weight"] = 1.0  # JSON decoders may give floats
    assert not [f for f in dr009(compare(p, read_live(FakeReader(objs), p))) if f.is_problem]


def test_an_unreadable_kind_is_unknown_not_clean() -> None:
    p = serving(*MODELS)
    reader = FakeReader(as_applied(p), {("Model", None): ReadError(KUBEAI_MODELS, 403, "forbidden")})
    found = dr009(compare(p, read_live(reader, p)))
    unknown = [f for f in found if f.outcome is Outcome.UNKNOWN]
    assert {f.subject.name for f in unknown} == {"llama", "qwen"} and "forbidden" in unknown[0].message


def test_objects_that_are_not_declared_are_ignored_and_not_kept() -> None:
    p = serving(*MODELS)
    objs = as_applied(p)
    objs[("Model", None)].append({"apiVersion": "kubeai.org/v1", "kind": "Model",
                                  "metadata": {"name": "someone-elses", "namespace": "kubeai"}, "spec": {"url": "x"}})
    live = read_live(FakeReader(objs), p)
    assert ("kubeai", "someone-elses") not in live.custom["Model"]
    assert not [f for f in dr009(compare(p, live)) if f.is_problem]


def test_no_custom_resources_no_dr009() -> None:
    p = plan(release("app"))
    assert planned(p) == [] and dr009(compare(p, LiveFacts())) == []
