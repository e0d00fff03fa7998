"""Training and validating the candidate classifier from paper-level gold files.

The gold files (the format of ../shared/corpus/gold-dev.jsonl) list each paper's entities
by name, not by position. A training doc is a paper run through the rule stages; each
candidate entity whose written forms match a gold model or dataset becomes a positive span
of that label, one matching an optional gold entity an ignored span, every other one a
negative. `spacy train` then fits kg_classifier with extractors/classifier.cfg.

    train(pairs, out_dir)              -> a trained pipeline directory
    cross_validate(pairs, folds=5)     -> predictions for every paper, each made by a
                                          model that never saw that paper
"""

from __future__ import annotations

import json
import random
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from importlib import resources
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span

from kg.evaluate import name_key
from kg.extractors import tokenizer
from kg.extractors.candidates import Group
from kg.extractors.classifier import IGNORE_KEY
from kg.extractors.state import FIELD_SEPARATOR, state
from kg.records import PaperRecord

SPANS_KEY = "kg_classifier"
# A feature seen in fewer training candidates than this is left out: rare features let the
# model memorise its training papers (high scores on them, no better on new ones), which
# cross-validation showed (README, "Extraction quality").
MIN_FEATURE_COUNT = 15
RULE_STAGES = ("kg_abbreviations", "kg_vocabulary", "kg_names", "kg_candidates")
Pair = tuple[PaperRecord, dict]


def config_path() -> Path:
    return Path(str(resources.files("kg.extractors").joinpath("classifier.cfg")))


def pair_with_gold(records: Iterable[PaperRecord], gold: Sequence[dict]) -> list[Pair]:
    """Each gold paper with its record: by arXiv id, else title, else abstract opening (the
    scorer's rules, kg.identity.match_keys)."""
    from kg.identity import match_keys

    tables: tuple[dict, dict, dict] = ({}, {}, {})
    for r in records:
        for table, key in zip(tables, match_keys(r.arxiv, r.title, r.abstract), strict=True):
            if key:
                table.setdefault(key, r)
    pairs = []
    for g in gold:
        arxiv, title, start = match_keys(g.get("arxiv"), g.get("title"), g.get("abstract_start"))
        record = ((arxiv and tables[0].get(arxiv)) or (title and tables[1].get(title))
                  or tables[2].get(start))
        if record is not None:
            pairs.append((record, g))
    return pairs


def _forms(entities: list[str]) -> list[set[str]]:
    return [{name_key(a) for a in e.split("|") if a.strip()} for e in entities]


def group_label(group: Group, gold: dict) -> str | None:
    """"MODEL"/"DATASET" when the group names a gold entity, IGNORE_KEY for an optional
    one, None for a negative."""
    forms = {name_key(c.surface) for c in group.members} | {name_key(group.name)}
    forms.discard("")
    for kind, label in (("models", "MODEL"), ("datasets", "DATASET")):
        if any(forms & f for f in _forms(gold.get(kind, []))):
            return label
    for kind in ("models_optional", "datasets_optional"):
        if any(forms & f for f in _forms(gold.get(kind, []))):
            return IGNORE_KEY
    return None


def text_of(record: PaperRecord) -> str:
    return (record.title or "") + FIELD_SEPARATOR + (record.abstract or "")


def reference_docs(nlp: Language, pairs: Sequence[Pair],
                   counts: Counter | None = None) -> Iterator[Doc]:
    """Docs with the gold label of each candidate entity's representative span; `counts`,
    when given, gathers in how many candidates each feature occurs."""
    from kg.extractors.classifier import representative_tokens
    from kg.extractors.features import group_features

    with nlp.select_pipes(enable=list(RULE_STAGES)):
        docs = nlp.pipe([text_of(r) for r, _ in pairs])
        for doc, (_, gold) in zip(docs, pairs, strict=True):
            positives, ignored = [], []
            for group, (start, end) in zip(state(doc).groups, representative_tokens(doc),
                                           strict=True):
                if end <= start:
                    continue
                if counts is not None:
                    counts.update(set(group_features(state(doc), group)))
                label = group_label(group, gold)
                if label == IGNORE_KEY:
                    ignored.append(doc[start:end])
                elif label is not None:
                    positives.append(Span(doc, start, end, label=label))
            out = Doc(nlp.vocab, words=[t.text for t in doc],
                      spaces=[bool(t.whitespace_) for t in doc])
            out.spans[SPANS_KEY] = [Span(out, s.start, s.end, label=s.label_)
                                     for s in positives]
            out.spans[IGNORE_KEY] = [Span(out, s.start, s.end) for s in ignored]
            yield out


def write_docbin(docs: Iterable[Doc], path: Path) -> int:
    db = DocBin(attrs=[], store_user_data=False)
    n = 0
    for doc in docs:
        db.add(doc)
        n += 1
    db.to_disk(path)
    return n


def train(pairs: Sequence[Pair], out_dir: str | Path, *, seed: int = 0,
          min_count: int = MIN_FEATURE_COUNT, overrides: dict | None = None) -> Path:
    """Train kg_classifier on `pairs`; returns the trained pipeline's directory."""
    from spacy.cli.train import train as spacy_train

    from kg.extractors import build_pipeline

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    nlp = build_pipeline(classifier=False)
    data = out_dir / "train.spacy"
    counts: Counter = Counter()
    write_docbin(reference_docs(nlp, pairs, counts), data)
    kept = out_dir / "features.json"
    kept.write_text(json.dumps(sorted(f for f, n in counts.items() if n >= min_count)),
                    encoding="utf-8")
    settings = {"paths.train": str(data), "paths.dev": str(data), "system.seed": seed,
                "components.kg_classifier.model.features": str(kept), **(overrides or {})}
    # every epoch sees the same texts: run the rules on each once (tokenizer.py)
    tokenizer.TRAINING_CACHE = {}
    try:
        spacy_train(config_path(), out_dir / "run", use_gpu=-1, overrides=settings)
    finally:
        tokenizer.TRAINING_CACHE = None
    return out_dir / "run" / "model-last"


def install(component_dir: str | Path, target: str | Path) -> None:
    """Copy a trained kg_classifier (its folder in a trained pipeline) to `target`."""
    target = Path(target)
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(Path(component_dir), target)


def folds(pairs: Sequence[Pair], k: int, seed: int = 0) -> list[list[Pair]]:
    order = list(range(len(pairs)))
    random.Random(seed).shuffle(order)
    return [[pairs[i] for i in order[f::k]] for f in range(k)]


def cross_validate(pairs: Sequence[Pair], k: int = 5, *, seed: int = 0,
                   overrides: dict | None = None) -> list[tuple[PaperRecord, list]]:
    """(record, mentions) for every paper, predicted by a model trained on the other folds."""
    from kg.extractors import Extractor

    out: list[tuple[PaperRecord, list]] = []
    parts = folds(pairs, k, seed)
    with tempfile.TemporaryDirectory() as tmp:
        for f, test in enumerate(parts):
            train_pairs = [p for g, part in enumerate(parts) if g != f for p in part]
            model = train(train_pairs, Path(tmp) / f"fold{f}", seed=seed, overrides=overrides)
            extractor = Extractor(classifier_dir=model / "kg_classifier")
            records = [r for r, _ in test]
            out.extend(zip(records, extractor.extract(records), strict=True))
    return out
