"""spaCy components of the extractor, registered under kg_ names.

Pipeline (kg.extractors.build_pipeline): the `kg.Tokenizer.v1` tokenizer, then
kg_abbreviations -> kg_vocabulary -> kg_names -> kg_candidates -> kg_classifier (learned,
classifier.py) -> kg_entities. The components share a `DocState` (state.py) and write
what users read to `doc.spans`:

- "kg_candidates": one span per candidate mention of a model or dataset, labelled with
  the rules' guess of its kind, `kb_id_` the candidate entity (group) it belongs to;
- "kg_entities": the final mentions, labelled MODEL, DATASET, MODALITY or TASK, `kb_id_`
  the entity key ("model/u-net"), which the graph mapping turns into an IRI.

Every component also works after spaCy's own tokenizer (spacy.blank("en") + add_pipe):
it then splits the doc text into its own words and aligns spans to the tokens.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import minibatch

from kg.extractors.abbreviations import find_definitions
from kg.extractors.candidates import Candidate
from kg.extractors.decide import decide
from kg.extractors.matcher import match_vocabulary
from kg.extractors.resolve import Resolved, resolve
from kg.extractors.rules import Text, find_names
from kg.extractors.state import DocState, state
from kg.extractors.vocab import shared_vocabulary

CANDIDATES_KEY = "kg_candidates"
ENTITIES_KEY = "kg_entities"


def _spans(doc: Doc, st: DocState, items: Iterable[tuple[int, int, str, str]]) -> list[Span]:
    """Spans of (start, end, label, kb id) character ranges."""
    out = []
    for start, end, label, kb_id in items:
        first, last = st.token_range(start, end)
        out.append(Span(doc, first, last, label=label, kb_id=kb_id))
    return out


class _Batched:
    """`pipe` runs the component over a batch of docs before handing them on: one stage
    at a time over many docs keeps its code and tables hot, about 3% faster than
    spaCy's doc-by-doc default (bench/extraction.py)."""

    def __call__(self, doc: Doc) -> Doc:
        raise NotImplementedError

    def pipe(self, docs: Iterable[Doc], *, batch_size: int = 256) -> Iterator[Doc]:
        for batch in minibatch(docs, batch_size):
            yield from [self(doc) for doc in batch]


class AbbreviationsComponent(_Batched):
    """Schwartz-Hearst definitions: (long start, long end, short start, short end)."""

    def __call__(self, doc: Doc) -> Doc:
        st = state(doc)
        if st.rules_done:
            return doc
        if "(" in st.text:
            st.definitions = find_definitions(st.text)
        return doc


class VocabularyComponent(_Batched):
    """Known models, datasets, modalities and tasks (the shipped SKOS vocabulary)."""

    def __init__(self) -> None:
        self.vocab = shared_vocabulary()

    def __call__(self, doc: Doc) -> Doc:
        st = state(doc)
        if st.rules_done:
            return doc
        st.candidates.extend(match_vocabulary(st.text, st.words, self.vocab))
        return doc


class NamesComponent(_Batched):
    """Rule-found names the vocabulary does not know."""

    def __call__(self, doc: Doc) -> Doc:
        st = state(doc)
        if st.rules_done:
            return doc
        text = Text(st.text, st.words, st.sentence_starts, st.title_end)
        st.candidates.extend(find_names(text, known=list(st.candidates)))
        return doc


class CandidatesComponent(_Batched):
    """Merge candidate mentions into candidate entities; modality and task mentions are
    final here."""

    def __init__(self) -> None:
        self.vocab = shared_vocabulary()

    def __call__(self, doc: Doc) -> Doc:
        st = state(doc)
        if not st.rules_done:
            st.fixed, st.groups = resolve(st.text, st.candidates, st.definitions,
                                          self.vocab, st.sentence_starts, st.words)
            st.rules_done = True
        if st.write_spans:
            doc.spans[CANDIDATES_KEY] = _spans(doc, st, (
                (c.start, c.end, (group.kind or "model").upper(), f"g{g}")
                for g, group in enumerate(st.groups) for c in group.members))
        return doc


class EntitiesComponent(_Batched):
    """Keep or drop each candidate entity (classifier scores where present, else the
    rules) and write the final mentions to doc.spans["kg_entities"]."""

    def __init__(self, *, threshold: float) -> None:
        self.threshold = threshold

    def __call__(self, doc: Doc) -> Doc:
        st = state(doc)
        names = decide(st.groups, self.threshold)
        st.entities = sorted([*st.fixed, *names], key=lambda r: (r.start, r.end))
        if st.write_spans:
            doc.spans[ENTITIES_KEY] = _spans(
                doc, st, ((r.start, r.end, r.kind.upper(), r.key) for r in st.entities))
        return doc


@Language.factory("kg_abbreviations", default_config={})
def make_abbreviations(nlp: Language, name: str) -> AbbreviationsComponent:
    return AbbreviationsComponent()


@Language.factory("kg_vocabulary", default_config={})
def make_vocabulary(nlp: Language, name: str) -> VocabularyComponent:
    return VocabularyComponent()


@Language.factory("kg_names", default_config={})
def make_names(nlp: Language, name: str) -> NamesComponent:
    return NamesComponent()


@Language.factory("kg_candidates", default_config={})
def make_candidates(nlp: Language, name: str) -> CandidatesComponent:
    return CandidatesComponent()


@Language.factory("kg_entities", default_config={"threshold": 0.5})
def make_entities(nlp: Language, name: str, *, threshold: float) -> EntitiesComponent:
    return EntitiesComponent(threshold=threshold)


__all__ = ["CANDIDATES_KEY", "ENTITIES_KEY", "Candidate", "Resolved"]
