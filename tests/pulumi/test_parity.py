"""Issue #18 parity: the four readers of a plan want the same cluster.

For every profile x every choice option x {no mirror, chart mirror, kustomize mirror, local chart dir}:
- the Pulumi program (`planner.pulumi.program`, as the generated __main__.py calls it, under Pulumi mocks),
- `stackplan apply --dry-run --output json` (the CLI, plus the objects apply creates: planner.engine.resources),
- the objects `check` expects (planner/checks/declared.py) and the namespaces it reads,
- what `drift` compares (DR001's subject per release, DR009's declared objects),
agree exactly on releases, install methods, chart locations, namespaces and declared objects.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pytest

from planner.catalog import load_catalog
from planner.emit.sources import git_tree_url
from planner.model import Plan, StackSpec
from planner.resolve import resolve
from tests.chart_files import chart_dir, chart_tgz
from tests.cli_helpers import run_cli
from tests.pulumi.harness import Recorder, install_mocks, run
from tests.user_names import components_yaml

MIRRORS = ("none", "charts", "kustomize", "local")
CHART_MIRROR = "oci://registry.example.invalid/charts"


def _cases() -> list[tuple[str, dict[str, str]]]:
    out = []
    for prof in load_catalog().profiles.values():
        out.append((prof.name, {}))
        out += [(prof.name, {cname: opt}) for cname, ch in prof.choices.items() for opt in ch.options
                if opt != ch.default]
    return out


CASES = [(p, c, m) for p, c in _cases() for m in MIRRORS]


@dataclass
class View:
    """One reader's idea of the cluster. `releases`: id -> (method, location, repo, version, namespace);
    None where a reader does not look at that part."""

    releases: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    namespaces: set[str] = field(default_factory=set)
    objects: set[tuple[str, str | None, str]] = field(default_factory=set)


def _stack_text(profile: str, choices: dict[str, str], mirror: str, root: Path) -> str:
    lines = [f"profile: {profile}"]
    if choices:
        lines.append("choices: " + json.dumps(choices))
    named = components_yaml(resolve(load_catalog(), StackSpec(profile=profile, choices=choices)))
    if named:  # buckets only a user can name: nothing installs without them
        lines.append(named.rstrip("\n"))
    if profile != "training-team":  # a serving layer: one hf:// and one s3:// model
        lines += ["models:", "  - {name: qwen, source: 'hf://Qwen/Qwen2.5-0.5B-Instruct', gpusPerReplica: 1}",
                  "  - {name: tri, source: 's3://bucket/tri', gpusPerReplica: 0}"]
    if mirror == "charts":
        lines.append(f"mirror: {{charts: '{CHART_MIRROR}'}}")
    elif mirror == "kustomize":
        lines.append(f"mirror: {{kustomize: '{root / 'mirror'}'}}")
    elif mirror == "local":
        lines.append(f"mirror: {{charts: '{root / 'mirror'}', kustomize: '{root / 'mirror'}'}}")
    return "\n".join(lines) + "\n"


def _fill_mirror(plan: Plan, directory: Path) -> None:
    """Every release's manifests in a local directory, in each layout stackplan accepts: `<chart>-<version>.tgz`,
    `<chart>/`, `<release>/` for charts (in turn), `<release>/kustomization.yaml` for kustomize releases."""
    directory.mkdir(parents=True, exist_ok=True)
    for i, rel in enumerate(plan.ordered()):
        chart = rel.source.chart
        if chart is None:
            (directory / rel.id).mkdir(exist_ok=True)
            (directory / rel.id / "kustomization.yaml").write_text("resources: []\n")
            continue
        layout = "release" if chart != rel.id else ("tgz", "chart")[i % 2]
        if layout == "tgz":
            chart_tgz(directory, chart, rel.version)
        else:
            chart_dir(directory, chart if layout == "chart" else rel.id, chart, rel.version)


def _canonical_kustomize(location: str) -> str:
    """A kustomize target in one form: a local path, or the provider's git tree URL for `url?ref=<ref>`."""
    if location.startswith("/") or "?" not in location:
        return location  # a local path, or already the git tree URL the Pulumi provider fetches
    url, _, query = location.partition("?")
    ref = dict(p.split("=", 1) for p in query.split("&") if "=" in p).get("ref", "")
    return git_tree_url(url, ref)


def pulumi_view(project: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[View, Plan]:
    import pulumi_kubernetes

    import planner.pulumi

    directories: dict[str, str] = {}  # release id -> the `directory` its kustomize.Directory components got
    real = pulumi_kubernetes.kustomize.Directory

    def spy(name: str, directory: str, *a: Any, resource_prefix: str | None = None, **kw: Any) -> Any:
        directories[resource_prefix or name] = directory
        return real(name, directory, *a, resource_prefix=resource_prefix, **kw)

    monkeypatch.setattr(pulumi_kubernetes.kustomize, "Directory", spy)
    pulumi.runtime.set_all_config({})
    _, rec = install_mocks()
    got: dict[str, Plan] = {}
    run(lambda: got.update(plan=planner.pulumi.program(project)))
    view = View()
    for name, reg in rec.releases().items():
        i = reg.inputs
        chart = i["chart"]
        local = chart.startswith("/")
        view.releases[name] = ("helm", chart, (i.get("repositoryOpts") or {}).get("repo"),
                               None if local else i["version"], i["namespace"])
    for reg in rec.of_type("kubernetes:kustomize:Directory"):
        rid = reg.name.removesuffix("-crds").removesuffix("-manifests")
        ns = got["plan"].releases[rid].namespace  # kustomize manifests carry their own namespaces
        view.releases[rid] = ("kustomize", _canonical_kustomize(directories[rid]), None, None, ns)
    view.namespaces = {r.inputs["metadata"]["name"] for r in rec.of_type("kubernetes:core/v1:Namespace")}
    view.objects = _objects(rec)
    return view, got["plan"]


def _objects(rec: Recorder) -> set[tuple[str, str | None, str]]:
    out = set()
    for reg in rec.items:
        i = reg.inputs
        core = reg.type.startswith(("kubernetes:core/", "kubernetes:helm.sh/", "kubernetes:kustomize:"))
        if not core and "kind" in i and "apiVersion" in i and "metadata" in i:  # apiextensions.CustomResource
            out.add((i["kind"], i["metadata"].get("namespace"), i["metadata"]["name"]))
        elif reg.type == "kubernetes:core/v1:ServiceAccount":
            out.add(("ServiceAccount", i["metadata"].get("namespace"), i["metadata"]["name"]))
    return out


def apply_view(capsys: pytest.CaptureFixture[str], *args: str) -> View:
    from planner.commands.options import load_plan
    from planner.engine.resources import objects

    r = run_cli(capsys, "apply", *args, "--dry-run", "--output", "json")
    assert r.code == 0, r.err
    view = View()
    for wave in json.loads(r.out)["waves"]:
        for s in wave:
            if s["kind"] == "helm":
                view.releases[s["release"]] = ("helm", s["chart"], s["repo"], s["version"], s["namespace"])
            else:
                view.releases[s["release"]] = ("kustomize", _canonical_kustomize(s["location"]), None, None,
                                               s["namespace"])
            view.namespaces.add(s["namespace"])
    stack = args[args.index("-f") + 1]
    chart_dir = Path(args[args.index("--chart-dir") + 1]) if "--chart-dir" in args else None
    plan = load_plan(stack, None, chart_dir=chart_dir)
    for o in objects(plan):
        view.objects.add((o.kind, o.namespace, o.name))
        if o.namespace:
            view.namespaces.add(o.namespace)
    return view


def check_view(plan: Plan) -> View:
    from planner.checks.declared import declared
    from planner.checks.view import ClusterView
    from planner.desired.objects import KINDS

    cv = ClusterView(plan, reader=None)  # type: ignore[arg-type]  # nothing is read here
    view = View(namespaces=set(cv.namespaces))
    view.releases = {r.id: (None, None, None, None, r.namespace) for r in cv.releases}
    for kind in KINDS:
        view.objects |= {(kind, ns, name) for ns, name in declared(cv, kind)}
    view.namespaces |= {ns for _, ns, _ in view.objects if ns}
    return view


def drift_view(plan: Plan) -> View:
    from planner.drift.compare import compare
    from planner.drift.customs import planned
    from planner.drift.live import LiveFacts

    view = View()
    for f in compare(plan, LiveFacts()):
        if f.check_id == "DR001":
            method = {"HelmRelease": "helm", "Kustomization": "kustomize"}[f.subject.kind]
            view.releases[f.subject.name] = (method, None, None, None, f.subject.namespace)
            view.namespaces.add(f.subject.namespace or "")
    view.objects = {(o.kind, o.namespace, o.name) for o in planned(plan)}
    return view


def _without(view: set[tuple[str, str | None, str]], kinds: set[str]) -> set[tuple[str, str | None, str]]:
    return {o for o in view if o[0] not in kinds}


def _parts(releases: dict[str, tuple[Any, ...]], keep: tuple[int, ...]) -> dict[str, tuple[Any, ...]]:
    return {rid: tuple(v[i] for i in keep) for rid, v in releases.items()}


@pytest.mark.parametrize(("profile", "choices", "mirror"), CASES,
                         ids=[f"{p}-{'-'.join(c.values()) or 'defaults'}-{m}" for p, c, m in CASES])
def test_program_apply_check_and_drift_want_the_same_cluster(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                              monkeypatch: pytest.MonkeyPatch, profile: str,
                                                              choices: dict[str, str], mirror: str) -> None:
    from planner.resolve import resolve
    from planner.stackfile import load_stack

    stack = tmp_path / "stackplan.yaml"
    stack.write_text(_stack_text(profile, choices, mirror, tmp_path))
    if mirror in ("kustomize", "local"):
        _fill_mirror(resolve(load_catalog(), load_stack(stack), find=None), tmp_path / "mirror")

    program, plan = pulumi_view(tmp_path, monkeypatch)
    applied = apply_view(capsys, "-f", str(stack))
    checked, drifted = check_view(plan), drift_view(plan)

    assert set(program.releases) == set(plan.releases)
    assert program.releases == applied.releases  # method, chart location, repo, version, namespace
    assert _parts(program.releases, (0, 4)) == _parts(drifted.releases, (0, 4))  # method, namespace
    assert _parts(program.releases, (4,)) == _parts(checked.releases, (4,))
    for rid, (method, location, *_) in program.releases.items():
        how = plan.releases[rid].how
        assert method == how.method, rid
        if how.local:
            assert location == how.location and Path(location).exists(), rid  # the chart the plan found
    assert program.namespaces == applied.namespaces - {"kube-system"} == checked.namespaces == drifted.namespaces \
        - {""} | {ns for _, ns, _ in program.objects if ns}
    assert program.objects == applied.objects == checked.objects | _service_accounts(program.objects)
    # drift compares the custom resources it can list (not ResourceFlavors: HC020 reports those)
    assert drifted.objects == _without(program.objects, {"ResourceFlavor", "ServiceAccount"})

    if mirror == "local":  # `apply --chart-dir DIR` on the stack without a mirror takes the same charts
        bare = tmp_path / "bare.yaml"
        bare.write_text(_stack_text(profile, choices, "none", tmp_path))
        assert apply_view(capsys, "-f", str(bare), "--chart-dir", str(tmp_path / "mirror")).releases \
            == program.releases


def _service_accounts(objs: set[tuple[str, str | None, str]]) -> set[tuple[str, str | None, str]]:
    """check does not look for the models' ServiceAccount (a missing one shows as a failing InferenceService)."""
    return {o for o in objs if o[0] == "ServiceAccount"}
