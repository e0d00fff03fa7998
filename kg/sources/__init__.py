"""Readers for paper listings: detect each file's format by content, stream PaperRecords.

    for record in iter_records(["listings/"], on_skip=warn):
        ...

Each reader module (arxiv_listing, hf_papers, github_table, author_profile, radai_slice)
has `NAME`, `sniff(head_lines) -> bool` and `read(numbered_lines, path)`, which yields
records and RecordErrors as soon as each is complete; files are read line by line.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from kg.errors import InputError, RecordError
from kg.records import PaperRecord
from kg.sources.detect import FORMATS, READERS, detect_reader
from kg.sources.stream import iter_lines

__all__ = ["FORMATS", "READERS", "detect_format", "iter_files", "iter_records"]

SkipHandler = Callable[[RecordError], None]


def detect_format(path: str | Path) -> str:
    """Format name of a listing file ("arxiv-listing", "hf-papers", "github-daily-arxiv",
    "author-profile", "radai-slice"); InputError naming the file when none fits."""
    p = Path(path).absolute()
    if not p.exists():
        raise InputError(str(p), "no such file or directory")
    if p.is_dir():
        raise InputError(str(p), "is a directory, not a listing file")
    return detect_reader(p).NAME


def _walk(directory: Path) -> Iterator[Path]:
    """Files under `directory` in sorted path order, hidden files and folders left out."""
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            yield from _walk(Path(entry.path))
        elif entry.is_file():
            yield Path(entry.path)


def iter_files(paths: Iterable[str | Path], on_skip: SkipHandler | None = None):
    """(absolute path, reader) for every listing under `paths`, in the given then sorted order.

    A named file that cannot be read raises InputError; inside a directory such files are
    reported through `on_skip` and passed over, and a directory with no listing raises.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]  # one path given bare, not a list of its characters
    for raw in paths:
        p = Path(raw).absolute()
        if not p.exists():
            raise InputError(str(p), "no such file or directory")
        if not p.is_dir():
            yield p, detect_reader(p)
            continue
        found = False
        for f in _walk(p):
            try:
                reader = detect_reader(f)
            except InputError as exc:
                if on_skip is not None:
                    on_skip(RecordError(str(f), exc.line or 1, f"file skipped: {exc.reason}"))
                continue
            found = True
            yield f, reader
        if not found:
            raise InputError(str(p), "directory contains no readable listing files")


def iter_records(
    paths: Iterable[str | Path], on_skip: SkipHandler | None = None
) -> Iterator[PaperRecord]:
    """Stream the records of every listing file under `paths`.

    Directories are walked recursively in sorted order, hidden files skipped. A bad or
    truncated record inside a good file goes to `on_skip` (or is dropped silently) and
    reading goes on; an unreadable file raises kg.errors.InputError naming it.
    """
    for path, reader in iter_files(paths, on_skip):
        for item in reader.read(iter_lines(path), str(path)):
            if isinstance(item, RecordError):
                if on_skip is not None:
                    on_skip(item)
            else:
                yield item
