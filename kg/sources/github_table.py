"""GitHub "daily arXiv" markdown table: one row per paper.

    | **[Title](http://arxiv.org/abs/ID)** | 2025-02-24 | <details>…<p>abstract</p></details>
      | comment | [Code Link](url) |                         (all on one line)

Columns are read by the header row's names when there is one (Title, Date, Abstract,
Comment, Code...), else in that default order. Cells are split on `|` outside HTML
`<details>` blocks, so a comment's HTML or an escaped `\\|` never shifts the columns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from kg.errors import RecordError
from kg.names import split_authors
from kg.records import PaperRecord, SourceRef
from kg.sources.text import arxiv_from_url, clean_html, parse_date, squash, urls_in

NAME = "github-daily-arxiv"

_ROW_RE = re.compile(r"^\s*\|.*")
_SEPARATOR_RE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")
_LINKED_TITLE_RE = re.compile(r"\*\*\s*\[(?P<title>.+?)\]\((?P<url>[^)\s]+)\)\s*\*\*")
_PLAIN_LINK_RE = re.compile(r"\[(?P<title>.+?)\]\((?P<url>[^)\s]+)\)")
_DEFAULT_COLUMNS = ["title", "date", "abstract", "comment", "code"]
_OPEN_RE = re.compile(r"<details\b", re.I)
_CLOSE_RE = re.compile(r"</details\s*>", re.I)
# What matters when splitting a row: escaped pipes (skipped), pipes, and <details> nesting.
_CELL_TOKEN_RE = re.compile(r"\\\||\||<details\b|</details\s*>", re.I)


def _column_name(cell: str) -> str:
    word = re.sub(r"[^a-z]", "", cell.lower())
    for key in ("title", "date", "abstract", "comment", "code", "author", "pdf"):
        if key in word:
            return key
    return word


def split_cells(row: str) -> list[str]:
    """Cells of a markdown table row, not splitting inside <details>…</details> or on `\\|`."""
    text = row.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    cells: list[str] = []
    depth, start = 0, 0
    for m in _CELL_TOKEN_RE.finditer(text):
        token = m.group()
        if token == "|":
            if depth == 0:
                cells.append(text[start : m.start()])
                start = m.end()
        elif token[1] == "/":
            depth = max(depth - 1, 0)
        elif token[0] == "<":
            depth += 1
    cells.append(text[start:])
    return [c.strip().replace("\\|", "|") for c in cells]


def sniff(head: list[str]) -> bool:
    """A markdown table whose rows carry a bold link to arXiv and a <details> abstract."""
    rows = [x for x in head if _ROW_RE.match(x)]
    if any(_LINKED_TITLE_RE.search(x) and "arxiv.org/" in x.lower() for x in rows):
        return True
    return any(
        "title" in x.lower() and "abstract" in x.lower() and x.count("|") >= 3 for x in rows
    ) and any(_SEPARATOR_RE.match(x) for x in rows)


def _parse_row(cells: list[str], columns: list[str], path: str, number: int) -> PaperRecord:
    by_name: dict[str, str] = {}
    for name, cell in zip(columns, cells, strict=False):
        by_name.setdefault(name, cell)
    title_cell = by_name.get("title", "")
    m = _LINKED_TITLE_RE.search(title_cell) or _PLAIN_LINK_RE.search(title_cell)
    if m:
        title, url = m["title"], m["url"]
    else:
        title, url = title_cell.strip("* "), None
    record = PaperRecord(title=clean_html(title) or None, sources=[SourceRef(path, number, NAME)])
    if url:
        record.url = url
        record.arxiv = arxiv_from_url(url)
    record.date = parse_date(by_name.get("date", ""))
    abstract = clean_html(by_name.get("abstract", ""))
    record.abstract = abstract or None
    comment = clean_html(by_name.get("comment", ""))
    if comment and comment.lower() not in {"none", "null", "n/a", "-"}:
        record.comment = comment
    record.code = urls_in(by_name.get("code", ""))
    if "author" in by_name:
        authors, complete = split_authors(clean_html(by_name["author"]))
        record.authors, record.authors_complete = authors, complete
    return record


def read(lines: Iterable[tuple[int, str]], path: str) -> Iterator[PaperRecord | RecordError]:
    columns = list(_DEFAULT_COLUMNS)
    for number, raw in lines:
        if not _ROW_RE.match(raw):
            continue  # headings, prose, blank lines: page chrome around the tables
        if _SEPARATOR_RE.match(raw):
            continue
        cells = split_cells(raw)
        if not _LINKED_TITLE_RE.search(cells[0]) and not _PLAIN_LINK_RE.search(cells[0]):
            names = [_column_name(c) for c in cells]
            if "title" in names:
                columns = names  # a header row: remember this table's column order
                continue
        if not raw.rstrip().endswith("|") or len(cells) < len(columns):
            reason = f"truncated table row ({len(cells)} of {len(columns)} cells)"
            yield RecordError(path, number, reason)
            continue
        if _OPEN_RE.search(raw) and len(_OPEN_RE.findall(raw)) != len(_CLOSE_RE.findall(raw)):
            yield RecordError(path, number, "table row with an unclosed <details> block")
            continue
        record = _parse_row(cells, columns, path, number)
        if not record.title:
            yield RecordError(path, number, "table row without a title")
            continue
        record.title = squash(record.title)
        yield record
