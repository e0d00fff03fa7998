"""`kg fetch pubmed`: NCBI E-utilities, esearch on the history server, then efetch in batches.

    esearch.fcgi?db=pubmed&term=Q&usehistory=y&retmax=0&sort=pub_date
                 [&datetype=pdat&mindate=SINCE&maxdate=3000]      -> Count, WebEnv, QueryKey
    efetch.fcgi?db=pubmed&WebEnv=W&query_key=K&retstart=N&retmax=B&retmode=xml
                                                                 -> a PubmedArticleSet page

Every request carries tool=medimg-kg and, when given, email and api_key. NCBI allows 3
requests a second without an API key and 10 with one; the client keeps below that against
NCBI's host. A resumed run reuses its WebEnv; when the history server has forgotten it,
the search runs again once and fetching continues at the same offset.
"""

from __future__ import annotations

from pathlib import Path
from xml.etree.ElementTree import Element

from kg.errors import FetchError
from kg.fetch.http import DEFAULT_RETRIES, DEFAULT_TIMEOUT, PoliteClient, Response, where
from kg.fetch.pages import PageDir, Run
from kg.fetch.run import (
    FetchResult,
    Progress,
    Rejected,
    check_delay,
    check_since,
    check_url,
    expected,
    host_in,
    open_run,
    parse_xml,
    save_page,
    with_resume_hint,
)
from kg.sources import pubmed_xml

DEFAULT_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
TOOL = "medimg-kg"
BATCH = 200
# Slightly above 1/3 s and 1/10 s, so that no second ever holds a fourth (eleventh) request.
DELAY_NO_KEY = 0.34
DELAY_WITH_KEY = 0.11


class _Expired(Exception):
    """efetch says the WebEnv/query_key is unknown (the history server forgot it)."""


def _error_text(root: Element) -> str | None:
    for tag in ("ERROR", "Error"):
        node = root.find(f".//{tag}")
        if node is not None:
            return " ".join("".join(node.itertext()).split()) or "error without a message"
    return None


def _endpoint(base: str, name: str) -> str:
    return base.rstrip("/") + "/" + name


def _search(client: PoliteClient, base: str, query: str, since_date: str | None,
            common: dict[str, str]) -> tuple[int, str, str, list[str]]:
    """(count, WebEnv, query_key, warnings) of an esearch on the history server."""
    params: dict[str, object] = {"db": "pubmed", "term": query, "usehistory": "y",
                                 "retmax": 0, "sort": "pub_date"}
    if since_date:
        params.update(datetype="pdat", mindate=since_date.replace("-", "/"), maxdate="3000")
    response = client.get(_endpoint(base, "esearch.fcgi"), {**params, **common})
    root = _root(response, "esearch answer")
    if root.tag != "eSearchResult":
        raise FetchError(f"{where(response.url)}: malformed esearch answer: expected "
                         f"<eSearchResult>, got <{root.tag}>")
    direct_error = root.find("ERROR")
    if direct_error is not None:
        text = " ".join("".join(direct_error.itertext()).split())
        raise Rejected(f"PubMed rejected the query: {text or 'error without a message'}")
    warnings = [f"{child.tag}: {' '.join(''.join(child.itertext()).split())}"
                for holder in ("ErrorList", "WarningList")
                for child in root.findall(f"{holder}/*")]
    count_text = (root.findtext("Count") or "").strip()
    if not count_text.isdigit():
        raise FetchError(f"{where(response.url)}: malformed esearch answer: no <Count>")
    count = int(count_text)
    webenv = (root.findtext("WebEnv") or "").strip()
    query_key = (root.findtext("QueryKey") or "").strip()
    if count and not (webenv and query_key):
        raise FetchError(f"{where(response.url)}: malformed esearch answer: no WebEnv/QueryKey "
                         "(the history server did not keep the search)")
    return count, webenv, query_key, warnings


def _root(response: Response, what: str) -> Element:
    if response.status != 200:
        try:
            root = parse_xml(response, what)
        except FetchError:
            raise FetchError(f"{where(response.url)}: HTTP {response.status}") from None
        text = _error_text(root)
        if text:
            raise Rejected(f"PubMed rejected the request: {text}")
        raise FetchError(f"{where(response.url)}: HTTP {response.status}")
    return parse_xml(response, what)


def _fetch_page(client: PoliteClient, base: str, run: Run, start: int, wanted: int,
                common: dict[str, str]) -> tuple[Response, int]:
    """(response, articles in it) for one efetch batch; _Expired for a forgotten WebEnv."""
    params = {"db": "pubmed", "query_key": run.extra["query_key"], "WebEnv": run.extra["webenv"],
              "retstart": start, "retmax": wanted, "retmode": "xml"}
    response = client.get(_endpoint(base, "efetch.fcgi"), {**params, **common})
    try:
        root = parse_xml(response, "PubMed page")
    except FetchError:
        if response.status != 200:
            raise FetchError(f"{where(response.url)}: HTTP {response.status}") from None
        raise
    if root.tag != "PubmedArticleSet":
        text = _error_text(root)
        if text is not None:
            raise _Expired(text)
        raise FetchError(f"{where(response.url)}: malformed PubMed page: expected "
                         f"<PubmedArticleSet>, got <{root.tag}>")
    if response.status != 200:
        raise FetchError(f"{where(response.url)}: HTTP {response.status}")
    return response, len(root.findall(pubmed_xml.ARTICLE)) + len(root.findall(pubmed_xml.BOOK))


def fetch_pubmed(
    query: str, directory: str | Path, *, max_papers: int | None = None,
    since: str | None = None, base_url: str | None = None, api_key: str | None = None,
    email: str | None = None, delay: float | None = None, page_size: int = BATCH,
    retries: int = DEFAULT_RETRIES, timeout: float = DEFAULT_TIMEOUT,
    progress: Progress | None = None,
) -> FetchResult:
    """Fetch the PubMed records matching `query` into `directory`, resuming an unfinished run.

    ValueError for arguments out of range; FetchError when the host stays unreachable,
    the query is rejected or a page is malformed (the same call then resumes).
    """
    if not query.strip():
        raise ValueError("the PubMed query is empty")
    base = check_url(base_url or DEFAULT_URL)
    since = check_since(since)
    minimum = DELAY_WITH_KEY if api_key else DELAY_NO_KEY
    delay = check_delay(minimum if delay is None else delay, minimum,
                        host_in(base, "ncbi.nlm.nih.gov"), "NCBI E-utilities")
    if not 1 <= page_size <= BATCH:
        raise ValueError(f"--page-size must be between 1 and {BATCH} for PubMed")
    if max_papers is not None and max_papers < 1:
        raise ValueError("--max must be at least 1")
    common = {"tool": TOOL}
    if email:
        common["email"] = email
    if api_key:
        common["api_key"] = api_key
    client = PoliteClient(delay, retries=retries, timeout=timeout)
    written: list[Path] = []
    notes: list[str] = []
    with PageDir(directory, "pubmed") as pages:
        run, status = open_run(pages, pubmed_xml, query=query, since=since,
                               max_papers=max_papers, base_url=base, step="requested")
        if run.extra.get("server") != base:
            run.extra.pop("webenv", None)  # a search history belongs to the server that made it
        at_start = run.fetched
        report = progress or (lambda done, total: None)
        report(run.fetched, expected(run))
        searched_now = False

        def search() -> None:
            nonlocal searched_now
            count, webenv, query_key, warnings = _search(client, base, query, run.since_date,
                                                         common)
            run.total, searched_now = count, True
            run.extra.update(webenv=webenv, query_key=query_key, server=base)
            notes.extend(w for w in warnings if w not in notes)
            pages.save(run)
            report(run.fetched, expected(run))

        try:
            if status != "complete" and not run.done and not run.extra.get("webenv"):
                search()
            while status != "complete" and not run.done:
                start = run.next_start
                if run.max is not None and run.fetched >= run.max:
                    run.done, run.stop = True, "max"
                    break
                if run.total is None or start >= run.total:
                    run.done, run.stop = True, "end"
                    break
                left = run.total - start
                if run.max is not None:
                    left = min(left, run.max - run.fetched)
                wanted = min(page_size, left)
                try:
                    response, count = _fetch_page(client, base, run, start, wanted, common)
                except _Expired as exc:
                    if searched_now:  # a fresh WebEnv refused: that is an error of the query
                        raise Rejected(f"PubMed rejected the request: {exc}") from None
                    search()  # the history server forgot the old search: run it again
                    continue
                if count == 0:
                    raise FetchError(f"{where(response.url)}: empty page at retstart={start} "
                                     f"although esearch reported {run.total} records")
                written.append(save_page(pages, run, response.body, start, wanted, count))
                report(run.fetched, expected(run))
        except FetchError as exc:
            pages.save(run)
            raise with_resume_hint(exc, run, pages) from None
        pages.save(run)
    return FetchResult(
        source="pubmed", directory=pages.dir, status=status, papers=run.fetched - at_start,
        pages=written, run_papers=run.fetched, expected=expected(run), stop=run.stop,
        since_date=run.since_date, requests=client.requests, retries=client.retried,
        notes=notes,
    )
