"""The PRODUCT.yaml draft in the upstream template's shape, and upstream's validation rules.

Shape: `metadata` (the template's keys, plus `k8sConformanceUrl`, which the validator requires) and
`spec.<category>[]` with `id`, `description`, `level` unchanged and `status`, `evidence`, `notes` filled
(cncf/k8s-ai-conformance:docs/AIConformance-<v>.yaml, instructions.md). `validate` ports the offline
rules of cncf/k8s-ai-conformance:scripts/validate.go@b2c89690 (URLs and the CNCF membership lookup need
the internet and are left to upstream's CI).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner.conformance.checklist import MUST, SHOULD, Checklist
from planner.conformance.evidence import Evidence

VALID_STATUSES = ("Implemented", "Not Implemented", "Partially Implemented", "N/A")
# validate.go metadataFields: name -> required
METADATA_FIELDS = {"kubernetesVersion": True, "platformName": True, "platformVersion": True, "vendorName": True,
                   "websiteUrl": True, "repoUrl": False, "documentationUrl": True, "productLogoUrl": True,
                   "description": True, "contactEmailAddress": True, "k8sConformanceUrl": True}
CONFORMANCE_URL_PLACEHOLDER = "[k8s-conformance URL]"
_K8S_CONFORMANCE_URL = re.compile(r"^https://github\.com/cncf/k8s-conformance/tree/(master|main)/v\d+\.\d+/[^/]+/?$")


def draft(checklist: Checklist, evidence: Sequence[Evidence], *, metadata: Mapping[str, str] | None = None,
          evidence_links: Sequence[str] = ()) -> dict[str, Any]:
    """The PRODUCT.yaml document: template placeholders where stackplan cannot know the value."""
    meta = {k: v for k, v in checklist.metadata}
    meta["kubernetesVersion"] = f"v{checklist.version}"
    meta.setdefault("k8sConformanceUrl", CONFORMANCE_URL_PLACEHOLDER)
    meta.update(metadata or {})
    by_id = {e.requirement.id: e for e in evidence}
    spec: dict[str, list[dict[str, Any]]] = {}
    for r in checklist.requirements:
        e = by_id.get(r.id)
        status = e.status if e else ""
        spec.setdefault(r.category, []).append({
            "id": r.id, "description": r.description, "level": r.level, "status": status,
            "evidence": list(evidence_links) if e and e.checks else [], "notes": e.notes if e else ""})
    return {"metadata": meta, "spec": spec}


def to_yaml(doc: Mapping[str, Any], header: str = "") -> str:
    import yaml

    return header + yaml.safe_dump(dict(doc), sort_keys=False, width=120, allow_unicode=True)


@dataclass(frozen=True)
class Problem:
    """One validation error. `shape`: the document's structure is wrong (never acceptable in a draft);
    otherwise a content rule a submission must still meet (placeholders, MUSTs not Implemented)."""

    message: str
    shape: bool


def _snake(name: str) -> str:
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).lower()


def validate(doc: Any, checklist: Checklist, base_dir: Path | None = None) -> list[Problem]:
    """The offline rules of upstream's validate.go, plus instructions.md's "id, description, level unchanged"."""
    out: list[Problem] = []
    if not isinstance(doc, Mapping):
        return [Problem("the document is not a mapping", True)]
    meta = doc.get("metadata")
    if not isinstance(meta, Mapping):
        out.append(Problem("Missing 'metadata' section", True))
    else:
        for field, required in METADATA_FIELDS.items():
            val = meta.get(field, meta.get(_snake(field)))
            if val is None:
                if required:
                    out.append(Problem(f"Missing metadata field: {field} (or {_snake(field)})", True))
                continue
            if not isinstance(val, str):
                out.append(Problem(f"Metadata field {field} is not a string", True))
            elif val == "":
                if required:
                    out.append(Problem(f"Metadata field {field} is empty", False))
            elif val.startswith("[") and val.endswith("]"):
                out.append(Problem(f"Metadata field {field} has placeholder value: {val}", False))
            elif field == "k8sConformanceUrl" and not _K8S_CONFORMANCE_URL.match(val):
                out.append(Problem(f"Invalid k8sConformanceUrl format: {val}", False))
    spec = doc.get("spec")
    if not isinstance(spec, Mapping):
        return [*out, Problem("Missing 'spec' section", True)]
    for category in checklist.categories:
        items = spec.get(category)
        if not isinstance(items, list):
            out.append(Problem(f"Missing spec category: {category}", True))
            continue
        by_id = {i.get("id"): i for i in items if isinstance(i, Mapping)}
        for r in (r for r in checklist.requirements if r.category == category):
            item = by_id.get(r.id)
            if item is None:
                out.append(Problem(f"Missing requirement '{r.id}' in category '{category}'", True))
                continue
            if item.get("description") != r.description or item.get("level") != r.level:
                out.append(Problem(f"'{r.id}': description or level differs from the template", True))
            if not isinstance(item.get("evidence", []), list) or not isinstance(item.get("notes", ""), str):
                out.append(Problem(f"'{r.id}': evidence must be a list and notes a string", True))
                continue
            status, evidence = item.get("status", ""), item.get("evidence") or []
            if r.level == SHOULD and status == "" and not evidence:
                continue
            if status not in VALID_STATUSES:
                out.append(Problem(f"Invalid status '{status}' for '{r.id}'. Must be one of "
                                   f"{', '.join(VALID_STATUSES)}", status != ""))
            if r.level == MUST and status != "Implemented":
                out.append(Problem(f"Requirement '{r.id}' is MUST level but status is '{status}'. "
                                   "It must be 'Implemented'.", False))
            if status == "N/A" and not item.get("notes"):
                out.append(Problem(f"Notes required for '{r.id}' when status is N/A", True))
            for link in evidence:
                if base_dir is not None and link and not str(link).startswith(("http://", "https://")) \
                        and not (base_dir / str(link)).exists():
                    out.append(Problem(f"Invalid evidence file for '{r.id}': {link} (not found)", True))
    return out
