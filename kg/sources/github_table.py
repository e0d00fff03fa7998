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
from kg.records import PaperRecord
from kg.sources.tables import header_columns, row_record
from kg.sources.text import squash

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
    """A markdown table whose rows carry a bold link to arXiv, or a header naming Title and
    Abstract columns (and no Authors column: that is cv-arxiv-daily's shape)."""
    rows = [x for x in head if _ROW_RE.match(x)]
    if any(_LINKED_TITLE_RE.search(x) and "arxiv.org/" in x.lower() for x in rows):
        return True
    headers = [header_columns(split_cells(x)) for x in rows]
    return any(h and "abstract" in h for h in headers) and any(_SEPARATOR_RE.match(x) for x in rows)


def read(lines: Iterable[tuple[int, str]], path: str) -> Iterator[PaperRecord | RecordError]:
    return read_rows(lines, path, NAME, _DEFAULT_COLUMNS)


def read_rows(
    lines: Iterable[tuple[int, str]], path: str, fmt: str, default_columns: list[str]
) -> Iterator[PaperRecord | RecordError]:
    """Records from the rows of every Markdown table in `lines`; each header row sets the
    columns of the rows under it."""
    columns = list(default_columns)
    for number, raw in lines:
        if not _ROW_RE.match(raw):
            continue  # headings, prose, blank lines: page chrome around the tables
        if _SEPARATOR_RE.match(raw):
            continue
        cells = split_cells(raw)
        names = header_columns(cells)
        if names is not None:
            columns = names  # a header row: remember this table's column order
            continue
        if not raw.rstrip().endswith("|") or len(cells) < len(columns):
            reason = f"truncated table row ({len(cells)} of {len(columns)} cells)"
            yield RecordError(path, number, reason)
            continue
        if _OPEN_RE.search(raw) and len(_OPEN_RE.findall(raw)) != len(_CLOSE_RE.findall(raw)):
            yield RecordError(path, number, "table row with an unclosed <details> block")
            continue
        record = row_record(cells, columns, path, number, fmt)
        if not record.title:
            yield RecordError(path, number, "table row without a title")
            continue
        record.title = squash(record.title)
        yield record
