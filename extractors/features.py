"""What the learned classifier reads about a candidate entity: named, hashed features.

A candidate entity (a Group) is described by its written forms (shape, words, suffixes),
the words around each of its mentions, the cues the rules saw (head nouns, verbs, an
abbreviation definition, an introduction), and what the rules made of it. Features are
strings ("L1=trained", "shape=XxXx") hashed to 64-bit ids; the classifier is a linear
model over them, so a feature costs one dictionary lookup.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache

from spacy.strings import get_string_id

from kg.extractors.candidates import Group
from kg.extractors.rules import DATASET_VERBS, INTRO_VERBS, MODEL_FROM_VERBS, NAMING_VERBS
from kg.extractors.shapes import (
    DATASET_HEADS,
    DESCRIPTIVE,
    MODEL_HEADS,
    has_name_suffix,
    is_acronym,
    is_description,
    is_generic,
    is_strong_name,
    looks_like_dataset,
)
from kg.extractors.state import DocState

_HEADS = DATASET_HEADS | MODEL_HEADS
_CUES = DATASET_VERBS | INTRO_VERBS | MODEL_FROM_VERBS | NAMING_VERBS | frozenset(
    "using use uses used with via than on from by compared outperforms outperform "
    "baseline baselines including such as named".split()
)
_SHAPE_RUNS = re.compile(r"(.)\1+")


class _Ids(dict):
    """feature string -> 64-bit id, cached: features repeat across docs."""

    def __missing__(self, feature: str) -> int:
        value = get_string_id(feature)
        if len(self) < 1 << 20:
            self[feature] = value
        return value


FEATURE_IDS = _Ids()


class _Named(dict):
    """value -> the feature string "prefix=value", made once. Features repeat across docs;
    a cached string also keeps its hash, so the id lookup after it is cheap."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def __missing__(self, value: object) -> str:
        feature = f"{self.prefix}={value}"
        if len(self) < 1 << 16:
            self[value] = feature
        return feature


_VERDICT, _GUESS, _MENTIONS = _Named("verdict"), _Named("guess"), _Named("mentions")
_RULE, _RULE_KIND = _Named("rule"), _Named("rulekind")
_GAP_LEFT, _GAP_RIGHT = _Named("gapL"), _Named("gapR")
_LEFT1, _LEFT2, _RIGHT1, _RIGHT2 = _Named("L1"), _Named("L2"), _Named("R1"), _Named("R2")
_HEAD_RIGHT, _CUE_LEFT = _Named("headR"), _Named("cueL")


@lru_cache(maxsize=1 << 16)
def word_shape(word: str) -> str:
    """"MedSAM" -> "XxX", "U-Net" -> "X-Xx", "KiTS21" -> "XxXd": runs collapsed."""
    chars = []
    for ch in word:
        if ch.isupper():
            chars.append("X")
        elif ch.islower():
            chars.append("x")
        elif ch.isdigit():
            chars.append("d")
        else:
            chars.append(ch)
    return _SHAPE_RUNS.sub(r"\1", "".join(chars))


def _span_words(st: DocState, start: int, end: int) -> tuple[int, int]:
    """Index range of the words inside [start, end)."""
    w = st.words
    a = bisect_left(w.starts, start)
    b = bisect_left(w.starts, end)
    return a, b


@lru_cache(maxsize=1 << 16)
def form_features(name: str) -> tuple[str, ...]:
    """What the written form alone says (names repeat across papers: computed once)."""
    words = name.split()
    f = [f"n={min(len(words), 5)}"]
    last = words[-1] if words else ""
    first = words[0] if words else ""
    f += [f"last={last.lower()}", f"first={first.lower()}", f"suf3={last[-3:].lower()}",
          f"pre3={first[:3].lower()}", f"shape={'_'.join(word_shape(x) for x in words[:4])}",
          f"lastshape={word_shape(last)}"]
    f += [f"w={x.lower()}" for x in words[:6]]
    if len(words) > 1:
        f.append("multiword")
        if all(x[:1].isupper() for x in words):
            f.append("titled")
        if name.islower():
            f.append("lower")
        desc = sum(x.lower() in DESCRIPTIVE or x.lower().rstrip("s") in DESCRIPTIVE
                   for x in words)
        f.append(f"descfrac={round(4 * desc / len(words))}")
    if last.endswith("s") and not last.endswith("ss") and len(last) > 3:
        f.append("plural")
    flags = (
        ("acronym", is_acronym(name)), ("strong", is_strong_name(name)),
        ("suffix", has_name_suffix(name)), ("dsshape", looks_like_dataset(name)),
        ("description", is_description(name)), ("generic", is_generic(name)),
        ("digit", any(ch.isdigit() for ch in name)), ("hyphen", "-" in name),
    )
    f += [k for k, on in flags if on]
    return tuple(f)


def group_features(st: DocState, group: Group) -> list[str]:
    """The named features of one candidate entity."""
    rep = group.representative
    f = ["bias", _VERDICT[group.verdict[0] if group.verdict else "-"], _GUESS[group.kind],
         _MENTIONS[min(len(group.members), 4)], *form_features(rep.surface)]
    flags = (
        ("intitle", any(c.end <= st.title_end for c in group.members)),
        ("defined", group.long_form is not None),
        ("proposed", any(c.role == "proposed" for c in group.members)),
    )
    f += [k for k, on in flags if on]
    if group.long_form is not None and group.short_form is not None:
        lf = group.long_form.surface
        f += [f"sfshape={word_shape(group.short_form.surface)}",
              f"lflast={lf.split()[-1].lower() if lf.split() else ''}",
              f"lfcase={'lower' if lf.islower() else 'mixed'}"]
    entry = group.entry
    if entry is not None:
        f.append(f"entry={entry.kind}")
    if any(c.family is not None for c in group.members):
        f.append("family")
    for c in group.members:
        f.append(_RULE[c.rule])
        f.append(_RULE_KIND[f"{c.rule}:{c.kind}"])
        f.extend(_context(st, c.start, c.end))
    return f


def _context(st: DocState, start: int, end: int) -> list[str]:
    """Words, punctuation and cues around one mention."""
    w = st.words
    text = st.text
    a, b = _span_words(st, start, end)
    lowers = w.lowers
    out = []
    before = text[w.ends[a - 1]:start].strip() if a > 0 else "^"
    after = text[end:w.starts[b]].strip() if b < len(lowers) else "$"
    out.append(_GAP_LEFT[before[-2:]])
    out.append(_GAP_RIGHT[after[:2]])
    if a > 0:
        out.append(_LEFT1[lowers[a - 1]])
    if a > 1:
        out.append(_LEFT2[lowers[a - 2]])
    if b < len(lowers):
        out.append(_RIGHT1[lowers[b]])
    if b + 1 < len(lowers):
        out.append(_RIGHT2[lowers[b + 1]])
    for k in range(b, min(b + 3, len(lowers))):
        if lowers[k] in _HEADS:
            out.append(_HEAD_RIGHT[lowers[k]])
            break
    for k in range(max(0, a - 4), a):
        if lowers[k] in _CUES:
            out.append(_CUE_LEFT[lowers[k]])
    return out


def feature_ids(features: list[str]) -> list[int]:
    return list(map(FEATURE_IDS.__getitem__, features))
