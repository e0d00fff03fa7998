"""Word and sentence segmentation on character offsets.

spaCy's tokenizer splits "LLaVA-Med" into three tokens; names are matched on these
"words" instead: runs of letters and digits joined by hyphens, apostrophes, dots or "&"
("nnU-Net", "ISLES'22", "GPT-3.5", "H&E", "U-Net++"). "/" separates ("PET/CT").

Speed: every later stage reads these lists, so they are built with C-level loops only
(one re.split, accumulate over lengths); the few words that need fixing (hyphens,
possessives, URLs) are found through a per-word cache scanned in C, not a Python loop.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from itertools import accumulate, compress

# possessive quantifiers (*+): a word never gives characters back, so the regex engine
# keeps no backtracking state (a tenth faster, same matches)
WORD_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_]*+(?:[-\u2010\u2011\u2013'\u2019.&][A-Za-z0-9_]++)*+\+*+"
WORD_RE = re.compile(WORD_PATTERN)
# split() with a group alternates gap, word, gap, word, ..., tail
_SPLIT = re.compile("(" + WORD_PATTERN + ")")
_POSSESSIVE = re.compile(r"['\u2019]s$")
# links name repositories and users, not entities ("github.com/some-lab/...")
_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w.-]+\.(?:com|org|io|net|edu|ai)/\S*")
# every URL match holds one of these: a fast test before the slow full pattern
_URL_HINTS = ("://", "www.", ".com/", ".org/", ".io/", ".net/", ".edu/", ".ai/")


_NON_SPACE = re.compile(r"\S*")


def _urls(text: str) -> list[tuple[int, int]]:
    """Spans of URLs. A URL never holds whitespace, so the slow pattern runs only over
    the whitespace-free pieces that hold a hint."""
    hits = sorted(at for hint in _URL_HINTS for at in _find_all(text, hint))
    out: list[tuple[int, int]] = []
    done = 0  # end of the last piece searched
    for at in hits:
        if at < done:
            continue
        begin = at
        while begin > 0 and not text[begin - 1].isspace():
            begin -= 1
        done = _NON_SPACE.match(text, at).end()  # type: ignore[union-attr]
        out.extend(u.span() for u in _URL.finditer(text, begin, done))
    return out


def _find_all(text: str, sub: str) -> list[int]:
    out = []
    at = text.find(sub)
    while at >= 0:
        out.append(at)
        at = text.find(sub, at + 1)
    return out
# "U-Net-based", "SAM-guided": the affix is not part of the name
_AFFIXES = frozenset(
    "based like style guided driven generated derived assisted enhanced powered specific "
    "level wise only free aware inspired type family series variant variants version "
    "versions pretrained trained tuned finetuned fine initialized compatible labeled "
    "labelled annotated augmented supervised conditioned centric oriented scale "
    "scans scan images image slices volumes data sequences reports on in of".split()
)
# A sentence starts after a whitespace run that follows [.!?] and precedes a capital,
# digit, bracket or quote; after a run holding two line breaks; or after a line break
# right before a capital. Runs are found from their rare characters (a fast C scan).
_BREAK_CANDIDATE = re.compile(r"[.!?]\s+(?=[A-Z0-9(\[\"'])|\n")
_WHITESPACE = re.compile(r"\s+")
_AFTER_STOP = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789([\"'")


@dataclass(slots=True)
class Words:
    """Parallel lists: start and end offsets, the word, its lower case, the gap after it."""

    starts: list[int]
    ends: list[int]
    words: list[str]
    lowers: list[str]
    gaps: list[str]  # the text after each word, up to the next word (or the end)
    lead: str  # the text before the first word

    def __len__(self) -> int:
        return len(self.words)


class _FixCache(dict):
    """word -> its `_fix` parts at offset 0, or None when the word stays as it is.
    Cached per surface string, so finding the words to fix is a C-level scan."""

    def __missing__(self, word: str) -> list[tuple[int, int, str]] | None:
        parts = None
        if "-" in word or "'" in word or "\u2019" in word or "\u2013" in word or "." in word:
            parts = _fix(0, word)
            if len(parts) == 1 and parts[0][:2] == (0, len(word)):
                parts = None
        if len(self) < 1 << 18:
            self[word] = parts
        return parts


_FIXES = _FixCache()


class _LowerCache(dict):
    """word -> its lower case. The cached string keeps its hash, so the many lookups of
    lower-cased words later (cue words, vocabulary keys, features) do not hash it again."""

    def __missing__(self, word: str) -> str:
        lower = word.lower()
        if len(self) < 1 << 18:
            self[word] = lower
        return lower


_LOWERS = _LowerCache()


def _fix(start: int, word: str) -> list[tuple[int, int, str]]:
    """Words glued by an en dash or a missing space after a full stop are split first
    ("datasets\u2013FooBank", "module.Our"), then each piece is fixed."""
    pieces = _unglue(word)
    if len(pieces) == 1:
        return _fix_one(start, word)
    out = []
    for at, piece in pieces:
        out.extend(_fix_one(start + at, piece))
    return out


# a full stop between a lower-case word and a capital: two sentences with the space missing
_GLUED_STOP = re.compile(r"(?<=[a-z]{3})\.(?=[A-Z][a-z])")


def _unglue(word: str) -> list[tuple[int, str]]:
    """(offset, piece) of a word split at en dashes that join anything but two capitalised
    words ("datasets\u2013FooBank" splits, "Kolmogorov\u2013Arnold" stays) and at glued sentence
    stops; the word itself when there is nothing to split."""
    cuts = [m.start() for m in _GLUED_STOP.finditer(word)]
    if "\u2013" in word:
        pieces = word.split("\u2013")
        at = 0
        for left, right in zip(pieces, pieces[1:], strict=False):
            at += len(left)
            if not (left[:1].isupper() and right[:1].isupper()):
                cuts.append(at)
            at += 1
    if not cuts:
        return [(0, word)]
    out = []
    at = 0
    for cut in sorted(cuts):
        if cut > at:
            out.append((at, word[at:cut]))
        at = cut + 1
    if at < len(word):
        out.append((at, word[at:]))
    return out


def _is_affix(part: str) -> bool:
    """A generic word glued after a name: "-based", "-encoded", "-guided", "-learning"."""
    return part in _AFFIXES or (part.islower() and len(part) > 4 and part.endswith(("ed", "ing")))


def _fix_one(start: int, word: str) -> list[tuple[int, int, str]]:
    """A word with a hyphen or apostrophe: possessive off, glued lead word and
    generic affix split off ("models-MobileNet", "U-Net-based")."""
    end = start + len(word)
    if len(word) > 2 and _POSSESSIVE.search(word):
        word = word[:-2]
        end -= 2
    if "-" not in word:
        return [(start, end, word)]
    parts = word.split("-")
    # "models-MobileNet", "non-CT": a lower-case word glued before a name
    lead = 0
    while (lead < len(parts) - 1 and len(parts[lead]) > 2 and parts[lead].islower()
           and parts[lead + 1][:1].isupper()):
        lead += 1
    if lead:
        cut = sum(len(p) + 1 for p in parts[:lead])
        start, word, parts = start + cut, word[cut:], parts[lead:]
    keep = len(parts)
    while keep > 1 and _is_affix(parts[keep - 1]):
        keep -= 1
    if keep < len(parts):
        core = "-".join(parts[:keep])
        rest = start + len(core) + 1
        return [(start, start + len(core), core), (rest, end, word[len(core) + 1:])]
    return [(start, end, word)]


def split(text: str) -> Words:
    """Words of `text`; a trailing possessive "'s" is not part of a word."""
    parts = _SPLIT.split(text)
    offsets = list(accumulate(map(len, parts)))
    starts, ends, words, gaps = offsets[0:-1:2], offsets[1::2], parts[1::2], parts[2::2]
    fixes = list(map(_FIXES.__getitem__, words))
    fix = dict(zip(compress(range(len(words)), fixes), compress(fixes, fixes), strict=True))
    if "/" in text:
        for a, b in _urls(text):
            for i in range(bisect_left(starts, a), bisect_left(starts, b)):
                fix[i] = []
    if fix:
        return _fixed(text, starts, ends, words, gaps, fix)
    return Words(starts, ends, words, list(map(_LOWERS.__getitem__, words)), gaps, parts[0])


def _fixed(text: str, starts: list[int], ends: list[int], words: list[str], gaps: list[str],
           fix: dict[int, list[tuple[int, int, str]]]) -> Words:
    """The words with each word i of `fix` replaced by its pieces (none: dropped), in one
    forward pass; only the gaps next to a replaced word are cut from the text again."""
    new_starts: list[int] = []
    new_ends: list[int] = []
    new_words: list[str] = []
    new_gaps: list[str] = []
    touched = []  # new indices whose gap changes: pieces, and the word before them
    done = 0
    for i in sorted(fix):
        new_starts += starts[done:i]
        new_ends += ends[done:i]
        new_words += words[done:i]
        new_gaps += gaps[done:i]
        if new_starts:
            touched.append(len(new_starts) - 1)
        at = starts[i]
        for a, b, word in fix[i]:
            touched.append(len(new_starts))
            new_starts.append(at + a)
            new_ends.append(at + b)
            new_words.append(word)
            new_gaps.append("")
        done = i + 1
    new_starts += starts[done:]
    new_ends += ends[done:]
    new_words += words[done:]
    new_gaps += gaps[done:]
    last = len(new_starts) - 1
    for k in touched:
        new_gaps[k] = text[new_ends[k]:new_starts[k + 1] if k < last else len(text)]
    lead = text[:new_starts[0]] if new_starts else text
    lowers = list(map(_LOWERS.__getitem__, new_words))
    return Words(new_starts, new_ends, new_words, lowers, new_gaps, lead)


def split_words(text: str) -> list[tuple[int, int, str]]:
    """(start, end, word) for every word (see `split`)."""
    w = split(text)
    return list(zip(w.starts, w.ends, w.words, strict=True))


def sentence_starts(text: str) -> list[int]:
    """Start offsets of sentences; a cheap splitter (no abbreviation handling needed
    for provenance: the sentence is context, not an identifier)."""
    out = [0]
    done = 0  # end of the last whitespace run looked at
    n = len(text)
    for m in _BREAK_CANDIDATE.finditer(text):
        if m.end() - m.start() > 1:  # the common case: ". Next"
            out.append(m.end())
            done = m.end()
            continue
        run = m.start()
        if run < done:
            continue
        while run > 0 and text[run - 1].isspace():
            run -= 1
        end = _WHITESPACE.match(text, run).end()  # type: ignore[union-attr]
        done = end
        nxt = text[end] if end < n else ""
        if run > 0 and text[run - 1] in ".!?" and nxt and nxt in _AFTER_STOP:
            out.append(end)
            continue
        lines = text.count("\n", run, end)
        if lines >= 2:
            out.append(text.rindex("\n", run, end) + 1)
        elif lines == 1 and text[end - 1] == "\n" and "A" <= nxt <= "Z":
            out.append(end)
    return out


def sentence_of(text: str, starts: list[int], offset: int) -> tuple[int, int]:
    """Character span of the sentence containing `offset`."""
    i = bisect_right(starts, offset) - 1
    begin = starts[i]
    end = starts[i + 1] if i + 1 < len(starts) else len(text)
    while end > begin and text[end - 1].isspace():
        end -= 1
    return begin, end
