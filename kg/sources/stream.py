"""Reading listing files safely and lazily: a sniffing head, then one line at a time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from kg.errors import InputError

HEAD_BYTES = 64 * 1024
HEAD_LINES = 400


def _open(path: Path):
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise InputError(str(path), "no such file or directory") from None
    except IsADirectoryError:
        raise InputError(str(path), "is a directory") from None
    except PermissionError:
        raise InputError(str(path), "permission denied") from None
    except OSError as exc:
        raise InputError(str(path), f"cannot read ({exc.strerror or exc})") from None


def _decode(raw: bytes, path: Path, line: int) -> str:
    if b"\x00" in raw:
        raise InputError(str(path), "binary file (contains NUL bytes), not a text listing", line)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(str(path), "invalid UTF-8", line) from None


def read_head(path: Path) -> list[str]:
    """The first lines of `path` (at most HEAD_BYTES), checked to be non-empty UTF-8 text."""
    with _open(path) as fh:
        chunk = fh.read(HEAD_BYTES)
        at_eof = len(chunk) < HEAD_BYTES or not fh.read(1)
    if b"\x00" in chunk:
        raise InputError(str(path), "binary file (contains NUL bytes), not a text listing")
    raw_lines = chunk.split(b"\n")
    if not at_eof:
        raw_lines = raw_lines[:-1]  # the last one may be cut in the middle of a character
    lines = [_decode(raw, path, i).rstrip("\r") for i, raw in enumerate(raw_lines, 1)]
    if lines and lines[0].startswith("\ufeff"):
        lines[0] = lines[0][1:]
    if not any(line.strip() for line in lines):
        if at_eof:
            raise InputError(str(path), "empty file")
        raise InputError(str(path), "no text in the first 64 KB")
    return lines[:HEAD_LINES]


def iter_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(1-based line number, text without newline) for every line, read lazily."""
    with _open(path) as fh:
        for number, raw in enumerate(fh, 1):
            text = _decode(raw, path, number).rstrip("\r\n")
            if number == 1 and text.startswith("\ufeff"):
                text = text[1:]
            yield number, text


def paragraphs(lines: Iterator[tuple[int, str]]) -> Iterator[tuple[int, list[str]]]:
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
