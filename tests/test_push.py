"""`kg push`: a real writable Oxigraph server receives the graph; a scripted HTTP stub checks
authentication, retries and failure reports. Every server is stopped in a `finally`."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg import push as p
from kg.cli import cli
from kg.errors import PushError
from kg.serve import find_oxigraph, free_port
from kg.store import open_store, triple_count

FIXTURE = Path(__file__).with_name("query_fixture.ttl")
KG = str(Path(sys.executable).with_name("kg"))
HOST = "127.0.0.1"
WAIT = 15.0


@pytest.fixture(scope="module")
def local_count(store_path: Path) -> int:
    return triple_count(open_store(store_path, read_only=True))


@pytest.fixture()
def oxigraph(tmp_path: Path) -> Iterator[str]:
    """A plain, writable `oxigraph serve` on a fresh directory; yields its base URL."""
    port = free_port(HOST)
    process = subprocess.Popen(
        [find_oxigraph(), "serve", "--location", str(tmp_path / "remote"),
         "--bind", f"{HOST}:{port}"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + WAIT
        while True:
            assert process.poll() is None, "oxigraph serve exited"
            assert time.monotonic() < deadline, "oxigraph serve did not listen in time"
            try:
                urllib.request.urlopen(f"http://{HOST}:{port}/query?query=ASK%7B%7D", timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        yield f"http://{HOST}:{port}/"
    finally:
        process.terminate()
        try:
            process.wait(WAIT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(WAIT)


def count(base: str, graph: str | None = None) -> int:
    pattern = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else "?s ?p ?o"
    query = urllib.parse.urlencode({"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}"})
    request = urllib.request.Request(base + "query?" + query,
                                     headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=WAIT) as response:
        return int(json.load(response)["results"]["bindings"][0]["n"]["value"])


# ---------------------------------------------------------------- a real triple store


def test_kg_push_to_oxigraph_then_count_matches(oxigraph: str, store_path: Path,
                                                local_count: int) -> None:
    result = subprocess.run(
        [KG, "push", "--endpoint", oxigraph + "store", "--chunk-size", "50",
         "--store", str(store_path)],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"Pushed {local_count} triples in {-(-local_count // 50)} chunk(s) to "
        f"{oxigraph}store?default",
        f"Remote triple count: {local_count} (local store: {local_count}; "
        f"via {oxigraph}query)",
    ]
    assert count(oxigraph) == local_count
    # the very same triples, not just as many
    with urllib.request.urlopen(urllib.request.Request(
            oxigraph + "store?default", headers={"Accept": "application/n-triples"}),
            timeout=WAIT) as response:
        remote = {q.triple for q in ox.parse(response.read(), format=ox.RdfFormat.N_TRIPLES)}
    local = {q.triple for q in open_store(store_path, read_only=True)
             .quads_for_pattern(None, None, None, ox.DefaultGraph())}
    assert remote == local


def test_push_twice_adds_nothing_and_turtle_chunks_work(oxigraph: str, store_path: Path,
                                                        local_count: int) -> None:
    store = open_store(store_path, read_only=True)
    first = p.push(store, oxigraph + "store", chunk_size=64, fmt="turtle")
    second = p.push(store, oxigraph + "store", chunk_size=1000)
    assert (first.chunks, second.chunks) == (-(-local_count // 64), 1)
    assert first.remote_count == second.remote_count == local_count


def test_push_into_a_named_graph(oxigraph: str, store_path: Path, local_count: int) -> None:
    graph = "http://example.org/graphs/medimg-kg"
    result = CliRunner().invoke(cli, ["push", "--endpoint", oxigraph + "store", "--graph", graph,
                                      "--store", str(store_path)])
    assert result.exit_code == 0, result.output
    assert f"to {oxigraph}store?graph=http%3A%2F%2Fexample.org%2Fgraphs%2Fmedimg-kg" \
        in result.output
    assert f"Remote triple count: {local_count} " in result.output
    assert count(oxigraph, graph) == local_count
    assert count(oxigraph) == 0


# ---------------------------------------------------------------- a scripted stub


class Stub:
    """An HTTP server answering with scripted statuses and recording every request."""

    def __init__(self, statuses: list[int], default: int = 204) -> None:
        self.statuses = list(statuses)
        self.default = default
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                stub.requests.append((self.command, self.path, dict(self.headers), body))
                if self.path.startswith("/query"):
                    status, payload = 200, json.dumps({"head": {"vars": ["n"]}, "results": {
                        "bindings": [{"n": {"type": "literal", "value": "7"}}]}}).encode()
                else:
                    status = stub.statuses.pop(0) if stub.statuses else stub.default
                    payload = b"nope" if status >= 400 else b""
                self.send_response(status)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer((HOST, 0), Handler)
        self.url = f"http://{HOST}:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Stub:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(WAIT)

    def uploads(self) -> list[tuple[str, str, dict[str, str], bytes]]:
        return [r for r in self.requests if r[1].startswith("/store")]


@pytest.fixture()
def store(store_path: Path) -> ox.Store:
    return open_store(store_path, read_only=True)


def test_basic_auth_content_type_and_count_query(store: ox.Store, local_count: int) -> None:
    with Stub([]) as stub:
        result = p.push(store, stub.url + "store", graph="http://example.org/g",
                        credentials=p.Credentials("ann", "s3cret"), chunk_size=100)
    assert (result.triples, result.chunks, result.remote_count) == (
        local_count, -(-local_count // 100), 7)
    method, path, headers, body = stub.uploads()[0]
    assert (method, path) == ("POST", "/store?graph=http%3A%2F%2Fexample.org%2Fg")
    assert headers["Authorization"] == "Basic YW5uOnMzY3JldA=="
    assert headers["Content-Type"] == "application/n-triples"
    assert len(list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))) == 100
    query = urllib.parse.parse_qs(stub.requests[-1][3].decode())["query"][0]
    assert query == ("SELECT (COUNT(*) AS ?n) WHERE { GRAPH <http://example.org/g> "
                     "{ ?s ?p ?o } }")
    assert stub.requests[-1][2]["Authorization"] == "Basic YW5uOnMzY3JldA=="


def test_bearer_token(store: ox.Store) -> None:
    with Stub([]) as stub:
        p.push(store, stub.url + "store", credentials=p.Credentials(token="t0k"),
               chunk_size=1000)
    assert stub.uploads()[0][2]["Authorization"] == "Bearer t0k"
    assert stub.uploads()[0][1] == "/store?default"


def test_failed_chunk_is_retried_with_backoff(store: ox.Store, local_count: int) -> None:
    waits: list[float] = []
    landed: list[int] = []
    with Stub([503, 502]) as stub:
        result = p.push(store, stub.url + "store", chunk_size=1000, backoff=0.5,
                        sleep=waits.append, progress=landed.append)
    assert waits == [0.5, 1.0]
    assert result.retries == 2 and len(stub.uploads()) == 3
    assert landed == [local_count]


def test_chunk_failing_after_retries_is_reported(store: ox.Store) -> None:
    landed: list[int] = []
    with Stub([204], default=503) as stub, pytest.raises(PushError) as info:
        p.push(store, stub.url + "store", chunk_size=50, retries=2, sleep=lambda s: None,
               progress=landed.append)
    assert str(info.value) == (
        "chunk 2 (triples 51-100) failed after 3 attempts: HTTP 503 Service Unavailable: nope; "
        "50 triples were uploaded before it (pushing again is safe: nothing is duplicated)"
    )
    assert landed == [50] and len(stub.uploads()) == 4


def test_refused_chunk_is_not_retried(store: ox.Store) -> None:
    with Stub([], default=401) as stub, pytest.raises(PushError, match="was refused: HTTP 401"):
        p.push(store, stub.url + "store", sleep=lambda s: None)
    assert len(stub.uploads()) == 1


def test_unreachable_endpoint(store: ox.Store) -> None:
    port = free_port(HOST)
    with pytest.raises(PushError, match="failed after 2 attempts: cannot reach"):
        p.push(store, f"http://{HOST}:{port}/store", retries=1, sleep=lambda s: None)


def test_unknown_query_url_gives_no_count_but_still_pushes(store: ox.Store) -> None:
    with Stub([]) as stub:
        result = p.push(store, stub.url + "graphs", chunk_size=1000)
    assert result.remote_count is None
    assert result.count_error == "unknown query URL for this endpoint (pass --query-endpoint)"
    assert len(stub.uploads()) == 0 and len(stub.requests) == 1


def test_query_endpoint_for() -> None:
    assert p.query_endpoint_for("http://h:7878/store") == "http://h:7878/query"
    assert p.query_endpoint_for("http://h:3030/ds/data") == "http://h:3030/ds/query"
    assert p.query_endpoint_for("http://h/repositories/kg/rdf-graphs/service") \
        == "http://h/repositories/kg"
    assert p.query_endpoint_for("http://h:8890/sparql-graph-crud-auth") == "http://h:8890/sparql"
    assert p.query_endpoint_for("http://h/elsewhere") is None
    assert p.target_url("http://h/store", None) == "http://h/store?default"
    assert p.target_url("http://h/x?a=1", "urn:g") == "http://h/x?a=1&graph=urn%3Ag"


def test_bad_arguments(store: ox.Store) -> None:
    with pytest.raises(PushError, match="must be an http"):
        p.push(store, "ftp://h/store")
    with pytest.raises(PushError, match="--graph must be an absolute IRI"):
        p.push(store, "http://h/store", graph="not an iri")


# ---------------------------------------------------------------- kg push (CLI)


def invoke(*args: str):
    return CliRunner().invoke(cli, ["push", *args])


def test_cli_usage_errors(store_path: Path) -> None:
    both = invoke("--endpoint", "http://h/store", "--token", "t", "--user", "u",
                  "--password", "p", "--store", str(store_path))
    assert both.exit_code == 2 and "either --token or --user/--password" in both.output
    lone = invoke("--endpoint", "http://h/store", "--password", "p", "--store", str(store_path))
    assert lone.exit_code == 2 and "--password needs --user" in lone.output
    assert invoke("--store", str(store_path)).exit_code == 2


def test_cli_failure_is_one_error_line(store_path: Path) -> None:
    with Stub([], default=500) as stub:
        result = invoke("--endpoint", stub.url + "store", "--retries", "0",
                        "--store", str(store_path))
    assert result.exit_code == 1
    assert result.output.startswith("Error: chunk 1 (triples 1-")
    assert "failed after 1 attempts: HTTP 500" in result.output


def test_cli_token_from_environment_and_count_warning(store_path: Path) -> None:
    with Stub([]) as stub:
        result = CliRunner().invoke(cli, ["push", "--endpoint", stub.url + "graphs",
                                          "--store", str(store_path)],
                                    env={"KG_PUSH_TOKEN": "from-env"})
    assert result.exit_code == 0, result.output
    assert stub.uploads() == [] and stub.requests[0][2]["Authorization"] == "Bearer from-env"
    assert "Warning: remote triple count unavailable: unknown query URL" in result.output


# ---------------------------------------------------------------- issue 12: deadlines


class SlowServer:
    """A TCP server on 127.0.0.1 that accepts and then answers nothing (`trickle=False`) or
    trickles an endless header one byte every 0.1 s (`trickle=True`)."""

    def __init__(self, trickle: bool) -> None:
        import socket

        self.trickle = trickle
        self.sock = socket.create_server((HOST, 0))
        self.sock.settimeout(0.2)
        self.url = f"http://{HOST}:{self.sock.getsockname()[1]}/store"
        self.running = True
        self.connections = 0
        self.threads: list[threading.Thread] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while self.running:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            thread.start()
            self.threads.append(thread)

    def _serve(self, connection) -> None:  # type: ignore[no-untyped-def]
        with connection:
            try:
                if self.trickle:
                    connection.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                while self.running:
                    if self.trickle:
                        connection.sendall(b"x")
                    time.sleep(0.1)
            except OSError:
                pass

    def close(self) -> None:
        self.running = False
        for thread in [self.thread, *self.threads]:
            thread.join(WAIT)
        self.sock.close()


@pytest.mark.parametrize("trickle", [False, True])
def test_issue_12_push_to_a_silent_or_trickling_server_stops_at_its_deadline(
        store_path: Path, trickle: bool) -> None:
    server = SlowServer(trickle)
    try:
        result = subprocess.run([KG, "push", "--endpoint", server.url, "--store", str(store_path),
                                 "--timeout", "3", "--retries", "5"],
                                capture_output=True, text=True, timeout=WAIT)
    finally:
        server.close()
    assert result.returncode == 1
    assert result.stderr.startswith(
        "Error: the push ran past its time limit of 3 s (see --timeout) at chunk 1 (triples 1-")
    assert "0 triples were uploaded before it" in result.stderr
    assert result.stderr.count("\n") == 1


def test_issue_12_each_request_has_a_time_limit(store_path: Path) -> None:
    server = SlowServer(trickle=True)
    try:
        result = subprocess.run([KG, "push", "--endpoint", server.url, "--store", str(store_path),
                                 "--request-timeout", "1", "--retries", "1"],
                                capture_output=True, text=True, timeout=WAIT)
    finally:
        server.close()
    assert result.returncode == 1
    assert (f"failed after 2 attempts: no complete answer from {server.url}?default within 1 s"
            in result.stderr)
    assert server.connections == 2


def test_issue_12_library_deadline(store: ox.Store) -> None:
    server = SlowServer(trickle=False)
    try:
        with pytest.raises(PushError, match="ran past its time limit of 1 s"):
            p.push(store, server.url, timeout=1, retries=3, sleep=lambda s: None)
    finally:
        server.close()
    with pytest.raises(PushError, match="must be positive"):
        p.push(store, "http://h/store", timeout=0)
