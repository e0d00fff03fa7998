"""Every real file in ../shared/corpus/formats is read correctly or refused in one line
(issue 11), and the MICCAI JSON lines are read exactly as they are."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from kg.errors import InputError, RecordError
from kg.people import People, person_key
from kg.sources import detect_format, iter_records


def _read(path):
    skipped: list[RecordError] = []
    return list(iter_records([path], on_skip=skipped.append)), skipped


@pytest.fixture(scope="module")
def formats(shared_corpus):
    path = shared_corpus / "formats"
    if not path.is_dir():
        pytest.skip("../shared/corpus/formats is not there")
    return path


def _rows(path, pattern):
    return [line for line in path.read_text(encoding="utf-8").splitlines() if pattern.match(line)]


def test_every_file_is_read_or_refused_in_one_line(formats):
    for path in sorted(formats.iterdir()):
        try:
            records, skipped = _read(path)
        except InputError as exc:
            assert "\n" not in str(exc) and str(exc).startswith(f"{path}: ")
            continue
        assert records, path
        assert all(r.title for r in records), path
        assert not any("internal reader error" in s.reason for s in skipped), path


def test_cv_arxiv_daily(formats):
    path = formats / "Vincentqyw+cv-arxiv-daily.README.md"
    assert detect_format(path) == "cv-arxiv-daily"
    rows = _rows(path, re.compile(r"^\|\*\*\d{4}-"))
    records, skipped = _read(path)
    assert skipped == [] and len(records) == len(rows) == 9312
    assert all(r.arxiv for r in records)
    assert len({r.arxiv for r in records}) == len({re.search(r"abs/([\d.]+)", x)[1] for x in rows})
    for row, record in zip(rows, records, strict=True):
        cells = row.strip("|").split("|")
        assert record.date == cells[0].strip("*")
        assert record.title == cells[1].strip("*").strip()
        first = cells[2].removesuffix("et.al.").strip()
        assert [a.name for a in record.authors] == [first]
        assert record.authors_complete is False
        assert record.code == ([] if cells[4] == "null" else [re.search(r"\((.*?)\)", cells[4])[1]])
    families = Counter(a.family for r in records for a in r.authors)
    assert not any("et" in (f or "").lower().split(".") for f in families)
    # "Le Gentil", "Harel-Canada": the first author's family name as written.
    gentil = next(r for r in records if r.arxiv == "2605.04806")
    assert (gentil.authors[0].given, gentil.authors[0].family) == ("Cedric", "Le Gentil")


def test_daily_arxiv_has_no_authors_so_the_list_is_not_complete(formats):
    path = formats / "zezhishao+DailyArXiv.README.md"
    assert detect_format(path) == "github-daily-arxiv"
    records, skipped = _read(path)
    assert skipped == [] and len(records) == 251 and len({r.arxiv for r in records}) == 249
    assert all(r.abstract and r.date and not r.authors for r in records)
    assert not any(r.authors_complete for r in records)


def test_html_table(formats):
    path = formats / "randomrisk+NeuroAI-Daily-Arxiv.README.md"
    assert detect_format(path) == "html-table"
    records, skipped = _read(path)
    assert skipped == [] and len(records) == 70
    for r in records:
        assert r.arxiv and r.date and len(r.title) < 300 and len(r.abstract) > 200
        assert r.authors and r.authors_complete
        assert not re.search(r"</?t[dhr]\b", r.abstract) and "Publish Date" not in r.title
    first = records[0]
    assert first.title == "Verbalizable Representations Form a Global Workspace in Language Models"
    assert first.authors[0].name == "Wes Gurnee" and len(first.authors) == 16


def test_awesome_list(formats):
    path = formats / "ambicuity+Awesome-MICCAI-2025.README.md"
    assert detect_format(path) == "awesome-list"
    bullets = _rows(path, re.compile(r"^\* \*\*\["))
    records, skipped = _read(path)
    assert skipped == [] and len(records) == len(bullets) == 88
    assert all(r.arxiv and r.code and r.title and r.abstract is None for r in records)
    assert records[0].title.startswith("SSL-MedSAM2: A Semi-supervised")
    assert records[0].code == ["https://github.com/naisops/SSL-MedSAM2/tree/main"]


def test_one_paper_json(formats):
    path = formats / "miccai-0042.json"
    assert detect_format(path) == "json"
    (record,), skipped = _read(path)
    source = json.loads(path.read_text(encoding="utf-8"))
    assert skipped == []
    assert record.title == source["title"] and record.abstract == source["abstract"]
    assert [a.name for a in record.authors] == [a["name"] for a in source["authors"]]
    assert (record.authors[0].family, record.authors[0].given) == ("Xiang", "Tianqi")
    assert record.subjects == source["subject_areas"]
    assert record.authors_complete


@pytest.mark.parametrize("blank_lines", [True, False])
def test_hugging_face_pages(formats, tmp_path, blank_lines):
    for path in sorted(formats.glob("hf_*.txt")):
        if not blank_lines:  # a browser copy without blank lines reads the same
            text = path.read_text(encoding="utf-8")
            path = tmp_path / path.name
            path.write_text("\n".join(x for x in text.split("\n") if x.strip()), "utf-8")
        records, skipped = _read(path)
        # One complete paper; the cut-off second one is one warning, page furniture none.
        assert len(records) == 1, path
        assert [s.reason.startswith("truncated record") for s in skipped] == [True], skipped
        assert records[0].title and len(records[0].abstract) > 300
        assert records[0].authors_complete is False
    stu = _read(tmp_path / "hf_ztlshhf_medical-segmentation-models.txt" if not blank_lines
                else formats / "hf_ztlshhf_medical-segmentation-models.txt")[0][0]
    assert stu.title.startswith("STU-Net") and stu.date == "2023-04-13"


def test_readme_of_the_folder_is_refused_with_what_it_is(formats):
    with pytest.raises(InputError, match="Markdown table with columns .* no Title column"):
        detect_format(formats / "README.md")


def test_miccai_json_lines_read_exactly(shared_corpus):
    path = shared_corpus / "miccai" / "miccai2025-dev.jsonl"
    records, skipped = _read(path)
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    assert skipped == [] and len(records) == len(lines) == 808
    for record, source in zip(records, lines, strict=True):
        assert record.title == source["title"]
        assert record.date == source["date"]
        assert [a.name for a in record.authors] == source["authors"]
        assert all(a.family and a.given for a in record.authors)
        assert record.arxiv is None and record.authors_complete
        assert record.subjects == [" ".join(s.split()) for s in source["subject_areas"]]


def test_miccai_people_match_distinct_full_names(shared_corpus):
    path = shared_corpus / "miccai" / "miccai2025-dev.jsonl"
    records, _ = _read(path)
    names = {a.name for r in records for a in r.authors}
    people = People()
    for r in records:
        people.observe(r)
    keys = set()
    for r in records:
        people.assign(r)
        keys.update(person_key(a) for a in r.authors)
    assert abs(len(keys) - len(names)) <= 0.02 * len(names)
