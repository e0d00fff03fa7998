"""Word splitting and sentence starts: the fast paths agree with the plain definitions."""

from __future__ import annotations

import random
import re

from kg.extractors.words import WORD_RE, sentence_of, sentence_starts, split, split_words

# the definition the fast splitter must agree with (see words.py)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[\"'])|\n\s*\n|\n(?=[A-Z])")


def test_plain_words_and_offsets():
    text = "Zorbnet (v2.1) beats H&E-Foo BlorpNet++ on ISLES'22."
    words = split(text)
    assert words.words == ["Zorbnet", "v2.1", "beats", "H&E-Foo", "BlorpNet++", "on",
                           "ISLES'22"]
    for s, e, w in zip(words.starts, words.ends, words.words, strict=True):
        assert text[s:e] == w
    assert words.lowers == [w.lower() for w in words.words]


def test_fixed_words():
    text = ("The Quxnet-based model's masks-FooNet and non-Blip scans, Zork-encoded "
            "data\u2013Quux\u2013by the Kolmogorov\u2013Arnold net.Then")
    # generic affix split off (listed, or a participle), possessive dropped, glued
    # lower-case lead words dropped; en dashes split unless they join two capitalised
    # words; a full stop glued to the next sentence splits
    assert [w for _, _, w in split_words(text)] == [
        "The", "Quxnet", "based", "model", "FooNet", "and", "Blip", "scans", "Zork",
        "encoded", "data", "Quux", "by", "the", "Kolmogorov\u2013Arnold", "net", "Then"]


def test_urls_are_not_words():
    text = "Code: https://example.com/Zork-Net and www.blip.org/FooNet, see zap.io/x Qux."
    words = [w for _, _, w in split_words(text)]
    assert words == ["Code", "and", "see", "Qux"]


def test_no_words():
    assert split("").words == [] and split(" -- ").lowers == []


def test_word_list_matches_the_regex_when_nothing_needs_fixing():
    text = "Plain words, digits 42 and Mixed.case v1.2 tokens; e.g. A&B."
    assert [w for _, _, w in split_words(text)] == WORD_RE.findall(text)


def test_sentence_starts_match_the_reference_pattern():
    rng = random.Random(5)
    pieces = [" ", "\n", "\n\n", ".", "!", "?", "A", "b", "7", "(", '"', "\t", "\xa0", "x. Y"]
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert sentence_starts(text) == [0] + [m.end() for m in _SENTENCE_END.finditer(text)]


def test_sentence_of():
    text = "First one. Second (two).\n\nThird\nFourth"
    starts = sentence_starts(text)
    assert text[slice(*sentence_of(text, starts, text.index("Second")))] == "Second (two)."
    assert text[slice(*sentence_of(text, starts, text.index("Fourth")))] == "Fourth"
