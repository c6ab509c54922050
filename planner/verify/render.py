"""Render a release's chart with the real helm (`helm template`, through pyhelm3) — the I/O edge of verify-charts.

Nothing touches a cluster: `helm template` renders locally, with the plan's Kubernetes version and the API
versions of the CRDs that earlier releases of the plan render (so a chart's `.Capabilities.APIVersions.Has
"monitoring.coreos.com/v1"` sees kube-prometheus-stack when the plan has it).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from planner.errors import InputError

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
            return [d for d in yaml.load_all(out, Loader=_Loader) if d]
        except yaml.YAMLError as e:
            raise InputError(f"release `{release_id}`: helm template printed YAML that does not parse: {e}") from None


def _loader() -> type:
    import yaml

    class Loader(yaml.SafeLoader):
        """SafeLoader that reads a plain `=` as the string it is (YAML 1.1's value tag, e.g. in Grafana's ini)."""

    Loader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))
    return Loader


_Loader = _loader()


def find_helm_or_fail() -> str:
    from planner.engine.helm import HELM_HINT, find_helm

    helm = find_helm()
    if helm is None:
        raise InputError("helm was not found", hint=HELM_HINT)
    return helm
