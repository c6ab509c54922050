"""The checklist data: upstream's ids and levels, every id has a satisfier, the generator round-trips."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from planner.conformance import sync
from planner.conformance.checklist import MUST, SHOULD, checklist, for_plan, newest, versions
from planner.conformance.satisfy import SATISFIERS
from planner.errors import InputError

ALL_IDS = {r.id for v in versions() for r in checklist(v).requirements}


def test_versions_are_upstreams_and_every_file_is_cited() -> None:
    assert versions()[0] == "1.33" and len(versions()) >= 4
    for v in versions():
        c = checklist(v)
        assert c.source.startswith(f"cncf/k8s-ai-conformance:docs/AIConformance-{v}.yaml@")
        assert len(c.source.rsplit("@", 1)[1]) == 40  # a commit, not a branch
        assert {r.level for r in c.requirements} <= {MUST, SHOULD}
        assert all(r.description.strip() for r in c.requirements)
        assert dict(c.metadata)["kubernetesVersion"] == f"v{v}"


def test_newest_checklist_musts_are_the_ones_the_issue_names() -> None:
    # The MUSTs of the newest checklist as the program lists them (issue #14, cncf/k8s-ai-conformance docs/).
    musts = {r.id for r in checklist(newest()).must()}
    assert {"ai_inference", "gang_scheduling", "cluster_autoscaling", "pod_autoscaling", "accelerator_metrics",
            "ai_service_metrics", "secure_accelerator_access", "robust_controller"} <= musts


def test_every_upstream_id_has_a_satisfier_and_no_invented_ids() -> None:
    assert set(SATISFIERS) == ALL_IDS


def test_unknown_version_is_bad_input_naming_the_choices() -> None:
    with pytest.raises(InputError) as e:
        checklist("1.99")
    assert "1.33" in e.value.hint and newest() in e.value.hint


def test_plan_version_without_a_checklist_falls_back_to_the_newest_with_a_note() -> None:
    c, note = for_plan("1.40")
    assert c.version == newest() and "1.40" in note
    c, note = for_plan("v1.34.2")
    assert c.version == "1.34" and note is None


def test_sync_reads_a_checkout_in_upstream_layout(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    template = {"metadata": {"kubernetesVersion": "v1.40", "platformName": "[Platform Name]"},
                "spec": {"networking": [{"id": "ai_inference", "description": "Gateway", "level": "MUST",
                                         "status": "", "evidence": [], "notes": ""}]}}
    (docs / "AIConformance-1.40.yaml").write_text(yaml.safe_dump(template))
    (docs / "README.md").write_text("not a checklist")
    data = sync.read_checkout(tmp_path, "f" * 40)
    assert list(data["versions"]) == ["1.40"]
    v = data["versions"]["1.40"]
    assert v["file"] == f"cncf/k8s-ai-conformance:docs/AIConformance-1.40.yaml@{'f' * 40}"
    assert v["categories"] == {"networking": [{"id": "ai_inference", "level": "MUST", "description": "Gateway"}]}
    assert v["metadata"]["platformName"] == "[Platform Name]"


def test_shipped_data_is_what_sync_writes(tmp_path: Path) -> None:
    """Rebuild each shipped version as an upstream template file and read it back: the data is lossless."""
    from planner.conformance.checklist import _raw

    raw = _raw()
    docs = tmp_path / "docs"
    docs.mkdir()
    for v, item in raw["versions"].items():
        spec = {cat: [{**r, "status": "", "evidence": [], "notes": ""} for r in reqs]
                for cat, reqs in item["categories"].items()}
        (docs / f"AIConformance-{v}.yaml").write_text(yaml.safe_dump({"metadata": item["metadata"], "spec": spec}))
    commit = raw["source"].rsplit("@", 1)[1]
    assert sync.read_checkout(tmp_path, commit) == raw




def test_conformance_rbac_covers_exactly_what_its_checks_read_beyond_check() -> None:
    from planner.conformance.registry import kinds_read
    from planner.kinds import CATALOG, CONFORMANCE_EXTRA_KINDS
    from planner.rbac import conformance_documents, read_rules

    assert set(kinds_read()) - set(CATALOG) == set(CONFORMANCE_EXTRA_KINDS)
    role = conformance_documents(None)[0]
    assert role["rules"] == read_rules(CONFORMANCE_EXTRA_KINDS)
    assert all("secrets" not in r["resources"] for r in role["rules"])


def test_docs_table_is_generated_from_the_data() -> None:
    from planner.conformance import docgen

    text = docgen.DOC.read_text(encoding="utf-8")
    assert docgen.render(text) == text, "run `python -m planner.conformance.docgen --write`"
    from planner.conformance.registry import CHECKS

    for cid in CHECKS:
        if cid.startswith("AC"):
            assert f'<a id="{cid.lower()}"></a>' in text, f"docs/conformance.md has no section for {cid}"
