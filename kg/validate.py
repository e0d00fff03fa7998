"""SHACL validation of the stored graph against ontology/shapes.ttl (`kg validate`)."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
import rdflib
from pyshacl import validate

from kg.ontology import data_path


@dataclass
class ValidationReport:
    conforms: bool
    violations: int
    text: str


def validate_store(store: ox.Store) -> ValidationReport:
    """Validate every triple of the store with pySHACL, which needs rdflib's API.

    The data goes into an Oxigraph-backed rdflib graph (oxrdflib) through Oxigraph's own
    N-Triples parser, several times faster than rdflib's parser into its memory store.
    """
    data = rdflib.Graph(store="Oxigraph")
    data.parse(data=store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()),
               format="ox-nt")
    shapes = rdflib.Graph().parse(data_path("shapes.ttl"), format="turtle")
    conforms, results, text = validate(
        data, shacl_graph=shapes, inference="none", allow_warnings=True, advanced=True
    )
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    violations = sum(1 for _ in results.subjects(rdflib.RDF.type, sh.ValidationResult))
    return ValidationReport(bool(conforms), violations, text)
