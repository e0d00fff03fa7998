"""Candidate mentions: what the matching components find before merging decides."""

from __future__ import annotations

from dataclasses import dataclass

from kg.extractors.vocab import Entry


@dataclass
class Candidate:
    """A span of the doc text that may name an entity.

    `kind` is None while undecided; `entry` is set for vocabulary hits; `family` for a
    variant of a vocabulary name ("ResNet-50" of ResNet, "BraTS 2021" of BraTS).
    `strength` orders evidence when cues disagree: 3 vocabulary, 2 explicit cue (head
    noun, introduction, context verb), 1 name shape only.
    """

    start: int
    end: int
    surface: str
    kind: str | None
    confidence: float
    extractor: str
    rule: str
    strength: int = 1
    entry: Entry | None = None
    family: Entry | None = None
    variant: str | None = None  # the edition or version part of a variant name
    role: str = "used"
