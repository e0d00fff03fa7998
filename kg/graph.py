"""The only place that knows the ontology: records and mentions in, Oxigraph quads out.

IRIs are derived from the data alone (no blank nodes, no clocks), so the same input always
gives the same quads: rebuilding adds nothing and shards from parallel workers merge freely.
The shape of every node is documented in docs/rdf-model.md.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import quote

import pyoxigraph as ox

from kg import DEFAULT_BASE, __version__
from kg.errors import ConfigError
from kg.identity import abstract_key, paper_path, title_key
from kg.names import org_key
from kg.ontology import BIBO, KG, MLS, OA, PROV, RDF, RDFS, SCHEMA, SKOS, XSD
from kg.people import person_key
from kg.records import Author, Mention, PaperRecord

# ------------------------------------------------------------------ the tables others read

ENTITY_KINDS: tuple[str, ...] = ("model", "dataset", "modality", "task")

LINKS: dict[tuple[str, str], tuple[str, ...]] = {
    ("model", "used"): (str(KG.usesModel),),
    ("model", "proposed"): (str(KG.usesModel), str(KG.proposesModel)),
    ("dataset", "used"): (str(KG.usesDataset),),
    ("dataset", "proposed"): (str(KG.usesDataset), str(KG.proposesDataset)),
    ("modality", "used"): (str(KG.imagingModality),),
    ("modality", "proposed"): (str(KG.imagingModality),),
    ("task", "used"): (str(KG.addressesTask),),
    ("task", "proposed"): (str(KG.addressesTask),),
}
"""Paper -> entity properties by (entity kind, mention role): a proposing paper also carries
the "used" link. The mapping below, the projection, `kg stats` and reconciliation read it."""

LINK_PROPERTIES: dict[str, tuple[str, str]] = {
    prop: (kind, "used" if prop in LINKS[(kind, "used")] else role)
    for (kind, role), props in LINKS.items()
    for prop in props
}
"""Each link property IRI -> (entity kind, the role every paper carrying it has): "used" for
the links every linking paper has, "proposed" for the ones only proposing papers have."""


def used_link(kind: str) -> str:
    """The property every paper linked to an entity of `kind` carries (kg:usesModel ...)."""
    return LINKS[(kind, "used")][0]


def proposed_link(kind: str) -> str | None:
    """The property only papers proposing an entity of `kind` carry (kg:proposesModel ...),
    or None when proposing adds no link for that kind."""
    only = [p for p in LINKS[(kind, "proposed")] if p not in LINKS[(kind, "used")]]
    return only[0] if only else None


SINGLE_VALUED: dict[str, str | None] = {
    str(SCHEMA.name): "title",
    str(SCHEMA.abstract): "abstract",
    str(SCHEMA.datePublished): None,
}
"""Paper properties with one value per paper -> the text field mention offsets count in
(None: no mention points into it). A second build keeps the stored value of these."""


def term_value(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    """An IRI, blank node id or literal's lexical form (a quoted triple as N-Triples)."""
    return str(term) if isinstance(term, ox.Triple) else term.value


def owned_prefix(paper: str) -> str:
    """Every node minted for a paper (author roles, sources, mentions) has an IRI starting
    with this, so moving a paper moves them with it."""
    return paper + "/"


def link_holds(prop: str, role: str) -> bool:
    """Whether an assertion in `role` supports the link property `prop` (a "used" link is
    supported by either role, a "proposes" link only by a proposing assertion)."""
    kind = LINK_PROPERTIES[prop][0]
    return prop in LINKS[(kind, role)]


@dataclass(frozen=True)
class Assertion:
    """One assertion node: the paper, the entity it links to and the role."""

    node: str
    paper: str
    entity: str
    role: str


@dataclass(frozen=True)
class Occurrence:
    """One mention (text occurrence): the assertion it supports and the text field."""

    node: str
    assertion: str
    field: str


def provenance_in(quads: Iterable[ox.Quad]) -> tuple[list[Assertion], list[Occurrence]]:
    """The assertion and occurrence nodes these quads describe, read from their properties
    (never from their IRIs)."""
    parts: dict[str, dict[str, str]] = {}
    wanted = {str(OA.hasTarget): "paper", str(OA.hasBody): "entity", str(KG.linkRole): "role",
              str(KG.supports): "assertion", str(KG.textField): "field"}
    for quad in quads:
        part = wanted.get(quad.predicate.value)
        if part is not None:
            parts.setdefault(term_value(quad.subject), {})[part] = term_value(quad.object)
    assertions = [Assertion(node, found["paper"], found["entity"], found["role"])
                  for node, found in parts.items()
                  if {"paper", "entity", "role"} <= found.keys()]
    occurrences = [Occurrence(node, found["assertion"], found["field"])
                   for node, found in parts.items() if {"assertion", "field"} <= found.keys()]
    return assertions, occurrences


# ------------------------------------------------------------------------------ mapping


def _iri(term) -> str:
    return f"<{term}>"


# Terms as N-Triples text, built once. Mapping is on the hot path of every build, and
# writing lines is several times faster than constructing quad objects and serializing them.
A = _iri(RDF.type)
T = {
    name: _iri(term)
    for name, term in {
        "Article": SCHEMA.ScholarlyArticle, "Role": SCHEMA.Role, "Person": SCHEMA.Person,
        "Organization": SCHEMA.Organization, "Code": SCHEMA.SoftwareSourceCode,
        "Dataset": SCHEMA.Dataset, "Model": MLS.Model, "Concept": SKOS.Concept,
        "SourceRecord": KG.SourceRecord, "LinkAssertion": KG.LinkAssertion,
        "Activity": PROV.Activity, "SoftwareAgent": PROV.SoftwareAgent,
        "name": SCHEMA.name, "abstract": SCHEMA.abstract, "date": SCHEMA.datePublished,
        "url": SCHEMA.url, "author": SCHEMA.author, "position": SCHEMA.position,
        "affiliation": SCHEMA.affiliation, "givenName": SCHEMA.givenName,
        "familyName": SCHEMA.familyName, "codeRepository": SCHEMA.codeRepository,
        "doi": BIBO.doi, "pmid": BIBO.pmid, "label": RDFS.label, "altLabel": SKOS.altLabel,
        "pmcid": KG.pmcid, "keywords": SCHEMA.keywords,
        "arxivId": KG.arxivId, "category": KG.arxivCategory, "comment": KG.comment,
        "truncated": KG.authorListTruncated, "titleKey": KG.titleKey,
        "abstractKey": KG.abstractKey, "nameKey": KG.nameKey,
        "hasSource": KG.hasSource, "sourceFile": KG.sourceFile, "sourceLine": KG.sourceLine,
        "sourceFormat": KG.sourceFormat, "releasesCode": KG.releasesCode,
        "sentenceStart": KG.sentenceStart, "sentenceEnd": KG.sentenceEnd,
        "textField": KG.textField, "confidence": KG.confidence,
        "extractor": KG.extractor, "linkRole": KG.linkRole, "supports": KG.supports,
        "hasBody": OA.hasBody, "hasTarget": OA.hasTarget, "start": OA.start, "end": OA.end,
        "generatedBy": PROV.wasGeneratedBy, "associatedWith": PROV.wasAssociatedWith,
    }.items()
}
_OCCURRENCE = tuple(T[name] for name in ("supports", "textField", "start", "end",
                                          "sentenceStart", "sentenceEnd"))
_LINK_TERMS = {key: [_iri(prop) for prop in props] for key, props in LINKS.items()}
ENTITY_CLASS = {"model": T["Model"], "dataset": T["Dataset"]}
_XSD_DATE = {10: _iri(XSD.date), 7: _iri(XSD.gYearMonth), 4: _iri(XSD.gYear)}
_INT = _iri(XSD.integer)
_DEC = _iri(XSD.decimal)
_BOOL = _iri(XSD.boolean)
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})
# Characters an IRI may not contain (RFC 3987 / N-Triples IRIREF), plus controls and space.
_NOT_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_ABSOLUTE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://\S+$")


def _lit(text: str) -> str:
    # Most literals need no escape; looking is several times cheaper than translating.
    if "\\" in text or '"' in text or "\n" in text or "\r" in text:
        text = text.translate(_ESCAPES)
    return f'"{text}"'


def _typed(text: str, datatype: str) -> str:
    return f'"{text}"^^{datatype}'


def _hash(text: str, length: int) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:length]


def check_base(base: str) -> str:
    """`base` as the prefix of every minted IRI (ending in "/" or "#"); ConfigError when it
    is not an absolute IRI. Every entry point that takes a base IRI checks it here."""
    if not _ABSOLUTE.match(base) or _NOT_IRI.search(base):
        raise ConfigError(
            f"the base IRI must be an absolute IRI such as https://example.org/kg/, not {base!r}")
    return base if base.endswith(("/", "#")) else base + "/"


def run_path(config_hash: str) -> str:
    """The PROV activity of this tool version with this extractor configuration."""
    return f"run/{__version__}-{config_hash[:12]}"


class GraphMapper:
    """Maps records and their mentions to N-Triples lines (or quads) under one base IRI and
    one run. Lines are what workers ship and the store bulk-loads."""

    def __init__(self, base: str = DEFAULT_BASE, config_hash: str = "none") -> None:
        self.base = check_base(base)
        self.run = f"<{self.base}{run_path(config_hash)}>"
        self.agent = f"<{self.base}agent/medimg-kg/{__version__}>"

    def paper_iri(self, record: PaperRecord) -> str:
        """The paper's IRI as a plain string (kg.identity decides the path)."""
        return self.base + paper_path(record)

    def iri(self, path: str) -> str:
        """The IRI of a base-free path; characters an IRI cannot hold are percent-encoded."""
        if _NOT_IRI.search(path):
            path = quote(path, safe="/:#?&=+-._~!$'()*,;@%")
        return f"<{self.base}{path}>"

    def run_lines(self) -> list[str]:
        """Description of the run and the software; the same every time for the same config."""
        return [
            f"{self.run} {A} {T['Activity']} .\n",
            f"{self.run} {T['associatedWith']} {self.agent} .\n",
            f"{self.agent} {A} {T['SoftwareAgent']} .\n",
            f"{self.agent} {T['label']} {_lit(f'medimg-kg {__version__}')} .\n",
        ]

    def run_quads(self) -> list[ox.Quad]:
        return _quads(self.run_lines())

    def paper_quads(self, record: PaperRecord, mentions: Iterable[Mention] = ()) -> list[ox.Quad]:
        """Every quad describing one (merged) paper, its authors, sources and mentions."""
        return _quads(self.paper_lines(record, mentions))

    def paper_lines(self, record: PaperRecord, mentions: Iterable[Mention] = ()) -> list[str]:
        """The same as paper_quads, as N-Triples lines."""
        paper = self.iri(paper_path(record))
        out: list[str] = []
        add = out.append

        def lit(pred: str, value: str | None) -> None:
            if value:
                add(f"{paper} {T[pred]} {_lit(value)} .\n")

        add(f"{paper} {A} {T['Article']} .\n")
        lit("name", record.title)
        lit("abstract", record.abstract)
        lit("arxivId", record.arxiv)
        lit("doi", record.doi)
        lit("pmid", record.pmid)
        lit("comment", record.comment)
        if record.title:
            lit("titleKey", title_key(record.title))
        lit("abstractKey", abstract_key(record.abstract))
        if record.date and len(record.date) in _XSD_DATE and _is_date(record.date):
            add(f"{paper} {T['date']} {_typed(record.date, _XSD_DATE[len(record.date)])} .\n")
        if record.url:
            add(f"{paper} {T['url']} {_iri_or_literal(record.url)} .\n")
        for category in record.categories:
            lit("category", category)
        lit("pmcid", record.pmcid)
        # MeSH headings and keywords as plain literals: records carry names, not MeSH UIs.
        for subject in record.subjects:
            lit("keywords", subject)
        if not record.authors_complete:
            add(f"{paper} {T['truncated']} {_typed('true', _BOOL)} .\n")
        for position, author in enumerate(record.authors, start=1):
            out.extend(self._author_lines(paper, position, author))
        for url in record.code:
            code = self.iri(f"code/{_hash(url, 16)}")
            add(f"{paper} {T['releasesCode']} {code} .\n")
            add(f"{code} {A} {T['Code']} .\n")
            add(f"{code} {T['codeRepository']} {_iri_or_literal(url)} .\n")
        for source in record.sources:
            node = f"{paper[:-1]}/source/{_hash(f'{source.file}:{source.line}', 12)}>"
            add(f"{paper} {T['hasSource']} {node} .\n")
            add(f"{node} {A} {T['SourceRecord']} .\n")
            add(f"{node} {T['sourceFile']} {_lit(source.file)} .\n")
            add(f"{node} {T['sourceLine']} {_typed(str(source.line), _INT)} .\n")
            add(f"{node} {T['sourceFormat']} {_lit(source.format)} .\n")
        out.extend(self._evidence_lines(paper, mentions))
        # An entity mentioned twice would repeat its links and label lines.
        return list(dict.fromkeys(out))

    def _author_lines(self, paper: str, position: int, author: Author) -> list[str]:
        role = f"{paper[:-1]}/author/{position}>"
        key: str | None = None  # set for a person only
        if author.is_organization:
            agent = self.iri(f"org/{org_key(author.name)}")
            kind = T["Organization"]
        else:
            key = person_key(author)
            if key is None:
                return []  # a name with nothing in it: no node to point to
            agent = self.iri(f"person/{key}")
            kind = T["Person"]
        out = [
            f"{paper} {T['author']} {role} .\n",
            f"{role} {A} {T['Role']} .\n",
            f"{role} {T['position']} {_typed(str(position), _INT)} .\n",
            f"{role} {T['author']} {agent} .\n",
            f"{agent} {A} {kind} .\n",
            f"{agent} {T['name']} {_lit(author.name)} .\n",
        ]
        if key is not None:
            out.append(f"{agent} {T['nameKey']} {_lit(key)} .\n")
            if author.given:
                out.append(f"{agent} {T['givenName']} {_lit(author.given)} .\n")
            if author.family:
                out.append(f"{agent} {T['familyName']} {_lit(author.family)} .\n")
        affiliations: Sequence[str | None] = author.affiliations or [author.affiliation]
        for affiliation in affiliations:
            if not affiliation:
                continue
            # org_key gives a name with no ASCII letters (e.g. in Chinese) a hashed key
            org = self.iri(f"org/{org_key(affiliation)}")
            out += [
                f"{role} {T['affiliation']} {org} .\n",
                f"{org} {A} {T['Organization']} .\n",
                f"{org} {T['name']} {_lit(affiliation)} .\n",
            ]
        return out

    def _evidence_lines(self, paper: str, mentions: Iterable[Mention]) -> list[str]:
        """Links, one assertion per (entity, role) and one occurrence node per mention."""
        by_assertion: dict[tuple[str, str], list[Mention]] = {}
        for m in mentions:
            by_assertion.setdefault((m.entity_key, m.role), []).append(m)
        out: list[str] = []
        for (key, role), found in by_assertion.items():
            first = found[0]
            entity = self.iri(key)
            node = assertion_node(paper, key, role)
            out += [f"{paper} {link} {entity} .\n" for link in _LINK_TERMS[(first.kind, role)]]
            if first.kind in ENTITY_CLASS:
                out.append(f"{entity} {A} {ENTITY_CLASS[first.kind]} .\n")
                out.append(f"{entity} {T['label']} {_lit(first.name)} .\n")
                out += [f"{entity} {T['altLabel']} {_lit(m.surface)} .\n"
                        for m in found if m.surface != m.name]
            # What holds for the link: role, confidence (the best of its mentions), the
            # components that found it and the run.
            confidence = max(m.confidence for m in found)
            out += [
                f"{node} {A} {T['LinkAssertion']} .\n",
                f"{node} {T['hasBody']} {entity} .\n",
                f"{node} {T['hasTarget']} {paper} .\n",
                f"{node} {T['linkRole']} {_lit(role)} .\n",
                f"{node} {T['confidence']} {_typed(f'{confidence:.3f}', _DEC)} .\n",
                f"{node} {T['generatedBy']} {self.run} .\n",
            ]
            out += [f"{node} {T['extractor']} {_lit(name)} .\n"
                    for name in sorted({m.extractor for m in found})]
            # What is each mention's own: where it is. The quote is the text between the
            # offsets and the sentence is read back from the paper's text, not copied.
            # (Predicates and the integer type spelled out once: a paper has ~10 mentions.)
            supports, field, start, end, sentence_start, sentence_end = _OCCURRENCE
            for m in found:
                occurrence = mention_node(paper, m)
                out += [
                    f"{occurrence} {supports} {node} .\n",
                    f"{occurrence} {field} {_lit(m.field)} .\n",
                    f'{occurrence} {start} "{m.start}"^^{_INT} .\n',
                    f'{occurrence} {end} "{m.end}"^^{_INT} .\n',
                    f'{occurrence} {sentence_start} "{m.sentence_start}"^^{_INT} .\n',
                    f'{occurrence} {sentence_end} "{m.sentence_end}"^^{_INT} .\n',
                ]
        return out


def assertion_node(paper: str, entity_key: str, role: str) -> str:
    """The assertion node of a link, as N-Triples: `{paper}/assertion/{hash}`, one per
    (paper, entity, role). `paper` is the paper's N-Triples form (`<...>`)."""
    return f"{paper[:-1]}/assertion/{_hash(f'{entity_key}|{role}', 12)}>"


def mention_node(paper: str, m: Mention) -> str:
    """The occurrence node of a mention, as N-Triples: `{paper}/mention/{hash}`, one per
    (entity, text field, start, end)."""
    return f"{paper[:-1]}/mention/{_hash(f'{m.entity_key}|{m.field}|{m.start}|{m.end}', 12)}>"


def _quads(lines: list[str]) -> list[ox.Quad]:
    return list(ox.parse("".join(lines), format=ox.RdfFormat.N_TRIPLES))


_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _is_date(text: str) -> bool:
    return bool(_DATE.match(text))


def _iri_or_literal(url: str) -> str:
    """A link as an IRI when it is one; listings sometimes hold malformed URLs."""
    try:
        return str(ox.NamedNode(url))
    except ValueError:
        return _lit(url)
