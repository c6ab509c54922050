"""Benchmark the Pulumi program and `stackplan init` (run on demand, not in CI).

    python benchmarks/emit_speed.py [--runs 5] [--json out.json]

- build(plan) under Pulumi mocks for each profile (every registration round-trips through the mock
  monitor, as it would through the engine): resources registered and wall time;
- the generated __main__.py run with runpy (catalog load + resolve + build), per profile;
- `stackplan init` into an empty dir and again on its own output (CLI end to end, fresh process).
The Pulumi engine itself cannot run here (docs/pulumi.md), so these are the program's own costs.
"""

from __future__ import annotations

import argparse
import json
import runpy
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENT = "stackplan @ git+https://example.invalid/bench/stackplan@0123456789abcdef0123456789abcdef01234567"
sys.path.insert(0, str(ROOT))

from planner.catalog import load_catalog  # noqa: E402
from planner.emit.pulumi import build  # noqa: E402
from planner.emit.settings import EmitConfig  # noqa: E402
from planner.model import StackSpec  # noqa: E402
from planner.resolve import resolve  # noqa: E402
from tests.pulumi.harness import install_mocks, run  # noqa: E402

PROFILES = ("training-team", "llm-inference", "full-mlops")


def timed(fn, runs: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", dest="json_out")
    args = ap.parse_args()
    results: dict[str, object] = {}
    catalog = load_catalog()
    with tempfile.TemporaryDirectory() as tmp:
        for profile in PROFILES:
            plan = resolve(catalog, StackSpec(profile=profile))
            counts: list[int] = []

            def once(plan=plan, counts=counts) -> None:  # type: ignore[no-untyped-def]
                _, rec = install_mocks()
                run(lambda: build(plan, EmitConfig()))
                counts.append(len(rec.items))

            build_times = timed(once, args.runs)
            project = Path(tmp) / profile
            cli = [sys.executable, "-m", "planner", "init", "-p", profile, "--dir", str(project),
                   "--stackplan-requirement", REQUIREMENT]  # the machine's checkout may have no git remote
            first = timed(lambda cli=cli: subprocess.run(cli, check=True, capture_output=True), 1)[0]
            rerun = statistics.median(timed(lambda cli=cli: subprocess.run(cli, check=True, capture_output=True),
                                            args.runs))

            def program(project=project) -> None:  # type: ignore[no-untyped-def]
                install_mocks()
                run(lambda: runpy.run_path(str(project), run_name="__main__"))

            program_times = timed(program, args.runs)
            results[profile] = {
                "resources": counts[-1],
                "build_median_s": round(statistics.median(build_times), 4),
                "program_median_s": round(statistics.median(program_times), 4),
                "init_first_s": round(first, 3),
                "init_rerun_median_s": round(rerun, 3),
            }
            print(profile, results[profile])
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
