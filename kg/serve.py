"""`kg serve`: a read-only SPARQL 1.1 Protocol endpoint over the on-disk store.

Queries are not run in the process that holds the port: each one goes to a pool of worker
processes (kg.sandbox), each with the store open read-only under a memory limit. A query that
runs past its deadline is answered 503 and its worker killed (pyoxigraph cannot cancel a
query, and the `oxigraph` server's own timeout is not checked inside long joins and sorts,
measured on 0.5.13); a query that outgrows the memory limit kills only its own worker. A
supervisor thread replaces any worker that dies, and workers die with the server (see
kg.sandbox). Results are written in full before the status line is sent, so a cut query is
never answered 200 with a partial body.

The HTTP side is the standard library's threading server: GET and POST (form or direct) on
/query with the SPARQL 1.1 Protocol's parameters, content negotiation for JSON, XML, CSV and
TSV results and Turtle, N-Triples, JSON-LD and RDF/XML graphs, updates and Graph Store writes
refused with 403, and a small query page that needs nothing from the network.

Oxigraph leaves a read-only open undefined while another process writes the store, so each
worker holds kg.store's read lock: the server does not start while `kg build` writes the
store, and a build does not start while the server runs.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import hashlib
import ipaddress
import os
import queue
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

from kg.errors import KGError, ServeError
from kg.sandbox import QueryTimeout, Worker, WorkerDied
from kg.store import DEFAULT_STORE, ReadLock, lock_for_reading

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7878
DEFAULT_TIMEOUT = 30  # seconds per query
DEFAULT_MEMORY_MB = 2048  # per worker, i.e. per running query
DEFAULT_WORKERS = max(1, min(4, os.cpu_count() or 1))
MAX_RESULT_BYTES = 512 << 20  # a result is written in full before it is sent
MAX_QUERY_BYTES = 1 << 20
STARTUP_TIMEOUT = 30.0
# How long a client may take to send its request (a slow or silent client holds one thread).
CLIENT_TIMEOUT = 30.0

def find_oxigraph() -> str:
    """Path of the `oxigraph` server binary (a writable store server, e.g. to push to):
    beside this Python first (an unactivated venv), then on PATH."""
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


# ---------------------------------------------------------------- one query (in a worker)


# ---------------------------------------------------------------- the worker pool


class _Pool:
    """`size` workers over one store; a supervisor thread spawns every one of them (so on Linux
    they die with it, see kg.sandbox) and replaces those that die or are killed."""

    def __init__(self, store: Path, size: int, memory_mb: int | None) -> None:
        self.store = store
        self.size = size
        self.memory_mb = memory_mb
        self.idle: queue.Queue[Worker] = queue.Queue()
        self.wanted: queue.Queue[int] = queue.Queue()
        self.workers: set[Worker] = set()
        self.busy: set[Worker] = set()  # handed to a request: only that request may end it
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.first: queue.Queue[BaseException | None] = queue.Queue()
        self.thread = threading.Thread(target=self._supervise, name="kg-serve-workers",
                                       daemon=True)

    def start(self, timeout: float) -> None:
        """Start the supervisor; return once the first worker is ready, or raise its error."""
        for _ in range(self.size):
            self.wanted.put(1)
        self.thread.start()
        try:
            error = self.first.get(timeout=timeout + 5)
        except queue.Empty:
            error = ServeError("no query process started in time")
        if error is not None:
            self.stop()
            raise error

    def pids(self) -> list[int]:
        with self.lock:
            return [w.pid for w in self.workers if w.pid is not None]

    def acquire(self, deadline: float) -> Worker | None:
        """An idle, living worker, or None when none frees up before `deadline`."""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.stopping.is_set():
                return None
            try:
                worker = self.idle.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                continue
            if worker.alive():
                with self.lock:
                    self.busy.add(worker)
                return worker
            self.discard(worker)  # died while idle (killed from outside): never got the query

    def release(self, worker: Worker) -> None:
        with self.lock:
            self.busy.discard(worker)
        if worker.alive() and not self.stopping.is_set():
            self.idle.put(worker)
        else:
            self.discard(worker)

    def discard(self, worker: Worker) -> None:
        """Forget a dead or killed worker and have the supervisor start another."""
        worker.kill()
        with self.lock:
            self.busy.discard(worker)
            if worker in self.workers:
                self.workers.discard(worker)
                if not self.stopping.is_set():
                    self.wanted.put(1)

    def stop(self) -> None:
        self.stopping.set()
        self.wanted.put(0)
        if self.thread.is_alive() and self.thread is not threading.current_thread():
            self.thread.join(STARTUP_TIMEOUT + 5)
        with self.lock:
            workers = list(self.workers)
            self.workers.clear()
        for worker in workers:
            worker.kill()

    def _supervise(self) -> None:
        reported = False
        while not self.stopping.is_set():
            try:
                self.wanted.get(timeout=1.0)
            except queue.Empty:
                self._reap_idle()
                continue
            if self.stopping.is_set():
                break
            worker = Worker(self.store, memory_mb=self.memory_mb)
            try:
                worker.start(STARTUP_TIMEOUT)
            except KGError as exc:
                if not reported:
                    reported = True
                    self.first.put(exc)
                    return
                print(f"Warning: could not start a query process: {exc}", file=sys.stderr)
                self.wanted.put(1)
                self.stopping.wait(1.0)
                continue
            with self.lock:
                if self.stopping.is_set():
                    worker.kill()
                    break
                self.workers.add(worker)
            self.idle.put(worker)
            if not reported:
                reported = True
                self.first.put(None)

    def _reap_idle(self) -> None:
        """Notice idle workers that died (killed from outside) and replace them."""
        with self.lock:
            dead = [w for w in self.workers if w not in self.busy and not w.alive()]
        for worker in dead:
            self.discard(worker)


# ---------------------------------------------------------------- HTTP


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # the default 5 refuses bursts of concurrent clients
    owner: Server


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    server_version = "medimg-kg"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    timeout = CLIENT_TIMEOUT

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's name)
        pass  # no log line per request

    # -- routing

    def do_GET(self) -> None:  # noqa: N802
        self._route("GET")

    def do_HEAD(self) -> None:  # noqa: N802
        self._route("HEAD")

    def do_POST(self) -> None:  # noqa: N802
        self._route("POST")

    def do_PUT(self) -> None:  # noqa: N802
        self._route("PUT")

    def do_DELETE(self) -> None:  # noqa: N802
        self._route("DELETE")

    def do_PATCH(self) -> None:  # noqa: N802
        self._route("PATCH")

    def do_OPTIONS(self) -> None:  # noqa: N802
        self._text(204, "", allow="GET, HEAD, POST, OPTIONS")

    def _route(self, method: str) -> None:
        owner = self.server.owner
        if not owner.host_allowed(self.headers.get("Host", "")):
            self._text(403, "this endpoint only answers requests addressed to "
                            f"{owner.host} (check the Host header)")
            return
        path = urllib.parse.urlsplit(self.path).path
        if path in ("/update", "/store") or method in ("PUT", "DELETE", "PATCH"):
            if path in ("/update", "/store"):
                self._drain()
                self._text(403, "this endpoint is read-only: updates and Graph Store writes "
                                "are refused")
            else:
                self._text(405, f"{method} is not allowed here", allow="GET, HEAD, POST")
            return
        if path == "/" and method in ("GET", "HEAD"):
            self._send(200, "text/html; charset=utf-8", QUERY_PAGE,
                       {"Content-Security-Policy": _PAGE_POLICY})
        elif path == "/query" and method in ("GET", "POST"):
            self._query(method)
        elif path in ("/", "/query"):
            self._text(405, f"{method} is not allowed here", allow="GET, HEAD, POST")
        else:
            self._text(404, f"nothing at {path}: the SPARQL endpoint is /query")

    # -- the SPARQL 1.1 Protocol query operation

    def _query(self, method: str) -> None:
        fields = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        if method == "POST":
            kind = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
            body = self._body()
            if body is None:
                return
            if kind == "application/x-www-form-urlencoded":
                try:
                    form = urllib.parse.parse_qs(body.decode("utf-8"), errors="strict")
                except (UnicodeDecodeError, ValueError):
                    self._text(400, "the form is not valid UTF-8")
                    return
                for key, values in form.items():
                    fields.setdefault(key, []).extend(values)
            elif kind == "application/sparql-query":
                try:
                    fields.setdefault("query", []).append(body.decode("utf-8"))
                except UnicodeDecodeError:
                    self._text(400, "the query is not valid UTF-8")
                    return
            else:
                self._text(415, "POST a query as application/x-www-form-urlencoded or "
                                "application/sparql-query")
                return
        queries = fields.get("query", [])
        if len(queries) != 1:
            self._text(400, "give exactly one query parameter" if queries else
                       "no query: pass ?query=... (SPARQL 1.1 Protocol)")
            return
        if "update" in fields:
            self._text(403, "this endpoint is read-only: updates are refused")
            return
        status, media, path, message = self.server.owner.run_query(
            queries[0], self.headers.get("Accept", ""),
            fields.get("default-graph-uri", []), fields.get("named-graph-uri", []))
        if path is None:
            self._text(status, message)
            return
        try:
            with open(path, "rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                self.send_response(status)
                self.send_header("Content-Type", media)
                self.send_header("Content-Length", str(size))
                self._common_headers()
                self.end_headers()
                shutil.copyfileobj(handle, self.wfile, 1 << 16)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            with contextlib.suppress(OSError):
                os.unlink(path)

    def _body(self) -> bytes | None:
        length = self.headers.get("Content-Length")
        if length is None or not length.strip().isdigit():
            self._text(411, "a POST needs a Content-Length")
            return None
        if int(length) > MAX_QUERY_BYTES:
            self.close_connection = True
            self._text(413, f"the request is larger than {MAX_QUERY_BYTES >> 10} KB")
            return None
        return self.rfile.read(int(length))

    def _drain(self) -> None:
        length = self.headers.get("Content-Length", "")
        if length.strip().isdigit() and int(length) <= MAX_QUERY_BYTES:
            self.rfile.read(int(length))
        else:
            self.close_connection = True

    # -- responses

    def _common_headers(self) -> None:
        if self.server.owner.cors:
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Access-Control-Allow-Headers", "Content-Type, Accept")
        self.send_header("X-Content-Type-Options", "nosniff")

    def _text(self, status: int, message: str, allow: str | None = None) -> None:
        extra = {"Allow": allow} if allow else {}
        if status in (503, 504):
            extra["Retry-After"] = "5"
        body = (message + "\n").encode("utf-8") if message else b""
        self._send(status, "text/plain; charset=utf-8", body, extra)

    def _send(self, status: int, media: str, body: bytes, headers: dict[str, str]) -> None:
        try:
            self.send_response(status, HTTPStatus(status).phrase)
            self.send_header("Content-Type", media)
            self.send_header("Content-Length", str(len(body)))
            for key, value in headers.items():
                self.send_header(key, value)
            self._common_headers()
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


# ---------------------------------------------------------------- the server


class Server:
    """The endpoint: a listening socket, HTTP threads and a pool of query workers. Use as a
    context manager, or `run()` to serve until a signal.

    >>> with Server("kg-store", port=0) as server:   # doctest: +SKIP
    ...     print(server.query_url)
    """

    def __init__(
        self,
        store: str | Path = DEFAULT_STORE,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        timeout: float | None = DEFAULT_TIMEOUT,
        *,
        cors: bool = False,
        workers: int = DEFAULT_WORKERS,
        memory_mb: int | None = DEFAULT_MEMORY_MB,
        allow_remote: bool = False,
        max_result_bytes: int = MAX_RESULT_BYTES,
        startup_timeout: float = STARTUP_TIMEOUT,
    ) -> None:
        if timeout is not None and timeout < 1:
            raise ServeError("the query timeout must be at least 1 second")
        if workers < 1:
            raise ServeError("at least one query worker is needed")
        self.store = Path(store)
        self.host = host
        self.port = port
        self.timeout = timeout
        self.cors = cors
        self.allow_remote = allow_remote
        self.max_result_bytes = max_result_bytes
        self.startup_timeout = startup_timeout
        self.memory_mb = memory_mb
        self._pool = _Pool(self.store, workers, memory_mb)
        self._read_lock: ReadLock | None = None
        self._http: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._results: str | None = None
        self._allowed_hosts: set[str] | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    @property
    def query_url(self) -> str:
        """The SPARQL 1.1 Protocol query endpoint."""
        return self.url + "query"

    def worker_pids(self) -> list[int]:
        """Process ids of the query workers (for tests and monitoring)."""
        return self._pool.pids()

    def start(self) -> Server:
        """Listen, start the workers, and return once queries can be answered."""
        self._http = self._listen()
        try:
            # Held by the server itself too, so no build slips in while workers are replaced.
            self._read_lock = lock_for_reading(self.store)
            self._results = tempfile.mkdtemp(prefix="kg-serve-")
            self._pool.start(self.startup_timeout)
        except BaseException:
            self.stop()
            raise
        self._http.owner = self
        self._thread = threading.Thread(target=self._http.serve_forever, args=(0.2,),
                                        name="kg-serve-http", daemon=True)
        self._thread.start()
        return self

    def run(self, on_ready: Callable[[Server], None] | None = None) -> int:
        """Start, call `on_ready(self)`, then serve until Ctrl-C, SIGTERM or SIGHUP; returns 0.

        The handlers are installed before anything starts, so no signal slips between start
        and wait; everything is stopped on the way out, and a second signal cannot interrupt
        the shutdown half-way.
        """
        main = threading.current_thread() is threading.main_thread()
        stops = (signal.SIGTERM, signal.SIGHUP)
        previous = {sig: signal.signal(sig, _raise_terminated) for sig in stops} if main else {}
        try:
            self.start()
            if on_ready is not None:
                on_ready(self)
            while True:
                time.sleep(0.5)
        except (_Terminated, KeyboardInterrupt):
            return 0
        finally:
            held = {sig: signal.signal(sig, signal.SIG_IGN)
                    for sig in (signal.SIGINT, *stops)} if main else {}
            try:
                self.stop()
            finally:
                for sig, handler in held.items():
                    signal.signal(sig, handler)
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    def stop(self) -> None:
        """Stop listening, kill the workers, remove the result files."""
        if self._http is not None:
            if self._thread is not None:
                self._http.shutdown()
                self._thread.join(5)
                self._thread = None
            self._http.server_close()
            self._http = None
        self._pool.stop()
        if self._read_lock is not None:
            self._read_lock.release()
            self._read_lock = None
        if self._results is not None:
            shutil.rmtree(self._results, ignore_errors=True)
            self._results = None

    close = stop

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def host_allowed(self, header: str) -> bool:
        """On a loopback address, only requests addressed to a loopback name are answered:
        a web page that rebinds its own domain name to 127.0.0.1 gets 403 (DNS rebinding)."""
        if self._allowed_hosts is None:
            return True
        name = header.strip().lower()
        if not name:
            return True  # an HTTP/1.0 client; browsers always send Host
        if name.startswith("["):
            name = name[: name.find("]") + 1]
        else:
            name = name.rsplit(":", 1)[0] if name.count(":") == 1 else name
        return name in self._allowed_hosts

    def run_query(self, text: str, accept: str, default_graph: list[str],
                  named_graphs: list[str]) -> tuple[int, str, str | None, str]:
        """(status, media type, result file or None, message) for one query."""
        assert self._results is not None
        deadline = time.monotonic() + (self.timeout or 10**9)
        out = os.path.join(self._results, uuid.uuid4().hex)
        request = {"op": "http", "query": text, "accept": accept, "out": out,
                   "default_graph": default_graph, "named_graphs": named_graphs,
                   "allow_remote": self.allow_remote, "max_bytes": self.max_result_bytes}
        # a worker killed from outside can still look alive when it is handed the query (its
        # threads are still exiting): queries are read-only, so it is asked once more elsewhere
        for attempt in (1, 2):
            worker = self._pool.acquire(deadline)
            if worker is None:
                return (503, "", None, f"every query process is busy; no answer within "
                                       f"{self.timeout} s, try again later")
            try:
                reply = worker.ask(request, deadline)
            except QueryTimeout:
                self._pool.discard(worker)
                return self._failed(out, 503, f"query cancelled: it ran past the {self.timeout}"
                                              " s time limit of this endpoint")
            except WorkerDied as exc:
                self._pool.discard(worker)
                if exc.over_memory or attempt == 2:
                    return self._failed(out, 503, f"query cancelled: {exc}")
                continue
            break
        self._pool.release(worker)
        if reply.get("status") != 200:
            return self._failed(out, int(reply.get("status", 500)), reply.get("message", ""))
        return 200, reply["type"], out, ""

    @staticmethod
    def _failed(out: str, status: int, message: str) -> tuple[int, str, None, str]:
        with contextlib.suppress(OSError):
            os.unlink(out)
        return status, "", None, message

    def _listen(self) -> _HTTPServer:
        try:
            infos = socket.getaddrinfo(self.host, self.port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            reason = exc.strerror if isinstance(exc, socket.gaierror) else str(exc)
            raise ServeError(f"cannot listen on {self.host!r}: {reason}") from None
        family, _, _, _, address = infos[0]
        server_class = type("_Server", (_HTTPServer,), {"address_family": family})
        try:
            http = server_class(address[:2] if family == socket.AF_INET else address, _Handler,
                                bind_and_activate=False)
            http.allow_reuse_address = True
            try:
                http.server_bind()
                http.server_activate()
            except BaseException:
                http.server_close()
                raise
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ServeError(f"port {self.port} on {self.host} is already in use "
                                 "(try --port)") from None
            raise ServeError(f"cannot listen on {self.host} port {self.port}: "
                             f"{exc.strerror or exc}") from None
        self.port = int(http.server_address[1])
        self._allowed_hosts = _loopback_names(self.host, address[0])
        return http


def _loopback_names(host: str, address: str) -> set[str] | None:
    """The Host header names accepted when listening on loopback; None when not on loopback
    (then the server was exposed on purpose and any name may reach it)."""
    try:
        loopback = ipaddress.ip_address(address.split("%")[0]).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        return None
    return {"localhost", "127.0.0.1", "[::1]", host.lower(),
            f"[{host.lower()}]" if ":" in host else host.lower()}


class _Terminated(Exception):
    pass


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise _Terminated()


# ---------------------------------------------------------------- the query page

_PAGE_SCRIPT = """
const form = document.getElementById('f'), out = document.getElementById('out');
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  out.replaceChildren();
  const status = document.createElement('p');
  status.textContent = 'Running...';
  out.append(status);
  const body = new URLSearchParams({query: form.query.value});
  const accept = form.accept.value;
  try {
    const response = await fetch('query', {method: 'POST', body,
                                           headers: {'Accept': accept}});
    const text = await response.text();
    status.textContent = response.status + ' ' + response.statusText;
    if (response.ok && accept === 'application/sparql-results+json') {
      const data = JSON.parse(text);
      if ('boolean' in data) { status.textContent += ': ' + data.boolean; return; }
      const table = document.createElement('table');
      const head = table.insertRow();
      for (const name of data.head.vars) head.insertCell().textContent = name;
      for (const row of data.results.bindings) {
        const line = table.insertRow();
        for (const name of data.head.vars)
          line.insertCell().textContent = row[name] ? row[name].value : '';
      }
      status.textContent += ': ' + data.results.bindings.length + ' row(s)';
      out.append(table);
    } else {
      const pre = document.createElement('pre');
      pre.textContent = text;
      out.append(pre);
    }
  } catch (error) {
    status.textContent = 'Failed: ' + error;
  }
});
"""
_PAGE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'self'; "
    "script-src 'sha256-"
    + base64.b64encode(hashlib.sha256(_PAGE_SCRIPT.encode()).digest()).decode() + "'"
)
QUERY_PAGE = ("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>medimg-kg SPARQL endpoint</title>
<style>
body { font: 14px sans-serif; margin: 1.5em; }
textarea { width: 100%; height: 12em; font: 13px monospace; }
table { border-collapse: collapse; margin-top: .5em; }
td { border: 1px solid #ccc; padding: 2px 6px; font: 12px monospace; vertical-align: top; }
tr:first-child td { font-weight: bold; background: #eee; }
</style></head>
<body>
<h1>medimg-kg SPARQL endpoint</h1>
<p>Read-only SPARQL 1.1 endpoint at <code>/query</code> (GET or POST).</p>
<form id="f" method="post" action="query">
<textarea name="query" aria-label="SPARQL query">PREFIX schema: <https://schema.org/>
SELECT ?paper ?title WHERE { ?paper a schema:ScholarlyArticle ; schema:name ?title }
LIMIT 20</textarea>
<p><label>Result format <select name="accept">
<option value="application/sparql-results+json">table</option>
<option value="text/csv">CSV</option>
<option value="text/tab-separated-values">TSV</option>
<option value="application/sparql-results+xml">XML</option>
<option value="text/turtle">Turtle (CONSTRUCT, DESCRIBE)</option>
<option value="application/n-triples">N-Triples (CONSTRUCT, DESCRIBE)</option>
</select></label> <button type="submit">Run</button></p>
</form>
<div id="out"></div>
<script>""" + _PAGE_SCRIPT + """</script>
</body></html>
""").encode("utf-8")
