""""Awesome list" READMEs: one bullet per paper, a linked title and links after it.

    * **[Title](http://arxiv.org/abs/2512.11548v1)** - [Code](https://github.com/…)
    - [Title](https://doi.org/10.1007/…) [[code](…)] - a short description

A bullet is a paper only when its title links to a paper (arXiv, DOI, OpenReview, PubMed,
a publisher or proceedings page) or it carries a code link; other bullets (tools,
tables of contents, badges) are page furniture. A paper with a title and no abstract is
still a paper: extraction runs on its title. No authors are given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from kg.errors import RecordError
from kg.records import PaperRecord, SourceRef
from kg.sources.text import arxiv_from_url, arxiv_url, clean_html, squash, urls_in

NAME = "awesome-list"

_BULLET_RE = re.compile(
    r"^\s*(?:[*+-]|\d+\.)\s+(?:\*\*|__)?\s*\[(?P<title>(?:[^\[\]]|\[[^\[\]]*\])+)\]"
    r"\((?P<url>[^)\s]+)\)\s*(?:\*\*|__)?(?P<rest>.*)$"
)
# A bullet that starts like a paper link but does not close: a cut or broken line.
_BROKEN_RE = re.compile(r"^\s*(?:[*+-]|\d+\.)\s+(?:\*\*|__)?\s*\[[^\]]*$")
_PAPER_URL_RE = re.compile(
    r"arxiv\.org/(?:abs|pdf)/|doi\.org/|openreview\.net/|pubmed\.ncbi|ncbi\.nlm\.nih\.gov/pmc|"
    r"papers\.miccai\.org|link\.springer\.com|ieeexplore\.ieee\.org|dl\.acm\.org|"
    r"sciencedirect\.com|biorxiv\.org|medrxiv\.org|semanticscholar\.org/paper|"
    r"proceedings\.|openaccess\.thecvf\.com|papers\.nips\.cc|aclanthology\.org|nature\.com/articles",
    re.I,
)
_CODE_RE = re.compile(r"\[(?:[^\]]*\b(?:code|github|repo|project)\b[^\]]*)\]\((?P<url>[^)\s]+)\)",
                      re.I)
_DOI_RE = re.compile(r"doi\.org/(10\.\d{4,9}/\S+)", re.I)


def _paper(line: str) -> re.Match[str] | None:
    m = _BULLET_RE.match(line)
    if m is None:
        return None
    if _PAPER_URL_RE.search(m["url"]) or _CODE_RE.search(m["rest"]):
        return m
    return None


def sniff(head: list[str]) -> bool:
    """At least two bullets whose linked title points to a paper."""
    return sum(1 for line in head if _paper(line)) >= 2


def read(lines: Iterable[tuple[int, str]], path: str) -> Iterator[PaperRecord | RecordError]:
    for number, text in lines:
        m = _paper(text)
        if m is None:
            if _BROKEN_RE.match(text) and "](" not in text:
                yield RecordError(path, number, "truncated or broken list item (no link after "
                                                "its title)")
            continue
        url = m["url"]
        title = squash(clean_html(m["title"].replace("**", "")))
        if not title:
            yield RecordError(path, number, "list item without a title")
            continue
        record = PaperRecord(title=title, authors_complete=False,
                             sources=[SourceRef(path, number, NAME)])
        if arxiv := arxiv_from_url(url):
            record.arxiv, record.url = arxiv, arxiv_url(arxiv)
        else:
            record.url = url
            if d := _DOI_RE.search(url):
                record.doi = d[1].rstrip(".")
        rest = m["rest"]
        record.code = [c["url"] for c in _CODE_RE.finditer(rest)]
        record.code += [u for u in urls_in(rest) if "github.com" in u and u not in record.code]
        note = squash(clean_html(re.sub(r"\[([^\]]*)\]\([^)]*\)", "", rest))).strip(" -–—:|")
        if note:
            record.comment = note
        yield record
