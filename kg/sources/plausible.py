"""Is a record what a paper looks like? Readers that guessed the wrong shape produce
titles that are section headings and "abstracts" that are whole tables; those are refused
here rather than stored (kg.sources skips them with a warning naming the line)."""

from __future__ import annotations

import re

from kg.records import PaperRecord

MAX_PLAUSIBLE_TITLE = 1_000  # characters; the longest real titles are a few hundred
_MARKUP_RE = re.compile(r"<\s*/?\s*(?:td|tr|th|table|tbody|thead)\b|^\s*\|?\s*:?-{3,}:?\s*\|", re.I)
_ISO_DATE_RE = re.compile(r"\b(?:19|20)\d\d-\d\d-\d\d\b")
_CELL_RUN_RE = re.compile(r"(?:\s\|\s[^|]{0,200}){6,}")


def implausible(record: PaperRecord) -> str | None:
    """Why this record cannot be a paper as read, or None when it can."""
    title, abstract = record.title or "", record.abstract or ""
    if not title.strip() and not abstract.strip() and not record.arxiv and not record.doi \
            and not record.pmid:
        return "record with neither a title, an abstract nor an identifier"
    if len(title) > MAX_PLAUSIBLE_TITLE:
        return f"implausible title of {len(title):,} characters (a paragraph read as a title?)"
    for name, text in (("title", title), ("abstract", abstract)):
        # Cheap counts first: the patterns run only on text that could match them.
        if ("<" in text or "--" in text) and _MARKUP_RE.search(text):
            return f"implausible {name}: it holds table markup (a table read as one record?)"
        if text.count(" | ") >= 6 and _CELL_RUN_RE.search(text):
            return f"implausible {name}: it holds a run of table cells (a table read as text?)"
    if abstract.count("-") >= 10 and abstract.count("20") + abstract.count("19") >= 5 \
            and len(_ISO_DATE_RE.findall(abstract)) >= 5:
        return "implausible abstract: it is full of dates (a listing read as one abstract?)"
    return None
