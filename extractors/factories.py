"""spaCy components of the extractor, registered under kg_ names.

Pipeline order (see kg.extractors.Extractor): kg_words -> kg_abbreviations ->
kg_vocabulary -> kg_names -> kg_resolve. The components share one `DocState` kept in
`doc.user_data` (a plain attribute read, where each `doc._` access builds an Underscore
object); the Doc extensions kg_text, kg_words, kg_sentences, kg_definitions,
kg_candidates and kg_entities read it. `doc._.kg_entities` holds the resolved mentions
with offsets into the doc text. The doc text of a paper is title + FIELD_SEPARATOR +
abstract.

The components work on character offsets and their own words (words.py), never on
spaCy tokens, so `TextTokenizer` hands them the text in an empty Doc: running spaCy's
tokenizer would cost as much as the whole extraction.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc
from spacy.vocab import Vocab

from kg import DEFAULT_BASE
from kg.extractors.abbreviations import find_definitions
from kg.extractors.candidates import Candidate
from kg.extractors.matcher import match_vocabulary
from kg.extractors.resolve import Resolved, resolve
from kg.extractors.rules import Text, find_names
from kg.extractors.vocab import Vocabulary, load_vocabulary
from kg.extractors.words import Words, sentence_starts, split
from kg.ontology import vocab_paths

FIELD_SEPARATOR = "\n\n"
STATE_KEY = "kg_state"


class DocState:
    """What the components know about one doc; sentence starts are computed on demand."""

    __slots__ = ("text", "title_end", "words", "definitions", "candidates", "entities",
                 "_sentences")

    def __init__(self, text: str) -> None:
        self.text = text
        self.title_end = max(text.find(FIELD_SEPARATOR), 0)
        self.words: Words | None = None
        self.definitions: list[tuple[int, int, int, int]] = []
        self.candidates: list[Candidate] = []
        self.entities: list[Resolved] = []
        self._sentences: list[int] | None = None

    def sentence_starts(self) -> list[int]:
        if self._sentences is None:
            self._sentences = sentence_starts(self.text)
        return self._sentences


def state(doc: Doc) -> DocState:
    return doc.user_data[STATE_KEY]


class TextTokenizer:
    """Makes an empty Doc carrying its text in a DocState (no spaCy tokens: see above)."""

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        doc = Doc(self.vocab, words=[])
        doc.user_data[STATE_KEY] = DocState(text)
        return doc


_GETTERS = {
    "kg_text": lambda doc: state(doc).text,
    "kg_words": lambda doc: state(doc).words,
    "kg_sentences": lambda doc: state(doc).sentence_starts(),
    "kg_definitions": lambda doc: state(doc).definitions,
    "kg_candidates": lambda doc: state(doc).candidates,
    "kg_entities": lambda doc: state(doc).entities,
}
for _name, _getter in _GETTERS.items():
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, getter=_getter)


@lru_cache(maxsize=4)
def _vocabulary(paths: tuple[str, ...], base: str) -> Vocabulary:
    # one parse per process, shared by every component and Extractor instance
    return load_vocabulary([Path(p) for p in paths], base)


def shared_vocabulary(base: str = DEFAULT_BASE) -> Vocabulary:
    """The vocabulary shipped in kg.ontology (vocab/*.ttl)."""
    return _vocabulary(tuple(str(p) for p in vocab_paths()), base)


def _ensure_state(doc: Doc) -> DocState:
    # docs made by another tokenizer get their state from the doc text
    st = doc.user_data.get(STATE_KEY)
    if st is None:
        st = doc.user_data[STATE_KEY] = DocState(doc.text)
    return st


class WordsComponent:
    """Words (character spans) of the doc text."""

    def __call__(self, doc: Doc) -> Doc:
        st = _ensure_state(doc)
        st.words = split(st.text)
        return doc


class AbbreviationsComponent:
    """Schwartz-Hearst definitions: (long start, long end, short start, short end)."""

    def __call__(self, doc: Doc) -> Doc:
        st = state(doc)
        if "(" in st.text:
            st.definitions = find_definitions(st.text)
        return doc


class VocabularyComponent:
    """Known models, datasets, modalities and tasks (SKOS vocabulary)."""

    def __init__(self, base: str) -> None:
        self.vocab = shared_vocabulary(base)

    def __call__(self, doc: Doc) -> Doc:
        st = state(doc)
        st.candidates.extend(match_vocabulary(st.text, st.words, self.vocab))
        return doc


class NamesComponent:
    """Rule-found names the vocabulary does not know."""

    def __call__(self, doc: Doc) -> Doc:
        st = state(doc)
        text = Text(st.text, st.words, st.sentence_starts, st.title_end)
        st.candidates.extend(find_names(text))
        return doc


class ResolveComponent:
    """Merge candidates into entities (doc._.kg_entities)."""

    def __init__(self, base: str) -> None:
        self.vocab = shared_vocabulary(base)

    def __call__(self, doc: Doc) -> Doc:
        st = state(doc)
        st.entities = resolve(st.text, st.candidates, st.definitions, self.vocab,
                              st.sentence_starts, st.words)
        return doc


@Language.factory("kg_words", default_config={})
def make_words(nlp: Language, name: str) -> WordsComponent:
    return WordsComponent()


@Language.factory("kg_abbreviations", default_config={})
def make_abbreviations(nlp: Language, name: str) -> AbbreviationsComponent:
    return AbbreviationsComponent()


@Language.factory("kg_vocabulary", default_config={"base": DEFAULT_BASE})
def make_vocabulary(nlp: Language, name: str, base: str) -> VocabularyComponent:
    return VocabularyComponent(base)


@Language.factory("kg_names", default_config={})
def make_names(nlp: Language, name: str) -> NamesComponent:
    return NamesComponent()


@Language.factory("kg_resolve", default_config={"base": DEFAULT_BASE})
def make_resolve(nlp: Language, name: str, base: str) -> ResolveComponent:
    return ResolveComponent(base)
