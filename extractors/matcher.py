"""Vocabulary matching on words: longest alias first, editions and variants of known names.

Case-sensitive aliases ("SAM", "CT") are looked up by exact key, the others by loose key
over runs of up to `max_words` words joined by single spaces. A known name followed by an
edition ("BraTS 2021") or carrying a variant suffix ("ResNet-50", "YOLOv8n", "KiTS21")
becomes its own entity of the same kind; hyphen compounds are reduced to their known part
("U-Net-based" -> U-Net) or, when the other part is a name ("Med-Zorb"), kept whole.
"""

from __future__ import annotations

import re
from dataclasses import replace
from itertools import compress

from kg.extractors.candidates import Candidate
from kg.extractors.normalize import exact_key, loose_key
from kg.extractors.shapes import GENERIC_PREFIX_PARTS, GENERIC_SUFFIX_PARTS, is_generic
from kg.extractors.vocab import Entry, Vocabulary
from kg.extractors.words import Words

NAME = "kg_vocabulary"
_EDITION = re.compile(r"(?:19|20)\d{2}|'\d{2}")
_VERSION = re.compile(r"v?\d+(?:\.\d+)?")
_SIZE = re.compile(r"(.+?\d)([a-z]{1,2})")
_VARIANT = re.compile(
    r"(?P<base>[A-Za-z][A-Za-z0-9\-]*?[A-Za-z])[-_ ]?"
    r"(?P<var>[vV]?\d+(?:\.\d+)?[a-zA-Z]{0,2}|'\d{2}|(?:19|20)\d{2})$"
)


def _single(vocab: Vocabulary, word: str) -> Entry | None:
    """Entry for one word, trying the singular of a plural ("MRIs", "ViTs")."""
    hit = vocab.lookup([loose_key(word)], exact_key(word))
    if hit is None and len(word) > 3 and word.endswith("s"):
        hit = vocab.lookup([loose_key(word[:-1])], exact_key(word[:-1]))
    return hit


class _WordCache(dict):
    """word -> what the word alone can match, or None when it can start nothing.

    Most words are plain lower-case words that no alias starts with, or capitalised
    words ("The", "Results") that match nothing: cached per surface string, they are
    skipped by a C-level scan (`map(cache.__getitem__, words)`). A hit is (loose key,
    second words of the phrases it starts, single-word entry, compound candidates at
    offsets from 0).
    """

    def __init__(self, vocab: Vocabulary) -> None:
        super().__init__()
        self.vocab = vocab
        self.first_keys = vocab.first_keys

    def __missing__(self, word: str) -> _WordInfo | None:
        info = None
        if word in self.first_keys or not (
                word.islower() and word.isalnum() and word.isascii()):
            info = _analyse(self.vocab, word)
        if len(self) < _CACHE_SIZE:
            self[word] = info
        return info


_WordInfo = tuple[str, frozenset[str], Entry | None, list[Candidate]]
_CACHE_SIZE = 1 << 18
_caches: dict[int, _WordCache] = {}


def _cache(vocab: Vocabulary) -> _WordCache:
    cache = _caches.get(id(vocab))
    if cache is None or cache.vocab is not vocab or cache.first_keys is not vocab.first_keys:
        cache = _caches[id(vocab)] = _WordCache(vocab)
    return cache


def _plain(word: str) -> bool:
    # plain ASCII words need no key normalisation beyond lower()
    return word.isalnum() and word.isascii()


def _key(word: str, lower: str) -> str:
    return lower if _plain(word) else loose_key(word)


def _analyse(vocab: Vocabulary, word: str) -> _WordInfo | None:
    """The context-free part of matching one word."""
    key = _key(word, word.lower())
    phrase = frozenset(vocab.seconds.get(key, ()))  # second words of phrases it starts
    hit = vocab.loose.get(key)
    lower = word.islower()
    if hit is None and not lower:
        hit = vocab.strict.get(exact_key(word))
    if hit is None and word[-1] == "s" and len(word) > 3:
        hit = _single(vocab, word[:-1])
    if hit is None and word.endswith("ies") and len(word) > 5:
        hit = _single(vocab, word[:-3] + "y")  # "echocardiographies"
    compound = _compound(word, 0, word, vocab) if hit is None and (
        not lower or "-" in word) else []
    if not (phrase or hit or compound):
        return None
    return key, phrase, hit, compound


def match_vocabulary(text: str, words: Words, vocab: Vocabulary) -> list[Candidate]:
    """Candidates for every vocabulary name, edition and variant in `text`."""
    ws, starts, ends, lowers = words.words, words.starts, words.ends, words.lowers
    n = len(ws)

    def joined(i: int) -> bool:
        """Are word i and i+1 separated by exactly one space?"""
        return i + 1 < n and ends[i] + 1 == starts[i + 1] and text[ends[i]] == " "

    out: list[Candidate] = []
    cache = _cache(vocab)
    infos = list(map(cache.__getitem__, ws))
    first_words = vocab.starts
    free = 0  # words before this index are inside an earlier match
    for i in compress(range(n), infos):
        if i < free:
            continue
        key, phrase, hit, compound = infos[i]
        span = 1
        # a phrase is tried only when its first two words fit some alias
        if phrase and joined(i) and (lowers[i + 1] in phrase or (
                not _plain(ws[i + 1]) and loose_key(ws[i + 1]) in phrase)):
            lengths = first_words[key]
            reach = 2
            while reach < lengths[0] and joined(i + reach - 1):
                reach += 1
            for m in lengths:
                if m > reach:
                    continue
                run = [key] + [_key(ws[j], lowers[j]) for j in range(i + 1, i + m)]
                found = vocab.lookup(run)
                if found is None and run[-1].endswith("s"):
                    found = vocab.lookup(run[:-1] + [run[-1][:-1]])
                if found is not None:
                    hit, span = found, m
                    break
        start = starts[i]
        if hit is not None:
            last = i + span - 1
            end = ends[last]
            nxt = ws[last + 1] if joined(last) else ""
            extend = (hit.kind == "dataset" and _EDITION.fullmatch(nxt)) or (
                hit.kind == "model" and _VERSION.fullmatch(nxt) and not nxt.isdigit()
            )
            if extend:
                end = ends[last + 1]
                span += 1
                out.append(_variant(text, start, end, hit, nxt))
            else:
                out.append(Candidate(start, end, text[start:end], hit.kind, 0.95, NAME,
                                     "vocabulary", 3, entry=hit))
            free = i + span
            continue
        for c in compound:  # fresh copies: merging edits candidates
            out.append(replace(c, start=start + c.start, end=start + c.end))
    return out


def _variant(text: str, start: int, end: int, family: Entry, variant: str) -> Candidate:
    # editions compare by their last two digits: "2021", "21" and "'21" are one edition
    tag = variant.lower().strip("'")
    if len(tag) == 4 and tag.isdigit():
        tag = tag[2:]
    return Candidate(start, end, text[start:end], family.kind, 0.85, NAME, "variant", 3,
                     family=family, variant=tag)


def _compound(text: str, start: int, word: str, vocab: Vocabulary) -> list[Candidate]:
    """Known names inside one unknown word: variants, hyphen compounds, modality parts."""
    if word[:1].islower() and "-" not in word:
        return []
    m = _SIZE.fullmatch(word)  # "YOLOv8n" is a size of YOLOv8
    if m:
        base = _single(vocab, m.group(1))
        if base is not None and base.kind == "model":
            return [_variant(text, start, start + len(word), base, m.group(2))]
    m = _VARIANT.fullmatch(word)
    if m:
        base = _single(vocab, m.group("base"))
        if base is not None and base.kind in ("model", "dataset"):
            return [_variant(text, start, start + len(word), base, m.group("var"))]
    if "-" not in word:
        return []
    parts = word.split("-")
    # "U-Net-based", "non-CT": drop generic affixes and look the rest up again
    lo, hi = 0, len(parts)
    while hi - lo > 1 and parts[hi - 1].lower() in GENERIC_SUFFIX_PARTS:
        hi -= 1
    while hi - lo > 1 and parts[lo].lower() in GENERIC_PREFIX_PARTS:
        lo += 1
    if (lo, hi) != (0, len(parts)):
        offset = start + sum(len(p) + 1 for p in parts[:lo])
        core = "-".join(parts[lo:hi])
        hit = _single(vocab, core)
        if hit is not None:
            return [Candidate(offset, offset + len(core), core, hit.kind, 0.9, NAME,
                              "vocabulary", 3, entry=hit)]
        inner = _compound(text, offset, core, vocab) if hi - lo > 1 else []
        return inner
    # which contiguous part-runs are known? longest first, left to right
    known: list[tuple[int, int, Entry]] = []
    for size in range(len(parts) - 1, 0, -1):
        for a in range(0, len(parts) - size + 1):
            if any(a < kb and ka < a + size for ka, kb, _ in known):
                continue
            hit = _single(vocab, "-".join(parts[a:a + size]))
            if hit is not None:
                known.append((a, a + size, hit))
    if not known:
        return []
    kinds = {e.kind for _, _, e in known}
    if kinds & {"model", "dataset"}:
        kind = "model" if "model" in kinds else "dataset"
        if is_generic(word):
            return []
        return [Candidate(start, start + len(word), word, kind, 0.8, NAME, "compound", 2)]
    out = []
    for a, b, hit in known:
        if hit.kind != "modality":
            continue
        offset = start + sum(len(p) + 1 for p in parts[:a])
        sub = "-".join(parts[a:b])
        out.append(Candidate(offset, offset + len(sub), sub, hit.kind, 0.9, NAME,
                             "vocabulary", 3, entry=hit))
    return out
