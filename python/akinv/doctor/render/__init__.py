"""The doctor's three outputs: a terminal report, JSON for scripts, and one self-contained HTML page."""

from __future__ import annotations

from akinv.doctor.render.html_page import render_html
from akinv.doctor.render.json_report import render_json, report_data
from akinv.doctor.render.terminal import render_text

__all__ = ["render_html", "render_json", "render_text", "report_data"]
