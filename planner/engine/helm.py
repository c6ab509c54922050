"""Helm releases through pyhelm3 over the real `helm` binary (the only module that imports pyhelm3).

pyhelm3 runs the binary (process handling, cancellation, error classes) and reads release state
(`helm status`, `helm get values`). The install itself is one `helm upgrade --install --wait` built
here, because pyhelm3's `install_or_upgrade_release` cannot pass `--labels`.

What carries stackplan's marks on a Helm release (chart values are never touched):
- the release record (Secret `sh.helm.release.v1.<id>.v<n>`) gets the labels
  `app.kubernetes.io/managed-by=stackplan` and `stackplan.dev/release=<id>` (`helm --labels`, Helm >= 3.13);
- the revision description is planner/desired/revision.py's, as the Pulumi program writes it (`helm history`);
- the objects the chart renders carry Helm's own `app.kubernetes.io/managed-by: Helm` and
  `meta.helm.sh/release-name: <id>` marks; stackplan adds nothing to them (that needs a post-renderer).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from planner.desired.labels import identity_labels
from planner.desired.revision import description
from planner.engine.charts import ChartTarget
from planner.engine.duration import seconds
from planner.engine.runner import Deployed
from planner.engine.state import StepError, trim_error
from planner.errors import InputError
from planner.model import Release
from planner.values import digest

HELM_HINT = (
    "install helm 3 (https://helm.sh/docs/intro/install/ — e.g. `brew install helm`, or "
    "`go install helm.sh/helm/v3/cmd/helm@v3.22.0`) and put it on PATH, or set STACKPLAN_HELM to its path"
)
PENDING = {"pending-install", "pending-upgrade", "pending-rollback", "uninstalling"}



def _stderr(exc: Exception) -> str:
    raw = getattr(exc, "stderr", b"")
    return raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw or exc)


class PyHelmRunner:
    """HelmRunner over pyhelm3. `kubeconfig`/`context` follow kubectl's conventions."""

    def __init__(self, executable: str, *, kubeconfig: str | None = None, context: str | None = None) -> None:
        import logging

        from pyhelm3 import Client
        from pyhelm3.command import Command

        # pyhelm3 logs every failed command (a missing release is one); stackplan reports failures itself
        logging.getLogger("pyhelm3").setLevel(logging.CRITICAL)

        self._command = Command(executable=executable, kubeconfig=Path(kubeconfig) if kubeconfig else None,
                                kubecontext=context)
        self._client = Client(command=self._command, executable=executable)
        self.version = self._client.version  # semver.Version; Client ran `helm version`

    @property
    def supports_labels(self) -> bool:
        return (self.version.major, self.version.minor) >= (3, 13)

    async def manifest(self, release: Release) -> list:
        """The objects of the release's current revision (`helm get manifest`), parsed."""
        return [d for d in await self._command.get_resources(release.id, namespace=release.namespace) if d]

    async def deployed(self, release: Release) -> Deployed | None:
        from pyhelm3 import errors

        try:
            rev = await self._client.get_current_revision(release.id, namespace=release.namespace)
        except errors.ReleaseNotFoundError:
            return None
        except errors.Error as e:
            raise StepError(f"helm status: {trim_error(_stderr(e))}") from e
        try:
            meta = await rev.chart_metadata()
            values = await rev.values()
        except errors.Error as e:
            raise StepError(f"helm get: {trim_error(_stderr(e))}") from e
        from planner.values import values_equal

        # Helm stores numbers as float64 (2.0 comes back as 2): equal up to that is the plan's digest
        live = release.values_digest if values_equal(release.values, values, release.values_digest) else digest(values)
        return Deployed(status=rev.status.value, chart=meta.name, version=meta.version,
                        values_digest=live, revision=rev.revision)

    async def chart_crds(self, target: ChartTarget) -> list[dict]:
        """The CustomResourceDefinitions in the chart's crds/ folder, through pyhelm3's `show_crds`.

        pyhelm3 reads the crds/ files itself (`helm show crds` glues multi-document files together,
        helm/helm#11261). It reads a chart directory; a chart from a repository or an OCI registry is pulled
        first (`pull_chart`, at the pinned version), a local .tgz is unpacked into a temporary directory.
        """
        import tarfile
        import tempfile

        from pyhelm3 import errors

        try:
            if not target.local:
                async with self._client.pull_chart(target.ref, repo=target.repo, version=target.version) as chart:
                    docs = await self._command.show_crds(chart.ref)
            elif Path(target.ref).is_dir():
                docs = await self._command.show_crds(Path(target.ref))
            else:
                with tempfile.TemporaryDirectory(prefix="stackplan-chart-") as tmp:
                    with tarfile.open(target.ref) as archive:
                        archive.extractall(tmp, filter="data")
                    docs = await self._command.show_crds(Path(tmp))
        except errors.Error as e:
            raise StepError(f"reading the chart's CRDs: {trim_error(_stderr(e))}") from e
        except (OSError, tarfile.TarError, RuntimeError) as e:  # no Chart.yaml: pyhelm3's glob ends (RuntimeError)
            raise StepError(f"reading the chart's CRDs from {target.ref}: {type(e).__name__}: {e}") from e
        return [d for d in docs if isinstance(d, dict) and d.get("kind") == "CustomResourceDefinition"]

    def upgrade_args(self, release: Release, target: ChartTarget, timeout: str) -> list[str]:
        """The `helm upgrade --install` arguments (values go on stdin as JSON, never to a file)."""
        args = ["upgrade", release.id, target.ref, "--install", "--namespace", release.namespace,
                "--create-namespace", "--wait", "--timeout", timeout, "--history-max", "10",
                "--values", "-", "--output", "json",
                "--description", description(release)]
        if target.repo:
            args += ["--repo", target.repo]
        if target.version:
            args += ["--version", target.version]
        if self.supports_labels:
            args += ["--labels", ",".join(f"{k}={v}" for k, v in identity_labels(release.id).items())]
        return args

    async def upgrade(self, release: Release, target: ChartTarget, timeout: str, current: Deployed | None) -> str:
        import json

        from pyhelm3 import errors

        limit = seconds(timeout) + 60  # helm enforces --timeout; this only guards a hung process
        try:
            if current is not None and current.status in PENDING:
                # an interrupted earlier run: roll back or remove the stuck revision so helm accepts a new one
                await asyncio.wait_for(self._client.get_proceedable_revision(
                    release.id, namespace=release.namespace, timeout=timeout), limit)
            out = await asyncio.wait_for(
                self._command.run(self.upgrade_args(release, target, timeout),
                                  json.dumps(dict(release.values)).encode()), limit)
        except errors.Error as e:
            raise StepError(trim_error(_stderr(e))) from e
        except TimeoutError as e:
            raise StepError(f"helm did not finish within {timeout} (+60s)") from e
        revision = _revision(out)
        verb = "installed" if current is None else "upgraded"
        return f"{verb} (revision {revision})" if revision else verb


def _revision(stdout: bytes) -> int | None:
    import json

    text = stdout.decode(errors="replace")
    start = text.find("{")  # helm may print OCI pull lines before the JSON
    if start < 0:
        return None
    try:
        return int(json.loads(text[start:]).get("version"))
    except (ValueError, TypeError, AttributeError):
        return None


# --- `helm template` for verify-charts and `images --chart-dir` (planner/verify/render.py) ---

TEMPLATE_TIMEOUT = 300.0


class HelmTemplate:
    """`helm template` over pyhelm3's command runner (the project's one way to run helm)."""

    def __init__(self, executable: str) -> None:
        import logging

        from pyhelm3.command import Command

        logging.getLogger("pyhelm3").setLevel(logging.CRITICAL)
        self._command = Command(executable=executable)
        self.executable = executable

    async def render(self, release_id: str, chart_path: str, namespace: str, values: Mapping[str, Any],
                     kube_version: str, api_versions: Iterable[str] = ()) -> list[Any]:
        """The parsed documents of `helm template` (CRDs and hooks included), or raise InputError."""
        import yaml
        from pyhelm3 import errors

        args = ["template", release_id, chart_path, "--namespace", namespace, "--include-crds",
                "--kube-version", kube_version, "--values", "-"]
        for api in sorted(set(api_versions)):
            args += ["--api-versions", api]
        try:
            out = await self._command.run(args, json.dumps(values).encode())
        except errors.Error as e:
            raw = getattr(e, "stderr", b"")
            text = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw or e)
            raise InputError(f"release `{release_id}`: helm template {chart_path} failed: {text.strip()[:2000]}",
                             hint="check that the chart directory holds the pinned chart with its charts/ "
                                  "dependencies") from None
        try:
            return [d for d in yaml.load_all(out, Loader=_template_loader()) if d]
        except yaml.YAMLError as e:
            raise InputError(f"release `{release_id}`: helm template printed YAML that does not parse: {e}") from None


@cache
def _template_loader() -> type:
    import yaml

    class Loader(yaml.SafeLoader):
        """SafeLoader that reads a plain `=` as the string it is (YAML 1.1's value tag, e.g. in Grafana's ini)."""

    Loader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))
    return Loader
