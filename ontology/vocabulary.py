"""The SKOS concept schemes of ontology/vocab/ as plain entries for the extractor.

The extractor knows no RDF: this module parses the schemes and hands over each concept's
base-free key ("model/u-net"), kind, labels, DICOM notation and source.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pyoxigraph as ox

# Concept IRIs in the files are relative; any base works since it is stripped again.
_BASE = "https://w3id.org/medimg-kg/"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_SOURCE = "http://purl.org/dc/terms/source"
SCHEME_KINDS = {
    "scheme/models": "model",
    "scheme/datasets": "dataset",
    "scheme/modalities": "modality",
    "scheme/tasks": "task",
}


@dataclass(frozen=True)
class Concept:
    """One concept of a scheme: key, kind, preferred label, other labels, notation, sources."""

    key: str
    kind: str
    label: str
    aliases: tuple[str, ...] = ()
    notation: str | None = None
    sources: tuple[str, ...] = ()


def vocab_paths() -> list[Path]:
    """Every SKOS scheme shipped under ontology/vocab/, in a stable order."""
    folder = resources.files("kg.ontology").joinpath("vocab")
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".ttl"))


@lru_cache(maxsize=4)
def load_concepts(paths: tuple[Path, ...] | None = None) -> tuple[tuple[Concept, ...], str]:
    """The concepts of `paths` (default: the shipped schemes) and a digest of the files.

    Sorted by key, so when two concepts share an alias the same one wins on every run.
    """
    digest = hashlib.sha1()
    concepts: dict[str, dict[str, list[str]]] = {}
    for path in sorted(paths or vocab_paths()):
        data = path.read_bytes()
        digest.update(path.name.encode() + b"\0" + data)
        for triple in ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=_BASE):
            if not isinstance(triple.subject, ox.NamedNode):
                continue
            pred = triple.predicate.value
            if pred.startswith(_SKOS):
                name = pred[len(_SKOS):]
            elif pred == _SOURCE:
                name = "source"
            else:
                continue
            props = concepts.setdefault(triple.subject.value, {})
            props.setdefault(name, []).append(triple.object.value)
    out = []
    for iri in sorted(concepts):
        props = concepts[iri]
        kinds = [SCHEME_KINDS.get(s.removeprefix(_BASE)) for s in props.get("inScheme", ())]
        kind = next((k for k in kinds if k), None)
        labels = props.get("prefLabel")
        if kind is None or not labels:
            continue
        notations = sorted(props.get("notation", ()))
        out.append(Concept(
            key=iri.removeprefix(_BASE), kind=kind, label=labels[0],
            aliases=tuple(sorted(props.get("altLabel", ()))),
            notation=notations[0] if notations else None,
            sources=tuple(sorted(props.get("source", ()))),
        ))
    return tuple(out), digest.hexdigest()
