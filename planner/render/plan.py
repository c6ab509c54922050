"""The plan as a table for people."""

from __future__ import annotations

from planner.model import Plan


def plan_table(plan: Plan) -> None:
    from rich.markup import escape
    from rich.table import Table

    from planner.render.emit import console as make_console
    from planner.render.emit import plural

    console = make_console()
    gpu = plan.cluster.get("gpu") or {}
    choices = ", ".join(f"{k}={v}" for k, v in plan.choices.items()) or "none"
    console.print(f"[bold]profile[/] {plan.profile}   [bold]kubernetes[/] {plan.kubernetes_version}   "
                  f"[bold]gpu nodes[/] {gpu.get('nodes', 0)}   [bold]choices[/] {choices}")
    table = Table(header_style="bold")
    for col in ("wave", "release", "chart", "version", "namespace", "needs", "why"):
        table.add_column(col, overflow="fold")
    for i, wave in enumerate(plan.waves, start=1):
        if i > 1:
            table.add_section()
        for rid in wave:
            r = plan.releases[rid]
            chart = r.source.chart or r.source.location.rstrip("/").rsplit("/", 1)[-1]
            table.add_row(str(i), rid, f"{r.source.kind}: {chart}", r.version, r.namespace,
                          ", ".join(r.needs), r.reason)
    console.print(table)
    from planner.prerequisites import section

    for line in section(plan.prerequisites):
        style = "bold" if not line.startswith(" ") else ("yellow" if "REQUIRED" in line else "")
        console.print(f"[{style}]{escape(line)}[/]" if style else escape(line), highlight=False)
    for n in plan.notes:
        style = "yellow" if n.level == "warning" else "dim"
        who = f"{n.release}: " if n.release else ""
        console.print(f"[{style}]{n.level}: {who}{n.message}[/]", highlight=False)
    console.print(f"{plural(len(plan.releases), 'release')} in {plural(len(plan.waves), 'wave')}", highlight=False)
