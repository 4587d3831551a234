"""`akinv doctor`: exit statuses, the three formats, kubectl run from PATH, the status URL."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from doctor_fixtures import NODES, PODS, STATUS, nodes, only_nodes, pods

from akinv.cli import main
from akinv.doctor import DoctorInputError
from akinv.doctor.sources import fetch_status

CLEAN = ("cp-01", "gpu-a100-01", "gpu-4090-01")
FORBIDDEN = 'Error from server (Forbidden): pods is forbidden: User "doctor" cannot list resource "pods"'


def doctor(*args: str, path: str | None = None, stdin: bytes = b"") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    if path is not None:
        env["PATH"] = path
    command = [sys.executable, "-m", "akinv", "doctor", *args]
    return subprocess.run(command, input=stdin.decode(), capture_output=True, text=True, check=False, env=env)


def write_json(path: Path, data: Any) -> str:
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def test_exit_status_follows_the_worst_finding(tmp_path: Path) -> None:
    assert main(["doctor", "--nodes", str(NODES), "--pods", str(PODS), "-o", str(tmp_path / "r.txt")]) == 1
    node_list, pod_list = nodes(), pods()
    only_nodes(node_list, pod_list, *CLEAN)
    clean = [
        "--nodes",
        write_json(tmp_path / "n.json", node_list),
        "--pods",
        write_json(tmp_path / "p.json", pod_list),
    ]
    assert main(["doctor", *clean, "-o", str(tmp_path / "r.txt")]) == 0


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b'{"items": [', "broken.json: not JSON"),
        (
            b'{"kind": "NodeList", "items": [{"status": {"capacity": {"cpu": "12K"}}}]}',
            "broken.json: $.items[0]",
        ),
        (
            b'{"kind": "NodeList", "items": [{"status": 5}]}',
            "Expected `object`, got `int` - at `$.items[0].status`",
        ),
    ],
)
def test_unreadable_nodes_exit_2_naming_the_file(tmp_path: Path, content: bytes, says: str) -> None:
    broken = tmp_path / "broken.json"
    broken.write_bytes(content)
    result = doctor("--nodes", str(broken))
    assert result.returncode == 2
    assert says in result.stderr and "Traceback" not in result.stderr


def test_missing_file_and_bad_status_exit_2(tmp_path: Path) -> None:
    result = doctor("--nodes", str(tmp_path / "absent.json"))
    assert result.returncode == 2 and "absent.json: cannot be read: No such file" in result.stderr
    bad = tmp_path / "status.json"
    bad.write_text('{"cluster": ', encoding="utf-8")
    result = doctor("--nodes", str(NODES), "--status", str(bad))
    assert result.returncode == 2 and result.stderr.startswith(f"akinv doctor: {bad}: ")
    assert "line 1" in result.stderr and "Traceback" not in result.stderr


def test_unwritable_output_exits_2(tmp_path: Path) -> None:
    result = doctor("--nodes", str(NODES), "-o", str(tmp_path / "no" / "such" / "dir" / "r.txt"))
    assert result.returncode == 2 and "cannot be written" in result.stderr


def test_nodes_from_stdin() -> None:
    result = doctor("--nodes", "-", "--format", "json", stdin=NODES.read_bytes())
    assert result.returncode == 1
    assert json.loads(result.stdout)["inputs"]["nodes"] == "<stdin>"


def test_json_output() -> None:
    result = doctor("--nodes", str(NODES), "--pods", str(PODS), "--status", str(STATUS), "--format", "json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    finding = report["findings"][0]
    assert set(finding) == {"code", "severity", "node", "message", "evidence", "remedy"}
    wrapped = next(f for f in report["findings"] if f["code"] == "gpu-requests-above-allocatable")
    assert wrapped["evidence"]["wrapped_available"] == 18446744073709551613
    summary = report["summary"]
    assert (summary["errors"], summary["warnings"], summary["info"]) == (8, 3, 0)
    assert summary["ok"] is False and summary["nodes"] == 7 and summary["status_schema"] == "legacy"
    assert report["inputs"] == {"nodes": str(NODES), "pods": str(PODS), "status": str(STATUS)}
    gpu = report["nodes"][4]["resources"]["gpus"]
    assert report["nodes"][4]["name"] == "gpu-a100-02"
    assert (gpu["allocatable"], gpu["requested"], gpu["status_allocatable"]) == (0, 3, 0)


def test_text_fits_80_columns_and_cuts_no_number(tmp_path: Path) -> None:
    out = tmp_path / "report.txt"
    args = ["--nodes", str(NODES), "--pods", str(PODS), "--status", str(STATUS)]
    assert main(["doctor", *args, "-o", str(out)]) == 1
    text = out.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert all(line == line.rstrip() for line in lines)
    assert "18446744073709551613" in text and "ERROR gpu-requests-above-allocatable on gpu-a100-02" in text
    # The node table: every node, its GPU cell whole.
    row = next(line for line in lines if line.startswith("gpu-a100-02 "))
    assert " 3/0 " in row
    # Piped, the same report (no colour codes).
    piped = doctor(*args)
    assert piped.stdout.splitlines() == lines and "\x1b[" not in piped.stdout


def test_pods_not_given_is_said_in_every_format() -> None:
    text = doctor("--nodes", str(NODES)).stdout
    assert "INFO pods-not-given" in text and "pods: not given" in text
    report = json.loads(doctor("--nodes", str(NODES), "--format", "json").stdout)
    assert report["summary"]["pods"] is None
    assert {f["code"] for f in report["findings"] if f["severity"] == "info"} == {
        "pods-not-given",
        "status-not-given",
    }


# kubectl on PATH


FAKE_KUBECTL = """#!{python}
import os, sys
with open(os.environ["FAKE_KUBECTL_LOG"], "a") as log:
    log.write(" ".join(sys.argv[1:]) + "\\n")
if "nodes" in sys.argv:
    sys.stdout.write(open({nodes!r}).read())
elif "pods" in sys.argv and os.environ.get("FAKE_KUBECTL_FORBID_PODS"):
    sys.stderr.write({forbidden!r} + "\\n")
    sys.exit(1)
elif "pods" in sys.argv:
    sys.stdout.write(open({pods!r}).read())
else:
    sys.exit(2)
"""


@pytest.fixture
def fake_kubectl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A `kubectl` first on PATH that prints the fixtures and logs its arguments."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "kubectl"
    script.write_text(
        FAKE_KUBECTL.format(python=sys.executable, nodes=str(NODES), pods=str(PODS), forbidden=FORBIDDEN),
        encoding="utf-8",
    )
    script.chmod(0o755)
    log = tmp_path / "kubectl.log"
    monkeypatch.setenv("FAKE_KUBECTL_LOG", str(log))
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    yield log


def test_kubectl_is_run_for_nodes_and_pods(fake_kubectl: Path) -> None:
    result = doctor("--context", "provider-prod", "--format", "json")
    assert result.returncode == 1, result.stderr
    assert fake_kubectl.read_text().splitlines() == [
        "--context provider-prod get nodes -o json",
        "--context provider-prod get pods --all-namespaces -o json",
    ]
    from_kubectl = json.loads(result.stdout)
    from_files = json.loads(doctor("--nodes", str(NODES), "--pods", str(PODS), "--format", "json").stdout)
    assert from_kubectl["findings"] == [
        f for f in from_files["findings"] if f["code"] != "status-not-given"
    ] + [f for f in from_files["findings"] if f["code"] == "status-not-given"]
    assert from_kubectl["inputs"]["nodes"].endswith("kubectl --context provider-prod get nodes -o json")


def test_kubectl_without_context_uses_the_current_one(fake_kubectl: Path) -> None:
    assert doctor().returncode == 1
    assert fake_kubectl.read_text().splitlines()[0] == "get nodes -o json"


def test_pods_kubectl_cannot_read_are_said_and_the_nodes_still_checked(
    fake_kubectl: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_KUBECTL_FORBID_PODS", "1")
    result = doctor("--format", "json")
    assert result.returncode == 1
    assert "pods not read" in result.stderr and "Forbidden" in result.stderr
    report = json.loads(result.stdout)
    assert report["inputs"]["pods"].startswith("not read: ") and "Forbidden" in report["inputs"]["pods"]
    assert "pods-not-given" in report["summary"]["codes"]
    assert "kernel-newer-than-5-15" in report["summary"]["codes"]


def test_files_given_run_no_kubectl(fake_kubectl: Path) -> None:
    result = doctor("--nodes", str(NODES), "--context", "provider-prod")
    assert not fake_kubectl.exists()
    assert "--context is not used" in result.stderr


def test_kubectl_missing_is_said(tmp_path: Path) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    result = doctor(path=str(empty))
    assert result.returncode == 2
    assert (
        "kubectl is not on PATH: give --nodes FILE, the output of `kubectl get nodes -o json`"
        in result.stderr
    )


def test_kubectl_failing_for_nodes_exits_2(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "kubectl"
    script.write_text(
        f"#!{sys.executable}\nimport sys\nsys.stderr.write('error: context \"nope\" does not exist\\n')\nsys.exit(1)\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    result = doctor("--context", "nope", path=str(bin_dir))
    assert result.returncode == 2
    assert (
        '`kubectl --context nope get nodes -o json` failed (exit status 1): error: context "nope"'
        in result.stderr
    )


# The status URL, served on loopback


class _StatusHandler(http.server.BaseHTTPRequestHandler):
    body = STATUS.read_bytes()

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        if self.path == "/status":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(self.body)))
            self.end_headers()
            self.wfile.write(self.body)
        else:
            self.send_error(404)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def status_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _StatusHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_status_url(status_server: str) -> None:
    result = doctor(
        "--nodes",
        str(NODES),
        "--pods",
        str(PODS),
        "--status-url",
        f"{status_server}/status",
        "--format",
        "json",
    )
    report = json.loads(result.stdout)
    assert report["inputs"]["status"] == f"{status_server}/status"
    assert "status-wrapped-negative" in report["summary"]["codes"]


def test_status_url_errors_exit_2(status_server: str) -> None:
    result = doctor("--nodes", str(NODES), "--status-url", f"{status_server}/nothing")
    assert result.returncode == 2 and "HTTP 404" in result.stderr
    result = doctor("--nodes", str(NODES), "--status-url", "ftp://provider.example.com/status")
    assert result.returncode == 2 and "not an http(s) URL" in result.stderr


def test_status_body_limit(status_server: str) -> None:
    assert fetch_status(f"{status_server}/status") == STATUS.read_bytes()
    with pytest.raises(DoctorInputError, match="above the 100-byte limit"):
        fetch_status(f"{status_server}/status", limit=100)


def test_status_connection_refused_and_bad_ca(status_server: str, tmp_path: Path) -> None:
    # A port just closed: nothing listens there.
    closed = http.server.HTTPServer(("127.0.0.1", 0), _StatusHandler)
    port = closed.server_address[1]
    closed.server_close()
    with pytest.raises(DoctorInputError, match=f"http://127.0.0.1:{port}/status: "):
        fetch_status(f"http://127.0.0.1:{port}/status", timeout=5)
    with pytest.raises(DoctorInputError, match="cannot be used as a CA file"):
        fetch_status(f"{status_server}/status", ca_file=str(tmp_path / "absent.pem"))


# A provider's self-signed certificate, served on loopback


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The status over HTTPS with a self-signed certificate for 127.0.0.1; yields the URL and the
    certificate (its own CA)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        if os.environ.get("AKINV_REQUIRE_SYSTEM") == "1":
            pytest.fail(
                "openssl is not installed and AKINV_REQUIRE_SYSTEM=1 requires it: run scripts/system-deps"
            )
        pytest.skip("openssl is not installed (Debian: scripts/system-deps, or apt-get install openssl)")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _StatusHandler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}/status", cert
    server.shutdown()
    server.server_close()


def test_self_signed_status_needs_its_ca_or_insecure(tls_server: tuple[str, Path]) -> None:
    url, cert = tls_server
    with pytest.raises(
        DoctorInputError, match=r"CERTIFICATE_VERIFY_FAILED.*give --ca-file FILE, or --insecure"
    ):
        fetch_status(url)
    assert fetch_status(url, ca_file=str(cert)) == STATUS.read_bytes()
    assert fetch_status(url, verify=False) == STATUS.read_bytes()
    result = doctor("--nodes", str(NODES), "--status-url", url, "--insecure", "--format", "json")
    assert (
        result.returncode == 1 and "status-wrapped-negative" in json.loads(result.stdout)["summary"]["codes"]
    )
    result = doctor("--nodes", str(NODES), "--status-url", url)
    assert result.returncode == 2 and "--ca-file" in result.stderr
