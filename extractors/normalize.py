"""String keys shared by the vocabulary, the rules and the merging step.

One function decides when two written forms are the same name ("U-Net", "UNet", "Unet"),
another mints the slug of an entity key, so a vocabulary concept and a rule-found name
that is later added to the vocabulary land on the same IRI.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NON_KEY = re.compile(r"[^A-Za-z0-9+]+")
_NON_SLUG = re.compile(r"[^a-z0-9+]+")
# Words after a name that do not change which thing it names ("the Blip challenge" = "Blip").
HEAD_SUFFIXES = frozenset(
    "dataset datasets database databases challenge challenges benchmark benchmarks cohort "
    "cohorts study collection collections data corpus model models network networks "
    "framework architecture".split()
)


def ascii_fold(text: str) -> str:
    """Accents off, typographic quotes and dashes to ASCII."""
    text = text.replace("\u2019", "'").replace("\u2013", "-").replace("\u2014", "-")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


@lru_cache(maxsize=1 << 16)
def exact_key(text: str) -> str:
    """Case kept, separators dropped: the key of case-sensitive aliases ("SAM", "CT")."""
    return _NON_KEY.sub("", ascii_fold(text))


@lru_cache(maxsize=1 << 16)
def loose_key(text: str) -> str:
    """Case and separators dropped: "U-Net", "UNet", "u net" -> "unet"."""
    return exact_key(text).lower()


@lru_cache(maxsize=1 << 16)
def merge_key(name: str) -> str:
    """Identity of a name within a paper: loose key without a trailing head noun."""
    words = [w for w in re.split(r"[\s\-_]+", ascii_fold(name).lower()) if w]
    if words and words[0] == "the":
        words = words[1:]
    while len(words) > 1 and words[-1] in HEAD_SUFFIXES:
        words = words[:-1]
    return loose_key("".join(words))


@lru_cache(maxsize=1 << 16)
def slugify(name: str) -> str:
    """Slug of an entity key: "U-Net" -> "u-net", "UK Biobank" -> "uk-biobank"."""
    slug = _NON_SLUG.sub("-", ascii_fold(name).lower()).strip("-")
    return slug.replace("+", "plus") or "unnamed"
