"""Author names as listings write them: parsing, author lists, and person/organisation keys.

Styles handled: "Given Family" ("Dong Ma", "Víctor M. Campello"), "Family Initials"
(PubMed: "Ma D", "Gotway MB"), "Family, I. N." (one name, or pairs inside a comma list),
group authors ("Dataset Contributor Group"), and a trailing "et al.".
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

from kg.records import Author
from kg.text import fold_ascii

# Lower-case words that start a compound family name ("Javier del Riego").
PARTICLES = frozenset(
    "da das de del della der di do dos du la le van von ten ter den op zu al el bin ibn "
    "st st. y".split()
)
SUFFIXES = frozenset("jr jr. sr sr. ii iii iv phd md".split())
# Words that make a listed "author" a group rather than a person.
ORG_WORDS = frozenset(
    "group groups consortium consortia collaboration collaborative collaborators "
    "investigators initiative committee network society team association institute "
    "university hospital foundation alliance contributors working organization "
    "organisation council program programme project taskforce task force "
    "laboratory lab centre center department".split()
)

_INITIALS_RE = re.compile(r"^(?:[A-Z]\.?(?:\s*-\s*)?\s*){1,4}$")
_DOTTED_INITIALS_RE = re.compile(r"^(?:[A-Z][a-z]?\.(?:\s*-\s*)?\s*){1,4}$")
# "et al.", cv-arxiv-daily's "et.al.", "and others", "+ 11 authors", an ellipsis.
_ET_AL_RE = re.compile(
    r"(?:,?\s*(?:et\.?\s*al\.?|and\s+others|\+\s*\d+\s+(?:more\s+)?authors?|…|\.\.\.))\s*$",
    re.IGNORECASE,
)


def is_initials(token: str) -> bool:
    """ "D", "MB", "J. A.", "J.-P.", "Th." — a token made only of initials."""
    token = token.strip()
    if not token:
        return False
    return bool(_INITIALS_RE.match(token) or _DOTTED_INITIALS_RE.match(token))


def is_organization(text: str) -> bool:
    words = re.findall(r"[A-Za-z]+", text.lower())
    return any(w in ORG_WORDS for w in words) and len(words) >= 2


def _split_given_family(tokens: list[str]) -> tuple[str | None, str]:
    """Split "Given ... Family" tokens; a particle starts the family name."""
    core = list(tokens)
    while len(core) > 1 and core[-1].lower().rstrip(",") in SUFFIXES:
        core.pop()
    if len(core) == 1:
        return None, core[0]
    start = len(core) - 1
    for i in range(1, len(core) - 1):
        if core[i].lower() in PARTICLES:
            start = i
            break
    return " ".join(core[:start]) or None, " ".join(core[start:])


def parse_author(text: str) -> Author:
    """One author name as written -> Author with given/family where the style allows."""
    name, given, family, organization = _parse_author(text)
    return Author(name=name, given=given, family=family, is_organization=organization)


# Names repeat across a corpus (the same people write many papers), and every build reads
# each name twice (kg.reading): parsing them once each saves a tenth of the reading. The
# cache holds plain tuples, so each caller still gets an Author of its own to change.
@lru_cache(maxsize=1 << 15)
def _parse_author(text: str) -> tuple[str, str | None, str | None, bool]:
    """(name, given, family, is an organisation) of one name as written."""
    name = re.sub(r"\s+", " ", text).strip().strip(",;")
    if not name:
        return "", None, None, False
    if is_organization(name):
        return name, None, None, True
    if "," in name:
        family, _, given = name.partition(",")
        family, given = family.strip(), given.strip()
        if given.lower().rstrip(".") in {s.rstrip(".") for s in SUFFIXES}:
            g, f = _split_given_family(family.split())
            return name, g, f, False
        return name, given or None, family or None, False
    tokens = name.split(" ")
    while len(tokens) > 1 and tokens[-1].lower() in SUFFIXES:
        tokens.pop()
    # PubMed "Family Initials": the last token is all initials, the first is not.
    if len(tokens) >= 2 and is_initials(tokens[-1]) and not is_initials(tokens[0]):
        return name, tokens[-1], " ".join(tokens[:-1]), False
    first, last = _split_given_family(tokens)
    return name, first, last, False


def _split_list(text: str) -> list[str]:
    sep = ";" if ";" in text else ","
    parts = [p.strip() for p in text.split(sep)]
    out: list[str] = []
    for part in parts:
        # "A, B and C" / "A, B & C": the last separator is a conjunction.
        pieces = re.split(r"\s+(?:and|&)\s+", part)
        out.extend(p.strip() for p in pieces)
    return [p for p in out if p and p.lower() not in {"and", "&"}]


def split_authors(text: str) -> tuple[list[Author], bool]:
    """An author list -> (authors in order, complete); "et al." makes it incomplete."""
    text = re.sub(r"\s+", " ", text).strip()
    complete = True
    m = _ET_AL_RE.search(text)
    if m:
        text = text[: m.start()]
        complete = False
    parts = _split_list(text)
    names: list[str] = []
    i = 0
    while i < len(parts):
        part = parts[i]
        nxt = parts[i + 1] if i + 1 < len(parts) else None
        # "Family, I. N." pairs inside a comma-separated list.
        if nxt is not None and is_initials(nxt) and _looks_family_only(part):
            names.append(f"{part}, {nxt}")
            i += 2
            continue
        names.append(part)
        i += 1
    return [parse_author(n) for n in names if n], complete


def _looks_family_only(part: str) -> bool:
    """ "Smith", "Sendra-Balcells", "de Aguiar Kuriki": a family name without given name."""
    tokens = part.split()
    if not tokens or is_initials(part) or is_initials(tokens[-1]):
        return False
    return len(tokens) == 1 or tokens[0].lower() in PARTICLES


def _slug_words(text: str) -> list[str]:
    text = fold_ascii(text).lower().replace("'", "").replace("’", "")
    return re.findall(r"[a-z0-9]+", text)


def org_key(name: str) -> str:
    """Slug of an organisation's name: "Dataset Group" -> "dataset-group"; a name with no
    ASCII letter or digit (北京大学) -> "h-" + 16 hex of its SHA-1."""
    slug = "-".join(_slug_words(name))
    if slug:
        return slug
    return "h-" + hashlib.sha1(name.strip().encode("utf-8")).hexdigest()[:16]
