"""Where the ops tools read from: the cluster (kubeconfig, context, timeout) and, for check/drift/explain, the plan.

Every tool call gets a fresh `ClusterReader` (its LISTs are memoised for the call only), so a long-running MCP
server never answers from a stale cache. Its only other request is to Prometheus through the API server's service
proxy (`ClusterReader.get_service_proxy`, planner/ops/prometheus.py) — never to a cluster IP.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from planner.errors import InputError


@dataclass(frozen=True)
class OpsContext:
    kubeconfig: str | None = None
    context: str | None = None
    timeout: float = 10.0
    stack_file: str | None = None
    profile: str | None = None

    @contextmanager
    def reader(self) -> Iterator[Any]:
        """A fresh, pinged ClusterReader (ClusterUnreachableError when the API cannot be reached)."""
        from planner.cluster import ClusterReader

        with ClusterReader(self.kubeconfig, self.context, self.timeout) as r:
            r.ping()
            yield r

    def plan(self, profile: str | None = None) -> Any:
        """The plan from the tool's `profile` argument, else the server's -f/--profile, else ./stackplan.yaml."""
        from pathlib import Path

        from planner.commands.options import DEFAULT_STACK_FILE, load_plan

        if profile:
            return load_plan(None, profile)
        if self.profile:
            return load_plan(None, self.profile)
        if self.stack_file or Path(DEFAULT_STACK_FILE).exists():
            return load_plan(self.stack_file, None)
        raise InputError("no stack file and no profile: check, drift and explain compare the cluster with a plan",
                         hint="pass `profile` (training-team, llm-inference, full-mlops), or start the server "
                              "with -f stackplan.yaml or --profile")
