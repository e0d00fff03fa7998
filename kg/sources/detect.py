"""Choosing a reader by what a file contains (its first lines), never by its name."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

# The reader modules themselves, not names from the kg.sources package: the package imports
# this module, and reading its namespace from here would make an import cycle.
import kg.sources.arxiv_listing as arxiv_listing
import kg.sources.author_profile as author_profile
import kg.sources.github_table as github_table
import kg.sources.hf_papers as hf_papers
import kg.sources.radai_slice as radai_slice
from kg.errors import InputError
from kg.sources.stream import read_head

# Most specific first: the Hugging Face reader also accepts plain title/abstract pairs.
READERS: tuple[ModuleType, ...] = (
    github_table,
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
        raise InputError(
            str(path), f"unrecognised listing format (expected one of: {', '.join(FORMATS)})"
        )
    return reader
