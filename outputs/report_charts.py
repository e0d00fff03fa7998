"""Vega-Lite charts (built with Altair) for the sections of a report.

Every chart's data is its section's rows as the query returned them, under the name
"rows", plus at most one added field: `focus`, the viewer link of the row's entity (a click
on a bar opens the viewer there). Anything else a chart needs (a rank within a modality,
"without code" from papers and papers with code) is a Vega-Lite transform, so the numbers
drawn are the numbers in the table and the query's result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal
from urllib.parse import quote

import altair as alt

from kg.outputs.report import Section

# Bars per modality in the per-modality charts.
PER_MODALITY = 8
_WIDTH = 560
_TOOLTIP_NUMBER = ",d"


def focus_link(viewer: str, name: str, kind: str) -> str:
    """The viewer page focused on the node named `name` of type `kind`."""
    return f"{viewer}#focus={quote(str(name), safe='')}&type={quote(kind, safe='')}"


def link_kind(section: Section, column: str, row: dict[str, Any]) -> str | None:
    kind = section.links.get(column)
    if kind and kind.startswith("@"):
        return row.get(kind[1:])
    return kind


def chart_data(section: Section, viewer: str | None) -> list[dict[str, Any]]:
    """The section's rows, with the viewer link of the charted entity when there is one."""
    column = _FOCUS_COLUMN.get(section.id)
    if viewer is None or column is None:
        return [dict(row) for row in section.rows]
    rows = []
    for row in section.rows:
        kind = link_kind(section, column, row)
        item = dict(row)
        if kind and row.get(column) is not None:
            item["focus"] = focus_link(viewer, row[column], kind)
        rows.append(item)
    return rows


def chart_spec(section: Section, viewer: str | None = "graph.html") -> dict[str, Any] | None:
    """The Vega-Lite specification of `section`'s chart, or None when it has no rows."""
    if not section.rows:
        return None
    build = _BUILDERS.get(section.id)
    if build is None:
        return None
    # Altair validates the specification against Vega-Lite's schema, data values included,
    # which takes seconds for a few thousand rows: validate with no rows, then add them.
    chart = build(alt.Chart(alt.InlineData(values=[], name="rows")),
                  viewer is not None and section.id in _FOCUS_COLUMN)
    spec = chart.to_dict()
    spec["data"]["values"] = chart_data(section, viewer)
    return spec


# --- one builder per section -----------------------------------------------------------


def _count_axis() -> alt.Axis:
    # Counts are whole numbers: a tick between two of them (0.5 when the counts are small)
    # gets no label.
    return alt.Axis(tickMinStep=1,
                    labelExpr="datum.value == floor(datum.value) ? format(datum.value, ',d') : ''")


def _count_x(field: str = "papers", title: str = "Papers") -> alt.X:
    return alt.X(f"{field}:Q", title=title, axis=_count_axis())


def _zoom_x() -> alt.Parameter:
    return alt.selection_interval(bind="scales", encodings=["x"])


def _papers_over_time(base: alt.Chart, unit: Literal["utcyearmonth", "utcyear"]) -> alt.Chart:
    label = "Month" if unit == "utcyearmonth" else "Year"
    return (
        base.mark_bar(clip=True)
        .encode(
            x=alt.X("period:T", timeUnit=unit, title=label),
            y=alt.Y("papers:Q", stack="zero", title="Papers",
                    axis=_count_axis()),
            color=alt.Color("modality:N", title="Modality", scale=alt.Scale(scheme="tableau20")),
            tooltip=[
                alt.Tooltip("period:N", title=label),
                alt.Tooltip("modality:N", title="Modality"),
                alt.Tooltip("papers:Q", title="Papers", format=_TOOLTIP_NUMBER),
            ],
        )
        .add_params(_zoom_x())
        .properties(width=_WIDTH, height=260)
    )


def _ranked_bars(name: str, title: str, extra: list[alt.Tooltip], color: str):
    def build(base: alt.Chart, linked: bool) -> alt.Chart:
        encoding: dict[str, Any] = {
            "x": _count_x(),
            "y": alt.Y(f"{name}:N", sort="-x", title=title),
            "tooltip": [alt.Tooltip(f"{name}:N", title=title),
                        alt.Tooltip("papers:Q", title="Papers", format=_TOOLTIP_NUMBER), *extra],
        }
        if linked:
            encoding["href"] = alt.Href("focus:N")
        return (
            base.mark_bar(color=color, clip=True)
            .encode(**encoding)
            .add_params(_zoom_x())
            .properties(width=_WIDTH)
        )

    return build


def _per_modality(name: str, title: str, color: str):
    def build(base: alt.Chart, linked: bool) -> alt.Chart:
        encoding: dict[str, Any] = {
            "x": _count_x(),
            "y": alt.Y(f"{name}:N", sort="-x", title=None),
            "tooltip": [alt.Tooltip("modality:N", title="Modality"),
                        alt.Tooltip(f"{name}:N", title=title),
                        alt.Tooltip("papers:Q", title="Papers", format=_TOOLTIP_NUMBER)],
        }
        if linked:
            encoding["href"] = alt.Href("focus:N")
        return (
            base.transform_window(
                rank="row_number()", groupby=["modality"],
                sort=[alt.SortField("papers", order="descending"),
                      alt.SortField(name, order="ascending")],
            )
            .transform_filter(f"datum.rank <= {PER_MODALITY}")
            .mark_bar(color=color)
            .encode(**encoding)
            .properties(width=150)
            .facet(facet=alt.Facet("modality:N", title=None), columns=3)
            .resolve_scale(y="independent", x="independent")
        )

    return build


def _heatmap(x: str, x_title: str, y: str, y_title: str):
    def build(base: alt.Chart, linked: bool) -> alt.TopLevelMixin:
        encoding = {
            "x": alt.X(f"{x}:N", title=x_title, axis=alt.Axis(labelAngle=-40, labelLimit=160)),
            "y": alt.Y(f"{y}:N", title=y_title, axis=alt.Axis(labelLimit=200)),
        }
        tooltip = [alt.Tooltip(f"{y}:N", title=y_title), alt.Tooltip(f"{x}:N", title=x_title),
                   alt.Tooltip("papers:Q", title="Papers", format=_TOOLTIP_NUMBER)]
        cells = base.mark_rect().encode(
            **encoding,
            color=alt.Color("papers:Q", title="Papers", scale=alt.Scale(scheme="blues")),
            tooltip=tooltip,
        )
        # Dark cells get white numbers.
        counts = (
            base.transform_joinaggregate(most="max(papers)")
            .mark_text(fontSize=10)
            .encode(**encoding, text=alt.Text("papers:Q"),
                    color=alt.condition("datum.papers > 0.6 * datum.most",
                                        alt.value("white"), alt.value("black")))
        )
        return alt.layer(cells, counts)

    return build


def _rising(base: alt.Chart, linked: bool) -> alt.Chart:
    encoding: dict[str, Any] = {
        "x": _count_x(),
        "y": alt.Y("entity:N", title=None,
                   sort=alt.EncodingSortField("growth", op="max", order="descending")),
        "yOffset": alt.YOffset("window:N", sort=["previous 12 months", "last 12 months"]),
        "color": alt.Color("window:N", title=None, sort=["previous 12 months", "last 12 months"],
                           scale=alt.Scale(range=["#bab0ac", "#e15759"])),
        "tooltip": [alt.Tooltip("name:N", title="Name"), alt.Tooltip("kind:N", title="Type"),
                    alt.Tooltip("previous:Q", title="Previous 12 months"),
                    alt.Tooltip("recent:Q", title="Last 12 months"),
                    alt.Tooltip("growth:Q", title="Growth")],
    }
    if linked:
        encoding["href"] = alt.Href("focus:N")
    return (
        base.transform_calculate(entity="datum.name + ' (' + datum.kind + ')'")
        .transform_fold(["previous", "recent"], as_=["key", "papers"])
        .transform_calculate(
            window="datum.key == 'recent' ? 'last 12 months' : 'previous 12 months'")
        .mark_bar()
        .encode(**encoding)
        .properties(width=_WIDTH)
    )


def _new_names(base: alt.Chart, linked: bool) -> alt.Chart:
    encoding: dict[str, Any] = {
        "x": _count_x(title="Papers in the last 12 months"),
        "y": alt.Y("name:N", sort="-x", title=None),
        "color": alt.Color("kind:N", title="Type",
                           scale=alt.Scale(domain=["model", "dataset"],
                                           range=["#e15759", "#59a14f"])),
        "tooltip": [alt.Tooltip("name:N", title="Name"), alt.Tooltip("kind:N", title="Type"),
                    alt.Tooltip("first_month:N", title="First seen"),
                    alt.Tooltip("papers:Q", title="Papers")],
    }
    if linked:
        encoding["href"] = alt.Href("focus:N")
    return base.mark_bar().encode(**encoding).properties(width=_WIDTH)


def _groups(base: alt.Chart, linked: bool) -> alt.Chart:
    encoding: dict[str, Any] = {
        "x": _count_x("authors", "Authors"),
        "y": alt.Y("label:N", sort=alt.EncodingSortField("group", order="ascending"),
                   title=None),
        "tooltip": [alt.Tooltip("group:Q", title="Group"),
                    alt.Tooltip("authors:Q", title="Authors", format=_TOOLTIP_NUMBER),
                    alt.Tooltip("papers:Q", title="Papers", format=_TOOLTIP_NUMBER),
                    alt.Tooltip("members:N", title="Members")],
    }
    if linked:
        encoding["href"] = alt.Href("focus:N")
    return (
        base.transform_calculate(label="'Group ' + datum.group + ': ' + datum.lead")
        .mark_bar(color="#f28e2b", clip=True)
        .encode(**encoding)
        .add_params(_zoom_x())
        .properties(width=_WIDTH)
    )


def _code(base: alt.Chart, linked: bool) -> alt.Chart:
    order = ["with code", "without code"]
    return (
        base.transform_calculate(**{"with code": "datum.with_code",
                                    "without code": "datum.papers - datum.with_code"})
        .transform_fold(order, as_=["release", "count"])
        .mark_bar()
        .encode(
            x=alt.X("year:O", title="Year"),
            y=alt.Y("count:Q", stack="zero", title="Papers",
                    axis=_count_axis()),
            color=alt.Color("release:N", title=None, sort=order,
                            scale=alt.Scale(domain=order, range=["#59a14f", "#d3d3d3"])),
            order=alt.Order("release:N", sort="ascending"),
            tooltip=[alt.Tooltip("year:O", title="Year"),
                     alt.Tooltip("papers:Q", title="Papers", format=_TOOLTIP_NUMBER),
                     alt.Tooltip("with_code:Q", title="With code", format=_TOOLTIP_NUMBER),
                     alt.Tooltip("share:Q", title="Share with code", format=".1%")],
        )
        .properties(width=_WIDTH, height=240)
    )


# Each takes the chart with the section's (empty) data and whether marks link to the viewer.
_BUILDERS: dict[str, Callable[[alt.Chart, bool], alt.TopLevelMixin]] = {
    "papers-per-month": lambda base, linked: _papers_over_time(base, "utcyearmonth"),
    "papers-per-year": lambda base, linked: _papers_over_time(base, "utcyear"),
    "papers-per-modality": _ranked_bars(
        "modality", "Modality", [alt.Tooltip("dicom:N", title="DICOM")], "#b07aa1"),
    "top-datasets": _ranked_bars(
        "dataset", "Dataset", [alt.Tooltip("proposed_by:Q", title="Proposed by")], "#59a14f"),
    "top-models": _ranked_bars(
        "model", "Model", [alt.Tooltip("proposed_by:Q", title="Proposed by")], "#e15759"),
    "datasets-by-modality": _per_modality("dataset", "Dataset", "#59a14f"),
    "models-by-modality": _per_modality("model", "Model", "#e15759"),
    "modality-task": _heatmap("task", "Task", "modality", "Modality"),
    "rising": _rising,
    "new-names": _new_names,
    "co-use": _heatmap("dataset", "Dataset", "model", "Model"),
    "collaboration-groups": _groups,
    "code-per-year": _code,
}
# The column whose entity a click on a mark opens in the viewer.
_FOCUS_COLUMN = {
    "papers-per-modality": "modality",
    "top-datasets": "dataset",
    "top-models": "model",
    "datasets-by-modality": "dataset",
    "models-by-modality": "model",
    "rising": "name",
    "new-names": "name",
    "collaboration-groups": "lead",
}
