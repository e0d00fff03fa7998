"""The learned part: a span categorizer that keeps or drops, and types, candidate entities.

`kg_classifier` is spaCy's SpanCategorizer with two registered parts of our own:

- the suggester "kg.candidate_suggester.v1" proposes one span per candidate entity (the
  representative mention of each Group that kg_candidates made), so the classifier judges
  what the rules found rather than every n-gram;
- the model "kg.CandidateClassifier.v1" is a linear model (thinc's SparseLinear with a
  logistic output) over the hashed features of features.py: fast enough to run on every
  abstract of a large build, and small enough to ship (2 x 2^18 weights).

Training (training.py) uses `spacy train` with extractors/classifier.cfg; spans whose group
matches an optional gold entity carry no loss ("kg_ignore" in the reference doc). After
prediction, each Group holds its probabilities in `group.scores`, which kg_entities reads.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import cast

import numpy
from spacy.language import Language
from spacy.pipeline.spancat import SpanCategorizer
from spacy.tokens import Doc, Span
from spacy.training import Example
from spacy.util import registry
from thinc.api import Logistic, Model, Ops, SparseLinear_v2, chain, get_current_ops
from thinc.types import Floats2d, Ragged

from kg.extractors.features import feature_ids, group_features
from kg.extractors.state import state

IGNORE_KEY = "kg_ignore"
LABELS = {"MODEL": "model", "DATASET": "dataset"}


def representative_tokens(doc: Doc) -> list[tuple[int, int]]:
    """Token span of each group's representative mention, in group order (cached)."""
    st = state(doc)
    if st.group_tokens is None:
        out = []
        for group in st.groups:
            rep = group.representative
            out.append(st.token_range(rep.start, rep.end))
        st.group_tokens = out
    return st.group_tokens


def suggest_candidates(docs: Iterable[Doc], *, ops: Ops | None = None) -> Ragged:
    ops = ops or get_current_ops()
    rows: list[tuple[int, int]] = []
    lengths = []
    for doc in docs:
        spans = representative_tokens(doc)
        rows.extend(spans)
        lengths.append(len(spans))
    data = ops.asarray2i(rows) if rows else ops.alloc2i(0, 2)
    return Ragged(data, ops.asarray1i(lengths))


@registry.misc("kg.candidate_suggester.v1")
def build_candidate_suggester() -> Callable[..., Ragged]:
    return suggest_candidates


def _allowed(model: Model) -> frozenset[int] | None:
    """The feature ids the model was trained with (None: every feature)."""
    listed = model.attrs.get("features")
    if listed is None:
        return None
    cached = model.attrs.get("_allowed")  # a frozenset is not serialised: rebuilt once
    if cached is None or len(cached) != len(listed):
        cached = model.attrs["_allowed"] = frozenset(listed)
    return cached


def _features_forward(model: Model, inputs: tuple[list[Doc], Ragged], is_train: bool):
    docs, spans = inputs
    allowed = _allowed(model)
    keys: list[int] = []
    lengths: list[int] = []
    offset = 0
    for i, doc in enumerate(docs):
        n = int(spans.lengths[i])
        rows = spans.dataXd[offset:offset + n]
        offset += n
        st = state(doc)
        by_tokens = {span: g for g, span in enumerate(representative_tokens(doc))}
        for start, end in rows.tolist() if n else []:
            g = by_tokens.get((start, end))
            if g is None:
                ids = feature_ids(["bias"])
            else:
                group = st.groups[g]
                if group.feature_ids is None:
                    group.feature_ids = feature_ids(group_features(st, group))
                ids = group.feature_ids
                if allowed is not None:
                    ids = list(filter(allowed.__contains__, ids))
            keys.extend(ids)
            lengths.append(len(ids))
    out = (numpy.asarray(keys, dtype="uint64"), numpy.ones(len(keys), dtype="float32"),
           numpy.asarray(lengths, dtype="int32"))
    return out, lambda d_out: inputs


@registry.architectures("kg.CandidateClassifier.v1")
def build_candidate_classifier(length: int = 1 << 18, features: str | None = None,
                               nO: int | None = None) -> Model[tuple[list[Doc], Ragged],
                                                               Floats2d]:
    """`features`: a JSON file listing the feature strings to learn from (training.py
    writes those seen in enough training papers); the list is saved with the weights."""
    listed = None
    if features:
        with open(features, encoding="utf-8") as fh:
            listed = sorted(set(feature_ids(json.load(fh))))
    layer: Model = Model("kg_candidate_features", _features_forward,
                         attrs={"features": listed})
    return chain(layer, SparseLinear_v2(nO=nO, length=length), Logistic())


class CandidateClassifier(SpanCategorizer):
    """SpanCategorizer over candidate entities; scores go back to the Groups."""

    def set_annotations(self, docs: Iterable[Doc], indices_scores) -> None:
        indices, scores = indices_scores
        labels = list(self.labels)
        kinds = [LABELS[label] for label in labels]
        threshold = self.cfg["threshold"]
        # plain floats: indexing a numpy row per group costs more than the whole conversion
        all_rows = scores.tolist()
        all_spans = indices.dataXd.tolist()
        offset = 0
        for i, doc in enumerate(docs):
            st = state(doc)
            n = int(indices.lengths[i])
            by_tokens = {span: g for g, span in enumerate(representative_tokens(doc))}
            spans = []
            for j in range(offset, offset + n):
                start, end = all_spans[j]
                g = by_tokens.get((start, end))
                if g is None:
                    continue
                row = all_rows[j]
                group = st.groups[g]
                group.scores = dict(zip(kinds, row, strict=True))
                if st.write_spans:
                    best = max(range(len(row)), key=row.__getitem__)
                    if row[best] >= threshold:
                        spans.append(Span(doc, start, end, label=labels[best]))
            offset += n
            if st.write_spans:
                doc.spans[self.key] = spans

    def _get_aligned_spans(self, eg: Example) -> list[Span]:
        # Training docs come from the same tokenizer as the reference docs (training.py):
        # token i is token i, so spaCy's character alignment (slow) is not needed.
        spans = eg.reference.spans.get(self.key, [])
        if len(eg.reference) == len(eg.predicted):
            return [Span(eg.predicted, s.start, s.end, label=s.label) for s in spans]
        return super()._get_aligned_spans(eg)

    def get_loss(self, examples: Iterable[Example], spans_scores):
        examples = list(examples)
        _, scores = super().get_loss(examples, spans_scores)
        d_scores = cast(Floats2d, scores)  # spaCy annotates the gradient as a float
        spans, _ = spans_scores
        offset = 0
        for i, eg in enumerate(examples):
            ignored = {(s.start, s.end) for s in eg.reference.spans.get(IGNORE_KEY, [])}
            n = int(spans.lengths[i])
            if ignored and n:
                for j, (start, end) in enumerate(spans[i].dataXd.tolist()):
                    if (start, end) in ignored:
                        d_scores[offset + j] = 0.0
            offset += n
        return float((d_scores ** 2).sum(axis=(0, 1))), d_scores


@Language.factory(
    "kg_classifier",
    default_config={
        "threshold": 0.5,
        "spans_key": "kg_classifier",
        "max_positive": 1,
        "model": {"@architectures": "kg.CandidateClassifier.v1", "length": 1 << 18},
        "suggester": {"@misc": "kg.candidate_suggester.v1"},
        "scorer": {"@scorers": "spacy.spancat_scorer.v1"},
    },
)
def make_classifier(nlp: Language, name: str, *, model: Model, suggester: Callable,
                    spans_key: str, threshold: float, max_positive: int,
                    scorer: Callable | None) -> CandidateClassifier:
    return CandidateClassifier(nlp.vocab, model, suggester, name=name, spans_key=spans_key,
                               negative_weight=None, allow_overlap=True,
                               max_positive=max_positive, threshold=threshold, scorer=scorer,
                               add_negative_label=False)
