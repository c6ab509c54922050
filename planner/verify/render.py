"""Render a release's chart with the real helm (`helm template`) — the I/O edge of verify-charts.

Nothing touches a cluster: `helm template` renders locally, with the plan's Kubernetes version and the API
versions of the CRDs that earlier releases of the plan render (so a chart's `.Capabilities.APIVersions.Has
"monitoring.coreos.com/v1"` sees kube-prometheus-stack when the plan has it). The runner itself lives with the
project's one helm client, planner/engine/helm.py.
"""

from __future__ import annotations

from planner.engine.helm import TEMPLATE_TIMEOUT, HelmTemplate
from planner.errors import InputError

__all__ = ["TEMPLATE_TIMEOUT", "HelmTemplate", "find_helm_or_fail"]


def find_helm_or_fail() -> str:
    from planner.engine.helm import HELM_HINT
    from planner.tools import find_helm

    helm = find_helm()
    if helm is None:
        raise InputError("helm was not found", hint=HELM_HINT)
    return helm
