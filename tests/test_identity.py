"""Paper identity: keys, the constrained union-find and the paper's IRI path."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from kg.identity import (
    Identities,
    abstract_key,
    match_keys,
    paper_path,
    record_keys,
    text_keys,
    title_key,
)
from kg.records import PaperRecord

ABSTRACT = ("We train a compact segmentation network for knee cartilage on MRI and compare it "
            "with two larger baselines on an external test set of forty patients.")


def _record(**fields) -> PaperRecord:
    return PaperRecord(**{"title": "Test-Time Adaptation for Tumour Segmentation", **fields})


def test_title_key_normalises():
    assert title_key("FooNet: A Café-Style U-Net!") == "foonetacafestyleunet"
    assert title_key("A pretend model.") == title_key("A Pretend Model")


@given(st.text(max_size=80))
def test_title_key_is_idempotent_ascii_alnum(title):
    key = title_key(title)
    assert key == title_key(key)
    assert key.isascii() and all(c.isalnum() and not c.isupper() for c in key)


@given(st.text(alphabet=string.printable, max_size=40), st.sampled_from(["", ".", "  ", "!", "?"]))
def test_title_key_ignores_case_and_trailing_punctuation(title, tail):
    assert title_key(title.upper() + tail) == title_key(title.lower())


@given(st.one_of(st.text(max_size=700), st.text(alphabet="aZ9 -.,é\u0301", max_size=1200)))
def test_abstract_key_depends_on_the_normalised_opening_only(abstract):
    # Keys are computed from a prefix for speed; they must equal the whole-text definition.
    opening = title_key(abstract)[:120]
    assert (abstract_key(abstract) is None) == (len(opening) < 60)
    assert abstract_key(abstract) == abstract_key(opening)
    assert abstract_key(abstract + " and a different ending") == abstract_key(abstract) or (
        len(opening) < 120)


def test_paper_identity_prefers_arxiv_then_doi_then_pmid_then_title():
    assert paper_path(_record(arxiv="2601.00011")) == "paper/arxiv/2601.00011"
    assert paper_path(_record(arxiv=None, doi="10.1000/ABC")) == "paper/doi/10.1000/abc"
    assert paper_path(_record(arxiv=None, pmid="123")) == "paper/pmid/123"
    by_title = paper_path(_record(arxiv=None))
    assert by_title.startswith("paper/title/")
    # Case and punctuation of the title do not change the identity.
    same = _record(arxiv=None, title="test-time adaptation for tumour segmentation.")
    assert paper_path(same) == by_title


def test_record_keys_put_the_arxiv_id_first_and_need_something_to_key_on():
    full = record_keys(_record(arxiv="2601.00011", doi="10.1/x", abstract=ABSTRACT))
    assert len(full) == 4 and full[0] == record_keys(_record(arxiv="2601.00011", title=None))[0]
    assert record_keys(PaperRecord()) == []
    assert text_keys(_record(abstract=ABSTRACT)) == [
        title_key("Test-Time Adaptation for Tumour Segmentation"), abstract_key(ABSTRACT)]


def test_shared_title_joins_records_but_never_two_arxiv_ids():
    identities = Identities()
    a = _record(arxiv="2601.00011")
    b = _record(arxiv="2601.00022")  # same title, another id: another paper
    untitled_id = _record(arxiv=None, doi="10.1/x")  # same title, a DOI: joins the first
    for record in (a, b, untitled_id):
        identities.add(record_keys(record), record.arxiv)

    def root(record: PaperRecord):
        return identities.find(record_keys(record)[0])

    assert root(a) != root(b)
    assert root(untitled_id) == root(a)


def test_match_keys_follow_the_scorer():
    assert match_keys("2601.00011v2", "A Café-Net!", "We propose X") == (
        "2601.00011", "acafenet", "weproposex")
    assert match_keys(None, None, None) == (None, "", "")
