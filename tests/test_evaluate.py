"""kg.evaluate agrees with the shared corpus scorer and reports errors."""

from __future__ import annotations

import importlib.util
import json

from kg.evaluate import evaluate, read_jsonl
from kg.extract import extract_papers

GOLD = [
    {"key": "a", "title": "Paper A", "arxiv": "2501.00001", "abstract_start": "Alpha",
     "models": ["Segment Anything Model|SAM", "U-Net"], "models_optional": ["ViT"],
     "datasets": ["UK Biobank|UKB"], "datasets_optional": [],
     "modalities": ["MRI"], "modalities_optional": []},
    {"key": "b", "title": "Paper B", "arxiv": None, "abstract_start": "Beta",
     "models": [], "models_optional": [], "datasets": ["BraTS 2021"],
     "datasets_optional": [], "modalities": ["CT"], "modalities_optional": []},
]


def write_gold(tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_text("".join(json.dumps(g) + "\n" for g in GOLD))
    return path


def test_matching_rules(tmp_path):
    preds = [
        {"identifiers": {"arxiv": "2501.00001v2"}, "title": "Paper A",
         "models": [{"name": "SAM", "mentions": ["SAM"]},
                    {"name": "Segment Anything Model"},  # unmerged alias: FP
                    {"name": "ViT"},  # optional: neutral
                    {"name": "Foo"}],
         "datasets": [{"name": "the UK Biobank cohort"}],
         "modalities": [{"name": "magnetic resonance imaging"}]},
        {"title": "paper b", "models": [], "datasets": [], "modalities": [{"name": "CT"}]},
    ]
    r = evaluate(write_gold(tmp_path), preds)
    assert (r["model"]["tp"], r["model"]["fp"], r["model"]["fn"]) == (1, 2, 1)
    assert (r["dataset"]["tp"], r["dataset"]["fn"]) == (1, 1)
    assert r["modality"]["f1"] == 1.0
    errors = {(e["key"], e["kind"]): e for e in r["errors"]}
    assert errors[("a", "model")]["missed"] == ["U-Net"]
    assert errors[("a", "model")]["false_positives"] == ["Segment Anything Model", "Foo"]
    assert errors[("b", "dataset")]["missed"] == ["BraTS 2021"]


def test_missing_paper_counts_its_entities(tmp_path):
    r = evaluate(write_gold(tmp_path), [])
    assert r["papers"] == {"gold": 2, "found": 0, "predicted": 0}
    assert r["model"]["fn"] == 2 and r["modality"]["fn"] == 2
    assert {e["kind"] for e in r["errors"]} == {"paper"}


def predictions(listings) -> list[dict]:
    """What `kg extract` prints for the listings: the real readers, merging and extractor."""
    return list(extract_papers([listings]))


def test_agrees_with_score_py_on_dev(shared_corpus, tmp_path):
    preds = predictions(shared_corpus / "listings")
    pred_path = tmp_path / "pred.jsonl"
    pred_path.write_text("".join(json.dumps(p) + "\n" for p in preds))
    spec = importlib.util.spec_from_file_location("score", shared_corpus / "score.py")
    score = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score)
    theirs = score.main(str(pred_path), str(shared_corpus / "gold-dev.jsonl"), as_json=True)
    ours = evaluate(shared_corpus / "gold-dev.jsonl", read_jsonl(pred_path))
    for kind in ("model", "dataset", "modality"):
        for k in ("tp", "fp", "fn"):
            assert ours[kind][k] == theirs[kind][k], (kind, k)
        assert abs(ours[kind]["f1"] - theirs[kind]["f1"]) < 1e-12
