"""Choosing a reader by what a file contains (its first lines), never by its name.

A reader module has `NAME`, `sniff(head_lines) -> bool` and `read(lines, path)`; a reader
whose records end in prose that a cut file can truncate sets `ENDS_WITH_PROSE = True`.
A reader may also have `refuse(head) -> str | None`: a reason to refuse a file it
recognised (a JSON file that holds no paper records), shown as the file's error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Protocol

from kg.errors import InputError, RecordError
from kg.records import PaperRecord
from kg.sources import (
    arxiv_atom,
    arxiv_listing,
    author_profile,
    awesome_list,
    bibtex,
    csv_papers,
    cv_arxiv_daily,
    github_table,
    hf_papers,
    html_table,
    json_papers,
    pubmed_xml,
    radai_slice,
    ris,
)
from kg.sources.stream import display_path, read_head


class Reader(Protocol):
    NAME: str

    def sniff(self, head: list[str]) -> bool: ...

    def read(
        self, lines: Iterable[tuple[int, str]], path: str
    ) -> Iterator[PaperRecord | RecordError]: ...


# Most specific first: structured formats, then tables, then loose text (the Hugging Face
# reader also accepts plain title/abstract pairs, so it comes last). Readers of API pages
# (arXiv Atom, PubMed XML) go with the structured formats.
READERS: tuple[ModuleType, ...] = (
    arxiv_atom,  # XML from the APIs first: a root element decides, nothing else competes
    pubmed_xml,
    json_papers,
    bibtex,
    ris,
    csv_papers,
    cv_arxiv_daily,
    github_table,
    html_table,
    awesome_list,
    arxiv_listing,
    radai_slice,
    author_profile,
    hf_papers,
)
FORMATS: tuple[str, ...] = tuple(r.NAME for r in READERS)


def reader_for_head(head: list[str]) -> ModuleType | None:
    return next((r for r in READERS if r.sniff(head)), None)


def detect_reader(path: Path) -> ModuleType:
    """The reader for `path`; InputError when the file is unreadable or unrecognised."""
    head = read_head(path)
    reader = reader_for_head(head)
    if reader is None:
        raise InputError(display_path(path), f"unrecognised listing format ({describe(head)})")
    refuse = getattr(reader, "refuse", None)
    if refuse is not None and (reason := refuse(head)):
        raise InputError(display_path(path), reason)
    return reader


_MD_TABLE_RE = re.compile(r"^\s*\|.*\|\s*$")
_XML_ROOT_RE = re.compile(r"<([A-Za-z_][\w.:-]*)[\s>/]")


def describe(head: list[str]) -> str:
    """What an unrecognised file looks like, for its error message."""
    text = "\n".join(head).lstrip()
    if text.startswith(("{", "[")):
        try:
            json.loads(text)
        except ValueError:
            return "JSON-like text that does not parse as JSON"
        return "JSON without paper records"
    if text.startswith("<?xml") or text.startswith("<"):
        roots = [m[1] for m in _XML_ROOT_RE.finditer(text[:2000]) if not m[1].startswith("?")]
        if roots and roots[0].lower() not in {"h1", "h2", "h3", "p", "div", "table", "details"}:
            return f"XML or HTML with root element <{roots[0]}>, not a known paper format"
    tables = [x for x in head if _MD_TABLE_RE.match(x)]
    if tables:
        return f"a Markdown table with columns {tables[0].strip().strip('|')[:120]!r} " \
               "and no Title column"
    return f"plain text; known formats: {', '.join(FORMATS)}"
