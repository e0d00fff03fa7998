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
from kg.sources.text import MONTH_RE, clean_html, is_chrome, squash

NAME = "hf-papers"

_MARKERS_RE = re.compile(
    r"get trending papers|research community|huggingface\.co|hugging face|daily papers", re.I
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
    if any(_MARKERS_RE.search(line) for line in head[:40]):
        return True
    blocks = [" ".join(b) for _, b in paragraphs(enumerate(head, 1))]
    blocks = [b for b in blocks if not _is_chrome(b)]
    pairs = 0
    for title, abstract in zip(blocks, blocks[1:], strict=False):
        if len(title) <= 300 and len(abstract) >= _MIN_ABSTRACT and len(title) < len(abstract) / 3:
            pairs += 1
    return pairs >= 3 and pairs * 2 >= len(blocks) - 2


def read(lines: Iterable[tuple[int, str]], path: str) -> Iterator[PaperRecord | RecordError]:
    title: str | None = None
    title_line = 0
    for number, block in paragraphs(lines):
        text = squash(" ".join(block))
        if title is None and _is_chrome(text):
            continue
        if title is not None and _is_abstract(text, title):
            yield PaperRecord(
                title=clean_html(title),
                abstract=clean_html(text),
                sources=[SourceRef(path, title_line, NAME)],
            )
            title = None
        elif _is_chrome(text):
            continue
        elif _is_title(block):
            if title is not None:
                yield RecordError(path, title_line, "title without an abstract")
            title, title_line = text, number
        else:
            yield RecordError(path, number, "abstract without a title")
    if title is not None:
        yield RecordError(path, title_line, "truncated record: title without an abstract")
