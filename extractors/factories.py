"""spaCy components of the extractor, registered under kg_ names.

Pipeline order (see kg.extractors.Extractor): kg_words -> kg_abbreviations ->
kg_vocabulary -> kg_names -> kg_resolve. Each writes one Doc extension; the last one,
`doc._.kg_entities`, holds the resolved mentions with offsets into the doc text.
The doc text of a paper is title + FIELD_SEPARATOR + abstract.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from kg import DEFAULT_BASE
from kg.extractors.abbreviations import find_definitions
from kg.extractors.matcher import match_vocabulary
from kg.extractors.resolve import resolve
from kg.extractors.rules import Text, find_names
from kg.extractors.vocab import Vocabulary, load_vocabulary
from kg.extractors.words import sentence_starts, split_words
from kg.ontology import vocab_paths

FIELD_SEPARATOR = "\n\n"
TEXT_KEY = "kg_text"


class TextKeepingTokenizer:
    """Wraps a tokenizer to remember each doc's input text (saves rebuilding Doc.text)."""

    def __init__(self, tokenizer: object) -> None:
        self.tokenizer = tokenizer

    def __call__(self, text: str) -> Doc:
        doc = self.tokenizer(text)  # type: ignore[operator]
        doc.user_data[TEXT_KEY] = text
        return doc

_EXTENSIONS = ("kg_text", "kg_words", "kg_sentences", "kg_definitions", "kg_candidates",
               "kg_entities")
for _name in _EXTENSIONS:
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


@lru_cache(maxsize=4)
def _vocabulary(paths: tuple[str, ...], base: str) -> Vocabulary:
    # one parse per process, shared by every component and Extractor instance
    return load_vocabulary([Path(p) for p in paths], base)


def shared_vocabulary(base: str = DEFAULT_BASE) -> Vocabulary:
    """The vocabulary shipped in kg.ontology (vocab/*.ttl)."""
    return _vocabulary(tuple(str(p) for p in vocab_paths()), base)


def _title_end(doc: Doc) -> int:
    cut = doc._.kg_text.find(FIELD_SEPARATOR)
    return max(cut, 0)


class WordsComponent:
    """Words (character spans) and sentence starts of the doc text."""

    def __call__(self, doc: Doc) -> Doc:
        # Doc.text joins every token on each access; the tokenizer wrapper kept the input
        text = doc.user_data.pop(TEXT_KEY, None) or doc.text
        doc._.kg_text = text
        doc._.kg_words = split_words(text)
        doc._.kg_sentences = sentence_starts(text)
        doc._.kg_candidates = []
        return doc


class AbbreviationsComponent:
    """Schwartz-Hearst definitions: (long start, long end, short start, short end)."""

    def __call__(self, doc: Doc) -> Doc:
        doc._.kg_definitions = find_definitions(doc._.kg_text) if "(" in doc._.kg_text else []
        return doc


class VocabularyComponent:
    """Known models, datasets, modalities and tasks (SKOS vocabulary)."""

    def __init__(self, base: str) -> None:
        self.vocab = shared_vocabulary(base)

    def __call__(self, doc: Doc) -> Doc:
        doc._.kg_candidates.extend(match_vocabulary(doc._.kg_text, doc._.kg_words, self.vocab))
        return doc


class NamesComponent:
    """Rule-found names the vocabulary does not know."""

    def __call__(self, doc: Doc) -> Doc:
        text = Text(doc._.kg_text, doc._.kg_words, frozenset(doc._.kg_sentences), _title_end(doc))
        doc._.kg_candidates.extend(find_names(text))
        return doc


class ResolveComponent:
    """Merge candidates into entities (doc._.kg_entities)."""

    def __init__(self, base: str) -> None:
        self.vocab = shared_vocabulary(base)

    def __call__(self, doc: Doc) -> Doc:
        doc._.kg_entities = resolve(doc._.kg_text, doc._.kg_candidates, doc._.kg_definitions,
                                    self.vocab, doc._.kg_sentences, doc._.kg_words)
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
