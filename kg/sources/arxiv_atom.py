"""arXiv API responses: an Atom 1.0 feed with one <entry> per paper (what `kg fetch arxiv` saves).

Per entry: <id> (the abstract URL with a version), <published> (first version),
<title>, <summary>, <author> with <name> and any number of <arxiv:affiliation>,
<arxiv:doi>, <arxiv:comment>, <arxiv:journal_ref>, <arxiv:primary_category> and <category>.
The API reports a rejected query as an entry whose id is under /api/errors; that entry
is skipped with its message, never read as a paper.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from xml.etree.ElementTree import Element

from kg.errors import RecordError
from kg.names import parse_author
from kg.records import Author, PaperRecord, SourceRef
from kg.sources.text import arxiv_from_url, arxiv_url
from kg.sources.xmlstream import iter_elements, text_of

NAME = "arxiv-atom"

ATOM = "http://www.w3.org/2005/Atom"
ARXIV = "http://arxiv.org/schemas/atom"
FEED = f"{{{ATOM}}}feed"
ENTRY = f"{{{ATOM}}}entry"
_DATE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})")


def _a(name: str) -> str:
    return f"{{{ATOM}}}{name}"


def _x(name: str) -> str:
    return f"{{{ARXIV}}}{name}"


def sniff(head: list[str]) -> bool:
    """An Atom <feed> that declares the arXiv namespace or comes from the arXiv API."""
    text = "\n".join(head[:60])
    return "<feed" in text and ATOM in text and (ARXIV in text or "arxiv.org/api" in text)


def is_error_entry(entry: Element) -> bool:
    return "/api/errors" in text_of(entry.find(_a("id")))


def entry_date(entry: Element) -> str | None:
    """The entry's first-version date (YYYY-MM-DD) from <published>."""
    m = _DATE_RE.match(text_of(entry.find(_a("published"))))
    return m[1] if m else None


def _author(element: Element) -> Author | None:
    name = text_of(element.find(_a("name")))
    if not name:
        return None
    author = parse_author(name)
    author.affiliations = [a for a in (text_of(x) for x in element.iter(_x("affiliation"))) if a]
    author.affiliation = author.affiliations[0] if author.affiliations else None
    return author


def _doi(text: str) -> str | None:
    text = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", text.strip(), flags=re.I)
    return text.split()[0] if text.startswith("10.") else None


def to_record(entry: Element, path: str, line: int) -> PaperRecord | RecordError:
    """The paper of one <entry>; a RecordError for an error entry or one without an arXiv id."""
    raw_id = text_of(entry.find(_a("id")))
    if is_error_entry(entry):
        message = text_of(entry.find(_a("summary"))) or raw_id
        return RecordError(path, line, f"arXiv API error: {message}")
    arxiv = arxiv_from_url(raw_id)
    if not arxiv:
        return RecordError(path, line, f"entry without an arXiv id (id {raw_id!r})")
    authors = [a for a in (_author(x) for x in entry.findall(_a("author"))) if a is not None]
    primary = entry.find(_x("primary_category"))
    categories = [primary.get("term", "")] if primary is not None else []
    categories += [c.get("term", "") for c in entry.findall(_a("category"))]
    doi = _doi(text_of(entry.find(_x("doi"))))
    if doi is None:  # older feeds give the DOI only as a link titled "doi"
        for link in entry.findall(_a("link")):
            if link.get("title") == "doi":
                doi = _doi(link.get("href", ""))
    notes = [text_of(entry.find(_x("comment"))), text_of(entry.find(_x("journal_ref")))]
    return PaperRecord(
        title=text_of(entry.find(_a("title"))) or None,
        abstract=text_of(entry.find(_a("summary"))) or None,
        authors=authors,
        date=entry_date(entry),
        arxiv=arxiv,
        doi=doi,
        url=arxiv_url(arxiv),
        categories=list(dict.fromkeys(c for c in categories if c)),
        comment="; ".join(n for n in notes if n) or None,
        sources=[SourceRef(path, line, NAME)],
    )


def read(lines: Iterable[tuple[int, str]], path: str) -> Iterator[PaperRecord | RecordError]:
    for line, entry in iter_elements(lines, path, frozenset({ENTRY}), frozenset({FEED}),
                                     "an Atom feed"):
        yield to_record(entry, path, line)
