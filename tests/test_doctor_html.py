"""The doctor's HTML page in a real browser: it renders, the charts are drawn, nothing errs.

Needs Debian's chromium (scripts/system-deps installs it). Without it the browser tests skip,
unless AKINV_REQUIRE_SYSTEM=1 (CI sets it): then they fail, so CI can never skip them silently.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from doctor_fixtures import NODES, PODS, STATUS

from akinv.doctor import diagnose, read_cluster
from akinv.doctor.render import render_html

REQUIRE_SYSTEM = os.environ.get("AKINV_REQUIRE_SYSTEM") == "1"


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found is not None:
            return found
    if REQUIRE_SYSTEM:
        pytest.fail(
            "chromium is not installed and AKINV_REQUIRE_SYSTEM=1 requires it: run scripts/system-deps"
        )
    pytest.skip("chromium is not installed (Debian: scripts/system-deps, or apt-get install chromium)")


@dataclass(frozen=True)
class Rendered:
    dom: str
    # Every console message the page produced (uncaught exceptions included); a good page has none.
    console: list[str]


def open_in_chromium(page: Path, profile: Path) -> Rendered:
    command = [
        chromium(),
        "--headless",
        "--disable-gpu",
        "--no-sandbox",
        "--no-first-run",
        "--disable-extensions",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        "--dump-dom",
        page.as_uri(),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    return Rendered(result.stdout, console)


def report_page(tmp_path: Path, pods: bool = True, status: bool = True) -> tuple[Path, str]:
    cluster = read_cluster(NODES.read_bytes(), PODS.read_bytes() if pods else None)
    html = render_html(diagnose(cluster, STATUS.read_bytes() if status else None), {"nodes": str(NODES)})
    page = tmp_path / "doctor.html"
    page.write_text(html, encoding="utf-8")
    return page, html


def test_a_broken_page_is_caught(tmp_path: Path) -> None:
    """The check below can fail: a script error shows in the console and nothing gets drawn."""
    page = tmp_path / "broken.html"
    page.write_text(
        '<!doctype html><html><body><svg id="c"></svg><script>drawChart(); '
        'document.body.setAttribute("data-charts", "drawn");</script></body></html>',
        encoding="utf-8",
    )
    rendered = open_in_chromium(page, tmp_path / "profile")
    assert any("Uncaught ReferenceError: drawChart is not defined" in line for line in rendered.console)
    assert 'data-charts="drawn"' not in rendered.dom


def test_report_page_renders_and_draws_every_chart(tmp_path: Path) -> None:
    page, _ = report_page(tmp_path)
    rendered = open_in_chromium(page, tmp_path / "profile")
    assert rendered.console == []
    assert re.search(r'<body[^>]* data-charts="drawn"', rendered.dom)
    # 7 nodes x (CPU, memory, GPU, ephemeral storage), each an allocatable and an allocated bar.
    assert rendered.dom.count('class="bar-allocatable"') == 28
    assert len(re.findall(r'class="bar-allocated( over)?"', rendered.dom)) == 28
    # Above allocatable: cpu-01's memory and gpu-a100-02's GPUs.
    assert rendered.dom.count('class="bar-allocated over"') == 2
    assert rendered.dom.count('<table class="usage">') == 7
    assert rendered.dom.count('<section class="node"') == 7
    assert "gpu-requests-above-allocatable" in rendered.dom and "18446744073709551613" in rendered.dom


def test_page_without_pods_or_status_draws_allocatable_only(tmp_path: Path) -> None:
    page, _ = report_page(tmp_path, pods=False, status=False)
    rendered = open_in_chromium(page, tmp_path / "profile")
    assert rendered.console == []
    assert 'data-charts="drawn"' in rendered.dom
    assert rendered.dom.count('class="bar-allocatable"') == 28
    assert not re.search(r'class="bar-allocated( over)?"', rendered.dom)
    assert "no data of" in rendered.dom


def test_page_is_self_contained(tmp_path: Path) -> None:
    _, html = report_page(tmp_path)
    assert "<link" not in html and "@import" not in html and "url(" not in html
    assert not re.search(r"\bsrc\s*=", html)
    # The one URL is the SVG namespace, which is a name and never fetched.
    assert re.findall(r"https?://[^\s\"'<]+", html) == ["http://www.w3.org/2000/svg"]


def test_names_are_escaped(tmp_path: Path) -> None:
    hostile = '</script><img src=x onerror="document.title=1">'
    amounts = {"cpu": 1000, "memory": 1, "storage_ephemeral": 1}
    status = json.dumps({"nodes": [{"name": hostile, "allocatable": amounts, "available": amounts}]})
    cluster = read_cluster(NODES.read_bytes(), PODS.read_bytes())
    html = render_html(diagnose(cluster, status))
    assert hostile not in html
    page = tmp_path / "hostile.html"
    page.write_text(html, encoding="utf-8")
    rendered = open_in_chromium(page, tmp_path / "profile")
    assert rendered.console == [] and 'data-charts="drawn"' in rendered.dom
    assert "<img" not in rendered.dom
