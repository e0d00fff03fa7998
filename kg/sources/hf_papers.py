"""Hugging Face papers collection page: page chrome, then title line / abstract paragraph pairs.

The page carries no per-paper date (a "Apr 21" in the header is the page's, not a paper's),
no authors and no ids. Titles and abstracts are told apart by shape: a title is a short
single line, an abstract a long paragraph of prose.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from kg.errors import RecordError
from kg.records import PaperRecord, SourceRef
from kg.sources.stream import paragraphs
from kg.sources.text import MONTH_RE, clean_html, is_chrome, parse_date, squash

NAME = "hf-papers"
ENDS_WITH_PROSE = True

# Whole lines of Hugging Face page furniture (never words inside other text).
_MARKERS_RE = re.compile(
    r"^(?:get trending papers in your email inbox!?|daily papers|by\s*\S+ and the research "
    r"community|.*huggingface\.co/papers.*)$",
    re.I,
)
_DATE_ONLY_RE = re.compile(rf"^{MONTH_RE}\.?\s+\d{{1,2}}(?:,?\s+\d{{4}})?$", re.I)
_MAX_TITLE = 400
_MIN_ABSTRACT = 200


def _is_chrome(text: str) -> bool:
    return is_chrome(text) or bool(_DATE_ONLY_RE.match(text))


def _is_title(block: list[str]) -> bool:
    text = " ".join(block)
    return len(block) <= 2 and len(text) <= _MAX_TITLE and len(text.split()) >= 1


def _is_abstract(text: str, title: str | None) -> bool:
    if len(text) >= _MIN_ABSTRACT:
        return True
    # A short abstract still reads as prose: several sentences, longer than its title.
    return title is not None and len(text) > 2 * len(title) and text.count(". ") >= 1


def sniff(head: list[str]) -> bool:
    """Hugging Face page furniture, or (failing that) a run of title / long-abstract pairs."""
    if sum(1 for line in head[:40] if _MARKERS_RE.match(line.strip())) >= 2:
        return True
    blocks = [" ".join(b) for _, b in paragraphs(enumerate(head, 1))]
    blocks = [b for b in blocks if not _is_chrome(b)]
    pairs = 0
    for title, abstract in zip(blocks, blocks[1:], strict=False):
        if len(title) <= 300 and len(abstract) >= _MIN_ABSTRACT and len(title) < len(abstract) / 3:
            pairs += 1
    return pairs >= 3 and pairs * 2 >= len(blocks) - 2


_FOOTER_RE = re.compile(
    rf"^[•·\s]*(?:(?P<count>\d[\d,]*)\s+authors?)?[•·\s]*"
    rf"(?P<date>{MONTH_RE}\.?\s+\d{{1,2}},?\s+\d{{4}})?[•·\s]*$",
    re.I,
)
_HF_CHROME_RE = re.compile(
    r"^(?:daily papers|trending papers|papers|collections?|upvote\s*\d*|submitted by\b.*|"
    r"view paper|add to collection)$",
    re.I,
)


def _footer(text: str) -> re.Match[str] | None:
    """The "• 11 authors · Apr 13, 2023" line (or its pieces) under a paper."""
    m = _FOOTER_RE.match(text)
    return m if m and (m["count"] or m["date"] or text.strip() in {"•", "·"}) else None


def _continues(previous: str, text: str) -> bool:
    """A wrapped abstract line: it starts lower-case, or the previous line broke off at a
    comma or hyphen. (A capitalised line after an abstract is the next paper's title.)"""
    return text[:1].islower() or previous.rstrip().endswith((",", "-", ";", ":"))


def read(lines: Iterable[tuple[int, str]], path: str) -> Iterator[PaperRecord | RecordError]:
    """Lines, with or without blank lines between title and abstract (a browser copy may
    drop them): a short title line, then the abstract's line(s), then an optional footer
    giving the author count and the date."""
    title: tuple[int, str] | None = None
    displaced: tuple[int, str] | None = None  # a title followed by another title
    done: PaperRecord | None = None  # the last paper, open to its footer and more abstract
    last = ""  # last abstract line of `done`, while it may still continue
    for number, raw in lines:
        text = squash(raw)
        if not text:
            last = ""
            continue
        if displaced is not None and not (len(text) <= _MAX_TITLE and title is not None
                                          and not _is_abstract(text, title[1])):
            yield RecordError(path, displaced[0], "title without an abstract")
            displaced = None
        if footer := _footer(text):
            if done is not None and title is None:
                if footer["count"]:
                    done.authors_complete = False  # a count, no names
                if footer["date"]:
                    done.date = parse_date(footer["date"])
            last = ""
            continue
        if title is None and (_is_chrome(text) or _HF_CHROME_RE.match(text)):
            continue
        if done is not None and last and title is None and _continues(last, text):
            done.abstract = clean_html(f"{done.abstract} {text}")
            last = text
            continue
        if title is not None and _is_abstract(text, title[1]):
            if done is not None:
                yield done
            done = PaperRecord(
                title=clean_html(title[1]),
                abstract=clean_html(text),
                authors_complete=False,  # the page lists no authors
                sources=[SourceRef(path, title[0], NAME)],
            )
            title, last = None, text
        elif _is_chrome(text) or _HF_CHROME_RE.match(text):
            continue
        elif len(text) <= _MAX_TITLE:
            if displaced is not None:
                yield RecordError(path, displaced[0], "title without an abstract")
            # Reported when the next line comes: at the end of a cut file this "title" and
            # the short line after it are one paper cut off, reported once.
            displaced = title
            title, last = (number, text), ""
        else:
            yield RecordError(path, number, "abstract without a title")
            last = ""
    if done is not None:
        yield done
    if displaced is not None and title is not None:
        yield RecordError(path, displaced[0],
                          "truncated record: title and the start of its abstract, cut off")
    elif title is not None:
        yield RecordError(path, title[0], "truncated record: title without an abstract")
