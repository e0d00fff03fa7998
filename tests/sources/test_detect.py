"""Format detection by content, and the one-line errors for unreadable input."""

from __future__ import annotations

import pytest

from kg.errors import InputError, RecordError
from kg.sources import detect_format, iter_records

FORMATS = ["arxiv-listing", "hf-papers", "github-daily-arxiv", "author-profile", "radai-slice"]


@pytest.fixture
def arxiv_text(samples):
    return samples["arxiv-listing"]


@pytest.mark.parametrize("expected", FORMATS)
def test_detects_by_content_not_name(write_listing, samples, expected):
    content = samples[expected]
    # Misleading names and prefixes of the "wrong" format must not matter.
    for name in ("000_listing.txt", "004_page.md", "no-extension", "papers.csv"):
        assert detect_format(write_listing(name, content)) == expected


def test_hf_without_page_chrome_is_still_recognised(write_listing, samples):
    body = samples["hf-papers"].split("Mar 3\n\n", 1)[1]
    third = "\nThird Pretend Title\n\n" + "A made-up abstract sentence. " * 10 + "\n"
    assert detect_format(write_listing("bare.txt", body + third)) == "hf-papers"


def test_unrecognised_format(write_listing):
    path = write_listing("notes.txt", "just some notes\n\nnothing like a listing\n")
    with pytest.raises(InputError) as info:
        detect_format(path)
    assert str(info.value).startswith(f"{path}: unrecognised listing format")


def test_missing_path(tmp_path):
    missing = tmp_path / "nope.txt"
    with pytest.raises(InputError) as info:
        list(iter_records([missing]))
    assert str(info.value) == f"{missing}: no such file or directory"


def test_empty_file(write_listing):
    path = write_listing("empty.txt", "")
    with pytest.raises(InputError) as info:
        list(iter_records([path]))
    assert str(info.value) == f"{path}: empty file"


def test_whitespace_only_file_is_empty(write_listing):
    path = write_listing("blank.txt", "\n  \n\t\n")
    with pytest.raises(InputError, match="empty file") as info:
        list(iter_records([path]))
    assert str(path) in str(info.value)


def test_binary_file(write_listing):
    path = write_listing("image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(InputError) as info:
        list(iter_records([path]))
    assert str(info.value).startswith(f"{path}: binary file")


def test_invalid_utf8_costs_only_its_record(write_listing, arxiv_text):
    # issue 12: one bad byte used to reject the whole file (and a folder's whole build).
    data = arxiv_text.encode().replace(b"Second made-up", b"Second \xff made-up")
    path = write_listing("latin.txt", data)
    line = next(i for i, x in enumerate(arxiv_text.splitlines(), 1) if x.startswith("Second"))
    skipped: list[RecordError] = []
    records = list(iter_records([path], on_skip=skipped.append))
    assert [r.arxiv for r in records] == ["2401.00001"]
    assert [(e.path, e.line) for e in skipped] == [(str(path), line)]
    assert "invalid UTF-8" in skipped[0].reason


def test_invalid_utf8_after_head_costs_only_its_record(write_listing, arxiv_text):
    block = arxiv_text
    n_blocks = 70_000 // len(block) + 1
    bad = "A third abstract with one bad \xc3\x28 byte in it, long enough to be prose. " * 4
    data = (block * n_blocks).encode() + bad.encode("latin-1") + b"\narXiv:2401.00003\n"
    path = write_listing("long.txt", data)
    bad_line = block.count("\n") * n_blocks + 1
    skipped: list[RecordError] = []
    records = list(iter_records([path], on_skip=skipped.append))
    assert len(records) == 2 * n_blocks
    assert [(e.line, "invalid UTF-8" in e.reason) for e in skipped] == [(bad_line, True)]


def test_directory_with_nothing_readable(tmp_path, write_listing, arxiv_text):
    write_listing("d/.hidden.txt", arxiv_text)
    write_listing("d/blob.bin", b"\x00\x01\x02")
    with pytest.raises(InputError) as info:
        list(iter_records([tmp_path / "d"]))
    assert str(info.value) == f"{tmp_path / 'd'}: directory contains no readable listing files"


def test_empty_directory(tmp_path):
    (tmp_path / "e").mkdir()
    with pytest.raises(InputError, match="no readable listing files"):
        list(iter_records([tmp_path / "e"]))


def test_directory_walk_sorted_recursive_skipping_hidden_and_unreadable(
    tmp_path, write_listing, samples
):
    write_listing("d/b.txt", samples["radai-slice"])
    write_listing("d/a/z.txt", samples["arxiv-listing"])
    write_listing("d/.git/x.txt", samples["arxiv-listing"])
    write_listing("d/c.bin", b"\x00\x00")
    skipped: list[RecordError] = []
    records = list(iter_records([tmp_path / "d"], on_skip=skipped.append))
    files = [r.sources[0].file for r in records]
    assert files == [str(tmp_path / "d/a/z.txt")] * 2 + [str(tmp_path / "d/b.txt")] * 2
    assert [s.path for s in skipped] == [str(tmp_path / "d/c.bin")]
    assert "binary file" in skipped[0].reason


def test_named_file_paths_are_absolute(write_listing, monkeypatch, tmp_path, arxiv_text):
    write_listing("rel.txt", arxiv_text)
    monkeypatch.chdir(tmp_path)
    record = next(iter_records(["rel.txt"]))
    assert record.sources[0].file == str(tmp_path / "rel.txt")
