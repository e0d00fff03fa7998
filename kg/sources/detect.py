"""Choosing a reader by what a file contains (its first lines), never by its name."""

from __future__ import annotations

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
    github_table,
    hf_papers,
    pubmed_xml,
    radai_slice,
)
from kg.sources.stream import read_head


class Reader(Protocol):
    NAME: str

    def sniff(self, head: list[str]) -> bool: ...

    def read(
        self, lines: Iterable[tuple[int, str]], path: str
    ) -> Iterator[PaperRecord | RecordError]: ...


# Most specific first: the Hugging Face reader also accepts plain title/abstract pairs.
READERS: tuple[ModuleType, ...] = (
    arxiv_atom,  # XML from the APIs first: a root element decides, nothing else competes
    pubmed_xml,
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
