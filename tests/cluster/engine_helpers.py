"""The real Pulumi engine for the cluster tier: finding its binaries, the engine's environment, a stackplan project
driven through the Automation API with an inline program, and the `pulumi` the CLI path (`drift --pulumi`) runs.

The engine is the Pulumi CLI and the Kubernetes provider that `bash testbin/engine/build.sh` builds from the Go
module proxy (docs/control-plane.md, "The Pulumi engine"). The Python language host is not served by the proxy,
so programs run as Automation API inline programs: the SDK serves the language runtime from this process
(pulumi.automation._server.LanguageServer) and passes `--client=127.0.0.1:<port>` to the CLI, and the program
runs the generated `__main__.py` with runpy. The `pulumi` written by `cli_shim` does the same for a plain CLI
call, so `stackplan drift --pulumi` runs the real `pulumi preview` (only the language host is replaced).
"""

from __future__ import annotations

import os
import runpy
import stat
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ENGINE = ("pulumi", "pulumi-resource-kubernetes")
BUILD_HINT = "build them with `bash testbin/engine/build.sh` (or set STACKPLAN_PULUMI_ENGINE to their directory)"
PASSPHRASE = "stackplan-tests-passphrase"  # the file backend's secrets provider; test state only


def find_engine() -> Path | None:
    """The directory holding both engine binaries: $STACKPLAN_PULUMI_ENGINE, else the newest cached build."""
    explicit = os.environ.get("STACKPLAN_PULUMI_ENGINE")
    candidates = [Path(explicit)] if explicit else []
    cache = Path(os.environ.get("STACKPLAN_TESTBIN_CACHE") or Path.home() / ".cache" / "stackplan" / "testbin")
    if not explicit and cache.is_dir():
        candidates = sorted(cache.glob("pulumi-*"), key=lambda p: p.stat().st_mtime, reverse=True)
    for d in candidates:
        if all(os.access(d / name, os.X_OK) for name in ENGINE):
            return d
    return None


def engine_env(engine: Path, tools: Path, kubeconfig: str, home: Path) -> dict[str, str]:
    """Variables for the engine: a file backend and PULUMI_HOME under `home`, no update check, no plugin download
    (the provider comes from PATH: an ambient plugin), the test passphrase, and the cluster's kubeconfig."""
    (home / "state").mkdir(parents=True, exist_ok=True)
    return {
        "PATH": f"{engine}{os.pathsep}{tools}{os.pathsep}{os.environ.get('PATH', '')}",
        "KUBECONFIG": kubeconfig,
        "PULUMI_HOME": str(home / "pulumi-home"),
        "PULUMI_BACKEND_URL": f"file://{home / 'state'}",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": "true",
        "KUBECACHEDIR": str(home / "kube-cache"),  # the provider's discovery cache (else ./.kube/cache)
        "HELM_CACHE_HOME": str(home / "helm-cache"),
        "HELM_CONFIG_HOME": str(home / "helm-config"),
        "HELM_DATA_HOME": str(home / "helm-data"),
    }


def program_of(project: Path) -> Callable[[], None]:
    """The inline program: the generated __main__.py, run as `pulumi up` would run it."""
    def program() -> None:
        runpy.run_path(str(project / "__main__.py"), run_name="__main__")
    return program


@dataclass(frozen=True)
class Step:
    op: str
    type: str
    name: str
    diffs: tuple[str, ...] = ()  # top-level properties that change
    paths: tuple[str, ...] = ()  # detailed diff: property paths that change


@dataclass
class Run:
    """What one engine operation did: its steps (ResourcePreEvents) and diagnostics."""

    steps: list[Step] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    summary: Mapping[str, int] = field(default_factory=dict)

    def changes(self) -> list[Step]:
        return [s for s in self.steps if s.op not in ("same", "read", "refresh")]

    def on_event(self, event: Any) -> None:
        pre = getattr(event, "resource_pre_event", None)
        if pre is not None:
            m = pre.metadata
            self.steps.append(Step(m.op.value, m.type, m.urn.rsplit("::", 1)[-1], tuple(m.diffs or ()),
                                   tuple(sorted(m.detailed_diff or ()))))
        diag = getattr(event, "diagnostic_event", None)
        if diag is not None and diag.severity == "error":
            self.errors.append(diag.message)


class Project:
    """A `stackplan init` directory and its stack, driven through the Automation API (inline program)."""

    def __init__(self, directory: Path, env: Mapping[str, str], stack_name: str = "dev") -> None:
        from pulumi import automation as auto

        self.dir = directory
        self.env = dict(env)
        name = yaml.safe_load((directory / "Pulumi.yaml").read_text())["name"]
        opts = auto.LocalWorkspaceOptions(work_dir=str(directory), pulumi_home=env["PULUMI_HOME"],
                                          env_vars=dict(env))
        self.stack = auto.create_or_select_stack(stack_name, project_name=name, program=program_of(directory),
                                                 opts=opts)

    def _run(self, op: str, **kw: Any) -> Run:
        run = Run()
        result = getattr(self.stack, op)(on_event=run.on_event, color="never", **kw)
        summary = getattr(result, "change_summary", None) or getattr(result.summary, "resource_changes", None)
        run.summary = {getattr(k, "value", k): v for k, v in (summary or {}).items()}
        return run

    def preview(self, **kw: Any) -> Run:
        return self._run("preview", **kw)

    def up(self) -> Run:
        return self._run("up")

    def destroy(self) -> Run:
        return self._run("destroy")


SHIM = '''#!{python}
"""`pulumi` for a plain CLI call in a stackplan project: the real CLI, with the project's __main__.py served as an
inline program (the language host the Go module proxy does not serve). Calls that bring their own --client (the
Automation API's) and every other command go to the real CLI as they are. Written by tests/cluster/engine_helpers.py."""
import os, runpy, subprocess, sys
from concurrent import futures

real = {real!r}
args = sys.argv[1:]
if args and args[0] in ("preview", "up", "destroy", "refresh") and not any(a.startswith("--client") for a in args):
    import grpc
    from pulumi.automation._server import LanguageServer
    from pulumi.runtime.proto import language_pb2_grpc

    main = os.path.join(os.getcwd(), "__main__.py")
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(
        LanguageServer(lambda: runpy.run_path(main, run_name="__main__")), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    code = subprocess.call([real, *args, f"--client=127.0.0.1:{{port}}", "--exec-kind", "auto.inline"])
    server.stop(0)
    sys.exit(code)
os.execv(real, [real, *args])
'''


def cli_shim(bin_dir: Path, engine: Path) -> Path:
    """Write the `pulumi` of a plain CLI call (see SHIM) into bin_dir; put bin_dir first on PATH."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    path = bin_dir / "pulumi"
    path.write_text(SHIM.format(python=sys.executable, real=str(engine / "pulumi")))
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path
