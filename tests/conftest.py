"""Shared fixtures: where the team's demo corpus and the shared evaluation corpus live."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DEMO = ROOT / "demo"


@pytest.fixture(scope="session")
def shared_corpus() -> Path:
    """../shared/corpus when it is there (it is beside every checkout we run on)."""
    corpus = SHARED / "corpus"
    if not (corpus / "listings").is_dir():
        pytest.skip("../shared/corpus is not beside this checkout")
    return corpus


@pytest.fixture(scope="session")
def demo_corpus() -> Path:
    return DEMO
