"""RIS (EndNote, Zotero, Mendeley, PubMed and publisher exports): one paper per record,
from `TY  - ` to `ER  - `. Each record is parsed by rispy, so the file streams and a
broken record costs only itself; LaTeX accents some exporters leave in are decoded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from kg.errors import RecordError
from kg.records import PaperRecord
from kg.sources.paper_fields import paper_record

NAME = "ris"

_TAG_RE = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$")
_MAX_RECORD_LINES = 5_000


def sniff(head: list[str]) -> bool:
    """A `TY  - ` line opening a record, and more RIS tag lines after it."""
    tags = [m[1] for line in head if (m := _TAG_RE.match(line.lstrip("\ufeff").rstrip()))]
    return "TY" in tags and len(tags) >= 3


def _latex(text: str) -> str:
    if "\\" not in text and "{" not in text:
        return text
    from pylatexenc.latex2text import LatexNodes2Text

    try:
        return LatexNodes2Text().latex_to_text(text)
    except Exception:  # pylatexenc gives up on malformed LaTeX: keep the text as written
        return text


def _object(ref: dict[str, object]) -> dict[str, object]:
    def text(*keys: str) -> str | None:
        for key in keys:
            value = ref.get(key)
            if isinstance(value, list):
                value = next((v for v in value if isinstance(v, str) and v.strip()), None)
            if isinstance(value, str) and value.strip():
                return _latex(value.strip())
        return None

    def strings(value: object) -> list[str]:  # rispy gives the AU, A1 and KW tags as lists
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []

    obj: dict[str, object] = {
        "title": text("title", "primary_title", "translated_title"),
        "abstract": text("abstract", "notes_abstract"),
        "authors": [_latex(a) for a in strings(ref.get("authors") or ref.get("first_authors"))],
        "doi": text("doi"),
        "url": text("urls"),
        "keywords": [_latex(k) for k in strings(ref.get("keywords"))],
        "venue": text("journal_name", "secondary_title", "alternate_title3", "alternate_title1"),
    }
    date = text("date", "publication_year", "year")
    if date:
        # RIS dates are "YYYY/MM/DD/other" with empty parts allowed.
        parts = [p for p in re.split(r"[/-]", date) if p.strip()]
        obj["date"] = "-".join(p.zfill(2) for p in parts[:3] if p.isdigit())
    accession = text("accession_number")
    source = str(ref.get("name_of_database") or "").lower()
    if accession and accession.isdigit() and ("pubmed" in source or "medline" in source):
        obj["pmid"] = accession
    for note in [text("note"), text("custom2"), text("custom1")]:
        if note and note.upper().startswith("PMC"):
            obj["pmcid"] = note
        elif note and note.isdigit() and "pmid" not in obj and len(note) <= 9:
            obj.setdefault("pmid", note) if "pubmed" in source else None
    return {k: v for k, v in obj.items() if v}


def read(lines: Iterable[tuple[int, str]], path: str) -> Iterator[PaperRecord | RecordError]:
    import rispy

    chunk: list[str] = []
    start = 0
    for number, raw in lines:
        line = raw.lstrip("\ufeff").rstrip()
        m = _TAG_RE.match(line)
        if m and m[1] == "TY":
            if chunk:
                yield RecordError(path, start, "RIS record without its closing ER line")
            chunk, start = [line], number
            continue
        if not chunk:
            continue
        if len(chunk) < _MAX_RECORD_LINES:
            chunk.append(line)
        if m and m[1] == "ER":
            text, chunk = "\n".join(chunk) + "\n", []
            try:
                refs = rispy.loads(text)
            except Exception as exc:  # rispy raises IOError and ValueError on bad records
                yield RecordError(path, start, f"RIS record not parsed ({type(exc).__name__})")
                continue
            for ref in refs:
                record = paper_record(_object(ref), path, start, NAME)
                if record is None:
                    yield RecordError(path, start, "RIS record without a title or abstract")
                else:
                    yield record
    if chunk:
        yield RecordError(path, start, "truncated RIS record: the file ends before its ER line")
