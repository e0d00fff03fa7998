"""The ontology files parse, and the namespace module agrees with kg.ttl."""

from __future__ import annotations

import rdflib
from rdflib.namespace import OWL, RDF

from kg.ontology import KG, data_path, vocab_paths


def _own_terms(graph: rdflib.Graph) -> set[str]:
    ns = str(KG._NS)
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    return {
        str(s)[len(ns):] for kind in kinds for s in graph.subjects(RDF.type, kind)
        if str(s).startswith(ns)
    }


def test_namespace_module_lists_exactly_the_terms_of_kg_ttl():
    graph = rdflib.Graph().parse(data_path("kg.ttl"), format="turtle")
    declared = set(KG.__annotations__)
    assert _own_terms(graph) == declared


def test_every_own_term_has_a_label():
    graph = rdflib.Graph().parse(data_path("kg.ttl"), format="turtle")
    for name in KG.__annotations__:
        assert graph.value(KG[name], rdflib.RDFS.label) is not None, name


def test_unknown_term_is_refused():
    try:
        KG.usesModle  # noqa: B018 - a typo must fail loudly, not mint a new IRI
    except AttributeError:
        return
    raise AssertionError("KG accepted a term kg.ttl does not define")


def test_shapes_and_vocabularies_parse():
    rdflib.Graph().parse(data_path("shapes.ttl"), format="turtle")
    for path in vocab_paths():
        graph = rdflib.Graph().parse(path, format="turtle", publicID="https://example.org/kg/")
        assert len(graph) > 0, path
