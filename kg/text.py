"""Text folding shared by the whole package: identity keys, person keys, extraction, scoring.

It imports nothing from kg, so readers, extractors and outputs can all use it without a cycle.
"""

from __future__ import annotations

import unicodedata

# Letters NFKD does not decompose, which "ignore" would otherwise drop ("Jørgensen" keeps its
# o), and typographic quotes and dashes, so "Smith–Jones" splits like "Smith-Jones".
_SPECIAL = str.maketrans({
    "ß": "ss", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "æ": "ae",
    "Æ": "AE", "œ": "oe", "Œ": "OE", "\u2018": "'", "\u2019": "'", "\u2013": "-", "\u2014": "-",
})


def fold_ascii(text: str) -> str:
    """`text` in ASCII: accents folded (NFKD), the letters above spelled out, other
    non-ASCII characters dropped. Case is kept."""
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    return text.encode("ascii", "ignore").decode("ascii")
