"""Text for people: a line per document, a findings table for a document with findings, and the
summary over all inputs, fitted to the terminal's width (80 columns for a pipe or a file).

No number is ever cut: amounts are shown in larger units (``2.7 TiB``, ``282 CPU``), a line
breaks only between its parts, a message only between words, and a path loses leading parts
(``…nodes[2].available.gpu``), never its end. The exact integers are in the JSON output.
"""

from __future__ import annotations

import os
import shutil
import sys
import textwrap
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from akinv import Finding, Report, ScanResult

# Below this a message column would be narrower than the longest number a finding can hold
# (40 characters: an i128 and its sign), so the table stacks instead.
MESSAGE_MIN = 44
NARROWEST = 60
INDENT = "  "
# What a document's line leaves for its details beside the source ("3/8 GPU, 282/400 CPU, 1.9/2.7
# TiB free" and a little more), what it keeps for ":LINE", and the least it gives the source.
DETAILS_ROOM = 40
LINE_NUMBER_ROOM = 7
SOURCE_MIN = 24
NODES_FROM = 100
ELLIPSIS = "…"
_BINARY = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")
# Document statuses, worst first: a document takes the first that applies.
STATUSES = ("unreadable", "error", "warn", "not ready", "ok")
_COLOURS = {
    "ok": "32",
    "warn": "33",
    "not ready": "33",
    "error": "1;31",
    "unreadable": "1;31",
}


def width() -> int:
    """The terminal's columns (COLUMNS wins); 80 for a pipe or a file."""
    return max(NARROWEST, shutil.get_terminal_size((80, 24)).columns)


def colour_wanted(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream.isatty()


def _short(value: float) -> str:
    """At most one decimal, none from 100 up: ``2.7``, ``27.3``, ``282``."""
    if value == 0:
        return "0"
    text = f"{value:,.0f}" if abs(value) >= 99.95 else f"{value:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    if text in ("0", "-0"):
        return "<0.1" if value > 0 else "-<0.1"
    return text


def _unit(largest: int) -> int:
    """The binary unit the largest of some amounts of bytes reads best in."""
    k = 0
    while k < len(_BINARY) - 1 and abs(largest) >= 1024 ** (k + 1) * 0.99995:
        k += 1
    return k


def size(amount: int) -> str:
    """Bytes in a binary unit: ``2.7 TiB``."""
    k = _unit(amount)
    return f"{_short(amount / 1024**k)} {_BINARY[k]}"


def size_pair(part: int, whole: int) -> str:
    """Two amounts of bytes in the unit of the larger: ``1.9/2.7 TiB``."""
    k = _unit(max(abs(part), abs(whole)))
    return f"{_short(part / 1024**k)}/{_short(whole / 1024**k)} {_BINARY[k]}"


def cores(millis: int) -> str:
    """Millicores as cores, shortened: ``282``, ``12.5``."""
    return _short(millis / 1000)


def exact_cores(millis: int) -> str:
    """Millicores as cores, exactly: ``1,282.25``."""
    whole, thousandths = divmod(abs(millis), 1000)
    sign = "-" if millis < 0 else ""
    fraction = f".{thousandths:03d}".rstrip("0") if thousandths else ""
    return f"{sign}{whole:,}{fraction}"


def abbreviate_path(path: str, room: int) -> str:
    """A finding's JSON path in ``room`` columns, losing leading parts first; the last part stays."""
    if len(path) <= room:
        return path
    parts = path.split(".")
    for start in range(1, len(parts)):
        shorter = ELLIPSIS + ".".join(parts[start:])
        if len(shorter) <= room:
            return shorter
    return ELLIPSIS + parts[-1]


def shown_path(source: str) -> str:
    """A path relative to here when it lies below here."""
    if source == "-":
        return "<stdin>"
    if os.path.isabs(source):
        try:
            relative = os.path.relpath(source)
        except ValueError:  # another drive, on Windows
            return source
        if not relative.startswith(".."):
            return relative
    return source


def abbreviate_source(source: str, room: int) -> str:
    """A source in ``room`` columns, losing leading folders first; the file name stays."""
    if len(source) <= room:
        return source
    parts = source.split("/")
    for start in range(1, len(parts)):
        shorter = ELLIPSIS + "/" + "/".join(parts[start:])
        if len(shorter) <= room:
            return shorter
    return ELLIPSIS + "/" + parts[-1] if len(parts) > 1 else source


def status_of(result: ScanResult) -> str:
    report = result.report
    if report is None:
        return "unreadable"
    if not report.ok:
        return "error"
    if report.findings:
        return "warn"
    if not report.inventory_ready:
        return "not ready"
    return "ok"


_NAMES = {"cpu_millis": "CPU", "memory_bytes": "memory", "gpu": "GPU", "ephemeral_storage_bytes": "disk"}


def details(report: Report) -> list[str]:
    """The parts of a document's line: nodes, and what is free of what is allocatable. A document
    with findings also gives its shape and the resources whose figures were withheld (reported
    as 0 because the document's number was untrusted)."""
    nodes = len(report.nodes)
    parts = [f"{nodes} nodes" if nodes != 1 else "1 node"]
    if report.findings:
        parts.insert(0, report.schema)
    if not report.inventory_ready:
        said = report.inventory_error
        parts.append("inventory not ready" + (f' ("error": {said})' if said is not None else ""))
        return parts
    totals = report.totals
    gpu = totals.gpu
    if gpu.allocatable or gpu.available or gpu.withheld or report.gpus:
        parts.append(f"{gpu.available:,}/{gpu.allocatable:,} GPU")
    cpu = totals.cpu_millis
    parts.append(f"{cores(cpu.available)}/{cores(cpu.allocatable)} CPU")
    memory = totals.memory_bytes
    parts.append(f"{size_pair(memory.available, memory.allocatable)} free")
    if report.findings:
        withheld = [label for name, label in _NAMES.items() if getattr(totals, name).withheld]
        if withheld:
            parts.append("withheld: " + " ".join(withheld))
    return parts


def fit(head: str, parts: list[str], columns: int, indent: int) -> list[str]:
    """``head`` and the parts joined by ", " on one line if they fit; else the parts on the
    lines below, indented, each line breaking between parts."""
    joined = ", ".join(parts)
    if len(head) + 2 + len(joined) <= columns:
        return [f"{head}  {joined}"]
    lines = [head]
    line = ""
    for part in parts:
        if line and indent + len(line) + 2 + len(part) > columns:
            lines.append(" " * indent + line + ",")
            line = ""
        line = f"{line}, {part}" if line else part
    lines.append(" " * indent + line)
    return lines


class Text:
    """Renders documents for one terminal: its width, and ANSI colours when it wants them."""

    def __init__(self, columns: int, colour: bool) -> None:
        self.columns = columns
        self.colour = colour
        # Paths are shown relative to here, worked out once a file rather than once a line.
        self._paths: dict[str, str] = {}

    def source(self, result: ScanResult) -> str:
        """Where a document came from: its path, and its line in a JSON Lines file. A long path
        loses leading folders to leave a line's details room beside it: the same folders on
        every line of a file; a whole-file document whose details go below keeps its path."""
        if result.line is None:
            alone = result.report is None or bool(result.report.findings)
            room = self.columns - 6 if alone else self.columns - 6 - 2 - DETAILS_ROOM
            return abbreviate_source(shown_path(result.source), max(SOURCE_MIN, room))
        path = self._paths.get(result.source)
        if path is None:
            room = max(SOURCE_MIN, self.columns - 6 - 2 - DETAILS_ROOM - LINE_NUMBER_ROOM)
            path = self._paths[result.source] = abbreviate_source(shown_path(result.source), room)
        return f"{path}:{result.line}"

    def _status(self, status: str, line: str) -> str:
        """The line with its leading status word coloured."""
        if not self.colour:
            return line
        return f"\x1b[{_COLOURS[status]}m{status}\x1b[0m{line[len(status) :]}"

    def document(self, result: ScanResult) -> list[str]:
        """A document's line (or two, when narrow), and its findings table if it has findings."""
        columns = self.columns
        status = status_of(result)
        padded = f"{status:<5} "
        source = self.source(result)
        report = result.report
        if report is None:
            error = result.error
            # The message says where malformed JSON went wrong ("at line 1 column 13").
            message = error.message if error is not None else "unreadable"
            lines = [padded + source] + [" " * 6 + line for line in _wrap(message, columns - 6)]
        else:
            parts = details(report)
            # Below 100 columns a document without findings leaves out its node count, on every
            # line alike, so that it keeps to one line.
            if columns < NODES_FROM and not report.findings and report.inventory_ready:
                parts = parts[1:]
            lines = fit(padded + source, parts, columns, 6)
            if report.findings:
                lines.extend(findings_table(report.findings, columns))
        lines[0] = self._status(status, lines[0])
        return lines


def _value_text(value: int | str | None) -> str:
    return "" if value is None else str(value)


@dataclass(frozen=True)
class _Row:
    severity: str
    code: str
    node: str
    path: str
    message: str


def _rows(findings: Iterable[Finding]) -> list[_Row]:
    rows = []
    for f in findings:
        value = _value_text(f.value)
        message = f.message
        if value and value not in message:
            message = f"{message} (value {value})"
        severity = "error" if f.severity == "error" else "warn"
        rows.append(_Row(severity, f.code, f.node or "", f.path, message))
    return rows


def _wrap(text: str, room: int) -> list[str]:
    # Numbers are at most 40 characters and room is at least MESSAGE_MIN: no number is split.
    return textwrap.wrap(text, room, break_on_hyphens=False) or [""]


def findings_table(findings: Iterable[Finding], columns: int) -> list[str]:
    """One row a finding: severity, code, node, path, message; on a narrow terminal the message
    goes under its row."""
    rows = _rows(findings)
    code_width = max(len(r.code) for r in rows)
    node_width = max(len(r.node) for r in rows)
    node_column = node_width + 2 if node_width else 0
    fixed = len(INDENT) + 5 + 2 + code_width + 2 + node_column
    path_width = max(len(r.path) for r in rows)
    path_room = columns - fixed - 2 - MESSAGE_MIN
    if path_room >= min(path_width, 24):
        path_width = min(path_width, path_room)
        message_at = fixed + path_width + 2
        lines = []
        for r in rows:
            path = abbreviate_path(r.path, path_width)
            head = f"{INDENT}{r.severity:<5}  {r.code:<{code_width}}  " + (
                f"{r.node:<{node_width}}  " if node_width else ""
            )
            wrapped = _wrap(r.message, columns - message_at)
            lines.append(f"{head}{path:<{path_width}}  {wrapped[0]}")
            lines.extend(" " * message_at + more for more in wrapped[1:])
        return lines
    lines = []
    under = len(INDENT) + 7
    for r in rows:
        head = f"{INDENT}{r.severity:<5}  {r.code:<{code_width}}" + (f"  {r.node}" if r.node else "")
        if len(head) + 2 + len(r.path) <= columns:
            lines.append(f"{head}  {r.path}")
        else:
            lines.append(head)
            lines.append(" " * under + abbreviate_path(r.path, columns - under))
        lines.extend(" " * under + line for line in _wrap(r.message, columns - under))
    return lines


_RESOURCES = (
    ("GPU", "gpu"),
    ("CPU cores", "cpu_millis"),
    ("memory", "memory_bytes"),
    ("ephemeral storage", "ephemeral_storage_bytes"),
)


@dataclass
class Tally:
    """What the summary adds up over all documents."""

    statuses: Counter[str] = field(default_factory=Counter)
    findings: Counter[str] = field(default_factory=Counter)
    documents_with: Counter[str] = field(default_factory=Counter)
    nodes: int = 0
    resources: dict[str, list[int]] = field(default_factory=dict)
    storage: dict[str, list[int]] = field(default_factory=dict)
    gpus: dict[tuple[str, str, str, str], list[int]] = field(default_factory=dict)

    def count(self, status: str) -> None:
        self.statuses[status] += 1

    def add(self, report: Report) -> None:
        """Adds a readable document's findings and figures."""
        counts = report.counts()
        self.findings.update(counts)
        self.documents_with.update(counts.keys())
        self.nodes += len(report.nodes)
        totals = report.totals
        for _, name in _RESOURCES:
            usage = getattr(totals, name)
            _add(self.resources, name, (usage.allocatable, usage.allocated, usage.available))
        for storage_class, usage in totals.storage.items():
            _add(self.storage, storage_class, (usage.allocatable, usage.allocated, usage.available))
        for g in report.gpus:
            key = (g.vendor, g.model, g.memory_size, g.interface)
            _add(self.gpus, key, (g.allocatable, g.available, g.devices))


def _add(sums: dict[Any, list[int]], key: Any, figures: tuple[int, int, int]) -> None:
    held = sums.setdefault(key, [0, 0, 0])
    for i, figure in enumerate(figures):
        held[i] += figure


def counts_line(tally: Tally) -> str:
    """``6 documents: 2 ok, 4 with errors, 0 unreadable``, naming only the statuses seen (and
    unreadable always)."""
    total = sum(tally.statuses.values())
    words = {
        "ok": "ok",
        "warn": "with warnings",
        "not ready": "inventory not ready",
        "error": "with errors",
        "unreadable": "unreadable",
    }
    said = [
        f"{tally.statuses[s]:,} {words[s]}"
        for s in reversed(STATUSES)
        if tally.statuses[s] or s in ("ok", "unreadable")
    ]
    return f"{total:,} document{'s' if total != 1 else ''}: " + ", ".join(said)


def _figure(name: str, amount: int) -> str:
    if name == "cpu_millis":
        return exact_cores(amount)
    if name.endswith("_bytes"):
        return size(amount)
    return f"{amount:,}"


def _table(title: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    label = max(len(title[0]), *(len(r[0]) + len(INDENT) for r in rows))
    widths = [max(len(title[i]), *(len(r[i]) for r in rows)) for i in range(1, len(title))]
    lines = [title[0].ljust(label) + "".join(f"  {t:>{w}}" for t, w in zip(title[1:], widths, strict=True))]
    for row in rows:
        cells = "".join(f"  {c:>{w}}" for c, w in zip(row[1:], widths, strict=True))
        lines.append(((INDENT + row[0]).ljust(label) + cells).rstrip())
    return lines


def summary_lines(tally: Tally) -> list[str]:
    """The summary over all inputs: statuses, findings by code, totals, GPUs by kind."""
    lines = [counts_line(tally)]
    if tally.findings:
        rows: list[tuple[str, ...]] = [
            (code, f"{tally.documents_with[code]:,}", f"{n:,}") for code, n in tally.findings.most_common()
        ]
        lines += ["", *_table(("findings", "documents", "findings"), rows)]
    if tally.resources:
        rows = [("nodes", f"{tally.nodes:,}", "", "")]
        for label, name in _RESOURCES:
            rows.append((label, *(_figure(name, n) for n in tally.resources[name])))
        for storage_class, sums in sorted(tally.storage.items()):
            rows.append((f"storage {storage_class}", *(size(n) for n in sums)))
        lines += ["", *_table(("all documents", "allocatable", "allocated", "available"), rows)]
    if tally.gpus:
        rows = [
            (
                " ".join(label or "?" for label in key) if any(key) else "(no device info)",
                *(f"{n:,}" for n in sums),
            )
            for key, sums in sorted(tally.gpus.items())
        ]
        lines += ["", *_table(("GPUs", "allocatable", "available", "devices"), rows)]
    return lines


def write_lines(lines: Iterable[str], stream: TextIO = sys.stdout) -> None:
    stream.write("\n".join(lines) + "\n")
