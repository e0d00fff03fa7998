"""`kg push`: upload the store to any SPARQL 1.1 Graph Store HTTP Protocol endpoint.

Chunks of N-Triples (or Turtle) are POSTed to `ENDPOINT?default` or `ENDPOINT?graph=IRI`.
POST merges into the target graph and our data has no blank nodes, so re-sending a chunk
(a retry, or a whole second push) adds nothing: retries are safe. A chunk that still fails
after its retries stops the push with a PushError that says how much was sent before it;
nothing is ever skipped silently. Afterwards the remote triple count is read with a COUNT
query on the endpoint's SPARQL query URL.

Two clocks bound a push: each request has a wall-clock limit that also covers a server
trickling its answer a byte at a time (urllib's own timeout applies to each read, so such a
server would hold a push forever), and the whole push, retries and back-off included, has an
overall deadline.
"""

from __future__ import annotations

import base64
import http.client
import json
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import NoReturn

import pyoxigraph as ox

from kg.errors import PushError
from kg.ontology import PREFIXES

DEFAULT_CHUNK = 50_000
DEFAULT_RETRIES = 3
DEFAULT_BACKOFF = 1.0  # seconds before the first retry; doubles each time
DEFAULT_TIMEOUT = 1800.0  # seconds for the whole push
DEFAULT_REQUEST_TIMEOUT = 60.0  # seconds for one request, from connect to the last byte
PUSH_FORMATS = {"ntriples": "application/n-triples", "turtle": "text/turtle"}
_RDF_FORMATS = {"ntriples": ox.RdfFormat.N_TRIPLES, "turtle": ox.RdfFormat.TURTLE}
# Worth another try: the server or the network may recover. Other 4xx will not.
_RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}
# Graph Store endpoint path -> query endpoint path, for servers whose layout is known.
_QUERY_PATHS = [
    ("/store", "/query"),  # Oxigraph
    ("/data", "/query"),  # Apache Jena Fuseki (/ds/data -> /ds/query)
    ("/rdf-graphs/service", ""),  # RDF4J, GraphDB (/repositories/ID)
    ("/sparql-graph-crud-auth", "/sparql"),  # Virtuoso
    ("/sparql-graph-crud", "/sparql"),  # Virtuoso
]


@dataclass(frozen=True)
class Credentials:
    """HTTP authentication: basic (user and password) or a bearer token."""

    user: str | None = None
    password: str | None = None
    token: str | None = None

    def header(self) -> dict[str, str]:
        if self.token:
            return {"Authorization": f"Bearer {self.token}"}
        if self.user is not None:
            pair = f"{self.user}:{self.password or ''}".encode()
            return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}
        return {}


@dataclass(frozen=True)
class PushResult:
    """What a push did; `remote_count` is None when it could not be read (see count_error)."""

    endpoint: str
    graph: str | None
    triples: int
    chunks: int
    retries: int
    query_endpoint: str | None
    remote_count: int | None
    count_error: str | None = None


def query_endpoint_for(endpoint: str) -> str | None:
    """The SPARQL query URL beside a Graph Store URL, for the layouts we know; else None."""
    parts = urllib.parse.urlsplit(endpoint)
    path = parts.path.rstrip("/")
    for suffix, replacement in _QUERY_PATHS:
        if path.endswith(suffix):
            new_path = path[: -len(suffix)] + replacement
            return urllib.parse.urlunsplit((parts.scheme, parts.netloc, new_path, "", ""))
    return None


def target_url(endpoint: str, graph: str | None) -> str:
    """`endpoint?default` or `endpoint?graph=IRI` (indirect graph identification)."""
    separator = "&" if urllib.parse.urlsplit(endpoint).query else "?"
    if graph is None:
        return f"{endpoint}{separator}default"
    return f"{endpoint}{separator}" + urllib.parse.urlencode({"graph": graph})


def push(
    store: ox.Store,
    endpoint: str,
    *,
    graph: str | None = None,
    credentials: Credentials = Credentials(),
    chunk_size: int = DEFAULT_CHUNK,
    fmt: str = "ntriples",
    retries: int = DEFAULT_RETRIES,
    backoff: float = DEFAULT_BACKOFF,
    timeout: float | None = DEFAULT_TIMEOUT,
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
    query_endpoint: str | None = None,
    progress: Callable[[int], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> PushResult:
    """Upload every triple of `store` to the Graph Store endpoint, chunk by chunk.

    `progress(n)` is called after each chunk that landed, with its number of triples.
    Raises PushError when a chunk still fails after `retries` retries, or when the push runs
    past `timeout` seconds (None: no overall limit); each request gets `request_timeout`
    seconds at most.
    """
    if request_timeout <= 0 or (timeout is not None and timeout <= 0):
        raise PushError("the push timeouts must be positive")
    deadline = None if timeout is None else time.monotonic() + timeout

    def left() -> float:
        """Seconds the next request may take."""
        if deadline is None:
            return request_timeout
        return min(request_timeout, deadline - time.monotonic())

    _check_url(endpoint, "endpoint")
    if graph is not None:
        try:
            ox.NamedNode(graph)
        except ValueError as exc:
            raise PushError(f"--graph must be an absolute IRI: {exc}") from None
    if chunk_size < 1:
        raise PushError("the chunk size must be at least 1")
    if fmt not in PUSH_FORMATS:
        raise PushError(f"unknown push format {fmt!r} (use {' or '.join(PUSH_FORMATS)})")
    url = target_url(endpoint, graph)
    headers = {"Content-Type": PUSH_FORMATS[fmt], **credentials.header()}
    sent = chunks = retried = 0
    for chunk in _chunks(store, chunk_size):
        body = ox.serialize(chunk, format=_RDF_FORMATS[fmt],
                            prefixes=dict(PREFIXES) if fmt == "turtle" else None)
        where = f"chunk {chunks + 1} (triples {sent + 1}-{sent + len(chunk)})"
        late = (f"the push ran past its time limit of {timeout or 0:g} s (see --timeout) at "
                f"{where}; {sent} triples were uploaded before it (pushing again is safe: "
                "nothing is duplicated)")
        for attempt in range(retries + 1):
            if left() <= 0:
                raise PushError(late)
            try:
                _send(url, body, headers, left())
                break
            except _Retryable as exc:
                if attempt == retries:
                    raise PushError(
                        f"{where} failed after "
                        f"{retries + 1} attempts: {exc}; {sent} triples were uploaded before it "
                        f"(pushing again is safe: nothing is duplicated)"
                    ) from None
                wait = backoff * 2**attempt
                if deadline is not None and time.monotonic() + wait >= deadline:
                    raise PushError(f"{late} (last attempt: {exc})") from None
                retried += 1
                sleep(wait)
            except _Fatal as exc:
                raise PushError(
                    f"chunk {chunks + 1} (triples {sent + 1}-{sent + len(chunk)}) was refused: "
                    f"{exc}; {sent} triples were uploaded before it"
                ) from None
        sent += len(chunk)
        chunks += 1
        if progress is not None:
            progress(len(chunk))

    query_url = query_endpoint or query_endpoint_for(endpoint)
    remote: int | None = None
    error: str | None = None
    if query_url is None:
        error = "unknown query URL for this endpoint (pass --query-endpoint)"
    elif left() <= 0:
        error = "no time left for the count query (see --timeout)"
    else:
        try:
            remote = remote_count(query_url, graph, credentials=credentials, timeout=left())
        except PushError as exc:
            error = str(exc)
    return PushResult(endpoint, graph, sent, chunks, retried, query_url, remote, error)


def remote_count(
    query_url: str,
    graph: str | None = None,
    *,
    credentials: Credentials = Credentials(),
    timeout: float = DEFAULT_REQUEST_TIMEOUT,
) -> int:
    """Triples in the remote default graph (or `graph`), by a SPARQL COUNT query that may take
    `timeout` seconds."""
    _check_url(query_url, "query endpoint")
    if graph is None:
        pattern = "?s ?p ?o"
    else:
        # The IRI is written by pyoxigraph, which escapes it, never pasted as given.
        pattern = f"GRAPH {ox.NamedNode(graph)} {{ ?s ?p ?o }}"
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}"
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/sparql-results+json",
        **credentials.header(),
    }
    body = urllib.parse.urlencode({"query": query}).encode()
    try:
        answer = _send(query_url, body, headers, timeout)
    except (_Retryable, _Fatal) as exc:
        raise PushError(f"count query on {query_url} failed: {exc}") from None
    try:
        bindings = json.loads(answer)["results"]["bindings"]
        return int(bindings[0]["n"]["value"])
    except (ValueError, KeyError, IndexError, TypeError):
        raise PushError(f"count query on {query_url} gave an unexpected answer: "
                        f"{answer[:200]!r}") from None


# ---------------------------------------------------------------- internals


class _Retryable(Exception):
    pass


class _Fatal(Exception):
    pass


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # urllib would turn a redirected POST into a body-less GET that "succeeds": refuse instead.
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[override]
        return None


class _Watchdog:
    """Shuts a request's sockets down when its time is up: urllib's timeout bounds each read,
    not the request, so a server that trickles bytes would otherwise never time out."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                self._shut(sock)

    def cancel(self) -> None:
        self._timer.cancel()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _opener(watchdog: _Watchdog) -> urllib.request.OpenerDirector:
    """urllib (redirects refused, proxies from the environment as usual) whose connections
    report their sockets to `watchdog`."""

    class Plain(http.client.HTTPConnection):
        def connect(self) -> None:
            super().connect()
            watchdog.watch(self.sock)

    class Secure(http.client.HTTPSConnection):
        def connect(self) -> None:
            super().connect()
            watchdog.watch(self.sock)

    class PlainHandler(urllib.request.HTTPHandler):
        def http_open(self, req):  # type: ignore[no-untyped-def, override]
            return self.do_open(Plain, req)

    class SecureHandler(urllib.request.HTTPSHandler):
        def https_open(self, req):  # type: ignore[no-untyped-def, override]
            return self.do_open(Secure, req, context=self._context)  # type: ignore[attr-defined]

    return urllib.request.build_opener(_NoRedirect, PlainHandler, SecureHandler)


def _send(url: str, body: bytes, headers: dict[str, str], timeout: float) -> bytes:
    """POST `body`; the whole exchange, connect to last byte, takes `timeout` s at most."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    watchdog = _Watchdog(timeout)
    try:
        with _opener(watchdog).open(request, timeout=timeout) as response:
            answer = response.read()
        if watchdog.expired:  # cut short: what arrived may look like a complete answer
            raise _Retryable(f"no complete answer from {url} within {timeout:g} s")
        return answer
    except urllib.error.HTTPError as exc:
        if watchdog.expired:
            raise _Retryable(f"no complete answer from {url} within {timeout:g} s") from None
        _http_error(exc)
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        if watchdog.expired or isinstance(exc, TimeoutError) \
                or isinstance(getattr(exc, "reason", None), TimeoutError):
            raise _Retryable(f"no complete answer from {url} within {timeout:g} s") from None
        if isinstance(exc, urllib.error.URLError):
            raise _Retryable(f"cannot reach {url}: {exc.reason}") from None
        raise _Retryable(f"connection to {url} failed: {exc or exc.__class__.__name__}") from None
    finally:
        watchdog.cancel()


def _http_error(exc: urllib.error.HTTPError) -> NoReturn:
    """Raise the _Fatal or _Retryable that an HTTP error status means."""
    detail = _detail(exc)
    if 300 <= exc.code < 400:
        location = exc.headers.get("Location", "?")
        raise _Fatal(f"HTTP {exc.code} redirect to {location} (use that URL)")
    if exc.code in _RETRY_STATUS:
        raise _Retryable(f"HTTP {exc.code} {exc.reason}{detail}")
    raise _Fatal(f"HTTP {exc.code} {exc.reason}{detail}")


def _detail(exc: urllib.error.HTTPError) -> str:
    try:
        text = exc.read().decode("utf-8", "replace").strip()
    except OSError:
        return ""
    line = text.splitlines()[0][:200] if text else ""
    return f": {line}" if line else ""


def _chunks(store: ox.Store, size: int) -> Iterator[list[ox.Triple]]:
    """The triples of the store's default graph (the facts; the derived counts of the
    statistics graph stay behind), `size` at a time, streamed."""
    triples = (quad.triple
               for quad in store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    while chunk := list(islice(triples, size)):
        yield chunk


def _check_url(url: str, what: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PushError(f"the {what} must be an http(s) URL, not {url!r}")
