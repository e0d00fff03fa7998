"""The last step: which candidate entities (groups) become entities, of which kind.

Without a trained classifier the rules' verdict decides. With one, its probabilities
decide whether a group is kept and, for names no vocabulary knows, of which kind; a
vocabulary concept keeps the kind its scheme gives it.
"""

from __future__ import annotations

from kg.extractors.candidates import Group
from kg.extractors.normalize import slugify
from kg.extractors.resolve import Resolved

KINDS = ("model", "dataset")


def identity(group: Group, kind: str) -> tuple[str, str, str, str]:
    """(kind, key, name, role) of a kept group, its kind given."""
    role = "proposed" if any(c.role == "proposed" for c in group.members) else "used"
    entry = group.entry
    if entry is not None:
        return entry.kind, entry.key, entry.label, role
    if group.verdict is not None and group.verdict[0] == kind:
        return group.verdict
    families = [c for c in group.members if c.family is not None]
    name = max(families, key=lambda c: len(c.surface)).surface if families else group.name
    return kind, f"{kind}/{slugify(name)}", name, role


def verdict(group: Group, threshold: float) -> tuple[str, str, str, str] | None:
    """The group's identity if it is kept, else None."""
    if not group.scores:
        return group.verdict
    kind = max(KINDS, key=lambda k: group.scores.get(k, 0.0))
    if group.scores.get(kind, 0.0) < threshold:
        return None
    return identity(group, kind)


def decide(groups: list[Group], threshold: float) -> list[Resolved]:
    """Mentions of every kept group, in text order."""
    out = []
    for group in groups:
        found = verdict(group, threshold)
        if found is None:
            continue
        kind, key, name, role = found
        conf = max(c.confidence for c in group.members)
        if group.scores:
            conf = round(max(group.scores.values()), 3)
        for c in group.members:
            out.append(Resolved(kind, key, name, c.start, c.end, c.surface, conf,
                                c.extractor, role, None))
    return out
