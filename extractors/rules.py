"""Rules for names no vocabulary knows.

Each rule reads the word sequence (see words.py) around a cue and proposes a span and a
kind: head nouns ("the X dataset", "X network", "the A, B and C datasets"), lists after a
head ("datasets such as A and B"), context verbs ("trained on X", "fine-tuned from X"),
introductions ("we propose X", "named X", "X, a novel framework"), a title's "X: ..."
prefix, and name shape alone (CamelCase, -Net, -25M). Vocabulary words are left to the
vocabulary matcher; merging (resolve.py) settles overlaps and disagreements.
"""

from __future__ import annotations

from bisect import bisect_left
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
# words between coordinated names and their head noun ("A and B public datasets")
_MODIFIERS = frozenset(
    "public publicly-available open private external internal benchmark clinical "
    "multi-center multicenter multi-centre large-scale real-world".split()
)
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
        self.gaps = w.gaps
        self.n = len(w.words)

    def gap(self, i: int) -> str:
        """Characters between word i and word i+1 (the rest of the text after the last)."""
        return self.gaps[i] if 0 <= i < self.n else ""

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
    ws = t.ws[a:b]
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


def find_names(t: Text, known: list[Candidate] | None = None) -> list[Candidate]:
    """Rule candidates for the whole text, each step a function below. `known` are the
    vocabulary's candidates, whose kind spreads to the names listed with them.

    Candidates of strength 0 are weak: what a rule saw but would not vouch for alone (a
    plain title-case phrase before "network", a generic acronym before "dataset", a name
    shape seen once). They never change the rules' own result (resolve.py keeps them apart);
    the learned classifier judges them.
    """
    out: list[Candidate] = []
    for i in _cue_positions(t):
        w = t.lowers[i]
        if w in DATASET_HEADS or w in MODEL_HEADS:
            out.extend(head_noun_names(t, i))
            out.extend(head_list_names(t, i))
        if w in DATASET_VERBS or w in MODEL_FROM_VERBS:
            out.extend(context_names(t, i))
        if w in INTRO_VERBS or w in NAMING_VERBS:
            out.extend(introduced_names(t, i))
        out.extend(apposition_names(t, i))
    out.extend(_title_name(t))
    out.extend(_shapes(t))
    out.extend(weak_shapes(t))
    if known:
        out.extend(list_mates(t, known))
    return out


def _cue_positions(t: Text) -> list[int]:
    """Words that can start a rule: cue words, and the word before "a"/"an" (apposition);
    found with a C-level scan."""
    cues = set()
    lowers = t.lowers
    for j in compress(range(t.n), map(_CUE_WORDS.__contains__, lowers)):
        if lowers[j] in _ARTICLES:
            if j:
                cues.add(j - 1)
        else:
            cues.add(j)
    return sorted(cues)


def _candidate(t: Text, a: int, b: int, kind: str, conf: float, rule: str, strict: bool,
               role: str = "used") -> Candidate | None:
    """The span as a candidate of its rule, or as a weak one when only plausible."""
    if _valid(t, a, b, strict):
        return _span(t, a, b, kind, conf, rule, 2, role=role)
    if _plausible(t, a, b):
        return _span(t, a, b, kind, 0.5, rule + "-weak", 0, role=role)
    return None


def _plausible(t: Text, a: int, b: int) -> bool:
    """Could words[a:b] be a name at all? (the weak test: the classifier decides)"""
    ws = t.ws[a:b]
    if not ws or len(ws) > MAX_NAME_WORDS or ws[0].lower() in STOP_CAPS:
        return False
    if all(w.isdigit() for w in ws):
        return False
    return any(t.namey(k) for k in range(a, b)) or (
        len(ws) == 1 and any(ch.isupper() for ch in ws[0]))


def head_noun_names(t: Text, i: int) -> list[Candidate]:
    """"the X dataset", "the A, B and C datasets", "X network", "the LA and B2 dataset"."""
    w = t.lowers[i]
    kind = "dataset" if w in DATASET_HEADS else "model"
    head_in_name = t.ws[i][0].isupper()
    end = i if head_in_name else i - 1
    # "the X and Y public benchmarks": a modifier between the names and the head
    if not head_in_name and end > 0 and t.lowers[end] in _MODIFIERS and t.namey(end - 1):
        end -= 1
    # a lower-case head needs a name word right before it (checked first: cheap)
    if end < 0 or not (head_in_name or (t.gap(end) in (" ", "-") and t.namey(end))):
        return []
    listed = w.endswith("s") or t.gap(end - 1).strip() == "," or t.lower(end - 1) in (
        "and", "or")
    groups = _list_back(t, end) if listed else [(_group_back(t, end), end + 1)]
    out = []
    for a, b in groups:
        if head_in_name and b == i + 1 and a >= i:
            continue  # the head alone ("Challenge") names nothing
        if a >= b:
            continue
        if kind == "model" and all(is_plain_title(t.ws[k]) for k in range(a, b) if k != i):
            # "Deep Regression Network": usually a description, sometimes a name
            if _plausible(t, a, b):
                out.append(_span(t, a, b, kind, 0.5, "head-noun-weak", 0))
            continue
        c = _candidate(t, a, b, kind, 0.8, "head-noun",
                       strict=(kind == "model" and not head_in_name))
        if c is not None:
            out.append(c)
    return out


def head_list_names(t: Text, i: int) -> list[Candidate]:
    """"datasets such as A, B and C", "benchmarks: A, B"."""
    n = t.n
    if i + 1 >= n:
        return []
    kind = "dataset" if t.lowers[i] in DATASET_HEADS else "model"
    nxt = t.lower(i + 1)
    start = None
    if nxt in LIST_OPENERS:
        start = i + 3 if nxt == "such" and t.lower(i + 2) == "as" else i + 2
    elif t.gap(i).strip() in (":", "("):
        start = i + 1
    if start is None or start >= n:
        return []
    found = (_candidate(t, a, b, kind, 0.75, "head-list", strict=True)
             for a, b in _list_fwd(t, start))
    return [c for c in found if c is not None]


def context_names(t: Text, i: int) -> list[Candidate]:
    """"trained on X", "evaluated on A and B", "fine-tuned from X"."""
    w = t.lowers[i]
    if w in DATASET_VERBS and t.lower(i + 1) == "on" and i + 2 < t.n:
        kind = "dataset"
    elif w in MODEL_FROM_VERBS and t.lower(i + 1) in ("from", "with") and i + 2 < t.n:
        kind = "model"
    else:
        return []
    found = (_candidate(t, a, b, kind, 0.75, "context", strict=True)
             for a, b in _list_fwd(t, i + 2))
    return [c for c in found if c is not None]


def introduced_names(t: Text, i: int) -> list[Candidate]:
    """"we propose X", "named X", "we introduce X, a ..."."""
    w = t.lowers[i]
    if i + 1 >= t.n:
        return []
    k = i + 1
    if w in NAMING_VERBS and t.lower(k) == "as":
        k += 1
    if w in INTRO_VERBS and t.lower(k) in _DETERMINERS:
        k += 1
    b = _group_fwd(t, k)
    if b <= k:
        return []
    strict = w in INTRO_VERBS and t.lower(i + 1) not in _DETERMINERS
    kind = _kind_after(t, b) or ("dataset" if looks_like_dataset(t.ws[b - 1]) else "model")
    c = _candidate(t, k, b, kind, 0.85, "introduction", strict=strict or (b - k) == 1,
                   role="proposed")
    return [c] if c is not None else []


def apposition_names(t: Text, i: int) -> list[Candidate]:
    """"X, a novel framework ..." (the kind from the head noun that follows)."""
    if not (i + 1 < t.n and t.lowers[i + 1] in ("a", "an") and t.gap(i).startswith(",")):
        return []
    a = _group_back(t, i)
    if a > i:
        return []
    kind = _kind_after(t, i + 2, 8)
    if kind is None:
        return []
    novel = any(t.lower(k) in ("novel", "new", "our") for k in range(i + 2, i + 5))
    c = _candidate(t, a, i + 1, kind, 0.8, "apposition", strict=True,
                   role="proposed" if novel else "used")
    return [c] if c is not None else []


def weak_shapes(t: Text) -> list[Candidate]:
    """Words shaped like names but not strongly: an acronym with digits or a lower-case
    tail ("ABC2", "XYZv2"), a compound with capitals ("AB-Fuse", "Foo-500"), an acronym
    of three letters or more. Weak: most are abbreviations of other things."""
    return _shaped(t, _WEAK_SHAPE, 0.5, "shape-weak", 0)


def list_mates(t: Text, known: list[Candidate]) -> list[Candidate]:
    """Names coordinated with a known model or dataset share its kind: "on Foo, ADNI and
    Bar" (ADNI known) makes Foo and Bar datasets."""
    out = []
    for c in known:
        if c.kind not in ("model", "dataset"):
            continue
        a = bisect_left(t.starts, c.start)
        b = bisect_left(t.starts, c.end)
        if a >= t.n or t.starts[a] != c.start or b == a:
            continue
        before = t.gap(a - 1).strip() if a > 0 else ""
        after = t.gap(b - 1).strip()
        if not (before == "," or after == "," or t.lower(a - 1) in ("and", "or")
                or t.lower(b) in ("and", "or")):
            continue
        first = a
        for ga, _ in _list_back(t, b - 1):
            first = min(first, ga)
        for ga, gb in _list_fwd(t, first):
            if gb <= a or ga >= b:
                cand = _candidate(t, ga, gb, c.kind, 0.7, "list-mate", strict=True)
                if cand is not None:
                    out.append(cand)
    return out


def _title_name(t: Text) -> list[Candidate]:
    """"ZorbSeg: ..." or "QUILL - ...": a paper title that opens with its method's name."""
    if not t.title_end or not t.n:
        return []
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
    ws = t.ws[:b]
    if len(ws) == 1 and is_plain_title(ws[0]) and ws[0].lower() in STOP_CAPS:
        return []
    if any(is_generic(x) for x in ws) or not _valid(t, 0, b, strict=False):
        return []
    if len(ws) > 1 and all(is_plain_title(x) for x in ws):
        return []  # "Towards Better Masks: ...": a phrase, not a name
    title = t.text[:t.title_end].lower()
    kind = "dataset" if any(h in title for h in ("dataset", "benchmark", "database", "corpus",
                                                 "challenge")) \
        and not any(h in title for h in (" model", "network", "framework")) else "model"
    return [_span(t, 0, b, kind, 0.8, "title", 2, role="proposed")]


def _shapes(t: Text) -> list[Candidate]:
    """Words whose shape alone says "name": ZorbNeXt, K7QX-Net, ScanBank-160K."""
    return _shaped(t, _SHAPE, 0.6, "shape", 1)


def _shaped(t: Text, shaped: dict[str, bool], confidence: float, rule: str,
            strength: int) -> list[Candidate]:
    """One candidate per word that `shaped` (a cache: word -> bool) accepts."""
    out = []
    for i in compress(range(t.n), map(shaped.__getitem__, t.ws)):
        word = t.ws[i]
        kind = "dataset" if looks_like_dataset(word) else "model"
        out.append(Candidate(t.starts[i], t.ends[i], word, kind, confidence, NAME, rule,
                             strength))
    return out


class _ShapeCache(dict):
    """word -> is its shape a name? Cached per surface string so the scan runs in C."""

    def __missing__(self, word: str) -> bool:
        strong = len(word) > 3 and not word.islower() and is_strong_name(word)
        if len(self) < 1 << 18:
            self[word] = strong
        return strong


_SHAPE = _ShapeCache()


class _WeakShapeCache(dict):
    """word -> is it shaped like a name, weakly? (see weak_shapes)"""

    def __missing__(self, word: str) -> bool:
        weak = False
        if len(word) >= 3 and not word.islower() and not _SHAPE[word]:
            caps = sum(ch.isupper() for ch in word)
            if "-" in word:
                weak = caps >= 1 and any(p[:1].isupper() for p in word.split("-")[1:]) or (
                    caps >= 2)
            elif any(ch.isdigit() for ch in word):
                weak = caps >= 2
            else:
                weak = word.isupper() and word.isalpha()
            weak = weak and not is_generic(word)
        if len(self) < 1 << 18:
            self[word] = weak
        return weak


_WEAK_SHAPE = _WeakShapeCache()
