"""The terminal report: findings first (what, why, what to do), then a table of the nodes.

Laid out for the terminal's width (80 columns in a pipe or a file): prose is wrapped here at spaces
only, never inside a word, and the table's number cells never wrap, so no number is cut.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping

from rich.console import Console
from rich.markup import escape

from akinv.doctor.examine import Diagnosis
from akinv.doctor.findings import DoctorFinding, JsonValue, count_by_severity
from akinv.doctor.render.usage import format_amount, node_usages, plural

__all__ = ["print_report", "render_text"]

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
# Evidence lists longer than this are shown in part; --format json has them whole.
_SHOWN_ITEMS = 4


class _Plain:
    """Lines for a file or a pipe: no styles, nothing to escape."""

    @staticmethod
    def style(text: str, style: str) -> str:
        return text

    @staticmethod
    def escape(text: str) -> str:
        return text


class _Markup:
    """Lines for rich: styled, with brackets in the data escaped."""

    @staticmethod
    def style(text: str, style: str) -> str:
        return f"[{style}]{escape(text)}[/]"

    @staticmethod
    def escape(text: str) -> str:
        return escape(text)


_Styler = type[_Plain] | type[_Markup]


def render_text(diagnosis: Diagnosis, inputs: Mapping[str, str] | None = None, *, width: int = 80) -> str:
    """The report as plain text (no colour) at the given width."""
    # Table cells are padded to their column; a file keeps no trailing blanks.
    return "".join(line.rstrip() + "\n" for line in _lines(diagnosis, inputs, width, _Plain))


def print_report(console: Console, diagnosis: Diagnosis, inputs: Mapping[str, str] | None = None) -> None:
    """The report on a terminal, in colour, at its width; printed at once, since a print per line
    costs seconds when thousands of nodes have findings."""
    console.print("\n".join(_lines(diagnosis, inputs, console.width, _Markup)), soft_wrap=True)


def _lines(diagnosis: Diagnosis, inputs: Mapping[str, str] | None, width: int, out: _Styler) -> list[str]:
    counts = count_by_severity(diagnosis.findings)
    cluster = diagnosis.cluster
    pods = "no PodList" if cluster.pods is None else f"{len(cluster.pods):,} pods"
    status = "no status" if diagnosis.status is None else f"status ({diagnosis.status.schema})"
    lines = [f"{out.style('akinv doctor', 'bold')}: {len(cluster.nodes):,} nodes, {pods}, {status}"]
    for name, source in (inputs or {}).items():
        lines += _wrapped(f"{name}: {source}", 2, width, out)
    lines.append(
        f"{out.style(plural(counts['error'], 'error'), _STYLE['error'])}, "
        f"{out.style(plural(counts['warning'], 'warning'), _STYLE['warning'])}, {plural(counts['info'], 'note')}"
    )
    for finding in diagnosis.findings:
        lines.append("")
        lines += _finding_lines(finding, width, out)
    lines.append("")
    lines += _node_table_lines(diagnosis, width, out)
    return lines


def _finding_lines(finding: DoctorFinding, width: int, out: _Styler) -> list[str]:
    where = f" on {out.escape(finding.node)}" if finding.node is not None else ""
    lines = [
        f"{out.style(finding.severity.upper(), _STYLE[finding.severity])} {out.style(finding.code, 'bold')}{where}"
    ]
    lines += _wrapped(finding.message, 2, width, out)
    for key, value in finding.evidence.items():
        if value is None or value == [] or value == {}:
            continue
        lines += _wrapped(f"{key}: {_evidence_text(value)}", 4, width, out)
    lines += _wrapped(f"remedy: {finding.remedy}", 2, width, out, bold_prefix="remedy:")
    return lines


def _wrapped(text: str, indent: int, width: int, out: _Styler, bold_prefix: str = "") -> list[str]:
    """Plain text as markup lines wrapped at spaces to the width, indented; a word longer than a
    line (a long label key) stays whole rather than being cut."""
    lines = textwrap.wrap(
        text,
        width=max(width, indent + 20),
        initial_indent=" " * indent,
        subsequent_indent=" " * indent,
        break_long_words=False,
        break_on_hyphens=False,
    )
    shown = [out.escape(line) for line in lines]
    if shown and bold_prefix:
        shown[0] = shown[0].replace(bold_prefix, out.style(bold_prefix, "bold"), 1)
    return shown


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


def _node_table_lines(diagnosis: Diagnosis, width: int, out: _Styler) -> list[str]:
    """requested/allocatable per node (GPU: all vendors), and its error/warning counts.

    Laid out here rather than by rich's Table, which takes seconds on thousands of nodes: number
    columns take the width of their widest cell, the node column what is left, and a name too long
    for it gets a line of its own."""
    per_node: dict[str, list[int]] = {}
    for finding in diagnosis.findings:
        if finding.node is not None and finding.severity != "info":
            per_node.setdefault(finding.node, [0, 0])[0 if finding.severity == "error" else 1] += 1
    rows: list[tuple[str, list[tuple[str, bool]]]] = []
    for usage in node_usages(diagnosis):
        cells = []
        for row in usage.resources:
            requested = format_amount(row.field, row.requested).removesuffix(" cores")
            allocatable = format_amount(row.field, row.allocatable).removesuffix(" cores")
            cells.append(
                (f"{requested}/{allocatable}", row.requested is not None and row.requested > row.allocatable)
            )
        errors, warnings = per_node.get(usage.node.name, [0, 0])
        cells.append((f"{errors}/{warnings}", False))
        rows.append((usage.node.name + ("" if usage.ready else " (not ready)"), cells))
    headers = [
        ("CPU", "req/alloc"),
        ("memory", "req/alloc"),
        ("GPU", "req/alloc"),
        ("ephemeral", "req/alloc"),
        ("", "E/W"),
    ]
    widths = [
        max(len(top), len(bottom), *(len(cells[i][0]) for _, cells in rows))
        for i, (top, bottom) in enumerate(headers)
    ]
    numbers = sum(widths) + 2 * len(widths)
    name_width = max(4, min(max((len(name) for name, _ in rows), default=4), width - numbers))
    lines = [
        "node".ljust(name_width)
        + "".join("  " + top.rjust(w) for (top, _), w in zip(headers, widths, strict=True)),
        " " * name_width
        + "".join("  " + bottom.rjust(w) for (_, bottom), w in zip(headers, widths, strict=True)),
        "-" * (name_width + numbers),
    ]
    for name, cells in rows:
        if len(name) > name_width:
            lines.append(out.escape(name))
            name = ""
        shown = [
            "  " + (out.style(text.rjust(w), "bold red") if over else out.escape(text.rjust(w)))
            for (text, over), w in zip(cells, widths, strict=True)
        ]
        lines.append(out.escape(name.ljust(name_width)) + "".join(shown))
    return lines
