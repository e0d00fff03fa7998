"""Tables of papers, shared by the Markdown and HTML table readers: header cells to column
names, and one row of cells to a PaperRecord.

A header is recognised by whole cell names ("Title", "Publish Date", "Authors", "PDF"),
never by substrings, so a paper titled "... Subtitle ..." is never taken for a header.
"""

from __future__ import annotations

import re

from kg.names import split_authors
from kg.records import PaperRecord, SourceRef
from kg.sources.text import (
    ARXIV_ID,
    arxiv_from_url,
    arxiv_url,
    clean_html,
    parse_date,
    squash,
    urls_in,
)

# Whole header cell (lower case, letters only) -> column.
COLUMN_NAMES = {
    "title": "title", "papertitle": "title", "papers": "title", "papername": "title",
    "date": "date", "publishdate": "date", "published": "date", "publicationdate": "date",
    "submitted": "date", "submissiondate": "date", "pubdate": "date",
    "author": "authors", "authors": "authors", "firstauthor": "authors",
    "pdf": "pdf", "url": "pdf", "link": "pdf", "links": "pdf", "arxiv": "pdf", "arxivid": "pdf",
    "paperlink": "pdf", "doi": "pdf",
    "abstract": "abstract", "summary": "abstract", "tldr": "abstract",
    "comment": "comment", "comments": "comment", "note": "comment", "notes": "comment",
    "venue": "comment", "conference": "comment",
    "code": "code", "coderepository": "code", "repo": "code", "repository": "code",
    "github": "code", "codelink": "code", "codes": "code",
}

_LINK_RE = re.compile(r"\[(?P<text>(?:[^\[\]]|\[[^\[\]]*\])+?)\]\((?P<url>[^)\s]+)\)")
_ARXIV_ID_RE = re.compile(rf"^\s*(?:arXiv:\s*)?({ARXIV_ID})(?:v\d+)?\s*$", re.I)
_DOI_RE = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>|]+)", re.I)
_NULLS = {"", "null", "none", "n/a", "na", "-", "—", "tbd", "coming soon"}


def column_of(cell: str) -> str | None:
    """Column a header cell names, or None when the cell is not a known column name."""
    word = re.sub(r"[^a-z]", "", clean_html(cell.replace("*", "")).lower())
    return COLUMN_NAMES.get(word)


def header_columns(cells: list[str]) -> list[str] | None:
    """Column names when `cells` are a header row (every cell a known name, one of them
    "paper" or "title"), else None."""
    names = []
    for cell in cells:
        word = re.sub(r"[^a-z]", "", clean_html(cell.replace("*", "")).lower())
        if word == "paper":
            names.append("paper")
            continue
        name = COLUMN_NAMES.get(word)
        if name is None:
            return None
        names.append(name)
    if "paper" in names:
        # "Paper" is the title column unless another column already is.
        names = [("pdf" if "title" in names else "title") if n == "paper" else n for n in names]
    return names if "title" in names else None


def _is_null(text: str) -> bool:
    return clean_html(text.replace("*", "")).strip().lower() in _NULLS


def row_record(
    cells: list[str], columns: list[str], path: str, number: int, fmt: str
) -> PaperRecord:
    """A record from one row's cells (Markdown or HTML source text) under `columns`."""
    by_name: dict[str, str] = {}
    for name, cell in zip(columns, cells, strict=False):
        by_name.setdefault(name, cell)
    title_cell = by_name.get("title", "")
    link = _LINK_RE.search(title_cell)
    if link:
        title, url = link["text"], link["url"]
    else:
        title, url = title_cell, None
    record = PaperRecord(
        title=squash(clean_html(title.replace("**", ""))) or None,
        sources=[SourceRef(path, number, fmt)],
    )
    if url:
        record.url = url
        record.arxiv = arxiv_from_url(url)
    record.date = parse_date(clean_html(by_name.get("date", "")))
    abstract = clean_html(by_name.get("abstract", ""))
    record.abstract = abstract or None
    comment = clean_html(by_name.get("comment", ""))
    if comment and not _is_null(comment):
        record.comment = comment
    pdf = by_name.get("pdf", "")
    if pdf and not _is_null(pdf):
        _identify(record, pdf)
    code = by_name.get("code", "")
    record.code = [] if _is_null(code) else urls_in(code)
    if "authors" in by_name:
        names, complete = split_authors(clean_html(by_name["authors"]))
        record.authors = [a for a in names if a.name]
        record.authors_complete = complete and bool(record.authors)
    else:
        record.authors_complete = False  # the table has no authors column
    return record


def _identify(record: PaperRecord, cell: str) -> None:
    """arXiv id, DOI and URL from a PDF/link cell: "[2605.13741](http://arxiv.org/abs/…)"."""
    links = _LINK_RE.findall(cell)
    urls = [u for _, u in links] or urls_in(cell)
    texts = [t for t, _ in links] or [clean_html(cell)]
    for url in urls:
        if arxiv := arxiv_from_url(url):
            record.arxiv = record.arxiv or arxiv
            record.url = record.url or arxiv_url(arxiv)
        elif m := _DOI_RE.search(url):
            record.doi = record.doi or m[1].rstrip(".")
        record.url = record.url or url
    for text in texts:
        if m := _ARXIV_ID_RE.match(clean_html(text)):
            record.arxiv = record.arxiv or m[1]
            record.url = record.url or arxiv_url(m[1])
