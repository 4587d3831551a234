"""`akinv sanitize`: a copy with every untrusted number replaced, and what changed."""

from __future__ import annotations

import argparse
import sys

from akinv.cli.options import EXIT_OK, EXIT_UNREADABLE, add_common, load_policy


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    sanitize = subparsers.add_parser(
        "sanitize",
        help="write a copy with every untrusted number replaced",
        description="A document a line out (JSON Lines stay as they were, other documents are "
        "written compact; one document alone keeps its shape); a summary of the changes goes to "
        "stderr. "
        "Exit status: 0 done, 2 an input could not be read (it is copied unchanged).",
    )
    sanitize.add_argument("path", metavar="PATH")
    sanitize.add_argument("-o", "--output", default="-", metavar="OUT", help="output file (default stdout)")
    add_common(sanitize)
    sanitize.set_defaults(run=run)
    return sanitize


def run(args: argparse.Namespace) -> int:
    import akinv

    policy = load_policy(args.policy)
    summary = akinv.sanitize_file(
        args.path, args.output, threads=args.threads, schema=args.schema, policy=policy
    )
    reasons = ", ".join(f"{code}: {n}" for code, n in sorted(summary.reasons.items()))
    print(
        f"akinv sanitize: {summary.documents} documents, {summary.changed_documents} changed, "
        f"{summary.changes} changes" + (f" ({reasons})" if reasons else ""),
        file=sys.stderr,
    )
    for source, line, message in summary.errors:
        where = f"{source}:{line}" if line is not None else source
        print(f"akinv sanitize: {where}: copied unchanged, {message}", file=sys.stderr)
    if summary.dropped_errors:
        print(f"akinv sanitize: {summary.dropped_errors} more copied unchanged (not listed)", file=sys.stderr)
    return EXIT_UNREADABLE if summary.unreadable else EXIT_OK
