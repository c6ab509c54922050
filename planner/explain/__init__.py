"""Explanations: a second pass over a Report that attaches an Explanation to every FAILED/UNKNOWN finding.

With an API key (and without --offline) the findings are redacted (always) and anonymized (--anonymize),
grouped by component, looked up in the on-disk cache, and the rest sent to the model in batches; any
finding the model does not explain — API error, invalid answer, no key — is explained by the offline
knowledge base. Every explanation says where it came from (`model:<id>` or `knowledge-base:<entry>`).

Root causes (Report.causes) cost one explanation each: the findings a cause explains are not explained
one by one; its root is sent with the rule's link and its members' subjects and messages, and the model
is asked to confirm or refine that link (the rule stays the judge of what is linked; the answer says
whether the evidence agrees). The explanation is attached to the root finding and to the cause.
The exit code of a command is always the report's; explaining never changes it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from planner.explain.base import Explainer, ExplainerUnavailable
from planner.explain.cache import ExplanationCache, cache_key
from planner.explain.config import ExplainConfig, resolve_config
from planner.explain.offline import OfflineExplainer
from planner.explain.prompts import LINK_PREFIX, finding_payload
from planner.explain.sanitize import Sanitizer
from planner.report import Cause, Explanation, Finding, Report

__all__ = ["Explainer", "ExplainerUnavailable", "explain_report"]

Echo = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def _stdout(message: str) -> None:
    print(message)


@dataclass
class _Run:
    """Counters for the run summary (Report.meta["explain"])."""

    backend: str
    model: str | None = None
    requests: int = 0
    cached: int = 0
    from_model: int = 0
    from_kb: int = 0
    failure: str | None = None
    notes: list[str] = field(default_factory=list)


NO_KEY_NOTICE = "no ANTHROPIC_API_KEY: using the offline knowledge base"


def explain_report(report: Report, *, offline: bool = False, anonymize: bool = False, show_prompt: bool = False,
                   model: str | None = None, base_url: str | None = None, no_cache: bool = False,
                   echo: Echo = _stderr, prompt_echo: Echo = _stdout, config: ExplainConfig | None = None,
                   explainer: Explainer | None = None) -> Report:
    """Attach explanations to the report's problems. With `show_prompt`, print the requests and send nothing
    (the report comes back unchanged). `no_cache` neither reads nor writes the answer cache.
    `config`/`explainer` are for tests and embedding."""
    # bad settings are exit 2 even on a clean report; --offline reads none of them
    cfg = config or (ExplainConfig() if offline else resolve_config(model=model, base_url=base_url))
    ids = report.ids()
    members = report.explained_by()
    roots = {c.root: c for c in report.causes}
    by_id = dict(zip(ids, report.findings, strict=True))
    problems = [(i, f) for i, f in enumerate(report.findings) if f.is_problem and ids[i] not in members]
    if not problems:
        return report
    sent = [(i, with_cause(f, roots[ids[i]], by_id) if ids[i] in roots else f) for i, f in problems]
    if no_cache:
        cfg = replace(cfg, cache_dir=None)
    use_model = not offline and (cfg.has_key or show_prompt or explainer is not None)
    if not offline and not use_model:
        echo(NO_KEY_NOTICE)  # once per run: not asked for --offline, so say why no model is used
    run = _Run(backend="model" if use_model else "knowledge-base", model=cfg.model if use_model else None)
    answers: dict[int, Explanation] = {}
    sanitizer = Sanitizer(anonymize=anonymize)
    if use_model:
        llm = explainer or _anthropic(cfg, echo)
        answers = _ask_model(sent, cfg, llm, sanitizer, run, echo, prompt_echo if show_prompt else None)
        if show_prompt:
            echo(_prompt_note(sanitizer, run))
            return report
    kb = OfflineExplainer()
    findings = list(report.findings)
    for i, f in problems:
        x = answers.get(i)
        if x is None:
            x = kb.explain([f])[0]
            assert x is not None
            if ids[i] in roots:
                x = _kb_for_cause(x, roots[ids[i]])
            run.from_kb += 1
        else:
            run.from_model += 1
        assert x is not None
        findings[i] = f.with_explanation(x)
    meta = dict(report.meta)
    explained = {ids[i]: findings[i].explanation for i, _ in problems}
    causes = tuple(c.with_explanation(x) if (x := explained.get(c.root)) else c for c in report.causes)
    meta["explain"] = {"backend": run.backend, "model": run.model, "requests": run.requests, "cached": run.cached,
                       "fromModel": run.from_model, "fromKnowledgeBase": run.from_kb,
                       "causes": len(report.causes), "explainedByCause": len(members),
                       "redactions": sanitizer.redactions, "anonymized": sanitizer.anonymized,
                       "fallback": run.failure}
    return replace(report, findings=tuple(findings), meta=meta, causes=causes)


MAX_MEMBERS_SENT = 4  # members listed with a cause's root; the rest are counted (keeps one finding's payload small)


def with_cause(root: Finding, cause: Cause, by_id: dict[str, Finding]) -> Finding:
    """The root as sent to the model: the rule's link and what it explains go first in the evidence (so they
    pass through the same redaction and anonymization), and the members' names join `sensitive`."""
    listed = [by_id[m] for m in cause.members[:MAX_MEMBERS_SENT]]
    lines = [f"{LINK_PREFIX} {cause.rule} ({cause.confidence.value} confidence): {cause.title}",
             *(f"explains {m.check_id} {m.subject}: {m.message}" for m in listed)]
    if len(cause.members) > len(listed):
        lines.append(f"explains {len(cause.members) - len(listed)} more finding(s)")
    names = [x for m in map(by_id.__getitem__, cause.members)
             for x in (*m.sensitive, m.subject.name, m.subject.namespace or "") if x]
    return replace(root, evidence=(*lines, *root.evidence), sensitive=tuple(dict.fromkeys((*root.sensitive, *names))))


def _kb_for_cause(x: Explanation, cause: Cause) -> Explanation:
    """The knowledge base explains the root alone; say what else the rule links to it."""
    return replace(x, cause=f"{x.cause} Rule {cause.rule} links {len(cause.members)} other finding(s) to this one "
                            f"({cause.confidence.value} confidence): {cause.title}.")


def _anthropic(cfg: ExplainConfig, echo: Echo) -> Explainer:
    from planner.explain.anthropic import AnthropicExplainer

    return AnthropicExplainer(cfg, notice=echo)


def _groups(problems: Sequence[tuple[int, Finding]], size: int) -> list[list[int]]:
    """Positions (into `problems`) grouped by component in first-seen order, then cut into batches."""
    by_component: dict[str, list[int]] = {}
    for pos, (_, f) in enumerate(problems):
        by_component.setdefault(f.component or "cluster", []).append(pos)
    return [group[i:i + size] for group in by_component.values() for i in range(0, len(group), max(1, size))]


def _ask_model(problems: Sequence[tuple[int, Finding]], cfg: ExplainConfig, llm: Explainer, sanitizer: Sanitizer,
               run: _Run, echo: Echo, prompt_echo: Echo | None) -> dict[int, Explanation]:
    sent = sanitizer.prepare([f for _, f in problems])  # everything below sees only redacted findings
    cache = ExplanationCache(cfg.cache_dir)
    keys = [cache_key(cfg.model, finding_payload(f), cfg.endpoint) for f in sent]
    answers: dict[int, Explanation] = {}
    batches = _groups(problems, cfg.max_batch)
    shown = 0
    for batch in batches:
        todo = []
        for pos in batch:
            hit = cache.get(keys[pos])
            if hit is not None and prompt_echo is None:
                answers[problems[pos][0]] = sanitizer.restore(Explanation.from_dict(hit))
                run.cached += 1
            elif hit is not None:
                run.cached += 1
            else:
                todo.append(pos)
        if not todo:
            continue
        if prompt_echo is not None:
            shown += 1
            prompt_echo(_render_request(llm, [sent[p] for p in todo], shown, cfg))
            continue
        if run.failure is not None:
            continue  # the API is unavailable for this run: the knowledge base answers the rest
        try:
            result = llm.explain([sent[p] for p in todo])
        except ExplainerUnavailable as e:
            if str(e) not in run.notes:  # one plain message per distinct problem, never a traceback
                run.notes.append(str(e))
                echo(f"warning: {e}; using the offline knowledge base instead")
            if e.fatal:
                run.failure = str(e)
            continue
        finally:
            run.requests = getattr(llm, "requests", run.requests + 1)
        for pos, x in zip(todo, result, strict=True):
            if x is None:
                continue
            cache.put(keys[pos], x.to_dict())
            answers[problems[pos][0]] = sanitizer.restore(x)
    return answers


def _render_request(llm: Explainer, findings: list[Finding], number: int, cfg: ExplainConfig) -> str:
    params: dict[str, Any] = llm.params(findings) if hasattr(llm, "params") else {}
    url = cfg.endpoint + "/v1/messages"
    header = f"# request {number}: POST {url} (API key header not shown)"
    return header + "\n" + json.dumps(params, indent=2, ensure_ascii=False)


def _prompt_note(sanitizer: Sanitizer, run: _Run) -> str:
    note = f"nothing was sent; redacted {sanitizer.redactions} value(s)"
    if sanitizer.anonymizer is not None:
        note += f", replaced {sanitizer.anonymized} name(s) with placeholders"
    if run.cached:
        note += f"; {run.cached} finding(s) are answered from the cache and would not be sent"
    return note
