"""The report as one self-contained, offline HTML page.

Charts are Vega-Lite, drawn in the page by vega-embed; its JavaScript (Vega, Vega-Lite,
vega-embed and the CSP-safe expression interpreter) is bundled by the installed
vl-convert-python package and inlined, so the page makes no network request. As in the
viewer, a Content-Security-Policy allows exactly the page's two scripts (by hash) and no
fetch at all, and vega-embed runs with `ast: true` so Vega never compiles code with `eval`.

Tables, queries and links are written here with every value escaped; chart specs travel as
JSON inside `<script type="application/json">` with <, >, & escaped, and Vega puts their text
on screen as SVG text.
"""

from __future__ import annotations

import html
import os
import re
import tempfile
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from kg import __version__
from kg.outputs.report import Report, Section
from kg.outputs.report_charts import chart_spec, focus_link, link_kind
from kg.outputs.viewer import _json_for_html, _script, _sha256
from kg.shards import write_output

# Rows shown per table; the query beside it gives them all.
TABLE_ROWS = 500
_PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")
# Result columns holding IRIs: shown as the hover title of the row's name, not as a column.
_IRI_SUFFIX = "_iri"
_PERCENT = {"share", "code_share"}


def write_html(report: Report, path: str | Path, *, viewer: str | None = "graph.html") -> Path:
    """Write the page for `report` to `path` (atomically: a failed write leaves no file)."""
    text = render_report(report, viewer=viewer)
    write_output(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return Path(path)


def render_report(report: Report, *, viewer: str | None = "graph.html") -> str:
    """The complete page for `report`; entity names link to `viewer` (None: no links)."""
    charts = {}
    for section in report.sections:
        spec = chart_spec(section, viewer)
        if spec is not None:
            charts[section.id] = spec
    scripts = {"VEGA_JS": _script(vega_bundle()), "REPORT_JS": _script(_asset("report.js"))}
    hashes = " ".join(f"'sha256-{_sha256(code)}'" for code in scripts.values())
    csp = (
        f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; "
        "img-src data:; font-src data:; base-uri 'none'; form-action 'none'"
    )
    values = {
        "CSP": csp,
        "VERSION": __version__,
        "TITLE": html.escape(report.title),
        "STYLE": _asset("report.css").replace("</", "<\\/"),
        "SCOPE": html.escape(report.scope.describe()),
        "NAV": "".join(
            f'<li><a href="#{_id(s)}">{html.escape(s.title)}</a></li>' for s in report.sections
        ),
        "SUMMARY": _summary(report),
        "SECTIONS": "\n".join(_section(s, s.id in charts, viewer) for s in report.sections),
        "DATA": _json_for_html({"charts": charts}),
        **scripts,
    }
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], _asset("report_template.html"))


# --- pieces of the page ----------------------------------------------------------------


def _id(section: Section) -> str:
    return f"section-{section.id}"


def _summary(report: Report) -> str:
    s = report.summary
    papers = s.get("papers") or 0
    cards = [
        *report.summary_counts(),
        ("Release code", f"{(s.get('code_share') or 0):.1%}"),
    ]
    items = "".join(
        f'<div class="card{" wide" if name == "Dates" else ""}"><span class="value" '
        f'data-summary="{html.escape(name)}">{html.escape(value)}</span>'
        f'<span class="name">{html.escape(name)}</span></div>'
        for name, value in cards
    )
    undated = papers - (s.get("dated_papers") or 0)
    facts = [
        f"{s.get('papers_with_code') or 0:,} of {papers:,} papers link to a code repository.",
        (f"{undated:,} paper{' has' if undated == 1 else 's have'} no publication date."
         if undated else ""),
        f"Source formats: {s.get('source_formats')}." if s.get("source_formats") else "",
        "Records the build skipped are not recorded in the store: `kg build` lists them "
        "(file and line) in its summary.",
    ]
    text = "".join(f"<li>{html.escape(f)}</li>" for f in facts if f)
    return (f'<div class="cards">{items}</div><ul class="facts">{text}</ul>'
            f"{_query_block('summary', report.summary_query)}")


def _section(section: Section, charted: bool, viewer: str | None) -> str:
    parts = [f'<section class="report-section" id="{_id(section)}">',
             f"<h2>{html.escape(section.title)}</h2>",
             f'<p class="description">{html.escape(section.description)}</p>']
    if section.derived:
        parts.append(f'<p class="derived">{html.escape(section.derived)}</p>')
    if section.note:
        parts.append(f'<p class="note">{html.escape(section.note)}</p>')
    if charted:
        parts.append(f'<div class="chart" id="chart-{section.id}" data-chart="{section.id}" '
                     f'role="img" aria-label="{html.escape(section.title)}"></div>')
    else:
        parts.append('<p class="empty">No data for this chart in the report\'s scope.</p>')
    parts.append(_table(section, viewer))
    parts.append(_query_block(section.id, section.query))
    for number, (label, text) in enumerate(section.extra, start=2):
        parts.append(_query_block(f"{section.id}-{number}", text, f"SPARQL: {label}"))
    parts.append("</section>")
    return "\n".join(parts)


def _table(section: Section, viewer: str | None) -> str:
    columns = [c for c in section.columns if not c.endswith(_IRI_SUFFIX)]
    shown = section.rows[:TABLE_ROWS]
    head = "".join(
        f'<th scope="col" data-column="{html.escape(c)}"><button type="button">'
        f"{html.escape(c.replace('_', ' '))}</button></th>"
        for c in columns
    )
    body = []
    for row in shown:
        cells = "".join(_cell(section, column, row, viewer) for column in columns)
        body.append(f"<tr>{cells}</tr>")
    more = len(section.rows) - len(shown)
    caption = f"{len(section.rows):,} rows" + (
        f", the first {len(shown):,} shown (run the query for all)" if more > 0 else "")
    return (f'<details class="data" open><summary>Data ({html.escape(caption)})</summary>'
            f'<div class="table-wrap"><table class="sortable" data-section="{section.id}">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
            "</details>")


def _cell(section: Section, column: str, row: dict[str, Any], viewer: str | None) -> str:
    value = row.get(column)
    if value is None:
        return '<td data-value=""></td>'
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        text = f"{value:.1%}" if column in _PERCENT else (
            f"{value:,}" if isinstance(value, int) else f"{value:,.3f}")
        return f'<td class="number" data-value="{value!r}">{html.escape(text)}</td>'
    text = str(value)
    escaped = html.escape(text)
    kind = link_kind(section, column, row)
    if viewer is not None and kind:
        iri = row.get(f"{column}{_IRI_SUFFIX}") or row.get("entity_iri") or ""
        title = f' title="{html.escape(iri)}"' if iri else ""
        href = html.escape(focus_link(viewer, text, kind))
        return (f'<td data-value="{escaped}"><a class="focus" href="{href}"{title}>'
                f"{escaped}</a></td>")
    return f'<td data-value="{escaped}">{escaped}</td>'


def _query_block(name: str, query: str, label: str = "SPARQL") -> str:
    return (
        f'<details class="sparql"><summary>{html.escape(label)}</summary>'
        f'<button type="button" class="copy" data-copy="query-{name}">Copy</button>'
        f'<pre id="query-{name}"><code>{html.escape(query.strip())}</code></pre></details>'
    )


# --- assets ----------------------------------------------------------------------------


def _asset(name: str) -> str:
    return resources.files("kg.outputs").joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def vega_bundle() -> str:
    """vega-embed with Vega and Vega-Lite as one script, from the installed vl-convert-python.

    vl-convert builds the bundle from the sources compiled into it (no download), which takes
    four to five CPU-seconds, so the result is kept in the user's cache folder, one file per
    vl-convert and Vega-Lite version; when that folder cannot be written it is rebuilt.
    """
    import altair
    import vl_convert

    # The Vega-Lite version Altair writes specifications for, when vl-convert has it.
    wanted = altair.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0]
    lite = wanted if wanted in vl_convert.get_vegalite_versions() else None
    version = getattr(vl_convert, "__version__", "unknown")
    cache = _cache_dir() / f"vega-bundle-{version}-vl{lite or 'default'}.js"
    try:
        return cache.read_text(encoding="utf-8")
    except OSError:
        pass
    # The stub makes `snippet` required; the function's signature defaults it to None (the
    # snippet that puts vegaEmbed, vegaLite and vega on window), in 1.9.0 as in 1.9.0.post1.
    code = vl_convert.javascript_bundle(vl_version=lite)  # type: ignore[call-arg]
    tmp = None
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".vega-bundle.", dir=cache.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(code)
        os.replace(tmp, cache)
    except OSError:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
    return code


def _cache_dir() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(root) / "medimg-kg"
