"""`kg train`: fit the extractor's classifier on gold files and measure it honestly.

A gold set is a gold file (the format of ../shared/corpus/gold-dev.jsonl) and the listings
its papers come from. Training reads the listings with the usual readers, pairs each gold
paper with its record and hands the pairs to kg.extractors.training (spaCy's `spacy train`
with extractors/classifier.cfg). Validation never scores a paper with a model that saw it:
k-fold cross-validation over all gold papers, and leave-one-source-out (train on every gold
set but one, score that one).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kg import DEFAULT_BASE
from kg.errors import InputError
from kg.evaluate import evaluate
from kg.extract import paper_json
from kg.reading import iter_papers

Pair = tuple  # (PaperRecord, gold dict), see kg.extractors.training


@dataclass(frozen=True)
class GoldSet:
    """A gold file and the listing files or folders its papers are read from."""

    gold: Path
    inputs: tuple[Path, ...]

    @property
    def name(self) -> str:
        return self.gold.name


def load_pairs(gold_set: GoldSet) -> list[Pair]:
    """(record, gold paper) for every gold paper found in the set's listings."""
    from kg.extractors.training import pair_with_gold

    gold = []
    with open(gold_set.gold, encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(str(gold_set.gold), f"not JSON ({exc.msg})", number) from None
            if not isinstance(item, dict):
                raise InputError(str(gold_set.gold), "a gold line must be a JSON object", number)
            gold.append(item)
    return pair_with_gold(iter_papers(gold_set.inputs), gold)


def train_model(sets: Sequence[GoldSet], out_dir: str | Path, *, seed: int = 0) -> Path:
    """Train on every pair of `sets`; returns the folder of the trained kg_classifier."""
    from kg.extractors import training

    pairs = [p for s in sets for p in load_pairs(s)]
    return training.train(pairs, out_dir, seed=seed) / "kg_classifier"


def install_model(model_dir: str | Path) -> Path:
    """Copy trained weights into the package (a source checkout's extractors/model)."""
    from kg.extractors import shipped_classifier_dir, training

    target = shipped_classifier_dir()
    training.install(model_dir, target)
    return target


def _scores(sets: Sequence[GoldSet], predicted: list) -> dict[str, dict]:
    """kg.evaluate's result for each gold set over (record, mentions) predictions."""
    lines = [paper_json(record, mentions, DEFAULT_BASE) for record, mentions in predicted]
    return {s.name: evaluate(s.gold, lines) for s in sets}


def cross_validate(sets: Sequence[GoldSet], folds: int = 5, *, seed: int = 0) -> dict[str, dict]:
    """k-fold over every gold paper of `sets` together; scores per gold set."""
    from kg.extractors import training

    pairs = [p for s in sets for p in load_pairs(s)]
    return _scores(sets, training.cross_validate(pairs, folds, seed=seed))


def leave_one_out(sets: Sequence[GoldSet], *, seed: int = 0) -> dict[str, dict]:
    """For each gold set: a model trained on the others, scored on it."""
    from kg.extractors import Extractor, training

    results = {}
    loaded = {s.name: load_pairs(s) for s in sets}
    with tempfile.TemporaryDirectory() as tmp:
        for held in sets:
            train_pairs = [p for s in sets if s is not held for p in loaded[s.name]]
            model = training.train(train_pairs, Path(tmp) / held.name, seed=seed)
            extractor = Extractor(classifier_dir=model / "kg_classifier")
            records = [r for r, _ in loaded[held.name]]
            predicted = list(zip(records, extractor.extract(records), strict=True))
            results[held.name] = _scores([held], predicted)[held.name]
    return results
