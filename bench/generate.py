"""Synthetic corpora for the benchmarks and the scale tests.

    python bench/generate.py 100000 /tmp/corpus-100k --format github-daily-arxiv

Writes N papers as listing files in one of the formats the readers in kg/sources
understand. Abstracts are recombined at run time from sentences of the shared corpus
(../shared/corpus/listings), so the text the extractor sees reads like the real literature;
without that folder it refuses to run unless told `--templates` (built-in template
sentences: shorter, more repetitive text that makes every measurement look different), and
it always says which it used. Every paper gets a unique arXiv id (where the format carries
ids), a unique title and an abstract whose opening names that title, so the identity pass
never merges two generated papers. Authors come from a synthetic population with skewed
names, productivity and lab structure (bench/names.py). Output is deterministic per seed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import random
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.names import population  # noqa: E402

SHARED_LISTINGS = ROOT.parent / "shared" / "corpus" / "listings"
FORMATS = ("github-daily-arxiv", "arxiv-listing", "hf-papers", "author-profile", "radai-slice",
           "jsonl")
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


class NoCorpus(Exception):
    """The shared corpus is not there and templates were not asked for."""


def sentence_pool(templates: bool = False, seed: int = 0,
                  listings: Path = SHARED_LISTINGS) -> tuple[list[str], str]:
    """The sentences abstracts are made of, and a line saying where they come from."""
    if templates:
        return _template_sentences(random.Random(seed)), "built-in template sentences"
    pool = corpus_sentences(listings)
    if not pool:
        raise NoCorpus(f"{listings} is not there (or holds no abstracts): generated abstracts "
                       "would come from templates, which changes every measurement; pass "
                       "--templates to use them anyway")
    return pool, f"{len(pool)} sentences recombined from {listings}"


def papers(n: int, seed: int = 0, sentences: Sequence[str] | None = None) -> Iterator[Paper]:
    """`n` distinct papers, deterministic for `seed` (sentences: see sentence_pool)."""
    rng = random.Random(seed)
    pool = list(sentences) if sentences is not None else sentence_pool(seed=seed)[0]
    people = population(n, seed)
    month_key, number = (0, 0), 0
    for i in range(n):
        day = publication_day(i, n)
        # Unique new-style arXiv ids, numbered within the month of the date.
        if (day.year, day.month) != month_key:
            month_key, number = (day.year, day.month), 0
        number += 1
        arxiv = f"{day.year % 100:02d}{day.month:02d}.{number:05d}"
        task = rng.choice(_TITLE_TASKS)
        organ = rng.choice(_TITLE_ORGANS)
        # The running number keeps titles unique without reading like a counter everywhere.
        title = (f"{rng.choice(_TITLE_HEADS)} {organ} {task} with "
                 f"{rng.choice(_FILL['model'])} on {rng.choice(_FILL['modality'])}: Cohort {i + 1}")
        body = rng.sample(pool, k=min(len(pool), rng.randint(5, 9)))
        abstract = " ".join([f"This study, {title}, addresses {organ.lower()} {task.lower()}.",
                             *body])
        authors = people.authors(rng)
        code = f"https://github.com/lab{i % 997}/project-{i}" if rng.random() < 0.3 else None
        yield Paper(arxiv, title, abstract, authors, day.year, day.month, day.day, code)


FIRST_DAY = datetime.date(2017, 1, 1)
SPAN_DAYS = 9 * 365
GROWTH = 1.4  # papers a day grow about four-fold over the span, as the field did


def publication_day(i: int, n: int) -> datetime.date:
    """The date of paper `i` of `n`, in order: spread over nine years with a density that
    grows exponentially (the inverse of its distribution function at (i + 0.5) / n)."""
    u = (i + 0.5) / n
    t = math.log1p(u * math.expm1(GROWTH)) / GROWTH
    return FIRST_DAY + datetime.timedelta(days=min(SPAN_DAYS - 1, int(t * SPAN_DAYS)))


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


def _jsonl(p: Paper) -> str:
    record = {"title": p.title, "abstract": p.abstract, "authors": p.authors,
              "date": f"{p.year}-{p.month:02d}-{p.day:02d}", "arxiv": p.arxiv}
    if p.code:
        record["code"] = p.code
    return json.dumps(record, ensure_ascii=False) + "\n"


_HEADERS = {
    "github-daily-arxiv": "## Medical Image Analysis\n\n| **Title** | **Date** | **Abstract** | "
                          "**Comment** | **CodeRepository** |\n| --- | --- | --- | --- | --- |\n",
    "arxiv-listing": "",
    "hf-papers": "Get trending papers in your email inbox!\n\nSubscribe\n\n",
    "author-profile": "Anna Schmidt\n\nIV\nh-index42\n120papers\n3,100citations\n\n",
    "radai-slice": "Sort by:\nPage 1 of 9999 results\n\n",
    "jsonl": "",
}
_WRITERS = {"github-daily-arxiv": _github, "arxiv-listing": _arxiv, "hf-papers": _hf,
            "author-profile": _profile, "radai-slice": _radai, "jsonl": _jsonl}


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
            suffix = ".jsonl" if fmt == "jsonl" else ".txt"
            files.append(out / f"{fmt}-{len(files):05d}{suffix}")
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
    parser.add_argument("--templates", action="store_true",
                        help="use built-in template sentences instead of ../shared/corpus")
    args = parser.parse_args(argv)
    try:
        sentences, source = sentence_pool(args.templates, args.seed)
    except NoCorpus as exc:
        raise SystemExit(f"generate.py: {exc}") from None
    files = generate(args.out_dir, args.n, args.format, args.seed, args.per_file, sentences)
    print(f"wrote {args.n} papers in {len(files)} {args.format} files to {args.out_dir}; "
          f"abstracts from {source}", file=sys.stderr)


if __name__ == "__main__":
    main()
