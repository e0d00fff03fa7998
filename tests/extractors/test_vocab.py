"""The SKOS vocabulary files parse and every concept is complete."""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from kg import DEFAULT_BASE
from kg.extractors.normalize import slugify
from kg.extractors.vocab import shared_vocabulary
from kg.ontology import MLS, SCHEMA, vocab_paths

MODALITIES = {
    "ct": "CT", "mri": "MRI", "x-ray": "X-ray", "mammography": "Mammography",
    "ultrasound": "Ultrasound", "pet": "PET", "spect": "SPECT", "oct": "OCT",
    "fundus-photography": "Fundus photography", "histopathology": "Histopathology",
    "dermoscopy": "Dermoscopy", "endoscopy": "Endoscopy", "microscopy": "Microscopy",
}


def parse(path) -> Graph:
    graph = Graph()
    graph.parse(path, format="turtle", publicID=DEFAULT_BASE)
    return graph


def test_every_file_parses_and_every_concept_is_complete():
    names = {p.name for p in vocab_paths()}
    assert names == {"models.ttl", "datasets.ttl", "modalities.ttl", "tasks.ttl"}
    for path in vocab_paths():
        graph = parse(path)
        schemes = set(graph.subjects(RDF.type, SKOS.ConceptScheme))
        assert len(schemes) == 1, path
        scheme = next(iter(schemes))
        assert graph.value(scheme, URIRef("http://purl.org/dc/terms/source")) is not None
        concepts = set(graph.subjects(RDF.type, SKOS.Concept))
        assert concepts, path
        for concept in concepts:
            assert str(concept).startswith(DEFAULT_BASE)
            assert graph.value(concept, SKOS.prefLabel) is not None, concept
            assert graph.value(concept, SKOS.inScheme) == scheme, concept


def test_types_and_slugs():
    for path in vocab_paths():
        graph = parse(path)
        for concept in graph.subjects(RDF.type, SKOS.Concept):
            key = str(concept).removeprefix(DEFAULT_BASE)
            label = str(graph.value(concept, SKOS.prefLabel))
            if key.startswith("model/"):
                assert (concept, RDF.type, MLS.Model) in graph
                assert key == "model/" + slugify(label)
            elif key.startswith("dataset/"):
                assert (concept, RDF.type, SCHEMA.Dataset) in graph
                assert key == "dataset/" + slugify(label)


def test_modalities_have_the_fixed_labels_and_dicom_codes():
    graph = parse(next(p for p in vocab_paths() if p.name == "modalities.ttl"))
    for slug, label in MODALITIES.items():
        concept = URIRef(DEFAULT_BASE + "modality/" + slug)
        assert str(graph.value(concept, SKOS.prefLabel)) == label
        assert graph.value(concept, SKOS.notation) is not None


def test_vocabulary_size():
    vocab = shared_vocabulary()
    kinds = [e.kind for e in vocab.entries.values()]
    assert kinds.count("model") >= 250
    assert kinds.count("dataset") >= 150
    assert kinds.count("modality") == 13
