"""arXiv-style listing: abstract paragraph, optional comment line(s), `arXiv:ID`, `Created: DATE`.

No title and no authors; the arXiv id closes the record, the `Created:` line gives its date.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from kg.errors import RecordError
from kg.records import PaperRecord, SourceRef
from kg.sources.text import ARXIV_ID, arxiv_url, clean_html, is_chrome, parse_date, squash

NAME = "arxiv-listing"
ENDS_WITH_PROSE = True

_ID_LINE_RE = re.compile(rf"^arXiv:\s*({ARXIV_ID})(?:v\d+)?\b\s*(?:\[([^\]]+)\])?", re.I)
_CREATED_RE = re.compile(
    r"^(?:Created|Submitted|Published)\s*:\s*(.+?)(?:\s*\[?\s*Updated\s*:.*)?$", re.I
)
# A short line at the end of the abstract paragraph that is really the arXiv comment.
_COMMENT_RE = re.compile(
    r"^(?:comments?:|journal[- ]ref:|\d+\s*(?:pages?|figures?|tables?)\b|accepted\b|submitted\b|"
    r"to appear\b|published\b|preprint\b|under review\b|in press\b|camera[- ]ready\b)",
    re.I,
)
_MAX_PENDING = 1_000_000  # characters: a record is never this long, a non-listing may be


def cut_short(record: PaperRecord) -> bool:
    """At the end of a file without a final newline: a record whose `Created:` line is
    missing or cut ("2024-01-") was truncated."""
    return record.date is None or len(record.date) < 10


def sniff(head: list[str]) -> bool:
    """An `arXiv:ID` line followed, a line or two later, by a `Created:` line."""
    for i, line in enumerate(head):
        if _ID_LINE_RE.match(line.strip()):
            following = [x.strip() for x in head[i + 1 : i + 4] if x.strip()]
            if following and _CREATED_RE.match(following[0]):
                return True
    return False


def _split_abstract(paras: list[tuple[int, list[str]]]) -> tuple[int, str, list[str]] | None:
    """(first line, abstract, comments) from the paragraphs of one record; None when they
    are page furniture only ("Show", "1", "More")."""
    paras = [(n, [x for x in lines if not is_chrome(x)]) for n, lines in paras]
    paras = [(n, lines) for n, lines in paras if lines]
    if not paras:
        return None
    sizes = [sum(len(x) for x in lines) for _, lines in paras]
    idx = next((i for i, s in enumerate(sizes) if s >= 200), sizes.index(max(sizes)))
    start, lines = paras[idx]
    comments: list[str] = []
    while len(lines) > 1 and len(lines[-1]) < 200 and _COMMENT_RE.match(lines[-1]):
        comments.insert(0, lines.pop())
    for _, more in paras[idx + 1 :]:
        comments.extend(more)
    return start, clean_html(" ".join(lines)), [squash(c) for c in comments]


def read(lines: Iterable[tuple[int, str]], path: str) -> Iterator[PaperRecord | RecordError]:
    paras: list[tuple[int, list[str]]] = []
    size = 0
    record: PaperRecord | None = None
    prev_blank = True
    orphan = False  # the last line was an arXiv id reported without its abstract

    for number, raw in lines:
        text = raw.strip()
        if not text:
            prev_blank = True
            continue
        id_match = _ID_LINE_RE.match(text)
        created = _CREATED_RE.match(text)
        orphan, was_orphan = False, orphan
        if record is not None and created:
            record.date = parse_date(created[1])
            yield record
            record = None
            prev_blank = False
            continue
        if record is not None:
            yield record
            record = None
        if id_match:
            split = _split_abstract(paras) if paras else None
            if split is None:
                yield RecordError(path, number, "arXiv id without an abstract before it")
                orphan = True  # its Created: line is part of this one warning
            else:
                start, abstract, comments = split
                record = PaperRecord(
                    abstract=abstract or None,
                    arxiv=id_match[1],
                    url=arxiv_url(id_match[1]),
                    categories=[id_match[2].strip()] if id_match[2] else [],
                    comment="; ".join(comments) or None,
                    sources=[SourceRef(path, start, NAME)],
                )
            paras, size = [], 0
        elif created and was_orphan:
            paras, size = [], 0
        elif created:
            yield RecordError(path, number, "'Created:' line without an arXiv id before it")
            paras, size = [], 0
        else:
            if prev_blank or not paras:
                paras.append((number, []))
            paras[-1][1].append(text)
            size += len(text)
            if size > _MAX_PENDING:
                yield RecordError(path, paras[0][0], "text without an arXiv id (not a record)")
                paras, size = [], 0
        prev_blank = False
    if record is not None:
        yield record
    if paras and any(not is_chrome(x) for _, block in paras for x in block):
        yield RecordError(path, paras[0][0], "truncated record: no arXiv id after the abstract")
