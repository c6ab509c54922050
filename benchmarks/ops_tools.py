"""Benchmark the ops tools on the real control plane: each tool call against listing its kinds once, and over MCP.

    python benchmarks/ops_tools.py [--nodes 200] [--pods 2000] [--runs 5] [--json out.json]

On a fresh control plane (etcd, kube-apiserver, KCM, scheduler, kwok from testbin) with N nodes (every 4th a GPU
node with 8 GPUs) and P running pods holding one GPU each (bound with spec.nodeName):
- baseline: a fresh ClusterReader, ping, then one LIST of each kind the tool reads (recorded on a first run);
- the tool in-process (`planner.ops.tools.call`: fresh reader, ping, LISTs, the answer, the credential masking);
- the same tool through `stackplan mcp` over stdio (the SDK's client; the server started once).
Target: a tool call within 2x its baseline; one LIST per kind.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from planner.cluster import ClusterReader, ReadError  # noqa: E402
from planner.ops.context import OpsContext  # noqa: E402
from planner.ops.tools import call  # noqa: E402
from planner.sandbox import ControlPlane, Kube, nodes, path_for  # noqa: E402

TOOLS = ("gpus", "jobs", "inference", "pipelines")


def populate(kube: Kube, n_nodes: int, n_pods: int) -> None:
    t0 = time.perf_counter()
    manifests = [nodes.node_manifest(f"bench-{i}", gpus=8 if i % 4 == 0 else 0) for i in range(n_nodes)]
    nodes.create_nodes(kube, manifests, wait=None, workers=16)
    nodes.wait_ready(kube, [m["metadata"]["name"] for m in manifests], timeout=900)
    gpu_nodes = [m["metadata"]["name"] for m in manifests if "nvidia.com/gpu" in m["status"]["capacity"]]
    kube.create(path_for("namespaces"), {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bench"}})
    while True:
        try:
            kube.get(path_for("serviceaccounts", "bench", "default"))
            break
        except Exception:
            time.sleep(0.1)

    def pod(i: int) -> None:
        kube.create(path_for("pods", "bench"), {
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"p{i}", "labels": {"app": "bench"}},
            "spec": {"nodeName": gpu_nodes[i % len(gpu_nodes)], "containers": [
                {"name": "c", "image": "registry.invalid/x:1", "resources": {"limits": {"nvidia.com/gpu": "1"}}}]}})

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(pod, range(n_pods)))
    print(f"setup: {n_nodes} nodes, {n_pods} pods in {time.perf_counter() - t0:.0f}s", flush=True)


class Recording:
    """A reader that remembers which kinds were listed."""

    def __init__(self, reader: ClusterReader) -> None:
        self.reader, self.kinds = reader, []

    def list(self, kind, namespace=None, label_selector=None, field_selector=None):
        self.kinds.append((kind, field_selector))
        return self.reader.list(kind, namespace, label_selector, field_selector)


def kinds_of(tool: str, kubeconfig: str) -> list[tuple[Any, str | None]]:
    from planner.ops import gpus, inference, jobs, pipelines

    fn = {"gpus": gpus.gpus, "jobs": jobs.jobs, "inference": inference.inference, "pipelines": pipelines.pipelines}
    with ClusterReader(kubeconfig) as r:
        rec = Recording(r)
        fn[tool](rec)
        return rec.kinds


def baseline(kubeconfig: str, kinds: list[tuple[Any, str | None]]) -> tuple[float, int]:
    t0 = time.perf_counter()
    with ClusterReader(kubeconfig) as r:
        r.ping()
        for kind, selector in kinds:
            with contextlib.suppress(ReadError):
                r.list(kind, field_selector=selector)
        requests = r.requests
    return time.perf_counter() - t0, requests


def tool_once(tool: str, ctx: OpsContext) -> float:
    t0 = time.perf_counter()
    call(tool, {"utilisation": False} if tool == "gpus" else {}, ctx)
    return time.perf_counter() - t0


def mcp_times(kubeconfig: str, runs: int) -> dict[str, float]:
    import anyio
    from mcp import Client, StdioServerParameters

    async def drive() -> dict[str, float]:
        params = StdioServerParameters(command=sys.executable, args=["-m", "planner", "mcp"],
                                       env={"KUBECONFIG": kubeconfig}, cwd=str(ROOT))
        out: dict[str, list[float]] = {t: [] for t in TOOLS}
        async with Client(params, read_timeout_seconds=300) as client:
            for _ in range(runs + 1):  # the first round warms imports
                for t in TOOLS:
                    t0 = time.perf_counter()
                    r = await client.call_tool(t, {"utilisation": False} if t == "gpus" else {})
                    assert not r.is_error, r.content
                    out[t].append(time.perf_counter() - t0)
        return {t: statistics.median(v[1:]) for t, v in out.items()}

    return anyio.run(drive)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=200)
    ap.add_argument("--pods", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", metavar="PATH")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d, ControlPlane(Path(d)) as cp, cp.kube(timeout=120) as kube:
        populate(kube, a.nodes, a.pods)
        kc = str(cp.kubeconfig)
        ctx = OpsContext(kubeconfig=kc)
        result: dict[str, Any] = {"nodes": a.nodes, "pods": a.pods, "runs": a.runs, "tools": {}}
        answer = call("gpus", {"utilisation": False}, ctx)
        result["gpusRequested"] = answer["total"]["requested"]
        for tool in TOOLS:
            kinds = kinds_of(tool, kc)
            tool_once(tool, ctx)  # warm
            base = [baseline(kc, kinds) for _ in range(a.runs)]
            runs = [tool_once(tool, ctx) for _ in range(a.runs)]
            b, t = statistics.median(s for s, _ in base), statistics.median(runs)
            result["tools"][tool] = {"kinds": len(kinds), "distinctKinds": len({k for k, _ in kinds}),
                                     "baselineSeconds": round(b, 3), "baselineRequests": base[0][1],
                                     "toolSeconds": round(t, 3), "ratio": round(t / b, 2)}
        for tool, seconds in mcp_times(kc, a.runs).items():
            result["tools"][tool]["mcpSeconds"] = round(seconds, 3)
    print(json.dumps(result, indent=2))
    if a.json:
        Path(a.json).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
