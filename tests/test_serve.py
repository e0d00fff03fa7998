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
from kg.serve import Server, free_port
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
    # nothing comes from elsewhere: no external script, stylesheet or image
    assert not re.findall(r'(?:src|href)="(?:https?:)?//', body)
    assert "<script src" not in body


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
    for accept in ("application/sparql-results+json", "text/csv"):
        status, kind, body = get_query(server, slow, accept)
        # issue 12 M5: never 200 with "cancelled" appended to a result
        assert status == 503, body
        assert kind.startswith("text/plain")
        assert body == "query cancelled: it ran past the 2 s time limit of this endpoint\n"


# ---------------------------------------------------------------- the process itself


def test_prints_url_and_stops_cleanly_on_sigterm(store_path: Path) -> None:
    running = start_kg_serve(store_path)
    out, err = stop(running.process)
    assert running.process.returncode == 0, err
    assert (running.first_line + out).splitlines() == [
        f"Serving {store_path} read-only at {running.url}",
        f"SPARQL endpoint: {running.query_url} (query timeout 30 s, memory limit 2048 MB)",
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
    with Server(store_path, HOST, 0, timeout=5, workers=2) as running:
        assert running.url == f"http://127.0.0.1:{running.port}/"
        status, _, body = http(running.query_url + "?query=ASK%7B%7D",
                               headers={"Accept": "application/sparql-results+json"})
        assert status == 200 and json.loads(body)["boolean"] is True
        workers = running.worker_pids()
        assert workers
    assert not _accepts(running.port)
    assert not [pid for pid in workers if alive(pid)]
    with pytest.raises(StoreError, match="no store at"):
        Server(tmp_path / "none", HOST, 0).start()
    with pytest.raises(ServeError, match="at least 1 second"):
        Server(store_path, HOST, 0, timeout=0)


def test_served_store_is_unchanged(store_path: Path, fixture_triples: int) -> None:
    store = open_store(store_path, read_only=True)
    assert triple_count(store) == fixture_triples


# ---------------------------------------------------------------- issue 12: nothing takes it down

COUNT_CROSS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SORT_CROSS = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f LIMIT 1"


def children(pid: int) -> list[int]:
    """Process ids whose parent is `pid`, from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its new parent to reap it runs nothing and holds no port)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"not within {WAIT} s: {what}"
        time.sleep(0.05)


def live_workers(running: Running) -> list[int]:
    return [pid for pid in children(running.process.pid) if alive(pid)]


@pytest.fixture(scope="module")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1,500 triples: a three-way cross product has 3.4e9 rows, a sorted two-way one 2.25e6."""
    path = tmp_path_factory.mktemp("big") / "store"
    store = open_store(path)
    e = "http://example.org/"
    store.extend(ox.Quad(ox.NamedNode(f"{e}s{i}"), ox.NamedNode(f"{e}p{i % 7}"),
                         ox.Literal(f"value {i} " + "x" * (i % 50)))
                 for i in range(1500))
    store.flush()
    del store
    import gc

    gc.collect()
    return path


@pytest.fixture(scope="module")
def limited(big_store: Path) -> Iterator[Running]:
    running = start_kg_serve(big_store, "--timeout", "3", "--memory-limit", "300",
                             "--workers", "2")
    try:
        wait_until(lambda: len(live_workers(running)) == 2, "two query workers")
        yield running
    finally:
        stop(running.process)


def ask_ok(running: Running) -> None:
    """The endpoint answers (once a replaced worker has started, on a busy machine)."""
    deadline = time.monotonic() + WAIT
    while True:
        status, _, body = get_query(running, "ASK { ?s ?p ?o }",
                                    "application/sparql-results+json")
        if status != 503 or time.monotonic() > deadline:
            break
        assert body.startswith("every query process is busy"), body
    assert status == 200 and json.loads(body)["boolean"] is True


def test_issue_12_cross_product_count_is_cut_at_the_deadline(limited: Running) -> None:
    before = live_workers(limited)
    status, kind, body = get_query(limited, COUNT_CROSS, "application/sparql-results+json")
    assert (status, body) == (503, "query cancelled: it ran past the 3 s time limit of this "
                                   "endpoint\n")
    # the process that ran it was killed (it uses no CPU any more) and replaced
    assert [pid for pid in before if not alive(pid)]
    wait_until(lambda: len(live_workers(limited)) == 2, "the killed worker is replaced")
    assert limited.process.poll() is None
    ask_ok(limited)


def test_issue_12_sorting_a_cross_product_does_not_take_the_endpoint_down(
        limited: Running) -> None:
    for accept in ("application/sparql-results+json", "text/csv"):
        status, _, body = get_query(limited, SORT_CROSS, accept)
        assert status == 503, body
        assert re.fullmatch(r"query cancelled: (it ran past the 3 s time limit of this endpoint"
                            r"|the query needed more than the 300 MB memory limit)\n", body)
        assert limited.process.poll() is None
        ask_ok(limited)


def test_issue_12_a_worker_killed_from_outside_is_replaced(limited: Running) -> None:
    victim = live_workers(limited)[0]
    os.kill(victim, signal.SIGKILL)
    wait_until(lambda: not alive(victim), "the worker dies")
    for _ in range(6):
        ask_ok(limited)
    wait_until(lambda: len(live_workers(limited)) == 2, "two query workers again")


class Listener:
    """A TCP listener on 127.0.0.1 that records every connection made to it."""

    def __init__(self) -> None:
        import socket
        import threading

        self.sock = socket.create_server((HOST, 0))
        self.sock.settimeout(0.2)
        self.url = f"http://{HOST}:{self.sock.getsockname()[1]}/sparql"
        self.hits: list[bytes] = []
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while self.running:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                continue
            with connection:
                connection.settimeout(1)
                try:
                    self.hits.append(connection.recv(200))
                except OSError:
                    self.hits.append(b"")

    def close(self) -> None:
        self.running = False
        self.thread.join(WAIT)
        self.sock.close()


@pytest.fixture()
def listener() -> Iterator[Listener]:
    listening = Listener()
    try:
        yield listening
    finally:
        listening.close()


def service_queries(url: str) -> list[str]:
    return [
        f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"select * where {{ service silent <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o .SERVICE <{url}> {{ ?x ?y ?z }} }}",
        f"SELECT * WHERE {{ ?s ?p 1SERVICE <{url}> {{ ?x ?y ?z }} }}",
        f"PREFIX e: <{url}#> SELECT * WHERE {{ ?s ?p ?o . SERVICE e:x {{ ?x ?y ?z }} }}",
    ]


def test_issue_12_service_reaches_no_listener(server: Running, listener: Listener) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    direct = {"Content-Type": "application/sparql-query"}
    for text in service_queries(listener.url):
        for status, _, body in (
            get_query(server, text, "application/sparql-results+json"),
            http(server.query_url, urllib.parse.urlencode({"query": text}).encode(), form),
            http(server.query_url, text.encode(), direct),
        ):
            assert status == 403, (text, body)
            assert body.startswith("SERVICE refused: it would make this process fetch a URL")
    # naming a graph by its IRI reads the store, it fetches nothing
    text = f"SELECT * FROM <{listener.url}> WHERE {{ ?s ?p ?o }}"
    assert get_query(server, text, "text/csv")[0] == 200
    graphs = urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }",
                                     "default-graph-uri": listener.url,
                                     "named-graph-uri": listener.url})
    assert http(server.query_url + "?" + graphs)[0] == 200
    assert listener.hits == []


def test_allow_remote_lets_service_through(store_path: Path, listener: Listener) -> None:
    # the same listener is reached once the operator allows it: the refusal above is real
    running = start_kg_serve(store_path, "--allow-remote", "--workers", "1")
    try:
        status, _, _ = get_query(running, service_queries(listener.url)[0], "text/csv")
    finally:
        stop(running.process)
    assert status >= 400  # the listener answers nothing useful
    assert listener.hits and listener.hits[0].startswith(b"POST /sparql")


def test_issue_12_form_post_from_a_web_page_fetches_nothing(server: Running,
                                                            listener: Listener,
                                                            tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("/usr/bin/chromium is not installed")
    text = service_queries(listener.url)[0]
    page_file = tmp_path / "hostile.html"
    page_file.write_text(
        f'<form id="f" method="post" action="{server.query_url}">'
        f'<textarea name="query">{text}</textarea></form>'
        '<script>document.getElementById("f").submit()</script>', encoding="utf-8")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=["--no-sandbox"])
        try:
            page = browser.new_page()
            with page.expect_navigation(url=server.query_url, timeout=WAIT * 1000):
                page.goto(page_file.as_uri())
            assert "SERVICE refused" in page.content()
        finally:
            browser.close()
    assert listener.hits == []


def test_issue_12_query_page_runs_a_query_in_chromium(server: Running) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("/usr/bin/chromium is not installed")
    requests: list[str] = []
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.on("request", lambda request: requests.append(request.url))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(server.url)
            page.fill("textarea", "SELECT ?n WHERE { <https://w3id.org/medimg-kg/modality/x-ray> "
                                  "<http://www.w3.org/2004/02/skos/core#notation> ?n } "
                                  "ORDER BY ?n")
            page.click("button")
            page.wait_for_selector("table", timeout=WAIT * 1000)
            cells = page.locator("td").all_text_contents()
        finally:
            browser.close()
    assert cells == ["n", "CR", "DX"]
    assert errors == []
    assert all(url.startswith(server.url) for url in requests), requests


def test_issue_12_host_header_of_another_site_is_refused(server: Running) -> None:
    # DNS rebinding: a page whose own name now points at 127.0.0.1 sends its name as Host
    url = server.query_url + "?query=ASK%7B%7D"
    status, _, body = http(url, headers={"Host": f"attacker.example:{server.port}"})
    assert status == 403 and "Host" in body
    assert http(url, headers={"Host": f"localhost:{server.port}"})[0] == 200


def session(sid: int) -> list[int]:
    """Living processes of the session `sid` (kg serve started with a new session), whatever
    their parent now is."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == sid and fields[0] != "Z":
                found.append(int(entry))
    return found


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGHUP])
def test_issue_12_killed_kg_serve_leaves_no_orphan(store_path: Path, sig: int) -> None:
    running = start_kg_serve(store_path, new_session=True)
    try:
        wait_until(lambda: live_workers(running), "a query process")
        os.kill(running.process.pid, sig)
        running.process.wait(WAIT)
        wait_until(lambda: not session(running.process.pid),
                   "every process kg serve started ends")
        assert not _accepts(running.port)
    finally:
        _, err = stop(running.process)
        for pid in session(running.process.pid):
            os.kill(pid, signal.SIGKILL)
    if sig == signal.SIGHUP:
        assert running.process.returncode == 0 and err == "Stopped.\n"


def test_issue_12_bad_host_is_one_error_line(store_path: Path) -> None:
    result = subprocess.run([KG, "serve", "--store", str(store_path), "--port", "0",
                             "--host", "no-such-host.invalid"],
                            capture_output=True, text=True, timeout=WAIT)
    assert result.returncode == 1
    assert re.fullmatch(r"Warning: listening on no-such-host.invalid: .*\n"
                        r"Error: cannot listen on 'no-such-host.invalid': [^\n]+\n",
                        result.stderr), result.stderr
