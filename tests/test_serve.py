"""`kg serve`: a real Oxigraph server process, asked by real SPARQL clients.

Every process started here is stopped in a `finally`, binds to 127.0.0.1 only, and every
wait is bounded.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import select
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Graph
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from kg import query as q
from kg.cli import cli
from kg.errors import ServeError, StoreError
from kg.serve import Server, free_port, server_command
from kg.store import open_store, triple_count

FIXTURE = Path(__file__).with_name("query_fixture.ttl")
KG = str(Path(sys.executable).with_name("kg"))
HOST = "127.0.0.1"
WAIT = 15.0


@dataclass
class Running:
    process: subprocess.Popen[str]
    url: str
    port: int
    first_line: str

    @property
    def query_url(self) -> str:
        return self.url + "query"


def _accepts(port: int) -> bool:
    import socket

    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


def start_kg_serve(store: Path, *extra: str, new_session: bool = False) -> Running:
    port = free_port(HOST)
    process = subprocess.Popen(
        [KG, "serve", "--store", str(store), "--host", HOST, "--port", str(port), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
        start_new_session=new_session,
    )
    # readiness is the first line kg serve prints, once the server accepts connections
    ready, _, _ = select.select([process.stdout], [], [], WAIT)
    first = process.stdout.readline() if ready else ""  # type: ignore[union-attr]
    if not first.startswith("Serving "):
        out, err = stop(process)
        raise AssertionError(f"kg serve did not start: {first}{out}{err}")
    assert _accepts(port)
    return Running(process, f"http://{HOST}:{port}/", port, first)


def stop(process: subprocess.Popen[str], sig: int = signal.SIGTERM) -> tuple[str, str]:
    """Signal the process, wait (bounded, then kill) and return its remaining output."""
    if process.poll() is None:
        process.send_signal(sig)
    try:
        process.wait(timeout=WAIT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=WAIT)
    # read() and not communicate(): communicate bypasses what readline() already buffered
    out = process.stdout.read() if process.stdout else ""
    err = process.stderr.read() if process.stderr else ""
    return out, err


@pytest.fixture(scope="module")
def server(store_path: Path) -> Iterator[Running]:
    running = start_kg_serve(store_path, "--timeout", "2")
    try:
        yield running
    finally:
        stop(running.process)


def http(url: str, data: bytes | None = None, headers: dict[str, str] | None = None,
         method: str | None = None) -> tuple[int, str, str]:
    """(status, content type, body) without raising on HTTP errors."""
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=WAIT) as response:
            return (response.status, response.headers.get("Content-Type", ""),
                    response.read().decode())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read().decode()


def get_query(server: Running, text: str, accept: str) -> tuple[int, str, str]:
    return http(server.query_url + "?" + urllib.parse.urlencode({"query": text}),
                headers={"Accept": accept})


def cli_json(store: Path, *args: str) -> dict:
    result = CliRunner().invoke(cli, ["query", "--store", str(store), "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


# ---------------------------------------------------------------- same answers as kg query


def test_sparqlwrapper_gets_the_same_answers_as_kg_query(server: Running,
                                                         store_path: Path) -> None:
    for name, params in [("most-used-datasets", {"modality": "CT"}),
                         ("coauthors", {"author": "Ma D"}),
                         ("modality-task-counts", {}),
                         ("evidence", {"paper": "2301.00001"})]:
        named = q.load_query(name)
        text = q.bind(named.text, params, named.params)
        client = SPARQLWrapper(server.query_url)
        client.setQuery(text)
        client.setReturnFormat(JSON)
        remote = client.query().convert()
        local = cli_json(store_path, "--name", name,
                         *[f"--param={k}={v}" for k, v in params.items()])
        assert remote["head"]["vars"] == local["head"]["vars"]
        assert remote["results"]["bindings"] == local["results"]["bindings"], name
        assert remote["results"]["bindings"]


def test_rdflib_sparqlstore_gets_the_same_answers_as_kg_query(server: Running,
                                                              store_path: Path) -> None:
    named = q.load_query("models-with-dataset")
    text = q.bind(named.text, {"dataset": "LIDC-IDRI"}, named.params)
    graph = Graph(store=SPARQLStore(server.query_url, returnFormat="json"))
    remote = [tuple(str(term) for term in row) for row in graph.query(text)]
    result = CliRunner().invoke(cli, ["query", "--store", str(store_path), "--format", "csv",
                                      "--name", "models-with-dataset",
                                      "--param", "dataset=LIDC-IDRI"])
    local = [tuple(row) for row in csv.reader(io.StringIO(result.output))][1:]
    assert remote == local
    assert len(remote) == 4


def test_post_form_and_direct(server: Running) -> None:
    text = "SELECT (COUNT(*) AS ?n) WHERE { ?p a <https://schema.org/ScholarlyArticle> }"
    accept = {"Accept": "application/sparql-results+json"}
    form = http(server.query_url, urllib.parse.urlencode({"query": text}).encode(),
                {"Content-Type": "application/x-www-form-urlencoded", **accept})
    direct = http(server.query_url, text.encode(),
                  {"Content-Type": "application/sparql-query", **accept})
    for status, _, body in (form, direct):
        assert status == 200
        assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == "4"


# ---------------------------------------------------------------- content negotiation


def test_select_result_formats(server: Running) -> None:
    text = "SELECT ?n WHERE { <https://w3id.org/medimg-kg/modality/x-ray> " \
           "<http://www.w3.org/2004/02/skos/core#notation> ?n } ORDER BY ?n"
    status, kind, body = get_query(server, text, "text/csv")
    assert status == 200 and kind.startswith("text/csv")
    assert body.split() == ["n", "CR", "DX"]
    status, kind, body = get_query(server, text, "text/tab-separated-values")
    assert status == 200 and body.split() == ["?n", '"CR"', '"DX"']
    status, kind, body = get_query(server, text, "application/sparql-results+xml")
    assert status == 200 and kind.startswith("application/sparql-results+xml")
    assert [s["n"].value for s in ox.parse_query_results(
        body.encode(), ox.QueryResultsFormat.XML)] == ["CR", "DX"]


def test_construct_graph_formats(server: Running) -> None:
    text = "CONSTRUCT WHERE { <https://w3id.org/medimg-kg/modality/ct> ?p ?o }"
    counts = {}
    for accept, fmt in [("text/turtle", ox.RdfFormat.TURTLE),
                        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
                        ("application/ld+json", ox.RdfFormat.JSON_LD)]:
        status, kind, body = get_query(server, text, accept)
        assert status == 200 and kind.startswith(accept), (accept, kind)
        counts[accept] = len(list(ox.parse(body.encode(), format=fmt)))
    assert set(counts.values()) == {5}


def test_query_page_works_offline(server: Running) -> None:
    status, kind, body = http(server.url)
    assert status == 200 and kind.startswith("text/html")
    # every script and stylesheet comes from the server itself, none from a CDN
    assert not re.findall(r'(?:src|href)="(?:https?:)?//', body)
    assert http(server.url + "yasgui.min.js")[0] == 200


# ---------------------------------------------------------------- refusals and errors


def test_update_over_http_is_refused(server: Running, store_path: Path,
                                     fixture_triples: int) -> None:
    update = "DELETE WHERE { ?s ?p ?o }"
    status, _, body = http(server.url + "update", update.encode(),
                           {"Content-Type": "application/sparql-update"})
    assert status == 403 and "read-only" in body
    status, _, _ = http(server.query_url, update.encode(),
                        {"Content-Type": "application/sparql-query"})
    assert status == 400
    status, _, _ = http(server.url + "store?default", b"<http://e/a> <http://e/b> <http://e/c> .",
                        {"Content-Type": "application/n-triples"})
    assert status == 403
    client = SPARQLWrapper(server.query_url, updateEndpoint=server.url + "update")
    client.setMethod(POST)
    client.setQuery("INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }")
    with pytest.raises(Exception, match="403"):
        client.query()
    count = cli_json(store_path, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert count["results"]["bindings"][0]["n"]["value"] == str(fixture_triples)


def test_malformed_query_is_http_400_with_message(server: Running) -> None:
    status, _, body = get_query(server, "SELEC ?x", "application/sparql-results+json")
    assert status == 400
    assert re.match(r"error at 1:\d+: expected", body), body
    client = SPARQLWrapper(server.query_url)
    client.setQuery("SELEC ?x")
    with pytest.raises(QueryBadFormed, match="error at 1:"):
        client.query()


def test_query_timeout(server: Running) -> None:
    # four-way cross product: far beyond the 2-second timeout the fixture server was given
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    started = time.monotonic()
    status, _, body = get_query(server, slow, "application/sparql-results+json")
    assert time.monotonic() - started < WAIT
    assert "cancelled" in body or status >= 400
    with pytest.raises(ValueError):
        json.loads(body)


# ---------------------------------------------------------------- the process itself


def test_prints_url_and_stops_cleanly_on_sigterm(store_path: Path) -> None:
    running = start_kg_serve(store_path)
    out, err = stop(running.process)
    assert running.process.returncode == 0, err
    assert (running.first_line + out).splitlines() == [
        f"Serving {store_path} read-only at {running.url}",
        f"SPARQL endpoint: {running.query_url} (query timeout 30 s)",
        "Press Ctrl-C to stop.",
    ]
    # the supervised oxigraph process is gone too: nothing listens any more
    deadline = time.monotonic() + WAIT
    while _accepts(running.port) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _accepts(running.port)


def test_stops_cleanly_on_ctrl_c(store_path: Path) -> None:
    running = start_kg_serve(store_path)
    out, err = stop(running.process, signal.SIGINT)
    assert running.process.returncode == 0, err
    assert err == "Stopped.\n"
    assert not _accepts(running.port)


def test_terminal_ctrl_c_reaches_the_whole_process_group(store_path: Path) -> None:
    # As in a terminal: SIGINT to kg serve and to the oxigraph server it started.
    running = start_kg_serve(store_path, new_session=True)
    try:
        os.killpg(running.process.pid, signal.SIGINT)
        running.process.wait(timeout=WAIT)
    finally:
        out, err = stop(running.process)
    assert running.process.returncode == 0, err
    assert not _accepts(running.port)


def test_missing_store_and_busy_port(tmp_path: Path, store_path: Path) -> None:
    result = subprocess.run([KG, "serve", "--store", str(tmp_path / "none"), "--port", "0"],
                            capture_output=True, text=True, timeout=WAIT)
    assert result.returncode == 1
    assert result.stderr.startswith(f"Error: no store at {tmp_path / 'none'}")
    with Server(store_path, HOST, 0) as first:
        result = subprocess.run([KG, "serve", "--store", str(store_path),
                                 "--port", str(first.port)],
                                capture_output=True, text=True, timeout=WAIT)
        assert result.returncode == 1
        assert f"Error: port {first.port} on 127.0.0.1 is already in use" in result.stderr


def test_server_library(store_path: Path, tmp_path: Path) -> None:
    with Server(store_path, HOST, 0, timeout=5) as running:
        assert running.url == f"http://127.0.0.1:{running.port}/"
        status, _, body = http(running.query_url + "?query=ASK%7B%7D",
                               headers={"Accept": "application/sparql-results+json"})
        assert status == 200 and json.loads(body)["boolean"] is True
        process = running.process
    assert process is not None and process.poll() is not None
    with pytest.raises(StoreError, match="no store at"):
        Server(tmp_path / "none", HOST, 0).start()
    with pytest.raises(ServeError, match="at least 1 second"):
        Server(store_path, HOST, 0, timeout=0)


def test_server_command() -> None:
    command = server_command("st", "::1", 8000, 7, binary="oxigraph")
    assert command == ["oxigraph", "serve-read-only", "--location", "st",
                       "--bind", "[::1]:8000", "--timeout-s", "7"]
    assert server_command("st", binary="ox", read_only=False, timeout=None, cors=True) == [
        "ox", "serve", "--location", "st", "--bind", "127.0.0.1:7878", "--cors"]


def test_served_store_is_unchanged(store_path: Path, fixture_triples: int) -> None:
    store = open_store(store_path, read_only=True)
    assert triple_count(store) == fixture_triples
