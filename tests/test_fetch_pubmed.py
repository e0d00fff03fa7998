"""`kg fetch pubmed` against a local server speaking NCBI E-utilities (tests/api_server.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from api_server import ApiServer, paper, pubmed_set
from click.testing import CliRunner

from kg.cli import cli
from kg.fetch import fetch_pubmed
from kg.sources import iter_records
from kg.store import open_store

QUERY = "deep learning AND mammography"


def kg(*args, env=None) -> object:
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


def fetch(server: ApiServer, out: Path, *extra, env=None):
    return kg("fetch", "pubmed", QUERY, "-o", out, "--base-url", server.url("/eutils/"),
              "--email", "someone@example.org", *extra, env=env)


def starts(server: ApiServer) -> list[int]:
    return [h.start for h in server.hits("efetch")]


def test_300_papers_via_esearch_then_efetch_batches_at_most_3_a_second(tmp_path):
    out, store = tmp_path / "E", tmp_path / "store"
    with ApiServer(pubmed_total=1000) as server:
        result = fetch(server, out, "--max", 300)
        log = list(server.log)
    assert result.exit_code == 0, result.output
    assert "Fetched 300 papers in 2 pages from PubMed" in result.output
    assert [h.kind for h in log] == ["esearch", "efetch", "efetch"]
    search, *batches = log
    assert {k: search.params[k] for k in ("db", "term", "usehistory", "tool", "email")} == {
        "db": "pubmed", "term": QUERY, "usehistory": "y", "tool": "medimg-kg",
        "email": "someone@example.org"}
    assert "mindate" not in search.params and "api_key" not in search.params
    assert [(h.start, h.params["retmax"]) for h in batches] == [(0, "200"), (200, "100")]
    for hit in batches:
        assert (hit.params["db"], hit.params["retmode"], hit.params["query_key"]) == (
            "pubmed", "xml", "1")
        assert hit.params["WebEnv"].startswith("MCID_")
        assert hit.params["tool"] == "medimg-kg"
    # At most 3 requests in any second: consecutive requests at least 1/3 s apart.
    times = [h.time for h in log]
    assert all(b - a >= 1 / 3 for a, b in zip(times, times[1:], strict=False))
    assert (out / "pubmed-000002.xml").read_bytes() == pubmed_set(list(range(200, 300)))

    built = kg("build", out, "--store", store, "--workers", 1)
    assert built.exit_code == 0, built.output
    assert "papers            300" in built.output
    db = open_store(store, read_only=True)
    rows = list(db.query("""
        PREFIX schema: <https://schema.org/> PREFIX bibo: <http://purl.org/ontology/bibo/>
        SELECT ?pmid ?doi ?title ?abstract (COUNT(DISTINCT ?role) AS ?authors) WHERE {
          ?p bibo:pmid ?pmid ; bibo:doi ?doi ; schema:name ?title ; schema:abstract ?abstract ;
             schema:author ?role }
        GROUP BY ?pmid ?doi ?title ?abstract"""))
    assert len(rows) == 300
    by_pmid = {row["pmid"].value: row for row in rows}
    for i in (0, 201, 299):
        expected = paper(i)
        row = by_pmid[expected["pmid"]]
        assert row["doi"].value == expected["doi"]
        assert row["title"].value == expected["title"]
        assert row["abstract"].value.startswith("BACKGROUND: We propose ")
        assert int(row["authors"].value) == len(expected["authors"])
    first = paper(0)
    affiliations = {row["name"].value for row in db.query(f"""
        PREFIX schema: <https://schema.org/> PREFIX bibo: <http://purl.org/ontology/bibo/>
        SELECT ?name WHERE {{
          ?p bibo:pmid "{first['pmid']}" ; schema:author ?role . ?role schema:position 1 ;
             schema:affiliation/schema:name ?name }}""")}
    assert affiliations == set(first["authors"][0][2])


def test_since_is_sent_as_a_publication_date_range(tmp_path):
    since = paper(29)["date"]  # papers 0..29 were published on or after it
    with ApiServer(pubmed_total=300) as server:
        result = fetch(server, tmp_path / "E", "--since", since.isoformat())
        (search,) = server.hits("esearch")
        assert starts(server) == [0]
    assert result.exit_code == 0, result.output
    assert "Fetched 30 papers in 1 page" in result.output
    assert (search.params["datetype"], search.params["mindate"], search.params["maxdate"]) == (
        "pdat", since.strftime("%Y/%m/%d"), "3000")


def test_api_key_allows_10_requests_a_second(tmp_path):
    with ApiServer(pubmed_total=100) as server:
        result = fetch(server, tmp_path / "E", "--page-size", 20,
                       env={"NCBI_API_KEY": "pretend-key"})
        log = list(server.log)
    assert result.exit_code == 0, result.output
    assert len(log) == 6 and all(h.params["api_key"] == "pretend-key" for h in log)
    times = [h.time for h in log]
    assert all(b - a >= 0.1 for a, b in zip(times, times[1:], strict=False))
    # ...and no more: below 1/10 s is refused against NCBI's own host, 1/3 s without a key.
    with pytest.raises(ValueError, match="shorter than the 0.11 s between requests"):
        fetch_pubmed(QUERY, tmp_path / "F", api_key="k", delay=0.05)
    refused = kg("fetch", "pubmed", QUERY, "-o", tmp_path / "F", "--delay", "0.2")
    assert refused.exit_code == 2 and "shorter than the 0.34 s" in refused.output


def test_rejected_query_is_one_line(tmp_path):
    with ApiServer() as server:
        result = kg("fetch", "pubmed", "BAD[[", "-o", tmp_path / "E", "--base-url",
                    server.url("/eutils/"), "--email", "someone@example.org")
        assert server.hits("efetch") == []
    assert result.exit_code == 1
    assert result.output.splitlines() == ["Error: PubMed rejected the query: Invalid query: BAD[["]


def test_malformed_page_is_one_line_and_nothing_is_written(tmp_path):
    out = tmp_path / "E"
    with ApiServer(pubmed_total=300) as server:
        server.malformed.add(("efetch", 200))
        result = fetch(server, out)
    assert result.exit_code == 1
    (line,) = result.output.splitlines()
    assert line.startswith(f"Error: {server.url('/eutils/efetch.fcgi')}: malformed PubMed page "
                           "(line 3: ")
    assert line.endswith(f"200 papers in 1 page saved in {out}, rerun the same command to "
                         "resume")
    assert sorted(p.name for p in out.glob("*.xml")) == ["pubmed-000001.xml"]
    assert not list(out.glob(".*.tmp"))


def test_503_with_retry_after_is_retried(tmp_path):
    with ApiServer(pubmed_total=250) as server:
        server.fail_once[("efetch", 200)] = 1
        result = fetch(server, tmp_path / "E")
        hits = server.hits("efetch")
    assert result.exit_code == 0, result.output
    assert [h.start for h in hits] == [0, 200, 200]
    assert hits[2].time - hits[1].time >= 1.0


def test_server_gone_mid_run_then_rerun_completes_without_fetching_a_page_twice(tmp_path):
    out = tmp_path / "E"
    with ApiServer(pubmed_total=700) as server:
        server.die_after = 3  # esearch and two pages, then the server goes away
        gone = fetch(server, out, "--page-size", 150, "--retries", 1)
        port, first_log = server.port, list(server.log)
    assert gone.exit_code == 1
    (line,) = gone.output.splitlines()
    assert line.startswith(f"Error: {server.url('/eutils/efetch.fcgi')}: connection refused")
    assert line.endswith(f"300 papers in 2 pages saved in {out}, rerun the same command to "
                         "resume")
    # The server comes back on the same port without the search history it had.
    with ApiServer(pubmed_total=700, port=port) as again:
        rerun = fetch(again, out, "--page-size", 150)
        second_log = list(again.log)
    assert rerun.exit_code == 0, rerun.output
    assert "resumed: 300 papers were already saved" in rerun.output
    efetched = [h.start for h in first_log + second_log if h.kind == "efetch"]
    assert efetched == [0, 150, 300, 300, 450, 600]  # 300: refused (old WebEnv), then fetched
    assert [h.kind for h in second_log] == ["efetch", "esearch", "efetch", "efetch", "efetch"]
    state = json.loads((out / ".kg-fetch-pubmed.json").read_text())
    assert [p["start"] for p in state["pages"]] == [0, 150, 300, 450, 600]
    assert sum(p["count"] for p in state["pages"]) == 700
    pmids = [record.pmid for record in iter_records([out])]
    assert len(pmids) == len(set(pmids)) == 700



def test_since_last_searches_from_the_newest_date_already_fetched(tmp_path):
    out = tmp_path / "E"
    with ApiServer(pubmed_total=300) as server:
        assert fetch(server, out, "--since", "2024-01-01", "--max", 20).exit_code == 0
        result = fetch(server, out, "--since", "last")
        searches = server.hits("esearch")
    assert result.exit_code == 0, result.output
    newest = paper(0)["date"]  # ArticleDate of the newest paper in the folder
    assert searches[-1].params["mindate"] == newest.strftime("%Y/%m/%d")
    assert "Fetched 3 papers in 1 page" in result.output  # the three papers of that day
    assert sorted(p.name for p in out.glob("*.xml")) == ["pubmed-000001.xml", "pubmed-000002.xml"]


def test_since_last_needs_pages_to_start_from(tmp_path):
    result = kg("fetch", "pubmed", QUERY, "-o", tmp_path / "E", "--since", "last",
                "--base-url", "http://127.0.0.1:9/eutils/")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"Error: --since last: {tmp_path / 'E'} holds no pubmed pages to take a date from; give "
        "a date for the first fetch (--since YYYY-MM-DD)"]
