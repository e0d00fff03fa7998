"""Fixtures for reader tests: tiny listings written by the team, one per format."""

# Listing paragraphs are single long lines, as on the saved pages.
# ruff: noqa: E501

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

ARXIV_LISTING = """\
We propose FooNet, a tiny network for segmenting imaginary organs in synthetic CT volumes. It beats every baseline we could think of on a dataset we made up for this test.

12 pages, 4 figures

arXiv:2401.00001v2
Created: 2024-01-02 Updated: 2024-02-03

Second made-up abstract about ultrasound phantoms, long enough to read as a paragraph of prose and to be taken for the abstract of the second record in this small listing.

arXiv:2401.00002
Created: 2024-01-05
"""

HF_PAPERS = """\
new

Get trending papers in your email inbox!

Subscribe

byXY and the research community

Mar 3

FooNet: A Made-Up Segmentation Model

We present FooNet, an invented model that segments pretend organs in pretend scans. It exists only to exercise this reader, and its abstract runs long enough to be a paragraph of prose, as abstracts on such pages always are.

Another Fictional Study of Bar Imaging

Bar imaging is a modality we invented for testing. This abstract describes a study of it in enough words to look like a real abstract and not like a title line, which is the point. Its last sentence is here only for length.
"""

GITHUB_TABLE = """\
## Medical Image Analysis

| **Title** | **Date** | **Abstract** | **Comment** | **CodeRepository** |
| --- | --- | --- | --- | --- |
| **[FooNet: Tiny &amp; Fast](http://arxiv.org/abs/2402.00001v3)** | 2024-02-10 | <details><summary>Show</summary><p>We propose FooNet for p<0.05 segmentation of made-up scans.</p></details> | <details><summary>Accep...</summary><p>Accepted at an imaginary workshop | 2024</p></details> | [Code Link](https://github.com/example/foonet) |
| **[BarNet for Pretend Imaging](http://arxiv.org/abs/2402.00002v1)** | 2024-02-11 | <details><summary>Show</summary><p>BarNet handles pretend imaging.</p></details> | 8 pages | None |
"""

AUTHOR_PROFILE = """\
Jane Example

IV
h-index12
30papers
400citations

30 Papers

CVJan 5, 2024Code
A Made-Up Paper About FooNet

Jane Example, John Q. Public, Erika Mustermann et al. · example-university

We describe FooNet, an invented segmentation model, in an abstract that is long enough to look like prose. It has several sentences. None of them are real.

eess.IVMar 11
Another Invented Paper

Jane Example, Max Muster

This second abstract has no year in its date line, so its date must stay unknown. It is otherwise an ordinary made-up abstract.
"""

RADAI_SLICE = """\
Sort by:
Page 2 of 999 results

A pretend foundation model for imaginary radiographs.

Doe J, Roe RA, Example Consortium

pubmed logopapersFeb 7 2024
Imaginary radiographs<sup>1</sup> are common. We built a pretend model &amp; tested it.

Made-Up Dataset of Fictional Scans

Muster, M., de la Cruz, A. B., Scan Dataset Contributor Group

medrxiv logopreprintFeb 6 2024
We release a fictional dataset of scans that do not exist.

Join our newsletter for more.

We respect your privacy. Unsubscribe at any time.
"""


@pytest.fixture
def write_listing(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    """Write `content` to tmp_path/name and return the path."""

    def write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write


SAMPLES = {
    "arxiv-listing": ARXIV_LISTING,
    "hf-papers": HF_PAPERS,
    "github-daily-arxiv": GITHUB_TABLE,
    "author-profile": AUTHOR_PROFILE,
    "radai-slice": RADAI_SLICE,
}


@pytest.fixture(scope="session")
def samples() -> dict[str, str]:
    """One small made-up listing per format, keyed by format name."""
    return dict(SAMPLES)
