"""Helpers for the apply tests on the real control plane: run stackplan apply, read helm, tear a plan down."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHARTS = ROOT / "tests" / "charts"
PROFILES = ("training-team", "llm-inference", "full-mlops")


def named(profile: str) -> tuple[str, ...]:
    """The `--set`s a user adds to install a profile by `--profile` alone: the buckets only they can name."""
    from planner.commands.options import load_plan
    from tests.user_names import set_flags

    return set_flags(load_plan(None, profile))


def planned(profile: str):
    """The plan `apply --profile P *named(P)` installs."""
    from planner.commands.options import load_plan

    return load_plan(None, profile, named(profile)[1::2])


def named_yaml(profile: str) -> str:
    """The same names as a stack file's `components:` line."""
    from planner.commands.options import load_plan
    from tests.user_names import components_yaml

    return components_yaml(load_plan(None, profile))


@contextmanager
def tool_env(env: Mapping[str, str]) -> Iterator[None]:
    """Make helm/kubectl of the testbin (and private helm homes) what stackplan finds, for in-process runs."""
    keys = ("PATH", "KUBECONFIG", "HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME")
    saved = {k: os.environ.get(k) for k in (*keys, "STACKPLAN_HELM", "STACKPLAN_KUBECTL")}
    os.environ.update({k: env[k] for k in keys})
    os.environ.pop("STACKPLAN_HELM", None)
    os.environ.pop("STACKPLAN_KUBECTL", None)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run(env: Mapping[str, str], *args: str, check: bool = True, stdin: str | None = None) -> str:
    done = subprocess.run(list(args), env=dict(env), capture_output=True, text=True, input=stdin, timeout=300)
    if check and done.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stdout


def kubectl_json(env: Mapping[str, str], *args: str) -> dict:
    return json.loads(run(env, "kubectl", *args, "-o", "json"))


def helm_revision(env: Mapping[str, str], release: str, namespace: str) -> int | None:
    out = subprocess.run(["helm", "status", release, "-n", namespace, "-o", "json"], env=dict(env),
                         capture_output=True, text=True, timeout=60)
    return int(json.loads(out.stdout)["version"]) if out.returncode == 0 else None


def uninstall(plan, env: Mapping[str, str]) -> None:
    """Remove a plan's releases, last wave first, and wait until their objects are gone."""
    for wave in plan.reversed_waves():
        for rid in wave:
            rel = plan.releases[rid]
            if rel.how.kustomize:
                run(env, "kubectl", "delete", "-k", str(CHARTS / rid), "--ignore-not-found", "--wait=true",
                    "--timeout=120s", check=False)
            else:
                run(env, "helm", "uninstall", rid, "-n", rel.namespace, "--wait", "--timeout", "120s",
                    "--ignore-not-found", check=False)
    # Helm keeps the CRDs of a chart's crds/ folder on uninstall; later tests expect a cluster without them
    crds = sorted({crd for rel in plan.releases.values() for crd in rel.crds})
    if crds:
        run(env, "kubectl", "delete", "crd", *crds, "--ignore-not-found", "--wait=true", "--timeout=120s",
            check=False)
