"""The layer contracts of pyproject.toml's [tool.importlinter], checked by import-linter on every test run.

docs/architecture.md ("Layers") explains each contract.
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = {c["id"]: c for c in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
             ["contracts"]}
KEPT = sorted(CONTRACTS)


def lint(*contracts: str) -> subprocess.CompletedProcess[str]:
    code = ("import sys; from importlinter.cli import lint_imports; "
            f"sys.exit(lint_imports(limit_to_contracts={contracts!r}, no_cache=True, no_logo=True))")
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          check=False)


def test_every_kept_contract_holds() -> None:
    r = lint(*KEPT)
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-2000:]
    assert f"Contracts: {len(KEPT)} kept, 0 broken." in r.stdout


def test_a_broken_layer_is_caught(tmp_path: Path) -> None:
    """The contracts can fail: a copy of the package whose pure core imports the cluster edge is refused."""
    import shutil

    copy = tmp_path / "src"
    shutil.copytree(ROOT / "planner", copy / "planner", ignore=shutil.ignore_patterns("__pycache__", "_data"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    values = copy / "planner" / "values.py"
    values.write_text(values.read_text() + "\n\ndef _leak() -> None:\n    import planner.cluster  # noqa: F401\n")
    code = ("import sys; from importlinter.cli import lint_imports; "
            "sys.exit(lint_imports(limit_to_contracts=('pure-core',), no_cache=True, no_logo=True))")
    r = subprocess.run([sys.executable, "-c", code], cwd=copy, capture_output=True, text=True, timeout=300,
                       check=False, env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"})
    assert r.returncode == 1, r.stdout + r.stderr
    assert "planner.values is not allowed to import planner.cluster" in r.stdout


HEAVY = ("kr8s", "httpx", "pyhelm3", "pulumi", "pulumi_kubernetes", "anthropic", "mcp", "kubernetes", "lightkube")


@pytest.mark.parametrize("args", [("plan", "--profile", "full-mlops", "-o", "json"), ("validate", "-f", "-")])
def test_planning_loads_no_client_library(args: tuple[str, ...]) -> None:
    """At run time too: planning imports no Kubernetes client, helm wrapper, Pulumi or LLM SDK."""
    code = ("import sys, io\nsys.stdin = io.StringIO('profile: llm-inference\\n')\nfrom planner.cli import main\n"
            f"try:\n    main({list(args)!r})\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
            f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120,
                         check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout[-500:]


# What `plan` from a warm catalog cache has no use for (benchmarks/plan_speed.py measures the time): the YAML and
# schema stack (the cache replaces them), pathlib (+urllib, ipaddress), OpenSSL through hashlib (planner.values
# takes CPython's own SHA-256), dataclasses' code generation (planner.record), base64, tempfile, rich.
NOT_ON_THE_WARM_PLAN_PATH = ("ruamel", "yaml", "jsonschema", "pathlib", "_hashlib", "dataclasses", "base64",
                             "tempfile", "rich")


def test_a_warm_plan_imports_only_what_it_needs(tmp_path: Path) -> None:
    code = ("import sys\nbefore = set(sys.modules)\nfrom planner.cli import main\n"
            "try:\n    main(['plan', '--profile', 'full-mlops', '-o', 'json'])\nexcept SystemExit as e:\n"
            "    assert not e.code, e.code\n"
            "import json\nprint(json.dumps(sorted({m.split('.')[0] for m in set(sys.modules) - before})))")
    # -S: no .pth hooks, which import some of these (pathlib among them) before any code of ours runs
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path),
           "PYTHONPATH": os.pathsep.join([str(ROOT), *site.getsitepackages()])}
    env.pop("STACKPLAN_CATALOG_DIR", None)
    runs = [subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120,
                           check=True, env=env) for _ in range(2)]  # the first one fills the cache
    cold, warm = (set(json.loads(r.stdout.splitlines()[-1])) for r in runs)
    assert {"ruamel", "jsonschema"} <= cold  # the check can see an import at all
    assert warm & set(NOT_ON_THE_WARM_PLAN_PATH) == set(), sorted(warm)
