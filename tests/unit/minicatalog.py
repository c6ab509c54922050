"""A small synthetic catalog written to a temp dir, for resolver tests independent of the real blueprints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SOURCES = ["synthetic test fixture"]


def bp(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "description": "test component",
        "layer": "platform",
        "source": {"kind": "helm", "repo": "https://charts.example.invalid", "chart": "c"},
        "version": "1.0.0",
        "namespace": "ns",
        "sources": SOURCES,
    }
    base.update(kw)
    return base


BLUEPRINTS: dict[str, dict[str, Any]] = {
    "gpu": bp(layer="gpu", namespace="gpu-operator",
              source={"kind": "helm", "repo": "https://helm.ngc.nvidia.com/nvidia", "chart": "gpu-operator"},
              version="v26.7.0", conflicts=["fakegpu"], kubernetes={"min": "1.33", "max": "1.36"},
              values={"driver": {"enabled": True, "version": "595"}, "operator": {"repository": "nvcr.io/nvidia"},
                      "list": [1, 2]},
              knownValues=["driver", "toolkit", "operator", "nfd", "list"],
              rules=[{"when": {"cluster.gpu.driversPreinstalled": True}, "set": {"driver.enabled": False},
                      "note": "drivers are preinstalled"}],
              mirrorValues={"operator.repository": "nvcr.io/nvidia"},
              images=["nvcr.io/nvidia/gpu-operator:v26.7.0", "busybox:1.38.0"]),
    "fakegpu": bp(layer="gpu", namespace="gpu-operator", conflicts=["gpu"],
                  source={"kind": "oci", "url": "oci://ghcr.io/run-ai/fake-gpu-operator/fake-gpu-operator",
                          "chart": "fake-gpu-operator"}, version="0.2.0"),
    "certs": bp(namespace="cert-manager", kubernetes={"min": "1.32", "max": "1.35"}),
    "crd": bp(namespace="serving"),
    "serving": bp(namespace="serving", needs=["crd", "certs"],
                  values={"storage": {"class": None}},
                  rules=[{"when": {"cluster.storageClass": "fast"},
                          "set": {"storage.class": {"fact": "cluster.storageClass"}}}]),
    "runtimes": bp(namespace="serving", needs=["serving"]),
    "pipes": bp(namespace="kubeflow", source={"kind": "kustomize", "url": "github.com/x/y/env", "ref": "2.17.0"},
                version="2.17.0"),
    "sched": bp(namespace="sched", kubernetes={"min": "1.29"}),
}

PROFILES: dict[str, dict[str, Any]] = {
    "serve": {
        "description": "serving profile",
        "components": ["gpu"],
        "choices": {
            "serving": {"description": "layer", "default": "full",
                        "options": {"full": {"description": "all", "components": ["runtimes"]},
                                    "bare": {"description": "none"}}},
            "pipelines": {"description": "p", "default": "none",
                          "options": {"none": {"description": "no"},
                                      "kfp": {"description": "kfp", "components": ["pipes"],
                                              "values": {"gpu": {"nfd": {"enabled": False}}}}}},
        },
        "values": {"gpu": {"toolkit": {"enabled": True}}},
        "substitutions": [{"when": {"cluster.gpu.nodes": 0}, "replace": "gpu", "with": "fakegpu",
                           "note": "no GPU nodes"}],
    },
}


def write_catalog(root: Path, blueprints: dict[str, dict[str, Any]] | None = None,
                  profiles: dict[str, dict[str, Any]] | None = None) -> Path:
    """Write blueprints/ and stacks/ as YAML (JSON is YAML) under root; return root."""
    (root / "blueprints").mkdir(parents=True, exist_ok=True)
    (root / "stacks").mkdir(parents=True, exist_ok=True)
    for bid, data in (blueprints if blueprints is not None else BLUEPRINTS).items():
        (root / "blueprints" / f"{bid}.yaml").write_text(json.dumps(data, indent=2))
    for name, data in (profiles if profiles is not None else PROFILES).items():
        (root / "stacks" / f"{name}.yaml").write_text(json.dumps(data, indent=2))
    return root
