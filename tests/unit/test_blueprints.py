"""The shipped catalog as data: every blueprint is valid, sourced, consistent, and every profile plans."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from planner.catalog import load_catalog
from planner.catalog_doc import catalog_markdown
from planner.cli import main
from planner.model import Blueprint, Catalog, StackSpec
from planner.resolve import default_kubernetes_version, minor, resolve

ROOT = Path(__file__).resolve().parents[2]
VERSION_NOTE = re.compile(r"^version: `(?P<version>[^`]+)` \((?P<convention>v prefix|no v prefix)[;)]")
# keys whose value would be a credential in plain text (references such as existingSecret/secretKey are fine)
PLAIN_SECRET_KEYS = {"password", "adminpassword", "token", "jwtsecretkey", "encryptionkey", "accesskey",
                     "awsaccesskeyid", "awssecretaccesskey", "aws_access_key_id", "aws_secret_access_key",
                     "secretaccesskey", "connectionstring", "hf_token", "flaskserversecretkey"}


CATALOG = load_catalog(use_cache=False)  # validated from the YAML files, never from the cache


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return CATALOG


def _blueprints() -> list[Blueprint]:
    return sorted(CATALOG.blueprints.values(), key=lambda b: b.id)


def _ids(bps: list[Blueprint]) -> list[str]:
    return [b.id for b in bps]


BLUEPRINTS = _blueprints()


def test_catalog_has_every_component_the_profiles_reference(catalog: Catalog) -> None:
    referenced = set()
    for prof in catalog.profiles.values():
        referenced |= set(prof.components)
        for choice in prof.choices.values():
            for opt in choice.options.values():
                referenced |= set(opt.components)
        referenced |= {s.with_ for s in prof.substitutions}
    assert referenced <= set(catalog.blueprints)
    assert {b.stem for b in (ROOT / "blueprints").glob("*.yaml")} == set(catalog.blueprints)


@pytest.mark.parametrize("bp", BLUEPRINTS, ids=_ids(BLUEPRINTS))
def test_version_matches_the_prefix_convention_in_its_sources(bp: Blueprint) -> None:
    notes = [m for m in (VERSION_NOTE.match(s) for s in bp.sources) if m]
    if bp.source.kind in ("helm", "oci"):
        assert len(notes) == 1, f"{bp.file}: sources need one entry `version: \\`X\\` (v prefix|no v prefix) ...`"
    for note in notes:
        assert note["version"] == bp.version, f"{bp.file}: version {bp.version} but sources say {note['version']}"
        has_v = bp.version.startswith("v")
        assert has_v == (note["convention"] == "v prefix"), f"{bp.file}: {bp.version} vs {note['convention']}"
    if bp.source.kind == "kustomize":
        assert bp.source.ref == bp.version, f"{bp.file}: a kustomize version is its git ref"


@pytest.mark.parametrize("bp", BLUEPRINTS, ids=_ids(BLUEPRINTS))
def test_needs_and_conflicts_resolve_and_conflicts_are_mutual(bp: Blueprint, catalog: Catalog) -> None:
    for ref in (*bp.needs, *bp.conflicts):
        assert ref in catalog.blueprints, f"{bp.file}: `{ref}` is no blueprint"
    for other in bp.conflicts:
        assert bp.id in catalog.blueprints[other].conflicts, f"{other} should also declare the conflict with {bp.id}"


@pytest.mark.parametrize("bp", BLUEPRINTS, ids=_ids(BLUEPRINTS))
def test_default_values_use_only_known_top_level_keys(bp: Blueprint) -> None:
    if bp.source.kind == "kustomize":
        assert not bp.values and not bp.known_values and not bp.rules, "kustomize sources take no values"
        return
    if bp.known_values:
        unknown = set(bp.values) - set(bp.known_values) - {"global"}
        assert not unknown, f"{bp.file}: values keys not in the chart's values.yaml: {sorted(unknown)}"
    else:
        assert any("knownValues" in note for note in (*bp.unconfirmed, *bp.sources)), \
            f"{bp.file}: without knownValues, say why in `unconfirmed` (or cite the empty values.yaml in sources)"


@pytest.mark.parametrize("bp", BLUEPRINTS, ids=_ids(BLUEPRINTS))
def test_mirror_values_point_at_listed_images(bp: Blueprint) -> None:
    for path, upstream in bp.mirror_values.items():
        assert any(img.startswith(upstream) for img in bp.images), \
            f"{bp.file}: mirrorValues {path}={upstream} matches none of the listed images"


@pytest.mark.parametrize("bp", BLUEPRINTS, ids=_ids(BLUEPRINTS))
def test_kubernetes_range_is_ordered(bp: Blueprint) -> None:
    if bp.kube_min and bp.kube_max:
        assert minor(bp.kube_min) <= minor(bp.kube_max)


def _walk(values: object, path: str = "") -> Iterator[tuple[str, object]]:
    if isinstance(values, dict):
        for k, v in values.items():
            yield from _walk(v, f"{path}.{k}" if path else str(k))
    elif isinstance(values, list):
        for i, v in enumerate(values):
            yield from _walk(v, f"{path}[{i}]")
    else:
        yield path, values


@pytest.mark.parametrize("bp", BLUEPRINTS, ids=_ids(BLUEPRINTS))
def test_no_credential_in_plain_text(bp: Blueprint) -> None:
    for path, value in _walk(dict(bp.values)):
        key = re.split(r"[.\[]", path)[-1].lower()
        if key in PLAIN_SECRET_KEYS:
            assert value in (None, ""), f"{bp.file}: {path} holds a credential; reference an existing Secret instead"


def _option_cases(catalog: Catalog) -> list[tuple[str, str, str]]:
    return [(p.name, c.name, o) for p in catalog.profiles.values() for c in p.choices.values() for o in c.options]


OPTION_CASES = _option_cases(CATALOG)


@pytest.mark.parametrize(("profile", "choice", "option"), OPTION_CASES,
                         ids=[f"{p}-{c}={o}" for p, c, o in OPTION_CASES])
def test_every_choice_option_plans_on_the_default_cluster(catalog: Catalog, profile: str, choice: str,
                                                          option: str) -> None:
    plan = resolve(catalog, StackSpec(profile=profile, choices={choice: option}))
    assert plan.kubernetes_version == default_kubernetes_version(catalog)
    wanted = catalog.profiles[profile].choices[choice].options[option].components
    assert set(wanted) <= set(plan.releases)
    for rel in plan.releases.values():
        for need in catalog.blueprints[rel.component].needs:
            assert need in plan.releases, f"{rel.id} needs {need}, missing from the plan"
    range_warnings = [n for n in plan.notes if n.level == "warning" and "documents Kubernetes up to" in n.message]
    assert not range_warnings, "the default cluster version must be inside every documented range"


@pytest.mark.parametrize("profile", sorted(CATALOG.profiles))
def test_every_profile_plans_without_gpus(catalog: Catalog, profile: str) -> None:
    plan = resolve(catalog, StackSpec(profile=profile, cluster={"gpu": {"nodes": 0}}))
    assert "fake-gpu-operator" in plan.releases and "gpu-operator" not in plan.releases


def test_default_kubernetes_version_is_the_lowest_documented_maximum(catalog: Catalog) -> None:
    maxima = sorted(minor(b.kube_max) for b in catalog.blueprints.values() if b.kube_max)
    assert maxima, "at least one blueprint documents a maximum"
    assert default_kubernetes_version(catalog) == f"{maxima[0][0]}.{maxima[0][1]}"


def _tag(ref: str) -> str | None:
    if "@" in ref:
        return ref.split("@", 1)[1]
    last = ref.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else None


def _repo(ref: str) -> str:
    name = ref.split("@", 1)[0]
    head, _, rest = name.rpartition("/")
    name = f"{head}/{rest.split(':', 1)[0]}" if head else rest.split(":", 1)[0]
    first, _, tail = name.partition("/")
    return tail if tail and ("." in first or ":" in first) else name


@pytest.mark.parametrize("profile", sorted(CATALOG.profiles))
def test_images_command_lists_only_pinned_tags_or_flagged_ones(catalog: Catalog, profile: str,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["images", "--profile", profile, "--output", "json"])
    assert exit_info.value.code in (0, None)
    listed = json.loads(capsys.readouterr().out)
    assert listed, "a profile pulls images"
    for entry in listed:
        tag = _tag(entry["image"])
        if tag and tag != "latest" and not tag.startswith("latest-"):
            continue
        flagged = [rid for rid in entry["releases"]
                   if any(_repo(entry["image"]) in u for u in catalog.blueprints[rid].unconfirmed)]
        assert flagged, f"{entry['image']} is not pinned and no blueprint of {entry['releases']} flags it"


def test_docs_catalog_table_is_in_sync_with_the_blueprints(catalog: Catalog) -> None:
    committed = (ROOT / "docs" / "catalog.md").read_text(encoding="utf-8")
    assert committed == catalog_markdown(catalog), \
        "docs/catalog.md is stale: run `python -m planner.catalog_doc > docs/catalog.md`"


def test_the_real_chart_record_covers_every_blueprint_at_its_pinned_version(catalog: Catalog) -> None:
    """docs/verified-charts.json (the last verify-charts run against the real charts, shown in docs/catalog.md)
    has one row per blueprint at the version the blueprint pins: a new component, or a version bump that was not
    verified again, fails here (CONTRIBUTING.md, "Add a component", step 7)."""
    record = json.loads((ROOT / "docs" / "verified-charts.json").read_text(encoding="utf-8"))
    rows = {r["release"]: r for r in record["charts"]}
    missing = sorted(set(catalog.blueprints) - set(rows))
    assert not missing, f"not in docs/verified-charts.json (run verify-charts against the real charts): {missing}"
    stale = {bid: (rows[bid]["version"], bp.version) for bid, bp in catalog.blueprints.items()
             if rows[bid]["version"] != bp.version}
    assert not stale, f"verified at another version than the blueprint pins (record, blueprint): {stale}"
    for row in rows.values():
        assert row["release"] in catalog.blueprints, f"{row['release']}: no such blueprint"
        assert row["result"] in {"holds", "differs", "partly verified", "not verified"}, row
        assert row["result"] == "holds" or row["note"], f"{row['release']}: say what was not verified and why"
