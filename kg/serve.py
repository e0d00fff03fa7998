"""`kg serve`: start and supervise the Oxigraph server, read-only, over the on-disk store.

We do not write an HTTP server: the `oxigraph` PyPI package ships the maintained Oxigraph
server binary, which implements the SPARQL 1.1 Protocol (GET/POST, content negotiation for
JSON/XML/CSV/TSV results and Turtle/N-Triples/JSON-LD graphs), answers a malformed query with
HTTP 400 and an update with 403 in `serve-read-only` mode, and has a compiled-in query page
that works offline. This module only finds the binary, starts it, waits until it listens and
stops it.

Caveat (from Oxigraph's own help): opening the store read-only while another process writes
it (`kg build` running) is undefined behaviour. Stop the server before rebuilding.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType, TracebackType

from kg.errors import ServeError
from kg.store import DEFAULT_STORE, open_store

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7878
DEFAULT_TIMEOUT = 30  # seconds per query; the server accepts whole seconds only
STARTUP_TIMEOUT = 15.0


def find_oxigraph() -> str:
    """Path of the `oxigraph` server binary: beside this Python first (an unactivated venv),
    then on PATH."""
    name = "oxigraph.exe" if os.name == "nt" else "oxigraph"
    beside = Path(sys.executable).parent / name
    if beside.is_file():
        return str(beside)
    found = shutil.which("oxigraph")
    if found:
        return found
    raise ServeError("the oxigraph server binary is not installed (pip install oxigraph)")


def free_port(host: str = DEFAULT_HOST) -> int:
    """A port that was free a moment ago (the usual race applies)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def bind_address(host: str, port: int) -> str:
    """`host:port`, with IPv6 literals bracketed as the server expects."""
    return f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"


def server_command(
    store: str | Path,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    timeout: int | None = DEFAULT_TIMEOUT,
    *,
    read_only: bool = True,
    cors: bool = False,
    binary: str | None = None,
) -> list[str]:
    """The command line that starts the Oxigraph server on `store`."""
    command = [
        binary or find_oxigraph(),
        "serve-read-only" if read_only else "serve",
        "--location", str(store),
        "--bind", bind_address(host, port),
    ]
    if timeout:
        command += ["--timeout-s", str(int(timeout))]
    if cors:
        command.append("--cors")
    return command


class Server:
    """One supervised Oxigraph server process; use as a context manager.

    >>> with Server("kg-store", port=0) as server:   # doctest: +SKIP
    ...     print(server.query_url)
    """

    def __init__(
        self,
        store: str | Path = DEFAULT_STORE,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        timeout: int | None = DEFAULT_TIMEOUT,
        *,
        read_only: bool = True,
        cors: bool = False,
        startup_timeout: float = STARTUP_TIMEOUT,
    ) -> None:
        if timeout is not None and timeout < 1:
            raise ServeError("the query timeout must be at least 1 second")
        self.store = Path(store)
        self.host = host
        self.port = port or free_port(host)
        self.timeout = timeout
        self.read_only = read_only
        self.cors = cors
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self._log = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    @property
    def query_url(self) -> str:
        """The SPARQL 1.1 Protocol query endpoint."""
        return self.url + "query"

    def start(self) -> Server:
        """Start the server and return once it accepts connections."""
        if self.read_only:
            # Raises the usual "no store at ..." StoreError; the handle is dropped at once.
            open_store(self.store, read_only=True)
        if _accepts(self.host, self.port):
            raise ServeError(f"port {self.port} on {self.host} is already in use (try --port)")
        command = server_command(self.store, self.host, self.port, self.timeout,
                                 read_only=self.read_only, cors=self.cors)
        # The server's own messages go to a temporary file, read back when it fails to start.
        self._log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                message = self._log_tail()
                self.stop()
                raise ServeError(f"the oxigraph server exited at startup: {message}")
            if _accepts(self.host, self.port) and self.process.poll() is None:
                return self
            time.sleep(0.05)
        self.stop()
        raise ServeError(f"the oxigraph server did not listen on {self.url} within "
                         f"{self.startup_timeout:g} s")

    def run(self, on_ready: Callable[[Server], None] | None = None) -> int:
        """Start, call `on_ready(self)`, then block until the server ends or is stopped.

        Ctrl-C and SIGTERM stop the server cleanly (the SIGTERM handler is installed before
        the process starts, so no signal can slip between start and wait); the server is
        always stopped on the way out. Returns its exit status, 0 when stopped by a signal.
        """
        main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGTERM, _raise_terminated) if main else None
        try:
            self.start()
            if on_ready is not None:
                on_ready(self)
            assert self.process is not None
            status = self.process.wait()
            # A terminal's Ctrl-C reaches the whole process group: the server may end first.
            return 0 if status in (-signal.SIGINT, 128 + signal.SIGINT) else status
        except (_Terminated, KeyboardInterrupt):
            return 0
        finally:
            # A second Ctrl-C or SIGTERM must not interrupt the shutdown half-way.
            held = {sig: signal.signal(sig, signal.SIG_IGN)
                    for sig in (signal.SIGINT, signal.SIGTERM)} if main else {}
            try:
                self.stop()
            finally:
                for sig, handler in held.items():
                    signal.signal(sig, handler)
                if previous is not None:
                    signal.signal(signal.SIGTERM, previous)

    def failure(self) -> str:
        """The server's last output line, to explain an unexpected exit."""
        return self._log_tail()

    def stop(self, grace: float = 5.0) -> None:
        """Terminate the server, then kill it if it does not end within `grace` seconds."""
        process = self.process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(grace)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(grace)

    def close(self) -> None:
        self.stop()
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _log_tail(self) -> str:
        if self._log is None:
            return "no output"
        self._log.seek(0)
        text = self._log.read().decode("utf-8", "replace")
        lines = [line for line in text.splitlines() if line.strip()]
        return lines[-1].strip() if lines else "no output"


class _Terminated(Exception):
    pass


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise _Terminated()


def _accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False
