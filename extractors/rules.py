"""Rules for names no vocabulary knows.

Each rule reads the word sequence (see words.py) around a cue and proposes a span and a
kind: head nouns ("the X dataset", "X network", "the A, B and C datasets"), lists after a
head ("datasets such as A and B"), context verbs ("trained on X", "fine-tuned from X"),
introductions ("we propose X", "named X", "X, a novel framework"), a title's "X: ..."
prefix, and name shape alone (CamelCase, -Net, -25M). Vocabulary words are left to the
vocabulary matcher; merging (resolve.py) settles overlaps and disagreements.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import compress

from kg.extractors.candidates import Candidate
from kg.extractors.shapes import (
    DATASET_HEADS,
    MODEL_HEADS,
    STOP_CAPS,
    has_letters_and_digits,
    is_acronym,
    is_generic,
    is_namey,
    is_plain_title,
    is_strong_name,
    looks_like_dataset,
)
from kg.extractors.words import Words

NAME = "kg_names"
MAX_NAME_WORDS = 6
INTRO_VERBS = frozenset(
    "propose proposes present presents introduce introduces develop develops release "
    "releases curate curates construct constructs build builds design designs "
    "devise devises establish establishes create creates".split()
)
NAMING_VERBS = frozenset("named called termed dubbed coined denoted".split())
DATASET_VERBS = frozenset(
    "trained pretrained pre-trained evaluated tested validated benchmarked fine-tuned "
    "finetuned experiments results performance retrained".split()
)
MODEL_FROM_VERBS = frozenset(
    "fine-tuned finetuned initialized initialised distilled adapted".split()
)
LIST_OPENERS = frozenset("including such namely like e.g i.e".split())
_DETERMINERS = frozenset("a an the".split())
_ARTICLES = frozenset(("a", "an"))
# words after which a head noun no longer describes the name before them
_CLAUSE_TURNS = frozenset("on using trained evaluated tested from than".split())
_TRIGGERS = (DATASET_HEADS | MODEL_HEADS | DATASET_VERBS | MODEL_FROM_VERBS | INTRO_VERBS
             | NAMING_VERBS)
_CUE_WORDS = _TRIGGERS | _ARTICLES


@dataclass
class Text:
    """The doc text with its words and lookups the rules share."""

    text: str
    words: Words
    sentence_starts: Callable[[], list[int]]  # computed on demand: rarely needed here
    title_end: int  # end offset of the title part (0 without a title)

    def __post_init__(self) -> None:
        w = self.words
        self.starts, self.ends, self.ws, self.lowers = w.starts, w.ends, w.words, w.lowers
        self.n = len(w.words)

    def gap(self, i: int) -> str:
        """Characters between word i and word i+1 (the rest of the text after the last)."""
        if i + 1 >= self.n:
            return self.text[self.ends[i]:] if 0 <= i < self.n else ""
        return self.text[self.ends[i]:self.starts[i + 1]]

    def lower(self, i: int) -> str:
        return self.lowers[i] if 0 <= i < len(self.lowers) else ""

    def namey(self, i: int) -> bool:
        """Can word i be part of a name? In a title every word is capitalised, so there
        plain capitalised words ("Foundation", "Model") do not count."""
        word = self.ws[i]
        if not is_namey(word):
            return False
        return not (self.ends[i] <= self.title_end and is_plain_title(word))

    def sentence_initial(self, i: int) -> bool:
        start = self.starts[i]
        return start in self.sentence_starts() or i == 0 or "\n" in self.text[
            self.ends[i - 1]:start
        ]


def _valid(t: Text, a: int, b: int, strict: bool) -> bool:
    """Is words[a:b] a plausible name? `strict` asks for a name shape when single."""
    ws = [t.ws[k] for k in range(a, b)]
    if not ws or ws[0].lower() in STOP_CAPS or all(is_generic(w) for w in ws):
        return False
    if is_generic(" ".join(ws)):
        return False
    if len(ws) == 1:
        w = ws[0]
        if is_strong_name(w) or is_acronym(w) or has_letters_and_digits(w):
            return not is_generic(w)
        if strict or not is_plain_title(w) or t.sentence_initial(a):
            return False
    return True


def _group_back(t: Text, i: int) -> int:
    """First index of the run of name words ending at word i (i + 1 when none)."""
    a = i + 1
    while a - 1 >= 0 and i - (a - 1) < MAX_NAME_WORDS and t.namey(a - 1):
        if a - 1 < i and t.gap(a - 1) not in (" ", "-"):
            break
        a -= 1
    return a


def _group_fwd(t: Text, i: int) -> int:
    """End index (exclusive) of the run of name words starting at word i."""
    b = i
    n = t.n
    while b < n and b - i < MAX_NAME_WORDS and t.namey(b):
        if b > i and t.gap(b - 1) not in (" ", "-"):
            break
        b += 1
    return b


def _span(t: Text, a: int, b: int, kind: str | None, conf: float, rule: str, strength: int,
          role: str = "used") -> Candidate:
    start, end = t.starts[a], t.ends[b - 1]
    return Candidate(start, end, t.text[start:end], kind, conf, NAME, rule, strength, role=role)


def _list_back(t: Text, i: int) -> list[tuple[int, int]]:
    """Name groups before word i joined by commas and "and"/"or": "A, B, and C"."""
    groups = []
    k = i
    while k >= 0:
        a = _group_back(t, k)
        if a > k:
            break
        groups.append((a, k + 1))
        if a == 0:
            break
        sep = t.gap(a - 1).strip()
        prev = t.lower(a - 1)
        if prev in ("and", "or", "&") and a - 2 >= 0 and t.gap(a - 2).strip() in ("", ","):
            k = a - 2
        elif sep == ",":
            k = a - 1
        else:
            break
    return groups


def _list_fwd(t: Text, i: int) -> list[tuple[int, int]]:
    """Name groups from word i on, joined by commas and "and"/"or"."""
    groups = []
    k = i
    n = t.n
    while k < n:
        if t.lower(k) in _DETERMINERS:
            k += 1
            continue
        b = _group_fwd(t, k)
        if b == k:
            break
        groups.append((k, b))
        if b >= n:
            break
        sep = t.gap(b - 1).strip()
        if sep == "," and t.lower(b) in ("and", "or"):
            k = b + 1
        elif sep == ",":
            k = b
        elif sep == "" and t.lower(b) in ("and", "or"):
            k = b + 1
        elif sep.startswith("(") and sep.count("(") == 1:
            # "A (ABB), B": skip the parenthesis
            close = next((j for j in range(b, min(b + 6, n)) if ")" in t.gap(j)), None)
            if close is None:
                break
            after = t.gap(close).strip()
            if after.startswith(")") and after.endswith(","):
                k = close + 1
                if t.lower(k) in ("and", "or"):
                    k += 1
            else:
                break
        else:
            break
    return groups


def _kind_after(t: Text, b: int, limit: int = 10) -> str | None:
    """Kind given by the first head noun after word b in the same clause."""
    last = t.lower(b - 1)  # the name's own head: "Tiny Lesion Transformer"
    if last in DATASET_HEADS:
        return "dataset"
    if last in MODEL_HEADS:
        return "model"
    for k in range(b, min(b + limit, t.n)):
        if k > b and any(ch in t.gap(k - 1) for ch in ".;:("):
            return None
        w = t.lower(k)
        if w in _CLAUSE_TURNS:
            return None
        if w in DATASET_HEADS:
            return "dataset"
        if w in MODEL_HEADS:
            return "model"
    return None


def find_names(t: Text) -> list[Candidate]:
    """Rule candidates for the whole text."""
    out: list[Candidate] = []
    n = t.n
    lowers = t.lowers
    # only cue words and words before "a"/"an" start a rule; found with a C-level scan
    cues = set()
    for j in compress(range(n), map(_CUE_WORDS.__contains__, lowers)):
        if lowers[j] in _ARTICLES:
            if j:
                cues.add(j - 1)
        else:
            cues.add(j)
    for i in sorted(cues):
        w = lowers[i]
        # head nouns: "the X dataset", "the A, B and C datasets", "X network"
        if w in DATASET_HEADS or w in MODEL_HEADS:
            kind = "dataset" if w in DATASET_HEADS else "model"
            head_in_name = t.ws[i][0].isupper()
            end = i if head_in_name else i - 1
            # a lower-case head needs a name word right before it (checked first: cheap)
            if end >= 0 and (head_in_name or (t.gap(i - 1) in (" ", "-") and t.namey(end))):
                groups = _list_back(t, end) if w.endswith("s") else [(_group_back(t, end), end + 1)]
                for a, b in groups:
                    if head_in_name and b == i + 1:
                        if a >= i:  # the head alone ("Challenge") names nothing
                            continue
                    if kind == "model" and all(is_plain_title(t.ws[k])
                                               for k in range(a, b) if k != i):
                        continue  # "Deep Regression Network": a description, not a name
                    if a < b and _valid(t, a, b, strict=(kind == "model" and not head_in_name)):
                        out.append(_span(t, a, b, kind, 0.8, "head-noun", 2))
            # "datasets such as A, B and C", "benchmarks: A, B"
            if i + 1 < n:
                nxt = t.lower(i + 1)
                gap = t.gap(i)
                start = None
                if nxt in LIST_OPENERS:
                    start = i + 3 if nxt == "such" and t.lower(i + 2) == "as" else i + 2
                elif gap.strip() in (":", "("):
                    start = i + 1
                if start is not None and start < n:
                    for a, b in _list_fwd(t, start):
                        if _valid(t, a, b, strict=True):
                            out.append(_span(t, a, b, kind, 0.75, "head-list", 2))
        # "trained on X", "evaluated on A and B"
        if w in DATASET_VERBS and t.lower(i + 1) == "on" and i + 2 < n:
            for a, b in _list_fwd(t, i + 2):
                if _valid(t, a, b, strict=True):
                    out.append(_span(t, a, b, "dataset", 0.75, "context", 2))
        if w in MODEL_FROM_VERBS and t.lower(i + 1) in ("from", "with") and i + 2 < n:
            for a, b in _list_fwd(t, i + 2):
                if _valid(t, a, b, strict=True):
                    out.append(_span(t, a, b, "model", 0.75, "context", 2))
        # "we propose X", "named X"
        if (w in INTRO_VERBS or w in NAMING_VERBS) and i + 1 < n:
            k = i + 1
            if w in NAMING_VERBS and t.lower(k) == "as":
                k += 1
            if w in INTRO_VERBS and t.lower(k) in _DETERMINERS:
                k += 1
            b = _group_fwd(t, k)
            strict = w in INTRO_VERBS and t.lower(i + 1) not in _DETERMINERS
            if b > k and _valid(t, k, b, strict=strict or (b - k) == 1):
                kind = _kind_after(t, b) or ("dataset" if looks_like_dataset(t.ws[b - 1])
                                             else "model")
                out.append(_span(t, k, b, kind, 0.85, "introduction", 2, role="proposed"))
        # "X, a novel framework ..."
        if i + 1 < n and lowers[i + 1] in ("a", "an") and t.gap(i).startswith(","):
            a = _group_back(t, i)
            if a <= i and _valid(t, a, i + 1, strict=True):
                kind = _kind_after(t, i + 2, 8)
                if kind is not None:
                    novel = any(t.lower(k) in ("novel", "new", "our") for k in range(i + 2, i + 5))
                    out.append(_span(t, a, i + 1, kind, 0.8, "apposition", 2,
                                     role="proposed" if novel else "used"))
    out.extend(_title_name(t))
    out.extend(_shapes(t))
    return out


def _title_name(t: Text) -> list[Candidate]:
    """"MedFuncta: ..." or "PASTA - ...": a paper title that opens with its method's name."""
    if not t.title_end or not t.n:
        return []
    k = 0
    b = 0
    while b < t.n and b < 4 and is_namey(t.ws[b]) and (
        b == 0 or t.gap(b - 1) in (" ", "-")
    ):
        b += 1
    if b == 0 or t.ends[b - 1] >= t.title_end:
        return []
    gap = t.gap(b - 1)
    if not gap.lstrip().startswith((":", "- ")) and not gap.startswith(":"):
        return []
    ws = [t.ws[j] for j in range(k, b)]
    if len(ws) == 1 and is_plain_title(ws[0]) and ws[0].lower() in STOP_CAPS:
        return []
    if any(is_generic(x) for x in ws) or not _valid(t, k, b, strict=False):
        return []
    if len(ws) > 1 and all(is_plain_title(x) for x in ws):
        return []  # "Beyond Knowledge Silos: ...": a phrase, not a name
    title = t.text[:t.title_end].lower()
    kind = "dataset" if any(h in title for h in ("dataset", "benchmark", "database", "corpus",
                                                 "challenge")) \
        and not any(h in title for h in (" model", "network", "framework")) else "model"
    return [_span(t, k, b, kind, 0.8, "title", 2, role="proposed")]


def _shapes(t: Text) -> list[Candidate]:
    """Words whose shape alone says "name": MedNeXt, H3DE-Net, PreCT-160K."""
    out = []
    for i in compress(range(t.n), map(_SHAPE.__getitem__, t.ws)):
        word = t.ws[i]
        kind = "dataset" if looks_like_dataset(word) else "model"
        out.append(Candidate(t.starts[i], t.ends[i], word, kind, 0.6, NAME, "shape", 1))
    return out


class _ShapeCache(dict):
    """word -> is its shape a name? Cached per surface string so the scan runs in C."""

    def __missing__(self, word: str) -> bool:
        strong = len(word) > 3 and not word.islower() and is_strong_name(word)
        if len(self) < 1 << 18:
            self[word] = strong
        return strong


_SHAPE = _ShapeCache()
