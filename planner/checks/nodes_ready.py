"""HC008: every node is Ready.

Field: core/v1 NodeStatus condition `Ready` (k8s v1.35); NotReady/Unknown nodes lose their pods.
"""

from __future__ import annotations

from planner.checks import k8s
from planner.checks.base import Check
from planner.checks.view import ClusterView
from planner.kinds import NODES
from planner.report import Finding, Severity


class NodesReady(Check):
    id = "HC008"
    title = "Nodes are Ready"
    severity = Severity.HIGH
    reads = (NODES,)
    remediation = "kubectl describe node NODE; check the kubelet and container runtime on the node."

    def evaluate(self, view: ClusterView) -> list[Finding]:
        nodes, out = view.list(NODES), []
        for node in nodes:
            if not k8s.is_true(node, "Ready"):
                out.append(self.failed(k8s.subject(node), f"node {k8s.name(node)} is not Ready",
                                       evidence=[k8s.describe_condition(node, "Ready")],
                                       sensitive=(k8s.name(node),)))
        if not nodes:
            out.append(self.failed(self.scope("nodes"), "the cluster has no nodes",
                                   evidence=["Node list is empty"], remediation="add nodes to the cluster"))
        elif not out:
            out.append(self.passed(self.scope("nodes"), f"{len(nodes)} node(s) Ready"))
        return out
