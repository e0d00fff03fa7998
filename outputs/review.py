"""Review tables: one row per paper with what a systematic review tabulates by hand.

Title, date, identifiers and links, the listings the paper was read from, modalities,
tasks, datasets and models (proposed, and used without proposing), code and authors.
`write_review_csv` writes it as CSV; `write_review_xlsx` as a workbook (openpyxl, streamed
in write-only mode) with a sheet of every paper, one sheet per modality, and a sheet of the
evidence behind each link (paper, entity, quoted sentence). Every sheet has a frozen header
and filters.

Spreadsheet safety: in the workbook every text is stored as text, never as a formula; in
the CSV a cell that a spreadsheet would run as a formula (starting with =, +, - or @) is
prefixed with an apostrophe, the usual defence against CSV injection.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.ontology import SPARQL_PREFIXES
from kg.shards import write_output
from kg.store import select

COLUMNS = [
    "paper", "title", "date", "year", "arxiv", "doi", "pmid", "links", "sources",
    "modalities", "tasks", "datasets proposed", "datasets used", "models proposed",
    "models used", "code", "authors",
]
EVIDENCE_COLUMNS = [
    "paper", "title", "entity", "type", "role", "field", "start", "end", "quote", "sentence",
    "confidence", "extractor",
]
SEPARATOR = "; "
# Excel's limits: rows per sheet (with the header), characters per cell, sheet-name length.
MAX_ROWS = 1_048_576
MAX_CELL = 32_767
MAX_SHEET_NAME = 31
_JOIN = "\u001f"  # joins list items inside a query result; never part of a name
_PAIR = "\u001e"  # joins an author's position and names
_FORM = "\u001d"  # joins the written forms of one author's name
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

_PREFIXES = SPARQL_PREFIXES


def _list(name: str, pattern: str, value: str) -> str:
    """An OPTIONAL sub-select gathering one list column per paper."""
    return (f"  OPTIONAL {{ SELECT ?paper (GROUP_CONCAT(DISTINCT {value}; separator=\"{_JOIN}\")"
            f" AS ?{name}) WHERE {{ {pattern} }} GROUP BY ?paper }}\n")


# Each column is its own sub-select grouped by paper and hash-joined to the papers, so no
# column multiplies another's rows. Entity names are one label per entity.
_LABEL = ("{ SELECT ?e (MIN(STR(?l)) AS ?name) "
          "WHERE { ?e rdfs:label|skos:prefLabel ?l } GROUP BY ?e }")
REVIEW_QUERY = (
    _PREFIXES
    + "SELECT ?paper ?title ?date ?arxiv ?doi ?pmid ?url ?sources ?modalities ?tasks\n"
    "       ?datasets_proposed ?datasets_used ?models_proposed ?models_used ?code ?authors\n"
    "WHERE {\n"
    "  ?paper a schema:ScholarlyArticle .\n"
    "  OPTIONAL { SELECT ?paper (MIN(STR(?t)) AS ?title) WHERE { ?paper schema:name ?t } "
    "GROUP BY ?paper }\n"
    "  OPTIONAL { SELECT ?paper (MIN(STR(?d)) AS ?date) WHERE { ?paper schema:datePublished ?d }"
    " GROUP BY ?paper }\n"
    "  OPTIONAL { SELECT ?paper (MIN(STR(?a)) AS ?arxiv) WHERE { ?paper kg:arxivId ?a } "
    "GROUP BY ?paper }\n"
    "  OPTIONAL { SELECT ?paper (MIN(STR(?o)) AS ?doi) WHERE { ?paper bibo:doi ?o } "
    "GROUP BY ?paper }\n"
    "  OPTIONAL { SELECT ?paper (MIN(STR(?p)) AS ?pmid) WHERE { ?paper bibo:pmid ?p } "
    "GROUP BY ?paper }\n"
    "  OPTIONAL { SELECT ?paper (MIN(STR(?u)) AS ?url) WHERE { ?paper schema:url ?u } "
    "GROUP BY ?paper }\n"
    + _list("sources", "?paper kg:hasSource ?s . ?s kg:sourceFile ?f . "
            "OPTIONAL { ?s kg:sourceLine ?n } OPTIONAL { ?s kg:sourceFormat ?fmt }",
            'CONCAT(?f, ":", COALESCE(STR(?n), "?"), " (", COALESCE(?fmt, "?"), ")")')
    + _list("modalities", "?paper kg:imagingModality ?e . " + _LABEL, "COALESCE(?name, STR(?e))")
    + _list("tasks", "?paper kg:addressesTask ?e . " + _LABEL, "COALESCE(?name, STR(?e))")
    + _list("datasets_proposed", "?paper kg:proposesDataset ?e . " + _LABEL,
            "COALESCE(?name, STR(?e))")
    + _list("datasets_used", "?paper kg:usesDataset ?e "
            "FILTER NOT EXISTS { ?paper kg:proposesDataset ?e } " + _LABEL,
            "COALESCE(?name, STR(?e))")
    + _list("models_proposed", "?paper kg:proposesModel ?e . " + _LABEL,
            "COALESCE(?name, STR(?e))")
    + _list("models_used", "?paper kg:usesModel ?e "
            "FILTER NOT EXISTS { ?paper kg:proposesModel ?e } " + _LABEL,
            "COALESCE(?name, STR(?e))")
    + _list("code", "?paper kg:releasesCode ?c . ?c schema:codeRepository ?r", "STR(?r)")
    + _list("authors", "{ SELECT ?paper ?role "
            f"(GROUP_CONCAT(DISTINCT STR(?n); separator=\"{_FORM}\") AS ?written) WHERE {{ "
            "?paper schema:author ?role . ?role schema:author ?a . ?a schema:name ?n } "
            "GROUP BY ?paper ?role } OPTIONAL { ?role schema:position ?pos }",
            f'CONCAT(COALESCE(STR(?pos), "0"), "{_PAIR}", ?written)')
    + "}\nORDER BY DESC(?date) ?title ?paper\n"
)

EVIDENCE_QUERY = _PREFIXES + """SELECT ?paper ?title ?entity ?type ?role ?field ?start ?end
       ?quote ?sentence ?confidence ?extractor
WHERE {
  # Every part is a sub-select: Oxigraph then hash-joins whole scans instead of evaluating
  # the optional parts again for each mention.
  {
    SELECT ?paper ?entity_iri ?field ?start ?end ?sentence_start ?sentence_end ?role
           ?confidence (GROUP_CONCAT(DISTINCT ?component; separator=", ") AS ?extractor)
    WHERE {
      # What holds for the link sits on its assertion; each mention says where it is.
      ?assertion a kg:LinkAssertion ; oa:hasTarget ?paper ; oa:hasBody ?entity_iri ;
                 kg:linkRole ?role ; kg:confidence ?confidence ; kg:extractor ?component .
      ?mention kg:supports ?assertion ;
               kg:textField ?field ; oa:start ?start ; oa:end ?end ;
               kg:sentenceStart ?sentence_start ; kg:sentenceEnd ?sentence_end .
    }
    GROUP BY ?paper ?entity_iri ?field ?start ?end ?sentence_start ?sentence_end ?role
             ?confidence ?mention
  }
  # The quote and the sentence are stored as offsets into the title or abstract.
  ?paper ?text_property ?text .
  FILTER(?text_property = IF(?field = "title", schema:name, schema:abstract))
  BIND(SUBSTR(?text, ?start + 1, ?end - ?start) AS ?quote)
  BIND(SUBSTR(?text, ?sentence_start + 1, ?sentence_end - ?sentence_start) AS ?sentence)
  OPTIONAL { SELECT ?paper (MIN(STR(?t)) AS ?title) WHERE { ?paper schema:name ?t }
             GROUP BY ?paper }
  OPTIONAL { SELECT ?entity_iri (MIN(STR(?l)) AS ?name)
             WHERE { ?entity_iri rdfs:label|skos:prefLabel ?l } GROUP BY ?entity_iri }
  OPTIONAL {
    SELECT ?paper ?entity_iri ?type WHERE {
      VALUES (?link ?type) { (kg:usesModel "model") (kg:usesDataset "dataset")
                             (kg:imagingModality "modality") (kg:addressesTask "task") }
      ?paper ?link ?entity_iri .
    }
  }
  BIND(COALESCE(?name, STR(?entity_iri)) AS ?entity)
}
ORDER BY ?paper ?field ?start ?entity
"""


@dataclass(frozen=True)
class ReviewCounts:
    papers: int
    evidence: int = 0
    sheets: int = 1


# --- rows ------------------------------------------------------------------------------


def review_rows(store: ox.Store) -> Iterator[dict[str, Any]]:
    """One dict per paper, keyed by COLUMNS; list columns are lists of strings."""
    for solution in select(store, REVIEW_QUERY):
        get = {v: (solution[v].value if solution[v] is not None else None)
               for v in ("paper", "title", "date", "arxiv", "doi", "pmid", "url")}
        date = get["date"]
        # The longest written form is the most complete ("Dong Ma" over "D. Ma"), as in the
        # viewer.
        authors = sorted(
            (int(pos) if pos.isdigit() else 0, min(forms.split(_FORM), key=lambda n: (-len(n), n)))
            for pos, _, forms in (item.partition(_PAIR) for item in _items(solution["authors"]))
        )
        yield {
            "paper": get["paper"],
            "title": get["title"],
            "date": date,
            "year": int(date[:4]) if date and date[:4].isdigit() else None,
            "arxiv": get["arxiv"],
            "doi": get["doi"],
            "pmid": get["pmid"],
            "links": _links(get),
            "sources": _items(solution["sources"]),
            "modalities": _items(solution["modalities"]),
            "tasks": _items(solution["tasks"]),
            "datasets proposed": _items(solution["datasets_proposed"]),
            "datasets used": _items(solution["datasets_used"]),
            "models proposed": _items(solution["models_proposed"]),
            "models used": _items(solution["models_used"]),
            "code": _items(solution["code"]),
            "authors": _unique(name for _, name in authors),
        }


def evidence_rows(store: ox.Store) -> Iterator[list[Any]]:
    """One list per mention (text occurrence), in EVIDENCE_COLUMNS order."""
    for solution in select(store, EVIDENCE_QUERY):
        row: list[str | int | float | None] = []
        for column in EVIDENCE_COLUMNS:
            term = solution[column]
            if term is None:
                row.append(None)
            elif column in ("start", "end"):
                row.append(int(term.value))
            elif column == "confidence":
                row.append(float(term.value))
            else:
                row.append(term.value)
        yield row


def _items(term: Any) -> list[str]:
    if term is None or not term.value:
        return []
    return sorted(set(term.value.split(_JOIN)), key=lambda s: (s.casefold(), s))


def _unique(names: Iterator[str]) -> list[str]:
    seen: list[str] = []
    for name in names:
        if name not in seen:
            seen.append(name)
    return seen


def _links(paper: dict[str, Any]) -> list[str]:
    links = []
    if paper["arxiv"]:
        links.append(f"https://arxiv.org/abs/{paper['arxiv']}")
    if paper["doi"]:
        links.append(f"https://doi.org/{paper['doi']}")
    if paper["pmid"]:
        links.append(f"https://pubmed.ncbi.nlm.nih.gov/{paper['pmid']}/")
    if paper["url"] and paper["url"] not in links:
        links.append(paper["url"])
    return links


def _flat(value: Any) -> Any:
    if isinstance(value, list):
        return SEPARATOR.join(value)
    return value


# --- CSV -------------------------------------------------------------------------------


def write_review_csv(store: ox.Store, path: str | Path) -> ReviewCounts:
    """The review table as CSV (UTF-8, header row, lists joined with "; ")."""
    count = 0

    def write(tmp: Path) -> None:
        nonlocal count
        with open(tmp, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(COLUMNS)
            for row in review_rows(store):
                writer.writerow([_csv_safe(_flat(row[c])) for c in COLUMNS])
                count += 1

    write_output(path, write)
    return ReviewCounts(count)


def _csv_safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return "" if value is None else value


# --- XLSX ------------------------------------------------------------------------------


def write_review_xlsx(store: ox.Store, path: str | Path, *, evidence: bool = True) -> ReviewCounts:
    """The review table as a workbook: "Papers", one sheet per modality, "Evidence"."""
    from openpyxl import Workbook

    counts = ReviewCounts(0)

    def write(tmp: Path) -> None:
        nonlocal counts
        book = Workbook(write_only=True)
        papers = _Sheet(book, "Papers", COLUMNS)
        per_modality: dict[str, _Sheet] = {}
        names = {"papers", "evidence"}
        total = 0
        for row in review_rows(store):
            values = [_flat(row[c]) for c in COLUMNS]
            papers.append(values)
            total += 1
            for modality in row["modalities"]:
                if modality not in per_modality:
                    per_modality[modality] = _Sheet(book, _sheet_name(modality, names), COLUMNS)
                per_modality[modality].append(values)
        sheets = [papers, *(per_modality[m] for m in sorted(per_modality, key=str.casefold))]
        mentions = 0
        if evidence:
            proof = _Sheet(book, "Evidence", EVIDENCE_COLUMNS)
            for mention in evidence_rows(store):
                proof.append(mention)
                mentions += 1
            sheets.append(proof)
        # Sheets were made as modalities turned up; list them by name after "Papers".
        for position, part in enumerate(p for s in sheets for p in s.all):
            book.move_sheet(part.sheet.title, position - book.worksheets.index(part.sheet))
        for sheet in sheets:
            sheet.finish()
        book.save(tmp)
        counts = ReviewCounts(total, mentions, sum(len(s.all) for s in sheets))

    write_output(path, write)
    return counts


def _sheet_name(label: str, taken: set[str]) -> str:
    base = _SHEET_UNSAFE.sub("-", _ILLEGAL.sub("", label)).strip("'") or "modality"
    base = base[:MAX_SHEET_NAME]
    name, number = base, 2
    while name.casefold() in taken:
        suffix = f" ({number})"
        name = base[: MAX_SHEET_NAME - len(suffix)] + suffix
        number += 1
    taken.add(name.casefold())
    return name


class _Sheet:
    """A write-only sheet with a bold frozen header and filters, continued on a new sheet
    ("Name (2)") when Excel's row limit is reached."""

    def __init__(self, book: Any, title: str, columns: list[str]) -> None:
        self.book, self.title, self.columns = book, title, columns
        self.all: list[_Part] = []
        self._new_part()

    @property
    def current(self) -> _Part:
        return self.all[-1]

    def _new_part(self) -> None:
        title = self.title if not self.all else f"{self.title[:25]} ({len(self.all) + 1})"
        self.all.append(_Part(self.book, title, self.columns))

    def append(self, values: list[Any]) -> None:
        if self.current.rows >= MAX_ROWS - 1:
            self._new_part()
        self.current.append(values)

    def finish(self) -> None:
        for part in self.all:
            part.finish()


class _Part:
    def __init__(self, book: Any, title: str, columns: list[str]) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        self.sheet = book.create_sheet(title)
        self.columns = columns
        self.rows = 0
        self._cell = WriteOnlyCell
        for index, column in enumerate(columns):
            letter = _column_letter(index)
            self.sheet.column_dimensions[letter].width = _WIDTHS.get(column, 16)
        self.sheet.freeze_panes = "A2"
        header = []
        for column in columns:
            cell = WriteOnlyCell(self.sheet, value=column)
            cell.font = Font(bold=True)
            header.append(cell)
        self.sheet.append(header)

    def append(self, values: list[Any]) -> None:
        self.sheet.append([self._value(v) for v in values])
        self.rows += 1

    def _value(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        text = _ILLEGAL.sub("", value)[:MAX_CELL]
        if text.startswith("="):
            # Stored as text, not run as a formula.
            cell = self._cell(self.sheet, value=text)
            cell.data_type = "s"
            return cell
        return text

    def finish(self) -> None:
        last = _column_letter(len(self.columns) - 1)
        self.sheet.auto_filter.ref = f"A1:{last}{self.rows + 1}"


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


_WIDTHS = {
    "paper": 24, "title": 60, "date": 11, "year": 6, "arxiv": 12, "doi": 22, "pmid": 10,
    "links": 30, "sources": 30, "modalities": 18, "tasks": 18, "datasets proposed": 22,
    "datasets used": 28, "models proposed": 22, "models used": 28, "code": 30, "authors": 40,
    "entity": 22, "type": 9, "role": 9, "field": 8, "start": 6, "end": 6, "quote": 22,
    "sentence": 80, "confidence": 10, "extractor": 14,
}
