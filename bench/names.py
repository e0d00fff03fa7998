"""Synthetic author populations with a realistic shape, for the generated corpora.

Real author lists have three properties that matter to a co-author query: family and given
names are heavily skewed (a few are very common, most are rare), so different people share
a name; people publish very unequally (a few write hundreds of papers, most a handful);
and people publish in groups, with the same co-authors again and again. This module models
all three without any list of real names:

- names are built from syllables in several spelling styles, thousands of distinct family
  and given names, and drawn with Zipf-like weights (rank ** -exponent);
- researchers are grouped into labs; labs publish with Zipf-like weights, and inside a lab
  the head appears on most papers and the other members with decreasing weights;
- a paper's authors are a few members of one lab, sometimes with a guest from another.

Everything is deterministic for a seed.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass

# Syllables by spelling style; names are made by joining them, never taken from a list.
_STYLES: dict[str, dict[str, Sequence[str]]] = {
    "mono": {  # one-syllable family names, two-syllable given names
        "onset": ("b", "ch", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "q", "r", "s",
                  "sh", "t", "w", "x", "y", "z", "zh"),
        "rime": ("a", "ai", "an", "ang", "ao", "e", "ei", "en", "eng", "i", "ian", "iang",
                 "in", "ing", "iu", "ong", "ou", "u", "uan", "ui", "un", "uo"),
    },
    "cv": {  # open syllables: family names of three, given names of two or three
        "onset": ("k", "s", "t", "n", "h", "m", "y", "r", "w", "g", "z", "d", "b", "sh", "ch",
                  "f"),
        "rime": ("a", "i", "u", "e", "o", "ya", "yu", "yo"),
    },
    "west": {  # closed syllables with endings
        "onset": ("b", "br", "c", "d", "dr", "f", "fr", "g", "gr", "h", "k", "kl", "l", "m",
                  "n", "p", "r", "s", "st", "sch", "t", "tr", "v", "w"),
        "rime": ("a", "e", "i", "o", "u", "au", "ei", "ie", "ar", "er", "or", "an", "en", "in",
                 "el", "al", "ol", "ur"),
        "family_end": ("mann", "berg", "son", "sen", "er", "ini", "elli", "ez", "ov", "ova",
                       "ski", "ic", "ard", "ley", "ton", "well", "as", "is", "aud", "ens"),
        "given_end": ("a", "o", "as", "an", "en", "ia", "ina", "el", "ik", "us", "ette", "ard"),
    },
}


def _cap(word: str) -> str:
    return word[:1].upper() + word[1:]


def _syllable(rng: random.Random, style: dict[str, Sequence[str]]) -> str:
    return rng.choice(style["onset"]) + rng.choice(style["rime"])


def _name(rng: random.Random, style_name: str, family: bool) -> str:
    style = _STYLES[style_name]
    if style_name == "mono":
        count = 1 if family else rng.choice((1, 2, 2))
        return _cap("".join(_syllable(rng, style) for _ in range(count)))
    if style_name == "cv":
        count = 3 if family else rng.choice((2, 3))
        return _cap("".join(_syllable(rng, style) for _ in range(count)))
    stem = "".join(_syllable(rng, style) for _ in range(rng.choice((1, 1, 2))))
    end = rng.choice(style["family_end"] if family else style["given_end"])
    return _cap(stem + end)


def name_pool(size: int, family: bool, seed: int) -> list[str]:
    """`size` distinct synthetic names, most common first (the order is the Zipf rank)."""
    rng = random.Random(seed)
    styles = ("mono", "cv", "west", "west")  # a rank is equally likely in any of them
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < size:
        name = _name(rng, rng.choice(styles), family)
        if len(name) >= 2 and name not in seen:
            seen.add(name)
            out.append(name)
    return out


class Zipf:
    """Draws indexes 0..n-1 with weight (rank + 1) ** -exponent."""

    def __init__(self, n: int, exponent: float) -> None:
        self.cumulative = list(itertools.accumulate((k + 1) ** -exponent for k in range(n)))

    def draw(self, rng: random.Random) -> int:
        point = rng.random() * self.cumulative[-1]
        return min(bisect.bisect_left(self.cumulative, point), len(self.cumulative) - 1)


@dataclass(frozen=True)
class Population:
    """Researchers (names) grouped into labs; `authors(rng)` draws one paper's author list."""

    labs: list[list[str]]
    lab_weights: Zipf
    member_weights: list[Zipf]

    def authors(self, rng: random.Random) -> list[str]:
        lab = self.lab_weights.draw(rng)
        members = self.labs[lab]
        count = min(len(members), rng.randint(2, 8))
        chosen: list[str] = []
        while len(chosen) < count:
            name = members[self.member_weights[lab].draw(rng)]
            if name not in chosen:
                chosen.append(name)
        if rng.random() < 0.25:  # a guest from another lab
            other = self.labs[self.lab_weights.draw(rng)]
            guest = rng.choice(other)
            if guest not in chosen:
                chosen.insert(rng.randrange(1, len(chosen) + 1), guest)
        # The head of the lab (the most frequent member) usually signs last.
        chosen.sort(key=lambda n: n == members[0])
        return chosen


def population(papers: int, seed: int = 0, family_names: int = 6000, given_names: int = 4000,
               name_exponent: float = 0.75, lab_exponent: float = 0.4) -> Population:
    """Researchers for a corpus of `papers` papers: about one per two papers, in labs of 4-40.

    Names draw from `family_names` and `given_names` synthetic names with Zipf weights of
    `name_exponent` (0.75 gives the commonest names to about 3% of people, so the commonest
    full name is shared by about 1 in 1,000, as in real author lists); labs publish with Zipf
    weights of `lab_exponent`.
    """
    rng = random.Random(seed)
    families = name_pool(family_names, True, seed + 1)
    givens = name_pool(given_names, False, seed + 2)
    family_draw = Zipf(len(families), name_exponent)
    given_draw = Zipf(len(givens), name_exponent)
    researchers = max(40, papers // 2)
    labs: list[list[str]] = []
    made = 0
    while made < researchers:
        size = rng.randint(4, 40)
        lab = []
        for _ in range(size):
            name = f"{givens[given_draw.draw(rng)]} {families[family_draw.draw(rng)]}"
            if name not in lab:
                lab.append(name)
        labs.append(lab)
        made += size
    rng.shuffle(labs)
    return Population(labs, Zipf(len(labs), lab_exponent),
                      [Zipf(len(lab), 1.0) for lab in labs])
