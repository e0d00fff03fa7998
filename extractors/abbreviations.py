"""Schwartz & Hearst (2003) abbreviation definitions: "Sparse Lesion Transformer (SLT)".

Returns (long form span, short form span) pairs on character offsets. The long form is the
shortest run of preceding words whose letters contain the short form's characters in order,
the first one at a word start; a window of min(|SF| + 5, 2 |SF|) words bounds the search.
"""

from __future__ import annotations

import re

_PAREN = re.compile(r"\(([^()\n]{1,80})\)")
_SHORT = re.compile(r"[A-Za-z0-9][\w\-'.+&\u2019 ]{0,14}")
_BARRIER = re.compile(r"[.;:!?()\[\]]\s|[;:()\[\]\n]")
_LEAD = frozenset("the a an our this these its their novel new proposed first".split())


def _best_long_form(short: str, long: str) -> int | None:
    """Start index in `long` of the best long form for `short`, or None."""
    s, i = len(short) - 1, len(long) - 1
    while s >= 0:
        c = short[s].lower()
        if not c.isalnum():
            s -= 1
            continue
        while i >= 0 and (long[i].lower() != c or (s == 0 and i > 0 and long[i - 1].isalnum())):
            i -= 1
        if i < 0:
            return None
        i -= 1
        s -= 1
    return long.rfind(" ", 0, i + 1) + 1


def find_definitions(text: str) -> list[tuple[int, int, int, int]]:
    """(long_start, long_end, short_start, short_end) for each "long form (SF)"."""
    out = []
    for m in _PAREN.finditer(text):
        inner = m.group(1)
        cut = min((p for p in (inner.find(","), inner.find(";")) if p >= 0), default=len(inner))
        raw = inner[:cut]
        short = raw.strip()
        if not _SHORT.fullmatch(short) or len(short) < 2 or len(short.split()) > 2:
            continue
        if not any(ch.isalpha() for ch in short) or (short.islower() and len(short) > 4):
            continue
        s_start = m.start(1) + (len(raw) - len(raw.lstrip()))
        s_end = s_start + len(short)
        # the long form ends right before "(" and stays inside the clause
        end = m.start()
        while end > 0 and text[end - 1] == " ":
            end -= 1
        left = text[max(0, end - 200):end]
        barrier = 0
        for b in _BARRIER.finditer(left):  # matches come in order: the last ends last
            barrier = b.end()
        left = left[barrier:]
        n_letters = sum(ch.isalnum() for ch in short)
        window = min(n_letters + 5, 2 * n_letters)
        words = left.split(" ")
        long = " ".join(words[-window:]).lstrip()
        begin = _best_long_form(short, long)
        if begin is None:
            continue
        lf = long[begin:]
        first = lf.split(" ", 1)
        while len(first) == 2 and first[0].lower() in _LEAD:
            lf = first[1]
            first = lf.split(" ", 1)
        lf = lf.rstrip(",")
        if len(lf) <= len(short) or not lf:
            continue
        out.append((end - len(lf), end, s_start, s_end))
    return out
