"""A local HTTPS server that plays many providers, each at its own path, for the indexer's tests.

Each provider is a behaviour: a function of how many times it has been polled that returns what to
answer. Certificates are self-signed, as real providers' are.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

__all__ = ["Answer", "ProviderServer", "self_signed"]


@dataclass(frozen=True)
class Answer:
    body: bytes = b""
    status: int = 200
    # "length": Content-Length; "chunked": a stream without one; "hang": never answer.
    mode: str = "length"
    headers: dict[str, str] = field(default_factory=dict)
    # chunked: wait this long once this many bytes are sent.
    pause_after: int | None = None
    pause: float = 0.0


Behaviour = Callable[[int], Answer]


def self_signed(folder: Path) -> tuple[Path, Path] | None:
    """A self-signed certificate for 127.0.0.1 and localhost (openssl), or None without openssl."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=provider.test",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 drops the SYNs of a wave of concurrent requests, which
    # then wait a second for the kernel's retransmission.
    request_queue_size = 1024
    owner: ProviderServer

    def finish_request(self, request: Any, client_address: Any) -> None:
        # The TLS handshake runs in the request's thread, so a client that stalls in it (or fails
        # it) holds no one else up.
        try:
            request = self.owner.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        super().finish_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that give up (timeouts, too-large bodies) are part of the tests


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # As Go's net/http (the providers' server) does: without it, a response written as headers
    # then body waits for the client's delayed ACK, 40 ms a request.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        owner = self.server.owner
        path = self.path.split("?", 1)[0]
        with owner.lock:
            behaviour = owner.routes.get(path)
            owner.polls[path] += 1
            poll = owner.polls[path]
        if behaviour is None:
            self.send_error(404)
            return
        answer = behaviour(poll)
        if answer.mode == "hang":
            owner.release.wait(60)
            self.close_connection = True
            return
        self.send_response(answer.status)
        if not owner.keep_alive:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.send_header("Content-Type", "application/json")
        for name, value in answer.headers.items():
            self.send_header(name, value)
        if answer.mode == "chunked":
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            step = 64 << 10
            for start in range(0, len(answer.body), step):
                if answer.pause_after is not None and start <= answer.pause_after < start + step:
                    time.sleep(answer.pause)
                piece = answer.body[start : start + step]
                self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
            return
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)


class ProviderServer:
    """Serves each added provider at ``https://127.0.0.1:PORT/NAME/status``."""

    def __init__(self, cert: Path, key: Path, *, keep_alive: bool = True) -> None:
        # Without keep-alive every poll is a new connection and TLS handshake, as when each
        # provider is another host.
        self.keep_alive = keep_alive
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(cert, key)
        self.routes: dict[str, Behaviour] = {}
        self.polls: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.release = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def add(self, name: str, behaviour: Behaviour) -> str:
        path = f"/{name}/status"
        self.routes[path] = behaviour
        return f"https://127.0.0.1:{self.port}{path}"

    def polls_of(self, url: str) -> int:
        return self.polls["/" + url.split("/", 3)[3]]

    def __enter__(self) -> ProviderServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
