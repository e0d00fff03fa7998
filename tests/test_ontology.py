"""The ontology files parse, and the namespace module agrees with kg.ttl."""

from __future__ import annotations

import re

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


def test_the_link_evidence_shape_lists_the_links_of_kg_graph():
    # shapes.ttl cannot import LINKS; this keeps its list of link properties the same.
    from kg.graph import LINK_PROPERTIES

    shapes = rdflib.Graph().parse(data_path("shapes.ttl"), format="turtle")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    shape = rdflib.URIRef("https://w3id.org/medimg-kg/shapes#LinkEvidenceShape")
    select = str(shapes.value(shapes.value(shape, sh.sparql), sh.select))
    links, proposing = select.split("NOT EXISTS")
    listed = set(re.findall(r"<([^>]+)>", links.split("FILTER(?link IN", 1)[1]))
    assert listed == set(LINK_PROPERTIES)
    only_proposing = set(re.findall(r"<([^>]+)>", proposing.split("NOT IN", 1)[1]))
    assert only_proposing == {p for p, (_, role) in LINK_PROPERTIES.items() if role == "proposed"}
