"""Benchmark: `stackplan plan --profile full-mlops -o json`, whole-process CPU time (user + system, the
measure least disturbed by other load on the machine), as a ratio to a bare `python -c pass` and to
`python -c "import click"` (the CLI framework's own floor), measured interleaved in the same run.
Target: median CPU ratio to the bare interpreter <= 5x. Wall time is printed too.

Run on demand, in a virtualenv installed from requirements/requirements.txt (site-packages with .pth hooks
inflate the bare interpreter and hide the ratio):  python benchmarks/plan_speed.py [--runs 21]
The first call warms the catalog cache and writes the bytecode of an editable install (as any user's second
run would find them; `pip install .` compiles at install time), so PYTHONDONTWRITEBYTECODE is removed from the
children's environment: with it, every run of an editable install would recompile stackplan (+20 ms). The cold
(no cache) time is reported separately.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(CPU seconds of the child, wall seconds)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--profile", default="full-mlops")
    args = parser.parse_args()

    cache = tempfile.mkdtemp(prefix="stackplan-bench-")
    env = {**os.environ, "XDG_CACHE_HOME": cache}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    beside = os.path.join(os.path.dirname(sys.executable), "stackplan")  # this interpreter's, not a shim on PATH
    stackplan = beside if os.access(beside, os.X_OK) else None
    cmds = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -c 'import click'": [sys.executable, "-c", "import click"],
        "stackplan plan": ([stackplan] if stackplan else [sys.executable, "-m", "planner"]) + [
            "plan", "--profile", args.profile, "-o", "json"],
    }
    cold_cpu, cold_wall = timed(cmds["stackplan plan"], env)  # fills the catalog cache
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in cmds}
    for _ in range(args.runs):  # interleaved, so machine noise hits all alike
        for name, cmd in cmds.items():
            results[name].append(timed(cmd, env))
    shutil.rmtree(cache, ignore_errors=True)

    cpu = {name: statistics.median(c for c, _ in r) for name, r in results.items()}
    wall = {name: statistics.median(w for _, w in r) for name, r in results.items()}
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
          f"Python {platform.python_version()}")
    print(f"command: {' '.join(cmds['stackplan plan'])}")
    print(f"runs: {args.runs} (interleaved), medians")
    for name in cmds:
        print(f"{name:28} CPU {cpu[name] * 1000:6.1f} ms   wall {wall[name] * 1000:6.1f} ms")
    print(f"cold cache, first run         CPU {cold_cpu * 1000:6.1f} ms   wall {cold_wall * 1000:6.1f} ms")
    base = cpu["python -c pass"]
    print(f"CPU ratio to python -c pass   {cpu['stackplan plan'] / base:5.2f}x   (target <= 5x; "
          f"import click alone: {cpu[list(cmds)[1]] / base:.2f}x)")


if __name__ == "__main__":
    main()
