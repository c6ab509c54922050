"""HC030: Volcano queues are Open, including the `root` and `default` queues the scheduler creates.

Queue `status.state` Open | Closed | Closing | Unknown
(volcano-sh/volcano:staging/src/volcano.sh/apis/pkg/apis/scheduling/v1beta1/types.go@0e305460);
`root` and `default` are created at scheduler start (pkg/scheduler/cache/cache.go@v1.15.1, component-facts.md §3);
queue `stackplan` by `stackplan apply` / the Pulumi program (planner/desired/objects.py).
"""

from __future__ import annotations

from planner.checks import k8s
from planner.checks.base import Check
from planner.checks.declared import missing
from planner.checks.view import ClusterView
from planner.kinds import VOLCANO_QUEUES
from planner.report import Finding, Severity, Subject

BUILTIN = ("root", "default")


class VolcanoQueuesOpen(Check):
    id = "HC030"
    title = "Volcano queues are open"
    components = ("volcano",)
    severity = Severity.HIGH
    reads = (VOLCANO_QUEUES,)
    remediation = ("Open a closed queue with `vcctl queue operate -n NAME -a open`; if `default`/`root` are missing, "
                   "the volcano-scheduler has not started (check its Deployment).")

    def evaluate(self, view: ClusterView) -> list[Finding]:
        queues = view.list(VOLCANO_QUEUES)
        names = {k8s.name(q) for q in queues}
        out = [self.failed(Subject("Queue", q), f"Volcano queue `{q}` does not exist",
                           evidence=[f"no Queue named {q} among {len(queues)} queue(s)"])
               for q in BUILTIN if q not in names]
        out += missing(self, view, "Queue", queues, "Volcano queue")
        for q in queues:
            state = (q.get("status") or {}).get("state")
            sensitive = () if k8s.name(q) in BUILTIN else (k8s.name(q),)
            evidence = [f"{k8s.ref(q)} .status.state={state}"]
            if state == "Open":
                out.append(self.passed(k8s.subject(q), f"queue {k8s.name(q)} is Open", evidence=evidence,
                                       sensitive=sensitive))
            else:
                out.append(self.failed(k8s.subject(q), f"queue {k8s.name(q)} is {state or 'without state'}",
                                       evidence=evidence, sensitive=sensitive))
        return out
