"""Stand-ins for the release before each current pin, for `stackplan upgrade` tests on the control plane.

Written at test time by tests/charts/build.py's own generator from the current blueprint with the
previous version and that version's CRD differences (below, each with its upstream source), so they stay
in step with the committed stand-ins. Like those, they hold upstream object names and no upstream code.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

_KUEUE_OLD_STORAGE = {"storage": "v1beta1", "served": ["v1beta1", "v1beta2"]}

# blueprint id -> the previous release's version and what its CRDs differ in
PREVIOUS: dict[str, dict[str, Any]] = {
    # every Kueue CRD stored v1beta1 (v1beta2 served, not stored) before v0.16:
    # kubernetes-sigs/kueue:charts/kueue/templates/crd/@v0.15.8; CHANGELOG/CHANGELOG-0.16.md@v0.19.2 (#8020)
    "kueue": {"version": "0.15.8", "crd_versions": "all", "storage": _KUEUE_OLD_STORAGE},
    # crds/ held only clusterpolicies and nvidiadrivers (+ the NFD subchart's):
    # NVIDIA/gpu-operator:deployments/gpu-operator/crds/@v26.3.3
    "gpu-operator": {"version": "v26.3.3", "drop_crds": ("gpuclusters.nvidia.com", "computedomains.resource.nvidia.com",
                                                          "computedomaincliques.resource.nvidia.com")},
    # same six CRDs, InferenceService still only v1beta1: kserve/kserve:charts/kserve-crd/templates/@v0.19.0
    "kserve-crd": {"version": "v0.19.0"},
    "kserve": {"version": "v0.19.0"},  # kserve/kserve:charts/kserve-resources/Chart.yaml@v0.19.0
    # the three Trainer CRDs sat in crds/ (templates/crd/ from v2.3.0):
    # kubeflow/trainer:charts/kubeflow-trainer/crds/@v2.2.1; the JobSet subchart's stay templates
    "kubeflow-trainer": {"version": "2.2.1", "crds_folder": ("trainjobs.trainer.kubeflow.org",
                                                            "trainingruntimes.trainer.kubeflow.org",
                                                            "clustertrainingruntimes.trainer.kubeflow.org")},
}


def previous_blueprint(bp):
    """The blueprint as it was one release before its pin (only the fields the stand-in chart uses)."""
    prev = PREVIOUS[bp.id]
    crds = tuple(c for c in bp.crds if c not in prev.get("drop_crds", ()))
    versions = {k: v for k, v in bp.crd_versions.items() if k in crds}
    if prev.get("crd_versions") == "all":
        versions = {c: prev["storage"] for c in crds}
    return replace(bp, version=prev["version"], crds=crds, crd_versions=versions)


def write_previous(bp, out: Path) -> Path:
    """Write the previous release's stand-in chart of `bp` under out/<id>/ and return its folder."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("charts_build", Path(__file__).with_name("build.py"))
    assert spec and spec.loader
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    folder = out / bp.id
    build.write_chart(previous_blueprint(bp), folder)
    moved = PREVIOUS[bp.id].get("crds_folder", ())
    if moved:  # these CRDs in crds/ (Helm installs them once, without ownership), the rest stays in templates
        crds, _ = build.objects(previous_blueprint(bp))
        (folder / "crds").mkdir(exist_ok=True)
        (folder / "crds" / "crds.yaml").write_text(build._dump([d for d in crds if d["metadata"]["name"] in moved]))
        rest = [d for d in crds if d["metadata"]["name"] not in moved]
        (folder / "templates" / "crds.yaml").write_text(build._dump(rest) if rest else "")
    return folder
