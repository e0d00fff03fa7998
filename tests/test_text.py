"""kg.text.fold_ascii: the one ASCII fold that identity, person keys and scoring share."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kg.evaluate import name_key
from kg.identity import title_key
from kg.names import parse_author
from kg.people import person_key
from kg.text import fold_ascii


def test_accents_fold_and_undecomposable_letters_are_spelled_out():
    assert fold_ascii("Víctor Campello") == "Victor Campello"
    assert fold_ascii("Jørgensen Łukasz Straße Æther") == "Jorgensen Lukasz Strasse AEther"
    assert fold_ascii("Smith–Jones’s") == "Smith-Jones's"
    assert fold_ascii("日本 CT") == " CT"


@given(st.text())
def test_result_is_ascii_and_folding_twice_changes_nothing(text):
    folded = fold_ascii(text)
    assert folded.isascii() and fold_ascii(folded) == folded


def test_every_key_folds_the_same_way():
    # A title, a person and a scored name written with and without diacritics meet.
    assert title_key("Søren's Straße-Net") == title_key("Sorens Strasse Net")
    assert (person_key(parse_author("Søren Jørgensen"))
            == person_key(parse_author("Soren Jorgensen")))
    assert name_key("Ætna–Net") == name_key("AEtna-Net")
