"""`kg report` pages in headless Chromium (Debian's /usr/bin/chromium driven by Playwright).

Offline (no request beyond the file), no console errors, every chart drawn, each chart's data
equal to what its query (as shown in the page) returns from the same store, tables that sort,
queries that copy, links that open the viewer focused, hostile names that stay text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from kg.outputs.report import author_groups, collect, group_rows, rows_of
from kg.outputs.report_html import write_html
from kg.outputs.viewer import write_viewer
from kg.query import run
from kg.store import open_store

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed")
sync_api = pytest.importorskip("playwright.sync_api")

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
EVIL_DATASET = '"><svg onload=alert(1)>'
EVIL_PERSON = "<b onmouseover=alert(1)>Eve</b>"
# Charts that draw one bar per row of their query.
ONE_BAR_PER_ROW = ("papers-per-modality", "top-datasets", "top-models", "new-names",
                   "collaboration-groups")


@dataclass
class Opened:
    page: Any
    url: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def chart_rows(self, chart: str) -> list[dict[str, Any]]:
        """The rows the chart was given (its Vega dataset "rows"), without the viewer link."""
        return self.page.evaluate(
            """(id) => kgReport.views[id].data('rows').map((d) => {
                const row = Object.assign({}, d); delete row.focus; return row; })""",
            chart,
        )

    def query(self, chart: str) -> str:
        return self.page.locator(f"#query-{chart}").text_content()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:
    contexts = []

    def opener(path: Path, fragment: str = "",
               ready: str = "window.kgReport && kgReport.ready") -> Opened:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        opened = Opened(page, path.resolve().as_uri() + fragment)
        page.on("request", lambda r: opened.requests.append(r.url))
        page.on("console", lambda m: opened.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: opened.errors.append(str(e)))

        def on_dialog(dialog: Any) -> None:
            opened.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.goto(opened.url)
        page.wait_for_function(f"() => {ready}")
        return opened

    yield opener
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def demo_report(demo_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.html"
    write_html(collect(open_store(demo_store_path, read_only=True)), path)
    return path


@pytest.fixture(scope="module")
def hostile_report(hostile_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile-report")
    store = open_store(hostile_store_path, read_only=True)
    write_html(collect(store), folder / "report.html")
    write_viewer(store, folder / "graph.html")
    return folder / "report.html"


@pytest.mark.parametrize("which", ["demo_report", "hostile_report"])
def test_opens_offline_without_errors_and_draws_every_chart(
    which: str, request: pytest.FixtureRequest, open_page: Any
) -> None:
    opened = open_page(request.getfixturevalue(which))
    page = opened.page
    page.wait_for_timeout(300)
    assert opened.requests == [opened.url]
    assert opened.errors == [] and opened.dialogs == []
    assert page.evaluate("kgReport.errors") == []
    charts = page.eval_on_selector_all(".chart", "(els) => els.map((e) => e.dataset.chart)")
    assert len(charts) >= 8
    assert sorted(page.evaluate("Object.keys(kgReport.views)")) == sorted(charts)
    for chart in charts:
        marks = page.locator(f"#chart-{chart} svg .role-mark > *").count()
        assert marks > 0, chart
    for chart in ONE_BAR_PER_ROW:
        bars = page.locator(f"#chart-{chart} svg g.mark-rect > path").count()
        assert bars == len(opened.chart_rows(chart)), chart


@pytest.mark.parametrize("which, store_fixture", [("demo_report", "demo_store_path"),
                                                  ("hostile_report", "hostile_store_path")])
def test_each_chart_holds_what_its_query_returns(
    which: str, store_fixture: str, request: pytest.FixtureRequest, open_page: Any
) -> None:
    opened = open_page(request.getfixturevalue(which))
    store = open_store(request.getfixturevalue(store_fixture), read_only=True)
    charts = opened.page.evaluate("Object.keys(kgReport.views)")
    for chart in charts:
        # The query exactly as the page shows it, run again on the same store.
        _, rows = rows_of(store, opened.query(chart))
        if chart == "collaboration-groups":
            # Groups of the authors the first query lists, named by the second query.
            _, names = rows_of(store, opened.query(f"{chart}-2"))
            _, rows = group_rows(author_groups(r["authors"] for r in rows),
                                 {r["key"]: r["names"] for r in names})
        drawn = opened.chart_rows(chart)
        assert drawn == rows, chart
        # The table beside the chart lists the same rows.
        cells = opened.page.locator(f"table[data-section='{chart}'] tbody tr").count()
        assert cells == len(rows), chart


def test_papers_per_modality_equal_a_sparql_count(
    demo_report: Path, demo_store_path: Path, open_page: Any
) -> None:
    opened = open_page(demo_report)
    store = open_store(demo_store_path, read_only=True)
    counts = {
        row["m"].value: int(row["n"].value)
        for row in run(store, "SELECT ?m (COUNT(DISTINCT ?p) AS ?n) "
                              "WHERE { ?p kg:imagingModality ?m } GROUP BY ?m")
    }
    drawn = {row["modality_iri"]: row["papers"]
             for row in opened.chart_rows("papers-per-modality")}
    assert drawn == counts and sum(counts.values()) > 0
    table = opened.page.locator("table[data-section='papers-per-modality'] tbody tr")
    shown = {table.nth(i).locator("td").first.inner_text():
             int(table.nth(i).locator("td.number").last.inner_text())
             for i in range(table.count())}
    labels = {row["modality_iri"]: row["modality"]
              for row in opened.chart_rows("papers-per-modality")}
    assert shown == {labels[iri]: n for iri, n in counts.items()}


def test_tables_sort_by_a_clicked_column(demo_report: Path, open_page: Any) -> None:
    page = open_page(demo_report).page
    table = page.locator("table[data-section='top-models']")
    header = table.locator("th[data-column='model'] button")
    header.click()
    names = table.locator("tbody tr td:first-child").all_inner_texts()
    assert names == sorted(names, key=str.lower)
    header.click()
    assert table.locator("tbody tr td:first-child").all_inner_texts() == sorted(
        names, key=str.lower, reverse=True)
    table.locator("th[data-column='papers'] button").click()
    papers = [int(t) for t in table.locator("tbody td.number:nth-child(2)").all_inner_texts()]
    assert papers == sorted(papers)
    assert table.locator("th[data-column='papers']").get_attribute("aria-sort") == "ascending"


def test_copy_puts_the_query_on_the_clipboard(demo_report: Path, open_page: Any) -> None:
    opened = open_page(demo_report)
    page = opened.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    section = page.locator("#section-top-datasets")
    section.locator("details.sparql summary").click()
    section.locator("button.copy").click()
    page.wait_for_function(
        "() => document.querySelector('#section-top-datasets button.copy').textContent "
        "=== 'Copied'")
    assert page.evaluate("navigator.clipboard.readText()") == opened.query("top-datasets")
    assert "kg:usesDataset" in opened.query("top-datasets")


def test_time_chart_zooms_with_the_wheel(demo_report: Path, open_page: Any) -> None:
    page = open_page(demo_report).page
    chart = page.evaluate("Object.keys(kgReport.views).find((k) => k.startsWith('papers-per-'))")
    before = page.evaluate("(id) => kgReport.views[id].scale('x').domain().map(Number)", chart)
    box = page.locator(f"#chart-{chart} svg.marks").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 3, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -400)
    page.wait_for_function(
        "([id, old]) => kgReport.views[id].scale('x').domain().map(Number).join() !== old.join()",
        arg=[chart, before])
    after = page.evaluate("(id) => kgReport.views[id].scale('x').domain().map(Number)", chart)
    assert after[1] - after[0] < before[1] - before[0]  # zoomed in


def test_hostile_names_stay_text(hostile_report: Path, open_page: Any) -> None:
    opened = open_page(hostile_report)
    page = opened.page
    names = page.locator("table[data-section='top-datasets'] tbody td:first-child")
    assert EVIL_DATASET in names.all_inner_texts()
    leads = page.locator("table[data-section='collaboration-groups'] tbody td:nth-child(2)")
    assert EVIL_PERSON in leads.all_inner_texts()
    # Hover every bar of the dataset chart: the tooltip shows the name as text.
    bars = page.locator("#chart-top-datasets svg g.mark-rect > path")
    seen = []
    for i in range(bars.count()):
        bars.nth(i).hover()
        page.wait_for_timeout(100)
        tooltip = page.locator("#vg-tooltip-element")
        if tooltip.count() and tooltip.is_visible():
            seen.append(tooltip.inner_text())
    assert any(EVIL_DATASET in text for text in seen)
    markup = "document.querySelectorAll('img, iframe, b, object, embed, svg[onload]').length"
    assert page.evaluate(markup) == 0
    assert page.evaluate("document.scripts.length") == 3
    assert opened.dialogs == [] and opened.errors == []


def test_names_open_the_viewer_focused_on_them(
    hostile_report: Path, open_page: Any
) -> None:
    opened = open_page(hostile_report)
    link = opened.page.locator("table[data-section='top-models'] a.focus", has_text="U-Net")
    href = link.get_attribute("href")
    assert href == "graph.html#focus=U-Net&type=model"
    viewer = open_page(hostile_report.parent / "graph.html", "#focus=U-Net&type=model",
                       ready="window.kgViewer && kgViewer.ready && kgViewer.focused !== null")
    focused = viewer.page.evaluate(
        "JSON.parse(document.getElementById('kg-data').textContent)"
        ".nodes.find((n) => n.id === kgViewer.focused).label")
    assert focused == "U-Net"
    assert viewer.errors == []
