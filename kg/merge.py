"""One paper from several listings: the union of its records' metadata."""

from __future__ import annotations

from dataclasses import replace

from kg.people import same_person
from kg.records import Author, PaperRecord, SourceRef


def _date_rank(date: str | None) -> int:
    return len(date) if date else 0  # "YYYY-MM-DD" > "YYYY-MM" > "YYYY" > None


def _first_present(values: list[str | None]) -> str | None:
    return next((v for v in values if v), None)


def _longest(values: list[str | None]) -> str | None:
    present = [v for v in values if v]
    # Longest wins (a full abstract over a shortened one); ties go to the earliest source.
    return max(present, key=len) if present else None


def _merge_author_lists(records: list[PaperRecord]) -> tuple[list[Author], bool]:
    with_authors = [r for r in records if r.authors]
    if not with_authors:
        return [], all(r.authors_complete for r in records)
    # The complete list wins, then the longer one; the first source breaks ties.
    best = max(with_authors, key=lambda r: (r.authors_complete, len(r.authors)))
    merged = [replace(a) for a in best.authors]
    for record in with_authors:
        for other in record.authors:
            matches = [a for a in merged if same_person(a, other)]
            if len(matches) != 1:
                continue  # nobody, or two co-authors it could be: leave both alone
            mine = matches[0]
            # Keep whichever source spelled the given name out more fully ("Dong" over "D").
            if len(other.given or "") > len(mine.given or ""):
                mine.given = other.given
            mine.family = mine.family or other.family
            mine.affiliation = mine.affiliation or other.affiliation
            mine.affiliations = _union([mine.affiliations, other.affiliations])
    return merged, best.authors_complete


def _union(lists: list[list[str]]) -> list[str]:
    out: list[str] = []
    for items in lists:
        for item in items:
            if item not in out:
                out.append(item)
    return out


def _first_source(record: PaperRecord) -> tuple[str, int]:
    return min(((s.file, s.line) for s in record.sources), default=("", 0))


def merge_records(records: list[PaperRecord]) -> PaperRecord:
    """Union of several records of one paper; the result does not depend on their order."""
    if not records:
        raise ValueError("merge_records needs at least one record")
    # Order by provenance so that every tie is broken the same way whatever the input order.
    ordered = sorted(records, key=_first_source)
    sources: list[SourceRef] = sorted(
        {s for r in ordered for s in r.sources}, key=lambda s: (s.file, s.line, s.format)
    )
    dates = [r.date for r in ordered if r.date]
    authors, complete = _merge_author_lists(ordered)
    comments = _union([[r.comment] for r in ordered if r.comment])
    return PaperRecord(
        title=_longest([r.title for r in ordered]),
        abstract=_longest([r.abstract for r in ordered]),
        authors=authors,
        authors_complete=complete,
        date=max(dates, key=_date_rank) if dates else None,
        arxiv=_first_present([r.arxiv for r in ordered]),
        doi=_first_present([r.doi for r in ordered]),
        pmid=_first_present([r.pmid for r in ordered]),
        pmcid=_first_present([r.pmcid for r in ordered]),
        url=_first_present([r.url for r in ordered]),
        code=_union([r.code for r in ordered]),
        categories=_union([r.categories for r in ordered]),
        subjects=_union([r.subjects for r in ordered]),
        comment="; ".join(comments) or None,
        sources=sources,
    )
