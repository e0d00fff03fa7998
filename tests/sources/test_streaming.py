"""Readers stream: memory stays flat however large the file is."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from kg.sources import iter_records


def _grow(path: Path, text: str, size: int) -> int:
    """Write `text` repeatedly until the file holds at least `size` bytes; count copies."""
    chunk = text.encode("utf-8")
    copies = size // len(chunk) + 1
    with path.open("wb") as fh:
        for _ in range(copies):
            fh.write(chunk)
            fh.write(b"\n")
    return copies


def _peak_while_reading(path: Path) -> tuple[int, int]:
    tracemalloc.start()
    try:
        count = sum(1 for _ in iter_records([path]))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return count, peak


def test_50mb_listing_streams_in_flat_memory(tmp_path, samples):
    # Realistically long abstracts: the cost per record, not per byte, dominates the run time.
    long_abstract = "A made-up sentence about pretend scans and invented models. " * 150
    text = samples["github-daily-arxiv"].replace("BarNet handles pretend imaging.", long_abstract)
    path = tmp_path / "big.txt"
    copies = _grow(path, text, 50 * 1024 * 1024)
    count, peak = _peak_while_reading(path)
    assert count == 2 * copies
    assert peak < 2 * 1024 * 1024, f"peak {peak} bytes for a {path.stat().st_size} byte file"


@pytest.mark.parametrize("fmt", ["arxiv-listing", "hf-papers", "author-profile", "radai-slice"])
def test_every_reader_streams(tmp_path, samples, fmt):
    path = tmp_path / "big.txt"
    body = samples[fmt]
    copies = _grow(path, body, 2 * 1024 * 1024)
    count, peak = _peak_while_reading(path)
    assert count == 2 * copies
    assert peak < path.stat().st_size // 4, f"peak {peak} bytes"


def test_first_record_arrives_before_the_file_is_read(tmp_path, samples):
    path = tmp_path / "big.txt"
    _grow(path, samples["arxiv-listing"], 2 * 1024 * 1024)
    records = iter_records([path])
    first = next(records)
    assert first.arxiv == "2401.00001"
    records.close()  # closing the generator closes the file
