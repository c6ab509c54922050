"""Benchmark the simulated cluster: warm `sandbox up` with 4 GPU nodes, then 1,000 nodes + 10,000 pods.

    python benchmarks/sandbox_startup.py [--runs 3] [--nodes 1000] [--pods 10000]

Needs the binaries (`bash testbin/build.sh`, or KUBEBUILDER_ASSETS). Prints one line per measurement.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from planner.sandbox import ControlPlane, Kube, nodes, path_for  # noqa: E402


def bench_cli_up(runs: int) -> list[float]:
    """Wall time of `stackplan sandbox up --gpu-nodes 4 --cpu-nodes 0` until it has printed KUBECONFIG."""
    times = []
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "STACKPLAN_SANDBOX_HOME": home}
        for _ in range(runs):
            cmd = [sys.executable, "-m", "planner", "sandbox"]
            t0 = time.perf_counter()
            r = subprocess.run([*cmd, "up", "--name", "bench", "--gpu-nodes", "4", "--cpu-nodes", "0"],
                               cwd=ROOT, env=env, capture_output=True, text=True)
            elapsed = time.perf_counter() - t0
            subprocess.run([*cmd, "down", "--name", "bench"], cwd=ROOT, env=env, capture_output=True)
            if r.returncode != 0:
                sys.exit(f"sandbox up failed: {r.stderr}")
            times.append(elapsed)
    return times


def deployment(name: str, replicas: int) -> dict:
    labels = {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels}, "spec": {"containers": [
                         {"name": "c", "image": "registry.invalid/x:1",
                          "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}]}}}}


def count_ready(kube: Kube, ns: str) -> int:
    """Ready pods, summed from the Deployments' status (cheap: no pod list)."""
    return sum(d.get("status", {}).get("readyReplicas", 0) for d in kube.items(path_for("deployments", ns)))


def cpu_seconds(cp: ControlPlane) -> dict[str, float]:
    """CPU time (user + system) used so far by each component."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for p in cp.procs:
        with open(f"/proc/{p.pid}/stat") as f:
            fields = f.read().rpartition(")")[2].split()
        out[p.name] = (int(fields[11]) + int(fields[12])) / tick
    return out


def bench_scale(n_nodes: int, n_pods: int, per_deploy: int = 100) -> None:
    with tempfile.TemporaryDirectory() as d, ControlPlane(Path(d)) as cp, cp.kube(timeout=120) as k:
        t0 = time.perf_counter()
        manifests = [nodes.node_manifest(f"scale-{i}", gpus=8 if i % 4 == 0 else 0) for i in range(n_nodes)]
        nodes.create_nodes(k, manifests, wait=None, workers=16)
        t_created = time.perf_counter() - t0
        nodes.wait_ready(k, [m["metadata"]["name"] for m in manifests], timeout=600)
        t_ready = time.perf_counter() - t0
        print(f"nodes: {n_nodes} created in {t_created:.1f}s, all Ready after {t_ready:.1f}s")

        ns = "scale"
        k.create(path_for("namespaces"), {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
        while True:  # the ServiceAccount admission plugin needs the default SA
            try:
                k.get(path_for("serviceaccounts", ns, "default"))
                break
            except Exception:
                time.sleep(0.1)
        n_deploy = n_pods // per_deploy
        t0 = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda i: k.create(path_for("deployments", ns), deployment(f"d{i}", per_deploy)),
                          range(n_deploy)))
        t_objs = time.perf_counter() - t0
        cpu0, ready = cpu_seconds(cp), 0
        while ready < n_pods and time.perf_counter() - t0 < 1200:
            time.sleep(1)
            ready = count_ready(k, ns)
        t_pods = time.perf_counter() - t0
        cpu = {n: round(v - cpu0[n], 1) for n, v in cpu_seconds(cp).items()}
        print(f"pods: {n_deploy} Deployments x {per_deploy} created in {t_objs:.1f}s; "
              f"{ready}/{n_pods} pods Ready after {t_pods:.1f}s ({ready / t_pods:.0f} pods/s)")
        print(f"CPU seconds used meanwhile: {cpu}; load average {os.getloadavg()[0]:.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--nodes", type=int, default=1000)
    ap.add_argument("--pods", type=int, default=10000)
    ap.add_argument("--skip-scale", action="store_true")
    a = ap.parse_args()
    bench_cli_up(1)  # warm the page cache and Python imports
    times = bench_cli_up(a.runs)
    print(f"sandbox up (4 GPU nodes, warm): min {min(times):.2f}s, median {statistics.median(times):.2f}s, "
          f"max {max(times):.2f}s over {a.runs} runs")
    if not a.skip_scale:
        bench_scale(a.nodes, a.pods)


if __name__ == "__main__":
    main()
