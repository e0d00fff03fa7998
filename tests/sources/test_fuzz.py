"""Readers never give a traceback or a junk record: property-based tests over made-up
listings and a seeded mutator over the real files in ../shared/corpus."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.errors import KGError, RecordError
from kg.sources import iter_records

FORMATS = ["arxiv-listing", "author-profile", "github-daily-arxiv", "hf-papers", "radai-slice"]


def _check(path: Path) -> None:
    """Read `path`: only KGErrors, no reader bug, and every record a plausible paper."""
    skipped: list[RecordError] = []
    try:
        records = list(iter_records([path], on_skip=skipped.append))
    except KGError as exc:
        assert "\n" not in str(exc)
        return
    assert not [s for s in skipped if "internal reader error" in s.reason], skipped
    for record in records:
        assert record.title or record.abstract or record.arxiv, record
        assert record.sources and record.sources[0].line >= 1
        for text in (record.title, record.abstract):
            assert text is None or ("\ufdd0" not in text and "\ufdd1" not in text)


_settings = settings(max_examples=60, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])


@_settings
@given(st.binary(max_size=2000))
def test_random_bytes(tmp_path, data):
    path = tmp_path / "random.bin"
    path.write_bytes(data)
    _check(path)


@_settings
@given(st.sampled_from(FORMATS), st.floats(0, 1), st.binary(max_size=20))
def test_truncations_and_garbage(tmp_path, samples, fmt, where, garbage):
    data = samples[fmt].encode("utf-8")
    path = tmp_path / "cut.txt"
    path.write_bytes(data[: int(len(data) * where)] + garbage)
    _check(path)


@_settings
@given(st.lists(st.sampled_from(FORMATS), min_size=2, max_size=4),
       st.sampled_from(["", "\n", "\n\n"]))
def test_mixed_formats(tmp_path, samples, formats, glue):
    path = tmp_path / "mixed.txt"
    path.write_text(glue.join(samples[f] for f in formats), encoding="utf-8")
    _check(path)


def _mutate(rng: random.Random, data: bytes, other: bytes) -> bytes:
    data = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        kind = rng.randrange(6)
        at = rng.randrange(len(data) + 1)
        if kind == 0 and data:  # flip bytes
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        elif kind == 1:  # cut
            data = data[:at]
        elif kind == 2:  # insert random bytes
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 40)))
        elif kind == 3 and data:  # delete a span
            del data[at:at + rng.randint(1, 200)]
        elif kind == 4:  # splice in a piece of another file
            start = rng.randrange(max(1, len(other)))
            data[at:at] = other[start:start + rng.randint(1, 2000)]
        else:  # duplicate a span
            data[at:at] = data[max(0, at - 500):at]
    return bytes(data)


def test_seeded_mutations_of_the_shared_corpus(shared_corpus, tmp_path):
    files = sorted(p for p in shared_corpus.rglob("*") if p.is_file() and p.suffix != ".py"
                   and "gold" not in p.name)
    heads = [p.read_bytes()[:6000] for p in files]
    rng = random.Random(20261202)
    for i in range(320):  # bounded: a fixed number of small inputs
        k = rng.randrange(len(heads))
        data = _mutate(rng, heads[k], heads[rng.randrange(len(heads))])
        path = tmp_path / f"m{i}{files[k].suffix}"
        path.write_bytes(data)
        _check(path)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_cut_of_a_sample(tmp_path, samples, fmt):
    data = samples[fmt].encode("utf-8")
    for end in range(0, len(data), 7):
        path = tmp_path / f"{fmt}-{end}.txt"
        path.write_bytes(data[:end])
        _check(path)
