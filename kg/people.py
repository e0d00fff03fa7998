"""Who is who: the key that decides which person node an author becomes.

Rules (DESIGN.md, "Decisions of round 2", People):
- A full given name keys the person: family and every given word, folded ("Sun, Yuxin"
  and "Yuxin Sun" -> `sun_yuxin`). Two different full names never share a key
  ("Yu Sun" `sun_yu` and "Yuxin Sun" `sun_yuxin`; "Zhang, Yi" and "Zhang, Yu").
- An initials-only name ("Ma D", "D. Ma", "Ma, D.") is keyed by its family name and all
  its initials (`ma_d.`), and joins a full-name person only when exactly one known person
  (in this build, or already in the store) has that family name and initials that start
  with these ("Dong Ma" -> initials "d"); otherwise it stays its own node.
- A name without a given part is keyed by its family name alone; names in any script get
  a stable key (Latin accents folded to ASCII, other scripts kept, lower-cased), so
  李明, Иван Петров or 김민수 never crash and always land on the same node.

Hooks: kg.reading observes every record of a build (`People.observe`) and assigns the
resolved key to each author (`People.assign`, stored in `Author.person`); kg.build checks
the still-open cases against the store (`adopt_stored_people`); kg.graph mints the person
IRI from `person_key`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

from kg.names import PARTICLES, is_initials, parse_author
from kg.records import Author, PaperRecord

_SPECIAL = str.maketrans({"ß": "ss", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d",
                          "Đ": "D", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ı": "i",
                          "’": "", "'": "", "ʼ": ""})
_WORD_RE = re.compile(r"[^\W_]+")
_GIVEN_SPLIT_RE = re.compile(r"[\s.\-‐‑–]+")


def slug_words(text: str) -> list[str]:
    """Lower-case words of a name: Latin accents folded, other scripts kept as written."""
    text = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _WORD_RE.findall(unicodedata.normalize("NFC", text).casefold())


def _parts(author: Author) -> tuple[str | None, str | None]:
    family, given = author.family, author.given
    if family is None and given is None:
        parsed = parse_author(author.name)
        family, given = parsed.family, parsed.given
    return family, given


def given_parts(given: str | None) -> tuple[list[str], bool]:
    """(words of the given name, True when it is initials only)."""
    if not given or not given.strip():
        return [], False
    tokens = [t for t in _GIVEN_SPLIT_RE.split(given.strip()) if t]
    if tokens and all(len(t) == 1 for t in tokens):
        return [w for t in tokens for w in slug_words(t)], True
    if len(tokens) == 1 and is_initials(tokens[0]) and tokens[0].isupper():
        return [w for c in tokens[0] for w in slug_words(c)], True  # PubMed "MB"
    words = [w for t in tokens for w in slug_words(t)]
    return words, False


def _family_slug(family: str | None) -> str:
    words = slug_words(family or "")
    kept = [w for w in words if w not in PARTICLES] or words
    return "-".join(kept)


def describe(author: Author) -> tuple[str, list[str], bool] | None:
    """(family slug, given words, initials only) for a person; None for an organisation or
    a name with nothing to key it by."""
    if author.is_organization:
        return None
    found = _described(*_parts(author))
    return None if found is None else (found[0], list(found[1]), found[2])


# Every author is described several times a build (both reading passes, resolving
# initials), and the same names recur across papers: folding and splitting them once each
# is a sizeable part of the reading (bench/throughput.py).
@lru_cache(maxsize=1 << 15)
def _described(family: str | None, given: str | None) -> tuple[str, tuple[str, ...], bool] | None:
    fam = _family_slug(family)
    words, initials_only = given_parts(given)
    if not fam:
        if not words:
            return None
        fam, words, initials_only = "-".join(words), [], False
    return fam, tuple(words), initials_only


def initials_of(words: list[str]) -> str:
    return "".join(w[0] for w in words)


def intrinsic_key(author: Author) -> str | None:
    """The key this author's own name gives, before looking at other people."""
    parts = describe(author)
    if parts is None:
        if author.is_organization:
            return None
        words = slug_words(author.name)
        if words:
            return "-".join(words)
        text = author.name.strip()
        # Nothing letter-like in the name: still one stable node per written form.
        return f"h-{hashlib.sha1(text.encode('utf-8')).hexdigest()[:12]}" if text else None
    fam, words, initials_only = parts
    if not words:
        return fam
    if initials_only:
        return f"{fam}_" + "".join(f"{w}." for w in words)
    return f"{fam}_" + "-".join(words)


def person_key(author: Author) -> str | None:
    """The person node an author becomes: the resolved key when one was assigned."""
    return author.person or intrinsic_key(author)


def is_full_key(key: str) -> bool:
    """A key minted from a full given name (not initials-only, not family-only)."""
    return "_" in key and not key.endswith(".")


def _matches(initials: str, full_key: str) -> bool:
    given = full_key.split("_", 1)[1]
    return initials_of(given.split("-")).startswith(initials)


class People:
    """The full-name people known in a build, by family name, to resolve initials-only names."""

    def __init__(self) -> None:
        self.by_family: dict[str, set[str]] = {}

    def observe(self, record: PaperRecord) -> None:
        for author in record.authors:
            key = intrinsic_key(author)
            if key and is_full_key(key):
                self.by_family.setdefault(key.split("_", 1)[0], set()).add(key)

    def candidates(self, author: Author) -> list[str] | None:
        """Full-name keys an initials-only author may be; None for any other author."""
        parts = describe(author)
        if parts is None or not parts[2]:
            return None
        fam, words, _ = parts
        initials = initials_of(words)
        return sorted(k for k in self.by_family.get(fam, ()) if _matches(initials, k))

    def assign(self, record: PaperRecord) -> None:
        """Set `Author.person` for initials-only authors: the one matching full-name person,
        or their own initials key when several match (left None when none does, so the
        store can still be asked)."""
        for author in record.authors:
            found = self.candidates(author)
            if found is None or not found:
                continue
            author.person = found[0] if len(found) == 1 else intrinsic_key(author)


def adopt_stored_people(store, records: Sequence[PaperRecord]) -> Sequence[PaperRecord]:
    """Resolve initials-only authors against full-name people already in the store.

    An author the build left open (no full-name match in the build) joins the one stored
    person that matches; an author the build joined to a person goes back to its own
    initials key when the store holds another matching person.
    """
    open_authors = [(a, parts) for r in records for a in r.authors
                    if (parts := describe(a)) is not None and parts[2]
                    and (a.person is None or is_full_key(a.person))]
    if not open_authors:
        return records
    families = sorted({family for a, _ in open_authors if (family := _parts(a)[0])})
    stored = _stored_full_keys(store, families)
    for author, (fam, words, _) in open_authors:
        initials = initials_of(words)
        found = {k for k in stored.get(fam, ()) if _matches(initials, k)}
        if author.person is not None:
            found.add(author.person)
        if len(found) == 1:
            author.person = found.pop()
        elif found:
            author.person = intrinsic_key(author)
    return records


def _stored_full_keys(store, families: Iterable[str]) -> dict[str, set[str]]:
    """Full-name keys of stored people whose family name is written as one of `families`."""
    import pyoxigraph as ox

    from kg.ontology import KG, SCHEMA

    out: dict[str, set[str]] = {}
    values = " ".join(str(ox.Literal(f)) for f in families)
    if not values:
        return out
    query = (f"SELECT DISTINCT ?key WHERE {{ VALUES ?f {{ {values} }} "
             f"?p <{SCHEMA.familyName}> ?f ; <{KG.nameKey}> ?key }}")
    for row in store.query(query):
        key = row["key"].value
        if is_full_key(key):
            out.setdefault(key.split("_", 1)[0], set()).add(key)
    return out


def same_person(a: Author, b: Author) -> bool:
    """Two author entries of one paper (from two listings) that may name the same person:
    same family, and given names that agree (equal, or initials matching the other's)."""
    pa, pb = describe(a), describe(b)
    if pa is None or pb is None:
        return a.name.strip().lower() == b.name.strip().lower()
    if pa[0] != pb[0]:
        return False
    (_, wa, ia), (_, wb, ib) = pa, pb
    if not wa or not wb:
        return True
    if not ia and not ib:
        return wa == wb
    return initials_of(wb).startswith(initials_of(wa)) or initials_of(wa).startswith(
        initials_of(wb))
