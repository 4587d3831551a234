"""Where the doctor's inputs come from: files, kubectl run here, and the provider's status URL.

Every failure is a DoctorInputError that names the source and says what is missing, so the
command can tell the operator what to give instead of guessing.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
import sys
from typing import Literal

from akinv.doctor.errors import DoctorInputError

__all__ = ["STATUS_LIMIT_BYTES", "fetch_status", "kubectl_command", "read_file", "run_kubectl"]

KUBECTL_TIMEOUT_SECONDS = 300
STATUS_TIMEOUT_SECONDS = 30.0
# A provider's status is kilobytes; anything near this is not a status document.
STATUS_LIMIT_BYTES = 64 << 20
_ASKS = {"nodes": ["get", "nodes", "-o", "json"], "pods": ["get", "pods", "--all-namespaces", "-o", "json"]}


def read_file(path: str) -> bytes:
    """A file's bytes, or standard input's for "-"."""
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as file:
            return file.read()
    except OSError as error:
        raise DoctorInputError(f"{path}: cannot be read: {error.strerror or error}") from error


def kubectl_command(
    what: Literal["nodes", "pods"], context: str | None, kubectl: str = "kubectl"
) -> list[str]:
    return [kubectl, *(["--context", context] if context else []), *_ASKS[what]]


def run_kubectl(
    what: Literal["nodes", "pods"],
    context: str | None,
    *,
    kubectl: str = "kubectl",
    timeout: float = KUBECTL_TIMEOUT_SECONDS,
) -> tuple[bytes, str]:
    """kubectl's JSON for the nodes or the pods, and the command that printed it (the source name)."""
    command = kubectl_command(what, context, kubectl)
    shown = " ".join(command)
    flag = f"--{what}"
    found = shutil.which(kubectl)
    if found is None:
        raise DoctorInputError(
            f"{kubectl} is not on PATH: give {flag} FILE, the output of `{shown}` run where kubectl works"
        )
    try:
        done = subprocess.run([found, *command[1:]], capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as error:
        raise DoctorInputError(
            f"`{shown}` did not finish in {timeout:g} s: give {flag} FILE instead"
        ) from error
    except OSError as error:
        raise DoctorInputError(f"`{shown}` could not be started: {error}") from error
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = said[-1] if said else "no message"
        raise DoctorInputError(f"`{shown}` failed (exit status {done.returncode}): {detail}")
    return done.stdout, shown


def fetch_status(
    url: str,
    *,
    verify: bool = True,
    ca_file: str | None = None,
    timeout: float = STATUS_TIMEOUT_SECONDS,
    limit: int = STATUS_LIMIT_BYTES,
) -> bytes:
    """GET the provider's status (REST /status, or any URL serving a status document akinv reads).

    Providers usually serve a self-signed certificate: ``ca_file`` trusts one CA, ``verify=False``
    skips verification altogether. Bodies above ``limit`` bytes are refused.
    """
    if not url.startswith(("https://", "http://")):
        raise DoctorInputError(f"{url}: not an http(s) URL")
    import httpx  # only the URL path needs it; keep `akinv doctor --nodes FILE` quick to start

    tls: ssl.SSLContext | bool = verify
    if verify and ca_file is not None:
        try:
            tls = ssl.create_default_context(cafile=ca_file)
        except (OSError, ssl.SSLError) as error:
            raise DoctorInputError(f"{ca_file}: cannot be used as a CA file: {error}") from error
    try:
        with (
            httpx.Client(verify=tls, timeout=timeout, follow_redirects=True) as client,
            client.stream("GET", url, headers={"Accept": "application/json"}) as response,
        ):
            if response.status_code != 200:
                raise DoctorInputError(f"{url}: HTTP {response.status_code} {response.reason_phrase}")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise DoctorInputError(
                    f"{url}: the body is {int(declared):,} bytes, above the {limit:,}-byte limit"
                )
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > limit:
                    raise DoctorInputError(f"{url}: the body is above the {limit:,}-byte limit")
            return bytes(body)
    except httpx.HTTPError as error:
        hint = ""
        if "CERTIFICATE_VERIFY_FAILED" in str(error):
            hint = " (providers often serve a self-signed certificate: give --ca-file FILE, or --insecure)"
        raise DoctorInputError(f"{url}: {error or type(error).__name__}{hint}") from error
