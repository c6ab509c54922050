"""`stackplan conformance`: the CNCF Kubernetes AI Conformance requirements a stack meets.

Plan mode (default): which requirements the planned stack satisfies, by which component, and what would
satisfy the others. `--cluster`: the evidence on a live cluster, as a PRODUCT.yaml draft and junit.xml.
Exit 0 every MUST satisfied (Implemented or N/A on a cluster); 1 some MUST missing; 2 bad input; 3 unreachable.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from planner.commands.options import cluster_options, load_plan, output_option, stack_options, timeout_option

PRODUCT_FILE = "PRODUCT.yaml"
JUNIT_FILE = "junit.xml"
LOG_FILE = "e2e.log"


@click.command()
@stack_options
@cluster_options
@output_option(["table", "json"])
@click.option("--checklist", "version", metavar="1.XX",
              help="The checklist's Kubernetes version (default: the plan's, else the newest upstream).")
@click.option("--cluster", "live", is_flag=True, help="Gather the evidence on the live cluster (read-only).")
@click.option("--out-dir", type=click.Path(file_okay=False), metavar="DIR",
              help=f"With --cluster: write {PRODUCT_FILE} (draft), {JUNIT_FILE} and {LOG_FILE} into DIR.")
@click.option("--force", is_flag=True, help=f"With --out-dir: replace existing {PRODUCT_FILE}/{JUNIT_FILE}/{LOG_FILE} "
                                            f"(the metadata you filled in {PRODUCT_FILE} is kept).")
@timeout_option("10s", "With --cluster: timeout of each API request")
def conformance(stack_file: str | None, profile: str | None, sets: tuple[str, ...], strict: bool,
                kubeconfig: str | None, context: str | None, output: str, version: str | None, live: bool,
                out_dir: str | None, force: bool, timeout: float) -> None:
    """Which CNCF Kubernetes AI Conformance requirements the stack meets, and the evidence.

    \b
    stackplan conformance -p llm-inference            # plan mode: satisfied / missing, and the fix
    stackplan conformance --cluster --out-dir ai-conf  # evidence: ai-conf/PRODUCT.yaml + ai-conf/junit.xml
    Requirements are upstream's (cncf/k8s-ai-conformance docs/AIConformance-<version>.yaml).
    """
    from planner.conformance.checklist import checklist, for_plan

    if (out_dir or force) and not live:
        raise click.UsageError("--out-dir and --force only apply with --cluster")
    plan = load_plan(stack_file, profile, sets, strict)
    chosen, note = (checklist(version), None) if version else for_plan(plan.kubernetes_version)
    if note:
        click.echo(f"note: {note}", err=True)
    if live:
        sys.exit(_cluster(plan, chosen, kubeconfig, context, timeout, output, out_dir, force))
    sys.exit(_plan_mode(plan, chosen, output))


def _plan_mode(plan, chosen, output: str) -> int:
    from planner.catalog import load_catalog
    from planner.conformance.assess import assess
    from planner.render.emit import emit_json, emit_table

    results = assess(plan, load_catalog(), chosen)
    blocking = [a for a in results if a.blocking]
    if output == "json":
        emit_json({"checklist": chosen.source, "version": chosen.version, "profile": plan.profile,
                   "conformant": not blocking, "requirements": [a.to_dict() for a in results]})
    else:
        rows = [[a.requirement.id, a.requirement.level, a.status + (" (simulated)" if a.simulated else ""),
                 ", ".join(a.by), a.fix] for a in results]
        emit_table(["requirement", "level", "status", "by", "what would satisfy it"], rows,
                   title=f"AI Conformance v{chosen.version} for profile {plan.profile} ({chosen.source})")
        musts = [a for a in results if a.requirement.level == "MUST"]
        click.echo(f"{len(musts) - len(blocking)} of {len(musts)} MUSTs satisfied or left to the platform"
                   + (f"; missing: {', '.join(a.requirement.id for a in blocking)}" if blocking else "")
                   + ". `platform`: the cluster decides, `stackplan conformance --cluster` gathers the evidence.")
    return 1 if blocking else 0


def _cluster(plan, chosen, kubeconfig, context, timeout: float, output: str, out_dir: str | None,
             force: bool) -> int:
    from datetime import UTC, datetime

    from planner import __version__
    from planner.cluster import ClusterReader
    from planner.conformance import junit, product
    from planner.conformance.evidence import gather
    from planner.render.emit import emit_json, emit_table

    target = Path(out_dir) if out_dir else None
    if target is not None:
        _check_out_dir(target, force)
    with ClusterReader(kubeconfig, context, timeout) as reader:
        server_version = reader.ping().get("gitVersion", "")
        evidence = gather(plan, reader, chosen)
    blocking = [e for e in evidence if e.blocking]
    links = [JUNIT_FILE, LOG_FILE] if target is not None else []
    doc = product.draft(chosen, evidence, metadata=_kept_metadata(target), evidence_links=links)
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if target is not None:
        from planner.emit.filetx import commit

        header = (f"# Draft by stackplan {__version__} `stackplan conformance --cluster` at {stamp} against "
                  f"Kubernetes {server_version}.\n# Checklist: {chosen.source}. Review every status, fill the "
                  "metadata, replace junit.xml and e2e.log with public evidence links before submitting.\n")
        xml = junit.render(chosen, evidence, {"kubernetesVersion": server_version, "profile": plan.profile,
                                              "stackplanVersion": __version__, "generatedAt": stamp})
        commit(target, [(PRODUCT_FILE, product.to_yaml(doc, header).encode()), (JUNIT_FILE, xml.encode()),
                        (LOG_FILE, junit.render_log(chosen, evidence).encode())])
    if output == "json":
        emit_json({"checklist": chosen.source, "version": chosen.version, "kubernetesVersion": server_version,
                   "conformant": not blocking, "requirements": [e.to_dict() for e in evidence]})
    else:
        emit_table(["requirement", "level", "status", "checks", "notes"],
                   [[e.requirement.id, e.requirement.level, e.status or "undetermined", ", ".join(e.checks),
                     e.notes] for e in evidence],
                   title=f"AI Conformance v{chosen.version} evidence on Kubernetes {server_version}")
        if target is not None:
            remaining = product.validate(doc, chosen, target)
            click.echo(f"wrote {target / PRODUCT_FILE} (draft), {target / JUNIT_FILE} and {target / LOG_FILE}; "
                       "before submitting, "
                       f"upstream's validator would still report {len(remaining)} item(s)")
    if server_version and not server_version.lstrip("v").startswith(chosen.version + "."):
        click.echo(f"warning: the cluster runs {server_version}; the checklist is for v{chosen.version}", err=True)
    return 1 if blocking else 0


def _check_out_dir(target: Path, force: bool) -> None:
    from planner.errors import InputError

    if target.exists() and not target.is_dir():
        raise InputError(f"--out-dir {target}: not a directory", hint="name a directory (it is created if missing)")
    existing = [n for n in (PRODUCT_FILE, JUNIT_FILE, LOG_FILE) if (target / n).exists()]
    if existing and not force:
        raise InputError(f"--out-dir {target}: {', '.join(existing)} already exist(s); nothing was written",
                         hint="pass --force to replace them (the metadata you filled in PRODUCT.yaml is kept)")


def _kept_metadata(target: Path | None) -> dict[str, str]:
    """Metadata the user filled in an earlier PRODUCT.yaml (not placeholders), carried into the new draft."""
    if target is None or not (target / PRODUCT_FILE).is_file():
        return {}
    import yaml

    try:
        old = yaml.safe_load((target / PRODUCT_FILE).read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, OSError, UnicodeDecodeError):
        return {}
    meta = old.get("metadata") if isinstance(old, dict) else None
    if not isinstance(meta, dict):
        return {}
    return {k: v for k, v in meta.items() if isinstance(v, str) and v and k != "kubernetesVersion"
            and not (v.startswith("[") and v.endswith("]"))}
