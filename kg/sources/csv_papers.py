"""CSV (or TSV) exports of papers: a header row naming at least a title and an abstract
column (Scopus, Web of Science, Dimensions, Zotero and spreadsheet exports), one paper per
row. Parsed by the standard csv module; columns are mapped like JSON fields
(kg.sources.paper_fields), so "Title", "Abstract", "Authors", "Year", "DOI", "Link",
"Author Keywords" all land where they belong.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from kg.errors import RecordError
from kg.records import PaperRecord
from kg.sources.paper_fields import ABSTRACT_KEYS, TITLE_KEYS, norm_key, paper_record

NAME = "csv"
ENDS_WITH_PROSE = True
_DELIMITERS = (",", "\t", ";")
_MAX_FIELD = 1_000_000
# Scopus and Web of Science name some columns their own way.
_ALIASES = {"ti": "title", "ab": "abstract", "documenttitle": "title", "authorkeywords":
            "keywords", "indexkeywords": "subjects", "py": "year", "di": "doi", "au": "authors",
            "authorfullnames": "authors", "sourcetitle": "venue", "so": "venue"}


def _columns(cells: list[str]) -> list[str]:
    names = [norm_key(c) for c in cells]
    return [_ALIASES.get(n, n) for n in names]


def _header(line: str) -> tuple[str, list[str]] | None:
    for delimiter in _DELIMITERS:
        if delimiter not in line:
            continue
        try:
            cells = next(csv.reader([line], delimiter=delimiter))
        except csv.Error:
            continue
        names = _columns(cells)
        if any(n in TITLE_KEYS for n in names) and any(n in ABSTRACT_KEYS for n in names):
            return delimiter, names
    return None


def sniff(head: list[str]) -> bool:
    """A first non-empty line that is a CSV header with title and abstract columns."""
    first = next((line for line in head if line.strip()), "")
    return _header(first.lstrip("\ufeff")) is not None


def read(lines: Iterable[tuple[int, str]], path: str) -> Iterator[PaperRecord | RecordError]:
    csv.field_size_limit(_MAX_FIELD)
    it = iter(lines)
    header = None
    for _, text in it:
        if text.strip():
            header = _header(text.lstrip("\ufeff"))
            break
    if header is None:
        return
    delimiter, columns = header
    numbers: list[int] = []

    def texts() -> Iterator[str]:
        for number, text in it:
            numbers.append(number)
            yield text + "\n"

    reader = csv.reader(texts(), delimiter=delimiter)
    while True:
        before = len(numbers)
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield RecordError(path, numbers[-1] if numbers else 1, f"bad CSV row ({exc})")
            continue
        start = numbers[before] if len(numbers) > before else (numbers[-1] if numbers else 1)
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(columns) // 2:
            yield RecordError(path, start, f"CSV row with {len(row)} of {len(columns)} columns")
            continue
        obj = {name: cell for name, cell in zip(columns, row, strict=False) if cell.strip()}
        record = paper_record(obj, path, start, NAME)
        if record is None:
            yield RecordError(path, start, "CSV row without a title or abstract")
        else:
            yield record
