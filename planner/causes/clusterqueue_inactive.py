"""RC005: an inactive (or missing) Kueue ClusterQueue explains its LocalQueues, gated pods and inadmissible
workloads.

A LocalQueue is Active only while its ClusterQueue exists and is active; a Workload submitted to it gets
QuotaReserved=False reason Inadmissible, and its pods keep the `kueue.x-k8s.io/admission` scheduling gate
(kubernetes-sigs/kueue:pkg/controller/core/localqueue_controller.go, workload_controller.go@v0.19.2;
site/content/en/docs/concepts/cluster_queue.md). Root: HC020 FAILED about ClusterQueue X (inactive, or
declared and missing). Members: HC021, HC022 and HC023 findings whose fact `clusterQueue` is X.
"""

from __future__ import annotations

from planner.causes.base import Indexed, Link, Rule, failed
from planner.report import Confidence


class ClusterQueueInactive(Rule):
    id = "RC005"
    title = "A Kueue ClusterQueue is inactive or missing"
    source = ("kubernetes-sigs/kueue:pkg/controller/core/localqueue_controller.go@v0.19.2, "
              "pkg/controller/core/workload_controller.go@v0.19.2")
    confidence = Confidence.HIGH

    def link(self, problems: Indexed) -> list[Link]:
        out = []
        for fid, f in problems:
            if not failed(f, "HC020") or f.subject.kind != "ClusterQueue":
                continue
            name = f.subject.name
            members = tuple(i for i, g in problems if g.check_id in ("HC021", "HC022", "HC023")
                            and g.fact("clusterQueue") == name)
            state = "missing" if f.fact("exists") == "false" else "inactive"
            out.append(Link(fid, members, f"ClusterQueue {name} is {state}, so nothing queued to it is admitted",
                            self.confidence))
        return out
