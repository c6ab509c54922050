"""The ops tools, as data: name, description, JSON Schema of the arguments, the function, and the `status` view
that prints the same facts. One registry for `stackplan status`, the MCP server and `stackplan ask`.

Every tool is read-only: it LISTs through the cluster reader (which refuses Secrets) and, for GPU utilisation,
GETs Prometheus through the API server's service proxy. `call()` validates the arguments, runs the tool and
passes the whole answer through the shared credential rules (planner/secrets.py) before anyone sees it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from planner.ops.context import OpsContext

Result = dict[str, Any]

_NS = {"type": "string", "description": "Only this namespace (default: all namespaces)."}
_PROFILE = {"type": "string", "enum": ["training-team", "llm-inference", "full-mlops"],
            "description": "Compare with this profile's default plan (default: the server's -f/--profile)."}
_COMPONENTS = {"type": "array", "items": {"type": "string"}, "description": "Only these components (ids)."}


def _schema(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "additionalProperties": False}


@dataclass(frozen=True)
class OpsTool:
    name: str
    description: str
    input_schema: dict[str, Any]
    run: Callable[[OpsContext, Mapping[str, Any]], Result]
    output_keys: tuple[str, ...]  # top-level keys every answer has (the MCP output schema requires them)
    status_view: str | None = None  # `stackplan status <view>` prints the same facts
    words: tuple[str, ...] = ()  # words of a question this tool answers (for `ask` without an API key)

    @property
    def output_schema(self) -> dict[str, Any]:
        return {"type": "object", "properties": {k: {} for k in self.output_keys}, "required": list(self.output_keys)}


def _gpus(ctx: OpsContext, args: Mapping[str, Any]) -> Result:
    from planner.ops.gpus import gpus
    from planner.ops.prometheus import utilisation

    with ctx.reader() as r:
        util = (lambda: utilisation(r, r.get_service_proxy)) if args.get("utilisation", True) else None
        return gpus(r, node=args.get("node"), utilisation=util)


def _jobs(ctx: OpsContext, args: Mapping[str, Any]) -> Result:
    from planner.ops.jobs import jobs

    with ctx.reader() as r:
        return jobs(r, namespace=args.get("namespace"), kind=args.get("kind"),
                    problems_only=bool(args.get("problems_only")))


def _inference(ctx: OpsContext, args: Mapping[str, Any]) -> Result:
    from planner.ops.inference import inference

    with ctx.reader() as r:
        return inference(r, namespace=args.get("namespace"), not_ready_only=bool(args.get("not_ready_only")))


def _pipelines(ctx: OpsContext, args: Mapping[str, Any]) -> Result:
    from planner.ops.pipelines import STUCK_AFTER_MINUTES, pipelines

    with ctx.reader() as r:
        return pipelines(r, namespace=args.get("namespace"), name=args.get("name"),
                         stuck_after_minutes=int(args.get("stuck_after_minutes", STUCK_AFTER_MINUTES)),
                         problems_only=bool(args.get("problems_only")))


def _report(report: Any, problems_only: bool) -> Result:
    data = report.to_dict()
    if problems_only:
        data["findings"] = [f for f in data.get("findings", []) if f.get("outcome") in ("FAILED", "UNKNOWN")]
    data.pop("meta", None)
    return data


def _check(ctx: OpsContext, args: Mapping[str, Any]) -> Result:
    from planner.checks.runner import run_checks

    plan = ctx.plan(args.get("profile"))
    with ctx.reader() as r:
        report = run_checks(plan, r, args.get("components") or None)
    return _report(report, args.get("problems_only", True))


def _drift(ctx: OpsContext, args: Mapping[str, Any]) -> Result:
    from planner.drift.compare import drift_report
    from planner.drift.reader import read_live

    plan = ctx.plan(args.get("profile"))
    with ctx.reader() as r:
        live = read_live(r, plan)
    return _report(drift_report(plan, live), args.get("problems_only", True))


def _explain(ctx: OpsContext, args: Mapping[str, Any]) -> Result:
    from planner.checks.runner import run_checks
    from planner.explain import explain_report

    plan = ctx.plan(args.get("profile"))
    with ctx.reader() as r:
        report = run_checks(plan, r, args.get("components") or None)
    explained = explain_report(report, offline=True, echo=lambda _m: None)
    return _report(explained, True)


def _preflight(ctx: OpsContext, args: Mapping[str, Any]) -> Result:
    from planner.catalog import load_catalog
    from planner.preflight import run_preflight

    plan = ctx.plan(args.get("profile"))
    with ctx.reader() as r:
        report = run_preflight(plan, r, version=r.ping(), blueprints=load_catalog().blueprints)
    return _report(report, args.get("problems_only", True))


TOOLS: dict[str, OpsTool] = {t.name: t for t in (
    OpsTool("gpus", "GPU inventory and allocation per GPU node: GPU product, capacity, allocatable, requested by the "
            "pods bound to the node, free, saturated nodes, the pods holding GPUs and, when Prometheus scrapes the "
            "DCGM exporter, utilisation (percent, 5-minute average).",
            _schema({"node": {"type": "string", "description": "Only this node."},
                     "utilisation": {"type": "boolean", "default": True,
                                     "description": "Also read DCGM utilisation from Prometheus (via the API "
                                                    "server's service proxy)."}}),
            _gpus, ("nodes", "total", "saturated"), "gpus",
            ("gpu", "gpus", "node", "nodes", "saturated", "utilisation", "utilization", "allocat", "capacity", "free")),
    OpsTool("jobs", "Batch jobs and their status: Kubeflow TrainJobs, Kueue Workloads (admitted, or pending and why), "
            "Volcano PodGroups and RayJobs, with reasons and recent Warning events; problems first.",
            _schema({"namespace": _NS, "kind": {"type": "string", "enum": ["TrainJob", "Workload", "PodGroup",
                                                                           "RayJob"]},
                     "problems_only": {"type": "boolean", "default": False,
                                       "description": "Only failed, pending, inadmissible or evicted jobs."}}),
            _jobs, ("jobs", "counts"), "jobs",
            ("job", "jobs", "train", "training", "kueue", "workload", "queue", "podgroup", "volcano", "rayjob",
             "pending", "admitted")),
    OpsTool("inference", "Inference endpoints: KServe InferenceServices, KubeAI Models, vLLM production-stack engines "
            "and Ray Serve RayServices, with readiness, replicas, URL and recent errors (pods that cannot start, "
            "Warning events); not-ready first.",
            _schema({"namespace": _NS, "not_ready_only": {"type": "boolean", "default": False}}),
            _inference, ("endpoints", "notReady", "withErrors"), "inference",
            ("inference", "serving", "endpoint", "endpoints", "model", "models", "kserve", "vllm", "kubeai",
             "rayservice", "predictor", "error", "errors")),
    OpsTool("pipelines", "Pipeline runs (the Argo Workflows Kubeflow Pipelines runs are made of): phase, progress, "
            "the failing step with its message, active steps, and whether the run looks stuck (no progress for "
            "stuck_after_minutes, or a step's pod cannot start).",
            _schema({"namespace": _NS, "name": {"type": "string", "description": "A Workflow name or a Kubeflow "
                                                                                 "Pipelines run id."},
                     "stuck_after_minutes": {"type": "integer", "minimum": 1, "default": 30},
                     "problems_only": {"type": "boolean", "default": False}}),
            _pipelines, ("runs", "counts", "stuck"), "pipelines",
            ("pipeline", "pipelines", "workflow", "workflows", "run", "runs", "step", "steps", "stuck", "argo")),
    OpsTool("check", "Run stackplan's health checks for the plan's components against the cluster (the same as "
            "`stackplan check`); by default only FAILED and UNKNOWN findings, each with evidence.",
            _schema({"profile": _PROFILE, "components": _COMPONENTS,
                     "problems_only": {"type": "boolean", "default": True}}),
            _check, ("kind", "summary", "findings")),
    OpsTool("drift", "Compare the plan with the cluster (the same as `stackplan drift`): releases, chart versions, "
            "values, CRDs, workloads and custom resources; by default only the differences.",
            _schema({"profile": _PROFILE, "problems_only": {"type": "boolean", "default": True}}),
            _drift, ("kind", "summary", "findings")),
    OpsTool("preflight", "Check, before installing the plan, what can be answered now (the same as `stackplan "
            "preflight`): Kubernetes version ranges, StorageClass, GPU facts, declared prerequisites, quotas against "
            "allocatable resources, other installs, CRD ownership, Pod Security, models against GPUs; by default only "
            "the problems.",
            _schema({"profile": _PROFILE, "problems_only": {"type": "boolean", "default": True}}),
            _preflight, ("kind", "summary", "findings")),
    OpsTool("explain", "Run the health checks and explain every problem from stackplan's offline knowledge base "
            "(what is wrong, likely cause, fix, next commands; nothing is sent anywhere).",
            _schema({"profile": _PROFILE, "components": _COMPONENTS}),
            _explain, ("kind", "summary", "findings")),
)}


class ToolArgumentError(ValueError):
    """The arguments do not match the tool's input schema."""


def validate_args(tool: OpsTool, args: Mapping[str, Any] | None) -> dict[str, Any]:
    import jsonschema

    data = dict(args or {})
    try:
        jsonschema.validate(data, tool.input_schema)
    except jsonschema.ValidationError as e:
        where = "/".join(str(p) for p in e.absolute_path)
        raise ToolArgumentError(f"{tool.name}: invalid arguments{f' at `{where}`' if where else ''}: {e.message}") \
            from None
    return data


def call(name: str, args: Mapping[str, Any] | None, ctx: OpsContext) -> Result:
    """Run one tool and return its answer with every credential masked (planner/secrets.py).

    Raises KeyError (unknown tool), ToolArgumentError, StackplanError (bad plan, cluster unreachable)."""
    from planner.secrets import REDACTED, mask_tree

    tool = TOOLS[name]
    return mask_tree(tool.run(ctx, validate_args(tool, args)), REDACTED)


def status_for(question: str) -> list[str]:
    """The `stackplan status` views whose tools answer a question, best first (by the words it uses)."""
    import re

    words = re.findall(r"[a-z]+", question.lower())
    scores = []
    for t in TOOLS.values():
        if t.status_view:
            hits = [i for i, w in enumerate(words) if any(w == k or (len(k) > 4 and w.startswith(k)) for k in t.words)]
            if hits:  # more matching words first; on a tie the later one (`GPU jobs` are jobs)
                scores.append((-len(hits), -hits[-1], t.status_view))
    return [view for *_, view in sorted(scores)]
