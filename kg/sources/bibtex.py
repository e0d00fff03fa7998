"""BibTeX (Zotero, Mendeley, Google Scholar, arXiv exports): one paper per entry.

Entries are cut apart at lines that start a new `@type{`, and each is parsed by
bibtexparser with LaTeX decoding ({\\"u} -> ü, {U-Net} -> U-Net) and name splitting
(first/von/last/jr), so the file streams and a broken entry costs only itself. `@string`
macros seen so far are kept and apply to the entries after them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from kg.errors import RecordError
from kg.records import PaperRecord
from kg.sources.paper_fields import paper_record
from kg.sources.text import arxiv_from_text, make_date

NAME = "bibtex"

_ENTRY_RE = re.compile(r"^\s*@\s*([A-Za-z]+)\s*[{(]")
_MAX_ENTRY_LINES = 5_000


def sniff(head: list[str]) -> bool:
    """Lines that open BibTeX entries (`@article{key,`), and no paper-listing prose first."""
    entries = [m[1].lower() for line in head if (m := _ENTRY_RE.match(line))]
    return any(kind not in ("string", "comment", "preamble") for kind in entries)


def _parse(text: str):
    import bibtexparser
    from bibtexparser.middlewares import (
        LatexDecodingMiddleware,
        SeparateCoAuthors,
        SplitNameParts,
    )

    return bibtexparser.parse_string(
        text, append_middleware=[LatexDecodingMiddleware(), SeparateCoAuthors(),
                                 SplitNameParts()])


def _entry_object(fields: dict[str, object]) -> dict[str, object]:
    """A paper object (kg.sources.paper_fields keys) from a decoded BibTeX entry."""
    get = {k.lower(): v for k, v in fields.items()}
    obj: dict[str, object] = {}
    for key in ("title", "abstract", "doi", "url", "pmid", "pmcid", "keywords"):
        if isinstance(get.get(key), str):
            obj[key] = get[key]
    names = get.get("author")
    names = names if isinstance(names, list) else []  # NameParts after SplitNameParts
    obj["authors"] = [
        {"given": " ".join(p.first) or None,
         "family": " ".join(p.von + p.last) + (f", {' '.join(p.jr)}" if p.jr else "")}
        for p in names if hasattr(p, "last") and (p.last or p.first)
    ]
    year, month = get.get("year"), get.get("month")
    if isinstance(year, str) and year.strip().isdigit():
        obj["date"] = make_date(year.strip(), month.strip() if isinstance(month, str) else None,
                                None)
    eprint = get.get("eprint")
    prefix = str(get.get("archiveprefix") or get.get("eprinttype") or "").lower()
    if isinstance(eprint, str) and (prefix in ("arxiv", "") or "arxiv" in eprint.lower()):
        obj["arxiv"] = eprint
    venue = get.get("journal") or get.get("booktitle") or get.get("howpublished")
    if isinstance(venue, str):
        obj["venue"] = venue
        if "arxiv" not in obj and (ax := arxiv_from_text(venue)):
            obj["arxiv"] = ax
    return obj


def read(lines: Iterable[tuple[int, str]], path: str) -> Iterator[PaperRecord | RecordError]:
    strings: list[str] = []
    chunk: list[str] = []
    start = 0
    kind = ""

    def finish() -> Iterator[PaperRecord | RecordError]:
        if not chunk or kind in ("comment", "preamble"):
            return
        text = "\n".join(chunk)
        if kind == "string":
            strings.append(text)
            return
        try:
            library = _parse("\n".join(strings + [text]))
        except Exception as exc:  # bibtexparser raises its own and plain errors
            yield RecordError(path, start, f"BibTeX entry not parsed ({type(exc).__name__})")
            return
        if not library.entries:
            yield RecordError(path, start, "broken or truncated BibTeX entry")
            return
        for entry in library.entries:
            fields = {f.key: f.value for f in entry.fields}
            record = paper_record(_entry_object(fields), path, start, NAME)
            if record is None:
                yield RecordError(path, start, f"@{entry.entry_type} entry without a title")
            else:
                yield record

    for number, text in lines:
        m = _ENTRY_RE.match(text)
        if m:
            yield from finish()
            chunk, start, kind = [text], number, m[1].lower()
        elif chunk:
            if len(chunk) < _MAX_ENTRY_LINES:
                chunk.append(text)
    yield from finish()
