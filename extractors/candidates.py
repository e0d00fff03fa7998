"""Candidate mentions and candidate entities: what matching finds before deciding.

Matching (vocabulary, rules, abbreviation definitions) proposes `Candidate` spans; the
merging steps (resolve.py) join those naming the same thing into a `Group`; the decision
(decide.py) keeps a group as an entity or drops it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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


@dataclass
class Group:
    """The candidates of one paper that name the same thing, and what the rules make of it.

    `verdict` is the rules' decision: (kind, key, name, role), or None when the rules
    alone would drop the group. `long_form` is set when the text defines an abbreviation
    for it. `scores` holds the learned classifier's probability per kind.
    """

    members: list[Candidate]
    verdict: tuple[str, str, str, str] | None
    kind: str | None  # the rules' best guess even when the verdict drops the group
    name: str
    long_form: Candidate | None = None
    short_form: Candidate | None = None
    scores: dict[str, float] = field(default_factory=dict)
    feature_ids: list[int] | None = field(default=None, repr=False)  # features.py, cached

    @property
    def entry(self) -> Entry | None:
        return next((c.entry for c in self.members if c.entry is not None), None)

    @property
    def representative(self) -> Candidate:
        """The member the classifier reads first: the long form, else the first mention."""
        return self.long_form or min(self.members, key=lambda c: c.start)
