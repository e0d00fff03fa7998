"""Run SPARQL in a child process that can be stopped: a deadline, a memory cap, no orphans.

pyoxigraph cannot cancel a running query, and Oxigraph's own timeout is not checked inside a
long join or sort, so the only sure way to stop a query at its deadline is to end the process
that runs it. A worker is a fresh Python interpreter (never a fork of a parent that may hold
threads) that:

- asks the kernel to kill it when the thread that started it dies (PR_SET_PDEATHSIG, Linux),
  then checks that this parent is still alive, closing the race between spawn and prctl; it
  also exits when its command pipe closes, which is the fallback elsewhere;
- caps its own data segment (RLIMIT_DATA): a query that grows past the cap gets a failed
  allocation and the worker dies, instead of the machine swapping;
- ignores SIGINT: a terminal's Ctrl-C reaches the whole process group, and the parent decides;
- answers one JSON line per request and writes the result into a file the parent named, so a
  result is handed over only once complete. A cut query can never look like a short answer.

The parent side (`Worker`) spawns, asks with a deadline and kills.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from typing import IO, TYPE_CHECKING, Any, BinaryIO

from kg.errors import KGError, QueryError, ServeError, StoreError

if TYPE_CHECKING:
    from kg.protocol import Output

STARTUP_TIMEOUT = 30.0
_PR_SET_PDEATHSIG = 1
_EXIT_MEMORY = 70  # a worker that hit its memory limit in Python code exits with this
# How a worker is started: a fresh interpreter running worker_main(). `python -c` puts the
# working directory first on sys.path; it is dropped so that the worker imports the kg its
# parent runs, not a source checkout it happens to be started in (whose kg/ lacks the
# folders pyproject.toml maps into the package).
_ENTRY = ("import sys\nif sys.path and sys.path[0] == '':\n    del sys.path[0]\n"
          "from kg.sandbox import worker_main\nworker_main()")


class QueryTimeout(QueryError):
    """The query ran past its deadline; its process was killed."""


# error kinds a worker reports that mean "the store", not "the query"
_STORE_ERRORS = ("StoreError", "MissingStoreError")


class WorkerDied(QueryError):
    """The process running the query died (most often: it went past its memory cap)."""

    def __init__(self, message: str, *, over_memory: bool = False) -> None:
        super().__init__(message)
        self.over_memory = over_memory


# ---------------------------------------------------------------- parent side


class Worker:
    """One worker process over one store. Not thread-safe: one request at a time.

    `memory_mb` caps the worker's data segment; `writable` opens the store for updates.
    """

    def __init__(self, store: str | os.PathLike[str], *, writable: bool = False,
                 memory_mb: int | None = None) -> None:
        self.store = os.fspath(store)
        self.writable = writable
        self.memory_mb = memory_mb
        self.process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._buffer = b""
        # Popen.poll() answers "running" while another thread holds its wait lock; callers
        # of alive() take turns so a dead worker is never reported alive
        self._poll_lock = threading.Lock()

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def alive(self) -> bool:
        if self.process is None:
            return False
        with self._poll_lock:
            return self.process.poll() is None

    def start(self, timeout: float = STARTUP_TIMEOUT) -> Worker:
        """Spawn the worker and wait until its store is open.

        Raises StoreError (no store, cannot open) or ServeError (the worker did not start).
        Call it from a thread that lives as long as the worker should: on Linux the worker
        dies with that thread.
        """
        config = {"store": self.store, "writable": self.writable, "memory_mb": self.memory_mb,
                  "parent": os.getpid()}
        self._stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, "-c", _ENTRY, json.dumps(config)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
            bufsize=0, close_fds=True,
        )
        try:
            reply = self._reply(time.monotonic() + timeout)
        except QueryTimeout:
            self.kill()
            raise ServeError(f"the query process did not start within {timeout:g} s") from None
        except WorkerDied as exc:
            raise ServeError(f"the query process failed to start: {exc}") from None
        if "error" in reply:
            self.kill()
            kind = StoreError if reply.get("kind") in _STORE_ERRORS else ServeError
            raise kind(reply["error"])
        return self

    def ask(self, request: dict[str, Any], deadline: float | None) -> dict[str, Any]:
        """Send one request and return the reply; by `deadline` (time.monotonic()) the worker
        is killed and QueryTimeout raised. WorkerDied when it dies on the way."""
        assert self.process is not None and self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(request).encode("utf-8") + b"\n")
        except (BrokenPipeError, OSError):
            raise self._death() from None
        try:
            return self._reply(deadline)
        except QueryTimeout:
            self.kill()
            raise

    def kill(self) -> None:
        """SIGKILL and reap: the query stops using CPU and memory at once."""
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
        self.process.wait()
        self._close_pipes()

    def close(self, grace: float = 2.0) -> None:
        """Close the command pipe (the worker exits on its own), kill it past `grace`."""
        if self.process is None:
            return
        if self.process.poll() is None and self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                pass
        self.kill()

    def _close_pipes(self) -> None:
        assert self.process is not None
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def _reply(self, deadline: float | None) -> dict[str, Any]:
        assert self.process is not None and self.process.stdout is not None
        fd = self.process.stdout.fileno()
        while b"\n" not in self._buffer:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([fd], [], [], wait)
            if not ready:
                raise QueryTimeout("the query ran past its time limit")
            chunk = os.read(fd, 65536)
            if not chunk:
                raise self._death()
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return json.loads(line)

    def _death(self) -> WorkerDied:
        """Why the worker ended; reaps it."""
        assert self.process is not None
        try:
            status = self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            status = self.process.wait()
        tail = ""
        if self._stderr is not None:
            self._stderr.seek(0)
            lines = self._stderr.read().decode("utf-8", "replace").strip().splitlines()
            tail = lines[0].strip() if lines else ""
        self._close_pipes()
        if self.memory_mb and ("memory allocation" in tail or "MemoryError" in tail
                               or status in (-signal.SIGABRT, _EXIT_MEMORY)):
            return WorkerDied(f"the query needed more than the {self.memory_mb} MB memory limit",
                              over_memory=True)
        how = (f"killed by {signal.Signals(-status).name}" if status < 0
               else f"exit status {status}")
        return WorkerDied(f"the query process died ({how}{': ' + tail if tail else ''})")


def run_query(
    store: str | os.PathLike[str],
    text: str,
    output: Output,
    *,
    fmt: str = "table",
    allow_update: bool = False,
    allow_remote: bool = False,
    timeout: float | None = None,
    memory_mb: int | None = None,
    check_counts: bool = False,
) -> str | None:
    """Run `text` (parameters already bound) on the store in a worker process and copy its
    result, formatted as `fmt` (see kg.query.write_result), to `output` once complete.

    With `check_counts` (a query that reads the statistics graph), returns why its counts
    may be wrong (kg.counts.counts_problem), else None.

    Raises QueryError, StoreError, QueryTimeout past `timeout` seconds, WorkerDied. On
    KeyboardInterrupt the worker is killed at once and the interrupt propagates.
    """
    from kg import query as q

    q.check_text(text, "the query")
    if q.is_update(text) and not allow_update:
        raise QueryError("this is a SPARQL update; it is refused unless updates are allowed "
                         "(--allow-update)")
    if not allow_remote:
        q.refuse_remote(text)
    if fmt not in q.FORMATS:
        raise QueryError(f"unknown format {fmt!r} (use one of {', '.join(q.FORMATS)})")
    worker = Worker(store, writable=allow_update, memory_mb=memory_mb)
    with tempfile.TemporaryDirectory(prefix="kg-query-") as folder:
        out = os.path.join(folder, "result")
        try:
            worker.start()
            # The clock starts once the store is open: a busy machine's slow start is not the
            # query's fault.
            deadline = None if not timeout else time.monotonic() + timeout
            reply = worker.ask({"op": "cli", "query": text, "fmt": fmt, "out": out,
                                "allow_update": allow_update, "allow_remote": allow_remote,
                                "check_counts": check_counts}, deadline)
        except QueryTimeout:
            raise QueryTimeout(f"the query ran past its time limit of {timeout:g} s and was "
                               "stopped (see --timeout)") from None
        except BaseException:
            worker.kill()
            raise
        worker.close()
        if "error" in reply:
            raise (StoreError if reply.get("kind") in _STORE_ERRORS else QueryError)(
                reply["error"])
        with open(out, "rb") as handle:
            shutil.copyfileobj(handle, output, 1 << 16)
        return reply.get("warning")


# ---------------------------------------------------------------- worker side


def worker_main() -> None:
    """Entry point of a worker process (see the module docstring). Never returns normally."""
    config = json.loads(sys.argv[1])
    _die_with_parent(int(config["parent"]))
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if config.get("memory_mb"):
        limit = int(config["memory_mb"]) << 20
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    replies = sys.stdout.buffer
    # Nothing else may write to the reply pipe: stray prints go to stderr.
    sys.stdout = sys.stderr
    try:
        # Import now, not at the first query: a worker is started before it is needed.
        import kg.protocol  # noqa: F401
        import kg.query  # noqa: F401
        from kg.store import open_store

        store = open_store(config["store"], read_only=not config.get("writable"))
    except KGError as exc:
        _send(replies, {"error": str(exc), "kind": type(exc).__name__})
        os._exit(0)
    except MemoryError:
        _send(replies, {"error": "the memory limit is too low to open the store",
                        "kind": "ServeError"})
        os._exit(0)
    _send(replies, {"ready": True})
    for line in sys.stdin.buffer:
        request = json.loads(line)
        try:
            if request["op"] == "http":
                reply = _answer_http(store, request)
            else:
                reply = _answer_cli(store, request, config["store"])
        except MemoryError:
            os._exit(_EXIT_MEMORY)
        _send(replies, reply)
    os._exit(0)


def _die_with_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _send(stream: BinaryIO, reply: dict[str, Any]) -> None:
    stream.write(json.dumps(reply).encode("utf-8") + b"\n")
    stream.flush()


class _TooLarge(Exception):
    pass


class _Capped:
    """A write-only file that refuses to grow past `limit` bytes."""

    def __init__(self, handle: BinaryIO, limit: int | None) -> None:
        self.handle = handle
        self.limit = limit
        self.written = 0

    def write(self, data: bytes) -> int:
        self.written += len(data)
        if self.limit is not None and self.written > self.limit:
            raise _TooLarge()
        return self.handle.write(data)

    def flush(self) -> None:
        self.handle.flush()


def _answer_cli(store: Any, request: dict[str, Any], store_path: str) -> dict[str, Any]:
    from kg import query as q
    from kg.counts import counts_problem

    warning = counts_problem(store, store_path) if request.get("check_counts") else None
    try:
        result = q.run(store, request["query"], allow_update=request["allow_update"],
                       allow_remote=request["allow_remote"])
        with open(request["out"], "wb") as handle:
            q.write_result(result, request["fmt"], handle)
    except KGError as exc:
        return {"error": str(exc), "kind": type(exc).__name__}
    except (OSError, RuntimeError, ValueError, SyntaxError) as exc:
        return {"error": f"query failed: {str(exc).strip() or type(exc).__name__}",
                "kind": "QueryError"}
    return {"ok": True, "warning": warning}


def _answer_http(store: Any, request: dict[str, Any]) -> dict[str, Any]:
    from kg.protocol import answer_query

    try:
        with open(request["out"], "wb") as handle:
            return answer_query(store, request, _Capped(handle, request.get("max_bytes")))
    except _TooLarge:
        return {"status": 413, "message": "the result is larger than the server's limit of "
                f"{request['max_bytes'] >> 20} MB; ask for less (LIMIT, fewer variables)"}
    except OSError as exc:
        return {"status": 500, "message": f"query failed: {exc}"}
