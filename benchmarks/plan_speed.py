"""Benchmark: `stackplan plan --profile full-mlops --output json`, whole-process wall time, as a ratio to a
bare `python -c pass` measured in the same run (target: median ratio <= 8x).

Run on demand:  python benchmarks/plan_speed.py [--runs 21]
The first call warms the catalog cache (as any user's second run would find it); the cold (no cache)
time is reported separately.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--profile", default="full-mlops")
    args = parser.parse_args()

    cache = tempfile.mkdtemp(prefix="stackplan-bench-")
    env = {**os.environ, "XDG_CACHE_HOME": cache}
    stackplan = shutil.which("stackplan")
    plan_cmd = ([stackplan] if stackplan else [sys.executable, "-m", "planner"]) + [
        "plan", "--profile", args.profile, "--output", "json"]
    bare_cmd = [sys.executable, "-c", "pass"]

    cold = timed(plan_cmd, env)  # fills the catalog cache
    plan_times, bare_times = [], []
    for _ in range(args.runs):  # interleaved, so machine noise hits both alike
        bare_times.append(timed(bare_cmd, env))
        plan_times.append(timed(plan_cmd, env))
    shutil.rmtree(cache, ignore_errors=True)

    plan_med, bare_med = statistics.median(plan_times), statistics.median(bare_times)
    print(f"command: {' '.join(plan_cmd)}")
    print(f"runs: {args.runs} (interleaved)")
    print(f"python -c pass      median {bare_med * 1000:7.1f} ms")
    print(f"stackplan plan      median {plan_med * 1000:7.1f} ms   (cold cache, first run: {cold * 1000:.1f} ms)")
    print(f"ratio               {plan_med / bare_med:7.2f}x   (target <= 8x)")


if __name__ == "__main__":
    main()
