"""Ontology terms and package data (kg.ttl, shapes.ttl, vocab/*.ttl) of medimg-kg.

The namespaces, prefixes and SPARQL prolog live in kg.ontology.namespaces and are
re-exported here: `from kg.ontology import KG, SCHEMA, PREFIXES`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from kg.ontology.namespaces import (
    BIBO,
    KG,
    MLS,
    OA,
    PREFIXES,
    PROV,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
    SPARQL_PREFIXES,
    XSD,
)

__all__ = ["BIBO", "KG", "MLS", "OA", "PREFIXES", "PROV", "RDF", "RDFS", "SCHEMA", "SKOS",
           "SPARQL_PREFIXES", "XSD", "data_path", "vocab_paths"]


def data_path(name: str) -> Path:
    """Path of a file shipped with the ontology package, e.g. "kg.ttl" or "vocab/models.ttl"."""
    return Path(str(resources.files(__name__).joinpath(name)))


def vocab_paths() -> list[Path]:
    """Every SKOS scheme shipped under ontology/vocab/, in a stable order."""
    folder = resources.files(__name__).joinpath("vocab")
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".ttl"))
