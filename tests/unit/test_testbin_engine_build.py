"""testbin/engine/build.sh: schema-embed.json is generated before the provider is built, the build cache is private
and removed, two concurrent runs build each binary once, a third finds both present.

`go` is replaced by a recording stand-in at its boundary (as in test_testbin_lock.py), so this exercises the
script's steps, locking and cache layout, not the Go toolchain (the real build: docs/control-plane.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "testbin" / "engine" / "build.sh"


def _fake_go(tmp: Path) -> Path:
    module = tmp / "provider-module"  # stands in for the read-only module cache copy of provider/v4
    (module / "cmd" / "pulumi-resource-kubernetes").mkdir(parents=True)
    (module / "cmd" / "pulumi-resource-kubernetes" / "generate.go").write_text("//go:build ignore\n")
    module.chmod(0o555)
    bindir = tmp / "fakebin"
    bindir.mkdir()
    go = bindir / "go"
    download = json.dumps({"Dir": str(module)})
    go.write_text(f"""#!/usr/bin/env bash
echo "$RUN GOCACHE=$GOCACHE $*" >> {tmp}/go-calls
case "$1" in
  build) out=""; while [ $# -gt 0 ]; do [ "$1" = -o ] && out="$2"; shift; done
         case "$out" in
           */generate) printf '#!/bin/sh\\necho "{{\\"version\\": \\"$VERSION\\"}}" > schema-embed.json\\n' > "$out" ;;
           */pulumi-resource-kubernetes)
             test -s "$(dirname "$out")/provider/cmd/pulumi-resource-kubernetes/schema-embed.json" || exit 7
             printf '#!/bin/sh\\n' > "$out" ;;
           *) printf '#!/bin/sh\\n' > "$out" ;;
         esac
         sleep 0.3; chmod +x "$out" ;;
  mod) if [ "$2" = download ]; then echo '{download}'; fi ;;
esac
""")
    go.chmod(0o755)
    return bindir


def _run(env: dict[str, str], run: str) -> subprocess.Popen[str]:
    return subprocess.Popen(["bash", str(SCRIPT)], env={**env, "RUN": run}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_concurrent_runs_build_each_binary_once_with_a_private_build_cache(tmp_path: Path) -> None:
    bindir = _fake_go(tmp_path)
    cache = tmp_path / "cache"
    env = {**os.environ, "PATH": f"{bindir}:{os.environ['PATH']}", "STACKPLAN_TESTBIN_CACHE": str(cache)}
    first = _run(env, "first")
    deadline = time.monotonic() + 30
    while not (tmp_path / "go-calls").exists() and time.monotonic() < deadline:  # the first holds the lock
        time.sleep(0.05)
    second = _run(env, "second")
    out1, err1 = first.communicate(timeout=120)
    out2, err2 = second.communicate(timeout=120)
    assert first.returncode == 0, err1
    assert second.returncode == 0, err2
    assert "waiting for it" in err2 and "present" in err2
    bin_dir = Path(out1.strip().splitlines()[-1])
    assert out2.strip().splitlines()[-1] == str(bin_dir) and bin_dir.name.startswith("pulumi-v")
    assert sorted(p.name for p in bin_dir.iterdir()) == ["pulumi", "pulumi-resource-kubernetes"]

    calls = (tmp_path / "go-calls").read_text().splitlines()
    builds = [c for c in calls if " build " in c]
    outputs = [c.split(" -o ")[1].split()[0].rsplit("/", 1)[-1] for c in builds]
    assert sorted(outputs) == ["generate", "pulumi", "pulumi-resource-kubernetes"], outputs
    assert {c.split()[0] for c in builds} == {"first"}, "the second run must not build"
    caches = {c.split()[1] for c in builds}
    assert len(caches) == 1 and caches.pop().startswith(f"GOCACHE={cache}/.build-")  # private, inside the build dir
    assert not list(cache.glob(".build-*")), "the temporary build directory (and its GOCACHE) was left behind"
    version = next(c for c in builds if c.endswith("cmd/pulumi-resource-kubernetes"))
    pins = dict(line.split("=", 1) for line in (SCRIPT.parent / "versions.env").read_text().splitlines()
                if line and not line.startswith("#"))
    assert f"version.Version={pins['PULUMI_KUBERNETES_VERSION']}" in version  # it reports the pinned release
    assert f"version.Version={pins['PULUMI_VERSION']}" in next(c for c in builds if c.endswith("cmd/pulumi"))

    third = subprocess.run(["bash", str(SCRIPT)], env={**env, "RUN": "third"}, capture_output=True, text=True,
                           timeout=60)
    assert third.returncode == 0 and third.stdout.strip().splitlines()[-1] == str(bin_dir)
    assert len((tmp_path / "go-calls").read_text().splitlines()) == len(calls)  # nothing run at all
