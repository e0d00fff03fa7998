"""Entity extraction: spaCy components over spacy.blank("en") finding models, datasets,
imaging modalities and tasks in titles and abstracts (kg.extractors)."""

from __future__ import annotations

import gc
import hashlib
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import cast

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from kg.extractors import factories  # noqa: F401  (registers the rule components)
from kg.extractors.classifier import CandidateClassifier  # (also registers kg_classifier)
from kg.extractors.state import FIELD_SEPARATOR, state
from kg.extractors.tokenizer import Tokenizer
from kg.extractors.vocab import shared_vocabulary
from kg.extractors.words import sentence_of
from kg.records import Mention, PaperRecord

# bump when a rule changes what is extracted: part of the PROV run IRI
RULES_VERSION = "4"
RULE_STAGES = ("kg_abbreviations", "kg_vocabulary", "kg_names", "kg_candidates")
_PLURAL = {"model": "models", "dataset": "datasets", "modality": "modalities", "task": "tasks"}

__all__ = ["Extractor", "build_pipeline", "entities", "RULES_VERSION"]


def shipped_classifier_dir() -> Path:
    """Where the trained kg_classifier ships: the package's model/ folder."""
    return Path(str(resources.files("kg.extractors").joinpath("model")))


def shipped_classifier() -> Path | None:
    """The trained kg_classifier weights shipped as package data, if any."""
    folder = shipped_classifier_dir()
    return folder if (folder / "model").exists() else None


def build_pipeline(*, classifier: bool = True, classifier_dir: Path | None = None,
                   threshold: float = 0.5) -> Language:
    """spacy.blank("en") with the extractor's tokenizer and the kg_ components; the
    learned classifier (shipped weights, or `classifier_dir`) unless `classifier` is off."""
    nlp = spacy.blank("en")
    nlp.tokenizer = Tokenizer(nlp.vocab)
    for name in RULE_STAGES:
        nlp.add_pipe(name)
    weights = classifier_dir or shipped_classifier()
    if classifier and weights is not None:
        classifier_pipe = cast(CandidateClassifier, nlp.add_pipe("kg_classifier"))
        classifier_pipe.from_disk(weights, exclude=["vocab"])
    nlp.add_pipe("kg_entities", config={"threshold": threshold})
    return nlp


class Extractor:
    """The pipeline of build_pipeline; `extract` turns records into mentions."""

    def __init__(self, batch_size: int = 256, *, classifier: bool = True,
                 classifier_dir: Path | None = None, threshold: float = 0.5) -> None:
        self.nlp = build_pipeline(classifier=classifier, classifier_dir=classifier_dir,
                                  threshold=threshold)
        self.batch_size = batch_size

    @property
    def config_hash(self) -> str:
        """Stable over runs: vocabulary files, generic word list and rules version."""
        digest = hashlib.sha1(RULES_VERSION.encode())
        digest.update(shared_vocabulary().digest.encode())
        generic = resources.files("kg.extractors").joinpath("generic.txt").read_bytes()
        digest.update(generic)
        if "kg_classifier" in self.nlp.pipe_names:
            pipe = cast(CandidateClassifier, self.nlp.get_pipe("kg_classifier"))
            digest.update(pipe.model.to_bytes())
        return digest.hexdigest()

    def extract(self, records: Sequence[PaperRecord]) -> list[list[Mention]]:
        """One list of mentions per record, in record order."""
        texts = [(r.title or "") + FIELD_SEPARATOR + (r.abstract or "") for r in records]
        with _rare_collections():
            docs = self.nlp.pipe(self._docs(texts), batch_size=self.batch_size)
            return [_mentions(record, doc) for record, doc in zip(records, docs, strict=True)]

    def _docs(self, texts: Iterable[str]) -> Iterator[Doc]:
        """Docs whose components skip doc.spans: the mentions are read from the state, and
        unread Span objects cost about a twentieth of the extraction."""
        for text in texts:
            doc = self.nlp.make_doc(text)
            state(doc).write_spans = False
            yield doc


@contextmanager
def _rare_collections() -> Iterator[None]:
    """Extraction makes many short-lived objects and keeps few: at the collector's default
    threshold (700 allocations) it would run thousands of times a batch for nothing, about
    a tenth of the CPU (bench/extraction.py)."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], 50_000), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _mentions(record: PaperRecord, doc: Doc) -> list[Mention]:
    st = state(doc)
    if not st.entities:
        return []
    text = st.text
    title_end = len(record.title or "")
    split = title_end + len(FIELD_SEPARATOR)
    starts = st.sentence_starts()
    sentences: dict[int, tuple[int, int]] = {}  # first offset -> sentence span: mentions share
    out = []
    for r in st.entities:
        field, base = ("title", 0) if r.end <= title_end else ("abstract", split)
        at = starts[bisect_right(starts, r.start) - 1]
        span = sentences.get(at)
        if span is None:
            span = sentences[at] = sentence_of(text, starts, r.start)
        # A sentence never reaches across the title/abstract boundary.
        limit = title_end if field == "title" else len(text) - base
        out.append(Mention(
            kind=r.kind, entity_key=r.key, name=r.name, surface=r.surface, field=field,
            start=r.start - base, end=r.end - base,
            sentence_start=max(0, span[0] - base), sentence_end=min(limit, span[1] - base),
            confidence=round(r.confidence, 3), extractor=r.extractor, role=r.role,
            notation=r.notation,
        ))
    return out


def entities(mentions: Iterable[Mention]) -> dict[str, list[dict]]:
    """One paper's mentions as the JSON contract's entity lists (keys, not IRIs)."""
    grouped: dict[str, dict[str, dict]] = {p: {} for p in _PLURAL.values()}
    for m in mentions:
        bucket = grouped[_PLURAL[m.kind]]
        item = bucket.get(m.entity_key)
        if item is None:
            if m.kind in ("model", "dataset"):
                item = {"id": m.entity_key, "name": m.name, "mentions": [], "role": m.role,
                        "confidence": m.confidence}
            elif m.kind == "modality":
                item = {"id": m.entity_key, "name": m.name, "notation": m.notation}
            else:
                item = {"id": m.entity_key, "name": m.name}
            bucket[m.entity_key] = item
        if "mentions" in item:
            if m.surface not in item["mentions"]:
                item["mentions"].append(m.surface)
            if m.role == "proposed":
                item["role"] = "proposed"
            item["confidence"] = max(item["confidence"], m.confidence)
    return {plural: list(items.values()) for plural, items in grouped.items()}
