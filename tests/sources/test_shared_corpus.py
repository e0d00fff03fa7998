"""The readers against the shared corpus of real saved listing pages (skipped when absent)."""

from __future__ import annotations

import json
import re
from collections import Counter

from kg.errors import RecordError
from kg.identity import title_key
from kg.sources import detect_format, iter_records

FORMATS = {"arxiv-listing", "hf-papers", "github-daily-arxiv", "author-profile", "radai-slice"}
CHROME = re.compile(
    r"Subscribe|Page \d+ of|per page|Sort by:|Get trending papers|and the research community|"
    r"</?(?:p|details|summary|sup)>|&amp;|h-index",
    re.IGNORECASE,
)


def _gold(corpus):
    with (corpus / "gold-dev.jsonl").open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def test_every_file_has_a_format_and_all_five_occur(shared_corpus):
    files = sorted((shared_corpus / "listings").iterdir())
    assert {detect_format(f) for f in files} == FORMATS


def test_records_match_gold(shared_corpus):
    skipped: list[RecordError] = []
    records = list(iter_records([shared_corpus / "listings"], on_skip=skipped.append))
    gold = _gold(shared_corpus)
    assert skipped == []
    assert len(records) == len(gold)
    by_ax = {r.arxiv: r for r in records if r.arxiv}
    by_title = {title_key(r.title): r for r in records if r.title}
    by_abs = {title_key(r.abstract[:60]): r for r in records if r.abstract}
    for g in gold:
        r = (
            by_ax.get(g["arxiv"])
            or by_title.get(title_key(g["title"] or ""))
            or by_abs.get(title_key(g["abstract_start"][:60]))
        )
        assert r is not None, g["key"]
        if g["title"]:
            assert title_key(r.title) == title_key(g["title"]), g["key"]
        assert r.date == g["date"], g["key"]
        assert [a.name for a in r.authors] == g["authors"][: len(r.authors)], g["key"]
        assert len(r.authors) == len(g["authors"]), g["key"]
        # Complete only when the source lists every author (no list at all is not complete).
        assert r.authors_complete is (bool(g["authors"]) and not g["authors_truncated"]), g["key"]


def test_no_page_chrome_in_records(shared_corpus):
    for r in iter_records([shared_corpus / "listings"]):
        assert r.abstract and not CHROME.search(r.abstract), r.sources
        assert r.title is None or not CHROME.search(r.title), r.sources
        assert all(u.startswith("http") for u in r.code)
        assert r.sources[0].file.startswith("/")


def test_formats_are_consistent_per_file(shared_corpus):
    counts = Counter(
        (r.sources[0].file, r.sources[0].format) for r in iter_records([shared_corpus / "listings"])
    )
    files = [f for f, _ in counts]
    assert len(files) == len(set(files))  # one format per file
