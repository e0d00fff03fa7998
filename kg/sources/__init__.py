"""Readers for paper listings: detect each file's format by content, stream PaperRecords.

    for record in iter_records(["listings/"], on_skip=warn):
        ...

Each reader module (see kg.sources.detect.READERS) has `NAME`, `sniff(head_lines) -> bool`
and `read(lines, path)`, which yields records and RecordErrors as soon as each is
complete; files are read line by line. Here, around every reader, the checks that hold
for all formats: a record holding an invalid byte or an over-long line, a title or
abstract over the size limits below, an implausible record, a last record cut off by
the end of the file, and records of another format inside the file are each skipped
with a warning naming FILE:LINE. Files that cannot be read inside a folder are skipped
with a SkippedFile warning.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import ModuleType

from kg.errors import InputError, KGError, RecordError, SkippedFile
from kg.records import PaperRecord
from kg.sources.detect import FORMATS, READERS, detect_reader
from kg.sources.plausible import implausible
from kg.sources.stream import BAD_BYTE, OVERSIZE, LineStream, display_path

__all__ = [
    "FORMATS", "MAX_ABSTRACT_CHARS", "MAX_TITLE_CHARS", "READERS", "detect_format",
    "iter_files", "iter_records",
]

# Documented limits (README "Input formats"): no real title or abstract comes near them,
# and spaCy refuses texts over 1,000,000 characters.
MAX_TITLE_CHARS = 2_000
MAX_ABSTRACT_CHARS = 100_000

SkipHandler = Callable[[RecordError], None]


def detect_format(path: str | Path) -> str:
    """Format name of a listing file (one of FORMATS); InputError naming the file when
    none fits."""
    p = Path(path).absolute()
    if not os.path.lexists(p):
        raise InputError(display_path(p), "no such file or directory")
    if p.is_dir():
        raise InputError(display_path(p), "is a directory, not a listing file")
    return detect_reader(p).NAME


def _walk(directory: Path, on_skip: SkipHandler | None, seen: set[tuple[int, int]]
          ) -> Iterator[Path]:
    """Files under `directory` in sorted path order, hidden files and folders left out;
    unreadable folders, symlink loops and special files reported through `on_skip`."""

    def skip(path: str, reason: str) -> None:
        if on_skip is not None:
            on_skip(SkippedFile(display_path(path), reason))

    try:
        info = directory.stat()
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError as exc:
        skip(str(directory), f"folder skipped: cannot read it ({exc.strerror or exc})")
        return
    if (info.st_dev, info.st_ino) in seen:
        skip(str(directory), "folder skipped: a symbolic link back into a folder already read")
        return
    seen.add((info.st_dev, info.st_ino))
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            mode = entry.stat().st_mode  # follows symbolic links
        except OSError as exc:
            skip(entry.path, f"file skipped: {exc.strerror or exc}")
            continue
        if stat.S_ISDIR(mode):
            yield from _walk(Path(entry.path), on_skip, seen)
        elif stat.S_ISREG(mode):
            yield Path(entry.path)
        else:
            skip(entry.path, "file skipped: not a regular file (a pipe, device or socket)")


def iter_files(paths: Iterable[str | Path], on_skip: SkipHandler | None = None):
    """(absolute path, reader) for every listing under `paths`, in the given then sorted order.

    A named file that cannot be read raises InputError; inside a directory such files are
    reported through `on_skip` as SkippedFile and passed over, and a directory with no
    listing raises.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]  # one path given bare, not a list of its characters
    for raw in paths:
        p = Path(raw).absolute()
        if not os.path.lexists(p):
            raise InputError(display_path(p), "no such file or directory")
        try:
            is_dir = p.is_dir()
        except OSError as exc:
            raise InputError(display_path(p), f"cannot read ({exc.strerror or exc})") from None
        if not is_dir:
            yield p, detect_reader(p)
            continue
        found = False
        for f in _walk(p, on_skip, set()):
            try:
                reader = detect_reader(f)
            except InputError as exc:
                if on_skip is not None:
                    on_skip(SkippedFile(display_path(f), f"file skipped: {exc.reason}", exc.line))
                continue
            found = True
            yield f, reader
        if not found:
            raise InputError(display_path(p), "directory contains no readable listing files")


def iter_records(
    paths: Iterable[str | Path], on_skip: SkipHandler | None = None
) -> Iterator[PaperRecord]:
    """Stream the records of every listing file under `paths`.

    Directories are walked recursively in sorted order, hidden files skipped. A bad or
    truncated record inside a good file goes to `on_skip` (or is dropped silently) and
    reading goes on; an unreadable file raises kg.errors.InputError naming it.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    paths = list(paths)
    named = {Path(p).absolute() for p in paths}
    for path, reader in iter_files(paths, on_skip):
        try:
            for item in read_file(path, reader):
                if isinstance(item, RecordError):
                    if on_skip is not None:
                        on_skip(item)
                else:
                    yield item
        except InputError as exc:
            if path in named:
                raise
            # Found in a folder: the file is passed over (its records so far were read).
            if on_skip is not None:
                on_skip(SkippedFile(exc.path, f"file skipped: {exc.reason}", exc.line))


def read_file(path: Path, reader: ModuleType) -> Iterator[PaperRecord | RecordError]:
    """One file's records through `reader`, with the checks that hold for every format."""
    stream = LineStream(path)
    name = stream.name
    watch = _MixWatch(stream, reader, name)
    held: PaperRecord | None = None  # the last record is checked for a cut at the end
    try:
        for item in reader.read(watch, name):
            if isinstance(item, RecordError):
                if held is not None and item.line > held.sources[0].line:
                    yield held  # something comes after it: not cut by the end of the file
                    held = None
                yield item
                continue
            if not item.authors:
                item.authors_complete = False  # no list at all is never the full list
            problem = _problem(item, stream)
            if problem:
                yield RecordError(name, item.sources[0].line, problem)
                continue
            if held is not None:
                yield held
            held = item
    except KGError:
        raise
    except (ValueError, LookupError, TypeError, AttributeError, RecursionError) as exc:
        # A reader bug must cost the rest of this file, not the build; the warning says so.
        yield RecordError(name, watch.number or 1,
                          f"rest of file not read: internal reader error ({type(exc).__name__})")
    if held is not None:
        cut_short = getattr(reader, "cut_short", _cut_short)
        if getattr(reader, "ENDS_WITH_PROSE", False) and stream.ended_without_newline \
                and cut_short(held):
            yield RecordError(name, held.sources[0].line,
                              "truncated record: the file ends in the middle of its text")
        else:
            yield held
    yield from watch.foreign_records()


def _texts(record: PaperRecord) -> Iterator[str]:
    for text in (record.title, record.abstract, record.comment, record.url, record.date):
        if text:
            yield text
    for author in record.authors:
        yield author.name
        yield from author.affiliations
    yield from record.code
    yield from record.subjects


def _problem(record: PaperRecord, stream: LineStream) -> str | None:
    """Why a record must be skipped, or None."""
    if stream.damaged:
        for text in _texts(record):
            if OVERSIZE in text:
                return "record skipped: it holds a line over the 8 MiB line limit"
            if BAD_BYTE in text:
                return "record skipped: invalid UTF-8 bytes in its text"
    if record.title and len(record.title) > MAX_TITLE_CHARS:
        return f"title of {len(record.title):,} characters (limit {MAX_TITLE_CHARS:,})"
    if record.abstract and len(record.abstract) > MAX_ABSTRACT_CHARS:
        return f"abstract of {len(record.abstract):,} characters (limit {MAX_ABSTRACT_CHARS:,})"
    return implausible(record)


_ENDINGS = tuple(".!?)]}\"'”’»>")


def _cut_short(record: PaperRecord) -> bool:
    """True when the record's last text stops mid-sentence."""
    text = (record.abstract or record.title or "").rstrip()
    return bool(text) and not text.endswith(_ENDINGS)


class _MixWatch:
    """The file's lines on their way to the reader, watched for records of another format.

    Every WINDOW lines that the file's own reader does not recognise are offered to the
    other readers; records one of them reads there are reported (not read: the file's
    format decides how it is read). Chunked readers (JSON) bypass the watch.
    """

    WINDOW = 80

    def __init__(self, stream: LineStream, reader: ModuleType, name: str) -> None:
        self.stream = stream
        self.reader = reader
        self.name = name
        self.number = 0
        self.window: list[tuple[int, str]] = []
        self.foreign: dict[int, str] = {}  # line -> format of a record found there

    def chunks(self, *args, **kwargs) -> Iterator[str]:
        return self.stream.chunks(*args, **kwargs)

    def __iter__(self) -> Iterator[tuple[int, str]]:
        for number, text in self.stream:
            self.number = number
            self.window.append((number, text))
            if len(self.window) >= self.WINDOW:
                self._check()
            yield number, text
        if self.window:
            self._check()

    def _check(self) -> None:
        window, self.window = self.window, self.window[self.WINDOW // 2:]
        head = [text for _, text in window]
        if not any(head) or self.reader.sniff(head):
            return
        for other in READERS:
            if other is self.reader or getattr(other, "CHUNKED", False) or not other.sniff(head):
                continue
            try:
                found = [r for r in other.read(iter(window), self.name)
                         if isinstance(r, PaperRecord) and implausible(r) is None]
            except (KGError, ValueError, LookupError, TypeError, AttributeError):
                continue
            for record in found:
                self.foreign.setdefault(record.sources[0].line, other.NAME)
            if found:
                return

    def foreign_records(self) -> Iterator[RecordError]:
        for line, fmt in sorted(self.foreign.items()):
            yield RecordError(
                self.name, line,
                f"a {fmt} record inside a {self.reader.NAME} file, not read "
                "(the file mixes formats; split it)",
            )
