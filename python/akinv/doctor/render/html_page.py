"""One self-contained HTML page: inline CSS and script, no network, no external fonts.

A section per node holds its table of numbers and an SVG chart of allocatable against allocated
for CPU, memory, GPU and ephemeral storage. The chart is drawn by the inline script from data
embedded in the page; bar lengths are computed here in exact integer thousandths, so the script
never does arithmetic on numbers larger than 1,000.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from html import escape

from akinv.doctor.examine import Diagnosis
from akinv.doctor.findings import DoctorFinding, JsonValue, count_by_severity
from akinv.doctor.render.usage import NodeUsage, ResourceUsage, format_amount, node_usages, per_mille, plural

__all__ = ["render_html"]

_CSS = """
:root { color-scheme: light dark; --error: #c62828; --warning: #b26a00; --info: #1565c0;
  --bar: #9e9e9e55; --used: #1e88e5; --muted: #757575; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto;
  max-width: 980px; padding: 1rem 1.5rem 3rem; }
h1 { margin-bottom: .2rem; } h2 { margin: 2rem 0 .4rem; font-size: 1.25rem; }
.summary { margin: .2rem 0 1rem; } .muted { color: var(--muted); }
.error { color: var(--error); } .warning { color: var(--warning); } .info { color: var(--info); }
dl.inputs { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; margin: 0 0 1rem; }
dl.inputs dt { font-weight: 600; } dl.inputs dd { margin: 0; overflow-wrap: anywhere; }
nav ul { columns: 3 14rem; padding-left: 1.2rem; }
table.usage { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
table.usage th, table.usage td { border-bottom: 1px solid #8884; padding: .25rem .5rem; text-align: right;
  white-space: nowrap; }
table.usage th:first-child, table.usage td:first-child { text-align: left; }
table.usage td.over { color: var(--error); font-weight: 600; }
td small { color: var(--muted); display: block; }
.table-wrap { overflow-x: auto; }
svg.chart { display: block; width: 100%; max-width: 720px; height: auto; margin: .6rem 0; }
svg.chart text { font: 12px system-ui, sans-serif; fill: currentColor; }
svg.chart .bar-allocatable { fill: var(--bar); } svg.chart .bar-allocated { fill: var(--used); }
svg.chart .bar-allocated.over { fill: var(--error); }
ul.findings { list-style: none; padding: 0; }
ul.findings li { border-left: 4px solid var(--info); padding: .3rem .7rem; margin: .5rem 0; background: #8881; }
ul.findings li.sev-error { border-color: var(--error); } ul.findings li.sev-warning { border-color: var(--warning); }
.sev { font-weight: 700; text-transform: uppercase; font-size: .8rem; margin-right: .4rem; }
code { font-size: .9em; } pre { white-space: pre-wrap; overflow-wrap: anywhere; font-size: .85rem; }
.legend span { display: inline-block; width: .9rem; height: .9rem; vertical-align: middle; margin: 0 .3rem 0 1rem; }
"""

# Draws each chart from #chart-data; marks <body data-charts="drawn"> when done, for tests and readers.
_SCRIPT = """
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var ROW = 34, LABEL = 130, BAR = 420, TOP = 6;
  function el(name, attrs, text) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  var charts = JSON.parse(document.getElementById("chart-data").textContent);
  charts.forEach(function (chart) {
    var svg = document.getElementById(chart.id);
    if (!svg) { throw new Error("no chart element " + chart.id); }
    var height = TOP * 2 + ROW * chart.rows.length;
    svg.setAttribute("viewBox", "0 0 720 " + height);
    chart.rows.forEach(function (row, index) {
      var y = TOP + index * ROW;
      svg.appendChild(el("text", {x: 0, y: y + 17}, row.label));
      svg.appendChild(el("rect", {"class": "bar-allocatable", x: LABEL, y: y + 4,
        width: BAR * row.allocatable / 1000, height: 18, rx: 3}));
      if (row.allocated !== null) {
        svg.appendChild(el("rect", {"class": "bar-allocated" + (row.over ? " over" : ""), x: LABEL,
          y: y + 8, width: BAR * row.allocated / 1000, height: 10, rx: 2}));
      }
      svg.appendChild(el("text", {x: LABEL + BAR + 10, y: y + 17}, row.text));
    });
  });
  document.body.setAttribute("data-charts", "drawn");
})();
"""


def render_html(diagnosis: Diagnosis, inputs: Mapping[str, str] | None = None) -> str:
    usages = node_usages(diagnosis)
    counts = count_by_severity(diagnosis.findings)
    by_node: dict[str | None, list[DoctorFinding]] = {}
    for finding in diagnosis.findings:
        by_node.setdefault(finding.node, []).append(finding)
    cluster = diagnosis.cluster
    pods = "no PodList" if cluster.pods is None else f"{len(cluster.pods):,} pods"
    status = "no status" if diagnosis.status is None else f"status ({diagnosis.status.schema})"
    title = f"akinv doctor: {plural(counts['error'], 'error')}, {plural(counts['warning'], 'warning')}"
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head>",
        "<body><header><h1>akinv doctor</h1>",
        f'<p class="summary">{len(cluster.nodes):,} nodes, {pods}, {status}: '
        f'<strong class="error">{plural(counts["error"], "error")}</strong>, '
        f'<strong class="warning">{plural(counts["warning"], "warning")}</strong>, {plural(counts["info"], "note")}</p>',
        _inputs(inputs or {}),
        "</header><main>",
        _index(usages, by_node),
    ]
    cluster_wide = by_node.get(None, [])
    if cluster_wide:
        parts += ['<section id="cluster"><h2>Cluster</h2>', _findings(cluster_wide), "</section>"]
    parts.append(
        '<p class="legend muted">Charts: <span style="background:var(--bar)"></span>allocatable'
        '<span style="background:var(--used)"></span>allocated (pod requests, else the status)'
        '<span style="background:var(--error)"></span>above allocatable</p>'
    )
    charts: list[JsonValue] = []
    for index, usage in enumerate(usages):
        parts.append(_node_section(index, usage, by_node.get(usage.node.name, [])))
        charts.append({"id": f"chart-{index}", "rows": [_chart_row(row) for row in usage.resources]})
    parts += [
        "</main>",
        f'<script type="application/json" id="chart-data">{_script_json(charts)}</script>',
        f"<script>{_SCRIPT}</script>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _script_json(data: JsonValue) -> str:
    # Inside <script> only "</" could end the element early; escaping <, > and & rules it out.
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _inputs(inputs: Mapping[str, str]) -> str:
    if not inputs:
        return ""
    rows = "".join(f"<dt>{escape(name)}</dt><dd>{escape(source)}</dd>" for name, source in inputs.items())
    return f'<dl class="inputs">{rows}</dl>'


def _index(usages: list[NodeUsage], by_node: Mapping[str | None, list[DoctorFinding]]) -> str:
    items = []
    for index, usage in enumerate(usages):
        counts = count_by_severity(by_node.get(usage.node.name, []))
        marks = []
        if counts["error"]:
            marks.append(f'<span class="error">{plural(counts["error"], "error")}</span>')
        if counts["warning"]:
            marks.append(f'<span class="warning">{plural(counts["warning"], "warning")}</span>')
        items.append(
            f'<li><a href="#node-{index}">{escape(usage.node.name)}</a> {", ".join(marks) or "ok"}</li>'
        )
    return f"<nav><h2>Nodes</h2><ul>{''.join(items)}</ul></nav>"


def _findings(findings: list[DoctorFinding]) -> str:
    items = []
    for finding in findings:
        evidence = json.dumps(dict(finding.evidence), indent=2, ensure_ascii=False)
        items.append(
            f'<li class="sev-{finding.severity}"><span class="sev {finding.severity}">{finding.severity}</span>'
            f"<code>{escape(finding.code)}</code> {escape(finding.message)}"
            f"<p><strong>Remedy:</strong> {escape(finding.remedy)}</p>"
            f"<details><summary>evidence</summary><pre>{escape(evidence)}</pre></details></li>"
        )
    return f'<ul class="findings">{"".join(items)}</ul>'


def _cell(field: str, value: int | None, over: bool = False) -> str:
    """The amount for reading, with the exact integer under it (millicores, bytes)."""
    if value is None:
        return '<td class="muted">-</td>'
    shown = format_amount(field, value)
    exact = {"cpu_millis": f"{value:,}m", "gpus": ""}.get(field, f"{value:,} B")
    detail = f"<small>{exact}</small>" if exact else ""
    return f"<td{' class=over' if over else ''}>{escape(shown)}{detail}</td>"


def _node_section(index: int, usage: NodeUsage, findings: list[DoctorFinding]) -> str:
    node = usage.node
    facts = [
        "ready" if usage.ready else '<span class="error">not ready</span>',
        "control plane" if node.control_plane else "worker",
        f"kernel {escape(node.kernel_version or 'unknown')}",
        escape(node.os_image) if node.os_image else "",
    ]
    rows = []
    for row in usage.resources:
        over = row.requested is not None and row.requested > row.allocatable
        rows.append(
            f"<tr><td>{escape(row.label)}</td>{_cell(row.field, row.capacity)}{_cell(row.field, row.allocatable)}"
            f"{_cell(row.field, row.requested, over)}{_cell(row.field, row.status_allocatable)}"
            f"{_cell(row.field, row.status_allocated)}</tr>"
        )
    table = (
        '<div class="table-wrap"><table class="usage"><thead><tr><th>resource</th><th>capacity</th>'
        "<th>allocatable</th><th>pod requests</th><th>status: allocatable</th><th>status: allocated</th>"
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )
    chart = (
        f'<svg class="chart" id="chart-{index}" role="img" viewBox="0 0 720 148" '
        f'aria-label="allocatable and allocated per resource on {escape(node.name)}"></svg>'
    )
    listed = _findings(findings) if findings else '<p class="muted">No findings.</p>'
    return (
        f'<section class="node" id="node-{index}" data-node="{escape(node.name)}">'
        f'<h2>{escape(node.name)}</h2><p class="muted">{" · ".join(f for f in facts if f)}</p>'
        f"{table}{chart}{listed}</section>"
    )


def _chart_row(row: ResourceUsage) -> JsonValue:
    allocated = row.allocated
    scale = max(row.allocatable, allocated or 0)
    shown_allocated = format_amount(row.field, allocated) if allocated is not None else "no data"
    return {
        "label": row.label,
        "allocatable": per_mille(row.allocatable, scale),
        "allocated": None if allocated is None else per_mille(allocated, scale),
        "over": allocated is not None and allocated > row.allocatable,
        "text": f"{shown_allocated} of {format_amount(row.field, row.allocatable)}",
    }
