"""What a rendered chart contains: workloads, CRDs (versions, schemas), webhooks and every image it references.

Pure: takes the parsed documents `helm template` printed. Images are found wherever a chart puts them:
pod specs (`image:`), operator custom resources (`repository` + `image` + `version`, `registry` +
`repository` + `tag`, or an `image:` mapping of `repository` + `tag`), ConfigMap data (JSON/YAML inside
strings is parsed), env var values and args (`--image=…`), and keys such as KubeAI's `imageName`-keyed image
maps.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

WORKLOAD_KINDS = ("Deployment", "DaemonSet", "StatefulSet", "Job")
WEBHOOK_KINDS = ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration")
HOOK_ANNOTATION = "helm.sh/hook"

# registry/path:tag or @digest, with at least one slash (a bare `foo:bar` is too ambiguous in free text)
_IMAGE_IN_TEXT = re.compile(
    r"(?<![\w./:-])((?:[a-z0-9][a-z0-9.-]*(?::\d+)?/)?[a-z0-9][a-z0-9._-]*(?:/[a-z0-9][a-z0-9._-]*)+"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64}))(?![\w/])")
_IMAGE_REF = re.compile(
    r"^(?:[a-z0-9][a-z0-9.-]*(?::\d+)?/)?[a-z0-9][a-z0-9._-]*(?:/[a-z0-9][a-z0-9._-]*)*"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$")
_IMAGE_KEYS = {"image", "imagename", "containerimage", "img"}


@dataclass(frozen=True)
class ImageRef:
    """One image reference and where the manifest holds it (`ConfigMap/kubeai-config data.models.yaml …`)."""

    image: str
    where: str
    in_pod_spec: bool = False  # a container's `image:` field (helm --set of the image values rewrites these)


@dataclass(frozen=True)
class CrdFacts:
    name: str
    served: tuple[str, ...]
    storage: str | None
    schemas: Mapping[str, Any] = field(default_factory=dict)  # version -> openAPIV3Schema
    kind: str = ""
    group: str = ""
    scope: str = "Namespaced"


@dataclass(frozen=True)
class Rendered:
    """The facts of one release's rendered manifests."""

    workloads: tuple[tuple[str, str, str | None, bool, int | None], ...]  # kind, name, namespace, is_hook, replicas
    crds: Mapping[str, CrdFacts]
    webhooks: tuple[str, ...]  # Validating/MutatingWebhookConfiguration names
    images: tuple[ImageRef, ...]
    objects: tuple[tuple[str, str, str | None], ...]  # kind, name, namespace of every object
    fetches: tuple[tuple[str, str], ...] = ()  # (Kind/name, command) of containers that fetch at run time

    def image_names(self) -> tuple[str, ...]:
        return tuple(sorted({i.image for i in self.images}))

    def workload(self, kind: str, name: str) -> tuple[str, str, str | None, bool, int | None] | None:
        return next((w for w in self.workloads if w[0] == kind and w[1] == name), None)


def docs_of(stream: Iterable[Any]) -> list[dict[str, Any]]:
    """The non-empty mapping documents, with `List` kinds flattened."""
    out: list[dict[str, Any]] = []
    for d in stream:
        if not isinstance(d, dict) or not d:
            continue
        if d.get("kind") == "List" and isinstance(d.get("items"), list):
            out.extend(i for i in d["items"] if isinstance(i, dict))
        else:
            out.append(d)
    return out


def _meta(doc: Mapping[str, Any]) -> Mapping[str, Any]:
    m = doc.get("metadata")
    return m if isinstance(m, dict) else {}


def looks_like_image(value: str) -> bool:
    v = value.strip()
    if not v or " " in v or len(v) > 255 or not _IMAGE_REF.match(v):
        return False
    return "/" in v or ":" in v


def _join_image(node: Mapping[str, Any]) -> str | None:
    """An operator CR's split image fields: {repository, image, version} or {registry, repository, tag}."""
    image, default_version = node.get("image"), node.get("defaultImageVersion")
    if isinstance(image, str) and isinstance(default_version, str) and default_version and ":" not in image:
        return f"{image}:{default_version}"  # KServe's explainer/runtime entries in inferenceservice-config
    repo = node.get("repository")
    version = node.get("version") or node.get("tag")
    if isinstance(repo, str) and isinstance(image, str) and image and "/" not in image and ":" not in image:
        ref = f"{repo.rstrip('/')}/{image}" if repo else image
        if isinstance(version, str) and version:
            ref += ("@" if version.startswith("sha256:") else ":") + version
        return ref
    registry = node.get("registry")
    if isinstance(registry, str) and registry and isinstance(repo, str) and repo and isinstance(version, str):
        return f"{registry.rstrip('/')}/{repo}:{version}"
    return None


def _split_image(node: Mapping[str, Any]) -> str | None:
    """`image: {repository: ghcr.io/x/y, tag: v1}` in an operator CR (NGINX Gateway Fabric's NginxProxy)."""
    repo, tag = node.get("repository"), node.get("tag")
    if isinstance(repo, str) and "/" in repo and isinstance(tag, str | int | float) and str(tag) \
            and "image" not in node and "registry" not in node:
        ref = f"{repo}:{tag}"
        return ref if looks_like_image(ref) else None
    return None


def _parse_embedded(text: str) -> Any:
    t = text.strip()
    if not t or (t[0] not in "{[" and ":" not in t):
        return None
    if t[0] in "{[":
        try:
            return json.loads(t)
        except ValueError:
            pass
    try:
        from ruamel.yaml import YAML

        data = YAML(typ="safe").load(t)
    except Exception:
        return None
    return data if isinstance(data, dict | list) else None


def _image_key(key: str) -> bool:
    """`image`, `imageName`, … and any key ending in `image` (KFP's pipeline-install-config `cacheImage`, an
    untagged `ghcr.io/containerd/busybox` that free-text matching, which needs a tag, would miss)."""
    k = key.lower()
    return k in _IMAGE_KEYS or k.endswith("image")


def _env_image(node: Mapping[str, Any]) -> str | None:
    """An env var `{name: …_IMAGE, value: <image>}` (an untagged image in a value is found by its name only)."""
    name, value = node.get("name"), node.get("value")
    if isinstance(name, str) and name.upper().endswith("IMAGE") and isinstance(value, str) and looks_like_image(value):
        return value.strip()
    return None


def _walk(node: Any, where: str, *, pod_keys: bool, depth: int = 0) -> Iterator[ImageRef]:
    if depth > 40:
        return
    if isinstance(node, dict):
        if node.get("enabled") is False:
            return  # a switched-off operand of an operator CR (ClusterPolicy driver.enabled=false) pulls nothing
        joined = _join_image(node)
        if joined:
            yield ImageRef(joined, where)
        env = _env_image(node)
        if env:
            yield ImageRef(env, f"{where}.value")
        for k, v in node.items():
            key = str(k)
            sub = f"{where}.{key}"
            if env and key == "value":
                continue
            if isinstance(v, str):
                if _image_key(key) and looks_like_image(v) and not joined:
                    yield ImageRef(v.strip(), sub, in_pod_spec=pod_keys and key == "image")
                    continue
                if key.lower() in ("images",) and looks_like_image(v):
                    yield ImageRef(v.strip(), sub)
                    continue
                yield from _in_text(v, sub, depth)
            elif isinstance(v, dict) and key.lower() == "image" and (split := _split_image(v)):
                yield ImageRef(split, sub)  # a CR's Helm-style {repository, tag} image
            elif isinstance(v, dict) and key.lower() in ("images",):
                for name, ref in v.items():
                    if isinstance(ref, str) and looks_like_image(ref):
                        yield ImageRef(ref.strip(), f"{sub}.{name}")
                    else:
                        yield from _walk(ref, f"{sub}.{name}", pod_keys=pod_keys, depth=depth + 1)
            else:
                yield from _walk(v, sub, pod_keys=pod_keys, depth=depth + 1)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            if isinstance(v, str):
                yield from _in_text(v, f"{where}[{i}]", depth)
            else:
                yield from _walk(v, f"{where}[{i}]", pod_keys=pod_keys, depth=depth + 1)


def _in_text(text: str, where: str, depth: int) -> Iterator[ImageRef]:
    """Images inside a string: embedded JSON/YAML (ConfigMap data), `--flag=image`, or a bare reference."""
    if "\n" in text or text.lstrip()[:1] in ("{", "["):
        parsed = _parse_embedded(text)
        if parsed is not None:
            yield from _walk(parsed, where, pod_keys=False, depth=depth + 1)
            return
    for m in _IMAGE_IN_TEXT.finditer(text):
        ref = m.group(1)
        if "://" in text[max(0, m.start() - 3):m.start() + 1] or ref.rsplit("/", 1)[-1].count(":") > 1:
            continue
        if re.search(r"\.(ya?ml|json|py|sh|txt|html|crt|pem|key)(:|$)", ref):
            continue
        yield ImageRef(ref, where)


def images_of(doc: Mapping[str, Any]) -> list[ImageRef]:
    kind = str(doc.get("kind", ""))
    name = str(_meta(doc).get("name", ""))
    if kind in ("CustomResourceDefinition",):
        return []  # schemas describe fields, they pull nothing
    if kind in ("Deployment", "StatefulSet") and (doc.get("spec") or {}).get("replicas") == 0:
        return []  # a placeholder scaled to zero by the chart runs no pod and pulls nothing
    label = f"{kind}/{name}"
    refs: list[ImageRef] = []
    for key in ("spec", "data", "stringData", "template", "webhooks"):
        if key in doc:
            if key == "data" and isinstance(doc[key], dict) and "_example" in doc[key]:
                # a ConfigMap's `_example` key is documentation (Knative/KServe convention), never read
                doc = {**doc, key: {k: v for k, v in doc[key].items() if k != "_example"}}
            refs.extend(_walk(doc[key], f"{label} {key}", pod_keys=kind in WORKLOAD_KINDS or kind == "Pod"))
    seen: set[tuple[str, str]] = set()
    out = []
    for r in refs:
        if (r.image, r.where) not in seen:
            seen.add((r.image, r.where))
            out.append(r)
    return out


# package managers in a container's command/args: the pod fetches packages from the internet at run time
_FETCH = re.compile(r"\b(apk add|apt-get install|apt install|yum install|dnf install|pip3? install)\b[^\n;&|]*")


def _pod_specs(doc: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    spec = doc.get("spec") or {}
    if doc.get("kind") == "Pod":
        return [spec]
    if doc.get("kind") == "CronJob":
        spec = ((spec.get("jobTemplate") or {}).get("spec")) or {}
    pod = ((spec.get("template") or {}).get("spec")) if isinstance(spec, dict) else None
    return [pod] if isinstance(pod, dict) else []


def fetches_of(doc: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(Kind/name, command) for each container whose command or args run a package manager or a download."""
    out: list[tuple[str, str]] = []
    for pod in _pod_specs(doc):
        for c in [*(pod.get("initContainers") or []), *(pod.get("containers") or [])]:
            text = "\n".join(str(x) for x in [*(c.get("command") or []), *(c.get("args") or [])])
            for m in _FETCH.finditer(text):
                out.append((f"{doc.get('kind')}/{_meta(doc).get('name', '')}", m.group(0).strip()))
    return out


def crd_facts(doc: Mapping[str, Any]) -> CrdFacts:
    spec = doc.get("spec") or {}
    versions = [v for v in spec.get("versions") or [] if isinstance(v, dict)]
    served = tuple(str(v["name"]) for v in versions if v.get("served"))
    storage = next((str(v["name"]) for v in versions if v.get("storage")), None)
    schemas = {str(v["name"]): (v.get("schema") or {}).get("openAPIV3Schema") or {} for v in versions}
    names = spec.get("names") or {}
    return CrdFacts(str(_meta(doc).get("name", "")), served, storage, schemas, str(names.get("kind", "")),
                    str(spec.get("group", "")), str(spec.get("scope", "Namespaced")))


def analyse(docs: Iterable[Any]) -> Rendered:
    """The facts of one release's rendered documents (`helm template --include-crds`)."""
    workloads = []
    crds: dict[str, CrdFacts] = {}
    webhooks: list[str] = []
    images: list[ImageRef] = []
    objects = []
    fetches: list[tuple[str, str]] = []
    for doc in docs_of(docs):
        kind = str(doc.get("kind", ""))
        meta = _meta(doc)
        if "test" in str((meta.get("annotations") or {}).get(HOOK_ANNOTATION, "")).split(","):
            continue  # `helm test` pods: stackplan never runs them
        name = str(meta.get("name", ""))
        ns = meta.get("namespace")
        objects.append((kind, name, str(ns) if ns else None))
        if kind in WORKLOAD_KINDS:
            hook = HOOK_ANNOTATION in (meta.get("annotations") or {})
            replicas = (doc.get("spec") or {}).get("replicas")
            workloads.append((kind, name, str(ns) if ns else None, hook,
                              int(replicas) if isinstance(replicas, int) else None))
        elif kind == "CustomResourceDefinition":
            facts = crd_facts(doc)
            crds[facts.name] = facts
        elif kind in WEBHOOK_KINDS:
            webhooks.append(name)  # blueprints name the configurations (checks read them by name)
        images.extend(images_of(doc))
        fetches.extend(fetches_of(doc))
    return Rendered(tuple(workloads), crds, tuple(webhooks), tuple(images), tuple(objects), tuple(fetches))
