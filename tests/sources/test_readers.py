"""What each reader makes of a small made-up listing in its format."""

from __future__ import annotations

import pytest

from kg.errors import RecordError
from kg.sources import iter_records


def line_of(text: str, prefix: str) -> int:
    """1-based number of the first line of `text` starting with `prefix`."""
    return next(i for i, x in enumerate(text.splitlines(), 1) if x.startswith(prefix))


def read(write_listing, text, name="listing.txt"):
    path = write_listing(name, text)
    skipped: list[RecordError] = []
    return path, list(iter_records([path], on_skip=skipped.append)), skipped


def test_arxiv_listing(write_listing, samples):
    path, records, skipped = read(write_listing, samples["arxiv-listing"])
    assert skipped == []
    first, second = records
    assert first.title is None and first.authors == []
    assert first.arxiv == "2401.00001"  # version suffix dropped
    assert first.date == "2024-01-02"  # Created, not Updated
    assert first.comment == "12 pages, 4 figures"
    assert first.abstract.startswith("We propose FooNet") and "pages" not in first.abstract
    assert first.url == "https://arxiv.org/abs/2401.00001"
    assert [(s.file, s.line, s.format) for s in first.sources] == [(str(path), 1, "arxiv-listing")]
    assert second.arxiv == "2401.00002" and second.date == "2024-01-05"
    assert second.comment is None
    assert second.sources[0].line == line_of(samples["arxiv-listing"], "Second made-up")


def test_arxiv_listing_comment_glued_to_abstract(write_listing):
    text = (
        "An invented abstract that talks about pretend scans for a while. "
        * 4
        + "\nAccepted at a fictional conference\narXiv:2405.12345 [eess.IV]\n"
        "Created: 2024-05-20\n"
    )
    _, (record,), _ = read(write_listing, text)
    assert record.comment == "Accepted at a fictional conference"
    assert record.categories == ["eess.IV"]
    assert "fictional conference" not in record.abstract


def test_arxiv_listing_truncated_record_is_skipped(write_listing, samples):
    text = samples["arxiv-listing"] + "\nA third abstract cut off before its identifier line.\n"
    path, records, skipped = read(write_listing, text)
    assert len(records) == 2
    assert [(s.path, s.line) for s in skipped] == [(str(path), line_of(text, "A third"))]
    assert "no arXiv id" in skipped[0].reason


def test_hf_papers(write_listing, samples):
    path, records, skipped = read(write_listing, samples["hf-papers"])
    assert skipped == []
    assert [r.title for r in records] == [
        "FooNet: A Made-Up Segmentation Model",
        "Another Fictional Study of Bar Imaging",
    ]
    assert all(r.date is None for r in records)  # the page's "Mar 3" is not a paper date
    assert records[0].abstract.startswith("We present FooNet")
    assert records[0].sources[0].line == line_of(samples["hf-papers"], "FooNet:")
    for r in records:
        assert "Subscribe" not in r.abstract and "research community" not in r.abstract


def test_hf_papers_truncated_last_record(write_listing, samples):
    path, records, skipped = read(write_listing, samples["hf-papers"] + "\nA Title Cut Off Here\n")
    assert len(records) == 2
    assert skipped[0].line == line_of(path.read_text(), "A Title Cut")
    assert "title without an abstract" in skipped[0].reason


def test_github_table(write_listing, samples):
    path, records, skipped = read(write_listing, samples["github-daily-arxiv"])
    assert skipped == []
    first, second = records
    assert first.title == "FooNet: Tiny & Fast"
    assert first.arxiv == "2402.00001" and first.url == "http://arxiv.org/abs/2402.00001v3"
    assert first.date == "2024-02-10"
    assert first.abstract == "We propose FooNet for p<0.05 segmentation of made-up scans."
    # The comment's full text (not the "Accep..." summary), its "|" kept inside the cell.
    assert first.comment == "Accepted at an imaginary workshop | 2024"
    assert first.code == ["https://github.com/example/foonet"]
    assert first.sources[0].line == 5
    assert second.code == [] and second.comment == "8 pages"


def test_github_table_truncated_row(write_listing, samples):
    text = samples["github-daily-arxiv"] + "| **[Cut](http://arxiv.org/abs/2402.00003v1)** | 2024-"
    path, records, skipped = read(write_listing, text)
    assert len(records) == 2
    assert (skipped[0].path, skipped[0].line) == (str(path), line_of(text, "| **[Cut]"))
    assert "truncated table row" in skipped[0].reason


def test_author_profile(write_listing, samples):
    path, records, skipped = read(write_listing, samples["author-profile"])
    assert skipped == []
    first, second = records
    assert first.title == "A Made-Up Paper About FooNet"
    assert first.categories == ["CV"] and first.date == "2024-01-05"
    assert [a.name for a in first.authors] == ["Jane Example", "John Q. Public", "Erika Mustermann"]
    assert first.authors_complete is False
    assert first.authors[0].affiliation == "example-university"
    assert first.authors[1].given == "John Q." and first.authors[1].family == "Public"
    assert first.sources[0].line == line_of(samples["author-profile"], "CVJan 5")
    assert second.categories == ["eess.IV"]
    assert second.date is None  # "Mar 11" has no year: never guessed
    assert second.authors_complete is True and len(second.authors) == 2
    assert "h-index" not in first.abstract


def test_author_profile_truncated_record(write_listing, samples):
    text = samples["author-profile"] + "\nLGFeb 2, 2023\nA Title With Nothing After It\n"
    path, records, skipped = read(write_listing, text)
    assert len(records) == 2
    assert skipped[0].line == line_of(text, "LGFeb 2")
    assert skipped[0].reason == "truncated record: title without an abstract"


def test_radai_slice(write_listing, samples):
    path, records, skipped = read(write_listing, samples["radai-slice"])
    assert skipped == []
    first, second = records
    assert first.title == "A pretend foundation model for imaginary radiographs."
    assert [(a.name, a.family, a.given) for a in first.authors[:2]] == [
        ("Doe J", "Doe", "J"),
        ("Roe RA", "Roe", "RA"),
    ]
    assert first.authors[2].is_organization
    assert first.date == "2024-02-07"
    assert first.abstract == (
        "Imaginary radiographs are common. We built a pretend model & tested it."
    )
    assert first.sources[0].line == line_of(samples["radai-slice"], "A pretend")
    assert [a.name for a in second.authors] == [
        "Muster, M.",
        "de la Cruz, A. B.",
        "Scan Dataset Contributor Group",
    ]
    assert second.authors[1].family == "de la Cruz"
    assert second.authors[2].is_organization
    for r in records:
        assert "Unsubscribe" not in r.abstract and "Page 2" not in r.title


def test_radai_slice_truncated_record(write_listing, samples):
    text = samples["radai-slice"] + "\nLast Title\n\nSomeone A\n\narxiv logopreprintFeb 1 2024\n"
    path, records, skipped = read(write_listing, text)
    assert len(records) == 2
    assert skipped[0].line == line_of(text, "Last Title")
    assert "no abstract" in skipped[0].reason


@pytest.mark.parametrize(
    "fmt", ["arxiv-listing", "hf-papers", "github-daily-arxiv", "author-profile", "radai-slice"]
)
def test_on_skip_none_skips_silently(write_listing, samples, fmt):
    text = samples[fmt] + "\n| **[Cut\nLGFeb 2, 2023\ntrailing fragment\n"
    records = list(iter_records([write_listing("x.txt", text)]))
    assert records and all(r.sources[0].format == fmt for r in records)


def test_crlf_and_bom(write_listing, samples):
    text = "\ufeff" + samples["radai-slice"].replace("\n", "\r\n")
    _, records, skipped = read(write_listing, text)
    assert [r.date for r in records] == ["2024-02-07", "2024-02-06"] and skipped == []
    assert not records[0].title.endswith("\r")


def test_radai_slice_records_without_blank_lines(write_listing):
    text = (
        "First Pretend Title\nDoe J, Roe R\narxiv logopreprintMar 2 2024\n"
        "An invented abstract.\nSecond Pretend Title\nMuster M\n"
        "pubmed logopapersMar 1 2024\nAnother invented abstract.\n"
    )
    _, records, skipped = read(write_listing, text)
    assert skipped == []
    assert [(r.title, r.abstract, r.sources[0].line) for r in records] == [
        ("First Pretend Title", "An invented abstract.", 1),
        ("Second Pretend Title", "Another invented abstract.", 5),
    ]
    assert [a.name for a in records[1].authors] == ["Muster M"]
