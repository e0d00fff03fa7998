"""A paper stays one node when its listings arrive in separate builds."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from kg.cli import cli


def _papers(store: Path) -> int:
    out = CliRunner().invoke(cli, ["stats", "--json", "--store", str(store)]).output
    return json.loads(out)["papers"]


def _build(path: Path, store: Path) -> None:
    result = CliRunner().invoke(cli, ["build", str(path), "--store", str(store)])
    assert result.exit_code == 0, result.output


def test_id_only_then_title_only_listing_is_one_paper(tmp_path, demo_corpus):
    # The arXiv listing gives 2601.00011 without a title; the Hugging Face page gives its
    # title and abstract without an id. Built one after the other they must meet.
    store = tmp_path / "s"
    _build(demo_corpus / "arxiv-listing.txt", store)
    _build(demo_corpus / "hf-papers.txt", store)
    assert _papers(store) == 4  # 3 from the listing + 1 new from the page
    title = CliRunner().invoke(cli, [
        "query", "--format", "csv", "--store", str(store),
        "SELECT ?t WHERE { ?p kg:arxivId '2601.00011' ; schema:name ?t }"]).output
    assert "Test-Time Adaptation for Brain Tumour Segmentation Across Scanners" in title


def test_title_only_then_id_listing_renames_the_stored_paper(tmp_path, demo_corpus):
    store = tmp_path / "s"
    _build(demo_corpus / "hf-papers.txt", store)
    _build(demo_corpus / "arxiv-listing.txt", store)
    assert _papers(store) == 4
    together = tmp_path / "together"
    _build(demo_corpus / "hf-papers.txt", together)
    assert _papers(together) == 2
    # Rebuilding either order again adds nothing.
    before = CliRunner().invoke(cli, ["stats", "--json", "--store", str(store)]).output
    _build(demo_corpus / "arxiv-listing.txt", store)
    _build(demo_corpus / "hf-papers.txt", store)
    assert CliRunner().invoke(cli, ["stats", "--json", "--store", str(store)]).output == before
