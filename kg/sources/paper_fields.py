"""Paper objects as exports and APIs write them (JSON, CSV rows): the field names people
use mapped to PaperRecord.

Field names are compared without case and punctuation ("code_url" = "codeURL" = "Code URL").
Covered: plain exports (title, abstract/summary, authors, date/published/year, doi, arxiv,
pmid, url/pdf, code, subject areas/keywords), CSL JSON (Zotero: author given/family,
issued date-parts, container-title), Crossref (title as a list, published date-parts),
OpenAlex works (abstract_inverted_index, authorships with institutions, ids), Semantic
Scholar papers (externalIds, authors with affiliations, publicationDate, fieldsOfStudy)
and the arXiv metadata snapshot (authors_parsed, categories, versions).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import TypeGuard

from kg.names import parse_author, split_authors
from kg.records import Author, PaperRecord, SourceRef
from kg.sources.text import ARXIV_ID, arxiv_from_url, clean_html, make_date, parse_date, squash

TITLE_KEYS = ("title", "papertitle", "articletitle", "primarytitle")
ABSTRACT_KEYS = ("abstract", "summary", "abstracttext", "paperabstract", "abstractnote")
AUTHOR_KEYS = ("authorsparsed", "authors", "author", "authorships", "creators", "authorlist",
               "authornames")
DATE_KEYS = ("date", "published", "publicationdate", "publishdate", "publisheddate", "pubdate",
             "datepublished", "issued", "publishedprint", "publishedonline", "publishedat",
             "created", "submitted", "year", "publicationyear", "pubyear")
DOI_KEYS = ("doi",)
ARXIV_KEYS = ("arxiv", "arxivid", "arxivids", "eprint", "arxivurl")
PMID_KEYS = ("pmid", "pubmedid", "pubmed")
PMCID_KEYS = ("pmcid", "pmc", "pubmedcentral")
URL_KEYS = ("url", "link", "pdf", "pdfurl", "pdflink", "landingpageurl", "paperurl", "absurl",
            "htmlurl", "links")
CODE_KEYS = ("code", "codeurl", "codelink", "codeurls", "codelinks", "github", "githuburl",
             "githublink", "repository", "repo", "repourl", "coderepository", "sourcecode")
SUBJECT_KEYS = ("subjectareas", "subjects", "subject", "keywords", "keyword", "fieldsofstudy",
                "s2fieldsofstudy", "concepts", "topics", "mesh", "meshterms", "meshheadings",
                "tags")
VENUE_KEYS = ("venue", "journal", "containertitle", "booktitle", "conference", "journalref",
              "publicationvenue", "comments", "comment", "hostvenue")
# Where API pages keep their list of papers.
LIST_KEYS = ("results", "data", "papers", "items", "records", "works", "entries", "hits",
             "docs", "result", "message", "response", "resultlist", "articles", "publications")

_ARXIV_ID_RE = re.compile(rf"^(?:arXiv:\s*)?({ARXIV_ID})(?:v\d+)?$", re.I)
_ARXIV_CATEGORY_RE = re.compile(r"^[a-z-]+(?:\.[A-Za-z-]+)?$")
_DOI_RE = re.compile(r"(10\.\d{4,9}/\S+)")
_PMID_RE = re.compile(r"(?:^|pubmed\.ncbi\.nlm\.nih\.gov/|/pubmed/)(\d{1,9})/?$")
_PMC_RE = re.compile(r"(?:PMC)?(\d{3,9})/?$", re.I)
_ISO_PREFIX_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:[T\s].*)?$")
_ET_AL = {"et al", "et al.", "et.al.", "et. al.", "others", "and others", "…", "..."}


_NOT_KEY_RE = re.compile(r"[^a-z0-9]")


# The same few dozen field names come back in every record of a file.
@lru_cache(maxsize=4096)
def norm_key(key: str) -> str:
    return _NOT_KEY_RE.sub("", key.lower())


def _fields(obj: dict) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in obj.items():
        if isinstance(key, str):
            out.setdefault(norm_key(key), value)
    return out


def _get(fields: dict[str, object], keys: Iterable[str]) -> object:
    for key in keys:
        value = fields.get(key)
        if value:  # the usual case first: one test
            return value
        if value not in (None, "", [], {}):  # 0, False
            return value
    return None


def _text(value: object) -> str | None:
    """A string from a value that may be a string, a list of strings or {"name": ...}."""
    if value is None:
        return None
    if isinstance(value, str):
        return clean_html(value) or None  # (clean_html squashes white space)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list):
        parts = [t for v in value if (t := _text(v))]
        return parts[0] if parts else None
    if isinstance(value, dict):
        f = _fields(value)
        return _text(_get(f, ("name", "displayname", "title", "text", "value", "raw")))
    return None


def is_paper(value: object) -> TypeGuard[dict]:
    """A JSON object that describes a paper: it has a title or an abstract."""
    if not isinstance(value, dict):
        return False
    f = _fields(value)
    return _text(_get(f, TITLE_KEYS)) is not None or _abstract(f) is not None


def find_papers(value: object, depth: int = 0) -> list | None:
    """The list of paper objects inside an API page ({"results": [...]}), or None."""
    if depth > 3 or not isinstance(value, dict):
        return None
    f = _fields(value)
    for key in LIST_KEYS:
        inner = f.get(key)
        if isinstance(inner, list) and any(is_paper(v) for v in inner[:50]):
            return inner
        if isinstance(inner, dict):
            found = find_papers(inner, depth + 1)
            if found is not None:
                return found
    return None


def _abstract(f: dict[str, object]) -> str | None:
    index = f.get("abstractinvertedindex")
    if isinstance(index, dict) and index:
        # OpenAlex: word -> positions; put each word back at its positions.
        slots: dict[int, str] = {}
        for word, positions in index.items():
            for pos in positions if isinstance(positions, list) else []:
                if isinstance(pos, int) and 0 <= pos < 100_000:
                    slots[pos] = str(word)
        return squash(" ".join(slots[i] for i in sorted(slots))) or None
    value = _get(f, ABSTRACT_KEYS)
    if isinstance(value, list):  # structured abstracts: labelled sections
        parts = []
        for part in value:
            if isinstance(part, dict):
                pf = _fields(part)
                label, text = _text(pf.get("label")), _text(_get(pf, ("text", "value", "content")))
                if text:
                    parts.append(f"{label}: {text}" if label else text)
            elif (text := _text(part)):
                parts.append(text)
        return " ".join(parts) or None
    return _text(value)


def _date(value: object) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        year = int(value)
        return f"{year:04d}" if 1000 <= year <= 2999 else None
    if isinstance(value, dict):
        f = _fields(value)
        parts = f.get("dateparts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list):
            return _date(parts[0])
        return _date(_get(f, ("date", "value", "raw", "year")))
    if isinstance(value, list):
        nums = [v for v in value[:3] if isinstance(v, (int, str)) and str(v).isdigit()]
        if nums:
            return make_date(*(nums + [None, None])[:3])
        return _date(value[0]) if value else None
    if isinstance(value, str):
        text = value.strip()
        if m := _ISO_PREFIX_RE.match(text):
            return make_date(m[1], m[2], m[3])
        return parse_date(text)
    return None


def _affiliations(f: dict[str, object]) -> list[str]:
    out: list[str] = []
    for key in ("affiliations", "affiliation", "institutions", "rawaffiliationstrings",
                "rawaffiliationstring", "affil"):
        value = f.get(key)
        items = value if isinstance(value, list) else [value]
        for item in items:
            text = _text(item)
            if text and text not in out:
                out.append(text)
    return out


def _author(item: object) -> Author | None:
    if isinstance(item, str):
        author = parse_author(clean_html(item))
        return author if author.name else None
    if isinstance(item, list):  # arXiv snapshot authors_parsed: [family, given, suffix]
        family = _text(item[0]) if item else None
        given = _text(item[1]) if len(item) > 1 else None
        if not family:
            return None
        return Author(name=f"{family}, {given}" if given else family, given=given,
                      family=family)
    if not isinstance(item, dict):
        return None
    f = _fields(item)
    inner = f.get("author")  # OpenAlex authorships: {"author": {...}, "institutions": [...]}
    if isinstance(inner, dict):
        f = {**_fields(inner), **{k: v for k, v in f.items() if k != "author"}}
    given = _text(_get(f, ("given", "givenname", "firstname", "forename", "first")))
    family = _text(_get(f, ("family", "familyname", "lastname", "surname", "last")))
    name = _text(_get(f, ("name", "fullname", "displayname", "literal", "rawauthorname")))
    if name:
        author = parse_author(name)
        if author.is_organization and not (given or family):
            author.affiliations = _affiliations(f)
            author.affiliation = next(iter(author.affiliations), None)
            return author
        author.given = given or author.given
        author.family = family or author.family
    elif family or given:
        initials = _text(f.get("initials"))
        given = given or initials
        author = Author(name=f"{family}, {given}" if family and given else (family or given or ""),
                        given=given, family=family)
    else:
        return None
    author.affiliations = _affiliations(f)
    author.affiliation = next(iter(author.affiliations), None)
    return author


def _authors(value: object) -> tuple[list[Author], bool]:
    if isinstance(value, str):
        return split_authors(clean_html(value))
    if not isinstance(value, list):
        return [], False
    authors: list[Author] = []
    complete = True
    for item in value:
        if isinstance(item, str) and item.strip().lower() in _ET_AL:
            complete = False
            continue
        author = _author(item)
        if author is not None and author.name.strip().lower() not in _ET_AL:
            authors.append(author)
    return authors, complete and bool(authors)


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        sep = ";" if ";" in value else ","
        return [s for s in (squash(x) for x in value.split(sep)) if s]
    if isinstance(value, list):
        return [t for v in value if (t := _text(v))]
    text = _text(value)
    return [text] if text else []


def _ids(f: dict[str, object]) -> dict[str, object]:
    """Identifier containers: Semantic Scholar externalIds, OpenAlex ids."""
    out: dict[str, object] = {}
    for key in ("externalids", "ids", "identifiers", "articleids"):
        value = f.get(key)
        if isinstance(value, dict):
            out.update(_fields(value))
        elif isinstance(value, list):  # PubMed-style [{"idtype": "doi", "value": ...}]
            for item in value:
                if isinstance(item, dict):
                    g = _fields(item)
                    kind, val = _text(g.get("idtype") or g.get("type")), g.get("value")
                    if kind and val:
                        out.setdefault(norm_key(kind), val)
    return out


def _arxiv(value: object) -> str | None:
    text = _text(value)
    if not text:
        return None
    if m := _ARXIV_ID_RE.match(text.strip()):
        return m[1]
    return arxiv_from_url(text)


def paper_record(obj: dict, path: str, line: int, fmt: str) -> PaperRecord | None:
    """A record from one paper object; None when it has neither title nor abstract."""
    f = _fields(obj)
    ids = _ids(f)
    title = _text(_get(f, TITLE_KEYS))
    abstract = _abstract(f)
    if not title and not abstract:
        return None
    record = PaperRecord(title=title, abstract=abstract, sources=[SourceRef(path, line, fmt)])
    record.authors, record.authors_complete = _authors(_get(f, AUTHOR_KEYS))
    record.date = next((d for k in DATE_KEYS if (d := _date(f.get(k)))), None)
    versions = f.get("versions")
    if record.date is None and isinstance(versions, list) and versions:
        first = versions[0]
        record.date = _date(_fields(first).get("created")) if isinstance(first, dict) else None
    doi = _text(_get(f, DOI_KEYS)) or _text(ids.get("doi"))
    if doi and (m := _DOI_RE.search(doi)):
        record.doi = m[1].rstrip(".")
    record.arxiv = _arxiv(_get(f, ARXIV_KEYS)) or _arxiv(ids.get("arxiv"))
    if record.arxiv is None and (ident := _text(f.get("id"))):
        record.arxiv = _arxiv(ident) if _ARXIV_ID_RE.match(ident) else None
    pmid = _text(_get(f, PMID_KEYS)) or _text(ids.get("pmid")) or _text(ids.get("pubmed"))
    if pmid and (m := _PMID_RE.search(pmid.strip())):
        record.pmid = m[1]
    pmc = _text(_get(f, PMCID_KEYS)) or _text(ids.get("pmcid")) or _text(ids.get("pubmedcentral"))
    if pmc and (m := _PMC_RE.search(pmc.strip())):
        record.pmcid = f"PMC{m[1]}"
    urls = [u for k in URL_KEYS if (u := _text(f.get(k)))]
    for key in ("primarylocation", "openaccesspdf", "bestoalocation"):
        if isinstance(location := f.get(key), dict):
            g = _fields(location)
            urls += [u for k in ("landingpageurl", "url", "pdfurl") if (u := _text(g.get(k)))]
    urls = [u for u in urls if u.startswith(("http://", "https://"))]
    if record.arxiv is None:
        record.arxiv = next((a for u in urls if (a := arxiv_from_url(u))), None)
    record.url = next(iter(urls), None)
    record.code = [u for u in _strings(_get(f, CODE_KEYS)) if u.startswith(("http://", "https://"))]
    subjects = _strings(_get(f, SUBJECT_KEYS))
    categories = _get(f, ("categories", "primarycategory"))
    for cat in (categories.split() if isinstance(categories, str) else _strings(categories)):
        if _ARXIV_CATEGORY_RE.match(cat):
            record.categories.append(cat)
        else:
            subjects.append(cat)
    record.subjects = list(dict.fromkeys(subjects))
    record.comment = _text(_get(f, VENUE_KEYS))
    return record
