"""What arXiv and PubMed fetching share: arguments, resuming a run, `--since last`, results."""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from kg.errors import FetchError, InputError
from kg.fetch.http import Response, where
from kg.fetch.pages import Page, PageDir, Run
from kg.sources.stream import iter_lines

# (papers fetched so far in this run, papers expected in all or None while unknown)
Progress = Callable[[int, "int | None"], None]

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class FetchResult:
    """What one fetch command did."""

    source: str
    directory: Path
    status: str  # "new" | "resumed" | "complete" (nothing left to fetch)
    papers: int  # fetched by this command
    pages: list[Path]  # written by this command
    run_papers: int  # in the whole run, earlier attempts included
    expected: int | None  # the run's target: --max or what the API reports, if fewer
    stop: str | None  # "max" | "end" | "since"
    since_date: str | None
    requests: int = 0
    retries: int = 0
    notes: list[str] = field(default_factory=list)


def check_since(since: str | None) -> str | None:
    """`--since`: None, "last" or a real YYYY-MM-DD date; ValueError otherwise."""
    if since is None or since == "last":
        return since
    if _DATE_RE.match(since):
        try:
            dt.date.fromisoformat(since)
            return since
        except ValueError:
            pass
    raise ValueError(f"--since must be a date YYYY-MM-DD or 'last', not {since!r}")


def check_url(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"--base-url must be an http(s) URL, not {url!r}")
    return url


def host_in(url: str, domain: str) -> bool:
    host = (urllib.parse.urlsplit(url).hostname or "").lower()
    return host == domain or host.endswith("." + domain)


def check_delay(delay: float, minimum: float, official: bool, service: str) -> float:
    """The pause between requests; never below the service's own rule against its own host."""
    if delay < 0:
        raise ValueError("--delay cannot be negative")
    if official and delay < minimum - 1e-9:
        raise ValueError(f"--delay {delay:g} is shorter than the {minimum:.3g} s between "
                         f"requests that {service} asks for; a shorter delay is only "
                         "allowed with --base-url pointing at another host")
    return delay


def parse_xml(response: Response, what: str) -> Element:
    """The root of a response's XML; FetchError naming the URL and line when it is malformed."""
    if b"\x00" in response.body:
        raise FetchError(f"{where(response.url)}: malformed {what}: binary data, not XML")
    try:
        response.body.decode("utf-8")
    except UnicodeDecodeError:
        raise FetchError(f"{where(response.url)}: malformed {what}: not UTF-8 text") from None
    try:
        return SafeET.fromstring(response.body)
    except ParseError as exc:
        line = exc.position[0] if exc.position else "?"
        message = str(exc).split(":")[0]
        raise FetchError(f"{where(response.url)}: malformed {what} (line {line}: {message}); "
                         "nothing was written for it") from None
    except DefusedXmlException as exc:
        raise FetchError(f"{where(response.url)}: {what} refused: it declares XML entities "
                         f"({type(exc).__name__})") from None


def count_records(path: Path, reader: ModuleType) -> int:
    """Records (good or bad) in a page already written; a page of ours always reads."""
    try:
        return sum(1 for _ in reader.read(iter_lines(path), str(path)))
    except InputError as exc:
        raise FetchError(f"{exc} (a page in the fetch folder; delete it to fetch it again)") \
            from None


def newest_date(pages: PageDir, reader: ModuleType) -> str | None:
    """The newest paper date in the folder's pages of this source, at most today."""
    newest: str | None = None
    for _, path in pages.page_files():
        try:
            for item in reader.read(iter_lines(path), str(path)):
                date = getattr(item, "date", None)
                if date and (newest is None or date > newest):
                    newest = date
        except InputError:
            continue  # a foreign or damaged file says nothing about what was fetched
    today = dt.date.today().isoformat()
    return min(newest, today) if newest else None


def adopt_pending(pages: PageDir, run: Run, reader: ModuleType) -> None:
    """A page written just before a kill, its state not yet updated: count it as done."""
    pending, run.pending = run.pending, None
    if pending is not None and pages.path(pending.file).is_file():
        pending.count = count_records(pages.path(pending.file), reader)
        run.pages.append(pending)


def open_run(
    pages: PageDir, reader: ModuleType, *, query: str, since: str | None,
    max_papers: int | None, base_url: str, step: str,
) -> tuple[Run, str]:
    """The run this command continues ("resumed"), ends ("complete"), or a "new" one.

    The same query with the same --since continues an unfinished run, or one that stopped
    at a smaller --max. `--since last` after a finished run starts a new run from the
    newest date in the folder; any other finished run has nothing left to fetch.
    """
    old = pages.load()
    if old is not None and old.query == query and old.since == since:
        adopt_pending(pages, old, reader)
        grown = old.stop == "max" and (max_papers is None or max_papers > old.fetched)
        if not old.done or grown:
            old.max, old.done, old.stop, old.base_url = max_papers, False, None, base_url
            pages.save(old)
            return old, "resumed"
        if since != "last":
            pages.save(old)
            return old, "complete"
    since_date = since
    if since == "last":
        since_date = newest_date(pages, reader)
        if since_date is None:
            raise FetchError(f"--since last: {pages.dir} holds no {pages.source} pages to take "
                             "a date from; give a date for the first fetch (--since YYYY-MM-DD)")
    run = Run(source=pages.source, query=query, since=since, since_date=since_date,
              max=max_papers, first_page=pages.next_number(), base_url=base_url, step=step)
    pages.save(run)
    return run, "new"


def expected(run: Run) -> int | None:
    if run.total is None:
        return run.max
    return run.total if run.max is None else min(run.max, run.total)


def save_page(pages: PageDir, run: Run, body: bytes, start: int, requested: int,
              count: int) -> Path:
    """Write one page: pending in the state, the page itself, then the state again."""
    page = Page(file=pages.path(f"{pages.source}-{run.next_file():06d}.xml").name,
                start=start, requested=requested, count=count)
    run.pending = page
    pages.save(run)
    path = pages.write_page(run.next_file(), body)
    run.pending = None
    run.pages.append(page)
    pages.save(run)
    return path


class Rejected(FetchError):
    """The API refused the query itself: running the command again would not help."""


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def with_resume_hint(exc: FetchError, run: Run, pages: PageDir) -> FetchError:
    """The error to show: a rejected query as it is, anything else with how to resume."""
    if isinstance(exc, Rejected):
        return exc
    return FetchError(f"{exc}; {plural(run.fetched, 'paper')} in {plural(len(run.pages), 'page')}"
                      f" saved in {pages.dir}, rerun the same command to resume")
