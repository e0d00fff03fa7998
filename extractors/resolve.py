"""Merging: overlapping candidates, abbreviation definitions and aliases -> entities.

One entity per thing in a paper: vocabulary hits group by concept key, other names by
merge key ("Blip challenge" = "Blip"), and an abbreviation defined in the text joins its
long form ("Quux Fusion Network (QFN)"). The kind of a new name comes from
the strongest cues; names seen only by shape need a shape that is a name on its own.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from itertools import compress

from kg.extractors.candidates import Candidate, Group
from kg.extractors.normalize import merge_key, slugify
from kg.extractors.rules import INTRO_VERBS, NAMING_VERBS
from kg.extractors.shapes import (
    DATASET_HEADS,
    MODEL_HEADS,
    has_name_suffix,
    is_acronym,
    is_description,
    is_generic,
    is_strong_name,
)
from kg.extractors.vocab import Vocabulary
from kg.extractors.words import Words

NAME = "kg_resolve"
_LF_DATASET_HEADS = DATASET_HEADS | {"study", "trial", "project", "set", "survey"}
_LF_MODEL_HEADS = MODEL_HEADS | {"transformer", "net", "unet", "u-net", "gan", "autoencoder"}
# long forms ending so are measures, conditions or organisations, not models or datasets
_LF_NOT_NAMES = frozenset(
    "distance score error index coefficient ratio rate metric loss accuracy curve value test "
    "criterion criteria scale system disease syndrome cancer carcinoma tumor tumour "
    "impairment disorder imaging tomography learning".split()
)
# "we propose Gradual Mask Refinement (GMR)": the verb right before the long form
_INTRO_CONTEXT = re.compile(
    r"\b(?:" + "|".join(sorted(INTRO_VERBS | NAMING_VERBS)) + r")\b(?:\s+(?:a|an|the|as))?"
    r"(?:\s+(?:novel|new|simple|unified))?\s*$", re.IGNORECASE
)


@dataclass
class Resolved:
    """One mention of one entity, offsets in the doc text."""

    kind: str
    key: str
    name: str
    start: int
    end: int
    surface: str
    confidence: float
    extractor: str
    role: str
    notation: str | None


class _Union:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


def _drop_overlaps(cands: list[Candidate]) -> list[Candidate]:
    """Longest span wins; on equal spans the stronger evidence."""
    cands = sorted(cands, key=lambda c: (c.start, -(c.end - c.start), -c.strength))
    kept: list[Candidate] = []
    for c in cands:
        if kept and c.start < kept[-1].end:
            last = kept[-1]
            if (c.start, c.end) == (last.start, last.end) and c.kind == last.kind:
                # same span found twice: keep the richer one's entry and the proposal
                if c.role == "proposed":
                    last.role = "proposed"
            continue
        kept.append(c)
    return kept


class Spans:
    """Character spans (the modality and task mentions) with a fast overlap lookup: sorted
    by start, only those starting within the longest span's length are looked at."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.spans = sorted(spans)
        self.starts = [a for a, _ in self.spans]
        self.longest = max((b - a for a, b in self.spans), default=0)

    def overlapping(self, start: int, end: int) -> list[tuple[int, int]]:
        lo = bisect_left(self.starts, start - self.longest)
        hi = bisect_left(self.starts, end)
        return [(a, b) for a, b in self.spans[lo:hi] if start < b]


def _covered(text: str, start: int, end: int, spans: Spans) -> bool:
    """Is text[start:end] nothing but modality/task mentions and generic words?"""
    inside = spans.overlapping(start, end)
    if not inside:
        return False
    rest = text[start:end]
    for a, b in sorted(inside, reverse=True):
        a, b = max(a, start) - start, min(b, end) - start
        rest = rest[:a] + " " + rest[b:]
    words = [w for w in re.split(r"[\s\-/]+", rest) if w]
    return all(is_generic(w) for w in words)


def _accept_definition(long: str, short: str, intro: bool) -> str | None:
    """Kind of a defined name that no other evidence knows, or None to skip it."""
    if is_generic(long) or is_generic(short):
        return None
    last = long.split()[-1].lower().strip(",")
    if last in _LF_NOT_NAMES or last.rstrip("s") in _LF_NOT_NAMES:
        return None
    caps = [w for w in long.split() if len(w) > 3]
    titled = bool(caps) and sum(w[0].isupper() for w in caps) >= max(1, 2 * len(caps) // 3)
    if last in _LF_DATASET_HEADS and titled:
        return "dataset"
    if last in _LF_MODEL_HEADS and titled:
        return "model"
    if is_strong_name(short):
        return "model"
    if intro and titled and is_acronym(short):
        return "model"
    return None


def resolve(
    text: str,
    candidates: list[Candidate],
    definitions: list[tuple[int, int, int, int]],
    vocab: Vocabulary,
    sentence_starts: Callable[[], list[int]],
    words: Words,
) -> tuple[list[Resolved], list[Group]]:
    """Modality and task mentions, and the candidate entities (groups) of one doc."""
    out = vocabulary_mentions(candidates)
    blocked = Spans([(r.start, r.end) for r in out])
    names = name_candidates(text, [c for c in candidates if c.strength > 0], blocked)
    by_span, links, weak = link_definitions(text, names, definitions, blocked,
                                            sentence_starts)
    final = _drop_overlaps(drop_nested(by_span.values(), links))
    union, index = group_by_identity(final, links, vocab)
    add_short_form_repeats(text, final, links, union, index, words)
    groups = make_groups(final, union, links)
    groups.extend(weak_groups(text, weak, final))
    weak_names = name_candidates(text, [c for c in candidates if c.strength == 0], blocked)
    add_weak_candidates(weak_names, groups, vocab)
    return out, groups


def vocabulary_mentions(candidates: list[Candidate]) -> list[Resolved]:
    """Modalities and tasks: they come only from the vocabulary and never compete."""
    out = []
    for c in candidates:
        if c.kind in ("modality", "task") and c.entry is not None:
            e = c.entry
            out.append(Resolved(c.kind, e.key, e.label, c.start, c.end, c.surface,
                                c.confidence, c.extractor, "used", e.notation))
    return out


def name_candidates(text: str, candidates: list[Candidate],
                    blocked: Spans) -> list[Candidate]:
    """Model and dataset candidates that are more than modality/task words, overlaps
    settled."""
    names = [c for c in candidates if c.kind in ("model", "dataset", None)
             and not (c.entry is None and _covered(text, c.start, c.end, blocked))]
    return _drop_overlaps(names)


Link = tuple[Candidate, Candidate]


def link_definitions(
    text: str, names: list[Candidate], definitions: list[tuple[int, int, int, int]],
    blocked: Spans, sentence_starts: Callable[[], list[int]],
) -> tuple[dict[tuple[int, int], Candidate], list[Link], list[Link]]:
    """Join each "long form (SF)" definition's two sides, minting the missing side.

    Returns the candidates by span, the (long, short) links, and weak links: definitions
    no cue supports, kept apart for the classifier to judge.
    """
    by_span = {(c.start, c.end): c for c in names}
    links: list[Link] = []
    weak: list[Link] = []
    for ls, le, ss, se in definitions:
        if _covered(text, ss, se, blocked) or _covered(text, ls, le, blocked):
            continue  # "magnetic resonance imaging (MRI)": a modality, not a name
        lc, sc = by_span.get((ls, le)), by_span.get((ss, se))
        if lc is None:
            inside = [c for c in names if ls <= c.start and c.end <= le]
            if len(inside) == 1 and (inside[0].start, inside[0].end) == (ls, le):
                lc = inside[0]
        if sc is None and lc is None:
            begin = max((s for s in sentence_starts() if s <= ls), default=0)
            intro = bool(_INTRO_CONTEXT.search(text[max(begin, ls - 40):ls]))
            role = "proposed" if intro else "used"
            kind = _accept_definition(text[ls:le], text[ss:se], intro)
            if kind is None:
                # the short form may still be a known name used elsewhere with a cue
                kind = next((c.kind for c in names if c.entry is None and c.kind
                             and merge_key(c.surface) == merge_key(text[ss:se])), None)
            if kind is None:
                weak.append((
                    Candidate(ls, le, text[ls:le], None, 0.6, NAME, "definition-weak", 1,
                              role=role),
                    Candidate(ss, se, text[ss:se], None, 0.6, NAME, "definition-weak", 1,
                              role=role)))
                continue
            lc = Candidate(ls, le, text[ls:le], kind, 0.85, NAME, "definition", 2, role=role)
            sc = Candidate(ss, se, text[ss:se], kind, 0.85, NAME, "definition", 2, role=role)
        elif lc is None and sc is not None:
            if sc.kind not in ("model", "dataset"):
                continue
            lc = Candidate(ls, le, text[ls:le], sc.kind, 0.85, NAME, "definition", 2)
        elif sc is None and lc is not None:
            if lc.kind not in ("model", "dataset"):
                continue
            sc = Candidate(ss, se, text[ss:se], lc.kind, 0.85, NAME, "definition", 2)
        assert lc is not None and sc is not None
        for c in (lc, sc):
            if (c.start, c.end) not in by_span:
                by_span[(c.start, c.end)] = c
        links.append((lc, sc))
    return by_span, links, weak


def drop_nested(cands, links: list[Link]) -> list[Candidate]:
    """Names inside a defined long form are part of it ("... U-Net (Blip U-Net)")."""
    long_spans = [(lc.start, lc.end) for lc, _ in links]
    final = sorted(cands, key=lambda c: c.start)
    return [c for c in final if not any(ls <= c.start and c.end <= le and (c.start, c.end)
                                        != (ls, le) for ls, le in long_spans)]


def group_by_identity(final: list[Candidate], links: list[Link],
                      vocab: Vocabulary) -> tuple[_Union, dict[int, int]]:
    """Join candidates naming the same thing: one vocabulary concept, one variant of a
    family, one new name (merge key), a family and its single variant, a definition's
    two sides."""
    index = {id(c): i for i, c in enumerate(final)}
    union = _Union(len(final))
    first_by_identity: dict[str, int] = {}
    for i, c in enumerate(final):
        if c.entry is None and c.family is None:
            hit = vocab.compact.get(merge_key(c.surface))
            if hit is not None and hit.kind in ("model", "dataset"):
                c.entry, c.kind, c.strength = hit, hit.kind, 3
        if c.entry is not None:
            ident = c.entry.key
        elif c.family is not None:
            ident = f"variant:{c.family.key}:{c.variant}"
        else:
            ident = "new:" + merge_key(c.surface)
        if ident in first_by_identity:
            union.join(i, first_by_identity[ident])
        else:
            first_by_identity[ident] = i
    # a single variant next to its family is the same thing written two ways
    # ("YOLOv8n" ... "YOLOv8", "KiTS21" ... "KiTS"); several variants stay apart
    variants: dict[str, set[str]] = defaultdict(set)
    for ident in first_by_identity:
        if ident.startswith("variant:"):
            variants[ident.split(":")[1]].add(ident)
    for family_key, idents in variants.items():
        if len(idents) == 1 and family_key in first_by_identity:
            union.join(first_by_identity[next(iter(idents))], first_by_identity[family_key])
    for lc, sc in links:
        if id(lc) in index and id(sc) in index:
            union.join(index[id(lc)], index[id(sc)])
    return union, index


def add_short_form_repeats(text: str, final: list[Candidate], links: list[Link],
                           union: _Union, index: dict[int, int], words: Words) -> None:
    """Later occurrences of a defined short form ("QFN ... QFN's ...") join its group."""
    shorts = {text[sc.start:sc.end]: sc for _, sc in links if id(sc) in index}
    if not shorts:
        return
    taken = {c.start for c in final}
    for k in compress(range(len(words)), map(shorts.__contains__, words.words)):
        start, end, word = words.starts[k], words.ends[k], words.words[k]
        src = shorts[word]
        if start in taken:
            continue
        c = Candidate(start, end, word, src.kind, src.confidence, NAME,
                      "definition", src.strength)
        final.append(c)
        union.parent.append(len(union.parent))
        union.join(len(final) - 1, index[id(src)])


def make_groups(final: list[Candidate], union: _Union, links: list[Link]) -> list[Group]:
    """One Group per union-find component, with the rules' verdict."""
    members: dict[int, list[Candidate]] = defaultdict(list)
    for i, c in enumerate(final):
        members[union.find(i)].append(c)
    long_ids = {id(lc): (lc, sc) for lc, sc in links}
    long_set = set(long_ids)
    groups = []
    for group in members.values():
        link = next((long_ids[id(c)] for c in group if id(c) in long_ids), None)
        verdict = _entity(group, long_set)
        kind = verdict[0] if verdict else _guess_kind(group)
        name = verdict[2] if verdict else (link[0].surface if link else max(
            group, key=lambda c: (c.strength, -c.start)).surface)
        groups.append(Group(group, verdict, kind, name,
                            long_form=link[0] if link else None,
                            short_form=link[1] if link else None))
    return groups


def weak_groups(text: str, weak: list[Link], final: list[Candidate]) -> list[Group]:
    """Definitions no cue supports, where they overlap no other candidate: the rules drop
    them, the classifier may keep them ("sparse token mixing (STM)")."""
    spans = [(c.start, c.end) for c in final]
    out = []
    for lc, sc in weak:
        if any(a < lc.end and lc.start < b or a < sc.end and sc.start < b for a, b in spans):
            continue
        if is_generic(lc.surface) or is_generic(sc.surface):
            continue
        out.append(Group([lc, sc], None, _guess_kind([lc, sc]) or "model", lc.surface,
                         long_form=lc, short_form=sc))
        spans += [(lc.start, lc.end), (sc.start, sc.end)]
    return out


def add_weak_candidates(weak: list[Candidate], groups: list[Group],
                        vocab: Vocabulary) -> None:
    """Weak candidates where no group has a mention: a new name joins the group of the same
    name (after its verdict, which they never change), or starts a group of its own with
    no verdict."""
    taken = [(c.start, c.end) for g in groups for c in g.members]
    by_key: dict[str, Group] = {}
    for g in groups:
        for c in g.members:
            by_key.setdefault(merge_key(c.surface), g)
    for c in weak:
        if any(a < c.end and c.start < b for a, b in taken):
            continue
        if is_generic(c.surface):
            c.rule += "-generic"  # kept for the classifier, marked
        key = merge_key(c.surface)
        group = by_key.get(key)
        if group is None:
            hit = vocab.compact.get(key)
            if hit is not None and hit.kind in ("model", "dataset"):
                c.entry, c.kind = hit, hit.kind
            group = Group([], None, c.kind, c.surface)
            groups.append(group)
            by_key[key] = group
        group.members.append(c)
        taken.append((c.start, c.end))


def _guess_kind(members: list[Candidate]) -> str | None:
    votes: dict[str, int] = defaultdict(int)
    for c in members:
        if c.kind in ("model", "dataset"):
            votes[c.kind] += c.strength
    if votes:
        return max(sorted(votes), key=lambda k: votes[k])
    last = members[0].surface.split()[-1].lower() if members[0].surface.split() else ""
    return "dataset" if last in _LF_DATASET_HEADS else "model"


def _entity(members: list[Candidate], long_ids: set[int]) -> tuple[str, str, str, str] | None:
    """(kind, key, name, role) of a group of candidates, or None to drop it."""
    entry = next((c.entry for c in members if c.entry is not None), None)
    variants = [(c, c.family) for c in members if c.family is not None]
    if entry is None and variants:
        best, family = max(variants, key=lambda pair: len(pair[0].surface))
        kind = family.kind
        role = "proposed" if any(c.role == "proposed" for c in members) else "used"
        return kind, f"{kind}/{slugify(best.surface)}", best.surface, role
    role = "proposed" if any(c.role == "proposed" for c in members) else "used"
    if entry is not None:
        return entry.kind, entry.key, entry.label, role
    if max(c.strength for c in members) < 2 and not any(c.family for c in members):
        # shape only: a name suffix ("-Net", "-25M") or a name the text repeats
        if not (any(has_name_suffix(c.surface) for c in members) or len(members) > 1):
            return None
    votes: dict[str, int] = defaultdict(int)
    for c in members:
        if c.kind:
            votes[c.kind] += c.strength if c.family is None else 3
    if not votes:
        return None
    kind = max(sorted(votes), key=lambda k: votes[k])
    longs = [c for c in members if id(c) in long_ids]
    if longs:
        name = longs[0].surface
    else:
        best = max(members, key=lambda c: (c.strength, c.family is not None, -c.start))
        name = best.surface
    if is_generic(name) or all(is_generic(c.surface) for c in members):
        return None
    if is_description(name) and not any(is_strong_name(c.surface) for c in members):
        return None
    if name.split()[-1].lower() in DATASET_HEADS:
        kind = "dataset"  # "Zorb Vision 2031 Challenge" names the challenge
    return kind, f"{kind}/{slugify(name)}", name, role
