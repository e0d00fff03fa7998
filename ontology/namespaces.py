"""The graph's vocabulary, written once: one namespace class per vocabulary, the prefixes
and the SPARQL prolog that declares them.

rdflib's own classes for schema.org, PROV, SKOS, XSD, RDF and RDFS; ours for the project's
terms (KG, checked against kg.ttl by a test), ML-Schema, Web Annotation and BIBO, which
rdflib does not ship. `_fail = True`: a misspelt term is an AttributeError, not a new IRI.
Only this package spells the ontology IRI (a test checks every other .py file).
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SKOS, XSD, DefinedNamespace
from rdflib.namespace import SDO as SCHEMA

__all__ = ["BIBO", "KG", "MLS", "OA", "PREFIXES", "PROV", "RDF", "RDFS", "SCHEMA", "SKOS",
           "SPARQL_PREFIXES", "XSD"]


class KG(DefinedNamespace):
    """Own terms of kg.ttl; a test checks this list and the file agree."""

    _fail = True
    _NS = Namespace("https://w3id.org/medimg-kg/ontology#")

    SourceRecord: URIRef
    LinkAssertion: URIRef
    EntityMention: URIRef
    usesModel: URIRef
    proposesModel: URIRef
    usesDataset: URIRef
    proposesDataset: URIRef
    imagingModality: URIRef
    addressesTask: URIRef
    releasesCode: URIRef
    hasSource: URIRef
    linkRole: URIRef
    supports: URIRef
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
    Statistics: URIRef
    EntityCounts: URIRef
    ModalityDatasetCounts: URIRef
    ModalityTaskCounts: URIRef
    ModelDatasetCounts: URIRef
    YearCounts: URIRef
    YearModelCounts: URIRef
    CodeReleaseOrder: URIRef
    recency: URIRef
    papers: URIRef
    proposingPapers: URIRef
    modality: URIRef
    dataset: URIRef
    model: URIRef
    task: URIRef
    year: URIRef


class MLS(DefinedNamespace):
    """ML-Schema (W3C ML Schema Community Group): the terms the project uses or documents."""

    _fail = True
    _NS = Namespace("http://www.w3.org/ns/mls#")

    Model: URIRef
    ModelEvaluation: URIRef
    EvaluationMeasure: URIRef
    hasValue: URIRef
    specifiedBy: URIRef


class OA(DefinedNamespace):
    """W3C Web Annotation: mention nodes, their targets and text selectors."""

    _fail = True
    _NS = Namespace("http://www.w3.org/ns/oa#")

    Annotation: URIRef
    SpecificResource: URIRef
    TextPositionSelector: URIRef
    TextQuoteSelector: URIRef
    hasBody: URIRef
    hasTarget: URIRef
    hasSource: URIRef
    hasSelector: URIRef
    start: URIRef
    end: URIRef
    exact: URIRef


class BIBO(DefinedNamespace):
    """The Bibliographic Ontology: a paper's DOI and PubMed id."""

    _fail = True
    _NS = Namespace("http://purl.org/ontology/bibo/")

    doi: URIRef
    pmid: URIRef


PREFIXES: dict[str, str] = {
    "kg": str(KG),
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
"""Prefix -> namespace IRI: predeclared for `kg query`, written into Turtle exports."""

SPARQL_PREFIXES = "".join(f"PREFIX {prefix}: <{iri}>\n" for prefix, iri in PREFIXES.items())
"""PREFIX lines for every namespace above, to put before a SPARQL query."""
