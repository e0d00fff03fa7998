"""Dev-set quality, scored by kg.evaluate (which agrees with the shared corpus scorer)."""

from __future__ import annotations

from kg.evaluate import evaluate
from kg.extract import extract_papers


def predictions(listings) -> list[dict]:
    """What `kg extract` prints for the listings: the real readers, merging and extractor."""
    return list(extract_papers([listings]))


def test_dev_set_thresholds(shared_corpus):
    result = evaluate(shared_corpus / "gold-dev.jsonl", predictions(shared_corpus / "listings"))
    assert result["papers"]["found"] == result["papers"]["gold"]
    assert result["model"]["precision"] >= 0.85 and result["model"]["f1"] >= 0.85
    assert result["dataset"]["precision"] >= 0.85 and result["dataset"]["f1"] >= 0.85
    assert result["modality"]["f1"] >= 0.95


def test_miccai_dev_set_thresholds(shared_corpus):
    """808 real MICCAI 2025 papers as JSON lines, read as a user's file is."""
    miccai = shared_corpus / "miccai"
    result = evaluate(miccai / "gold-miccai-dev.jsonl",
                      predictions(miccai / "miccai2025-dev.jsonl"))
    assert result["papers"]["found"] == result["papers"]["gold"] == 808
    assert result["model"]["precision"] >= 0.85 and result["model"]["f1"] >= 0.85
    assert result["dataset"]["precision"] >= 0.85 and result["dataset"]["f1"] >= 0.85
    assert result["modality"]["f1"] >= 0.95
