"""`kg fetch arxiv`: pages of the arXiv API (Atom feeds), newest submissions first.

GET {base}?search_query=Q&start=N&max_results=K&sortBy=submittedDate&sortOrder=descending,
N advancing by the entries each page holds, until --max papers, the end of the results
(opensearch:totalResults), or a page reaching papers older than --since (that page is kept
as returned, older papers included; a page holding only older papers is not written).
arXiv asks for one request every 3 seconds on a single connection: the client never goes
faster against arxiv.org, whatever --delay says.
"""

from __future__ import annotations

from pathlib import Path

from kg.errors import FetchError
from kg.fetch.http import DEFAULT_RETRIES, DEFAULT_TIMEOUT, PoliteClient, Response, where
from kg.fetch.pages import PageDir
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
from kg.sources import arxiv_atom

DEFAULT_URL = "https://export.arxiv.org/api/query"
MIN_DELAY = 3.0
PAGE_SIZE = 100
MAX_PAGE_SIZE = 2000  # the API's own limit per request
_OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"


def _rejection(root) -> str | None:
    """The message of the error entry the API sends for a query it rejects."""
    for entry in root.findall(arxiv_atom.ENTRY):
        if arxiv_atom.is_error_entry(entry):
            summary = entry.find(f"{{{arxiv_atom.ATOM}}}summary")
            text = " ".join("".join(summary.itertext()).split()) if summary is not None else ""
            return f"arXiv rejected the query: {text or 'error entry without a message'}"
    return None


class _AtomPage:
    """What the fetcher needs from one feed: the reported total and each entry's date."""

    def __init__(self, response: Response) -> None:
        if response.status != 200:
            try:
                root = parse_xml(response, "arXiv page")
            except FetchError:
                root = None
            rejected = _rejection(root) if root is not None else None
            if rejected:
                raise Rejected(rejected)
            raise FetchError(f"{where(response.url)}: HTTP {response.status}")
        root = parse_xml(response, "arXiv page")
        if root.tag != arxiv_atom.FEED:
            raise FetchError(f"{where(response.url)}: malformed arXiv page: expected an Atom "
                             f"feed, got <{root.tag.rsplit('}', 1)[-1]}>")
        rejected = _rejection(root)
        if rejected:
            raise Rejected(rejected)
        total = root.find(f"{{{_OPENSEARCH}}}totalResults")
        try:
            self.total = int((total.text or "").strip()) if total is not None else -1
        except ValueError:
            self.total = -1
        if self.total < 0:
            raise FetchError(f"{where(response.url)}: malformed arXiv page: no "
                             "opensearch:totalResults")
        entries = root.findall(arxiv_atom.ENTRY)
        self.count = len(entries)
        self.dates = [arxiv_atom.entry_date(e) for e in entries]


def fetch_arxiv(
    query: str, directory: str | Path, *, max_papers: int | None = None,
    since: str | None = None, base_url: str | None = None, delay: float | None = None,
    page_size: int = PAGE_SIZE, retries: int = DEFAULT_RETRIES,
    timeout: float = DEFAULT_TIMEOUT, progress: Progress | None = None,
) -> FetchResult:
    """Fetch the papers matching `query` into `directory`, resuming an unfinished run.

    ValueError for arguments out of range (a delay under 3 s against arxiv.org); FetchError
    when the host stays unreachable, the query is rejected or a page is malformed, after
    which the same call resumes where this one stopped.
    """
    if not query.strip():
        raise ValueError("the arXiv query is empty")
    url = check_url(base_url or DEFAULT_URL)
    since = check_since(since)
    delay = check_delay(MIN_DELAY if delay is None else delay, MIN_DELAY,
                        host_in(url, "arxiv.org"), "the arXiv API")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"--page-size must be between 1 and {MAX_PAGE_SIZE} for arXiv")
    if max_papers is not None and max_papers < 1:
        raise ValueError("--max must be at least 1")
    client = PoliteClient(delay, retries=retries, timeout=timeout)
    written: list[Path] = []
    with PageDir(directory, "arxiv") as pages:
        run, status = open_run(pages, arxiv_atom, query=query, since=since,
                               max_papers=max_papers, base_url=url, step="count")
        at_start = run.fetched
        report = progress or (lambda done, total: None)
        report(run.fetched, expected(run))
        try:
            while status != "complete" and not run.done:
                if run.max is not None and run.fetched >= run.max:
                    run.done, run.stop = True, "max"
                    break
                if run.total is not None and run.next_start >= run.total:
                    run.done, run.stop = True, "end"
                    break
                start = run.next_start
                wanted = page_size if run.max is None else min(page_size, run.max - run.fetched)
                params = {"search_query": query, "start": start, "max_results": wanted,
                          "sortBy": "submittedDate", "sortOrder": "descending"}
                page, response = _fetch_nonempty(client, url, params, start)
                run.total = page.total
                if page.count == 0:  # past the last result
                    run.done, run.stop = True, "end"
                    break
                since_date = run.since_date
                older = [d for d in page.dates if since_date and d and d < since_date]
                if older and len(older) == page.count:
                    run.done, run.stop = True, "since"
                    break
                written.append(save_page(pages, run, response.body, start, wanted, page.count))
                report(run.fetched, expected(run))
                if older:
                    run.done, run.stop = True, "since"
        except FetchError as exc:
            pages.save(run)
            raise with_resume_hint(exc, run, pages) from None
        pages.save(run)
    return FetchResult(
        source="arxiv", directory=pages.dir, status=status, papers=run.fetched - at_start,
        pages=written, run_papers=run.fetched, expected=expected(run), stop=run.stop,
        since_date=run.since_date, requests=client.requests, retries=client.retried,
    )


def _fetch_nonempty(
    client: PoliteClient, url: str, params: dict[str, object], start: int,
) -> tuple[_AtomPage, Response]:
    """One page; an empty page before the reported end is asked for again (the API is known
    to return one now and then), within the client's retry budget."""
    for attempt in range(client.retries + 1):
        response = client.get(url, params)
        page = _AtomPage(response)
        if page.count or start >= page.total:
            return page, response
        if attempt < client.retries:
            client.retried += 1
            client.sleep(client.backoff * 2**attempt)
    raise FetchError(f"{where(url)}: empty page at start={start} although the API reports "
                     f"{page.total} results (asked {client.retries + 1} times)")
