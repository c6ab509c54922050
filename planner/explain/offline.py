"""The offline explainer: the knowledge base as an Explainer (the default when no API key is set)."""

from __future__ import annotations

from collections.abc import Sequence

from planner.explain.kb import KnowledgeBase, default_knowledge_base
from planner.report import Explanation, Finding


class OfflineExplainer:
    name = "knowledge-base"

    def __init__(self, kb: KnowledgeBase | None = None) -> None:
        self.kb = kb or default_knowledge_base()

    def explain(self, findings: Sequence[Finding]) -> list[Explanation | None]:
        return [self.kb.explain(f) for f in findings]
