"""Import cost of the Kubernetes client libraries stackplan considered (docs/architecture.md, "Reaching the API").

    python benchmarks/import_cost.py [--runs 9]

For each candidate that is installed: the median CPU time (user + system) of a fresh interpreter that imports it,
and the number of modules `python -X importtime` reports. Candidates that are not installed are listed as such
(install lightkube or kubernetes into a scratch virtualenv to compare). Also checks that `stackplan plan`
imports none of them.
"""

from __future__ import annotations

import argparse
import importlib.util
import resource
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CANDIDATES = {
    "(interpreter alone)": ("", "pass"),
    "httpx": ("httpx", "import httpx"),
    "lightkube": ("lightkube", "import lightkube; from lightkube.config.kubeconfig import KubeConfig; "
                               "from lightkube.generic_resource import create_global_resource"),
    "kubernetes": ("kubernetes", "from kubernetes.client.api_client import ApiClient; "
                                 "from kubernetes.client.configuration import Configuration; "
                                 "from kubernetes.config import kube_config"),
    "kr8s": ("kr8s", "from kr8s._api import Api"),
    "planner.cluster (stackplan's reader, kr8s loaded lazily)": ("", "import planner.cluster"),
}


def cpu_ms(code: str) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=9)
    args = ap.parse_args()
    for name, (module, code) in CANDIDATES.items():
        if module and importlib.util.find_spec(module) is None:
            print(f"{name:58s} not installed")
            continue
        runs = [cpu_ms(code) for _ in range(args.runs)]
        p = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True,
                           cwd=ROOT, check=True)
        print(f"{name:58s} CPU median {statistics.median(runs):6.0f} ms (min {min(runs):.0f})  "
              f"modules {p.stderr.count('import time:') - 1}")
    heavy = ("kr8s", "httpx", "lightkube", "kubernetes", "pyhelm3", "pulumi", "anthropic")
    code = ("import sys\nfrom planner.cli import main\ntry:\n    main(['plan', '--profile', 'full-mlops'])\n"
            "except SystemExit:\n    pass\n"
            f"print('loaded by `stackplan plan`:', sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy!r}))"
            " or 'none of them')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    print(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
