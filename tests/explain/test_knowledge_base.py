"""The offline knowledge base: every entry explains the example finding stored in the entry itself."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from planner.errors import InputError
from planner.explain.kb import KNOWLEDGE_DIR, default_knowledge_base, load_file, load_knowledge_base
from planner.explain.offline import OfflineExplainer
from planner.report import Finding, Outcome, Subject

KB = default_knowledge_base()
ENTRIES = {e.id: e for e in KB.entries}

# The signatures the issue and the brief name: each must exist as its own entry.
REQUIRED = [
    "gpu-operator.validator-init-crashloop", "gpu-operator.clusterpolicy-not-ready", "gpu-operator.no-allocatable-gpus",
    "gpu-operator.driver-daemonset-not-scheduled", "image.pull-private-registry", "image.pull-mirror-missing",
    "kueue.workload-inadmissible-quota", "kueue.workload-no-flavor", "kueue.clusterqueue-inactive", "kueue.pod-gated",
    "volcano.queue-closed", "volcano.podgroup-pending", "webhook.no-endpoints", "cert-manager.certificate-not-ready",
    "kserve.knative-mode-without-knative", "kserve.storage-initializer-failing", "kserve.inferenceservice-not-ready",
    "kubeai.model-not-ready", "kubeai.model-scaled-to-zero", "vllm.engine-pending-gpu",
    "vllm.runtimeclass-nvidia-missing", "crd.missing", "deployment.unavailable", "pvc.unbound-no-default-storageclass",
    "node.not-ready", "pod.pending-insufficient-gpu", "pod.pending-taints", "rbac.forbidden", "cluster.unreachable",
]


def test_required_signatures_exist() -> None:
    missing = [i for i in REQUIRED if i not in ENTRIES]
    assert not missing, f"knowledge base lacks {missing}"


@pytest.mark.parametrize("entry_id", sorted(ENTRIES))
def test_entry_explains_its_own_example(entry_id: str) -> None:
    entry = ENTRIES[entry_id]
    finding = Finding.from_dict(entry.example)
    [x] = OfflineExplainer(KB).explain([finding])
    assert x is not None
    assert x.source == f"knowledge-base:{entry_id}", f"{entry.file}: example of {entry_id} is explained by {x.source}"
    text = " ".join((x.summary, x.cause, x.fix, *x.commands))
    assert "${" not in text, f"unfilled template variable in {entry_id}: {text}"
    assert "None" not in " ".join((x.summary, *x.commands)), "a capture that matched no group"
    assert x.summary and x.cause and x.fix
    assert entry.sources[0] in x.fix, "the fix cites the upstream source"
    if any("${name}" in c for c in entry.commands):
        assert any(finding.subject.name in c for c in x.commands), "commands name the real object"


def test_captures_fill_commands_from_the_evidence() -> None:
    finding = Finding.from_dict(ENTRIES["gpu-operator.validator-init-crashloop"].example)
    x = KB.explain(finding)
    assert "logs nvidia-operator-validator-x7k2p -c driver-validation" in " ".join(x.commands)
    webhook = KB.explain(Finding.from_dict(ENTRIES["webhook.no-endpoints"].example))
    assert "kubectl -n kueue-system get endpointslices -l kubernetes.io/service-name=kueue-webhook-service" \
        in webhook.commands


def test_taints_beat_insufficient_gpu_when_both_are_reported() -> None:
    f = Finding("HC000", "Pods are scheduled", Outcome.FAILED, Subject("Pod", "p", "ns"), "Pod ns/p is Pending",
                evidence=("0/3 nodes are available: 1 node(s) had untolerated taint {nvidia.com/gpu: }, "
                          "2 Insufficient nvidia.com/gpu.",))
    assert KB.explain(f).source == "knowledge-base:pod.pending-taints"


def test_unmatched_findings_get_a_generic_explanation_with_their_own_remediation() -> None:
    f = Finding("HC123", "Widget answers", Outcome.FAILED, Subject("Service", "widget", "apps"), "GET / returned 418",
                remediation="Restart the widget.")
    x = KB.explain(f)
    assert x.source == "knowledge-base:generic.failed"
    assert "Restart the widget." in x.fix and "GET / returned 418" in x.summary
    assert "kubectl describe service widget -n apps" in x.commands
    u = KB.explain(Finding("HC123", "Widget answers", Outcome.UNKNOWN, Subject("Service", "widget", "apps"), "timeout"))
    assert u.source == "knowledge-base:generic.unknown"


def test_same_words_different_outcome_pick_different_entries() -> None:
    base = dict(check_id="HC001", title="Nodes are Ready", subject=Subject("Node", "*"),
                message="cannot list nodes: 403 Forbidden")
    assert KB.explain(Finding(outcome=Outcome.UNKNOWN, **base)).source == "knowledge-base:rbac.forbidden"
    assert KB.explain(Finding(outcome=Outcome.FAILED, **base)).source != "knowledge-base:rbac.forbidden"


def test_every_file_validates_and_ids_are_namespaced() -> None:
    files = sorted(KNOWLEDGE_DIR.glob("*.yaml"))
    assert len(files) >= 5
    for path in files:
        for e in load_file(path):
            assert re.fullmatch(r"[a-z0-9-]+\.[a-z0-9.-]+", e.id)
            assert all(s.startswith("https://") for s in e.sources)


def _write(tmp_path: Path, text: str) -> Path:
    d = tmp_path / "kb"
    d.mkdir(exist_ok=True)
    (d / "extra.yaml").write_text(text)
    return d


ENTRY = """entries:
  - id: extra.thing
    title: A thing
    match: {text: '%s'}
    summary: The thing is broken here.
    cause: Because of reasons we know.
    fix: Fix the thing like this.
    commands: [kubectl get things]
    sources: [https://example.org/thing]
    example: {checkId: HC000, title: T, outcome: FAILED, subject: {kind: Pod, name: p}, message: m}
"""


def test_extra_directories_add_entries(tmp_path: Path) -> None:
    kb = load_knowledge_base([_write(tmp_path, ENTRY % "thing broke")])
    f = Finding("HC000", "T", Outcome.FAILED, Subject("Pod", "p"), "the thing broke")
    assert kb.explain(f).source == "knowledge-base:extra.thing"


def test_invalid_regex_names_the_file_and_entry(tmp_path: Path) -> None:
    with pytest.raises(InputError) as e:
        load_knowledge_base([_write(tmp_path, ENTRY % "(unclosed")])
    assert "extra.yaml" in e.value.render() and "/entries/0" in e.value.render()


def test_schema_errors_name_the_file_and_pointer(tmp_path: Path) -> None:
    with pytest.raises(InputError) as e:
        load_knowledge_base([_write(tmp_path, (ENTRY % "x").replace("sources: [https://example.org/thing]",
                                                                    "sources: [ftp://x]"))])
    assert "extra.yaml" in e.value.render() and "/entries/0/sources/0" in e.value.render()


def test_duplicate_ids_fail_loudly(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="defined twice"):
        load_knowledge_base([_write(tmp_path, (ENTRY % "x").replace("extra.thing", "crd.missing"))])


def test_the_readme_counts_the_knowledge_base_as_it_is() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    said = re.search(r"knowledge base answers \((\d+) failure signatures", readme)
    assert said, "README.md no longer says how many failure signatures the knowledge base has"
    assert int(said.group(1)) == len(KB.entries)
