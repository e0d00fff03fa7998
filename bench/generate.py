"""Synthetic corpora for the benchmarks and the scale tests.

    python bench/generate.py 100000 /tmp/corpus-100k --format github-daily-arxiv

Writes N papers as listing files in one of the five formats the readers in kg/sources
understand. Abstracts are recombined at run time from sentences of the shared corpus
(../shared/corpus/listings) when it is there, else from built-in templates, so the text
the extractor sees reads like the real literature. Every paper gets a unique arXiv id (where
the format carries ids), a unique title and an abstract whose opening names that title, so
the identity pass never merges two generated papers. Output is deterministic per seed.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_LISTINGS = ROOT.parent / "shared" / "corpus" / "listings"
FORMATS = ("github-daily-arxiv", "arxiv-listing", "hf-papers", "author-profile", "radai-slice")
PER_FILE = 5000

_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# Fallback sentences when the shared corpus is not beside this checkout.
_TEMPLATES = (
    "We train a {model} on the {dataset} dataset for {task} in {modality} images.",
    "Our {model}-based approach outperforms prior work on {dataset} by a clear margin.",
    "{modality} scans from {n} patients were used to evaluate {task}.",
    "Experiments on {dataset} show that the {model} generalises across scanners.",
    "Accurate {task} remains challenging because annotated {modality} data are scarce.",
    "We compare the {model} with a nnU-Net baseline on the public {dataset} benchmark.",
    "The method reaches a Dice score of 0.{n} on {dataset} {modality} volumes.",
)
_FILL = {
    "model": ("U-Net", "ResNet-50", "Vision Transformer", "Swin UNETR", "TransUNet", "DenseNet"),
    "dataset": ("BraTS", "LIDC-IDRI", "CheXpert", "MIMIC-CXR", "ISIC 2018", "KiTS19", "ACDC"),
    "task": ("segmentation", "classification", "registration", "detection", "report generation"),
    "modality": ("CT", "MRI", "ultrasound", "chest X-ray", "PET", "histopathology", "OCT"),
}
_TITLE_HEADS = ("Deep", "Robust", "Efficient", "Federated", "Self-Supervised", "Explainable",
                "Multi-Scale", "Uncertainty-Aware", "Contrastive", "Lightweight", "Foundation")
_TITLE_TASKS = ("Segmentation", "Classification", "Registration", "Detection", "Synthesis",
                "Reconstruction", "Report Generation", "Denoising", "Survival Prediction")
_TITLE_ORGANS = ("Brain Tumour", "Lung Nodule", "Prostate", "Breast Lesion", "Liver", "Cardiac",
                 "Retinal", "Skin Lesion", "Kidney", "Spine", "Colon Polyp", "Knee Cartilage")
_GIVEN = ("Anna", "Wei", "Carlos", "Priya", "Jonas", "Mei", "Omar", "Sofia", "Hiroshi", "Lena",
          "David", "Fatima", "Lucas", "Yuki", "Amir", "Elena", "Kwame", "Ingrid", "Rahul", "Chen")
_FAMILY = ("Schmidt", "Zhang", "Garcia", "Patel", "Müller", "Wang", "Hassan", "Rossi", "Tanaka",
           "Novak", "Kim", "Okafor", "Silva", "Larsen", "Kumar", "Li", "Dubois", "Cohen", "Ito",
           "Nguyen", "Fischer", "Ahmed", "Moreau", "Jensen", "Costa", "Park", "Singh", "Weber")
_AFFILIATIONS = ("eth-zurich", "tum", "stanford", "imperial", "tsinghua", "mit", "charite")


@dataclass
class Paper:
    """One generated paper, before it is written in a listing format."""

    arxiv: str
    title: str
    abstract: str
    authors: list[str]
    year: int
    month: int
    day: int
    code: str | None


def corpus_sentences(listings: Path = SHARED_LISTINGS) -> list[str]:
    """Sentences of the abstracts in `listings` (read with the project's own readers)."""
    if not listings.is_dir():
        return []
    from kg.sources import iter_records

    sentences: set[str] = set()
    for record in iter_records([listings]):
        for sentence in _SENTENCE_RE.split(record.abstract or ""):
            if 40 <= len(sentence) <= 300 and "|" not in sentence and "arXiv:" not in sentence:
                sentences.add(sentence.strip())
    return sorted(sentences)


def _template_sentences(rng: random.Random, count: int = 400) -> list[str]:
    out = []
    for _ in range(count):
        fill = {k: rng.choice(v) for k, v in _FILL.items()}
        out.append(rng.choice(_TEMPLATES).format(n=rng.randint(20, 990), **fill))
    return out


def papers(n: int, seed: int = 0, sentences: Sequence[str] | None = None) -> Iterator[Paper]:
    """`n` distinct papers, deterministic for `seed`."""
    rng = random.Random(seed)
    pool = list(sentences) if sentences is not None else corpus_sentences()
    pool = pool or _template_sentences(rng)
    for i in range(n):
        # Unique new-style arXiv ids: the month comes from the index, 99,999 papers a month.
        year, month = 20 + i // (12 * 99_999), (i // 99_999) % 12 + 1
        arxiv = f"{year:02d}{month:02d}.{i % 99_999 + 1:05d}"
        task = rng.choice(_TITLE_TASKS)
        organ = rng.choice(_TITLE_ORGANS)
        # The running number keeps titles unique without reading like a counter everywhere.
        title = (f"{rng.choice(_TITLE_HEADS)} {organ} {task} with "
                 f"{rng.choice(_FILL['model'])} on {rng.choice(_FILL['modality'])}: Cohort {i + 1}")
        body = rng.sample(pool, k=min(len(pool), rng.randint(5, 9)))
        abstract = " ".join([f"This study, {title}, addresses {organ.lower()} {task.lower()}.",
                             *body])
        authors = [f"{rng.choice(_GIVEN)} {rng.choice(_FAMILY)}"
                   for _ in range(rng.randint(2, 7))]
        code = f"https://github.com/lab{i % 997}/project-{i}" if rng.random() < 0.3 else None
        yield Paper(arxiv, title, abstract, authors, 2000 + year, month, rng.randint(1, 28), code)


# ------------------------------------------------------------------ one writer per format


def _github(p: Paper) -> str:
    code = f"[Code Link]({p.code})" if p.code else ""
    return (f"| **[{p.title}](http://arxiv.org/abs/{p.arxiv}v1)** | "
            f"{p.year}-{p.month:02d}-{p.day:02d} | <details><summary>Show</summary>"
            f"<p>{p.abstract}</p></details> | {len(p.authors) + 5} pages | {code} |\n")


def _arxiv(p: Paper) -> str:
    return f"{p.abstract}\n\narXiv:{p.arxiv}\nCreated: {p.year}-{p.month:02d}-{p.day:02d}\n\n"


def _hf(p: Paper) -> str:
    return f"{p.title}\n\n{p.abstract}\n\n"


def _profile(p: Paper) -> str:
    names = ", ".join(p.authors[:3]) + (" et al." if len(p.authors) > 3 else "")
    code = "Code" if p.code else ""
    return (f"CV{_MONTHS[p.month - 1]} {p.day}, {p.year}{code}\n{p.title}\n\n"
            f"{names} · {_AFFILIATIONS[len(p.title) % len(_AFFILIATIONS)]}\n\n{p.abstract}\n\n")


def _radai(p: Paper) -> str:
    return (f"{p.title}\n\n{', '.join(p.authors)}\n\n"
            f"arxiv logopreprint{_MONTHS[p.month - 1]} {p.day} {p.year}\n{p.abstract}\n\n")


_HEADERS = {
    "github-daily-arxiv": "## Medical Image Analysis\n\n| **Title** | **Date** | **Abstract** | "
                          "**Comment** | **CodeRepository** |\n| --- | --- | --- | --- | --- |\n",
    "arxiv-listing": "",
    "hf-papers": "Get trending papers in your email inbox!\n\nSubscribe\n\n",
    "author-profile": "Anna Schmidt\n\nIV\nh-index42\n120papers\n3,100citations\n\n",
    "radai-slice": "Sort by:\nPage 1 of 9999 results\n\n",
}
_WRITERS = {"github-daily-arxiv": _github, "arxiv-listing": _arxiv, "hf-papers": _hf,
            "author-profile": _profile, "radai-slice": _radai}


def generate(
    out_dir: str | Path, n: int, fmt: str = "github-daily-arxiv", seed: int = 0,
    per_file: int = PER_FILE, sentences: Sequence[str] | None = None,
) -> list[Path]:
    """Write `n` papers as `fmt` listings under `out_dir`, `per_file` papers a file."""
    if fmt not in _WRITERS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write = _WRITERS[fmt]
    files: list[Path] = []
    handle = None
    for i, paper in enumerate(papers(n, seed, sentences)):
        if i % per_file == 0:
            if handle:
                handle.close()
            files.append(out / f"{fmt}-{len(files):05d}.txt")
            handle = files[-1].open("w", encoding="utf-8")
            handle.write(_HEADERS[fmt])
        handle.write(write(paper))
    if handle:
        handle.close()
    return files


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of papers")
    parser.add_argument("out_dir", help="folder to write the listing files to")
    parser.add_argument("--format", default="github-daily-arxiv", choices=FORMATS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-file", type=int, default=PER_FILE)
    args = parser.parse_args(argv)
    files = generate(args.out_dir, args.n, args.format, args.seed, args.per_file)
    print(f"wrote {args.n} papers in {len(files)} {args.format} files to {args.out_dir}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
