"""Namespaces and kustomize releases through `kubectl apply --server-side` (the only module running kubectl).

Manifests travel over stdin, never through files, so rendered Secrets are not written to disk; the
temp dir holds only the labelling overlay (which references the release's kustomization).
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from planner.engine.charts import KustomizeTarget
from planner.engine.duration import seconds
from planner.engine.kustomize import crd_names, overlay, partition, rollouts
from planner.engine.runner import FIELD_MANAGER
from planner.engine.state import StepError, trim_error
from planner.model import Release

KUBECTL_HINT = (
    "install kubectl (https://kubernetes.io/docs/tasks/tools/) and put it on PATH, or set STACKPLAN_KUBECTL "
    "to its path"
)



class KubectlRunner:
    """KubeRunner over the kubectl binary."""

    def __init__(self, executable: str, *, kubeconfig: str | None = None, context: str | None = None) -> None:
        self.executable = executable
        self.global_args: list[str] = []
        if kubeconfig:
            self.global_args += ["--kubeconfig", kubeconfig]
        if context:
            self.global_args += ["--context", context]

    async def run(self, args: list[str], stdin: str | None = None, limit: float = 600.0) -> str:
        """Run kubectl; stdout on success, StepError with the trimmed stderr otherwise."""
        proc = await asyncio.create_subprocess_exec(
            self.executable, *args, *self.global_args,
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            out, err = await asyncio.wait_for(proc.communicate(stdin.encode() if stdin is not None else None), limit)
        except (TimeoutError, asyncio.CancelledError):
            proc.kill()
            await proc.wait()
            raise
        if proc.returncode != 0:
            raise StepError(f"kubectl {args[0]}: {trim_error(err.decode(errors='replace'))}")
        return out.decode(errors="replace")

    async def apply(self, docs: list[dict], namespace: str, timeout: str, manager: str) -> None:
        body = json.dumps({"apiVersion": "v1", "kind": "List", "items": docs})
        await self.run(["apply", "--server-side", "--force-conflicts", f"--field-manager={manager}",
                        "-n", namespace, "-f", "-"], stdin=body, limit=seconds(timeout) + 60)

    async def ensure_namespace(self, name: str, labels: Mapping[str, str], manager: str = FIELD_MANAGER) -> None:
        ns: dict = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
        if labels:
            ns["metadata"]["labels"] = dict(labels)
        await self.run(["apply", "--server-side", f"--field-manager={manager}", "-f", "-"],
                       stdin=json.dumps(ns), limit=120)

    async def get_objects(self, refs: list[tuple[str, str, str]]) -> list[dict]:
        """The live objects for (kind, namespace, name) refs; missing ones are left out."""
        by_ns: dict[str, list[str]] = {}
        for kind, ns, name in refs:
            by_ns.setdefault(ns, []).append(f"{kind.lower()}/{name}")
        out: list[dict] = []
        for ns, names in sorted(by_ns.items()):
            text = await self.run(["get", "-n", ns, *names, "-o", "json", "--ignore-not-found"], limit=30)
            if text.strip():
                data = json.loads(text)
                out += data.get("items", []) if data.get("kind") == "List" else [data]
        return out

    async def wait_established(self, crds: list[str], timeout: str) -> None:
        """`kubectl wait --for=condition=Established`, once every CRD has conditions: a brand-new CRD has none
        for a moment, and kubectl then fails at once (`.status.conditions accessor error`) instead of waiting.
        Decided from the CRDs' own status (`kubectl get -o json`), not from the wording of kubectl's error."""
        import time

        deadline = time.monotonic() + seconds(timeout)
        refs = [f"crd/{n}" for n in crds]
        while time.monotonic() < deadline:
            out = (await self.run(["get", *refs, "--ignore-not-found", "-o", "json"], limit=120)).strip()
            listed = json.loads(out) if out else {}  # one name: the object itself; several: a List
            items = listed.get("items", []) if listed.get("kind") == "List" else [listed] if listed else []
            if len(items) == len(crds) and all((o.get("status") or {}).get("conditions") for o in items):
                break
            await asyncio.sleep(0.5)
        left = max(1, int(deadline - time.monotonic()))
        await self.run(["wait", "--for=condition=Established", f"--timeout={left}s", *refs], limit=left + 60)

    async def render(self, release: Release, target: KustomizeTarget, timeout: str) -> list:
        from planner.yamlio import load_all

        with tempfile.TemporaryDirectory(prefix="stackplan-kustomize-") as tmp:
            # kustomize refuses absolute roots: point at a local kustomization relative to the overlay
            location = os.path.relpath(target.location, tmp) if target.local else target.location
            Path(tmp, "kustomization.yaml").write_text(json.dumps(overlay(release, location), indent=2))
            text = await self.run(["kustomize", tmp], limit=seconds(timeout) + 60)
        return load_all(text)

    async def apply_kustomize(self, release: Release, target: KustomizeTarget, timeout: str) -> str:
        from planner.mirror import rewrite_images

        docs = rewrite_images(await self.render(release, target, timeout), release.image_map)
        first, rest = partition(docs)
        manager = f"{FIELD_MANAGER}-{release.id}"
        if first:
            await self.apply(first, release.namespace, timeout, manager)
            crds = crd_names(first)
            if crds:
                await self.wait_established(crds, timeout)
        if rest:
            await self.apply(rest, release.namespace, timeout, manager)
        waits = rollouts(rest, release.namespace)
        await asyncio.gather(*(
            self.run(["rollout", "status", f"{kind}/{name}", "-n", ns, f"--timeout={timeout}"],
                     limit=seconds(timeout) + 60)
            for ns, kind, name in waits))
        return f"applied {len(first) + len(rest)} objects, {len(waits)} workloads ready"
