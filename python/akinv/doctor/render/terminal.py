"""The terminal report: findings first (what, why, what to do), then a table of the nodes.

Laid out for the terminal's width (80 columns in a pipe or a file): prose is wrapped here at spaces
only, never inside a word, and the table's number cells never wrap, so no number is cut.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping
from io import StringIO

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from akinv.doctor.examine import Diagnosis
from akinv.doctor.findings import DoctorFinding, JsonValue, count_by_severity
from akinv.doctor.render.usage import format_amount, node_usages, plural

__all__ = ["print_report", "render_text"]

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
# Evidence lists longer than this are shown in part; --format json has them whole.
_SHOWN_ITEMS = 4


def render_text(diagnosis: Diagnosis, inputs: Mapping[str, str] | None = None, *, width: int = 80) -> str:
    """The report as plain text (no colour) at the given width."""
    buffer = StringIO()
    console = Console(file=buffer, width=width, no_color=True, highlight=False, emoji=False, soft_wrap=False)
    print_report(console, diagnosis, inputs)
    # Table cells are padded to their column; a file keeps no trailing blanks.
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())


def print_report(console: Console, diagnosis: Diagnosis, inputs: Mapping[str, str] | None = None) -> None:
    counts = count_by_severity(diagnosis.findings)
    cluster = diagnosis.cluster
    pods = "no PodList" if cluster.pods is None else f"{len(cluster.pods):,} pods"
    status = "no status" if diagnosis.status is None else f"status ({diagnosis.status.schema})"
    console.print(f"[bold]akinv doctor[/]: {len(cluster.nodes):,} nodes, {pods}, {status}")
    for name, source in (inputs or {}).items():
        _say(console, f"{name}: {source}", 2)
    console.print(
        f"[{_STYLE['error']}]{plural(counts['error'], 'error')}[/], "
        f"[{_STYLE['warning']}]{plural(counts['warning'], 'warning')}[/], {plural(counts['info'], 'note')}"
    )
    for finding in diagnosis.findings:
        console.print()
        _print_finding(console, finding)
    console.print()
    console.print(_node_table(diagnosis))


def _print_finding(console: Console, finding: DoctorFinding) -> None:
    style = _STYLE[finding.severity]
    where = f" on {escape(finding.node)}" if finding.node is not None else ""
    console.print(f"[{style}]{finding.severity.upper()}[/] [bold]{finding.code}[/]{where}")
    _say(console, finding.message, 2)
    for key, value in finding.evidence.items():
        if value is None or value == [] or value == {}:
            continue
        _say(console, f"{key}: {_evidence_text(value)}", 4)
    _say(console, f"remedy: {finding.remedy}", 2, bold_prefix="remedy:")


def _say(console: Console, text: str, indent: int, bold_prefix: str = "") -> None:
    """Plain text wrapped at spaces to the console's width, indented; a word longer than a line
    (a long label key) stays whole rather than being cut."""
    lines = textwrap.wrap(
        text,
        width=max(console.width, indent + 20),
        initial_indent=" " * indent,
        subsequent_indent=" " * indent,
        break_long_words=False,
        break_on_hyphens=False,
    )
    for number, line in enumerate(lines):
        shown = escape(line)
        if number == 0 and bold_prefix:
            shown = shown.replace(bold_prefix, f"[bold]{bold_prefix}[/]", 1)
        console.print(shown, soft_wrap=True)


def _evidence_text(value: JsonValue) -> str:
    if isinstance(value, list):
        shown = [_evidence_text(item) for item in value[:_SHOWN_ITEMS]]
        more = f" (+{len(value) - _SHOWN_ITEMS} more)" if len(value) > _SHOWN_ITEMS else ""
        return "; ".join(shown) + more
    if isinstance(value, dict):
        return ", ".join(f"{k}={_evidence_text(v)}" for k, v in value.items() if v is not None)
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    return str(value)


def _node_table(diagnosis: Diagnosis) -> Table:
    """requested / allocatable per node; the GPU column is the sum of all vendors."""
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, title=None, show_edge=False)
    table.add_column("node", overflow="fold", ratio=1)
    for label in ("CPU", "memory", "GPU", "ephemeral"):
        table.add_column(f"{label}\nreq/alloc", justify="right", no_wrap=True)
    table.add_column("E/W", justify="right", no_wrap=True)
    per_node: dict[str, list[int]] = {}
    for finding in diagnosis.findings:
        if finding.node is not None:
            counts = per_node.setdefault(finding.node, [0, 0])
            if finding.severity != "info":
                counts[0 if finding.severity == "error" else 1] += 1
    for usage in node_usages(diagnosis):
        cells = []
        for row in usage.resources:
            requested = format_amount(row.field, row.requested).removesuffix(" cores")
            allocatable = format_amount(row.field, row.allocatable).removesuffix(" cores")
            over = row.requested is not None and row.requested > row.allocatable
            cell = f"{requested}/{allocatable}"
            cells.append(f"[bold red]{escape(cell)}[/]" if over else escape(cell))
        errors, warnings = per_node.get(usage.node.name, [0, 0])
        name = usage.node.name + ("" if usage.ready else " (not ready)")
        table.add_row(escape(name), *cells, f"{errors}/{warnings}")
    return table
