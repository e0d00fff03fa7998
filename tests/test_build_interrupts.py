"""A build stopped at any moment, and two processes at one store (issue 12: M1, M7 and the
Ctrl-C, reading-while-writing and failed-Dask items).

Real `kg` processes, real signals, and `ps` for the process tree. Stores are compared by
their N-Quads dumps: the graph has no blank nodes, so equal graphs are equal sets of lines.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from store_dump import read_only_lines

from kg.build import build
from kg.errors import MissingStoreError
from kg.store import open_store, reserve_store

KG = [str(Path(sys.executable).parent / "kg")]  # the console script of this venv
WAIT = 180  # seconds: a bound for hangs, never a measure of speed
# Interrupted builds run with batches of two papers, each loaded alone (over a hundred loads,
# so a signal lands mid-build); reruns with bigger batches, which must not change the store,
# and are quicker.
RERUN = ["build", "--workers", 1, "--batch-size", 32]
SMALL_LOADS = ["--batch-size", 2, "--load-quads", 1]


def dump(store: Path) -> set[bytes]:
    """The store's quads (less the counts' time). Oxigraph's own read-only open: no lock is
    kept by this process."""
    return read_only_lines(store)


def session(sid: int) -> list[str]:
    """`pid command` of every process in session `sid`, as ps sees them."""
    out = subprocess.run(["ps", "-e", "-o", "pid=,sid=,args="], capture_output=True,
                         text=True, check=True).stdout
    return [f"{line.split(None, 2)[0]} {line.split(None, 2)[2]}" for line in out.splitlines()
            if int(line.split(None, 2)[1]) == sid]


def start(*args: object, **options) -> subprocess.Popen:
    """A `kg` process in its own session (its id is the session id), like a terminal job."""
    options.setdefault("stdout", subprocess.PIPE)
    options.setdefault("stderr", subprocess.PIPE)
    return subprocess.Popen([*KG, *map(str, args)], start_new_session=True, **options)


def kg(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run([*KG, *map(str, args)], capture_output=True, text=True, timeout=WAIT)


def wait_until(check: Callable[[], bool], proc: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not check():
        if proc.poll() is not None:
            pytest.fail(f"the build ended (exit {proc.returncode}) before {what}")
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} after {WAIT} s")
        time.sleep(0.0005)


def sst_files(store: Path, count: int) -> Callable[[], bool]:
    return lambda: store.is_dir() and len(list(store.glob("*.sst"))) >= count


def one_error_line(result: subprocess.CompletedProcess, *parts: str) -> str:
    """The only line on stderr: `Error: ...` holding every part."""
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for part in parts:
        assert part in lines[0], (part, lines[0])
    return lines[0]


@pytest.fixture(scope="module")
def corpus(shared_corpus) -> Path:
    return shared_corpus / "listings"


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory) -> set[bytes]:
    store = tmp_path_factory.mktemp("reference") / "store"
    build([corpus], store, batch_size=32)
    quads = dump(store)
    assert len(quads) > 1000 and not any(b"_:" in line for line in quads)
    return quads


# ---------------------------------------------------------------- kill -9, then rerun


@pytest.mark.parametrize("moment, workers", [
    ("reserved", 1),   # the store's directory and marker exist, RocksDB has not started
    ("creating", 1),   # RocksDB is writing its first files
    ("loading", 2),    # batches are landing, worker processes running
])
def test_kill_at_any_moment_of_a_first_build_then_rerun_equals_uninterrupted(
        corpus, reference, tmp_path, moment, workers):
    store = tmp_path / "store"
    command = ["build", corpus, "--workers", workers, *SMALL_LOADS, "--store", store]
    proc = start(*command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    check = {"reserved": lambda: (store / "MEDIMG_KG_STORE").exists(),
             "creating": lambda: (store / "IDENTITY").exists(),
             "loading": sst_files(store, 4)}[moment]
    wait_until(check, proc, f"the {moment} moment")
    os.killpg(proc.pid, signal.SIGKILL)  # the build and its worker processes, no warning
    assert proc.wait() == -signal.SIGKILL

    rerun = kg(*RERUN, corpus, "--store", store)
    assert rerun.returncode == 0, rerun.stderr
    assert dump(store) == reference


def test_a_store_whose_creation_was_cut_short_is_created_afresh(demo_corpus, tmp_path):
    # What a kill inside RocksDB's creation leaves: our marker still saying "creating" and
    # some of RocksDB's files, but no CURRENT.
    donor = tmp_path / "donor"
    ox.Store(str(donor))  # a complete RocksDB directory, to take files from
    store = tmp_path / "store"
    store.mkdir()
    (store / "MEDIMG_KG_STORE").write_bytes(b"creating\n")
    for name in ("IDENTITY", "LOCK", *[p.name for p in donor.glob("MANIFEST-*")]):
        (store / name).write_bytes((donor / name).read_bytes())
    with pytest.raises(MissingStoreError, match="its creation was interrupted"):
        open_store(store, read_only=True)

    build([demo_corpus], store)
    fresh = tmp_path / "fresh"
    build([demo_corpus], fresh)
    assert dump(store) == dump(fresh)


def test_a_directory_holding_only_the_marker_is_an_unfinished_store(demo_corpus, tmp_path):
    # A kill right after the marker was written, before anything else.
    store = tmp_path / "store"
    store.mkdir()
    (store / "MEDIMG_KG_STORE").write_bytes(b"creating\n")
    with pytest.raises(MissingStoreError, match="its creation was interrupted"):
        open_store(store, read_only=True)
    build([demo_corpus / "radai-slice.txt"], store)
    assert len(open_store(store, read_only=True)) > 0


def test_a_reservation_given_up_leaves_the_path_as_it_was(tmp_path):
    new = tmp_path / "parent" / "store"
    reserve_store(new).release()
    assert not new.exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    with reserve_store(empty) as reservation:
        assert not reservation.exists
    assert list(empty.iterdir()) == []


def test_a_store_of_an_earlier_version_still_opens(demo_corpus, tmp_path):
    # Earlier versions wrote an empty marker after RocksDB had created the store.
    store = tmp_path / "store"
    old = ox.Store(str(store))
    old.add(ox.Quad(ox.NamedNode("https://example.org/a"), ox.NamedNode("https://example.org/p"),
                    ox.Literal("kept")))
    del old
    (store / "MEDIMG_KG_STORE").touch()
    build([demo_corpus], store)
    assert b'<https://example.org/a> <https://example.org/p> "kept" .' in dump(store)


# ---------------------------------------------------------------- two processes, one store


def test_a_second_build_and_every_reader_get_one_line_while_a_build_writes(
        corpus, reference, demo_corpus, tmp_path):
    store = tmp_path / "store"
    writer = start("build", corpus, "--workers", 1, *SMALL_LOADS, "--store", store)
    wait_until(sst_files(store, 2), writer, "a landed batch")
    os.killpg(writer.pid, signal.SIGSTOP)  # hold the build mid-write while we try
    try:
        busy = f"store {store} is being written by pid {writer.pid} (kg build"
        one_error_line(kg("build", demo_corpus, "--store", store), busy)
        one_error_line(kg("stats", "--store", store), busy)
        one_error_line(kg("export", "--format", "nt", "-o", tmp_path / "g.nt", "--store", store),
                       busy)
        one_error_line(kg("query", "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "--store", store),
                       busy)
        one_error_line(kg("viz", "-o", tmp_path / "g.html", "--store", store), busy)
        one_error_line(kg("serve", "--port", 0, "--store", store), busy)
        assert not (tmp_path / "g.nt").exists() and not (tmp_path / "g.html").exists()
    finally:
        os.killpg(writer.pid, signal.SIGCONT)
    out, err = writer.communicate(timeout=WAIT)
    assert writer.returncode == 0, err
    assert dump(store) == reference


def test_two_builds_started_together_never_write_one_store(corpus, reference, tmp_path):
    store = tmp_path / "store"
    command = ["build", corpus, "--workers", 1, "--batch-size", 8, "--store", store]
    first, second = start(*command), start(*command)
    results = {proc.pid: (proc, *proc.communicate(timeout=WAIT)) for proc in (first, second)}
    codes = sorted(proc.returncode for proc, _, _ in results.values())
    assert codes in ([0, 0], [0, 1]), codes  # one after the other, or one refused
    for pid, (proc, _, err) in results.items():
        if proc.returncode == 1:
            other = next(p for p in results if p != pid)
            result = subprocess.CompletedProcess(proc.args, 1, "", err.decode())
            one_error_line(result, f"store {store} is being written by pid {other} (kg build")
    assert dump(store) == reference


def test_a_reader_keeps_builds_out_until_it_stops(demo_corpus, tmp_path):
    store = tmp_path / "store"
    build([demo_corpus], store)
    before = dump(store)
    server = start("serve", "--port", 0, "--store", store, stderr=subprocess.DEVNULL)
    try:
        assert server.stdout is not None
        assert server.stdout.readline().startswith(b"Serving ")
        refused = kg("build", demo_corpus / "radai-slice.txt", "--store", store)
        one_error_line(refused, f"store {store} is open for reading by pid {server.pid} "
                                "(kg serve")
        assert kg("stats", "--store", store).returncode == 0  # readers share it
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=WAIT)
    assert dump(store) == before
    assert kg("build", demo_corpus, "--store", store).returncode == 0


# ---------------------------------------------------------------- stopping a build


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm", "sigkill"])
def test_the_build_process_tree_stops_with_the_build(corpus, reference, tmp_path, how):
    store = tmp_path / "store"
    command = ["build", corpus, "--workers", 2, *SMALL_LOADS, "--store", store]
    proc = start(*command)  # stdout is a pipe, as in `kg build | tee log`
    wait_until(sst_files(store, 3), proc, "landed batches")
    assert len(session(proc.pid)) >= 4  # the build, its fork server, resource tracker, workers
    if how == "ctrl-c":  # a terminal sends it to the whole foreground process group
        os.killpg(proc.pid, signal.SIGINT)
    else:  # to the build alone: its workers must notice by themselves
        proc.send_signal(signal.SIGTERM if how == "sigterm" else signal.SIGKILL)
    streams: dict[str, bytes] = {}
    readers = [threading.Thread(target=lambda n=name, s=stream: streams.__setitem__(n, s.read()))
               for name, stream in (("out", proc.stdout), ("err", proc.stderr))]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join(WAIT)
    assert not any(r.is_alive() for r in readers), (
        "stdout or stderr still open: " + "; ".join(session(proc.pid)))
    code = proc.wait(timeout=WAIT)
    deadline = time.monotonic() + WAIT
    while session(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert session(proc.pid) == []

    if how == "sigkill":
        assert code == -signal.SIGKILL
    else:
        err = streams["err"].decode()
        assert code == (143 if how == "sigterm" else 130), err
        assert "Traceback" not in err
        lines = [line for line in err.splitlines() if not line.startswith("Warning: ")]
        assert lines == ["Interrupted: batches already loaded stay; run the same command again "
                         "to complete the store."], err
    if how == "ctrl-c":  # the batches that landed stay, and the rerun completes the store
        assert kg(*RERUN, corpus, "--store", store).returncode == 0
        assert dump(store) == reference


def test_a_failed_dask_build_neither_creates_nor_touches_the_store(demo_corpus, tmp_path):
    pytest.importorskip("distributed")
    command = ["build", demo_corpus, "--engine", "dask", "--scheduler", "tcp://127.0.0.1:x"]
    new = tmp_path / "new"
    one_error_line(kg(*command, "--store", new), "Dask scheduler")
    assert not new.exists()

    existing = tmp_path / "existing"
    build([demo_corpus / "radai-slice.txt"], existing)
    files = {p.name: p.read_bytes() for p in existing.iterdir()}
    quads = dump(existing)
    one_error_line(kg(*command, "--store", existing), "Dask scheduler")
    assert dump(existing) == quads
    assert {p.name: p.read_bytes() for p in existing.iterdir()} == files
