"""`kg build` and `kg extract` end to end over seeded mutations of ../shared/corpus (issue 12).

Hundreds of mangled listings (cut, flipped, spliced, control characters, other encodings)
go through the real commands in subprocesses, as a user would run them. Every run must end
(a timeout is a hang) with exit 0 or 1, never a traceback; exit 1 is one `Error:` line; every
record or file skipped is named in a warning and listed and counted in the build's summary;
`kg extract` skips exactly what `kg build` skips and prints as many papers as the build
stores; the stored graph exports as well-formed XML. Counts stay small so the test is quick.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from kg.outputs import export
from kg.store import open_store

KG = [str(Path(sys.executable).parent / "kg")]
SEED = 20260512
FOLDERS = 3
PER_FOLDER = 110  # 330 mutated inputs in all
SINGLE_FILES = 4  # given by name, where an unreadable file is an error, not a warning
HANG = 600  # seconds: a run still going by then is a hang


def mutate(rng: random.Random, data: bytes, other: bytes) -> bytes:
    """A few random edits of `data`, some of them the kinds of damage real files have."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 5)):
        at = rng.randrange(len(out) + 1)
        kind = rng.randrange(10)
        if kind == 0 and out:  # flipped bytes
            for _ in range(rng.randint(1, 6)):
                out[rng.randrange(len(out))] = rng.randrange(256)
        elif kind == 1:  # truncated
            out = out[:at]
        elif kind == 2:  # random bytes
            out[at:at] = rng.randbytes(rng.randint(1, 30))
        elif kind == 3:  # a span gone
            del out[at:at + rng.randint(1, 300)]
        elif kind == 4:  # a piece of another file
            start = rng.randrange(max(1, len(other)))
            out[at:at] = other[start:start + rng.randint(1, 1500)]
        elif kind == 5:  # a span repeated
            out[at:at] = out[max(0, at - 400):at]
        elif kind == 6:  # control characters, ANSI escapes, bidi overrides, NUL
            out[at:at] = rng.choice([b"\x01", b"\x1b[31m", b"\x00", b"\x0b\x0c",
                                     "\u202e".encode(), b"\x7f", b"\r"])
        elif kind == 7:  # Windows line ends
            out = bytearray(bytes(out).replace(b"\n", b"\r\n"))
        elif kind == 8:  # a byte-order mark
            out[0:0] = rng.choice([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"])
        else:  # another encoding
            text = bytes(out).decode("utf-8", "replace")
            out = bytearray(text.encode(rng.choice(["utf-16", "latin-1", "cp1252"]), "replace"))
    return bytes(out)


def run(*args: object) -> subprocess.CompletedProcess:
    result = subprocess.run([*KG, *map(str, args)], capture_output=True, text=True,
                            timeout=HANG)
    assert result.returncode in (0, 1), (args, result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr, (args, result.stderr[-3000:])
    lines = result.stderr.splitlines()
    assert all(line.startswith(("Warning: ", "Error: ")) for line in lines), (
        args, [line for line in lines if not line.startswith(("Warning: ", "Error: "))][:5])
    errors = [line for line in lines if line.startswith("Error: ")]
    assert len(errors) == (result.returncode == 1), (args, errors)
    return result


def warnings(stderr: str) -> tuple[list[str], list[str]]:
    """(skipped records, skipped files) as the warnings name them."""
    records, files = [], []
    for line in stderr.splitlines():
        if line.startswith("Warning: "):
            text = line[len("Warning: "):]
            if text.endswith(" (record skipped)"):
                records.append(text[: -len(" (record skipped)")])
            else:
                files.append(text)
    return records, files


def summary(stdout: str) -> dict[str, list[str] | int]:
    """The build summary's counts and the lists under `records skipped` / `files skipped`."""
    counts: dict[str, list[str] | int] = {"records skipped": [], "files skipped": []}
    listing: list[str] | None = None
    for line in stdout.splitlines():
        if line.startswith("    ") and listing is not None:
            listing.append(line[4:])
            continue
        name, _, value = line.strip().rpartition(" ")
        name = " ".join(name.split())
        if name in ("records skipped", "files skipped"):
            listing = counts[name] = []  # type: ignore[assignment]
            counts[name + " count"] = int(value)
        elif name in ("records read", "papers"):
            counts[name] = int(value)
            listing = None
        else:
            listing = None
    return counts


@pytest.fixture(scope="module")
def samples(shared_corpus) -> list[bytes]:
    files = sorted(p for p in shared_corpus.rglob("*") if p.is_file()
                   and p.suffix not in (".py",) and "gold" not in p.name)
    return [p.read_bytes()[:8000] for p in files]


@pytest.mark.parametrize("folder", range(FOLDERS))
def test_build_and_extract_over_mutated_folders(samples, tmp_path, folder):
    rng = random.Random(SEED + folder)
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    for i in range(PER_FOLDER):
        data = mutate(rng, rng.choice(samples), rng.choice(samples))
        (inputs / f"m{i:03d}{rng.choice(['.txt', '.md', '.json', '.jsonl', ''])}").write_bytes(data)

    store = tmp_path / "store"
    built = run("build", inputs, "--store", store, "--workers", 1, "--batch-size", 64)
    extracted = run("extract", inputs)
    assert built.returncode == extracted.returncode
    if built.returncode == 1:
        return  # nothing readable at all: the one error line was checked

    records, files = warnings(built.stderr)
    counts = summary(built.stdout)
    assert counts["records skipped count"] == len(counts["records skipped"]) == len(records)
    assert sorted(counts["records skipped"]) == sorted(records)
    if files or counts.get("files skipped count"):
        assert counts["files skipped count"] == len(counts["files skipped"]) == len(files)
        assert sorted(counts["files skipped"]) == sorted(files)
    # The same reading in both commands: the same skips, as many papers.
    assert warnings(extracted.stderr) == (records, files)
    papers = [json.loads(line) for line in extracted.stdout.splitlines()]
    assert len(papers) == counts["papers"]

    # What was stored exports as well-formed XML (no control character gets through).
    graph = open_store(store, read_only=True)
    for fmt in ("rdfxml", "graphml"):
        path = tmp_path / f"graph.{fmt}"
        export(graph, fmt, path)
        ET.parse(path)


def test_extract_of_single_mutated_files(samples, tmp_path):
    rng = random.Random(SEED - 1)
    paths = []
    for i in range(SINGLE_FILES):
        path = tmp_path / f"single{i}.txt"
        path.write_bytes(mutate(rng, rng.choice(samples), rng.choice(samples)))
        paths.append(path)
    for path in paths:
        result = run("extract", path)
        if result.returncode == 1:
            assert str(path) in result.stderr.splitlines()[-1]
