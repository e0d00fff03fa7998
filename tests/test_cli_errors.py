"""Bad input: one line `Error: ...` naming the file, exit 1, and the store left as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import cli


def invoke(*args) -> object:
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def store(tmp_path_factory, demo_corpus: Path) -> Path:
    path = tmp_path_factory.mktemp("errors") / "store"
    assert invoke("build", demo_corpus, "--store", path).exit_code == 0
    return path


def _stats(store: Path) -> dict:
    return json.loads(invoke("stats", "--json", "--store", store).output)


def _bad_inputs(tmp: Path) -> dict[str, tuple[Path, str]]:
    """name -> (path, text the message must contain besides the file name)."""
    empty_dir = tmp / "nothing-here"
    empty_dir.mkdir()
    (tmp / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    # A whole file in Latin-1 is refused by name (one stray byte costs only its record).
    (tmp / "latin1.txt").write_bytes(
        b"Sort by:\nPage 1 of 2 results\n\nA title\n\nDoe J\n\n" + b"caf\xe9 au lait\n" * 12)
    (tmp / "empty.txt").write_text("")
    (tmp / "recipe.txt").write_text("Pancakes\n\nMix flour, eggs and milk.\nFry on both sides.\n")
    return {
        "missing": (tmp / "does-not-exist.txt", "does-not-exist.txt"),
        "empty directory": (empty_dir, "nothing-here"),
        "binary": (tmp / "binary.txt", "binary.txt"),
        "invalid utf-8": (tmp / "latin1.txt", "latin1.txt: not UTF-8 text"),
        "empty file": (tmp / "empty.txt", "empty.txt"),
        "unknown format": (tmp / "recipe.txt", "recipe.txt"),
    }


@pytest.mark.parametrize("case", ["missing", "empty directory", "binary", "invalid utf-8",
                                  "empty file", "unknown format"])
@pytest.mark.parametrize("command", ["build", "extract"])
def test_bad_input_is_one_line_error_and_store_is_unchanged(tmp_path, store, case, command):
    path, must_contain = _bad_inputs(tmp_path)[case]
    before = _stats(store)
    args = [command, path] + (["--store", store] if command == "build" else [])
    result = invoke(*args)
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: ") and must_contain in lines[0]
    assert "Traceback" not in result.output
    assert _stats(store) == before


def test_a_bad_file_among_good_ones_stops_the_build_before_writing(tmp_path, demo_corpus):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01\x02")
    target = tmp_path / "new-store"
    result = invoke("build", demo_corpus, bad, "--store", target)
    assert result.exit_code == 1
    assert not target.exists()


def test_no_store_is_an_error_not_an_empty_answer(tmp_path):
    result = invoke("stats", "--store", tmp_path / "nowhere")
    assert result.exit_code == 1
    assert result.output.startswith("Error: no store at")


def test_usage_errors_exit_2():
    assert invoke("build").exit_code == 2
    assert invoke("export", "--format", "docx", "-o", "x").exit_code == 2


@pytest.mark.parametrize("command", [
    ["build", "{demo}", "--store", "{tmp}/store"],
    ["extract", "{demo}"],
    ["evaluate", "{tmp}/gold.jsonl", "{demo}"],
    ["export", "--format", "turtle", "-o", "{tmp}/out.ttl", "--store", "{store}"],
    ["viz", "-o", "{tmp}/graph.html", "--store", "{store}"],
])
def test_issue_16_a_bad_base_is_one_line_before_anything_runs(tmp_path, store, demo_corpus,
                                                              command):
    args = [a.format(demo=demo_corpus, tmp=tmp_path, store=store) for a in command]
    result = invoke(*args, "--base", "not an iri")
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "Error: --base: the base IRI must be an absolute IRI such as https://example.org/kg/, "
        "not 'not an iri'"]
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing written


def test_issue_16_the_library_refuses_a_bad_base_too(tmp_path, demo_corpus):
    from kg.build import build
    from kg.errors import ConfigError
    from kg.extract import extract_papers
    from kg.graph import GraphMapper

    for call in (lambda: build([demo_corpus], tmp_path / "store", base="urn:x y"),
                 lambda: next(extract_papers([demo_corpus], base="relative/path/")),
                 lambda: GraphMapper("https://example.org/a b/")):
        with pytest.raises(ConfigError, match="must be an absolute IRI"):
            call()
    assert not (tmp_path / "store").exists()


def test_library_errors_name_no_cli_flag(tmp_path):
    from kg.errors import StoreError
    from kg.store import open_store

    with pytest.raises(StoreError) as missing:
        open_store(tmp_path / "nowhere", read_only=True)
    assert str(missing.value) == f"no store at {tmp_path / 'nowhere'}"
    # The CLI adds the hint that names the command and the option.
    result = invoke("stats", "--store", tmp_path / "nowhere")
    assert result.output == (f"Error: no store at {tmp_path / 'nowhere'} "
                             "(run `kg build` first or pass --store)\n")
