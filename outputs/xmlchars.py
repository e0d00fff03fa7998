"""Characters XML 1.0 cannot hold, for the XML writers (RDF/XML, GraphML, GEXF).

XML 1.0 has no way to write most C0 control characters (U+0001 to U+001F but tab, line feed
and carriage return) or the noncharacters U+FFFE and U+FFFF, not even as character
references, and a listing can put any of them in a title. The writers leave them out: the
file stays well-formed and every other character of the value is kept.
"""

from __future__ import annotations

import re
from typing import BinaryIO

_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# The same characters in UTF-8: single bytes that are never part of a longer sequence, and
# two three-byte sequences (surrogates cannot occur in valid UTF-8).
_FORBIDDEN_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
_NONCHARACTERS = (b"\xef\xbf\xbe", b"\xef\xbf\xbf")


def xml_text(value: str) -> str:
    """`value` without the characters XML 1.0 forbids."""
    return _FORBIDDEN.sub("", value)


class XmlSafeWriter:
    """A binary file wrapper that drops the UTF-8 encodings of forbidden characters from
    everything written through it (for writers that serialize them as they are)."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._held = b""  # the start of a three-byte sequence cut by a chunk boundary

    def write(self, data: bytes) -> int:
        size = len(data)
        data = self._held + bytes(data)
        keep = 2 if data.endswith(b"\xef\xbf") else 1 if data.endswith(b"\xef") else 0
        self._held = data[len(data) - keep:] if keep else b""
        self._out.write(_clean(data[: len(data) - keep]))
        return size

    def flush(self) -> None:
        if self._held:
            self._out.write(_clean(self._held))
            self._held = b""
        self._out.flush()


def _clean(data: bytes) -> bytes:
    data = data.translate(None, _FORBIDDEN_BYTES)
    for sequence in _NONCHARACTERS:
        data = data.replace(sequence, b"")
    return data
