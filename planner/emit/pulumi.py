"""`build(plan)`: the Pulumi resources for a Plan (pulumi-kubernetes). The only module importing pulumi.

Per release: a `helm.v3.Release` named exactly the release id (so Helm's release records are where
check and drift look), pinned version, repo/OCI/local chart, the plan's values; or, for kustomize
releases, two `kustomize.Directory` components over the same manifests — CRDs first, then the rest —
with a transformation that stamps stackplan's labels. `depends_on` is exactly the plan's needs.
Custom resources (queues, models) wait for the releases shipping their CRDs and operators; with
`stackplan:phase: operators` they are left out (two-phase install). See docs/pulumi.md.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from planner.desired.labels import identity_annotations, identity_labels, stamp_in_place
from planner.desired.namespaces import namespace_specs
from planner.desired.objects import CustomObject, plan_objects
from planner.desired.revision import description
from planner.emit.settings import PLAIN_KEYS, SECRET_KEYS, EmitConfig, config_from_values, legacy_workload_namespace
from planner.emit.sources import helm_chart, is_kustomize, kustomize_directory
from planner.emit.wiring import SecretSpec, wiring
from planner.errors import StackplanError
from planner.mirror import rewrite_images_in_place
from planner.model import Plan, Release

HELM_MAX_HISTORY = 10


def config_from_pulumi() -> EmitConfig:
    """Read `stackplan:*` stack config; secrets stay Pulumi secret Outputs (never plain values)."""
    import pulumi

    conf = pulumi.Config("stackplan")
    values = {k: conf.get(k) for k in PLAIN_KEYS}
    secrets = {k: conf.get_secret(k) for k in SECRET_KEYS}
    try:
        return config_from_values(values, secrets)
    except StackplanError as e:  # e.g. half of a credentials pair: a message, not a traceback
        raise pulumi.RunError(e.render()) from None


def custom_objects(plan: Plan, cfg: EmitConfig) -> list[CustomObject]:
    """Every object of the plan beyond its releases (empty in phase `operators`)."""
    return plan_objects(plan) if cfg.with_custom_resources else []


def build(plan: Plan, config: EmitConfig | None = None) -> dict[str, Any]:
    """Create the resources; returns {"namespaces", "releases", "custom_resources", "secrets"} by key."""
    cfg = config if config is not None else config_from_pulumi()
    try:
        warning = legacy_workload_namespace(cfg, plan.workload_namespace)
    except StackplanError as e:
        import pulumi

        raise pulumi.RunError(e.render()) from None
    if warning:
        import pulumi

        pulumi.log.warn(warning)
    return _Builder(plan, cfg).run()


def _set_path(values: dict[str, Any], path: Sequence[str], value: Any) -> None:
    node = values
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value


class _Builder:
    def __init__(self, plan: Plan, cfg: EmitConfig) -> None:
        import pulumi
        import pulumi_kubernetes as k8s

        self.pulumi, self.k8s = pulumi, k8s
        self.plan, self.cfg = plan, cfg
        self.wiring = wiring(plan, cfg)
        self.crs = custom_objects(plan, cfg)
        self.namespaces: dict[str, Any] = {}
        self.releases: dict[str, Any] = {}
        self.deps: dict[str, Any] = {}  # release id -> what dependents put in depends_on
        self.secrets: dict[str, Any] = {}
        self.secrets_in: dict[str, list[Any]] = {}  # namespace -> Secrets and ServiceAccounts there
        self.custom: dict[str, Any] = {}

    def run(self) -> dict[str, Any]:
        extra = [(o.namespace, o.owner) for o in self.crs if o.namespace]
        extra += [(s.namespace, s.owner) for s in self.wiring.secrets]
        for spec in namespace_specs(self.plan, extra):
            self.namespaces[spec.name] = self.k8s.core.v1.Namespace(
                f"ns-{spec.name}",
                metadata={"name": spec.name, "labels": spec.labels, "annotations": spec.annotations},
            )
        for s in self.wiring.secrets:
            self._secret(s)
        for rel in self.plan.ordered():
            if is_kustomize(rel):
                self._kustomize(rel)
            else:
                self._helm(rel)
        for obj in self.crs:
            self._custom(obj)
        return {"namespaces": self.namespaces, "releases": self.releases,
                "custom_resources": self.custom, "secrets": self.secrets}

    # -- dependencies ----------------------------------------------------------------------------
    def _ns_name(self, name: str) -> Any:
        """The namespace as an Output of stackplan's Namespace (so users wait for it), or the plain name of a
        system namespace stackplan never manages."""
        ns = self.namespaces.get(name)
        return ns.metadata["name"] if ns is not None else name

    def _ns_deps(self, name: str) -> list[Any]:
        ns = self.namespaces.get(name)
        return [ns] if ns is not None else []

    def _needs(self, rids: Sequence[str]) -> Any:
        """depends_on for the given releases: Release resources, or a kustomize release's children."""
        items = [self.deps[r] for r in rids]
        if all(isinstance(i, self.pulumi.Resource) for i in items):
            return items
        outs = [self.pulumi.Output.from_input(i) for i in items]
        return self.pulumi.Output.all(*outs).apply(
            lambda xs: [r for x in xs for r in (x if isinstance(x, list) else [x])])

    # -- releases --------------------------------------------------------------------------------
    def _values(self, rel: Release) -> dict[str, Any]:
        values = copy.deepcopy(self.wiring.values_for(rel.id, rel.values))
        for slot in self.wiring.slots:
            if slot.release == rel.id:
                _set_path(values, slot.path, self.cfg.secret(slot.config_key))
        return values

    def _helm(self, rel: Release) -> None:
        k8s = self.k8s
        chart = helm_chart(rel)
        same_ns_secrets = self.secrets_in.get(rel.namespace, [])
        release = k8s.helm.v3.Release(
            rel.id,
            k8s.helm.v3.ReleaseArgs(
                name=rel.id,
                chart=chart.chart,
                version=chart.version,
                repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=chart.repo) if chart.repo else None,
                namespace=self._ns_name(rel.namespace),
                create_namespace=False,
                values=self._values(rel),
                skip_await=False,  # dependents (and custom resources) need the operators ready
                timeout=self.cfg.helm_timeout,
                max_history=HELM_MAX_HISTORY,
                description=description(rel),
            ),
            opts=self.pulumi.ResourceOptions(depends_on=self._with(self._needs(rel.needs), same_ns_secrets)),
        )
        self.releases[rel.id] = release
        self.deps[rel.id] = release

    def _with(self, deps: Any, more: list[Any]) -> Any:
        if not more:
            return deps
        if isinstance(deps, list):
            return [*deps, *more]
        return deps.apply(lambda xs: [*xs, *more])

    def _kustomize(self, rel: Release) -> None:
        k8s, pulumi = self.k8s, self.pulumi
        directory = kustomize_directory(rel)
        managed = set(self.namespaces)
        needs = self._with(self._needs(rel.needs), self._ns_deps(rel.namespace))

        def crds_only(obj: dict[str, Any], opts: Any) -> None:
            if obj.get("kind") != "CustomResourceDefinition":
                _omit(obj)
                return
            stamp_in_place(obj, rel.id, rel.values_digest)
            opts.depends_on = needs

        # resource_prefix keeps child names unique across kustomize releases; components are <id>-crds, <id>-manifests
        crds = k8s.kustomize.Directory("crds", directory=directory, transformations=[crds_only],
                                       resource_prefix=rel.id)
        crd_children = crds.resources.apply(lambda m: list(m.values()))
        after_crds = self._with(self._needs(rel.needs), self._ns_deps(rel.namespace))
        after_crds = pulumi.Output.all(pulumi.Output.from_input(after_crds), crd_children).apply(
            lambda xs: [*xs[0], *xs[1]])

        def rest(obj: dict[str, Any], opts: Any) -> None:
            kind = obj.get("kind")
            name = (obj.get("metadata") or {}).get("name")
            if kind == "CustomResourceDefinition" or (kind == "Namespace" and name in managed):
                _omit(obj)  # CRDs come from the first directory; stackplan owns these namespaces
                return
            rewrite_images_in_place(obj, rel.image_map)  # mirror.images: kustomize manifests take no values
            stamp_in_place(obj, rel.id, rel.values_digest)
            opts.depends_on = after_crds

        main = k8s.kustomize.Directory("manifests", directory=directory, transformations=[rest],
                                       resource_prefix=rel.id, opts=pulumi.ResourceOptions(depends_on=[crds]))
        self.releases[rel.id] = main
        self.deps[rel.id] = pulumi.Output.all(crd_children, main.resources.apply(lambda m: list(m.values()))).apply(
            lambda xs: [*xs[0], *xs[1]])

    # -- secrets and custom resources ------------------------------------------------------------
    def _secret(self, spec: SecretSpec) -> None:
        k8s = self.k8s
        owner = self.plan.releases.get(spec.owner)
        digest = owner.values_digest if owner else ""
        meta = {"name": spec.name, "namespace": self._ns_name(spec.namespace),
                "labels": identity_labels(spec.owner),
                "annotations": {**identity_annotations(digest), **spec.annotations}}
        data = {key: self.cfg.secret(config_key) for key, config_key in spec.entries.items()}
        secret = k8s.core.v1.Secret(spec.key, metadata=meta, type="Opaque", string_data=data)
        self.secrets[spec.key] = secret
        self.secrets_in.setdefault(spec.namespace, []).append(secret)

    def _custom(self, obj: CustomObject) -> None:
        owner = self.plan.releases[obj.owner]
        body = obj.manifest(owner.values_digest)
        meta = dict(body["metadata"])
        deps = self._needs(obj.after)
        if obj.namespace:
            meta["namespace"] = self._ns_name(obj.namespace)
            deps = self._with(deps, self.secrets_in.get(obj.namespace, []))
        if obj.kind == "ServiceAccount":
            sa = self.k8s.core.v1.ServiceAccount(obj.key, metadata=meta, secrets=body.get("secrets"),
                                                 opts=self.pulumi.ResourceOptions(depends_on=deps))
            self.custom[obj.key] = sa
            self.secrets_in.setdefault(obj.namespace or "", []).append(sa)  # InferenceServices run as it
            return
        self.custom[obj.key] = self.k8s.apiextensions.CustomResource(
            obj.key, api_version=body["apiVersion"], kind=body["kind"], metadata=meta, spec=body["spec"],
            opts=self.pulumi.ResourceOptions(depends_on=deps))


def _omit(obj: dict[str, Any]) -> None:
    """Turn a manifest into an empty List, which kustomize.Directory skips (the provider's documented idiom)."""
    obj.clear()
    obj.update({"apiVersion": "v1", "kind": "List", "items": []})
