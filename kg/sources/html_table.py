"""HTML `<table>`s of papers inside Markdown (or HTML) files: a header row of `<th>` cells
naming the columns (Publish Date, Title, Authors, URL, Abstract...), one `<tr>` per paper.

Parsed with the standard library's HTMLParser, fed line by line, so tables stream and every
row keeps the line it starts on. Links in cells become Markdown links "[text](href)" so
the same row mapping as for Markdown tables applies (kg.sources.tables).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser

from kg.errors import RecordError
from kg.records import PaperRecord
from kg.sources.tables import header_columns, row_record

NAME = "html-table"
ENDS_WITH_PROSE = False

_TABLE_RE = re.compile(r"<table\b", re.I)
_TH_RE = re.compile(r"<th\b[^>]*>\s*([^<]*?)\s*</th>", re.I)


def sniff(head: list[str]) -> bool:
    """A `<table>` whose header cells name a Title column."""
    text = "\n".join(head)
    if not _TABLE_RE.search(text):
        return False
    names = [m[1] for m in _TH_RE.finditer(text)]
    if names and header_columns(names):
        return True
    # Tables whose first row uses <td> for its names.
    rows = re.findall(r"<tr\b[^>]*>(.*?)</tr>", text, re.I | re.S)
    return any(
        header_columns(re.findall(r"<t[dh]\b[^>]*>(.*?)</t[dh]>", row, re.I | re.S))
        for row in rows[:3]
    )


class _TableParser(HTMLParser):
    """Collects finished rows as (line, [cell text], is_header); nested tables are flattened."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[tuple[int, list[str], bool]] = []
        self.in_table = 0
        self.row: list[str] | None = None
        self.row_line = 0
        self.header = False
        self.cell: list[str] | None = None
        self.href: str | None = None
        self.link_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.in_table += 1
        elif not self.in_table:
            return
        elif tag == "tr":
            self._end_row()
            self.row, self.row_line, self.header = [], self.getpos()[0], False
        elif tag in ("td", "th"):
            self._end_cell()
            if self.row is None:
                self.row, self.row_line, self.header = [], self.getpos()[0], False
            self.cell = []
            self.header = self.header or tag == "th"
        elif tag == "a" and self.cell is not None:
            self.href = dict(attrs).get("href")
            self.link_text = []
        elif tag in ("br", "p", "li", "div") and self.cell is not None:
            self.cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if not self.in_table:
            return
        if tag == "a" and self.cell is not None and self.href is not None:
            text = "".join(self.link_text).strip() or "link"
            self.cell.append(f"[{text.replace(']', ')')}]({self.href})")
            self.href = None
        elif tag in ("td", "th"):
            self._end_cell()
        elif tag == "tr":
            self._end_row()
        elif tag == "table":
            self._end_row()
            self.in_table -= 1

    def handle_data(self, data: str) -> None:
        if self.cell is None:
            return
        if self.href is not None:
            self.link_text.append(data)
        else:
            self.cell.append(data)

    def _end_cell(self) -> None:
        if self.cell is not None and self.row is not None:
            self.row.append(" ".join("".join(self.cell).split()))
        self.cell = None

    def _end_row(self) -> None:
        self._end_cell()
        if self.row:
            self.rows.append((self.row_line, self.row, self.header))
        self.row = None

    def unfinished_row(self) -> int | None:
        """The line of a row still open at the end of the input (a cut file)."""
        return self.row_line if self.row is not None else None


def read(lines: Iterable[tuple[int, str]], path: str) -> Iterator[PaperRecord | RecordError]:
    parser = _TableParser()
    columns: list[str] | None = None
    for _, text in lines:
        parser.feed(text + "\n")
        rows, parser.rows = parser.rows, []
        for line, cells, is_header in rows:
            names = header_columns(cells)
            if names is not None:
                columns = names
                continue
            if is_header:
                columns = None  # a table of something else: its rows are not papers
                continue
            if columns is None:
                continue
            if len(cells) < len(columns):
                reason = f"table row with {len(cells)} of {len(columns)} cells"
                yield RecordError(path, line, reason)
                continue
            record = row_record(cells, columns, path, line, NAME)
            if not record.title:
                yield RecordError(path, line, "table row without a title")
                continue
            yield record
    parser.close()
    if (cut := parser.unfinished_row()) is not None and columns is not None:
        yield RecordError(path, cut, "truncated record: the table row is cut off")
