"""kg.reconcile: a batch landing in a store that may already hold its papers.

Every branch on a real on-disk store: bulk and transactional loads, reloading, the first
source winning on title, abstract and date (with the mentions counted in replaced text),
a write that fails, adopting a stored arXiv id, leaving ambiguous matches alone, renaming a
paper minted from its title.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.errors import StoreError
from kg.graph import GraphMapper, used_link
from kg.ontology import KG, PREFIXES, SCHEMA
from kg.reconcile import (
    BatchLoader,
    adopt_stored_identities,
    has_keyed_papers,
    load_batch,
    rename_paper,
)
from kg.records import Author, Mention, PaperRecord, SourceRef
from kg.store import open_store
from kg.work import BatchResult

BASE = "https://example.org/kg/"
MAPPER = GraphMapper(BASE, "cfg")
TITLE = "GlimmerNet Segments Knee Cartilage"
ABSTRACT = ("We propose GlimmerNet and train it on the KneeSet dataset. GlimmerNet beats a "
            "U-Net baseline on MRI of forty patients.")


def _record(**changes) -> PaperRecord:
    fields = dict(title=TITLE, abstract=ABSTRACT, arxiv="2601.10001", date="2026-01-02",
                  authors=[Author("Maria Example", "Maria", "Example")],
                  sources=[SourceRef("/data/a.txt", 1, "arxiv-listing")])
    fields.update(changes)
    return PaperRecord(**fields)


def _mention(name: str, field: str, start: int, role: str = "used") -> Mention:
    return Mention(kind="model", entity_key=f"model/{name.lower()}", name=name, surface=name,
                   field=field, start=start, end=start + len(name), sentence_start=0,
                   sentence_end=start + len(name), confidence=0.9, extractor="kg_test",
                   role=role)


def _mentions_of(record: PaperRecord) -> list[Mention]:
    """Mentions at the offsets where the record's own title and abstract name them."""
    found = []
    for field, text in (("title", record.title or ""), ("abstract", record.abstract or "")):
        for name in ("GlimmerNet", "U-Net", "KneeNet"):
            if name in text:
                found.append(_mention(name, field, text.index(name)))
    return found


def _batch(*records: PaperRecord, mentions: bool = True) -> BatchResult:
    lines = [line for r in records
             for line in MAPPER.paper_lines(r, _mentions_of(r) if mentions else [])]
    return BatchResult([MAPPER.paper_iri(r) for r in records], "".join(lines).encode())


def _quads(store: ox.Store) -> set[ox.Quad]:
    return set(store.quads_for_pattern(None, None, None, None))


def _objects(store: ox.Store, subject: str, predicate: str) -> set[str]:
    return {q.object.value for q in store.quads_for_pattern(
        ox.NamedNode(subject), ox.NamedNode(predicate), None, None)}


def _linked_models(store: ox.Store, paper: str) -> set[str]:
    return {iri.rsplit("/", 1)[1] for iri in _objects(store, paper, used_link("model"))}


def _mention_fields(store: ox.Store, paper: str) -> set[tuple[str, str]]:
    """(entity slug, text field) of every mention node of `paper`."""
    rows = store.query(
        f"SELECT ?e ?f WHERE {{ ?a oa:hasTarget {ox.NamedNode(paper)} ; oa:hasBody ?e . "
        "?m kg:supports ?a ; kg:textField ?f }", prefixes=PREFIXES)
    return {(row["e"].value.rsplit("/", 1)[1], row["f"].value) for row in rows}


@pytest.fixture()
def store(tmp_path: Path) -> ox.Store:
    return open_store(tmp_path / "store")


# ---------------------------------------------------------------------------- loading


def test_new_papers_load_the_same_by_bulk_loader_and_by_transaction(tmp_path, store):
    batch = _batch(_record(), _record(arxiv="2601.10002", title="Another Paper"))
    assert load_batch(store, batch) == 0
    transactional = open_store(tmp_path / "transactional")
    assert load_batch(transactional, batch, bulk_limit=1) == 0
    assert _quads(store) == _quads(transactional)
    assert len(_quads(store)) == len(set(ox.parse(batch.nquads, format=ox.RdfFormat.N_QUADS)))


@pytest.mark.parametrize("group_quads", [1, 80, 1_000_000])
@pytest.mark.parametrize("lenient", [False, True])
def test_grouped_loading_gives_the_store_of_one_load_per_batch(tmp_path, group_quads, lenient):
    papers = [_record(arxiv=f"2601.2000{i}", title=f"Paper {i}") for i in range(4)]
    per_batch = open_store(tmp_path / "per-batch")
    for paper in papers:
        load_batch(per_batch, _batch(paper))
    grouped = open_store(tmp_path / "grouped")
    loader = BatchLoader(grouped, group_quads=group_quads, lenient=lenient)
    # A batch holding a stored paper lands after the group before it: it sees that group.
    conflicts = [loader.add(_batch(p)) for p in papers]
    conflicts.append(loader.add(_batch(_record(arxiv="2601.20001", title="Paper 1",
                                               date="2026-03-03"))))
    loader.flush()
    load_batch(per_batch, _batch(_record(arxiv="2601.20001", title="Paper 1",
                                         date="2026-03-03")))
    assert conflicts == [0, 0, 0, 0, 1]
    assert _quads(grouped) == _quads(per_batch)


def test_loading_the_same_batch_again_adds_nothing_and_is_no_conflict(store):
    batch = _batch(_record())
    load_batch(store, batch)
    before = _quads(store)
    assert load_batch(store, batch) == 0
    assert _quads(store) == before


def test_a_new_title_loses_to_the_stored_one_with_the_mentions_counted_in_it(store):
    paper = MAPPER.paper_iri(_record())
    load_batch(store, _batch(_record(), mentions=False))
    # The same paper again, titled differently: KneeNet is named only in the new title,
    # GlimmerNet in both title and abstract, U-Net only in the abstract.
    renamed = _record(title="KneeNet and GlimmerNet for Cartilage")
    assert load_batch(store, _batch(renamed)) == 1
    assert _objects(store, paper, str(SCHEMA.name)) == {TITLE}
    assert _linked_models(store, paper) == {"glimmernet", "u-net"}
    assert _mention_fields(store, paper) == {("glimmernet", "abstract"), ("u-net", "abstract")}


def test_a_new_title_naming_nothing_drops_no_mention(store):
    paper = MAPPER.paper_iri(_record())
    load_batch(store, _batch(_record(), mentions=False))
    assert load_batch(store, _batch(_record(title="Cartilage Segmentation"))) == 1
    assert _objects(store, paper, str(SCHEMA.name)) == {TITLE}
    assert _mention_fields(store, paper) == {("glimmernet", "abstract"), ("u-net", "abstract")}


def test_a_new_abstract_loses_to_the_stored_one_and_title_mentions_stay(store):
    paper = MAPPER.paper_iri(_record())
    load_batch(store, _batch(_record(), mentions=False))
    changed = _record(abstract="We compare U-Net to KneeNet.")
    assert load_batch(store, _batch(changed)) == 1
    assert _objects(store, paper, str(SCHEMA.abstract)) == {ABSTRACT}
    assert _linked_models(store, paper) == {"glimmernet"}
    assert _mention_fields(store, paper) == {("glimmernet", "title")}


def test_a_proposal_known_only_from_a_replaced_abstract_is_not_linked(store):
    paper = MAPPER.paper_iri(_record())
    load_batch(store, _batch(_record(), mentions=False))
    changed = _record(abstract="We propose GlimmerNet.")
    mentions = [_mention("GlimmerNet", "title", 0),
                _mention("GlimmerNet", "abstract", 11, role="proposed")]
    batch = BatchResult([paper], "".join(MAPPER.paper_lines(changed, mentions)).encode())
    assert load_batch(store, batch) == 1
    assert _objects(store, paper, used_link("model")) == {BASE + "model/glimmernet"}
    assert _objects(store, paper, str(KG.proposesModel)) == set()
    roles = {row["r"].value for row in store.query(
        f"SELECT ?r WHERE {{ ?a oa:hasTarget {ox.NamedNode(paper)} ; kg:linkRole ?r }}",
        prefixes=PREFIXES)}
    assert roles == {"used"}


def test_a_stored_assertion_keeps_its_confidence_and_extractor(store):
    paper = MAPPER.paper_iri(_record())
    load_batch(store, _batch(_record()))
    again = [replace(m, confidence=0.4, extractor="kg_other") for m in _mentions_of(_record())]
    batch = BatchResult([paper], "".join(MAPPER.paper_lines(_record(), again)).encode())
    assert load_batch(store, batch) == 0
    rows = store.query(
        f"SELECT ?c ?x WHERE {{ ?a oa:hasTarget {ox.NamedNode(paper)} ; kg:confidence ?c ; "
        "kg:extractor ?x }", prefixes=PREFIXES)
    assert {(float(row["c"].value), row["x"].value) for row in rows} == {(0.9, "kg_test")}


def test_a_new_date_loses_to_the_stored_one_and_every_mention_stays(store):
    paper = MAPPER.paper_iri(_record())
    load_batch(store, _batch(_record(), mentions=False))
    assert load_batch(store, _batch(_record(date="2026-02-01"))) == 1
    assert _objects(store, paper, str(SCHEMA.datePublished)) == {"2026-01-02"}
    assert _linked_models(store, paper) == {"glimmernet", "u-net"}
    assert _mention_fields(store, paper) == {
        ("glimmernet", "title"), ("glimmernet", "abstract"), ("u-net", "abstract")}


def test_only_the_conflicting_paper_of_a_batch_counts(store):
    load_batch(store, _batch(_record(), mentions=False))
    other = _record(arxiv="2601.10002", title="Another Paper")
    assert load_batch(store, _batch(_record(date="2026-02-01"), other)) == 1
    assert _objects(store, MAPPER.paper_iri(other), str(SCHEMA.name)) == {"Another Paper"}


def test_a_failed_write_is_a_one_line_store_error(tmp_path):
    store = open_store(tmp_path / "gone")
    shutil.rmtree(tmp_path / "gone")  # the store's files vanish under it
    with pytest.raises(StoreError, match="^writing to the store failed: [^\n]*$"):
        load_batch(store, _batch(_record()))


def test_a_build_reports_papers_whose_stored_values_were_kept(tmp_path):
    def listing(name: str, date: str) -> Path:
        path = tmp_path / name
        path.write_text(f"{ABSTRACT}\n\narXiv:2601.10001\nCreated: {date}\n", encoding="utf-8")
        return path

    store = tmp_path / "store"
    first = CliRunner().invoke(cli, ["build", str(listing("a.txt", "2026-01-02")),
                                     "--store", str(store)])
    assert first.exit_code == 0 and "stored kept" not in first.output
    second = CliRunner().invoke(cli, ["build", str(listing("b.txt", "2026-03-04")),
                                      "--store", str(store)])
    assert second.exit_code == 0, second.output
    assert "papers already stored with other metadata (stored kept) 1" in second.output


# ------------------------------------------------------------------------- identities


def test_nothing_to_adopt_from_an_empty_store(store):
    batch = [_record(arxiv=None)]
    assert not has_keyed_papers(store)
    assert adopt_stored_identities(store, batch, BASE) == batch


def test_a_record_without_keys_is_passed_on_as_it_is(store):
    load_batch(store, _batch(_record()))
    keyless = [PaperRecord(doi="10.1000/x")]
    assert has_keyed_papers(store)
    assert adopt_stored_identities(store, keyless, BASE) == keyless


def test_a_record_without_an_id_adopts_the_stored_papers_arxiv_id(store):
    load_batch(store, _batch(_record()))
    untitled_twin = _record(arxiv=None, title=None, date=None)  # same abstract, no id
    stranger = _record(arxiv=None, title="Unrelated", abstract=None)
    adopted = adopt_stored_identities(store, [untitled_twin, stranger], BASE)
    assert [r.arxiv for r in adopted] == ["2601.10001", None]


def test_an_ambiguous_match_is_left_alone(store):
    load_batch(store, _batch(_record(), _record(arxiv="2601.10002", abstract=None)))
    same_title = _record(arxiv=None, abstract=None)  # matches both stored papers' title
    assert adopt_stored_identities(store, [same_title], BASE)[0].arxiv is None


def test_a_paper_minted_from_its_title_is_renamed_when_its_arxiv_id_arrives(tmp_path, store):
    title_only = _record(arxiv=None)
    load_batch(store, _batch(title_only))
    old = MAPPER.paper_iri(title_only)
    assert adopt_stored_identities(store, [_record()], BASE) == [_record()]
    assert not any(q.subject.value == old or q.subject.value.startswith(old + "/")
                   or q.object.value == old for q in _quads(store))
    assert load_batch(store, _batch(_record())) == 0
    # The same store as a build that knew the arXiv id from the start.
    known = open_store(tmp_path / "known")
    load_batch(known, _batch(_record()))
    assert _quads(store) == _quads(known)


def test_renaming_a_paper_that_is_not_stored_changes_nothing(store):
    load_batch(store, _batch(_record()))
    before = _quads(store)
    rename_paper(store, BASE + "paper/title/nothing", BASE + "paper/arxiv/1")
    assert _quads(store) == before
