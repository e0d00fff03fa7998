"""The vocabulary (kg.ontology.vocabulary concepts) as lookup tables for the matcher."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from kg.extractors.normalize import exact_key, loose_key
from kg.extractors.words import split_words
from kg.ontology.vocabulary import Concept, load_concepts


@dataclass(frozen=True)
class Entry:
    """One SKOS concept: base-free key ("model/u-net"), kind, labels, DICOM notation."""

    key: str
    kind: str
    label: str
    aliases: tuple[str, ...] = ()
    notation: str | None = None


def is_strict(alias: str) -> bool:
    """Match case-sensitively? Only a single word of letters alone, all capitals or
    capitalised ("SAM", "CLIP", "Gemini"): those collide with ordinary words when case is
    ignored. Every other spelling variant (case, hyphens, spaces, digits: "x-ray", "Mimic-IV",
    "nnUNet") folds to one loose key, so variants need no aliases of their own."""
    word = alias.strip()
    if " " in word or word.islower() or not word.isalpha():
        return False
    return not (any(ch.isupper() for ch in word[1:]) and any(ch.islower() for ch in word))


@dataclass
class Vocabulary:
    """Entries plus the tables the matcher reads.

    `strict` maps exact keys of single-word case-sensitive aliases, `loose` maps the
    space-joined loose keys of each alias's words, `compact` the same keys without spaces
    (for names the rules found); `starts` holds first words of phrases.
    """

    entries: dict[str, Entry] = field(default_factory=dict)
    strict: dict[str, Entry] = field(default_factory=dict)
    loose: dict[str, Entry] = field(default_factory=dict)
    compact: dict[str, Entry] = field(default_factory=dict)
    starts: dict[str, tuple[int, ...]] = field(default_factory=dict)
    max_words: int = 1
    digest: str = ""
    # second word keys of phrases by first word, also plural ("segment" -> {"anything"})
    seconds: dict[str, set[str]] = field(default_factory=dict)
    _first_keys: frozenset[str] | None = field(default=None, repr=False, compare=False)

    def add(self, entry: Entry) -> None:
        self.entries[entry.key] = entry
        self._first_keys = None
        for alias in (entry.label, *entry.aliases):
            written = [w for _, _, w in split_words(alias)]
            words = [k for w in written if (k := loose_key(w))]
            if not words:
                continue
            self.compact.setdefault("".join(words), entry)
            if len(words) == 1 and is_strict(alias):
                self.strict.setdefault(exact_key(alias), entry)
                continue
            self._add_phrase(words, entry)
            # a hyphen and a space are one spelling rule: "whole-slide image" is also
            # "whole slide image" (and the reverse is the phrase's one-word key below)
            spaced = [k for w in written for part in w.split("-") if (k := loose_key(part))]
            if len(spaced) > len(words):
                self._add_phrase(spaced, entry)

    def _add_phrase(self, words: list[str], entry: Entry) -> None:
        """Index one alias spelled as `words` (loose keys)."""
        self.loose.setdefault(" ".join(words), entry)
        if len(words) > 1:
            # also written as one word: "Segment-Anything-Model", "SegmentAnything"
            self.loose.setdefault("".join(words), entry)
            # phrase lengths per first word, longest first, so a match tries few runs
            lengths = set(self.starts.get(words[0], ())) | {len(words)}
            self.starts[words[0]] = tuple(sorted(lengths, reverse=True))
            self.seconds.setdefault(words[0], set()).update((words[1], words[1] + "s"))
            self.max_words = max(self.max_words, len(words))

    @property
    def first_keys(self) -> frozenset[str]:
        """Lower-case words that may start a match (the matcher's pre-filter)."""
        if self._first_keys is None:
            keys = {k for k in self.loose if " " not in k} | set(self.starts)
            keys |= {k for k in self.strict if k.islower()}
            # plurals: "mris" is looked up as "mri", "tomographies" as "tomography"
            plurals = {k + "s" for k in keys} | {k[:-1] + "ies" for k in keys if k[-1] == "y"}
            self._first_keys = frozenset(keys | plurals)
        return self._first_keys

    def lookup(self, words: list[str], exact: str | None = None) -> Entry | None:
        """Entry for a run of loose word keys (and the exact key of a single word)."""
        if exact is not None:
            hit = self.strict.get(exact)
            if hit is not None:
                return hit
        return self.loose.get(" ".join(words))


def build_vocabulary(concepts: Iterable[Concept], digest: str = "") -> Vocabulary:
    """Lookup tables over plain concepts (kg.ontology.vocabulary)."""
    vocab = Vocabulary(digest=digest)
    for c in concepts:
        vocab.add(Entry(key=c.key, kind=c.kind, label=c.label, aliases=c.aliases,
                        notation=c.notation))
    return vocab


@lru_cache(maxsize=1)
def shared_vocabulary() -> Vocabulary:
    """The vocabulary shipped in kg.ontology (vocab/*.ttl), parsed once per process."""
    concepts, digest = load_concepts()
    return build_vocabulary(concepts, digest)
