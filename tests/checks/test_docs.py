"""docs/checks.md lists every registered check, generated from the registry (no drift between code and docs)."""

from __future__ import annotations

from planner.checks.docgen import DOC, catalog_markdown, current_block
from planner.checks.registry import CHECKS


def test_docs_checks_md_is_in_sync_with_the_registry() -> None:
    block = current_block(DOC.read_text())
    assert block is not None, "docs/checks.md lost its generated block markers"
    assert block == catalog_markdown(), "docs/checks.md is stale: run `python -m planner.checks.docgen --write`"


def test_every_check_is_listed_with_its_remediation() -> None:
    text = catalog_markdown()
    for cid, check in CHECKS.items():
        assert f"### {cid}" in text and check.title in text
