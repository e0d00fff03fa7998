"""RadAI Slice listing page: per paper a title line, an author line, then

    pubmed logopapersJun 11 2025        (or "arxiv logopreprint…", "medrxiv logo…")
    Abstract, directly after the marker line.

Sorting/paging controls and a newsletter box surround the records. The marker line
anchors each record: the two text lines before it are the title and the authors.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator

from kg.errors import RecordError
from kg.names import split_authors
from kg.records import PaperRecord, SourceRef
from kg.sources.text import MONTH_RE, clean_html, is_chrome, make_date, squash

ENDS_WITH_PROSE = True
NAME = "radai-slice"

_MARKER_RE = re.compile(
    r"^(?P<src>pubmed|arxiv|medrxiv|biorxiv|[a-z]+)\s*logo\s*(?P<kind>[a-z]+?)\s*"
    rf"(?P<mon>{MONTH_RE})\.?\s+(?P<day>\d{{1,2}})(?:,?\s+(?P<year>\d{{4}}))?(?P<rest>.*)$",
    re.IGNORECASE,
)
_MAX_ABSTRACT_LINES = 2000


def _marker(line: str) -> re.Match[str] | None:
    return _MARKER_RE.match(line.strip())


def sniff(head: list[str]) -> bool:
    """A "<source> logo<kind><date>" line with the abstract on the next line."""
    return any(_marker(x) for x in head)


def _record(
    path: str, title: tuple[int, str], authors: str, marker: re.Match[str], abstract: list[str]
) -> PaperRecord:
    names, complete = split_authors(clean_html(authors))
    return PaperRecord(
        title=clean_html(title[1]),
        abstract=clean_html(" ".join(abstract)) or None,
        authors=names,
        authors_complete=complete,
        date=make_date(marker["year"], marker["mon"], marker["day"]),
        sources=[SourceRef(path, title[0], NAME)],
    )


def read(lines: Iterable[tuple[int, str]], path: str) -> Iterator[PaperRecord | RecordError]:
    recent: deque[tuple[int, str]] = deque(maxlen=2)  # the last two text lines before a marker
    pending: tuple[tuple[int, str], str, re.Match[str]] | None = None
    abstract: list[str] = []
    abstract_lines: list[int] = []
    for number, raw in lines:
        text = raw.strip()
        if pending is not None:
            if text and not _marker(text) and len(abstract) < _MAX_ABSTRACT_LINES:
                abstract.append(text)
                abstract_lines.append(number)
                continue
            recent.clear()
            if text and len(abstract) >= 3:
                # No blank line before the next record: its title and authors end the run.
                recent.extend(zip(abstract_lines[-2:], abstract[-2:], strict=True))
                del abstract[-2:]
            title, authors, marker = pending
            if abstract:
                yield _record(path, title, authors, marker, abstract)
            else:
                yield RecordError(path, title[0], "record without an abstract after its date line")
            pending, abstract, abstract_lines = None, [], []
        if not text:
            continue
        m = _marker(text)
        if m:
            if len(recent) < 2:
                yield RecordError(path, number, "date line without a title and authors before it")
                recent.clear()
                continue
            title, authors = recent[0], recent[1][1]
            pending = (title, authors, m)
            rest = squash(m["rest"])
            abstract, abstract_lines = ([rest], [number]) if rest else ([], [])
        elif not is_chrome(text):
            recent.append((number, squash(text)))
    if pending is not None:
        title, authors, marker = pending
        if abstract:
            yield _record(path, title, authors, marker, abstract)
        else:
            yield RecordError(path, title[0], "truncated record: no abstract after the date line")
