"""Reading listing files safely and lazily: a sniffing head, then one line at a time.

Hostile or damaged input must cost one record, never the whole file, and never hang:
- only regular files are opened (a FIFO or a device would block or never end);
- the encoding is UTF-8 (a BOM is dropped) or UTF-16 with a BOM or its NUL pattern;
- a byte that is not valid UTF-8 becomes BAD_BYTE in its line, and the record holding it
  is skipped by kg.sources.iter_records with a warning naming the line;
- a line over MAX_LINE_CHARS is never held whole: it arrives as its first HEAD_BYTES
  characters followed by OVERSIZE, and the record holding it is skipped the same way.
"""

from __future__ import annotations

import codecs
import io
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from kg.errors import InputError

HEAD_BYTES = 64 * 1024
HEAD_LINES = 400
# A listing line is a table row or a paragraph; no real one comes near this.
MAX_LINE_CHARS = 8 * 1024 * 1024
_READ_CHARS = 1024 * 1024

# Unicode noncharacters: never part of interchanged text, so they can mark damage in a line.
BAD_BYTE = "\ufdd1"
OVERSIZE = "\ufdd0"


def _mark_bad_bytes(error: UnicodeDecodeError) -> tuple[str, int]:
    return BAD_BYTE, error.end


codecs.register_error("kg-mark", _mark_bad_bytes)


def display_path(path: str | os.PathLike) -> str:
    """A path as text that can be printed and stored: undecodable name bytes as \\xNN."""
    text = os.fspath(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(text).decode("utf-8", "backslashreplace")
    return text


def open_regular(path: Path):
    """Open `path` for binary reading; InputError unless it is a readable regular file."""
    name = display_path(path)
    try:
        # O_NONBLOCK: opening a FIFO without a writer must not hang before we can refuse it.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise InputError(name, "no such file or directory") from None
    except IsADirectoryError:
        raise InputError(name, "is a directory") from None
    except PermissionError:
        raise InputError(name, "permission denied") from None
    except OSError as exc:
        raise InputError(name, f"cannot read ({exc.strerror or exc})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise InputError(name, "is a directory")
        kind = "a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a device or socket"
        raise InputError(name, f"is {kind}, not a regular file")
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def sniff_encoding(first: bytes) -> str | None:
    """Encoding of a file from its first bytes: "utf-8", "utf-16", or None for binary."""
    if first.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return None  # UTF-32: refused by the caller with its own message
    if first.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    sample = first[:4096]
    if b"\x00" not in sample:
        return "utf-8"
    # UTF-16 without a BOM: text in the ASCII range puts a NUL in every other byte.
    even, odd = sample[0::2], sample[1::2]
    if len(sample) >= 4 and odd.count(0) > 0.8 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if len(sample) >= 4 and even.count(0) > 0.8 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def _encoding(path: Path, first: bytes) -> str:
    encoding = sniff_encoding(first)
    if encoding is None:
        if first.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
            raise InputError(display_path(path), "UTF-32 text is not read; convert it to UTF-8")
        raise InputError(
            display_path(path), "binary file (contains NUL bytes), not a text listing"
        )
    return encoding


def _text(fh, encoding: str) -> io.TextIOWrapper:
    # newline="\n": split on LF only and keep the text as written (a stray CR stays in its line).
    wrapper = io.TextIOWrapper(fh, encoding=encoding, errors="kg-mark", newline="\n")
    return wrapper


def read_head(path: Path) -> list[str]:
    """The first lines of `path` (at most HEAD_BYTES), decoded; InputError if it is no text.

    A first line longer than HEAD_BYTES is kept, cut, so a one-line JSON file is still
    recognised by its opening.
    """
    with open_regular(path) as fh:
        chunk = fh.read(HEAD_BYTES)
        at_eof = len(chunk) < HEAD_BYTES or not fh.read(1)
    if not chunk:
        raise InputError(display_path(path), "empty file")
    encoding = _encoding(path, chunk)
    if encoding == "utf-8":
        text = chunk.decode("utf-8", "kg-mark")
        if not at_eof:
            # The last character may be cut in the middle of its bytes.
            text = text.rstrip(BAD_BYTE)
    else:
        decoder = codecs.getincrementaldecoder(encoding)("kg-mark")
        text = decoder.decode(chunk, final=at_eof)
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    if not at_eof and len(lines) > 1:
        lines = lines[:-1]  # the last line is incomplete; a lone first line is kept as it is
    lines = [line.rstrip("\r") for line in lines]
    if not any(line.strip() for line in lines):
        if at_eof:
            raise InputError(display_path(path), "empty file")
        raise InputError(display_path(path), "no text in the first 64 KB")
    bad = sum(1 for line in lines if BAD_BYTE in line)
    if bad > max(3, len(lines) // 10):
        raise InputError(
            display_path(path),
            f"not UTF-8 text ({bad} of the first {len(lines)} lines hold invalid bytes; "
            "convert it to UTF-8, e.g. with iconv)",
        )
    return lines[:HEAD_LINES]


class LineStream:
    """The lines of a file as (1-based number, text without newline), read lazily.

    Also offers the decoded text in chunks for readers that parse across lines (JSON), and
    after a full read tells whether the file ended without a final newline (a cut file).
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.name = display_path(path)
        self.ended_without_newline = False
        self.damaged = False  # set once an invalid byte or an over-long line was seen

    def _open_text(self) -> io.TextIOWrapper:
        fh = open_regular(self.path)
        try:
            first = fh.read(4096)
            encoding = _encoding(self.path, first) if first else "utf-8"
            fh.seek(0)
        except BaseException:
            fh.close()
            raise
        return _text(fh, "utf-8-sig" if encoding == "utf-8" else encoding)

    def __iter__(self) -> Iterator[tuple[int, str]]:
        with self._open_text() as fh:
            number = 0
            while True:
                line = fh.readline(MAX_LINE_CHARS)
                if not line:
                    return
                number += 1
                if not line.endswith("\n") and len(line) >= MAX_LINE_CHARS:
                    line = self._skip_rest(fh, line)
                if line.endswith("\n"):
                    line = line[:-1]
                else:
                    self.ended_without_newline = True
                if line.endswith("\r"):
                    line = line[:-1]
                if BAD_BYTE in line or OVERSIZE in line:
                    self.damaged = True
                yield number, line

    @staticmethod
    def _skip_rest(fh: io.TextIOWrapper, line: str) -> str:
        """Read past the rest of an over-long line without keeping it."""
        kept = line[:HEAD_BYTES] + OVERSIZE
        while True:
            more = fh.readline(_READ_CHARS)
            if not more or more.endswith("\n"):
                return kept + ("\n" if more else "")

    def chunks(self, size: int = _READ_CHARS) -> Iterator[str]:
        """The decoded text in pieces of about `size` characters."""
        with self._open_text() as fh:
            last = ""
            while piece := fh.read(size):
                if BAD_BYTE in piece:
                    self.damaged = True
                last = piece
                yield piece
            self.ended_without_newline = bool(last) and not last.endswith("\n")


def iter_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(1-based line number, text without newline) for every line, read lazily."""
    yield from LineStream(path)


def paragraphs(lines) -> Iterator[tuple[int, list[str]]]:
    """Blank-line separated blocks: (line number of the first line, stripped lines)."""
    start, block = 0, []
    for number, text in lines:
        text = text.strip()
        if text:
            if not block:
                start = number
            block.append(text)
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block
