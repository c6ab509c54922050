"""Benchmark: how fast and in how much memory `stackplan validate` refuses documents built to exhaust time or
memory (the billion laughs, deep nesting, many values, a large file), next to a normal stack file.

Run on demand:  python benchmarks/hostile_input.py [--runs 5]
Target: every hostile file refused with exit 2 within about a second of the normal file's time, in bounded
memory. Reports the median wall time and the peak RSS of each case (one process per run).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import hostile  # noqa: E402


def run(path: Path) -> tuple[int, float, int]:
    """(exit code, wall seconds, peak RSS in MiB) of one `stackplan validate -f PATH`."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "planner", "validate", "-f", str(path)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    return os.waitstatus_to_exitcode(status), time.perf_counter() - start, usage.ru_maxrss // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = {"normal (examples/llm-inference)": ROOT / "examples" / "llm-inference" / "stackplan.yaml",
                 **hostile.write_all(Path(tmp))}
        print(f"{'case':34} {'exit':>4} {'median s':>9} {'max s':>7} {'peak MiB':>9}")
        for name, path in files.items():
            results = [run(path) for _ in range(args.runs)]
            codes = {c for c, _, _ in results}
            times = [t for _, t, _ in results]
            print(f"{name:34} {','.join(map(str, sorted(codes))):>4} {statistics.median(times):9.2f} "
                  f"{max(times):7.2f} {max(m for _, _, m in results):9}")


if __name__ == "__main__":
    main()
