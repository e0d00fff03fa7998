"""`kg fetch arxiv` against a local server speaking the arXiv API (tests/api_server.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from api_server import ApiServer, arxiv_feed, paper
from click.testing import CliRunner

from kg.cli import cli
from kg.errors import FetchError
from kg.fetch import fetch_arxiv
from kg.fetch.pages import PageDir
from kg.ontology import SPARQL_PREFIXES
from kg.sources import iter_records
from kg.store import open_store

QUERY = "cat:eess.IV AND abs:segmentation"
KG = [str(Path(sys.executable).parent / "kg")]  # the console script of this venv


def kg(*args) -> object:
    return CliRunner().invoke(cli, [str(a) for a in args])


def fetch(server: ApiServer, out: Path, *extra, delay: float | None = 0.05):
    args = ["fetch", "arxiv", QUERY, "-o", out, "--base-url", server.url("/api/query"), *extra]
    if delay is not None:
        args += ["--delay", delay]
    return kg(*args)


def page_files(out: Path) -> list[str]:
    """Every file in the folder but the state and lock files (a temporary file would show)."""
    return sorted(p.name for p in out.iterdir()
                  if p.name not in (".kg-fetch-arxiv.json", ".kg-fetch.lock"))


def gaps(hits) -> list[float]:
    return [b.time - a.time for a, b in zip(hits, hits[1:], strict=False)]


def test_250_papers_in_3_pages_at_least_3_s_apart_then_built(tmp_path):
    out, store = tmp_path / "D", tmp_path / "store"
    with ApiServer(arxiv_total=1000) as server:
        result = fetch(server, out, "--max", 250, delay=None)  # the default delay: 3 s
        hits = server.hits("arxiv")
    assert result.exit_code == 0, result.output
    assert "Fetched 250 papers in 3 pages from arXiv" in result.output
    assert [(h.start, h.params["max_results"]) for h in hits] == [
        (0, "100"), (100, "100"), (200, "50")]
    for hit in hits:
        assert hit.params["search_query"] == QUERY
        assert (hit.params["sortBy"], hit.params["sortOrder"]) == ("submittedDate", "descending")
    assert min(gaps(hits)) >= 3.0
    assert page_files(out) == ["arxiv-000001.xml", "arxiv-000002.xml", "arxiv-000003.xml"]
    # Saved as the API returned them, byte for byte.
    assert (out / "arxiv-000003.xml").read_bytes() == arxiv_feed(QUERY, 200, 50, 1000)

    built = kg("build", out, "--store", store, "--workers", 1)
    assert built.exit_code == 0, built.output
    assert "papers            250" in built.output
    rows = list(open_store(store, read_only=True).query("""
        """ + SPARQL_PREFIXES + """
        SELECT ?id ?title ?abstract ?date (COUNT(?role) AS ?authors) WHERE {
          ?p kg:arxivId ?id ; schema:name ?title ; schema:abstract ?abstract ;
             schema:datePublished ?date ; schema:author ?role }
        GROUP BY ?id ?title ?abstract ?date"""))
    assert len(rows) == 250
    by_id = {row["id"].value: row for row in rows}
    for i in (0, 137, 249):
        expected = paper(i)
        row = by_id[expected["arxiv"]]
        assert row["title"].value == expected["title"]
        assert row["abstract"].value == expected["abstract"]
        assert row["date"].value == expected["date"].isoformat()
        assert int(row["authors"].value) == len(expected["authors"])


def test_delay_below_3_s_is_refused_against_arxiv(tmp_path):
    for extra in ([], ["--base-url", "https://export.arxiv.org/api/query"]):
        result = kg("fetch", "arxiv", QUERY, "-o", tmp_path / "D", "--delay", "1", *extra)
        assert result.exit_code == 2
        assert "--delay 1 is shorter than the 3 s between requests that the arXiv API asks " \
               "for" in result.output
    assert not (tmp_path / "D").exists()
    with pytest.raises(ValueError, match="shorter than the 3 s"):
        fetch_arxiv(QUERY, tmp_path / "D", base_url="http://arxiv.org/api/query", delay=2.99)


def test_last_short_page_and_end_of_results(tmp_path):
    out = tmp_path / "D"
    with ApiServer(arxiv_total=130) as server:
        seen: list[tuple[int, int | None]] = []
        result = fetch_arxiv(QUERY, out, base_url=server.url("/api/query"), delay=0.05,
                             progress=lambda done, total: seen.append((done, total)))
        hits = server.hits("arxiv")
    assert [h.start for h in hits] == [0, 100]  # no third request past the end
    assert (result.papers, result.stop, len(result.pages)) == (130, "end", 2)
    assert seen == [(0, None), (100, 130), (130, 130)]  # papers fetched, expected total


def test_503_with_retry_after_is_retried(tmp_path):
    out = tmp_path / "D"
    with ApiServer(arxiv_total=180) as server:
        server.fail_once[("arxiv", 100)] = 2
        result = fetch(server, out, delay=0.05)
        hits = server.hits("arxiv")
    assert result.exit_code == 0, result.output
    assert "1 retried" in result.output
    assert [h.start for h in hits] == [0, 100, 100]
    assert hits[2].time - hits[1].time >= 2.0  # Retry-After: 2 was honoured
    assert page_files(out) == ["arxiv-000001.xml", "arxiv-000002.xml"]


def test_malformed_page_stops_cleanly_and_resumes(tmp_path):
    out = tmp_path / "D"
    with ApiServer(arxiv_total=250) as server:
        server.malformed.add(("arxiv", 100))
        first = fetch(server, out)
        assert first.exit_code == 1
        message = first.output.strip().splitlines()[-1]
        assert message.startswith(f"Error: {server.url('/api/query')}: malformed arXiv page "
                                  "(line 3: ")
        assert message.endswith(f"100 papers in 1 page saved in {out}, rerun the same "
                                "command to resume")
        assert page_files(out) == ["arxiv-000001.xml"]
        server.malformed.clear()
        second = fetch(server, out)
        assert second.exit_code == 0, second.output
        assert "resumed: 100 papers were already saved" in second.output
        assert [h.start for h in server.hits("arxiv")] == [0, 100, 100, 200]


def test_rejected_query_is_one_line(tmp_path):
    with ApiServer() as server:
        result = kg("fetch", "arxiv", "BAD:(", "-o", tmp_path / "D", "--base-url",
                    server.url("/api/query"), "--delay", "0")
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        "Error: arXiv rejected the query: malformed query: BAD:(")
    assert not list((tmp_path / "D").glob("*.xml"))


def test_host_down_is_one_line(tmp_path):
    server = ApiServer()
    url = server.url("/api/query")
    server.httpd.server_close()  # nothing listens on the port any more
    result = kg("fetch", "arxiv", QUERY, "-o", tmp_path / "D", "--base-url", url,
                "--delay", "0", "--retries", "1")
    assert result.exit_code == 1
    assert result.output.splitlines()[-1].startswith(
        f"Error: {url}: connection refused (is the host up?) (gave up after 2 attempts)")
    assert len(result.output.strip().splitlines()) == 1


def test_since_stops_at_older_papers_and_since_last_fetches_only_newer(tmp_path):
    out = tmp_path / "D"
    since = paper(40)["date"].isoformat()  # papers 0..41 are on or after it
    with ApiServer(arxiv_total=500) as server:
        first = fetch(server, out, "--since", since, "--page-size", 20)
        assert first.exit_code == 0, first.output
        assert f"stopped: reached papers older than {since}" in first.output
        assert [h.start for h in server.hits("arxiv")] == [0, 20, 40]
        # Ten new submissions; --since last starts from the newest date already saved.
        server.publish(10)
        again = fetch(server, out, "--since", "last", "--page-size", 20)
        assert again.exit_code == 0, again.output
        assert f"stopped: reached papers older than {paper(0)['date'].isoformat()}" \
            in again.output
        assert [h.start for h in server.hits("arxiv")][3:] == [0]
    state = json.loads((out / ".kg-fetch-arxiv.json").read_text())
    assert (state["since"], state["since_date"]) == ("last", paper(0)["date"].isoformat())
    assert page_files(out)[-1] == "arxiv-000004.xml"
    ids = {record.arxiv for record in iter_records([out / "arxiv-000004.xml"])}
    assert {f"2503.{10000 + i:05d}" for i in range(-10, 0)} <= ids


def test_same_command_after_completion_fetches_nothing(tmp_path):
    out = tmp_path / "D"
    with ApiServer(arxiv_total=50) as server:
        assert fetch(server, out).exit_code == 0
        again = fetch(server, out)
        assert len(server.hits("arxiv")) == 1
    assert again.exit_code == 0
    assert again.output.startswith(f"Nothing left to fetch: {out} already holds the 50 papers")


def test_page_written_just_before_a_kill_is_not_fetched_again(tmp_path):
    """The state a kill leaves between a page's rename and the state update: page 2 on disk,
    named only as pending. The rerun adopts it and asks for page 3 next."""
    out = tmp_path / "D"
    with ApiServer(arxiv_total=250) as server:
        assert fetch(server, out, "--max", 200).exit_code == 0
        state = json.loads((out / ".kg-fetch-arxiv.json").read_text())
        state["pending"] = state["pages"].pop()
        state["pending"]["count"] = 0
        state["done"], state["stop"], state["max"] = False, None, 250
        (out / ".kg-fetch-arxiv.json").write_text(json.dumps(state))
        result = fetch(server, out, "--max", 250)
        assert result.exit_code == 0, result.output
        assert [h.start for h in server.hits("arxiv")] == [0, 100, 200]
    assert "Fetched 50 papers in 1 page from arXiv" in result.output
    assert page_files(out)[-1] == "arxiv-000003.xml"


def test_a_second_fetch_into_the_same_folder_is_refused(tmp_path):
    out = tmp_path / "D"
    with PageDir(out, "arxiv"), pytest.raises(FetchError, match="another kg fetch is writing"):
        fetch_arxiv(QUERY, out, base_url="http://127.0.0.1:9/api/query", delay=0)


def test_killed_fetch_resumes_after_the_last_complete_page(tmp_path):
    out = tmp_path / "D"
    with ApiServer(arxiv_total=250) as server:
        server.slow[("arxiv", 200)] = 30.0  # page 3 is in flight when the kill comes
        args = [*KG, "fetch", "arxiv", QUERY, "--max", "250", "-o", str(out), "--base-url",
                server.url("/api/query"), "--delay", "0.1"]
        process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 60
            while not any(h.start == 200 for h in server.hits("arxiv")):
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline
                time.sleep(0.05)
            os.kill(process.pid, signal.SIGKILL)
            process.wait(10)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        assert page_files(out) == ["arxiv-000001.xml", "arxiv-000002.xml"]
        del server.slow[("arxiv", 200)]
        rerun = subprocess.run(args, capture_output=True, text=True, timeout=60)
        assert rerun.returncode == 0, rerun.stderr
        assert "resumed: 200 papers were already saved" in rerun.stdout
        # Pages 1 and 2 were fetched once; only the page in flight was asked for again.
        assert [h.start for h in server.hits("arxiv")] == [0, 100, 200, 200]
    ids = [record.arxiv for record in iter_records([out])]
    assert len(ids) == len(set(ids)) == 250
