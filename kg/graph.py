"""The only place that knows the ontology: records and mentions in, Oxigraph quads out.

IRIs are derived from the data alone (no blank nodes, no clocks), so the same input always
gives the same quads: rebuilding adds nothing and shards from parallel workers merge freely.
The shape of every node is documented in docs/rdf-model.md.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from urllib.parse import quote

import pyoxigraph as ox

from kg import DEFAULT_BASE, __version__
from kg.merge import abstract_key, title_key
from kg.names import org_key, person_key
from kg.ontology import BIBO, KG, MLS, OA, PROV, RDF, RDFS, SCHEMA, SKOS, XSD
from kg.records import Author, Mention, PaperRecord


def _n(term) -> ox.NamedNode:
    return ox.NamedNode(str(term))


# Predicates and classes as pyoxigraph terms, built once: mapping is on the hot path.
A = _n(RDF.type)
T = {
    name: _n(term)
    for name, term in {
        "Article": SCHEMA.ScholarlyArticle, "Role": SCHEMA.Role, "Person": SCHEMA.Person,
        "Organization": SCHEMA.Organization, "Code": SCHEMA.SoftwareSourceCode,
        "Dataset": SCHEMA.Dataset, "Model": MLS.Model, "Concept": SKOS.Concept,
        "SourceRecord": KG.SourceRecord, "EntityMention": KG.EntityMention,
        "Annotation": OA.Annotation, "SpecificResource": OA.SpecificResource,
        "PositionSelector": OA.TextPositionSelector, "QuoteSelector": OA.TextQuoteSelector,
        "Activity": PROV.Activity, "SoftwareAgent": PROV.SoftwareAgent,
        "name": SCHEMA.name, "abstract": SCHEMA.abstract, "date": SCHEMA.datePublished,
        "url": SCHEMA.url, "author": SCHEMA.author, "position": SCHEMA.position,
        "affiliation": SCHEMA.affiliation, "givenName": SCHEMA.givenName,
        "familyName": SCHEMA.familyName, "codeRepository": SCHEMA.codeRepository,
        "doi": BIBO.doi, "pmid": BIBO.pmid, "label": RDFS.label, "altLabel": SKOS.altLabel,
        "arxivId": KG.arxivId, "category": KG.arxivCategory, "comment": KG.comment,
        "truncated": KG.authorListTruncated, "titleKey": KG.titleKey,
        "abstractKey": KG.abstractKey, "nameKey": KG.nameKey,
        "hasSource": KG.hasSource, "sourceFile": KG.sourceFile, "sourceLine": KG.sourceLine,
        "sourceFormat": KG.sourceFormat, "releasesCode": KG.releasesCode,
        "sentence": KG.sentence, "textField": KG.textField, "confidence": KG.confidence,
        "extractor": KG.extractor, "mentionRole": KG.mentionRole,
        "hasBody": OA.hasBody, "hasTarget": OA.hasTarget, "hasSource_oa": OA.hasSource,
        "hasSelector": OA.hasSelector, "start": OA.start, "end": OA.end, "exact": OA.exact,
        "generatedBy": PROV.wasGeneratedBy, "associatedWith": PROV.wasAssociatedWith,
    }.items()
}
LINK = {
    ("model", "used"): [_n(KG.usesModel)],
    ("model", "proposed"): [_n(KG.usesModel), _n(KG.proposesModel)],
    ("dataset", "used"): [_n(KG.usesDataset)],
    ("dataset", "proposed"): [_n(KG.usesDataset), _n(KG.proposesDataset)],
    ("modality", "used"): [_n(KG.imagingModality)],
    ("modality", "proposed"): [_n(KG.imagingModality)],
    ("task", "used"): [_n(KG.addressesTask)],
    ("task", "proposed"): [_n(KG.addressesTask)],
}
ENTITY_CLASS = {"model": T["Model"], "dataset": T["Dataset"]}
_DG = ox.DefaultGraph()
_XSD_DATE = {10: _n(XSD.date), 7: _n(XSD.gYearMonth), 4: _n(XSD.gYear)}
_INT = _n(XSD.integer)
_DEC = _n(XSD.decimal)
_BOOL = _n(XSD.boolean)


def _hash(text: str, length: int) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:length]


def paper_path(record: PaperRecord) -> str:
    """Base-free path of a paper: arXiv id, else DOI, else PMID, else a title (or abstract) hash."""
    if record.arxiv:
        return f"paper/arxiv/{quote(record.arxiv, safe='.')}"
    if record.doi:
        return f"paper/doi/{quote(record.doi.lower(), safe='./()-_')}"
    if record.pmid:
        return f"paper/pmid/{quote(record.pmid, safe='')}"
    key = title_key(record.title or "") or "abstract:" + title_key((record.abstract or "")[:300])
    return f"paper/title/{_hash(key, 16)}"


def run_path(config_hash: str) -> str:
    """The PROV activity of this tool version with this extractor configuration."""
    return f"run/{__version__}-{config_hash[:12]}"


class GraphMapper:
    """Maps records and their mentions to quads under one base IRI and one run."""

    def __init__(self, base: str = DEFAULT_BASE, config_hash: str = "none") -> None:
        if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://\S+$", base):
            raise ValueError(f"base IRI must be absolute: {base!r}")
        self.base = base if base.endswith(("/", "#")) else base + "/"
        self.run = ox.NamedNode(self.base + run_path(config_hash))
        self.agent = ox.NamedNode(f"{self.base}agent/medimg-kg/{__version__}")

    def iri(self, path: str) -> ox.NamedNode:
        return ox.NamedNode(self.base + path)

    def run_quads(self) -> list[ox.Quad]:
        """Description of the run and the software; the same every time for the same config."""
        return [
            ox.Quad(self.run, A, T["Activity"], _DG),
            ox.Quad(self.run, T["associatedWith"], self.agent, _DG),
            ox.Quad(self.agent, A, T["SoftwareAgent"], _DG),
            ox.Quad(self.agent, T["label"], ox.Literal(f"medimg-kg {__version__}"), _DG),
        ]

    def paper_quads(self, record: PaperRecord, mentions: Iterable[Mention] = ()) -> list[ox.Quad]:
        """Every quad describing one (merged) paper, its authors, sources and mentions."""
        paper = self.iri(paper_path(record))
        out: list[ox.Quad] = []
        add = out.append

        def lit(pred: str, value: str | None) -> None:
            if value:
                add(ox.Quad(paper, T[pred], ox.Literal(value), _DG))

        add(ox.Quad(paper, A, T["Article"], _DG))
        lit("name", record.title)
        lit("abstract", record.abstract)
        lit("arxivId", record.arxiv)
        lit("doi", record.doi)
        lit("pmid", record.pmid)
        lit("comment", record.comment)
        if record.title:
            lit("titleKey", title_key(record.title))
        lit("abstractKey", abstract_key(record.abstract))
        if record.date and len(record.date) in _XSD_DATE:
            date = ox.Literal(record.date, datatype=_XSD_DATE[len(record.date)])
            add(ox.Quad(paper, T["date"], date, _DG))
        if record.url:
            add(ox.Quad(paper, T["url"], _iri_or_literal(record.url), _DG))
        for category in record.categories:
            lit("category", category)
        if not record.authors_complete:
            add(ox.Quad(paper, T["truncated"], ox.Literal("true", datatype=_BOOL), _DG))
        for position, author in enumerate(record.authors, start=1):
            out.extend(self._author_quads(paper, position, author))
        for url in record.code:
            code = self.iri(f"code/{_hash(url, 16)}")
            add(ox.Quad(paper, T["releasesCode"], code, _DG))
            add(ox.Quad(code, A, T["Code"], _DG))
            add(ox.Quad(code, T["codeRepository"], _iri_or_literal(url), _DG))
        for source in record.sources:
            node = ox.NamedNode(f"{paper.value}/source/{_hash(f'{source.file}:{source.line}', 12)}")
            add(ox.Quad(paper, T["hasSource"], node, _DG))
            add(ox.Quad(node, A, T["SourceRecord"], _DG))
            add(ox.Quad(node, T["sourceFile"], ox.Literal(source.file), _DG))
            add(ox.Quad(node, T["sourceLine"], ox.Literal(str(source.line), datatype=_INT), _DG))
            add(ox.Quad(node, T["sourceFormat"], ox.Literal(source.format), _DG))
        for mention in mentions:
            out.extend(self._mention_quads(paper, mention))
        return out

    def _author_quads(self, paper: ox.NamedNode, position: int, author: Author) -> list[ox.Quad]:
        role = ox.NamedNode(f"{paper.value}/author/{position}")
        if author.is_organization:
            agent = self.iri(f"org/{org_key(author.name)}")
            kind = T["Organization"]
        else:
            agent = self.iri(f"person/{person_key(author)}")
            kind = T["Person"]
        out = [
            ox.Quad(paper, T["author"], role, _DG),
            ox.Quad(role, A, T["Role"], _DG),
            ox.Quad(role, T["position"], ox.Literal(str(position), datatype=_INT), _DG),
            ox.Quad(role, T["author"], agent, _DG),
            ox.Quad(agent, A, kind, _DG),
            ox.Quad(agent, T["name"], ox.Literal(author.name), _DG),
        ]
        if not author.is_organization:
            out.append(ox.Quad(agent, T["nameKey"], ox.Literal(person_key(author)), _DG))
            if author.given:
                out.append(ox.Quad(agent, T["givenName"], ox.Literal(author.given), _DG))
            if author.family:
                out.append(ox.Quad(agent, T["familyName"], ox.Literal(author.family), _DG))
        if author.affiliation:
            org = self.iri(f"org/{org_key(author.affiliation)}")
            out += [
                ox.Quad(role, T["affiliation"], org, _DG),
                ox.Quad(org, A, T["Organization"], _DG),
                ox.Quad(org, T["name"], ox.Literal(author.affiliation), _DG),
            ]
        return out

    def _mention_quads(self, paper: ox.NamedNode, m: Mention) -> list[ox.Quad]:
        entity = self.iri(m.entity_key)
        node = ox.NamedNode(
            f"{paper.value}/mention/{_hash(f'{m.entity_key}|{m.field}|{m.start}|{m.end}', 12)}"
        )
        target = ox.NamedNode(node.value + "/target")
        position = ox.NamedNode(node.value + "/position")
        quote_sel = ox.NamedNode(node.value + "/quote")
        out = [ox.Quad(paper, link, entity, _DG) for link in LINK[(m.kind, m.role)]]
        if m.kind in ENTITY_CLASS:
            out.append(ox.Quad(entity, A, ENTITY_CLASS[m.kind], _DG))
            out.append(ox.Quad(entity, T["label"], ox.Literal(m.name), _DG))
            if m.surface != m.name:
                out.append(ox.Quad(entity, T["altLabel"], ox.Literal(m.surface), _DG))
        out += [
            ox.Quad(node, A, T["EntityMention"], _DG),
            ox.Quad(node, A, T["Annotation"], _DG),
            ox.Quad(node, T["hasBody"], entity, _DG),
            ox.Quad(node, T["hasTarget"], target, _DG),
            ox.Quad(node, T["sentence"], ox.Literal(m.sentence), _DG),
            ox.Quad(node, T["confidence"], ox.Literal(f"{m.confidence:.3f}", datatype=_DEC), _DG),
            ox.Quad(node, T["extractor"], ox.Literal(m.extractor), _DG),
            ox.Quad(node, T["mentionRole"], ox.Literal(m.role), _DG),
            ox.Quad(node, T["generatedBy"], self.run, _DG),
            ox.Quad(target, A, T["SpecificResource"], _DG),
            ox.Quad(target, T["hasSource_oa"], paper, _DG),
            ox.Quad(target, T["textField"], ox.Literal(m.field), _DG),
            ox.Quad(target, T["hasSelector"], position, _DG),
            ox.Quad(target, T["hasSelector"], quote_sel, _DG),
            ox.Quad(position, A, T["PositionSelector"], _DG),
            ox.Quad(position, T["start"], ox.Literal(str(m.start), datatype=_INT), _DG),
            ox.Quad(position, T["end"], ox.Literal(str(m.end), datatype=_INT), _DG),
            ox.Quad(quote_sel, A, T["QuoteSelector"], _DG),
            ox.Quad(quote_sel, T["exact"], ox.Literal(m.surface), _DG),
        ]
        return out


def _iri_or_literal(url: str) -> ox.NamedNode | ox.Literal:
    """A link as an IRI when it is one; listings sometimes hold malformed URLs."""
    try:
        return ox.NamedNode(url)
    except ValueError:
        return ox.Literal(url)
