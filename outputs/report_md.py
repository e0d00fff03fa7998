"""The report as Markdown with SVG figures, for a wiki or a paper's appendix.

The same sections as the HTML page: each chart is rendered to SVG by vl-convert-python
(offline: it carries its own JavaScript engine and the Vega libraries), followed by its data
as a table and the SPARQL query that produced it. Text from the store is escaped so that no
Markdown renderer reads it as markup or links.
"""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path
from typing import Any

from kg.errors import ExportError
from kg.outputs.report import Report, Section
from kg.outputs.report_charts import chart_spec, focus_link, link_kind
from kg.shards import write_output

# Table rows written per section; the query beside it gives them all.
TABLE_ROWS = 50
FIGURES = "figures"
# Characters that start emphasis, code, links, tables or strikethrough; `<`, `>` and `&`
# become entities. Without `[` there is no link, so parentheses can stay as they are.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_PERCENT = {"share", "code_share"}


def write_markdown(report: Report, folder: str | Path, *,
                   viewer: str | None = "graph.html") -> Path:
    """Write `folder`/report.md and its figures (`folder`/figures/*.svg); returns the .md."""
    import vl_convert

    folder = Path(folder)
    try:
        (folder / FIGURES).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create {folder / FIGURES}: {exc.strerror or exc}") from None
    lines = [f"# {escape(report.title)}", "",
             f"Covers {escape(report.scope.describe())}. Every chart comes with its data and "
             "the SPARQL query that produced it.", ""]
    lines += _summary(report)
    for section in report.sections:
        lines += [f"## {escape(section.title)}", "", escape(section.description), ""]
        for extra in (section.derived, section.note):
            if extra:
                lines += [f"*{escape(extra)}*", ""]
        spec = chart_spec(section, viewer)
        if spec is None:
            lines += ["*No data for this chart in the report's scope.*", ""]
        else:
            svg = vl_convert.vegalite_to_svg(spec)
            name = f"{FIGURES}/{section.id}.svg"
            write_output(folder / name, partial(Path.write_text, data=svg, encoding="utf-8"))
            lines += [f"![{escape(section.title)}]({name})", ""]
        lines += _table(section, viewer)
        lines += _query(section.query)
        for label, text in section.extra:
            lines += _query(text, f"SPARQL: {escape(label)}")
    text = "\n".join(lines).rstrip() + "\n"
    target = folder / "report.md"
    write_output(target, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return target


def escape(text: Any) -> str:
    """`text` as literal Markdown: no markup, no links, no HTML, one line."""
    text = " ".join(str(text).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    # A leading "#", "+" or "-" would start a heading or a list item.
    return "\\" + text if text[:1] in ("#", "+", "-") else text


def _summary(report: Report) -> list[str]:
    s = report.summary
    rows = [
        *report.summary_counts(),
        ("Source formats", s.get("source_formats") or ""),
        ("Papers with code", f"{s.get('papers_with_code') or 0:,} "
                             f"({(s.get('code_share') or 0):.1%})"),
        ("Records skipped by the build", "not recorded in the store (see `kg build`'s summary)"),
    ]
    lines = ["## Summary", "", "| | |", "|---|---|"]
    lines += [f"| {escape(k)} | {escape(v)} |" for k, v in rows]
    return lines + [""] + _query(report.summary_query)


def _table(section: Section, viewer: str | None) -> list[str]:
    columns = [c for c in section.columns if not c.endswith("_iri")]
    if not section.rows:
        return []
    shown = section.rows[:TABLE_ROWS]
    lines = ["| " + " | ".join(escape(c.replace("_", " ")) for c in columns) + " |",
             "|" + "|".join("---:" if _numeric(section, c) else "---" for c in columns) + "|"]
    for row in shown:
        lines.append("| " + " | ".join(_cell(section, c, row, viewer) for c in columns) + " |")
    lines.append("")
    if len(section.rows) > len(shown):
        lines += [f"*The first {len(shown):,} of {len(section.rows):,} rows; the query gives "
                  "them all.*", ""]
    return lines


def _numeric(section: Section, column: str) -> bool:
    return any(isinstance(r.get(column), (int, float)) for r in section.rows)


def _cell(section: Section, column: str, row: dict[str, Any], viewer: str | None) -> str:
    value = row.get(column)
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1%}" if column in _PERCENT else f"{value:,.3f}"
    if isinstance(value, int):
        return f"{value:,}"
    kind = link_kind(section, column, row)
    if viewer is not None and kind:
        # The address is percent-encoded, so it holds no character Markdown would act on.
        return f"[{escape(value)}]({focus_link(viewer, value, kind)})"
    return escape(value)


def _query(query: str, label: str = "SPARQL") -> list[str]:
    longest = max((len(m) for m in re.findall(r"`+", query)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"<details><summary>{label}</summary>", "", f"{fence}sparql", query.strip(), fence,
            "", "</details>", ""]
