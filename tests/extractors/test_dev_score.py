"""Dev-set quality, scored by kg.evaluate (which agrees with the shared corpus scorer)."""

from __future__ import annotations

from kg.evaluate import evaluate
from kg.extractors import Extractor, entities
from kg.merge import merge_records, title_key
from kg.sources import iter_records


def predictions(listings) -> list[dict]:
    """Records merged by arXiv id or title, extracted, in the JSON contract's shape."""
    groups: dict = {}
    for r in iter_records([listings]):
        key = ("arxiv", r.arxiv) if r.arxiv else ("title", title_key(r.title or "")) \
            if r.title else ("abstract", (r.abstract or "")[:80])
        groups.setdefault(key, []).append(r)
    papers = [merge_records(g) if len(g) > 1 else g[0] for g in groups.values()]
    out = []
    for paper, mentions in zip(papers, Extractor().extract(papers), strict=True):
        ents = entities(mentions)
        out.append({"title": paper.title, "abstract": paper.abstract,
                    "identifiers": {"arxiv": paper.arxiv}, "models": ents["models"],
                    "datasets": ents["datasets"], "modalities": ents["modalities"]})
    return out


def test_dev_set_thresholds(shared_corpus):
    result = evaluate(shared_corpus / "gold-dev.jsonl", predictions(shared_corpus / "listings"))
    assert result["papers"]["found"] == result["papers"]["gold"]
    assert result["model"]["precision"] >= 0.85 and result["model"]["f1"] >= 0.85
    assert result["dataset"]["precision"] >= 0.85 and result["dataset"]["f1"] >= 0.85
    assert result["modality"]["f1"] >= 0.95
