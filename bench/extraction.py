"""Extraction throughput: abstracts/s of kg.extractors vs. the bare spaCy tokenizer.

Builds a synthetic corpus at run time by recombining sentences of the shared listings
(../shared/corpus/listings; nothing is copied into the project), then times, on one
core, spacy.blank("en") alone and the full Extractor over the same texts.

    python bench/extraction.py [--docs 5000] [--rounds 3] [--listings DIR]
"""

from __future__ import annotations

import argparse
import random
import re
import time
from pathlib import Path

import spacy

from kg.extractors import Extractor
from kg.records import PaperRecord

ROOT = Path(__file__).resolve().parents[1]
LISTINGS = ROOT.parent / "shared" / "corpus" / "listings"
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def sentences(listings: Path) -> list[str]:
    """Sentence-like pieces of long lines (abstract paragraphs) of every listing file."""
    out = []
    for path in sorted(listings.glob("*.txt")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if len(line) > 300 and "|" not in line[:5]:
                out.extend(s for s in _SENTENCE.split(line.strip()) if 40 < len(s) < 400)
    return out


def corpus(pool: list[str], n: int, seed: int = 7) -> list[PaperRecord]:
    """n records of 6-12 random sentences each, with a short title."""
    rng = random.Random(seed)
    records = []
    for _ in range(n):
        body = " ".join(rng.choice(pool) for _ in range(rng.randint(6, 12)))
        title = rng.choice(pool)[:90]
        records.append(PaperRecord(title=title, abstract=body))
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--listings", type=Path, default=LISTINGS)
    args = parser.parse_args()
    records = corpus(sentences(args.listings), args.docs)
    texts = [(r.title or "") + "\n\n" + (r.abstract or "") for r in records]
    chars = sum(map(len, texts)) / len(texts)
    nlp = spacy.blank("en")
    extractor = Extractor()
    extractor.extract(records[:100])  # load vocabulary, warm caches
    best_tok = best_ext = float("inf")
    for _ in range(args.rounds):  # best of N: the machine is shared and noisy
        start = time.perf_counter()
        for _doc in nlp.pipe(texts, batch_size=256):
            pass
        best_tok = min(best_tok, time.perf_counter() - start)
        start = time.perf_counter()
        mentions = extractor.extract(records)
        best_ext = min(best_ext, time.perf_counter() - start)
    n_mentions = sum(map(len, mentions))
    print(f"corpus: {len(records)} synthetic abstracts, {chars:.0f} chars each on average")
    print(f"spacy.blank('en') tokenizer: {len(texts) / best_tok:8.0f} docs/s")
    print(f"kg.extractors.Extractor:     {len(records) / best_ext:8.0f} abstracts/s "
          f"({n_mentions / len(records):.1f} mentions per abstract)")
    print(f"ratio extractor/tokenizer:   {best_tok / best_ext:8.2f}")


if __name__ == "__main__":
    main()
