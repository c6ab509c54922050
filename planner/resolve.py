"""Pure: a profile, the user's stack and the catalog -> an immutable Plan.

Value precedence, lowest first: blueprint defaults < profile values < the chosen options' values
< knob rules from cluster facts < the stack file's component values < --set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from planner.desired.objects import model_values
from planner.errors import InputError, Location, MultipleErrors, PlanError, StackplanError, closest
from planner.install import ChartFinder, find_local_chart, install_for, is_kustomize_source
from planner.mirror import fetch_warning, mirror_image, mirror_source, runtime_fetches
from planner.model import (
    DEFAULT_WORKLOAD_NAMESPACE,
    JSON,
    Blueprint,
    Catalog,
    Model,
    Note,
    Plan,
    Profile,
    Release,
    StackSpec,
    Workload,
)
from planner.prerequisites import for_plan as plan_prerequisites
from planner.secrets import refuse_plain_credentials, stack_extras
from planner.values import NullOverMapping, get_path, merge, nested, split_path
from planner.values import digest as values_digest

DEFAULT_FLAVOR = "onprem"
DEFAULT_GPU = {"nodes": 1, "perNode": 1, "driversPreinstalled": False, "toolkitPreinstalled": False}


def minor(version: str) -> tuple[int, int]:
    """"v1.35.2" -> (1, 35)."""
    parts = version.lstrip("v").split(".")
    return int(parts[0]), int(parts[1])


def default_kubernetes_version(catalog: Catalog) -> str:
    """The newest minor that every component of the catalog supports (the lowest documented maximum)."""
    maxima = [minor(b.kube_max) for b in catalog.blueprints.values() if b.kube_max]
    mj, mn = min(maxima) if maxima else (1, 35)
    return f"{mj}.{mn}"


def default_cluster(catalog: Catalog) -> dict[str, JSON]:
    """The cluster assumed without a stack file (documented in README, "Default cluster")."""
    return {
        "kubernetesVersion": default_kubernetes_version(catalog),
        "flavor": DEFAULT_FLAVOR,
        "storageClass": None,
        "gpu": dict(DEFAULT_GPU),
    }


def matches(fact: JSON, condition: JSON) -> bool:
    """One `when` condition: a plain value means equality; `{in: [...]}`, `{notIn: [...]}`, `{not: v}` and
    `{isSet: true|false}` (the fact is given and not null) are the other forms."""
    if isinstance(condition, Mapping) and len(condition) == 1:
        (op, arg), = condition.items()
        if op == "in":
            return fact in arg
        if op == "notIn":
            return fact not in arg
        if op == "not":
            return fact != arg
        if op == "isSet":
            return (fact is not None) == bool(arg)
    return fact == condition


def json_text(value: JSON) -> str:
    import json

    return json.dumps(value, sort_keys=True)


def _suggest(name: str, options: Sequence[str]) -> str:
    close = closest(name, options)
    known = ", ".join(sorted(options))
    return f"did you mean `{close}`? known: {known}" if close else f"known: {known}"


class _Resolver:
    def __init__(self, catalog: Catalog, stack: StackSpec, sets: Sequence[tuple[str, str, Any]],
                 strict: bool, local_dir: str | None = None, find: ChartFinder | None = find_local_chart) -> None:
        self.local_dir = local_dir
        self.find = find
        self.catalog = catalog
        self.stack = stack
        self.sets = sets
        self.strict = strict or stack.strict
        self.notes: list[Note] = []
        self.errors: list[StackplanError] = []
        self.added: dict[str, dict[str, str]] = {}  # component -> {need: why} that resolve adds to the blueprint's

    # -- locations -------------------------------------------------------------------------------
    def loc(self, ptr: str, value: bool = False) -> Location | None:
        return self.stack.origin.locate(ptr, value=value) if self.stack.origin else None

    def fail(self, message: str, ptr: str | None = None, hint: str | None = None, *, flag: str | None = None,
             cls: type[StackplanError] = PlanError, value: bool = False) -> None:
        where = self.loc(ptr, value) if ptr is not None else None
        if flag and where is None:
            message = f"{flag}: {message}"
        self.errors.append(cls(message, hint=hint, location=where))

    def raise_errors(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise MultipleErrors(self.errors)

    # -- steps ------------------------------------------------------------------------------------
    def profile(self) -> Profile:
        name = self.stack.profile
        prof = self.catalog.profiles.get(name)
        if prof is None:
            where = self.loc("/profile", value=True)
            raise PlanError(f"unknown profile `{name}`", hint=_suggest(name, list(self.catalog.profiles)),
                            location=where)
        return prof

    def cluster(self) -> dict[str, JSON]:
        base = default_cluster(self.catalog)
        given = dict(self.stack.cluster)
        gpu = {**base["gpu"], **(given.pop("gpu", None) or {})}
        out = {**base, **given, "gpu": gpu}
        out["kubernetesVersion"] = str(out["kubernetesVersion"]).lstrip("v")
        return out

    def choices(self, prof: Profile) -> dict[str, str]:
        chosen: dict[str, str] = {}
        for name, value in self.stack.choices.items():
            if name not in prof.choices:
                self.fail(f"profile `{prof.name}` has no choice `{name}`", f"/choices/{name}",
                          _suggest(name, list(prof.choices)) if prof.choices else "this profile has no choices")
                continue
            if value not in prof.choices[name].options:
                self.fail(f"`{value}` is not an option of choice `{name}`", f"/choices/{name}",
                          _suggest(value, list(prof.choices[name].options)), value=True)
                continue
            chosen[name] = value
        for name, choice in prof.choices.items():
            chosen.setdefault(name, choice.default)
        return dict(sorted(chosen.items()))

    @staticmethod
    def facts(cluster: Mapping[str, JSON], choices: Mapping[str, str], members: set[str]) -> dict[str, JSON]:
        gpu = cluster.get("gpu") or {}
        facts: dict[str, JSON] = {
            "cluster.kubernetesVersion": cluster.get("kubernetesVersion"),
            "cluster.flavor": cluster.get("flavor"),
            "cluster.storageClass": cluster.get("storageClass"),
            "cluster.gpu.present": int(gpu.get("nodes", 0) or 0) > 0,
        }
        for key, value in gpu.items():
            facts[f"cluster.gpu.{key}"] = value
        for key, value in choices.items():
            facts[f"choices.{key}"] = value
        for cid in members:
            facts[f"components.{cid}"] = True
        return facts

    @staticmethod
    def holds(when: Mapping[str, JSON], facts: Mapping[str, JSON]) -> bool:
        return all(matches(facts.get(k, False if k.startswith("components.") else None), v) for k, v in when.items())

    def members(self, prof: Profile, choices: Mapping[str, str], facts: Mapping[str, JSON]) -> dict[str, str]:
        """Component id -> why it is in the plan."""
        reasons: dict[str, str] = {}
        for cid in prof.components:
            reasons[cid] = f"profile {prof.name}"
        for cname, oname in choices.items():
            for cid in prof.choices[cname].options[oname].components:
                reasons.setdefault(cid, f"choice {cname}={oname}")
        for sub in prof.substitutions:
            if sub.replace in reasons and self.holds(sub.when, facts):
                reasons[sub.with_] = f"instead of {sub.replace}: {sub.note}"
                del reasons[sub.replace]
                self.notes.append(Note("info", f"{sub.with_} replaces {sub.replace}: {sub.note}", sub.with_))
        disabled: set[str] = set()
        for cid, override in self.stack.components.items():
            if cid not in self.catalog.blueprints:
                self.fail(f"unknown component `{cid}`", f"/components/{cid}",
                          _suggest(cid, list(self.catalog.blueprints)))
                continue
            if override.enabled is True and cid not in reasons:
                reasons[cid] = "enabled in the stack file"
            elif override.enabled is False:
                disabled.add(cid)
                reasons.pop(cid, None)
        # needs, transitively, in a stable order
        queue = sorted(reasons)
        while queue:
            cid = queue.pop(0)
            for need in self.catalog.blueprints[cid].needs:
                if need in disabled:
                    self.fail(f"`{cid}` needs `{need}`, which the stack file disables",
                              f"/components/{need}/enabled",
                              f"enable `{need}` again, or disable `{cid}` as well")
                    continue
                if need not in reasons:
                    reasons[need] = f"needed by {cid}"
                    self.notes.append(Note("info", f"added: needed by {cid}", need))
                    queue.append(need)
        return dict(sorted(reasons.items()))

    def conflicts(self, members: Mapping[str, str]) -> None:
        seen: set[frozenset[str]] = set()
        for cid in members:
            for other in self.catalog.blueprints[cid].conflicts:
                pair = frozenset((cid, other))
                if other in members and pair not in seen:
                    seen.add(pair)
                    a, b = sorted(pair)
                    ptr = f"/components/{b}" if b in self.stack.components else (
                        f"/components/{a}" if a in self.stack.components else "/choices")
                    self.fail(f"`{a}` ({members[a]}) conflicts with `{b}` ({members[b]})", ptr,
                              f"disable one of them in the stack file (components: {b}: enabled: false)")

    def kube_range(self, members: Mapping[str, str], version: str) -> None:
        try:
            have = minor(version)
        except (ValueError, IndexError):
            self.fail(f"cluster.kubernetesVersion `{version}` is not a version like 1.35",
                      "/cluster/kubernetesVersion", cls=InputError)
            return
        for cid in members:
            bp = self.catalog.blueprints[cid]
            if bp.kube_min and have < minor(bp.kube_min):
                self.fail(f"`{cid}` {bp.version} needs Kubernetes >= {bp.kube_min}, the cluster is {version}",
                          "/cluster/kubernetesVersion",
                          f"upgrade the cluster, or disable `{cid}` (components: {cid}: enabled: false)")
            elif bp.kube_max and have > minor(bp.kube_max):
                msg = (f"`{cid}` {bp.version} documents Kubernetes up to {bp.kube_max}; the cluster is {version}. "
                       "Upstream ranges often lag releases.")
                if self.strict:
                    self.fail(msg, "/cluster/kubernetesVersion", "drop --strict to accept it as a warning")
                else:
                    self.notes.append(Note("warning", msg, cid))

    def check_keys(self, bp: Blueprint, values: Mapping[str, JSON], ptr: str | None, flag: str | None) -> bool:
        if not bp.known_values:
            return True
        allowed = set(bp.known_values) | set(bp.values) | {"global"}  # Helm passes `global` to every chart
        ok = True
        for key in values:
            if key not in allowed:
                where = f"{ptr}/{key}" if ptr is not None else None
                self.fail(f"`{bp.id}` has no value `{key}`", where, _suggest(key, sorted(allowed)),
                          flag=flag, cls=InputError)
                ok = False
        return ok

    def values(self, prof: Profile, choices: Mapping[str, str], bp: Blueprint,
               facts: Mapping[str, JSON]) -> dict[str, JSON]:
        layers: list[tuple[Mapping[str, JSON], str, str | None]] = [(bp.values, bp.file, None)]
        if bp.id in prof.values:
            layers.append((prof.values[bp.id], prof.file, None))
        for cname, oname in choices.items():
            opt_values = prof.choices[cname].options[oname].values
            if bp.id in opt_values:
                layers.append((opt_values[bp.id], prof.file, None))
        for rule in bp.rules:
            if self.holds(rule.when, facts):
                patch: dict[str, JSON] = {}
                for path, value in rule.set.items():
                    if isinstance(value, Mapping) and set(value) == {"fact"}:
                        value = facts.get(str(value["fact"]))
                    patch = merge(patch, nested(path, value))
                layers.append((patch, bp.file, None))
                if rule.note:
                    self.notes.append(Note("info", rule.note, bp.id))
        override = self.stack.components.get(bp.id)
        if override and override.values:
            ptr = f"/components/{bp.id}/values"
            if self.check_keys(bp, override.values, ptr, None):
                layers.append((override.values, "stack", ptr))
        for cid, path, value in self.sets:
            if cid == bp.id:
                flag = f"--set {cid}.{path}"
                patch = nested(path, value)
                if self.check_keys(bp, patch, None, flag):
                    layers.append((patch, flag, None))
        out: dict[str, JSON] = {}
        for layer, origin, ptr in layers:
            refuse_plain_credentials(layer, origin, ptr, self.fail, bp.id)  # in the user's values (stack, --set)
            try:
                out = merge(out, layer)
            except NullOverMapping as e:
                where = f"{ptr}/{e.path.replace('.', '/')}" if ptr else None
                self.fail(f"`{bp.id}`: `{e.path}: null` would wipe a whole section of defaults",
                          where, "to turn it off set `enabled: false` inside it; to replace it give the new mapping",
                          flag=origin if origin.startswith("--set") else None, cls=InputError)
        return out

    def check_models(self, members: Mapping[str, str]) -> None:
        """Every model has a unique name and an engine some component of the plan serves."""
        servers = {cid: set(self.catalog.blueprints[cid].serves) for cid in members
                   if self.catalog.blueprints[cid].serves}
        seen: set[str] = set()
        for i, model in enumerate(self.stack.models):
            if model.name in seen:
                self.fail(f"model name `{model.name}` is used twice", f"/models/{i}/name",
                          "model names become object names; give each model its own", cls=InputError, value=True)
            seen.add(model.name)
            if not servers:
                self.fail(f"model `{model.name}`: no component of this plan serves models", f"/models/{i}",
                          "choose a serving layer (profile llm-inference or full-mlops), or enable one of: "
                          + ", ".join(sorted(b.id for b in self.catalog.blueprints.values() if b.serves)))
            elif not any(model.engine in engines for engines in servers.values()):
                offer = "; ".join(f"{cid}: {', '.join(sorted(e))}" for cid, e in sorted(servers.items()))
                self.fail(f"model `{model.name}`: engine `{model.engine}` is not served by this plan ({offer})",
                          f"/models/{i}/engine", "pick an engine the serving layer runs, or change the serving choice",
                          value=True)

    def check_sets(self, members: Mapping[str, str]) -> None:
        for cid, path, _ in self.sets:
            if cid not in self.catalog.blueprints:
                self.fail(f"unknown component `{cid}`", None, _suggest(cid, list(self.catalog.blueprints)),
                          flag=f"--set {cid}.{path}", cls=InputError)
            elif cid not in members:
                self.fail(f"component `{cid}` is not in this plan", None,
                          f"enable it in the stack file (components: {cid}: enabled: true)",
                          flag=f"--set {cid}.{path}", cls=InputError)

    def needs(self, cid: str, members: Mapping[str, str]) -> set[str]:
        """The component's needs in this plan: its blueprint's and those resolve added (`self.added`)."""
        return {n for n in self.catalog.blueprints[cid].needs if n in members} | set(self.added.get(cid, {}))

    def ancestors(self, cid: str, members: Mapping[str, str]) -> set[str]:
        seen: set[str] = set()
        todo = [cid]
        while todo:
            for n in self.needs(todo.pop(), members):
                if n not in seen:
                    seen.add(n)
                    todo.append(n)
        return seen

    def add_need(self, cid: str, need: str, why: str, source: str) -> None:
        """Record a need resolve adds: the plan JSON keeps why with its source (`needReasons`), `plan` shows why."""
        self.added.setdefault(cid, {})[need] = f"{why} ({source.split(' (')[0]})"
        self.notes.append(Note("info", f"needs {need}: {why}", cid))

    def rendered_kinds(self, members: Mapping[str, str], values: Mapping[str, Mapping[str, JSON]]) -> None:
        """A release whose values make it render a kind of another component's CRD needs that component; with no
        such component in the plan, the values are refused (catalog facts: blueprints' `renders`)."""
        for cid in members:
            bp = self.catalog.blueprints[cid]
            for r in bp.renders:
                if r.crd in bp.crds or not all(matches(get_path(values[cid], p), c) for p, c in r.when.items()):
                    continue
                said = ", ".join(f"{p}={json_text(get_path(values[cid], p))}" for p in r.when)
                providers = sorted(p for p in members if p != cid and r.crd in self.catalog.blueprints[p].crds)
                for p in providers:
                    self.add_need(cid, p, f"its values ({said}) render a {r.kind}, whose CRD {r.crd} {p} installs",
                                  r.source)
                if providers:
                    continue
                known = sorted(b.id for b in self.catalog.blueprints.values() if r.crd in b.crds)
                override = self.stack.components.get(cid)
                given = [p for p in r.when if override and get_path(override.values, p) is not None]
                first = given[0] if given else list(r.when)[-1]
                self.fail(f"`{cid}`: its values ({said}) render a {r.kind}, but no component of this plan installs "
                          f"its CRD {r.crd}", f"/components/{cid}/values/{first.replace('.', '/')}" if given else None,
                          (f"enable {' or '.join(known)} (components: {known[0]}: enabled: true), or " if known
                           else "") + f"set {first}: false ({r.source})", value=bool(given))

    def admission_gates(self, members: Mapping[str, str], values: Mapping[str, Mapping[str, JSON]]) -> None:
        """A release whose admission webhooks (failurePolicy Fail) intercept objects other releases create must be
        installed and ready before them: each such release needs it (catalog facts: blueprints' `admission`)."""
        for gid in members:
            gbp = self.catalog.blueprints[gid]
            for gate in gbp.admission:
                if not all(matches(get_path(values[gid], p), c) for p, c in gate.when.items()):
                    continue
                excluded = {gbp.namespace if ns == "$namespace" else ns for ns in gate.exclude}
                for cid in members:
                    if cid == gid or cid in self.ancestors(gid, members):
                        continue  # installed before it anyway (a need back would be a cycle)
                    bp = self.catalog.blueprints[cid]
                    kinds = sorted({w.kind for w in bp.workloads if w.kind in gate.kinds
                                    and (w.namespace or bp.namespace) not in excluded})
                    if kinds:
                        hooks = gate.webhooks[0] + (f" and {len(gate.webhooks) - 1} more" if len(gate.webhooks) > 1
                                                    else "")
                        self.add_need(cid, gid, f"{gid}'s admission webhooks ({hooks}, failurePolicy Fail) refuse the "
                                                f"{'/'.join(kinds)} objects it creates until {gid} is ready",
                                      gate.source)

    def waves(self, members: Mapping[str, str]) -> tuple[tuple[str, ...], ...]:
        level: dict[str, int] = {}

        def depth(cid: str) -> int:
            if cid not in level:
                needs = self.needs(cid, members)
                level[cid] = 1 + max((depth(n) for n in needs), default=-1)
            return level[cid]

        for cid in members:
            depth(cid)
        count = max(level.values(), default=-1) + 1
        return tuple(tuple(sorted(c for c, lv in level.items() if lv == i)) for i in range(count))

    def release(self, bp: Blueprint, reason: str, values: dict[str, JSON],
                members: Mapping[str, str]) -> Release:
        mirror = self.stack.mirror
        source = bp.source
        workloads, images = enabled_by_values(bp, values, model_engines(self.stack.models))
        image_map: dict[str, str] = {}
        if mirror and mirror.images and is_kustomize_source(bp.source):  # no values: rewrite the manifests
            image_map = {i: mirror_image(i, mirror.images) for i in images}
        if mirror:
            source, note = mirror_source(bp, mirror)
            if note:
                self.notes.append(Note("warning", note, bp.id))
            self.notes += [Note("warning", fetch_warning(bp.id, f), bp.id) for f in runtime_fetches(bp, values)]
            if mirror.images:
                images = tuple(mirror_image(i, mirror.images) for i in images)
                for path, upstream in sorted(bp.mirror_values.items()):
                    current = get_path(values, path, upstream)
                    values = merge(values, nested(path, mirror_image(str(current), mirror.images)))
        from_models = model_values(bp.id, images, self.stack.models)  # e.g. vllm-stack modelSpec
        if from_models and get_path(values, "servingEngineSpec.modelSpec"):
            self.notes.append(Note("warning", "the stack file's values set servingEngineSpec.modelSpec; "
                                   "`models:` adds nothing to it", bp.id))
        elif from_models:
            values = merge(values, from_models)
        return Release(
            id=bp.id,
            component=bp.id,
            layer=bp.layer,
            source=source,
            version=bp.version,
            namespace=bp.namespace,
            needs=tuple(sorted(self.needs(bp.id, members))),
            need_reasons=dict(self.added.get(bp.id, {})),
            values=values,
            values_digest=values_digest(release_identity(bp, values, image_map)),
            namespace_labels=dict(bp.namespace_labels),
            crds=bp.crds,
            crd_versions=bp.crd_versions,
            workloads=workloads,
            webhooks=enabled_webhooks(bp, values),
            images=images,
            reason=reason,
            install=install_for(bp.id, source, bp.version, local_dir=self.local_dir, find=self.find),
            image_map=image_map,
        )

    def run(self) -> Plan:
        prof = self.profile()
        cluster = self.cluster()
        choices = self.choices(prof)
        self.raise_errors()
        members = self.members(prof, choices, self.facts(cluster, choices, set()))
        self.check_sets(members)
        self.conflicts(members)
        self.kube_range(members, str(cluster["kubernetesVersion"]))
        self.raise_errors()
        facts = self.facts(cluster, choices, set(members))
        values = {cid: self.values(prof, choices, self.catalog.blueprints[cid], facts) for cid in members}
        refuse_plain_credentials(stack_extras(self.stack), "stack", "", self.fail)  # models' args, sources, mirror
        self.raise_errors()
        self.rendered_kinds(members, values)
        self.admission_gates(members, values)
        self.raise_errors()
        releases = {cid: self.release(self.catalog.blueprints[cid], why, values[cid], members)
                    for cid, why in members.items()}
        self.check_models(members)
        self.raise_errors()
        for model in self.stack.models:
            if model.gpus_per_replica > int(cluster["gpu"].get("perNode", 1) or 1) and cluster["gpu"].get("nodes"):
                self.notes.append(Note("warning", f"model `{model.name}` asks {model.gpus_per_replica} GPUs per "
                                       f"replica, more than one node has ({cluster['gpu'].get('perNode')}); "
                                       "it needs multi-node serving (LeaderWorkerSet)"))
        notes = tuple(sorted(set(self.notes), key=lambda n: (n.level != "warning", n.release or "", n.message)))
        workload_namespace = self.stack.workload_namespace or DEFAULT_WORKLOAD_NAMESPACE
        waves = self.waves(members)
        return Plan(
            profile=prof.name,
            kubernetes_version=str(cluster["kubernetesVersion"]),
            cluster=cluster,
            choices=choices,
            waves=waves,
            releases=releases,
            models=self.stack.models,
            mirror=self.stack.mirror,
            notes=notes,
            workload_namespace=workload_namespace,
            prerequisites=plan_prerequisites([releases[rid] for wave in waves for rid in wave], self.catalog,
                                             {**facts, "workloadNamespace": workload_namespace},
                                             [m.source for m in self.stack.models], self.holds),
        )


def _enabled(values: Mapping[str, JSON], path: str | None, engines: frozenset[str] = frozenset()) -> bool:
    """`enabledBy`: a dotted value path that must be true, or `models:<engine>` (the plan serves such a model)."""
    if path is None:
        return True
    if path.startswith("models:"):
        return path.removeprefix("models:") in engines
    return get_path(values, path, True) not in (False, "false", None)


def enabled_by_values(bp: Blueprint, values: Mapping[str, JSON], engines: frozenset[str] = frozenset(),
                      ) -> tuple[tuple[Workload, ...], tuple[str, ...]]:
    """The blueprint's workloads and images that the release's values (and the plan's model engines) switch on."""
    workloads = tuple(w for w in bp.workloads if _enabled(values, w.enabled_by, engines))
    images = tuple(i for i in bp.images if _enabled(values, bp.image_conditions.get(i), engines))
    return workloads, images


def model_engines(models: Sequence[Model]) -> frozenset[str]:
    return frozenset(m.engine for m in models)


def enabled_webhooks(bp: Blueprint, values: Mapping[str, JSON]) -> tuple[str, ...]:
    return tuple(w for w in bp.webhooks if _enabled(values, bp.webhook_conditions.get(w)))


def resolve(catalog: Catalog, stack: StackSpec, sets: Sequence[tuple[str, str, Any]] = (),
            *, strict: bool = False, local_dir: str | None = None,
            find: ChartFinder | None = find_local_chart) -> Plan:
    """Resolve a stack into a Plan, or raise PlanError/InputError (all problems at once where possible).

    `local_dir` (`apply --chart-dir`): every release comes from that directory. `find` looks a chart up in a
    local directory (`planner.install.find_local_chart`, the only filesystem read; None: never read).
    """
    for _, path, _ in sets:
        split_path(path)
    return _Resolver(catalog, stack, sets, strict, local_dir, find).run()


def release_identity(bp: Blueprint, values: Mapping[str, JSON], image_map: Mapping[str, str]) -> JSON:
    """What a release's digest (`Release.values_digest`, stamped on what it installs) covers: a chart's values;
    for a kustomize release, which takes none, what decides its manifests — its version and image rewrites — so a
    new pin or mirror shows as drift (DR003) and as an upgrade step. Not its location: a mirror folder's path
    differs between machines."""
    if is_kustomize_source(bp.source):
        return {"kustomize": {"version": bp.version, "imageMap": dict(image_map)}}
    return dict(values)
