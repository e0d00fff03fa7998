"""JSON and JSON Lines of paper objects, as tools, bots and APIs store them.

Accepted: one paper object; a JSON array of them; one object per line (JSON Lines) or
objects one after another; and API pages wrapping a list of papers (OpenAlex `results`,
Semantic Scholar `data`, Crossref `message.items`...). Field names people use are mapped
by kg.sources.paper_fields. Values are found with a small scanner that only tracks
strings and brackets, and each one is parsed by the standard json module, so the file
streams (one paper in memory at a time, with the line it starts on) and a broken record
costs only itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator

from kg.errors import InputError, RecordError
from kg.records import PaperRecord
from kg.sources.paper_fields import find_papers, is_paper, paper_record

NAME = "json"
CHUNKED = True  # reads the text in chunks, not line by line
MAX_VALUE_CHARS = 4 * 1024 * 1024  # one paper object; larger ones are skipped
MAX_DOCUMENT_CHARS = 512 * 1024 * 1024  # a wrapper object (an API page) is parsed whole

_STRUCT_RE = re.compile(r'["\[\]{}]')
_STRING_RE = re.compile(r'["\\]')
_SPACE_RE = re.compile(r"[ \t\r\n]*")
_SCALAR_END_RE = re.compile(r"[\s,\]}]")


def sniff(head: list[str]) -> bool:
    """Text that opens with a JSON object or array."""
    first = next((line.strip() for line in head if line.strip()), "")
    return first[:1] in ("{", "[")


def refuse(head: list[str]) -> str | None:
    """When the head is the whole file (or its first lines are whole values) and holds no
    paper, say what it holds instead."""
    text = "\n".join(head).strip()
    try:
        value = json.loads(text)
    except ValueError:
        first = next((line.strip() for line in head if line.strip()), "")
        try:
            value = json.loads(first)  # JSON Lines: the first line alone
        except ValueError:
            return None  # a longer document: decided while reading it
    if is_paper(value) or (isinstance(value, list) and any(is_paper(v) for v in value[:50])):
        return None
    if find_papers(value) is not None:
        return None
    return f"JSON that holds no paper records: {what_it_holds(value)}"


def what_it_holds(value: object) -> str:
    """A short description of a JSON value for an error message."""
    if isinstance(value, dict):
        keys = ", ".join(list(value)[:8]) + (", ..." if len(value) > 8 else "")
        return f"an object with keys {keys}" if value else "an empty object"
    if isinstance(value, list):
        if not value:
            return "an empty array"
        kinds = {type(v).__name__ for v in value}
        if kinds == {"dict"}:
            fields = sorted({k for v in value[:50] for k in v})[:8]
            return f"an array of {len(value)} objects with keys {', '.join(fields)} " \
                   "(none has a title or abstract)"
        names = {"str": "strings", "int": "numbers", "float": "numbers", "bool": "booleans",
                 "list": "arrays", "NoneType": "nulls", "dict": "objects"}
        return f"an array of {len(value)} " + " and ".join(sorted({names[k] for k in kinds}))
    return f"a single {type(value).__name__} value"


_DECODER = json.JSONDecoder()


class _Text(str):
    """The text of a value the scanner found but did not decode."""


class _Scanner:
    """Top-level JSON values of a text, and the elements of top-level arrays, one at a
    time: yields (line, text, in_array), or (line, None, in_array) for a value over the
    size limit, and at a cut end (line, "", in_array)."""

    def __init__(self, chunks: Iterable[str], limit: int, document_limit: int) -> None:
        self.chunks = iter(chunks)
        self.limit = limit
        self.document_limit = document_limit
        # The text not yet consumed is buf[start:]: consuming a value moves `start` instead
        # of copying the rest of the chunk (a copy per value made reading quadratic in the
        # chunk size); the consumed part is dropped when the next chunk is appended.
        self.buf = ""
        self.start = 0
        self.line = 1  # line number at buf[start]
        self.eof = False

    def _more(self) -> bool:
        if self.eof:
            return False
        piece = next(self.chunks, None)
        if piece is None:
            self.eof = True
            return False
        self.buf = self.buf[self.start:] + piece
        self.start = 0
        return True

    def _size(self) -> int:
        return len(self.buf) - self.start

    def _drop(self, upto: int) -> None:
        self.line += self.buf.count("\n", self.start, self.start + upto)
        self.start += upto

    def _skip_space(self, extra: str = "") -> str | None:
        """Drop white space (and `extra` characters); the next character, None at the end."""
        while True:
            buf, i, end = self.buf, self.start, len(self.buf)
            while i < end and (buf[i] in " \t\r\n" or buf[i] in extra):
                i += 1
            self._drop(i - self.start)
            if self.start < len(self.buf):
                return self.buf[self.start]
            if not self._more():
                return None

    def _value_end(self, limit: int) -> tuple[int, bool] | None:
        """(end of the value at buf[start], counted from there, and whether it was too
        large); None when the text ends first. A value over the limit is dropped as it is
        scanned, never held whole."""
        first = self.buf[self.start]
        if first not in "[{\"":
            while True:
                m = _SCALAR_END_RE.search(self.buf, self.start)
                if m:
                    return m.start() - self.start, False
                if self._size() > limit:
                    return self._size(), True
                if not self._more():
                    return self._size(), False
        # `pos` counts from `start`, which _more may move (it keeps buf[start:] the same).
        depth, pos, in_string, dropped = 0, 0, False, False
        while True:
            m = (_STRING_RE if in_string else _STRUCT_RE).search(self.buf, self.start + pos)
            if m is None:
                if self._size() > limit:  # too large: forget what was scanned
                    self.line += self.buf.count("\n", self.start)
                    self.buf, self.start, pos, dropped = "", 0, 0, True
                else:
                    pos = self._size()
                if not self._more():
                    return None
                continue
            ch, pos = m.group(), m.end() - self.start
            if in_string:
                if ch == "\\":
                    if pos >= self._size() and not self._more():
                        return None
                    pos += 1
                else:
                    in_string = False
                    if depth == 0:
                        return pos, dropped
            elif ch == '"':
                in_string = True
            elif ch in "[{":
                depth += 1
            else:
                depth -= 1
                if depth == 0:
                    return pos, dropped

    def values(self) -> Iterator[tuple[int, object, bool]]:
        """(line, value, in_array): the decoded value, or _Text to decode, None for a value
        over the size limit, "" where the text ends inside a value."""
        in_array, first = False, True
        while True:
            ch = self._skip_space(",") if in_array else self._skip_space()
            if ch is None:
                if in_array:
                    yield self.line, "", True  # the array never closed
                return
            if ch == "[" and not in_array:
                in_array = True
                self._drop(1)
                continue
            if ch == "]" and in_array:
                in_array = False
                self._drop(1)
                continue
            line = self.line
            # A paper in an array or a line has the paper limit; a top-level object may be an
            # API page wrapping many papers.
            # (only the first top-level value: JSON Lines after it are papers).
            limit = self.document_limit if first and not in_array else self.limit
            first = False
            if ch in "{[":
                # The usual case, a whole object already in the buffer, is left to the json
                # module's scanner (C): it finds the end and decodes in one pass. An object
                # or array cannot end early, so a success is the whole value; anything else
                # (cut by the chunk's end, invalid, too large) is scanned below.
                try:
                    value, end = _DECODER.raw_decode(self.buf, self.start)
                except (ValueError, RecursionError):
                    pass
                else:
                    if end - self.start <= limit:
                        self._drop(end - self.start)
                        yield line, value, in_array
                        continue
            found = self._value_end(limit)
            if found is None:
                yield line, "", in_array
                return
            end, too_large = found
            end = max(end, 1)  # a stray "," or "]" is one invalid character, not nothing
            text = None if too_large else self.buf[self.start:self.start + end]
            self._drop(end)
            yield line, _Text(text) if text else text, in_array


def _chunks(lines) -> Iterable[str]:
    if hasattr(lines, "chunks"):
        return lines.chunks()
    return (text + "\n" for _, text in lines)


def read(lines, path: str) -> Iterator[PaperRecord | RecordError]:
    scanner = _Scanner(_chunks(lines), MAX_VALUE_CHARS, MAX_DOCUMENT_CHARS)
    seen_papers = False
    first_value: object = None
    for line, found, in_array in scanner.values():
        if found is None:
            yield RecordError(path, line, "JSON value over the size limit (4 MiB for a paper); "
                                          "skipped")
            continue
        if found == "":
            yield RecordError(path, line, "truncated JSON: the file ends inside this value")
            continue
        value = found
        if isinstance(found, _Text):
            try:
                value = json.loads(found)
            except ValueError as exc:
                yield RecordError(path, line, f"invalid JSON ({_short(exc)})")
                continue
            except RecursionError:
                yield RecordError(path, line, "invalid JSON (nested too deeply)")
                continue
        if first_value is None:
            first_value = value
        if is_paper(value):
            seen_papers = True
            yield from _record(value, path, line)
            continue
        papers = None if in_array else find_papers(value)
        if papers is not None:
            seen_papers = True
            for item in papers:
                if is_paper(item):
                    yield from _record(item, path, line)
            continue
        if seen_papers:
            yield RecordError(path, line, f"not a paper record: {what_it_holds(value)}")
    if not seen_papers:
        held = what_it_holds(first_value) if first_value is not None else "no JSON value"
        raise InputError(path, f"JSON that holds no paper records: {held}")


def _record(value: dict, path: str, line: int) -> Iterator[PaperRecord | RecordError]:
    try:
        record = paper_record(value, path, line, NAME)
    except (TypeError, ValueError, AttributeError) as exc:
        yield RecordError(path, line, f"paper object with unreadable fields ({_short(exc)})")
        return
    if record is None:
        yield RecordError(path, line, "paper object without a title or abstract")
    else:
        yield record


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
