"""Choosing a reader by what a file contains (its first lines), never by its name.

A reader module has `NAME`, `sniff(head_lines) -> bool` and `read(lines, path)`; a reader
whose records end in prose that a cut file can truncate sets `ENDS_WITH_PROSE = True`.
A reader may also have `refuse(head) -> str | None`: a reason to refuse a file it
recognised (a JSON file that holds no paper records), shown as the file's error.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import ModuleType

# The reader modules themselves, not names from the kg.sources package: the package imports
# this module, and reading its namespace from here would make an import cycle.
import kg.sources.arxiv_atom as arxiv_atom
import kg.sources.arxiv_listing as arxiv_listing
import kg.sources.author_profile as author_profile
import kg.sources.awesome_list as awesome_list
import kg.sources.bibtex as bibtex
import kg.sources.csv_papers as csv_papers
import kg.sources.cv_arxiv_daily as cv_arxiv_daily
import kg.sources.github_table as github_table
import kg.sources.hf_papers as hf_papers
import kg.sources.html_table as html_table
import kg.sources.json_papers as json_papers
import kg.sources.pubmed_xml as pubmed_xml
import kg.sources.radai_slice as radai_slice
import kg.sources.ris as ris
from kg.errors import InputError
from kg.sources.stream import display_path, read_head

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
