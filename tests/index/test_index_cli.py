"""akinv ingest, gpus and anomalies; index and ingest interrupted with Ctrl-C."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from documents import dumps, legacy, legacy_node, v1, v1_node
from provider_server import Answer, ProviderServer

from akinv.cli import main
from akinv.index import connect
from akinv.index.schema import columns

GOOD = dumps(legacy(legacy_node()))
WRAPPED = dumps(legacy(legacy_node(gpu=2**64 - 1)))


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "250"}
    return subprocess.run(
        [sys.executable, "-m", "akinv", *args], capture_output=True, text=True, env=env, cwd=cwd, check=False
    )


def archive(folder: Path) -> list[Path]:
    """A JSON Lines history of one provider (a restart that heals), a gzip file and a directory."""
    folder.mkdir(parents=True, exist_ok=True)
    history = folder / "history.jsonl"
    history.write_bytes(b"\n".join([WRAPPED, WRAPPED, GOOD, GOOD]) + b"\n")
    packed = folder / "v1.jsonl.gz"
    with gzip.open(packed, "wb") as out:
        out.write(dumps(v1(v1_node())) + b"\n")
    (folder / "more").mkdir(exist_ok=True)
    (folder / "more" / "one.json").write_bytes(dumps(v1(v1_node(gpu=("4", "1")))))
    return [history, packed, folder / "more"]


def test_ingest_is_idempotent_and_tracks(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = [str(p) for p in archive(tmp_path / "archive")]
    assert (
        main(["ingest", *paths, "--db", db_url, "--transient-snapshots", "2", "--transient-seconds", "0"])
        == 0
    )
    err = capsys.readouterr().err
    assert "6 documents: 6 stored, 0 already stored, 0 unreadable" in err
    assert main(["ingest", *paths, "--db", db_url]) == 0
    assert "6 documents: 0 stored, 6 already stored" in capsys.readouterr().err
    assert main(["anomalies", "--db", db_url, "--format", "json"]) == 0
    (anomaly,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    # The legacy documents carry their provider's address; the history's lines order them.
    assert anomaly["provider"] == "akash1r82zuxp283dk7lhfx5mvudpe96gsrnlpdsyh7m"
    assert (anomaly["state"], anomaly["snapshots"], anomaly["code"]) == ("transient", 2, "wrapped-negative")
    with connect(db_url) as store:
        sources = sorted(row[0] for row in store.query("SELECT source FROM snapshot"))
        assert sources[0].endswith("history.jsonl:1") and any(s.endswith("one.json") for s in sources)
        assert store.query("SELECT count(*) FROM provider")[0][0] == 2  # the address, and the v1 hostname


def test_ingest_in_worker_processes_writes_the_same_rows(tmp_path: Path) -> None:
    # A JSON Lines file cut into byte ranges (tiny partitions) by two worker processes, against
    # one process reading it whole: the same snapshots, line numbers and rows.
    docs = [dumps(v1(v1_node(gpu=(str(8), str(i % 9))))) if i % 3 else WRAPPED for i in range(300)]
    path = tmp_path / "many.jsonl"
    path.write_bytes(b"\n".join(docs) + b"\n{broken\n")
    script = (
        "import sys; from akinv.index import connect, Tracker; from akinv.index import ingest as i\n"
        "i.DEFAULT_PARTITION_BYTES = 4096\n"
        "if __name__ == '__main__':\n"
        "    with connect(sys.argv[1]) as s:\n"
        "        r = i.ingest([sys.argv[2]], Tracker(s), workers=int(sys.argv[3]))\n"
        "    print(r.documents, r.stored, r.unreadable, r.errors[0][1])\n"
    )
    outputs = []
    for workers in (1, 2):
        db = tmp_path / f"w{workers}.db"
        done = subprocess.run([sys.executable, "-c", script, str(db), str(path), str(workers)],
                              capture_output=True, text=True, check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout.split())
        with connect(db) as store:
            rows = {
                table: sorted(store.query(f"SELECT {', '.join(columns(table))} FROM {table}"), key=repr)
                for table in ("node", "gpu", "finding")
            }
            rows["snapshot"] = sorted(
                store.query("SELECT seq, source, content_hash, gpu_available FROM snapshot")
            )
        outputs.append(rows)  # type: ignore[arg-type]
    assert outputs[0] == outputs[2] == ["301", "300", "1", "301"]
    assert outputs[1] == outputs[3]


def test_ingest_reports_unreadable_documents(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(GOOD + b"\n{nope\n" + GOOD.replace(b"node1", b"node9") + b"\n")
    db = f"sqlite:///{tmp_path / 'a.db'}"
    assert main(["ingest", str(path), "--db", db]) == 2
    err = capsys.readouterr().err
    assert f"{path}:2: " in err and "3 documents: 2 stored, 0 already stored, 1 unreadable" in err


def test_readers_on_an_empty_and_a_missing_database(tmp_path: Path) -> None:
    done = run("gpus", "--db", f"sqlite:///{tmp_path / 'missing.db'}")
    assert done.returncode == 2 and "no database at" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "missing.db").exists()
    done = run("gpus", "--db", "postgresql://nobody@127.0.0.1:1/none")
    assert done.returncode == 2 and done.stderr.startswith("akinv gpus: ") and "Traceback" not in done.stderr
    with connect(tmp_path / "empty.db"):
        pass
    done = run("gpus", "--db", f"sqlite:///{tmp_path / 'empty.db'}", "--format", "json")
    assert done.returncode == 0 and json.loads(done.stdout) == {
        "counted": 0,
        "gpus": [],
        "providers": [],
        "apart": [],
    }
    done = run("anomalies", "--db", f"sqlite:///{tmp_path / 'empty.db'}")
    assert done.returncode == 0 and "0 anomalies" in done.stdout


def test_the_default_database_is_a_file_in_the_working_directory(tmp_path: Path) -> None:
    archive(tmp_path / "archive")
    done = run("ingest", "archive", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "akinv.db").exists()
    done = run("gpus", "--per-provider", cwd=tmp_path)
    assert done.returncode == 0 and "GPUs of 2 providers" in done.stdout and "h100" in done.stdout


def test_a_provider_whose_inventory_is_not_ready_is_listed_apart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    not_ready = legacy(legacy_node())
    not_ready["cluster"]["inventory"] = {"error": {}}
    path = tmp_path / "a.json"
    path.write_bytes(dumps(not_ready))
    db = f"sqlite:///{tmp_path / 'a.db'}"
    assert main(["ingest", str(path), "--db", db]) == 0
    assert main(["gpus", "--db", db, "--format", "json"]) == 0
    network = json.loads(capsys.readouterr().out)
    assert network["counted"] == 0 and [a["reason"] for a in network["apart"]] == ["inventory-not-ready"]


def _wait_for_snapshots(db: Path, count: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        if db.exists():
            try:
                with connect(db) as store:
                    if store.query("SELECT count(*) FROM snapshot")[0][0] >= count:
                        return
            except Exception:
                pass
        time.sleep(0.1)
    raise AssertionError(f"fewer than {count} snapshots stored in time")


def test_ctrl_c_ends_a_round_with_what_was_fetched_stored(
    provider_server: ProviderServer, tmp_path: Path
) -> None:
    urls = [provider_server.add(f"ok{i}", lambda poll: Answer(GOOD)) for i in range(10)]
    urls += [provider_server.add(f"hang{i}", lambda poll: Answer(mode="hang")) for i in range(3)]
    listing = tmp_path / "providers.txt"
    listing.write_text("\n".join(urls))
    db = tmp_path / "a.db"
    command = [sys.executable, "-m", "akinv", "index", "--providers", str(listing), "--db", f"sqlite:///{db}",
               "--timeout", "60s", "--every", "60s"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # The ten quick providers are stored within a second of their answers; the others hang.
        _wait_for_snapshots(db, 10, time.monotonic() + 30)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, err
    assert err.strip().splitlines() == [
        f"akinv index: interrupted; round 1 stored 10 of {len(urls)} providers' snapshots"
    ]
    with connect(db) as store:
        assert store.query("SELECT count(*), count(error) FROM snapshot")[0] == (10, 0)


def test_ctrl_c_between_rounds(provider_server: ProviderServer, tmp_path: Path) -> None:
    listing = tmp_path / "providers.txt"
    listing.write_text(provider_server.add("ok", lambda poll: Answer(GOOD)))
    db = tmp_path / "a.db"
    command = [sys.executable, "-m", "akinv", "index", "--providers", str(listing), "--db", f"sqlite:///{db}",
               "--every", "60s"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for_snapshots(db, 1, time.monotonic() + 30)
        time.sleep(0.3)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130
    lines = err.strip().splitlines()
    assert lines[-1] == "akinv index: interrupted between rounds; 1 rounds stored" and "Traceback" not in err


def test_gpus_and_anomalies_read_whole_at_80_columns(tmp_path: Path) -> None:
    """Every header, model, provider name and value is whole on an 80-column terminal."""
    history = tmp_path / "a-provider-history-with-a-long-name-of-forty-odd.jsonl"
    history.write_bytes(WRAPPED + b"\n" + dumps(v1(v1_node(gpu=("8", "3")))) + b"\n")
    db = f"sqlite:///{tmp_path / 'akinv.db'}"
    assert run("ingest", str(history), "--db", db).returncode == 0
    env = {**os.environ, "COLUMNS": "80"}
    for command in (["gpus", "--per-provider"], ["anomalies"]):
        shown = subprocess.run(
            [sys.executable, "-m", "akinv", *command, "--db", db], capture_output=True, text=True, env=env
        )
        assert shown.returncode == 0, shown.stderr
        assert all(len(line) <= 80 for line in shown.stdout.splitlines()), shown.stdout
        assert "…" not in shown.stdout, shown.stdout
        if command[0] == "gpus":
            assert (
                "interface" in shown.stdout and "allocatable" in shown.stdout and "available" in shown.stdout
            )
        else:
            assert "wrapped-negative (gpu)" in shown.stdout
            for anomaly in json.loads(
                "[" + ",".join(run("anomalies", "--db", db, "--format", "json").stdout.splitlines()) + "]"
            ):
                assert anomaly["provider"] in shown.stdout and anomaly["code"] in shown.stdout
