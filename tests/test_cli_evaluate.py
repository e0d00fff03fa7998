"""`kg evaluate` agrees with the shared scorer and reports errors per paper."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from kg.cli import cli


def test_evaluate_agrees_with_score_py(shared_corpus, tmp_path):
    listings, gold = shared_corpus / "listings", shared_corpus / "gold-dev.jsonl"
    runner = CliRunner()
    extracted = runner.invoke(cli, ["extract", str(listings)])
    assert extracted.exit_code == 0
    pred = tmp_path / "pred.jsonl"
    pred.write_text(extracted.output, encoding="utf-8")
    reference = json.loads(subprocess.run(
        [sys.executable, str(shared_corpus / "score.py"), str(pred), str(gold), "--json"],
        check=True, capture_output=True, text=True).stdout)
    ours = json.loads(runner.invoke(cli, ["evaluate", str(gold), str(listings), "--json"]).output)
    for kind in ("model", "dataset", "modality"):
        assert [ours[kind][k] for k in ("tp", "fp", "fn")] == \
            [reference[kind][k] for k in ("tp", "fp", "fn")], kind


def test_evaluate_lists_misses_and_false_positives(tmp_path, demo_corpus):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({
        "key": "demo-1", "title": "Whole-Slide Tumour Grading with a Pathology Foundation Model",
        "arxiv": "2601.00102", "abstract_start": "Grading of prostate biopsies",
        "models": ["GradeMIL", "An Imaginary Network"], "models_optional": [],
        "datasets": [], "datasets_optional": [], "modalities": ["Histopathology"],
        "modalities_optional": [],
    }) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["evaluate", str(gold), str(demo_corpus), "--errors"])
    assert result.exit_code == 0, result.output
    assert "demo-1 model missed: An Imaginary Network" in result.output
    assert "false positive" in result.output  # UNI, CLAM, TransMIL are not in this gold


def test_missing_gold_file_is_an_error(tmp_path, demo_corpus):
    result = CliRunner().invoke(cli, ["evaluate", str(tmp_path / "nope.jsonl"), str(demo_corpus)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "nope.jsonl" in result.output


GOLD_LINE = {"key": "g1", "title": "A Title", "arxiv": None, "abstract_start": "Start",
             "models": [], "models_optional": [], "datasets": [], "datasets_optional": [],
             "modalities": [], "modalities_optional": []}


@pytest.mark.parametrize("bad, reason", [
    ('["a", "json", "array"]', "not a JSON object"),
    ('{"key": "g2", "models": ', "not JSON"),
    ('{"key": "g3", "models": "U-Net", "datasets": [], "modalities": []}', "models"),
    ('{"key": "g4", "models": [1], "datasets": [], "modalities": []}', "models"),
    ("42", "not a JSON object"),
])
def test_a_malformed_gold_line_is_one_error_naming_its_line(tmp_path, demo_corpus, bad, reason):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps(GOLD_LINE) + "\n\n" + bad + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["evaluate", str(gold), str(demo_corpus)])
    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"Error: {gold}:3: ") and reason in result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
