"""cv-arxiv-daily tables (GitHub READMEs written by the cv-arxiv-daily script and its forks):
one Markdown table per topic section, one row per paper.

    |Publish Date|Title|Authors|PDF|Code|
    |---|---|---|---|---|
    |**2026-05-13**|**A Title**|Christina Kassab et.al.|[2605.13741](http://arxiv.org/abs/2605.13741)|null|

Cells may be bold or plain; the code cell is "null" or a (bold) link; the PDF cell holds the
arXiv id and its abs link. Authors are the first author followed by "et.al.", so the list
is incomplete and "et.al." is never a person. The same paper in several sections is one
record per row; kg's identity pass merges them by arXiv id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from kg.errors import RecordError
from kg.records import PaperRecord
from kg.sources.github_table import read_rows, split_cells
from kg.sources.tables import header_columns

NAME = "cv-arxiv-daily"

_ROW_RE = re.compile(r"^\s*\|.*\|\s*$")
# A data row: a date cell, and an arXiv abs link (or a bare id) in a later cell.
_DATA_ROW_RE = re.compile(
    r"^\s*\|\s*\**\s*\d{4}-\d{2}-\d{2}\s*\**\s*\|.*\|\s*\[?\s*(?:\d{4}\.\d{4,5}|"
    r"[^|]*arxiv\.org/(?:abs|pdf)/)",
    re.I,
)
_DEFAULT_COLUMNS = ["date", "title", "authors", "pdf", "code"]


def sniff(head: list[str]) -> bool:
    """A table header naming Title with Authors or PDF columns, or rows of that shape."""
    for line in head:
        if not _ROW_RE.match(line):
            continue
        columns = header_columns(split_cells(line))
        if columns and "abstract" not in columns and ("authors" in columns or "pdf" in columns):
            return True
    return sum(1 for line in head if _DATA_ROW_RE.match(line)) >= 2


def read(lines: Iterable[tuple[int, str]], path: str) -> Iterator[PaperRecord | RecordError]:
    return read_rows(lines, path, NAME, _DEFAULT_COLUMNS)
