"""Air-gapped installs: rewrite chart sources and image references to a mirror. Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from planner.model import Blueprint, Mirror, Source

DOCKER_HUB = ("docker.io", "index.docker.io", "registry-1.docker.io")  # where a short name like `alpine` lives


def _looks_like_registry(part: str) -> bool:
    return "." in part or ":" in part or part == "localhost"


def mirror_image(ref: str, prefix: str) -> str:
    """`nvcr.io/nvidia/driver:595` -> `<prefix>/nvidia/driver:595`; `busybox:1` and `docker.io/busybox:1` ->
    `<prefix>/library/busybox:1` (Docker Hub's official images live under `library/`, however they are spelled).

    A bare registry (`docker.io`, `nvcr.io`) becomes the prefix itself. The registry host is dropped
    and the rest of the path kept, the layout `crane`/`skopeo sync` mirrors produce.
    """
    prefix = prefix.rstrip("/")
    if "/" not in ref and _looks_like_registry(ref.split(":")[0]) and "." in ref.split(":")[0]:
        return prefix
    first, _, rest = ref.partition("/")
    if rest and first in DOCKER_HUB and "/" not in rest:
        path = f"library/{rest}"  # `docker.io/alpine` is `alpine`: one image, one mirror path
    elif rest and _looks_like_registry(first):
        path = rest
    elif rest:
        path = ref
    else:
        path = f"library/{ref}"
    return f"{prefix}/{path}"


def mirror_source(bp: Blueprint, mirror: Mirror) -> tuple[Source, str | None]:
    """The release's source under the mirror, and a warning if the mirror does not cover it."""
    src = bp.source
    if src.kind == "kustomize":
        if mirror.kustomize:
            return Source("local", f"{mirror.kustomize.rstrip('/')}/{bp.id}"), None
        if mirror.charts:
            return src, (f"{bp.id} is a kustomize source fetched from {src.location}; "
                         "set mirror.kustomize to a directory holding its manifests for an air-gapped install")
        return src, None
    if not mirror.charts:
        return src, None
    chart = src.chart or bp.id
    base = mirror.charts.rstrip("/")
    if base.startswith("oci://"):
        return Source("oci", f"{base}/{chart}", chart=chart), None
    if base.startswith(("http://", "https://")):
        return Source("helm", base, chart=chart), None
    return Source("local", base, chart=chart), None


def rewrite_images(node: Any, image_map: Mapping[str, str]) -> Any:
    """`node` (parsed manifests) with every listed upstream image replaced by its mirrored name, wherever a string
    holds it: pod specs, env values, args, and text inside ConfigMap data. Kustomize releases take no values, so
    under `mirror.images` this is how their manifests name the mirror (`Release.image_map`; apply, the Pulumi
    program and verify-charts all call it). A reference matches only as a whole token (`mysql:8.4` is not
    rewritten inside `docker.io/library/mysql:8.4` or `mysql:8.4.1`)."""
    if not image_map:
        return node
    pattern = _image_pattern(tuple(sorted(image_map, key=len, reverse=True)))

    def walk(n: Any) -> Any:
        if isinstance(n, str):
            return pattern.sub(lambda m: image_map[m.group(0)], n)
        if isinstance(n, dict):
            return {k: walk(v) for k, v in n.items()}
        if isinstance(n, list):
            return [walk(v) for v in n]
        return n

    return walk(node)


def rewrite_images_in_place(obj: dict[str, Any], image_map: Mapping[str, str]) -> None:
    """`rewrite_images` on one manifest, in place (the Pulumi program's transformations mutate their argument)."""
    if image_map:
        new = rewrite_images(obj, image_map)
        obj.clear()
        obj.update(new)


def _image_pattern(images: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(i) for i in images)
    return re.compile(rf"(?<![\w./@:-])(?:{alternatives})(?![\w./@:-])")


def runtime_fetches(bp: Blueprint, values: Mapping[str, Any]) -> list[Mapping[str, str]]:
    """The blueprint's `runtimeFetches` its values switch on: objects that fetch from the internet at run time."""
    from planner.values import get_path

    return [f for f in bp.runtime_fetches
            if not f.get("enabledBy") or get_path(values, f["enabledBy"], True) not in (False, "false", None)]


def fetch_warning(release_id: str, fetch: Mapping[str, str]) -> str:
    """One sentence for a user mirroring the plan: what fetches, from where it comes, how to avoid it."""
    return (f"{fetch['object']} of {release_id} runs `{fetch['command']}` at run time, which fetches from the internet "
            f"(a mirror of images does not cover it; {fetch['source']}): {fetch['fix']}")
