"""testbin/build.sh: two concurrent runs build each binary once; the second waits and reuses the first's.

`go` is replaced by a recording stand-in at its boundary (each `go build` sleeps, then writes its output), so
the test exercises the script's locking and cache layout, not the Go toolchain.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STAGES = ["node/fast/node-initialize.yaml", "node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
          "pod/fast/pod-ready.yaml", "pod/fast/pod-complete.yaml", "pod/fast/pod-delete.yaml"]


def _fake_go(tmp: Path) -> Path:
    kwok = tmp / "kwok-module"
    for stage in STAGES:
        (kwok / "kustomize" / "stage" / stage).parent.mkdir(parents=True, exist_ok=True)
        (kwok / "kustomize" / "stage" / stage).write_text(f"kind: Stage # {stage}\n")
    bindir = tmp / "fakebin"
    bindir.mkdir()
    go = bindir / "go"
    go.write_text(f"""#!/usr/bin/env bash
echo "$RUN $*" >> {tmp}/go-calls
case "$1" in
  build) out=""; while [ $# -gt 0 ]; do [ "$1" = -o ] && out="$2"; shift; done
         sleep 0.2; printf '#!/bin/sh\\n' > "$out"; chmod +x "$out" ;;
  list)  echo {kwok} ;;
esac
""")
    go.chmod(0o755)
    return bindir


def test_a_second_concurrent_build_waits_and_reuses_the_first(tmp_path: Path) -> None:
    bindir = _fake_go(tmp_path)
    cache = tmp_path / "cache"
    env = {**os.environ, "PATH": f"{bindir}:{os.environ['PATH']}", "STACKPLAN_TESTBIN_CACHE": str(cache)}
    build = ["bash", str(ROOT / "testbin" / "build.sh")]
    first = subprocess.Popen(build, env={**env, "RUN": "first"}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    deadline = time.monotonic() + 30
    while not (tmp_path / "go-calls").exists() and time.monotonic() < deadline:  # the first holds the lock
        time.sleep(0.05)
    second = subprocess.run(build, env={**env, "RUN": "second"}, capture_output=True, text=True, timeout=120)
    out1, err1 = first.communicate(timeout=120)
    assert first.returncode == 0, err1
    assert second.returncode == 0, second.stderr
    assert "waiting for it" in second.stderr
    assert out1.strip().splitlines()[-1] == second.stdout.strip().splitlines()[-1]  # the same bin directory
    builds = [line for line in (tmp_path / "go-calls").read_text().splitlines() if " build " in line]
    outputs = [line.split(" -o ")[1].split()[0].rsplit("/", 1)[-1] for line in builds]
    assert sorted(outputs) == sorted(set(outputs)), f"a binary was built twice: {outputs}"
    assert {line.split()[0] for line in builds} == {"first"}, "the second run must not build"
    assert "present" in second.stderr
    assert not list(cache.glob(".build-*")), "a temporary build directory was left behind"
