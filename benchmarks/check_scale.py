"""Benchmark `stackplan check` at scale: 1,000 simulated nodes and 10,000 pods on the real control plane.

    python benchmarks/check_scale.py [--nodes 1000] [--pods 10000] [--runs 5] [--page-size 500] [--json out.json]

On a fresh control plane (etcd, kube-apiserver, KCM, scheduler, kwok from testbin) with N nodes (every
4th a GPU node) and P running pods, for the full-mlops profile's plan:
- baseline: listing the kinds the applicable checks read, once each, with the same client
  (ClusterReader, same page size) — sequentially, and in parallel as the runner prefetches;
- check in-process (ping + prefetch + every check + render JSON), and the CLI end to end;
- API requests and LISTs per run (target: one LIST per kind; wall time <= 2x the baseline).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from planner.checks.registry import CHECKS, kinds_read  # noqa: E402
from planner.checks.runner import run_checks  # noqa: E402
from planner.cluster import ClusterReader, ReadError  # noqa: E402
from planner.commands.options import load_plan  # noqa: E402
from planner.render.report import render_report  # noqa: E402
from planner.sandbox import ControlPlane, Kube, nodes, path_for  # noqa: E402

PROFILE = "full-mlops"


def deployment(name: str, replicas: int) -> dict:
    labels = {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels}, "spec": {"containers": [
                         {"name": "c", "image": "registry.invalid/x:1",
                          "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}]}}}}


def running_pods(kube: Kube) -> int:
    n, cont = 0, None
    while True:
        params = {"limit": 5000, "fieldSelector": "status.phase=Running"}
        if cont:
            params["continue"] = cont
        page = kube.get(path_for("pods"), **params)
        n += len(page["items"])
        cont = page["metadata"].get("continue")
        if not cont:
            return n


def populate(kube: Kube, n_nodes: int, n_pods: int, per_deploy: int = 100) -> None:
    t0 = time.perf_counter()
    manifests = [nodes.node_manifest(f"scale-{i}", gpus=8 if i % 4 == 0 else 0) for i in range(n_nodes)]
    nodes.create_nodes(kube, manifests, wait=None, workers=16)
    nodes.wait_ready(kube, [m["metadata"]["name"] for m in manifests], timeout=900)
    print(f"setup: {n_nodes} nodes Ready after {time.perf_counter() - t0:.0f}s", flush=True)
    ns = "scale"
    kube.create(path_for("namespaces"), {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    while True:
        try:
            kube.get(path_for("serviceaccounts", ns, "default"))
            break
        except Exception:
            time.sleep(0.1)
    t0 = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: kube.create(path_for("deployments", ns), deployment(f"d{i}", per_deploy)),
                      range(n_pods // per_deploy)))
    running = 0
    while running < n_pods and time.perf_counter() - t0 < 1800:
        time.sleep(3)
        running = running_pods(kube)
    print(f"setup: {running}/{n_pods} pods Running after {time.perf_counter() - t0:.0f}s", flush=True)


def baseline(kubeconfig: str, kinds, page_size: int, parallel: bool, gzip: bool = True) -> tuple[float, int]:
    t0 = time.perf_counter()
    with ClusterReader(kubeconfig, page_size=page_size, compression=gzip) as reader:
        reader.ping()
        if parallel:
            reader.prefetch(kinds)
        else:
            for k in kinds:
                with contextlib.suppress(ReadError):
                    reader.list(k)
        requests = reader.requests
    return time.perf_counter() - t0, requests


def check_once(kubeconfig: str, plan, page_size: int, gzip: bool = True) -> tuple[float, dict, int]:
    t0 = time.perf_counter()
    with ClusterReader(kubeconfig, page_size=page_size, compression=gzip) as reader:
        reader.ping()
        report = run_checks(plan, reader)
        render_report(report, "json")
        stats = reader.stats()
    return time.perf_counter() - t0, stats, len(report.findings)


def cli_once(kubeconfig: str) -> tuple[float, int]:
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "planner", "check", "--profile", PROFILE, "-o", "json",
                        "--kubeconfig", kubeconfig], cwd=ROOT, capture_output=True, text=True)
    if p.returncode not in (0, 1):
        sys.exit(f"stackplan check failed ({p.returncode}): {p.stderr[-2000:]}")
    return time.perf_counter() - t0, p.returncode


def med(xs: list[float]) -> float:
    return round(statistics.median(xs), 3)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=1000)
    ap.add_argument("--pods", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--page-size", type=int, default=500)
    ap.add_argument("--json", metavar="PATH")
    a = ap.parse_args()
    plan = load_plan(None, PROFILE)
    components = {r.component for r in plan.releases.values()}
    kinds = kinds_read([c for c in CHECKS.values() if c.applies_to(components)])
    with tempfile.TemporaryDirectory() as d, ControlPlane(Path(d)) as cp, cp.kube(timeout=120) as kube:
        populate(kube, a.nodes, a.pods)
        kc = str(cp.kubeconfig)
        check_once(kc, plan, a.page_size)  # warm imports and the apiserver's watch cache
        seq, par, chk, cli, seq_id, chk_id, chk_big = [], [], [], [], [], [], []
        for _ in range(a.runs):
            seq.append(baseline(kc, kinds, a.page_size, parallel=False))
            par.append(baseline(kc, kinds, a.page_size, parallel=True))
            chk.append(check_once(kc, plan, a.page_size))
            cli.append(cli_once(kc))
            seq_id.append(baseline(kc, kinds, a.page_size, parallel=False, gzip=False))
            chk_id.append(check_once(kc, plan, a.page_size, gzip=False))
            chk_big.append(check_once(kc, plan, 5000))
    result = {
        "nodes": a.nodes, "pods": a.pods, "pageSize": a.page_size, "profile": PROFILE, "runs": a.runs,
        "kindsRead": len(kinds),
        "baselineSequentialSeconds": med([s for s, _ in seq]), "baselineSequentialRequests": seq[0][1],
        "baselineParallelSeconds": med([s for s, _ in par]),
        "checkSeconds": med([s for s, _, _ in chk]), "checkRequests": chk[0][1]["requests"],
        "checkLists": chk[0][1]["lists"], "findings": chk[0][2],
        "cliSeconds": med([s for s, _ in cli]), "cliExit": cli[0][1],
        "identityEncoding": {"baselineSequentialSeconds": med([s for s, _ in seq_id]),
                             "checkSeconds": med([s for s, _, _ in chk_id])},
        "pageSize5000": {"checkSeconds": med([s for s, _, _ in chk_big]), "checkRequests": chk_big[0][1]["requests"]},
    }
    result["ratioVsSequential"] = round(result["checkSeconds"] / result["baselineSequentialSeconds"], 2)
    result["ratioVsParallel"] = round(result["checkSeconds"] / result["baselineParallelSeconds"], 2)
    print(json.dumps(result, indent=2))
    if a.json:
        Path(a.json).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
