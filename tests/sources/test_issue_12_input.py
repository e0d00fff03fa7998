"""Issue 12, the reader items: hostile or damaged input costs a record or a file, named in a
warning, and never a traceback or a hang."""

# ruff: noqa: E501

from __future__ import annotations

import json
import os
import tracemalloc

import pytest

from kg.build import build
from kg.errors import InputError, RecordError, SkippedFile
from kg.sources import MAX_ABSTRACT_CHARS, iter_records
from kg.store import open_store

RADAI = """\
A pretend foundation model for imaginary radiographs.

{authors}

pubmed logopapersFeb 7 2024
Imaginary radiographs are common. We built a pretend model and tested it on made-up scans.
"""


def _read(paths):
    skipped: list[RecordError] = []
    return list(iter_records(paths, on_skip=skipped.append)), skipped


@pytest.mark.parametrize(
    "name", ["李明", "Иван Петров", "Γιώργος Παπαδόπουλος", "محمد علي", "김민수"]
)
def test_h1_non_latin_author_builds(tmp_path, name):
    listing = tmp_path / "radai.txt"
    listing.write_text(RADAI.format(authors=f"{name}, Ma D"), encoding="utf-8")
    summary = build([listing], tmp_path / "store")
    assert summary.read.papers == 1
    store = open_store(tmp_path / "store", read_only=True)
    names = {row["n"].value for row in store.query(
        "SELECT ?n WHERE { ?p a <https://schema.org/Person> ; <https://schema.org/name> ?n }")}
    assert names == {name, "Ma D"}


def test_m2_abstract_over_the_limit_is_skipped_with_its_line(write_listing):
    huge = "word " * (MAX_ABSTRACT_CHARS // 5 + 10)
    lines = [json.dumps({"title": "Fine", "abstract": "A fine abstract."}),
             json.dumps({"title": "Huge", "abstract": huge})]
    path = write_listing("x.jsonl", "\n".join(lines) + "\n")
    records, skipped = _read([path])
    assert [r.title for r in records] == ["Fine"]
    assert [(s.path, s.line) for s in skipped] == [(str(path), 2)]
    assert "abstract of" in skipped[0].reason and "limit" in skipped[0].reason


def test_m2_a_line_over_the_line_limit_is_never_held_whole(write_listing, samples):
    row = samples["github-daily-arxiv"].splitlines()[-1]
    giant = row.replace("BarNet handles pretend imaging.", "x" * (20 * 1024 * 1024))
    path = write_listing("giant.md", samples["github-daily-arxiv"] + giant + "\n")
    tracemalloc.start()
    try:
        records, skipped = _read([path])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(records) == 2 and len(skipped) == 1
    assert skipped[0].line == samples["github-daily-arxiv"].count("\n") + 1
    assert peak < 20 * 1024 * 1024, peak  # less than the line itself, once


def test_m3_chrome_only_paragraph_before_an_arxiv_id(write_listing, samples):
    text = "Show\n\n1\n\nMore\n\narXiv:2401.09999\nCreated: 2024-01-09\n\n" + samples["arxiv-listing"]
    records, skipped = _read([write_listing("a.txt", text)])
    assert [r.arxiv for r in records] == ["2401.00001", "2401.00002"]
    assert [s.line for s in skipped] == [7]


def test_m9_unreadable_subdirectory_is_a_skipped_file(tmp_path, samples):
    if os.geteuid() == 0:
        pytest.skip("root reads every folder")
    (tmp_path / "d" / "locked").mkdir(parents=True)
    (tmp_path / "d" / "ok.txt").write_text(samples["arxiv-listing"], encoding="utf-8")
    (tmp_path / "d" / "locked" / "x.txt").write_text(samples["arxiv-listing"], encoding="utf-8")
    os.chmod(tmp_path / "d" / "locked", 0)
    try:
        records, skipped = _read([tmp_path / "d"])
    finally:
        os.chmod(tmp_path / "d" / "locked", 0o755)
    assert len(records) == 2
    assert [type(s) for s in skipped] == [SkippedFile] and "locked" in skipped[0].path


def test_m9_records_of_another_format_inside_a_file_are_named(write_listing, samples):
    text = samples["arxiv-listing"] + "\n" + "\n" * 80 + samples["radai-slice"]
    path = write_listing("mixed.txt", text)
    records, skipped = _read([path])
    assert [r.arxiv for r in records] == ["2401.00001", "2401.00002"]
    lines = text.splitlines()
    expected = [i for i, x in enumerate(lines, 1) if x.startswith(("A pretend foundation", "Made-Up Dataset"))]
    foreign = [s for s in skipped if "record inside a" in s.reason]
    assert [s.line for s in foreign] == expected
    assert all("a radai-slice record inside a arxiv-listing file" in s.reason for s in foreign)


@pytest.mark.parametrize(
    ("fmt", "cut_after"),
    [("hf-papers", "Its last sentence is"), ("radai-slice", "We release a fictional dataset"),
     ("author-profile", "It is otherwise an ordinary"),
     ("arxiv-listing", "to be taken for the abstract")],
)
def test_m9_a_cut_last_record_is_not_stored_as_complete(write_listing, samples, fmt, cut_after):
    text = samples[fmt]
    cut = text[: text.index(cut_after) + len(cut_after)]  # mid-sentence, no final newline
    records, skipped = _read([write_listing("cut.txt", cut)])
    full, _ = _read([write_listing("full.txt", text)])
    assert len(records) == len(full) - 1
    assert len(skipped) == 1 and "truncated" in skipped[0].reason


def test_symlink_loops(tmp_path, samples):
    d = tmp_path / "d"
    d.mkdir()
    (d / "ok.txt").write_text(samples["arxiv-listing"], encoding="utf-8")
    os.symlink("loop", d / "loop")  # a link to itself
    os.symlink(".", d / "again")  # a folder link back up
    records, skipped = _read([d])
    assert len(records) == 2
    assert all(isinstance(s, SkippedFile) for s in skipped) and len(skipped) == 2
    with pytest.raises(InputError):
        list(iter_records([d / "loop"]))


def test_non_utf8_file_name(tmp_path, samples):
    d = tmp_path / "d"
    d.mkdir()
    name = os.fsdecode(b"caf\xe9.txt")
    (d / name).write_text(samples["arxiv-listing"], encoding="utf-8")
    records, _ = _read([d])
    assert len(records) == 2
    assert records[0].sources[0].file.endswith("caf\\xe9.txt")
    records[0].sources[0].file.encode("utf-8")  # printable and storable


def test_fifo_is_refused_not_waited_on(tmp_path, samples):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="named pipe"):
        list(iter_records([fifo]))
    (tmp_path / "ok.txt").write_text(samples["arxiv-listing"], encoding="utf-8")
    records, skipped = _read([tmp_path])
    assert len(records) == 2 and "not a regular file" in skipped[0].reason


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_is_read(write_listing, samples, encoding):
    path = write_listing("u16.txt", samples["radai-slice"].encode(encoding))
    records, skipped = _read([path])
    utf8, _ = _read([write_listing("u8.txt", samples["radai-slice"])])
    assert [r.title for r in records] == [r.title for r in utf8] and skipped == []


def test_latin1_file_is_refused_naming_the_encoding(write_listing, samples):
    text = samples["radai-slice"].replace("e", "é")
    path = write_listing("latin1.txt", text.encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8 text"):
        list(iter_records([path]))


def test_first_line_over_64_kb(write_listing, samples):
    row = samples["github-daily-arxiv"].splitlines()[-1]
    long_row = row.replace("BarNet handles pretend imaging.", "A long abstract. " * 5000)
    records, skipped = _read([write_listing("wide.md", long_row + "\n" + row + "\n")])
    assert len(records) == 2 and skipped == []
