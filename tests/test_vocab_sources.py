"""Every vocabulary concept cites a public source, and no name is listed twice.

The matcher folds spelling variants by one rule, so the vocabulary must not depend on copied
spellings: a label or alias belongs to one concept only, and a concept lists no alias that
differs from another of its names only in case, separators or a plural "s" (except single
all-letter words, which are matched with their case: "SAM" is not "Sam").
"""

from __future__ import annotations

import re
from collections import defaultdict
from urllib.parse import urlsplit

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

from kg import DEFAULT_BASE
from kg.ontology import vocab_paths

# Identifier shapes of the sources the vocabulary cites.
_ARXIV = re.compile(r"https://arxiv\.org/abs/(?P<yy>\d{2})(?P<mm>\d{2})\.\d{4,5}")
_DOI = re.compile(r"https://doi\.org/10\.\d{4,9}/[^\s/][^\s]*")
_GITHUB = re.compile(r"https://github\.com/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
_HUGGINGFACE = re.compile(r"https://huggingface\.co/(?:datasets/)?[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
_NOT_IN_IRI = re.compile(r"[\s<>\"{}|\\^`]")


def _graphs() -> list[tuple[str, Graph]]:
    out = []
    for path in vocab_paths():
        graph = Graph()
        graph.parse(path, format="turtle", publicID=DEFAULT_BASE)
        out.append((path.name, graph))
    return out


GRAPHS = _graphs()


def _concepts(graph: Graph) -> list[URIRef]:
    return sorted(c for c in graph.subjects(RDF.type, SKOS.Concept) if isinstance(c, URIRef))


def _names(graph: Graph, concept: URIRef) -> list[str]:
    labels = [str(v) for v in graph.objects(concept, SKOS.prefLabel)]
    return labels + sorted(str(v) for v in graph.objects(concept, SKOS.altLabel))


def source_problem(source: object) -> str | None:
    """Why a dcterms:source value is not a well-formed public IRI (None when it is)."""
    if not isinstance(source, URIRef):
        return f"not an IRI: {source!r}"
    iri = str(source)
    if _NOT_IN_IRI.search(iri):
        return f"character not allowed in an IRI: {iri}"
    parts = urlsplit(iri)
    if parts.scheme not in ("http", "https") or not parts.netloc or "." not in parts.netloc:
        return f"not a web address: {iri}"
    if iri.startswith(DEFAULT_BASE):
        return f"cites the project itself: {iri}"
    host = parts.netloc.lower()
    if host.endswith("arxiv.org"):
        m = _ARXIV.fullmatch(iri)
        if m is None or not 1 <= int(m["mm"]) <= 12 or int(m["yy"]) < 7:
            return f"malformed arXiv id (want https://arxiv.org/abs/YYMM.NNNNN): {iri}"
    elif host.endswith("doi.org"):
        if _DOI.fullmatch(iri) is None:
            return f"malformed DOI (want https://doi.org/10.NNNN/suffix): {iri}"
    elif host == "github.com":
        if _GITHUB.fullmatch(iri.rstrip("/")) is None:
            return f"malformed repository (want https://github.com/owner/name): {iri}"
    elif host == "huggingface.co":
        if _HUGGINGFACE.fullmatch(iri.rstrip("/")) is None:
            return f"malformed model card (want https://huggingface.co/owner/name): {iri}"
    return None


def fold(name: str) -> str:
    """The key under which two written forms are the same name."""
    return re.sub(r"[^a-z0-9+]", "", name.lower())


def redundant_with(name: str, other: str) -> bool:
    """Is `name` a mere spelling variant of `other` (case, separators, plural s)?"""
    if name == other:
        return True
    if name.isalpha() and other.isalpha() and name.lower() == other.lower():
        return False  # single all-letter words keep their case: "SLAKE" / "Slake"
    a, b = fold(name), fold(other)
    return a == b or a == b + "s" or b == a + "s"


@pytest.mark.parametrize(("name", "graph"), GRAPHS, ids=[n for n, _ in GRAPHS])
def test_every_concept_cites_a_wellformed_public_source(name, graph):
    problems = []
    for concept in _concepts(graph):
        sources = list(graph.objects(concept, DCTERMS.source))
        if not sources:
            problems.append(f"{concept}: no dcterms:source")
        for source in sources:
            why = source_problem(source)
            if why:
                problems.append(f"{concept}: {why}")
    assert not problems, "\n".join(problems)


def test_no_two_concepts_share_a_name():
    owners: dict[str, set[str]] = defaultdict(set)
    for _, graph in GRAPHS:
        for concept in _concepts(graph):
            for name in _names(graph, concept):
                owners[fold(name)].add(str(concept).removeprefix(DEFAULT_BASE))
    shared = {key: sorted(keys) for key, keys in owners.items() if len(keys) > 1}
    assert not shared, shared


@pytest.mark.parametrize(("name", "graph"), GRAPHS, ids=[n for n, _ in GRAPHS])
def test_no_alias_is_a_spelling_variant_of_another_name(name, graph):
    problems = []
    for concept in _concepts(graph):
        names = _names(graph, concept)
        for i, alias in enumerate(names):
            for other in names[:i]:
                if redundant_with(alias, other):
                    problems.append(f"{concept}: {alias!r} only respells {other!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (URIRef("https://arxiv.org/abs/2106.09685"), True),
        (URIRef("https://doi.org/10.1038/s41592-020-01008-z"), True),
        (URIRef("https://www.ukbiobank.ac.uk/"), True),
        (URIRef("https://github.com/MIC-DKFZ/nnUNet"), True),
        (Literal("https://arxiv.org/abs/2106.09685"), False),
        (URIRef("https://arxiv.org/abs/2113.09685"), False),
        (URIRef("https://arxiv.org/abs/2106.096"), False),
        (URIRef("https://arxiv.org/pdf/2106.09685"), False),
        (URIRef("https://doi.org/s41592-020-01008-z"), False),
        (URIRef("https://github.com/MIC-DKFZ"), False),
        (URIRef("ftp://example.org/x"), False),
        (URIRef("urn:isbn:0451450523"), False),
        (URIRef(DEFAULT_BASE + "model/u-net"), False),
    ],
)
def test_source_check_tells_wellformed_from_malformed(value, ok):
    assert (source_problem(value) is None) == ok


@pytest.mark.parametrize(
    ("name", "other", "redundant"),
    [
        ("UNet", "U-Net", True),
        ("U Net", "U-Net", True),
        ("ViTs", "ViT", True),
        ("CHASE-DB1", "CHASE_DB1", True),
        ("BRATS", "BraTS", False),
        ("Slake", "SLAKE", False),
        ("UKB", "UK Biobank", False),
        ("SAM", "Segment Anything Model", False),
    ],
)
def test_spelling_variants_are_told_from_other_forms(name, other, redundant):
    assert redundant_with(name, other) == redundant
