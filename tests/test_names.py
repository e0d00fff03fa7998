"""Author-name parsing and the person key that joins one person across listings."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kg.names import (
    ORG_WORDS,
    PARTICLES,
    SUFFIXES,
    org_key,
    parse_author,
    split_authors,
)
from kg.people import person_key


@pytest.mark.parametrize(
    ("text", "given", "family"),
    [
        ("Dong Ma", "Dong", "Ma"),
        ("D. Ma", "D.", "Ma"),
        ("Ma D", "D", "Ma"),
        ("Gotway MB", "MB", "Gotway"),
        ("Ma, D.", "D.", "Ma"),
        ("Smith, J. A.", "J. A.", "Smith"),
        ("Víctor M. Campello", "Víctor M.", "Campello"),
        ("Paulo Eduardo de Aguiar Kuriki", "Paulo Eduardo", "de Aguiar Kuriki"),
        ("de Aguiar Kuriki PE", "PE", "de Aguiar Kuriki"),
        ("Javier del Riego", "Javier", "del Riego"),
        ("John Smith Jr.", "John", "Smith"),
        ("Carla Sendra-Balcells", "Carla", "Sendra-Balcells"),
        ("Plato", None, "Plato"),
    ],
)
def test_parse_author_styles(text, given, family):
    author = parse_author(text)
    assert (author.name, author.given, author.family) == (text, given, family)
    assert not author.is_organization


@pytest.mark.parametrize(
    "text", ["Dataset Contributor Group", "The Example Consortium", "Imaging Study Investigators"]
)
def test_group_authors_are_organisations(text):
    author = parse_author(text)
    assert author.is_organization and author.given is None and author.family is None
    assert person_key(author) is None
    assert org_key(text) == "-".join(w.lower() for w in text.split())


def test_split_authors_lists():
    authors, complete = split_authors("Ann Lee, Bo Chen, Cy Dee et al.")
    assert [a.name for a in authors] == ["Ann Lee", "Bo Chen", "Cy Dee"] and not complete
    authors, complete = split_authors("Lee A, Chen B, Dee CJ")
    assert [a.family for a in authors] == ["Lee", "Chen", "Dee"] and complete
    authors, _ = split_authors("Lee, A., Chen, B. J., Dee, C., Study Group")
    assert [a.name for a in authors] == ["Lee, A.", "Chen, B. J.", "Dee, C.", "Study Group"]
    assert authors[-1].is_organization
    authors, _ = split_authors("Ann Lee, Bo Chen and Cy Dee")
    assert [a.family for a in authors] == ["Lee", "Chen", "Dee"]
    authors, _ = split_authors("Lee, A.; Chen, Bo")
    assert [(a.family, a.given) for a in authors] == [("Lee", "A."), ("Chen", "Bo")]


_RESERVED = ORG_WORDS | SUFFIXES | PARTICLES


def _word(n: int):
    return st.from_regex(rf"[A-Z][a-z]{{1,{n}}}", fullmatch=True).filter(
        lambda w: w.lower() not in _RESERVED
    )


_given = _word(9)
_family = _word(11)


@given(st.text(max_size=60))
def test_parse_author_never_fails_and_keeps_name(text):
    author = parse_author(text)
    assert author.name == " ".join(text.split()).strip(",;")
    key = person_key(author)
    assert key is None or (key == key.casefold() and " " not in key)


@given(st.lists(st.tuples(_given, _family), min_size=1, max_size=8))
def test_split_authors_round_trip(pairs):
    text = ", ".join(f"{g} {f}" for g, f in pairs)
    authors, complete = split_authors(text + " et al.")
    assert not complete
    assert [(a.given, a.family) for a in authors] == pairs
