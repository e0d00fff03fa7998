"""People kept apart: full names key persons, initials join only one matching full name."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kg.names import parse_author, split_authors
from kg.people import People, intrinsic_key, person_key, same_person
from kg.records import Author, PaperRecord


def _record(*names: str) -> PaperRecord:
    return PaperRecord(title="t", authors=[parse_author(n) for n in names])


def _keys(people: People, *names: str) -> list[str | None]:
    record = _record(*names)
    people.assign(record)
    return [person_key(a) for a in record.authors]


@pytest.mark.parametrize("text", ["Dong Ma", "Ma, Dong", "MA, Dong", "dong ma"])
def test_full_name_styles_meet(text):
    assert person_key(parse_author(text)) == "ma_dong"


@pytest.mark.parametrize(
    ("a", "b"),
    [("Yu Sun", "Yuxin Sun"), ("Zhang, Yi", "Zhang, Yu"), ("Li, Xiaomeng", "Li, Xiaoming"),
     ("John A. Smith", "John B. Smith")],
)
def test_different_full_names_never_merge(a, b):
    assert person_key(parse_author(a)) != person_key(parse_author(b))
    people = People()
    people.observe(_record(a, b))
    assert _keys(people, a, b) == [person_key(parse_author(a)), person_key(parse_author(b))]


@pytest.mark.parametrize("text", ["Ma D", "D. Ma", "Ma, D.", "MA, D"])
def test_initials_only_name_is_keyed_by_its_initials(text):
    assert intrinsic_key(parse_author(text)) == "ma_d."


def test_initials_join_the_one_matching_full_name():
    people = People()
    people.observe(_record("Dong Ma", "Yi Zhang"))
    assert _keys(people, "Ma D", "D. Ma", "Zhang Y") == ["ma_dong", "ma_dong", "zhang_yi"]


def test_initials_stay_apart_when_two_full_names_match():
    people = People()
    people.observe(_record("Yi Zhang", "Yu Zhang"))
    assert _keys(people, "Zhang Y") == ["zhang_y."]


def test_initials_stay_apart_without_a_matching_full_name():
    people = People()
    people.observe(_record("Dong Ma"))
    assert _keys(people, "Ma L", "Mao D") == ["ma_l.", "mao_d."]


def test_all_initials_must_match():
    people = People()
    people.observe(_record("Dong Hyun Ma", "Ding Ma"))
    # "DH" matches only Dong Hyun; "D" matches both, so it stays its own node.
    assert _keys(people, "Ma DH", "Ma D") == ["ma_dong-hyun", "ma_d."]


@pytest.mark.parametrize(
    "text", ["李明", "Иван Петров", "Γιώργος Παπαδόπουλος", "محمد علي", "김민수", "Đặng Văn Lâm"]
)
def test_non_latin_names_have_stable_keys(text):
    key = person_key(parse_author(text))
    assert key and key == person_key(parse_author(f"  {text} "))
    authors, _ = split_authors(f"{text}, Ma D")  # the line that crashed builds (issue 12 H1)
    assert all(person_key(a) for a in authors)


def test_accents_fold_and_particles_drop():
    assert person_key(parse_author("Amelia Jiménez-Sánchez")) == "jimenez-sanchez_amelia"
    assert person_key(parse_author("Paulo Eduardo de Aguiar Kuriki")) == \
        "aguiar-kuriki_paulo-eduardo"
    assert intrinsic_key(parse_author("de Aguiar Kuriki PE")) == "aguiar-kuriki_p.e."
    assert person_key(parse_author("Dara O'Brien")) == "obrien_dara"
    assert person_key(Author(name="X", given=None, family="Solo")) == "solo"


def test_organisations_have_no_person_key():
    assert person_key(parse_author("Dataset Contributor Group")) is None


def test_same_person_within_one_paper():
    assert same_person(parse_author("Dong Ma"), parse_author("Ma D"))
    assert not same_person(parse_author("Yi Zhang"), parse_author("Yu Zhang"))
    assert not same_person(parse_author("Dong Ma"), parse_author("Dong Mao"))


_names = st.text(min_size=1, max_size=40).filter(lambda t: " ".join(t.split()).strip(",;"))


@given(_names)
def test_every_person_name_gets_a_key(text):
    author = parse_author(text)
    key = person_key(author)
    if author.is_organization:
        assert key is None
    else:
        assert key and " " not in key and key == key.casefold()


_word = st.from_regex(r"[A-Z][a-z]{2,9}", fullmatch=True)


@given(st.lists(st.tuples(_word, _word), min_size=1, max_size=12, unique=True))
def test_distinct_full_names_are_distinct_people(pairs):
    names = [f"{f}, {g}" for g, f in pairs]
    people = People()
    people.observe(_record(*names))
    keys = _keys(people, *names)
    assert len(set(keys)) == len({(g.lower(), f.lower()) for g, f in pairs})
