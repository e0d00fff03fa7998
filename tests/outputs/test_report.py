"""`kg report` without a browser: what the queries find, the scope (--since, --modality), the
collaboration groups, the Markdown version and the command line."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.outputs.report import (
    ReportError,
    Scope,
    author_groups,
    collect,
    group_rows,
    names_query,
    query_names,
    query_text,
    rows_of,
    scoped,
)
from kg.query import parse_named_query
from kg.store import open_store

B = "https://w3id.org/medimg-kg/"


def run(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def hostile(hostile_store_path: Path):
    return open_store(hostile_store_path, read_only=True)


def test_every_report_query_describes_itself_and_runs_with_and_without_scope(hostile) -> None:
    scope = Scope(since="2020", modality=B + "modality/mri", modality_label="MRI")
    for name in query_names():
        text = query_text(name)
        assert parse_named_query(name, text).description, name
        # Every query over papers can be narrowed; the names look-up reads people by key.
        assert ("#@scope" in text) == (name != "author-names"), name
        for narrowed in (Scope(), scope):
            final = scoped(text, narrowed)
            assert "#@scope" not in final
            rows_of(hostile, final)  # parses and runs


def test_report_on_the_fixture(hostile) -> None:
    report = collect(hostile)
    summary = report.summary
    assert (summary["papers"], summary["dated_papers"]) == (4, 4)
    assert (summary["first_date"], summary["last_date"]) == ("2019-06-01", "2024-02")
    assert (summary["people"], summary["models"], summary["datasets"]) == (5, 3, 3)
    assert summary["papers_with_code"] == 2 and summary["code_share"] == 0.5
    sections = {s.id: s for s in report.sections}
    # 2019 to 2024 is more than three years: papers are counted per year.
    assert "papers-per-year" in sections and "papers-per-month" not in sections
    assert {r["modality"]: r["papers"] for r in sections["papers-per-modality"].rows} == {
        "MRI": 3, "CT": 1, "X-ray": 1}
    assert [(r["model"], r["papers"], r["proposed_by"]) for r in sections["top-models"].rows] \
        == [("SAM", 2, 0), ("U-Net", 2, 0), ("MedSAM", 1, 1)]
    # The last 12 months of the data end in 2024-02: SAM's two papers fall in them.
    rising = {r["name"]: (r["previous"], r["recent"]) for r in sections["rising"].rows}
    assert rising["SAM"] == (0, 2)
    assert "U-Net" not in rising  # 2019 and 2021: before both windows
    # BraTS is in a 2021 paper (dated by year only), so it is not new.
    assert {r["name"] for r in sections["new-names"].rows} == {"SAM", "MedSAM"}
    code = {r["year"]: (r["papers"], r["with_code"]) for r in sections["code-per-year"].rows}
    assert code == {"2019": (1, 0), "2021": (1, 1), "2024": (2, 1)}
    groups = sections["collaboration-groups"].rows
    assert [(g["authors"], g["papers"]) for g in groups] == [(4, 3), (1, 1)]
    # Jun Ma and Bo Wang have two papers each; ties go by name key (ma-j before wang-b).
    assert groups[0]["lead"] == "Jun Ma" and groups[1]["lead"] == "<b onmouseover=alert(1)>Eve</b>"


def test_scope_narrows_every_query(hostile) -> None:
    report = collect(hostile, modality="mr", since=2024)
    assert report.scope.modality == B + "modality/mri"
    assert report.scope.describe() == "papers on MRI, dated 2024 or later"
    assert report.summary["papers"] == 2
    assert "VALUES" not in report.summary_query  # the scope is written out, not a slot
    assert f"<{B}modality/mri>" in report.summary_query and '"2024"' in report.summary_query
    models = {r["model"] for s in report.sections if s.id == "top-models" for r in s.rows}
    assert models == {"SAM", "MedSAM"}


@pytest.mark.parametrize("kwargs, message", [
    ({"modality": "PET-CT"}, "unknown modality 'PET-CT' (known: CT, MRI, PET, X-ray)"),
    ({"modality": "} ; DROP ALL"}, "unknown modality"),
    ({"since": "2024-13-99x"}, "since must be a year"),
    ({"since": "last year"}, "since must be a year"),
])
def test_bad_scope_is_an_error(hostile, kwargs: dict, message: str) -> None:
    with pytest.raises(ReportError, match=re.escape(message)):
        collect(hostile, **kwargs)


def test_collaboration_groups_are_connected_components() -> None:
    papers = ["ann-a bob-b", "bob-b cy-c", "di-d", "di-d eve-e", None, "fay-f fay-f"]
    groups = author_groups(papers)
    assert groups == [(3, 2, ["bob-b", "ann-a", "cy-c"]), (2, 2, ["di-d", "eve-e"]),
                      (1, 1, ["fay-f"])]
    names = {"bob-b": "B. Bob | Bob Bobson", "ann-a": "Ann", "di-d": "Di"}
    columns, rows = group_rows(groups, names)
    assert columns == ["group", "lead", "authors", "papers", "members"]
    assert rows[:2] == [
        {"group": 1, "lead": "Bob Bobson", "authors": 3, "papers": 2,
         "members": "Bob Bobson, Ann, cy-c"},
        {"group": 2, "lead": "Di", "authors": 2, "papers": 2, "members": "Di, eve-e"},
    ]


def test_names_query_binds_keys_as_literals(hostile) -> None:
    text = names_query(['ma-j', 'x" } ; DROP ALL ; { "'])
    assert 'VALUES ?key { "ma-j" "x\\" } ; DROP ALL ; { \\"" }' in text
    _, rows = rows_of(hostile, text)
    assert rows == [{"key": "ma-j", "names": rows[0]["names"]}]
    assert set(rows[0]["names"].split(" | ")) == {"Jun Ma", "J. Ma"}


def test_markdown_report_with_svg_figures(hostile_store_path: Path, tmp_path: Path) -> None:
    result = run("report", "--format", "md", "-o", tmp_path / "md", "--store",
                 hostile_store_path)
    assert result.exit_code == 0, result.output
    text = (tmp_path / "md" / "report.md").read_text(encoding="utf-8")
    figures = sorted((tmp_path / "md" / "figures").glob("*.svg"))
    assert len(figures) >= 8
    for figure in figures:
        assert ET.parse(figure).getroot().tag.endswith("svg")
        assert f"](figures/{figure.name})" in text
    assert text.count("```sparql") == len(query_names()) - 1  # one of month/year is used
    # Names from the store are text: no markup, no link but ours.
    assert "<svg" not in text and "<b " not in text
    assert "&lt;b onmouseover=alert\\(1\\)&gt;Eve&lt;/b&gt;" not in text  # ( ) stay as they are
    assert "&lt;b onmouseover=alert(1)&gt;Eve&lt;/b&gt;" in text
    assert "[U-Net](graph.html#focus=U-Net&type=model)" in text
    assert "(graph.html#focus=%3Cb%20onmouseover%3Dalert%281%29%3EEve%3C%2Fb%3E&type=author)" \
        in text


def test_report_command(hostile_store_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    result = run("report", "-o", out, "--store", hostile_store_path, "--modality", "CT")
    assert result.exit_code == 0, result.output
    assert result.output == f"Wrote {out}: 9 charts over 1 paper (papers on CT)\n"
    page = out.read_text(encoding="utf-8")
    assert "<script src" not in page and "http-equiv=\"Content-Security-Policy\"" in page
    assert oct(out.stat().st_mode & 0o777) != oct(0o600)
    result = run("report", "-o", out, "--store", hostile_store_path, "--modality", "nope")
    assert result.exit_code == 1
    assert result.output.startswith("Error: unknown modality 'nope' (known: CT, MRI, PET, X-ray)")
    assert len(result.output.splitlines()) == 1
    result = run("report", "-o", tmp_path / "missing" / "r.html", "--store", hostile_store_path)
    assert result.exit_code == 1 and "does not exist" in result.output
    assert run("report", "--store", tmp_path / "nothing").exit_code == 1


def test_worker_processes_give_the_same_report(demo_store_path: Path) -> None:
    store = open_store(demo_store_path, read_only=True)
    alone = collect(store)
    parallel = collect(store, store_path=demo_store_path, workers=2)
    assert parallel.summary == alone.summary
    assert [(s.id, s.query, s.rows) for s in parallel.sections] == [
        (s.id, s.query, s.rows) for s in alone.sections]
    assert sum(1 for s in alone.sections if s.rows) >= 8
