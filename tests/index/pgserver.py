"""A throwaway PostgreSQL server (initdb + pg_ctl in a temporary directory) on a loopback port.

Used by the tests' fixture and by benches/ingest.py. PostgreSQL refuses to run as root, so as root
the server runs as the ``postgres`` user (Debian's package creates it) through setpriv.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["PostgresUnavailable", "binaries", "throwaway_postgres"]


class PostgresUnavailable(Exception):
    """Why no server can be started here."""


def binaries() -> Path:
    """The directory holding initdb and pg_ctl: the newest /usr/lib/postgresql/*/bin, else PATH."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise PostgresUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian's postgresql "
        "(scripts/system-deps does)"
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_user() -> tuple[list[str], pwd.struct_passwd | None]:
    """The command prefix that runs the server as an unprivileged user when we are root."""
    if os.geteuid() != 0:
        return [], None
    for name in ("postgres", "nobody"):
        try:
            user = pwd.getpwnam(name)
        except KeyError:
            continue
        setpriv = shutil.which("setpriv")
        if setpriv:
            return [setpriv, f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups"], user
        runuser = shutil.which("runuser")
        if runuser:
            return [runuser, "-u", name, "--"], user
    raise PostgresUnavailable("running as root and no unprivileged user (postgres) to run PostgreSQL as")


@contextmanager
def throwaway_postgres(*, durable: bool = False) -> Iterator[str]:
    """Start a server; yield the URL of its ``postgres`` database (user ``akinv``, trust auth).

    Not durable by default (fsync off): a test server needs no crash safety. ``durable=True`` keeps
    PostgreSQL's defaults, for benchmarks."""
    bindir = binaries()
    prefix, user = _as_user()
    base = Path(tempfile.mkdtemp(prefix="akinv-pg-"))
    data, log = base / "data", base / "server.log"
    if user is not None:
        os.chown(base, user.pw_uid, user.pw_gid)
    port = _free_port()
    env = {**os.environ, "LC_ALL": "C", "TZ": "UTC"}
    try:
        subprocess.run(
            [*prefix, str(bindir / "initdb"), "-D", str(data), "-U", "akinv", "--auth=trust", "-E", "UTF8",
             "--no-sync"],
            check=True, capture_output=True, env=env, cwd=base,
        )  # fmt: skip
        options = f"-p {port} -c listen_addresses=127.0.0.1 -k {base}"
        if not durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "60",
             "start"],
            check=True, capture_output=True, env=env, cwd=base,
        )  # fmt: skip
    except subprocess.CalledProcessError as error:
        detail = (error.stderr or b"").decode(errors="replace").strip()
        if log.exists():
            detail += "\n" + log.read_text(errors="replace")[-2000:]
        shutil.rmtree(base, ignore_errors=True)
        raise PostgresUnavailable(f"PostgreSQL did not start: {detail}") from error
    try:
        yield f"postgresql://akinv@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True, env=env, cwd=base, check=False,
        )  # fmt: skip
        shutil.rmtree(base, ignore_errors=True)
