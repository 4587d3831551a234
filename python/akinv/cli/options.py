"""What every subcommand shares: exit statuses, the policy file, the common options, and the
error a subcommand raises to tell the person what went wrong (naming the file and the field)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import akinv

EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE = 0, 1, 2
# What a shell reports for a command stopped by SIGINT (128 + 2).
EXIT_INTERRUPTED = 130


class CommandError(Exception):
    """A message for the person at the terminal; the command prints it and exits 2."""


def threads(text: str) -> int:
    """--threads N, checked where argparse can name the option."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= 1024:
        raise argparse.ArgumentTypeError(f"must be between 1 and 1024, not {value}")
    return value


def add_common(command: argparse.ArgumentParser) -> None:
    command.add_argument("--policy", metavar="FILE", help="JSON or TOML file of akinv.Policy settings")
    command.add_argument("--schema", choices=["legacy", "v1", "inventory"], help="skip shape detection")
    command.add_argument(
        "--threads", type=threads, default=None, metavar="N", help="worker threads (default: all cores)"
    )


def _read_settings(path: str) -> dict[str, Any]:
    """The file's settings; a syntax error names the file and the line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise CommandError(f"policy file {path}: cannot read it: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise CommandError(f"policy file {path}: not UTF-8 text ({error.reason})") from None
    data: object
    if path.endswith(".toml"):
        try:
            import tomllib
        except ImportError:  # Python 3.10
            raise CommandError(f"policy file {path}: TOML needs Python 3.11 or later; use JSON") from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            # The message ends "(at line L, column C)".
            raise CommandError(f"policy file {path}: not valid TOML: {error}") from None
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise CommandError(
                f"policy file {path}, line {error.lineno}, column {error.colno}: not valid JSON: {error.msg}"
            ) from None
    if not isinstance(data, dict):
        raise CommandError(f"policy file {path}: must hold an object of settings, not {type(data).__name__}")
    return data


def load_policy(path: str | None) -> akinv.Policy | None:
    """A policy file is JSON (or TOML, by its .toml suffix) of akinv.Policy's keyword arguments."""
    if path is None:
        return None
    import akinv

    settings = _read_settings(path)
    try:
        return akinv.Policy(**settings)
    except (TypeError, ValueError) as error:
        # Policy's own messages name the setting: "cap gpu must be between ...".
        raise CommandError(f"policy file {path}: {error}") from None
