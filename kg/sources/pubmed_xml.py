"""PubMed/MEDLINE XML (E-utilities efetch, retmode=xml): a <PubmedArticleSet> of articles.

Read per <PubmedArticle>: PMID, ArticleTitle, the Abstract's AbstractText sections (a
structured abstract keeps its labels: "BACKGROUND: ... METHODS: ..."), every author with
all their affiliations (a CollectiveName is an organisation), the journal as the venue,
ArticleDate (electronic publication) or else the journal issue's PubDate (Year/Month/Day
or a free-form MedlineDate such as "1998 Dec-1999 Jan"), MeSH descriptors and keywords as
subjects, and the DOI and PMC id from ArticleIdList. <PubmedBookArticle> (books and
chapters on the NCBI Bookshelf) gives title, abstract, authors, date and ids.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from xml.etree.ElementTree import Element

from kg.errors import RecordError
from kg.records import Author, PaperRecord, SourceRef
from kg.sources.text import make_date
from kg.sources.xmlstream import iter_elements, text_of

NAME = "pubmed-xml"

ARTICLE = "PubmedArticle"
BOOK = "PubmedBookArticle"
_ROOTS = frozenset({"PubmedArticleSet"})
_MEDLINE_DATE_RE = re.compile(
    r"(\d{4})(?:\s+([A-Za-z]{3})[a-z]*)?(?:\s+(\d{1,2})\b)?")


def sniff(head: list[str]) -> bool:
    text = "\n".join(head[:60])
    return "<PubmedArticleSet" in text or "<!DOCTYPE PubmedArticleSet" in text


def _pub_date(element: Element | None) -> str | None:
    """ISO date of a <PubDate>/<ArticleDate>/<DateCompleted>-style element; None if absent."""
    if element is None:
        return None
    year = text_of(element.find("Year")) or None
    if year:
        month = text_of(element.find("Month")) or None
        day = text_of(element.find("Day")) or None
        return make_date(year, month, day if month else None)
    # MedlineDate is free text: "1998 Dec-1999 Jan", "2000 Spring", "1975-1976",
    # "2003 Jul 28-Aug 3"; its first year, month and day are the date.
    m = _MEDLINE_DATE_RE.search(text_of(element.find("MedlineDate")))
    if not m:
        return None
    return make_date(m[1], m[2], m[3] if m[2] else None)


def _abstract(container: Element) -> str | None:
    parts = []
    for section in container.findall("Abstract/AbstractText"):
        text = text_of(section)
        if not text:
            continue
        label = (section.get("Label") or "").strip()
        parts.append(f"{label}: {text}" if label and label.upper() != "UNLABELLED" else text)
    return " ".join(parts) or None


def _title(text: str) -> str | None:
    # A title translated into English is bracketed: "[Deep learning in mammography]."
    if text.startswith("[") and text.rstrip(".").endswith("]"):
        text = text.rstrip(".")[1:-1]
    if text.endswith(".") and not text.endswith(".."):
        text = text[:-1]
    return text.strip() or None


_EMAIL_RE = re.compile(r"\s*(?:Electronic address:\s*)?\S+@\S+\s*", re.I)


def _affiliation(text: str) -> str:
    """An affiliation without the contact e-mail PubMed often appends, nor the final full stop."""
    text = _EMAIL_RE.sub(" ", text)
    return " ".join(text.split()).strip(" .;,")


def _author(element: Element) -> Author | None:
    if element.get("ValidYN") == "N":  # a name listed in error, kept by PubMed for the record
        return None
    affiliations = list(dict.fromkeys(
        a for x in element.findall("AffiliationInfo/Affiliation") if (a := _affiliation(text_of(x)))
    ))
    collective = text_of(element.find("CollectiveName"))
    family = text_of(element.find("LastName"))
    if not family:
        if not collective:
            return None
        return Author(name=collective, is_organization=True,
                      affiliation=affiliations[0] if affiliations else None,
                      affiliations=affiliations)
    fore = text_of(element.find("ForeName"))
    initials = text_of(element.find("Initials"))
    suffix = text_of(element.find("Suffix"))
    if fore:
        name = f"{fore} {family}"
    elif initials:
        name = f"{family} {initials}"  # PubMed's own short form, "Gotway MB"
    else:
        name = family
    return Author(
        name=f"{name} {suffix}" if suffix else name,
        given=fore or initials or None,
        family=family,
        affiliation=affiliations[0] if affiliations else None,
        affiliations=affiliations,
    )


def _authors(author_list: Element | None) -> tuple[list[Author], bool]:
    if author_list is None:
        return [], True
    authors = [a for a in (_author(x) for x in author_list.findall("Author")) if a is not None]
    return authors, author_list.get("CompleteYN", "Y") != "N"


def _ids(id_list: Element | None) -> dict[str, str]:
    ids: dict[str, str] = {}
    if id_list is not None:
        for item in id_list.findall("ArticleId"):
            kind, value = item.get("IdType", ""), text_of(item)
            if value:
                ids.setdefault(kind, value)
    return ids


def _subjects(citation: Element) -> list[str]:
    names = [text_of(x) for x in citation.findall("MeshHeadingList/MeshHeading/DescriptorName")]
    names += [text_of(x) for x in citation.findall("KeywordList/Keyword")]
    seen: dict[str, str] = {}
    for name in names:
        if name and name.lower() not in seen:
            seen[name.lower()] = name
    return list(seen.values())


def _pmcid(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    return value if value.upper().startswith("PMC") else f"PMC{value}"


def _doi(ids: dict[str, str], article: Element | None) -> str | None:
    if ids.get("doi"):
        return ids["doi"]
    if article is not None:
        for loc in article.findall("ELocationID"):
            if loc.get("EIdType") == "doi" and loc.get("ValidYN", "Y") == "Y" and text_of(loc):
                return text_of(loc)
    return None


def _url(pmid: str) -> str:
    return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"


def _article(element: Element, path: str, line: int) -> PaperRecord | RecordError:
    citation = element.find("MedlineCitation")
    if citation is None:
        return RecordError(path, line, "PubmedArticle without a MedlineCitation")
    pmid = text_of(citation.find("PMID")) or None
    article = citation.find("Article")
    if article is None:
        return RecordError(path, line, f"PubMed article {pmid or '(no PMID)'} without an Article")
    ids = _ids(element.find("PubmedData/ArticleIdList"))  # not the ReferenceList's ids
    authors, complete = _authors(article.find("AuthorList"))
    journal = article.find("Journal")
    venue = (text_of(journal.find("Title")) or text_of(journal.find("ISOAbbreviation"))
             if journal is not None else "")
    date = _pub_date(article.find("ArticleDate")) or _pub_date(
        article.find("Journal/JournalIssue/PubDate"))
    pmid = pmid or ids.get("pubmed")
    return PaperRecord(
        title=_title(text_of(article.find("ArticleTitle"))) or _title(
            text_of(article.find("VernacularTitle"))),
        abstract=_abstract(article),
        authors=authors,
        authors_complete=complete,
        date=date,
        doi=_doi(ids, article),
        pmid=pmid,
        pmcid=_pmcid(ids.get("pmc")),
        url=_url(pmid) if pmid else None,
        subjects=_subjects(citation),
        comment=venue or None,
        sources=[SourceRef(path, line, NAME)],
    )


def _book(element: Element, path: str, line: int) -> PaperRecord | RecordError:
    doc = element.find("BookDocument")
    if doc is None:
        return RecordError(path, line, "PubmedBookArticle without a BookDocument")
    pmid = text_of(doc.find("PMID")) or None
    ids = _ids(element.find("PubmedBookData/ArticleIdList"))
    ids = {**_ids(doc.find("ArticleIdList")), **ids}
    lists = doc.findall("AuthorList")
    chosen = next((x for x in lists if x.get("Type", "authors") == "authors"), None)
    authors, complete = _authors(chosen)
    book = doc.find("Book")
    title = text_of(doc.find("ArticleTitle")) or text_of(doc.find("Book/BookTitle"))
    return PaperRecord(
        title=_title(title),
        abstract=_abstract(doc),
        authors=authors,
        authors_complete=complete,
        date=_pub_date(doc.find("Book/PubDate")),
        doi=_doi(ids, None),
        pmid=pmid,
        pmcid=_pmcid(ids.get("pmc")),
        url=_url(pmid) if pmid else None,
        subjects=_subjects(doc),
        comment=(text_of(book.find("BookTitle")) or None) if book is not None else None,
        sources=[SourceRef(path, line, NAME)],
    )


def to_record(element: Element, path: str, line: int) -> PaperRecord | RecordError:
    if element.tag == BOOK:
        return _book(element, path, line)
    return _article(element, path, line)


def read(lines: Iterable[tuple[int, str]], path: str) -> Iterator[PaperRecord | RecordError]:
    for line, element in iter_elements(lines, path, frozenset({ARTICLE, BOOK}), _ROOTS,
                                       "a PubMed XML file"):
        yield to_record(element, path, line)
