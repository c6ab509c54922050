"""Where the ops tools read from: the cluster (kubeconfig, context, timeout) and, for check, drift, preflight and
explain, the plan.

Every tool call gets a fresh `ClusterReader` (its LISTs are memoised for the call only), so a long-running MCP
server never answers from a stale cache. Its only other request is to Prometheus through the API server's service
proxy (`ClusterReader.get_service_proxy`, planner/ops/prometheus.py) — never to a cluster IP.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
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
    # (stack file, profile) -> Plan; InputError when neither is given and there is no ./stackplan.yaml
    load_plan: Callable[[str | None, str | None], Any] | None = None

    @contextmanager
    def reader(self) -> Iterator[Any]:
        """A fresh, pinged ClusterReader (ClusterUnreachableError when the API cannot be reached)."""
        from planner.cluster import ClusterReader

        with ClusterReader(self.kubeconfig, self.context, self.timeout) as r:
            r.ping()
            yield r

    def plan(self, profile: str | None = None) -> Any:
        """The plan from the tool's `profile` argument, else the server's -f/--profile, else ./stackplan.yaml
        (through `load_plan`, which the command layer passes in: planner.commands.options.load_plan)."""
        if self.load_plan is None:
            raise InputError("check, drift, preflight and explain compare the cluster with a plan, and none was given",
                             hint="start the server with -f stackplan.yaml or --profile")
        if profile:
            return self.load_plan(None, profile)
        return self.load_plan(None if self.profile else self.stack_file, self.profile)
