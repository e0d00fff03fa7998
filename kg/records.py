"""Plain data passed between the stages: readers produce records, extractors produce mentions.

Nothing here knows about files or RDF; the graph mapping (kg.graph) turns both into quads.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Author:
    """One author as the source lists them; `is_organization` for group authors."""

    name: str
    given: str | None = None
    family: str | None = None
    is_organization: bool = False
    affiliation: str | None = None  # the first one the source gives
    affiliations: list[str] = field(default_factory=list)  # all of them, in source order
    person: str | None = None  # person key resolved against other people (kg.people)


@dataclass(frozen=True)
class SourceRef:
    """Where a record came from: file, 1-based line of the record's first line, format name."""

    file: str
    line: int
    format: str


@dataclass
class PaperRecord:
    """A paper as one listing describes it. Records of the same paper are merged later."""

    title: str | None = None
    abstract: str | None = None
    authors: list[Author] = field(default_factory=list)
    authors_complete: bool = True
    date: str | None = None  # "YYYY-MM-DD", "YYYY-MM" or "YYYY"; never guessed
    arxiv: str | None = None  # without version suffix
    doi: str | None = None
    pmid: str | None = None
    pmcid: str | None = None  # "PMC" + digits
    url: str | None = None
    code: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)  # arXiv categories
    subjects: list[str] = field(default_factory=list)  # MeSH headings, keywords, subject areas
    comment: str | None = None  # venue or comment line(s)
    sources: list[SourceRef] = field(default_factory=list)


@dataclass(slots=True)
class Mention:
    """One occurrence of an entity in a paper's title or abstract.

    `entity_key` is base-free ("model/u-net"); the graph mapping prefixes the configured base.
    Offsets, including the sentence's, are character offsets into the field's text
    (`PaperRecord.title` or `.abstract`).
    """

    kind: str  # "model" | "dataset" | "modality" | "task"
    entity_key: str
    name: str  # canonical label of the entity
    surface: str  # text as written
    field: str  # "title" | "abstract"
    start: int
    end: int
    sentence_start: int
    sentence_end: int
    confidence: float
    extractor: str  # spaCy component name that found it
    role: str = "used"  # "proposed" | "used"
    notation: str | None = None  # DICOM modality code for modalities
