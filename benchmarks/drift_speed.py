"""Benchmark `stackplan drift` on the full-mlops plan installed by `stackplan apply` on the real control plane.

    python benchmarks/drift_speed.py [--runs 15] [--revisions 3] [--extra-releases 50] [--json out.json]

Measures, on a fresh control plane (etcd, kube-apiserver, KCM, scheduler, kwok; helm from testbin):
- baseline: reading Helm's release records once (one LIST of `type=helm.sh/release.v1` Secrets per plan
  namespace, in parallel, as drift does), and `helm list` over the plan's namespaces for reference;
- drift in-process (connect + ping + read + decode + compare + render JSON) and the CLI end to end;
- API requests for sub-plans of 1..N components, and with extra release records in a plan namespace.
Target (issue 7): drift wall time <= 2x the baseline; requests independent of the number of components.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from planner.cluster import ClusterReader  # noqa: E402
from planner.commands.options import load_plan  # noqa: E402
from planner.drift.compare import drift_report  # noqa: E402
from planner.drift.helm_records import record_secret  # noqa: E402
from planner.drift.reader import RECORD_SELECTOR, read_live  # noqa: E402
from planner.drift.render import render  # noqa: E402
from planner.kinds import HELM_RELEASE_SECRETS  # noqa: E402
from planner.model import Plan  # noqa: E402
from planner.sandbox import ControlPlane, add_nodes, binaries, path_for  # noqa: E402

PROFILE = "full-mlops"


def run(argv: list[str], env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess:
    p = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True)
    if check and p.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed ({p.returncode}):\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
    return p


def read_records_once(kubeconfig: str, namespaces: tuple[str, ...]) -> tuple[float, int]:
    """Wall time and Secret count of one LIST of release records per namespace, in parallel."""
    t0 = time.perf_counter()
    with ClusterReader(kubeconfig) as reader, ThreadPoolExecutor(max_workers=8) as pool:
        lists = list(pool.map(lambda ns: reader.list(HELM_RELEASE_SECRETS, ns, field_selector=RECORD_SELECTOR),
                              namespaces))
    return time.perf_counter() - t0, sum(map(len, lists))


def drift_once(kubeconfig: str, plan: Plan) -> tuple[float, int, int]:
    """Wall time, exit code and API requests of drift's core (everything but resolving the plan)."""
    t0 = time.perf_counter()
    with ClusterReader(kubeconfig) as reader:
        reader.ping()
        live = read_live(reader, plan)
        requests = reader.requests
    report = drift_report(plan, live)
    render(report, "json")
    return time.perf_counter() - t0, report.exit_code(), requests


def sub_plan(plan: Plan, keep: set[str]) -> Plan:
    waves = tuple(w for w in (tuple(r for r in wave if r in keep) for wave in plan.waves) if w)
    return replace(plan, waves=waves, releases={k: v for k, v in plan.releases.items() if k in keep})


def median_ms(xs: list[float]) -> float:
    return round(statistics.median(xs) * 1000, 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--revisions", type=int, default=3, help="Helm revisions per release (history to skip)")
    ap.add_argument("--extra-releases", type=int, default=50, help="unmanaged release records for the count test")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()

    bins = binaries.resolve((*binaries.CONTROL_PLANE, *binaries.TOOLS, binaries.STAGES_FILE))
    results: dict[str, object] = {"profile": PROFILE, "runs": args.runs, "revisions": args.revisions}
    with tempfile.TemporaryDirectory() as tmp:
        cp = ControlPlane(Path(tmp) / "cp", bins=bins)
        cp.start(timeout=120)
        try:
            with cp.kube() as k:
                add_nodes(k, cpu_nodes=2, gpu_nodes=2, gpus_per_node=8, prefix="bench")
            kubeconfig = str(cp.kubeconfig)
            env = {**os.environ, "KUBECONFIG": kubeconfig, "XDG_CACHE_HOME": f"{tmp}/cache",
                   "PATH": os.pathsep.join([*sorted({str(p.parent) for p in bins.values()}), os.environ["PATH"]]),
                   "HELM_CACHE_HOME": f"{tmp}/helm-cache", "HELM_CONFIG_HOME": f"{tmp}/helm-config",
                   "HELM_DATA_HOME": f"{tmp}/helm-data"}
            plan = load_plan(None, PROFILE)
            namespaces = plan.namespaces()
            helm_ids = [r.id for r in plan.ordered() if r.source.kind != "kustomize"]
            t0 = time.perf_counter()
            apply = [sys.executable, "-m", "planner", "apply", "--profile", PROFILE, "--chart-dir",
                     str(ROOT / "tests" / "charts"), "--timeout", "5m"]
            for attempt in range(3):  # apply is re-runnable; `kubectl wait` can race a fresh object's status
                if run(apply, env, check=attempt == 2).returncode == 0:
                    break
            results["applySeconds"] = round(time.perf_counter() - t0, 1)
            for _ in range(args.revisions - 1):
                for rid in helm_ids:
                    run(["helm", "upgrade", rid, str(ROOT / "tests" / "charts" / rid), "-n",
                         plan.releases[rid].namespace, "--reuse-values"], env)
            cli = run([sys.executable, "-m", "planner", "drift", "--profile", PROFILE, "-o", "json"], env,
                      check=False)
            report = json.loads(cli.stdout)
            results["driftAfterApply"] = {"exitCode": cli.returncode, "summary": report["summary"],
                                          "problems": [f"{f['checkId']} {f['component']}: {f['message']}"
                                                       for f in report["findings"]
                                                       if f["outcome"] in ("FAILED", "UNKNOWN")]}
            results["components"] = len(plan.releases)
            results["helmReleases"] = len(helm_ids)
            results["namespaces"] = len(namespaces)

            base, core, records = [], [], 0
            for i in range(args.runs):  # interleaved, so both see the same server state and caches
                order = (0, 1) if i % 2 else (1, 0)
                for which in order:
                    if which == 0:
                        seconds, records = read_records_once(kubeconfig, namespaces)
                        base.append(seconds)
                    else:
                        seconds, _, requests = drift_once(kubeconfig, plan)
                        core.append(seconds)
            helm_list = []
            for _ in range(max(3, args.runs // 3)):
                t0 = time.perf_counter()
                for ns in namespaces:
                    run(["helm", "list", "-n", ns, "-o", "json"], env)
                helm_list.append(time.perf_counter() - t0)
            cli_times = []
            for _ in range(max(3, args.runs // 3)):
                t0 = time.perf_counter()
                run([sys.executable, "-m", "planner", "drift", "--profile", PROFILE, "-o", "json"], env, check=False)
                cli_times.append(time.perf_counter() - t0)
            results["recordSecrets"] = records
            results["readRecordsOnceMs"] = median_ms(base)
            results["driftCoreMs"] = median_ms(core)
            results["ratio"] = round(statistics.median(core) / statistics.median(base), 2)
            results["helmListAllNamespacesMs"] = median_ms(helm_list)
            results["driftCliMs"] = median_ms(cli_times)
            results["driftCoreRequests"] = requests

            counts = []
            order = [r.id for r in plan.ordered()]
            for n in range(1, len(order) + 1):
                sub = sub_plan(plan, set(order[:n]))
                _, _, req = drift_once(kubeconfig, sub)
                counts.append({"components": n, "namespaces": len(sub.namespaces()), "requests": req})
            results["requestsBySubPlan"] = counts
            with cp.kube() as k:
                ns = plan.releases[helm_ids[0]].namespace
                for i in range(args.extra_releases):
                    doc = {"name": f"extra-{i}", "namespace": ns, "version": 1, "info": {"status": "deployed"},
                           "chart": {"metadata": {"name": "extra", "version": "0.1.0"}}, "config": {"i": i}}
                    k.create(path_for("secrets", ns), record_secret(doc))
            _, code, req = drift_once(kubeconfig, plan)
            results["withExtraReleases"] = {"extraRecords": args.extra_releases, "namespace": ns, "requests": req,
                                            "exitCode": code}
        finally:
            cp.stop()
    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
