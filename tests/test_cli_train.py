"""`kg train`: the classifier trains from gold files with spaCy's own training, and is
validated on papers it did not see."""

from __future__ import annotations

import itertools
import json

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.extractors import Extractor
from kg.records import PaperRecord


@pytest.fixture(scope="module")
def small_gold(shared_corpus, tmp_path_factory):
    """The first 40 annotated MICCAI papers: their JSON lines and their gold."""
    folder = tmp_path_factory.mktemp("gold")
    miccai = shared_corpus / "miccai"
    with open(miccai / "gold-miccai-dev.jsonl", encoding="utf-8") as fh:
        gold = [json.loads(line) for line in itertools.islice(fh, 40)]
    keys = {g["key"] for g in gold}
    with open(miccai / "miccai2025-dev.jsonl", encoding="utf-8") as fh:
        papers = [line for line in fh if json.loads(line)["id"] in keys]
    (folder / "gold.jsonl").write_text("".join(json.dumps(g) + "\n" for g in gold), "utf-8")
    (folder / "papers.jsonl").write_text("".join(papers), "utf-8")
    return folder / "gold.jsonl", folder / "papers.jsonl"


def test_train_writes_a_classifier_the_extractor_loads(small_gold, tmp_path):
    gold, papers = small_gold
    out = tmp_path / "trained"
    result = CliRunner().invoke(cli, ["train", "--gold", str(gold), str(papers), "-o", str(out)])
    assert result.exit_code == 0, result.output
    component = out / "run" / "model-last" / "kg_classifier"
    assert (component / "model").is_file() and (out / "features.json").is_file()
    extractor = Extractor(classifier_dir=component)
    assert "kg_classifier" in extractor.nlp.pipe_names
    record = PaperRecord(title="ZorbNet: a segmentation network",
                         abstract="We propose ZorbNet and evaluate it on the Quxbank dataset.")
    mentions = extractor.extract([record])[0]
    assert {m.kind for m in mentions} <= {"model", "dataset", "modality", "task"}
    # the trained model is part of the run's identity: another model, another run IRI
    assert extractor.config_hash != Extractor(classifier=False).config_hash


def test_cross_validation_scores_every_gold_paper(small_gold):
    gold, papers = small_gold
    result = CliRunner().invoke(cli, ["train", "--gold", str(gold), str(papers), "--cv", "2"])
    assert result.exit_code == 0, result.output
    assert "gold.jsonl (2-fold cross-validation; papers 40/40)" in result.output
    assert result.output.count("model ") == 1 and "dataset" in result.output


def test_a_gold_line_that_is_not_an_object_is_one_line_error(small_gold, tmp_path):
    _, papers = small_gold
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"key": "x"}\n["not", "an", "object"]\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["train", "--gold", str(bad), str(papers), "--cv", "2"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: {bad}:2: a gold line must be a JSON object"]
