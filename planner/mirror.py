"""Air-gapped installs: rewrite chart sources and image references to a mirror. Pure."""

from __future__ import annotations

from planner.model import Blueprint, Mirror, Source


def _looks_like_registry(part: str) -> bool:
    return "." in part or ":" in part or part == "localhost"


def mirror_image(ref: str, prefix: str) -> str:
    """`nvcr.io/nvidia/driver:595` -> `<prefix>/nvidia/driver:595`; `busybox:1` -> `<prefix>/library/busybox:1`.

    A bare registry (`docker.io`, `nvcr.io`) becomes the prefix itself. The registry host is dropped
    and the rest of the path kept, the layout `crane`/`skopeo sync` mirrors produce.
    """
    prefix = prefix.rstrip("/")
    if "/" not in ref and _looks_like_registry(ref.split(":")[0]) and "." in ref.split(":")[0]:
        return prefix
    first, _, rest = ref.partition("/")
    if rest and _looks_like_registry(first):
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
