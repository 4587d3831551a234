"""The `akinv` command line.

Each subcommand is a module with ``add_parser(subparsers)``, which adds its parser and sets
``run`` (a function of the parsed arguments returning the exit status). ``SUBCOMMANDS`` names
those modules; a package with a command of its own (``akinv.doctor.cli``, ``akinv.index.cli``)
adds its module's name there. The command is the module's name (``akinv.cli.check``: check) or
its package's (``akinv.doctor.cli``: doctor). Only the module of the command given is imported,
so one command never waits for another's imports; ``akinv --help`` imports them all.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

import akinv
from akinv.cli.options import EXIT_INTERRUPTED, EXIT_OK, EXIT_UNREADABLE, CommandError
from akinv.errors import AkinvError

__all__ = ["SUBCOMMANDS", "build_parser", "command_name", "main"]

SUBCOMMANDS: tuple[str, ...] = (
    "akinv.cli.check",
    "akinv.cli.sanitize",
    "akinv.cli.quantity",
    "akinv.doctor.cli",
    "akinv.cli.reserve",
    "akinv.cli.match",
    "akinv.index.cli",
    "akinv.index.cli.ingest",
    "akinv.index.cli.gpus",
    "akinv.index.cli.anomalies",
)


def command_name(module: str) -> str:
    """``akinv.cli.check`` is check; ``akinv.doctor.cli`` is doctor."""
    parts = module.split(".")
    return parts[-2] if parts[-1] == "cli" else parts[-1]


def _given(argv: Sequence[str]) -> str | None:
    """The command named in ``argv`` (the first word that is not an option), if it is one."""
    names = {command_name(module) for module in SUBCOMMANDS}
    for word in argv:
        if not word.startswith("-"):
            return word if word in names else None
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or of ``command`` alone (the others are named, not built)."""
    parser = argparse.ArgumentParser(
        prog="akinv",
        description="Validate and sanitize Akash provider status documents, exactly.",
    )
    parser.add_argument("--version", action="version", version=f"akinv {akinv.__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in SUBCOMMANDS:
        name = command_name(module)
        if command is None or name == command:
            importlib.import_module(module).add_parser(subparsers)
        else:
            subparsers.add_parser(name)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(_given(words)).parse_args(words)
    try:
        status: int = args.run(args)
    except BrokenPipeError:
        # `akinv check ... | head` is a normal way to read the output; say nothing more on a
        # stdout that is gone (Python would complain about it again at exit).
        _silence_stdout()
        return EXIT_OK
    except KeyboardInterrupt:
        # Ctrl-C: one line, no traceback (a sanitize output is left as it was).
        print("akinv: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except CommandError as error:
        print(f"akinv {args.command}: {error}", file=sys.stderr)
        return EXIT_UNREADABLE
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        print(f"akinv {args.command}: {where}{error.strerror or error}", file=sys.stderr)
        return EXIT_UNREADABLE
    except (AkinvError, ValueError) as error:
        # The subcommands turn what they expect into CommandError; this is the last resort.
        print(f"akinv {args.command}: {error}", file=sys.stderr)
        return EXIT_UNREADABLE
    return status


def _silence_stdout() -> None:
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
