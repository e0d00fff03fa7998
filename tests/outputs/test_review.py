"""Review tables (`kg export --format review-csv|review-xlsx`): one row per paper, the same
entities as `kg extract`, a workbook that opens in openpyxl with frozen headers, filters, a
sheet per modality and the evidence, and nothing a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import gc
from pathlib import Path

import openpyxl
import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.extract import extract_papers
from kg.ontology import KG
from kg.outputs.review import COLUMNS, EVIDENCE_COLUMNS, write_review_csv, write_review_xlsx
from kg.store import open_store

B = "https://w3id.org/medimg-kg/"


def run(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def workbook(demo_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("review") / "review.xlsx"
    result = run("export", "--format", "review-xlsx", "-o", path, "--store", demo_store_path)
    assert result.exit_code == 0, result.output
    assert result.output == f"Wrote review table of 9 papers to {path}\n"
    return path


def _sheet_rows(sheet) -> list[dict]:
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def _split(value: str | None) -> set[str]:
    return set(value.split("; ")) if value else set()


def test_xlsx_has_one_row_per_paper_with_the_entities_kg_extract_finds(
    workbook: Path, demo_corpus: Path
) -> None:
    book = openpyxl.load_workbook(workbook)
    rows = {row["paper"]: row for row in _sheet_rows(book["Papers"])}
    extracted = {paper["id"]: paper for paper in extract_papers([demo_corpus])}
    assert len(rows) == len(extracted) == 9
    assert rows.keys() == extracted.keys()
    for key, paper in extracted.items():
        row = rows[key]
        assert row["title"] == paper["title"]
        assert _split(row["modalities"]) == {m["name"] for m in paper["modalities"]}
        for kind in ("datasets", "models"):
            proposed = {e["name"] for e in paper[kind] if e["role"] == "proposed"}
            used = {e["name"] for e in paper[kind] if e["role"] != "proposed"}
            assert _split(row[f"{kind} proposed"]) == proposed, (key, kind)
            assert _split(row[f"{kind} used"]) == used, (key, kind)
        # A person is named by the longest form written in any paper ("Maria Example" for
        # "Example M"), so only the count is the same as in one paper's listing.
        assert len(_split(row["authors"])) == len(paper["authors"])
        assert _split(row["code"]) == set(paper["code"])
        assert row["date"] == paper["date"]


def test_xlsx_sheets_headers_filters_and_evidence(workbook: Path, demo_store_path: Path) -> None:
    book = openpyxl.load_workbook(workbook)
    papers = _sheet_rows(book["Papers"])
    modalities = sorted({m for row in papers for m in _split(row["modalities"])}, key=str.casefold)
    assert book.sheetnames == ["Papers", *modalities, "Evidence"]
    for name in book.sheetnames:
        sheet = book[name]
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}" \
                                         f"{sheet.max_row}"
        assert sheet.cell(1, 1).font.bold
    assert [c.value for c in book["Papers"][1]] == COLUMNS
    for modality in modalities:
        on_it = [r["paper"] for r in papers if modality in _split(r["modalities"])]
        assert [r["paper"] for r in _sheet_rows(book[modality])] == on_it
    evidence = _sheet_rows(book["Evidence"])
    assert [c.value for c in book["Evidence"][1]] == EVIDENCE_COLUMNS
    store = open_store(demo_store_path, read_only=True)
    mentions = int(next(iter(store.query(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ ?m <{KG.supports}> ?assertion }}"
    )))["n"].value)
    assert len(evidence) == mentions > 0
    for row in evidence:
        # The quote sits inside the quoted sentence, and the entity is one of the paper's.
        assert row["quote"] in row["sentence"]
        assert row["type"] in ("model", "dataset", "modality", "task")
        entities = {p["paper"]: p for p in papers}[row["paper"]]
        if row["type"] in ("model", "dataset"):
            assert row["entity"] in (_split(entities[f"{row['type']}s used"])
                                     | _split(entities[f"{row['type']}s proposed"]))


def test_csv_has_the_same_rows(workbook: Path, demo_store_path: Path, tmp_path: Path) -> None:
    result = run("export", "--format", "review-csv", "-o", tmp_path / "review.csv",
                 "--store", demo_store_path)
    assert result.exit_code == 0, result.output
    with open(tmp_path / "review.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    book_rows = _sheet_rows(openpyxl.load_workbook(workbook)["Papers"])
    assert len(rows) == len(book_rows) == 9
    for row, book_row in zip(rows, book_rows, strict=True):
        assert row == {k: "" if v is None else str(v) for k, v in book_row.items()}


@pytest.fixture
def formula_store(tmp_path: Path) -> ox.Store:
    path = tmp_path / "store"
    store = open_store(path)
    store.load(input=f"""
        @prefix schema: <https://schema.org/> .
        @prefix kg: <{KG}> .
        @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
        <{B}paper/title/1> a schema:ScholarlyArticle ;
            schema:name "=HYPERLINK(\\"http://evil.example\\",\\"click\\")" ;
            kg:imagingModality <{B}modality/odd> .
        <{B}modality/odd> skos:prefLabel "CT/MR: [fused]?" .
        <{B}paper/title/2> a schema:ScholarlyArticle ; schema:name "+cmd|' /C calc'!A0\\u0007" .
    """, format=ox.RdfFormat.TURTLE)
    store.flush()
    return store


def test_nothing_runs_as_a_formula(formula_store: ox.Store, tmp_path: Path) -> None:
    write_review_xlsx(formula_store, tmp_path / "r.xlsx")
    book = openpyxl.load_workbook(tmp_path / "r.xlsx")
    titles = {c.value: c.data_type for c in book["Papers"]["B"][1:]}
    assert titles == {'=HYPERLINK("http://evil.example","click")': "s",
                      "+cmd|' /C calc'!A0": "s"}  # the control character is dropped
    # A modality label that is no valid sheet name still gets a sheet.
    assert book.sheetnames == ["Papers", "CT-MR- -fused--", "Evidence"]
    write_review_csv(formula_store, tmp_path / "r.csv")
    with open(tmp_path / "r.csv", newline="", encoding="utf-8") as handle:
        titles = [row["title"] for row in csv.DictReader(handle)]
    assert sorted(titles) == ["'+cmd|' /C calc'!A0\x07",
                              "'=HYPERLINK(\"http://evil.example\",\"click\")"]
    del formula_store
    gc.collect()
