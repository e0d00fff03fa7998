"""The readers of issue 11 on small made-up files: JSON shapes, BibTeX, RIS, CSV, table and
list variants, and the one-line refusals."""

# ruff: noqa: E501

from __future__ import annotations

import json

import pytest

from kg.errors import InputError, RecordError
from kg.sources import detect_format, iter_records

ABSTRACT = "We propose FooNet, a made-up model for pretend CT scans. It is evaluated on an invented dataset."


def read(write_listing, name, content):
    path = write_listing(name, content)
    skipped: list[RecordError] = []
    return path, list(iter_records([path], on_skip=skipped.append)), skipped


def test_json_lines_with_the_field_names_people_use(write_listing):
    lines = [
        {"title": "A", "summary": ABSTRACT, "authors": ["Ma, Dong", "Yi Zhang"], "published": "2024-03-05T10:00:00Z",
         "arxiv_id": "2403.01234v2", "code_url": "https://github.com/x/a", "keywords": ["CT", "segmentation"]},
        {"title": "B", "abstract": ABSTRACT, "author": [{"given": "Ann", "family": "Lee", "affiliation": [{"name": "Uni A"}, {"name": "Uni B"}]}],
         "year": 2023, "DOI": "https://doi.org/10.1000/XYZ.1", "pmid": "12345678"},
        {"title": "C", "url": "https://arxiv.org/abs/2401.00002v1", "authors": [{"name": "Bo Chen"}, "et al."]},
    ]
    path, records, skipped = read(write_listing, "papers.jsonl", "\n".join(json.dumps(x) for x in lines) + "\n")
    assert detect_format(path) == "json" and skipped == []
    a, b, c = records
    assert (a.arxiv, a.date, a.code, a.subjects) == ("2403.01234", "2024-03-05", ["https://github.com/x/a"], ["CT", "segmentation"])
    assert [(x.family, x.given) for x in a.authors] == [("Ma", "Dong"), ("Zhang", "Yi")] and a.authors_complete
    assert (b.doi, b.pmid, b.date) == ("10.1000/XYZ.1", "12345678", "2023")
    assert b.authors[0].affiliations == ["Uni A", "Uni B"] and b.authors[0].name == "Lee, Ann"
    assert c.arxiv == "2401.00002" and not c.authors_complete and [x.name for x in c.authors] == ["Bo Chen"]
    assert [r.sources[0].line for r in records] == [1, 2, 3]


def test_openalex_page(write_listing):
    page = {"meta": {"count": 1}, "results": [{
        "id": "https://openalex.org/W1", "title": "An OpenAlex Work", "publication_date": "2022-06-01",
        "doi": "https://doi.org/10.1001/abc", "ids": {"pmid": "https://pubmed.ncbi.nlm.nih.gov/999"},
        "abstract_inverted_index": {"We": [0], "segment": [1], "scans.": [2]},
        "authorships": [{"author": {"display_name": "Dong Ma"}, "institutions": [{"display_name": "Uni X"}]}],
    }]}
    _, (record,), _ = read(write_listing, "openalex.json", json.dumps(page, indent=2))
    assert record.abstract == "We segment scans." and record.doi == "10.1001/abc" and record.pmid == "999"
    assert record.authors[0].family == "Ma" and record.authors[0].affiliations == ["Uni X"]


def test_semantic_scholar_papers(write_listing):
    data = {"total": 1, "data": [{
        "paperId": "abc", "title": "An S2 Paper", "abstract": ABSTRACT, "publicationDate": "2021-01-02",
        "externalIds": {"ArXiv": "2101.00001", "DOI": "10.1002/x", "PubMed": "42"},
        "authors": [{"authorId": "1", "name": "Erika Mustermann", "affiliations": ["Uni Y"]}],
        "fieldsOfStudy": ["Medicine"]}]}
    _, (record,), _ = read(write_listing, "s2.json", json.dumps(data))
    assert (record.arxiv, record.doi, record.pmid, record.date) == ("2101.00001", "10.1002/x", "42", "2021-01-02")
    assert record.authors[0].affiliations == ["Uni Y"] and record.subjects == ["Medicine"]


def test_json_array_pretty_printed_keeps_lines(write_listing):
    data = [{"title": "One", "abstract": ABSTRACT}, {"title": "Two", "abstract": ABSTRACT}]
    text = json.dumps(data, indent=2)
    _, records, _ = read(write_listing, "a.json", text)
    assert [r.sources[0].line for r in records] == [2, 6]


def test_one_line_json_over_64_kb(write_listing):
    data = [{"title": f"Paper {i}", "abstract": ABSTRACT} for i in range(1000)]
    path, records, _ = read(write_listing, "big.json", json.dumps(data))
    assert path.stat().st_size > 64 * 1024 and len(records) == 1000


@pytest.mark.parametrize(
    ("content", "says"),
    [('{"name": "pkg", "version": "1.0", "dependencies": {}}', "an object with keys name, version, dependencies"),
     ("[1, 2, 3]", "an array of 3 numbers"),
     ('[{"id": 1, "stars": 5}]', "an array of 1 objects with keys id, stars"),
     ("{}", "an empty object")],
)
def test_json_without_papers_is_refused_saying_what_it_holds(write_listing, content, says):
    path = write_listing("x.json", content)
    with pytest.raises(InputError) as info:
        list(iter_records([path]))
    assert str(info.value) == f"{path}: JSON that holds no paper records: {says}" or says in str(info.value)
    assert "\n" not in str(info.value)


def test_bad_and_truncated_json_lines_cost_one_record(write_listing):
    good = json.dumps({"title": "Good", "abstract": ABSTRACT})
    text = f"{good}\n{{\"title\": \"Bad\", }}\n{good.replace('Good', 'Also good')}\n{{\"title\": \"Cut"
    path, records, skipped = read(write_listing, "x.jsonl", text)
    assert [r.title for r in records] == ["Good", "Also good"]
    assert [(s.line, s.reason.split(" (")[0]) for s in skipped] == [(2, "invalid JSON"), (4, "truncated JSON: the file ends inside this value")]


BIBTEX = r"""% exported
@string{miccai = "Medical Image Computing and Computer Assisted Intervention"}
@inproceedings{muller2024,
  title = {{FooNet}: Segmenting Pretend Scans with {U-Net}},
  author = {M{\"u}ller, J{\"o}rg and van der Berg, Anna and Nu{\~n}ez, José},
  booktitle = miccai,
  year = {2024}, month = {mar},
  doi = {10.1007/978-3-000},
  abstract = {We propose FooNet for na\"ive segmentation.},
  keywords = {segmentation, CT}
}
@misc{chen2023bar,
  title={BarNet},
  author={Chen, Bo},
  eprint={2301.00001}, archivePrefix={arXiv}, year={2023}
}
@article{broken,
  title = {Never closed
"""


def test_bibtex_with_latex_accents(write_listing):
    path, records, skipped = read(write_listing, "refs.bib", BIBTEX)
    assert detect_format(path) == "bibtex"
    a, b = records
    assert a.title == "FooNet: Segmenting Pretend Scans with U-Net"
    assert [(x.family, x.given) for x in a.authors] == [("Müller", "Jörg"), ("van der Berg", "Anna"), ("Nuñez", "José")]
    assert (a.date, a.doi, a.comment) == ("2024-03", "10.1007/978-3-000", "Medical Image Computing and Computer Assisted Intervention")
    assert a.abstract == "We propose FooNet for naïve segmentation." and a.subjects == ["segmentation", "CT"]
    assert b.arxiv == "2301.00001" and b.date == "2023"
    assert [s.line for s in skipped] == [BIBTEX.splitlines().index("@article{broken,") + 1]


RIS = """TY  - JOUR
TI  - A Made-Up RIS Paper
AU  - Ma, Dong
AU  - Lee, Ann
AB  - We propose FooNet. It segments pretend scans.
PY  - 2022/05/04/
DO  - 10.1003/ris
KW  - MRI
JO  - Journal of Pretend Imaging
ER  - 

TY  - JOUR
TI  - Cut short
AU  - Chen, Bo
"""


def test_ris(write_listing):
    path, records, skipped = read(write_listing, "refs.ris", RIS)
    assert detect_format(path) == "ris"
    (record,) = records
    assert record.title == "A Made-Up RIS Paper" and [a.family for a in record.authors] == ["Ma", "Lee"]
    assert (record.date, record.doi, record.subjects) == ("2022-05-04", "10.1003/ris", ["MRI"])
    assert [s.line for s in skipped] == [12] and "ER line" in skipped[0].reason


def test_csv_export(write_listing):
    text = ('Authors,Title,Year,DOI,Abstract,Author Keywords\n'
            '"Ma D.; Lee A.","A CSV Paper",2020,10.1004/csv,"We propose FooNet, a model.\nSecond line.","CT; MRI"\n'
            '"Chen B.","Another",2021,,"Another abstract.",\n')
    path, records, skipped = read(write_listing, "scopus.csv", text)
    assert detect_format(path) == "csv" and skipped == []
    a, b = records
    assert a.title == "A CSV Paper" and a.date == "2020" and a.doi == "10.1004/csv"
    assert [x.family for x in a.authors] == ["Ma", "Lee"] and a.subjects == ["CT", "MRI"]
    assert a.abstract == "We propose FooNet, a model. Second line."
    assert b.sources[0].line == 4


CV_TABLE = """## Updated on 2026.01.01

## Medical

| Publish Date | Title | Authors | PDF | Code |
|:---------|:-----------------------|:---------|:------|:------|
|2025-01-02|A Subtitle Study of Titles|Ann Lee et.al.|[2501.00001v1](http://arxiv.org/abs/2501.00001v1)|null|
|**2025-01-03**|**Title and Authors: Header Words in Titles**|Bo Chen et al.|[2501.00002](http://arxiv.org/abs/2501.00002)|**[link](https://github.com/x/y)**|
"""


def test_cv_arxiv_daily_plain_cells_and_header_words_in_titles(write_listing):
    path, records, skipped = read(write_listing, "README.md", CV_TABLE)
    assert detect_format(path) == "cv-arxiv-daily" and skipped == []
    a, b = records
    assert (a.title, a.date, a.arxiv, [x.name for x in a.authors]) == ("A Subtitle Study of Titles", "2025-01-02", "2501.00001", ["Ann Lee"])
    assert b.title == "Title and Authors: Header Words in Titles" and b.code == ["https://github.com/x/y"]
    assert not a.authors_complete and not b.authors_complete


def test_awesome_list_skips_non_paper_bullets(write_listing):
    text = ("# Awesome\n\n- [How to contribute](#contrib)\n- [PyTorch](https://pytorch.org) - a library\n"
            "* **[Paper One](http://arxiv.org/abs/2501.00001v1)** - [Code](https://github.com/a/b)\n"
            "* [Paper Two](https://doi.org/10.1005/two) - [[code](https://github.com/c/d)]\n"
            "* **[Paper Thr\n")
    path, records, skipped = read(write_listing, "README.md", text)
    assert [r.title for r in records] == ["Paper One", "Paper Two"]
    assert records[1].doi == "10.1005/two" and records[1].code == ["https://github.com/c/d"]
    assert [s.line for s in skipped] == [7]


def test_html_table_rows(write_listing):
    text = """<table>
<tr><th>Publish Date</th><th>Title</th><th>Authors</th><th>URL</th><th>Abstract</th></tr>
<tr><td>2026-01-02</td><td>An &amp; HTML Paper</td><td>Ann Lee, Bo Chen</td><td><a href='http://arxiv.org/abs/2601.00001v1'>Link</a></td><td>We find p &lt; 0.05 in pretend scans.</td></tr>
<tr><td>2026-01-03</td><td>Cut
"""
    path, records, skipped = read(write_listing, "README.md", text)
    assert detect_format(path) == "html-table"
    (r,) = records
    assert (r.title, r.arxiv, r.abstract) == ("An & HTML Paper", "2601.00001", "We find p < 0.05 in pretend scans.")
    assert [a.name for a in r.authors] == ["Ann Lee", "Bo Chen"] and r.authors_complete
    assert [s.line for s in skipped] == [4]
