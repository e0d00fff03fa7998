"""Ontology terms and package data (kg.ttl, shapes.ttl, vocab/*.ttl) of medimg-kg."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

SCHEMA = Namespace("https://schema.org/")
MLS = Namespace("http://www.w3.org/ns/mls#")
OA = Namespace("http://www.w3.org/ns/oa#")
PROV = Namespace("http://www.w3.org/ns/prov#")
BIBO = Namespace("http://purl.org/ontology/bibo/")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")

ONTOLOGY_IRI = "https://w3id.org/medimg-kg/ontology"

PREFIXES = {
    "kg": "https://w3id.org/medimg-kg/ontology#",
    "schema": str(SCHEMA),
    "mls": str(MLS),
    "oa": str(OA),
    "prov": str(PROV),
    "bibo": str(BIBO),
    "skos": str(SKOS),
    "xsd": str(XSD),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
}


class KG(DefinedNamespace):
    """Own terms of kg.ttl; a test checks this list and the file agree."""

    _fail = True
    _NS = Namespace("https://w3id.org/medimg-kg/ontology#")

    SourceRecord: URIRef
    EntityMention: URIRef
    usesModel: URIRef
    proposesModel: URIRef
    usesDataset: URIRef
    proposesDataset: URIRef
    imagingModality: URIRef
    addressesTask: URIRef
    releasesCode: URIRef
    hasSource: URIRef
    mentionRole: URIRef
    arxivId: URIRef
    arxivCategory: URIRef
    pmcid: URIRef
    comment: URIRef
    authorListTruncated: URIRef
    titleKey: URIRef
    abstractKey: URIRef
    nameKey: URIRef
    sourceFile: URIRef
    sourceLine: URIRef
    sourceFormat: URIRef
    sentenceStart: URIRef
    sentenceEnd: URIRef
    textField: URIRef
    confidence: URIRef
    extractor: URIRef


def data_path(name: str) -> Path:
    """Path of a file shipped with the ontology package, e.g. "kg.ttl" or "vocab/models.ttl"."""
    return Path(str(resources.files(__name__).joinpath(name)))


def vocab_paths() -> list[Path]:
    """Every SKOS scheme shipped under ontology/vocab/, in a stable order."""
    folder = resources.files(__name__).joinpath("vocab")
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".ttl"))
