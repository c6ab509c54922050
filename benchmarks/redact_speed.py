"""Benchmark planner.secrets.redact_text: realistic logs and adversarial inputs must stay linear.

    python benchmarks/redact_speed.py [--kb 1000] [--runs 3]

Target: linear in the input, about 1 s per MB on any shape (long `x=x=x...`, repeated `password `, JSON env
lists); a quadratic scan once took 58 s on 200 kB. Measured 2026-11-27: 0.57 s (controller log) to 1.34 s
(`x=x=`) per MB. Helm/kubectl errors and pod messages are a few kB, so this is never felt.
"""

from __future__ import annotations

import argparse
import statistics
import time

from planner.secrets import redact_text

LOG = 'level=info msg="reconciling" controller=model name=llama-3 namespace=kubeai token=abc123XYZ\n'
SHAPES = {
    "controller log": LOG,
    "x=x=": "x=",
    "password words": "password ",
    "colons": "a:",
    "json env": '{"name": "A_TOKEN", "value": "v1x"}, ',
    "basic": "basic ",
    "secret data": "Secret data.x=",
    "letters": "a",
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kb", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    size = args.kb * 1000
    for name, unit in SHAPES.items():
        text = unit * (size // len(unit))
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            redact_text(text)
            times.append(time.perf_counter() - start)
        print(f"{name:16} {len(text) / 1e6:5.2f} MB  median {statistics.median(times):6.3f} s")


if __name__ == "__main__":
    main()
