"""Author profile page: a header (name, h-index, counts), then per paper

    CVSep 11, 2024Code        <- arXiv category, date ("Mon D, YYYY" or "Mon D"), code flag
    Title
    A. Author, B. Author, C. Author et al. · affiliation
    Abstract paragraph

A date without a year ("Mar 11") is the site's "this year" and is left out, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from kg.errors import RecordError
from kg.names import split_authors
from kg.records import PaperRecord, SourceRef
from kg.sources.text import MONTH_RE, clean_html, is_chrome, make_date, squash

ENDS_WITH_PROSE = True
NAME = "author-profile"

_HEADER_RE = re.compile(
    rf"^(?P<cat>[A-Za-z][A-Za-z-]*?(?:\.[A-Za-z-]+)?)?(?P<mon>{MONTH_RE})\.?\s+(?P<day>\d{{1,2}})"
    r"(?:,\s*(?P<year>\d{4}))?\s*(?P<code>Code)?$"
)
_PROFILE_RE = re.compile(r"^h-?index\s*:?\s*\d+$|^\d[\d,]*\s*(?:papers|citations)$", re.I)
_MAX_ITEMS = 2000


def _header(line: str, strict: bool = True) -> re.Match[str] | None:
    """A paper header; outside sniffing, one without category counts if it has a year."""
    m = _HEADER_RE.match(line.strip())
    if m is None:
        return None
    return m if m["cat"] or (not strict and (m["year"] or m["code"])) else None


def sniff(head: list[str]) -> bool:
    """Paper header lines glued as category+date ("IVMar 16, 2022"), on a profile page."""
    headers = sum(1 for x in head if _header(x))
    profile = any(_PROFILE_RE.match(x.strip()) for x in head[:60])
    return headers >= 2 or (headers >= 1 and profile)


def _looks_like_abstract(text: str) -> bool:
    return len(text) >= 300 and text.count(". ") >= 2 and " et al" not in text[-30:]


def _build(
    path: str, start: int, header: re.Match[str], items: list[tuple[int, str, int]]
) -> PaperRecord | RecordError:
    items = [it for it in items if not is_chrome(it[1])]
    if not items:
        return RecordError(path, start, "truncated record: date line without a title")
    if len(items) < 2:
        return RecordError(path, start, "truncated record: title without an abstract")
    title = squash(items[0][1])
    rest = items[1:]
    authors_text: str | None = None
    if len(rest) >= 2 or not _looks_like_abstract(rest[0][1]):
        authors_text = rest[0][1]
        rest = rest[1:]
    if not rest:
        return RecordError(path, start, "truncated record: no abstract")
    # The abstract is the first paragraph; later paragraphs join only if they read as prose.
    first_para = rest[0][2]
    kept = [t for _, t, p in rest if p == first_para or len(t) >= 80]
    record = PaperRecord(
        title=clean_html(title),
        abstract=clean_html(" ".join(kept)) or None,
        date=make_date(header["year"], header["mon"], header["day"]),
        categories=[header["cat"]] if header["cat"] else [],
        sources=[SourceRef(path, start, NAME)],
    )
    if authors_text:
        names, _, affiliation = authors_text.partition("·")
        authors, complete = split_authors(names)
        if affiliation.strip() and authors:
            # The listing shows one affiliation per paper, next to the leading author.
            authors[0].affiliation = squash(affiliation)
        record.authors, record.authors_complete = authors, complete
    return record


def read(lines: Iterable[tuple[int, str]], path: str) -> Iterator[PaperRecord | RecordError]:
    header: re.Match[str] | None = None
    start = 0
    items: list[tuple[int, str, int]] = []
    para = 0
    prev_blank = False
    for number, raw in lines:
        text = raw.strip()
        if not text:
            prev_blank = True
            continue
        m = _header(text, strict=header is None)
        if m:
            if header is not None:
                yield _build(path, start, header, items)
            header, start, items, para = m, number, [], 0
        elif header is not None:
            if prev_blank:
                para += 1
            if len(items) < _MAX_ITEMS:
                items.append((number, text, para))
        prev_blank = False
    if header is not None:
        yield _build(path, start, header, items)
