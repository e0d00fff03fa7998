"""Merging records of one paper from several listings."""

from __future__ import annotations

import itertools

from kg.merge import merge_records
from kg.records import Author, PaperRecord, SourceRef


def _records() -> list[PaperRecord]:
    table = PaperRecord(
        title="FooNet: Tiny and Fast",
        abstract="We propose FooNet.",
        date="2024-02-10",
        arxiv="2402.00001",
        url="http://arxiv.org/abs/2402.00001v1",
        code=["https://github.com/example/foonet"],
        comment="8 pages",
        sources=[SourceRef("/b/table.md", 7, "github-daily-arxiv")],
    )
    profile = PaperRecord(
        title="FooNet: Tiny and Fast",
        abstract="We propose FooNet. It is tiny and fast, and this is the longer abstract.",
        authors=[
            Author("Jane Example", "Jane", "Example", affiliation="example-university"),
            Author("John Q. Public", "John Q.", "Public"),
        ],
        authors_complete=False,
        date=None,
        categories=["CV"],
        sources=[SourceRef("/a/profile.txt", 20, "author-profile")],
    )
    slice_ = PaperRecord(
        title="FooNet: tiny and fast.",
        abstract="We propose FooNet.",
        authors=[
            Author("Example J", "J", "Example"),
            Author("Public JQ", "JQ", "Public"),
            Author("Roe R", "R", "Roe"),
        ],
        date="2024-02",
        code=["https://github.com/example/foonet", "https://example.org/foo"],
        categories=["CV"],
        sources=[SourceRef("/c/slice.txt", 3, "radai-slice")],
    )
    return [table, profile, slice_]


def test_merge_union():
    merged = merge_records(_records())
    assert merged.arxiv == "2402.00001"
    assert merged.date == "2024-02-10"  # a full date beats a partial one
    assert merged.abstract.endswith("longer abstract.")
    # The complete list wins; given names and affiliations are kept from the other source.
    assert [a.name for a in merged.authors] == ["Example J", "Public JQ", "Roe R"]
    assert merged.authors_complete is True
    assert merged.authors[0].given == "Jane"
    assert merged.authors[0].affiliation == "example-university"
    assert merged.authors[1].given == "John Q."
    assert merged.code == ["https://github.com/example/foonet", "https://example.org/foo"]
    assert merged.categories == ["CV"]
    assert merged.comment == "8 pages"
    assert [(s.file, s.line) for s in merged.sources] == [
        ("/a/profile.txt", 20),
        ("/b/table.md", 7),
        ("/c/slice.txt", 3),
    ]


def test_merge_does_not_depend_on_order():
    results = {repr(merge_records(list(p))) for p in itertools.permutations(_records())}
    assert len(results) == 1


def test_merge_does_not_modify_inputs():
    records = _records()
    before = repr(records)
    merge_records(records)
    assert repr(records) == before


def test_merge_single_and_truncated_only():
    only = _records()[1]
    merged = merge_records([only])
    assert merged.authors_complete is False and len(merged.authors) == 2
    assert merged.sources == only.sources


def test_merge_missing_values_stay_missing():
    a = PaperRecord(abstract="x", sources=[SourceRef("/f", 1, "arxiv-listing")])
    b = PaperRecord(title="T", sources=[SourceRef("/f", 1, "arxiv-listing")])
    merged = merge_records([a, b])
    assert (merged.title, merged.abstract, merged.date, merged.arxiv) == ("T", "x", None, None)
    assert len(merged.sources) == 1  # the same source listed twice counts once
