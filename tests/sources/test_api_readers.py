"""The arXiv Atom and PubMed XML readers on files in the APIs' formats (made-up papers)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.errors import InputError, RecordError
from kg.graph import GraphMapper
from kg.ontology import PREFIXES
from kg.sources import detect_format, iter_records

DATA = Path(__file__).parent / "data"
ATOM = DATA / "arxiv-atom.xml"
PUBMED = DATA / "pubmed.xml"


def read(path: Path) -> tuple[list, list[RecordError]]:
    skipped: list[RecordError] = []
    return list(iter_records([path], on_skip=skipped.append)), skipped


def line_of(path: Path, text: str) -> int:
    return next(i for i, x in enumerate(path.read_text().splitlines(), 1) if text in x)


@pytest.mark.parametrize(("path", "expected"), [(ATOM, "arxiv-atom"), (PUBMED, "pubmed-xml")])
def test_detected_by_content(write_listing, path, expected):
    for name in ("page.txt", "listing.md", "export.json"):
        assert detect_format(write_listing(name, path.read_bytes())) == expected


def test_arxiv_atom_entries():
    records, skipped = read(ATOM)
    assert skipped == []
    first, old, group = records
    assert first.arxiv == "2503.01234"  # version dropped
    assert first.title == ("PretendSeg: An Invented Network for Segmenting Made-Up Lesions in "
                           "Synthetic CT")
    assert first.abstract.startswith("We propose PretendSeg, an invented encoder-decoder")
    assert "0.91 & runs in 40 ms per slice (p<0.05)." in first.abstract
    assert first.date == "2025-03-02"  # <published>, not <updated>
    assert first.doi == "10.1234/pretend.2025.001"
    assert first.categories == ["eess.IV", "cs.CV"]  # primary first, no repeats
    assert first.comment == "12 pages, 5 figures; Journal of Invented Imaging 7 (2025) 1-12"
    assert first.url == "https://arxiv.org/abs/2503.01234"
    alice, bob = first.authors
    assert (alice.given, alice.family) == ("Alice", "Example")
    assert alice.affiliations == ["Department of Imaginary Radiology, Nowhere University",
                                  "Institute of Made-Up Computing"]
    assert alice.affiliation == alice.affiliations[0]
    assert (bob.family, bob.affiliations, bob.affiliation) == ("van der Sample", [], None)
    assert first.sources[0].line == line_of(ATOM, "<entry>")
    assert first.sources[0].format == "arxiv-atom"
    assert old.arxiv == "physics/0601001" and old.doi == "10.5555/old.phantom"
    assert old.categories == ["physics.med-ph"] and old.comment is None
    assert group.authors[0].is_organization


def test_arxiv_error_entry_is_reported_not_read(write_listing):
    text = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">
  <id>http://arxiv.org/api/x</id>
  <opensearch:totalResults>1</opensearch:totalResults>
  <entry>
    <id>http://arxiv.org/api/errors#incorrect_id_format_for_1234.1234v1</id>
    <title>Error</title>
    <summary>incorrect id format for 1234.1234v1</summary>
  </entry>
</feed>
"""
    path = write_listing("error.xml", text)
    records, skipped = read(path)
    assert records == []
    assert [str(e) for e in skipped] == [
        f"{path}:5: arXiv API error: incorrect id format for 1234.1234v1"]


def test_pubmed_article_fields():
    records, skipped = read(PUBMED)
    assert skipped == []
    article, medline_date, book = records
    assert article.pmid == "39990001"
    assert article.doi == "10.9999/jpbi.2025.0101"  # not the cited reference's DOI
    assert article.pmcid == "PMC11000001"
    assert article.url == "https://pubmed.ncbi.nlm.nih.gov/39990001/"
    assert article.title == ("Deep learning for invented mammography screening: a made-up "
                             "multicentre study")
    assert article.abstract == (
        "BACKGROUND: Screening mammography of imaginary patients is a pretend problem. "
        "METHODS: We trained a made-up convolutional network on 10^4 synthetic mammograms. "
        "RESULTS: The invented model reached an AUC of 0.93. "
        "CONCLUSIONS: Pretend deep learning helps pretend readers.")
    assert article.date == "2025-01-15"  # ArticleDate (electronic) before the PubDate
    assert article.comment == "Journal of Pretend Breast Imaging"
    # MeSH descriptors, then keywords; "pretend mammography" repeats a heading and is dropped
    assert article.subjects == ["Pretend Mammography", "Invented Deep Learning",
                                "invented screening"]
    dana, eli, group = article.authors
    assert (dana.name, dana.given, dana.family) == ("Dana Exemplar", "Dana", "Exemplar")
    assert dana.affiliations == [
        "Department of Imaginary Radiology, Nowhere University Hospital, Nowhere, Atlantis",
        "Institute of Made-Up Computing, Elsewhere, Atlantis"]
    assert dana.affiliation == dana.affiliations[0]
    assert (eli.name, eli.given, eli.family) == ("Eli J Specimen Jr", "Eli J", "Specimen")
    assert eli.affiliations == ["Institute of Made-Up Computing, Elsewhere, Atlantis"]
    assert group.is_organization and group.name == "Pretend Screening Trial Group"
    assert article.authors_complete
    assert article.sources[0].line == line_of(PUBMED, "<PubmedArticle>")


def test_pubmed_medline_date_translated_title_and_partial_author_list():
    (_, record, _), _ = read(PUBMED)
    assert record.date == "1998-12"  # MedlineDate "1998 Dec-1999 Jan"
    assert record.title == "Invented ultrasound of pretend phantoms"  # brackets dropped
    assert record.comment == "Pretend Radiol"
    assert [(a.name, a.given, a.family) for a in record.authors] == [
        ("Gotexample MB", "MB", "Gotexample")]  # the ValidYN="N" name is left out
    assert record.authors_complete is False
    assert record.doi is None and record.pmcid is None and record.subjects == []


def test_pubmed_book_article():
    (_, _, book), _ = read(PUBMED)
    assert book.pmid == "29990003"
    assert book.title == "Made-Up Chapter on CT Dose"
    assert book.abstract == "INTRODUCTION: A made-up chapter abstract on CT dose."
    assert book.date == "2021-06-01"
    assert book.comment == "A Pretend Handbook of Imaging"
    assert [a.name for a in book.authors] == ["Fay Chapterwriter"]


def test_truncated_page_names_file_and_line(write_listing):
    lines = PUBMED.read_text().splitlines(keepends=True)
    path = write_listing("cut.xml", "".join(lines[:60]))
    with pytest.raises(InputError) as info:
        read(path)
    assert str(info.value) == f"{path}:61: malformed XML: no element found"


def test_mismatched_tag_names_its_line(write_listing):
    text = ATOM.read_text().replace("</title>\n    <summary>  We", "</titel>\n    <summary>  We")
    path = write_listing("bad.xml", text)
    with pytest.raises(InputError) as info:
        read(path)
    assert str(info.value) == f"{path}:{line_of(path, '</titel>')}: malformed XML: mismatched tag"


@pytest.mark.parametrize("declaration", [
    '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">',
    '<!ENTITY b SYSTEM "file:///etc/passwd">',
])
def test_entity_declarations_are_refused(write_listing, declaration):
    text = (f'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [{declaration}]>\n'
            "<PubmedArticleSet><PubmedArticle>&b;</PubmedArticle></PubmedArticleSet>\n")
    path = write_listing("bomb.xml", text)
    with pytest.raises(InputError) as info:
        read(path)
    assert str(info.value) == f"{path}:2: XML with an entity declaration (a) refused (unsafe)" \
        or str(info.value) == f"{path}:2: XML with an entity declaration (b) refused (unsafe)"


def test_external_dtd_is_never_fetched(write_listing):
    # Port 9 on 127.0.0.1 refuses connections: reading the DTD would fail loudly.
    text = PUBMED.read_text().replace("https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd",
                                      "http://127.0.0.1:9/pubmed.dtd")
    records, _ = read(write_listing("dtd.xml", text))
    assert len(records) == 3


def test_other_root_element_is_refused(write_listing):
    text = PUBMED.read_text().replace("PubmedArticleSet>", "SomethingElse>")
    text = text.replace("<!DOCTYPE PubmedArticleSet", "<!DOCTYPE SomethingElse")
    text = text.replace("<SomethingElse>", "<SomethingElse><!-- <PubmedArticleSet> -->")
    path = write_listing("other.xml", text)
    with pytest.raises(InputError) as info:
        read(path)
    assert str(info.value) == (f"{path}:3: not a PubMed XML file: the root element is "
                               "<SomethingElse>")


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(source=st.sampled_from([ATOM, PUBMED]), cut=st.floats(0.05, 0.999),
       junk=st.binary(max_size=40))
def test_cut_or_damaged_pages_give_records_or_one_clear_error(tmp_path, source, cut, junk):
    raw = source.read_bytes()
    path = tmp_path / "page.xml"
    path.write_bytes(raw[: max(400, int(len(raw) * cut))] + junk)
    try:
        records, skipped = read(path)
    except InputError as exc:
        assert str(exc).startswith(str(path))
        assert "\n" not in str(exc)
        return
    for record in records:  # whatever was read is a whole record of the file
        assert record.title and (record.arxiv or record.pmid)


def test_graph_keeps_pmcid_keywords_and_every_affiliation():
    records, _ = read(PUBMED)
    article = records[0]
    store = ox.Store()
    store.extend(GraphMapper().paper_quads(article))
    schema, kg = PREFIXES["schema"], PREFIXES["kg"]
    paper = "<https://w3id.org/medimg-kg/paper/doi/10.9999/jpbi.2025.0101>"

    def values(query: str) -> list[str]:
        return sorted(str(row[0].value) for row in store.query(query))

    assert values(f"SELECT ?v WHERE {{ {paper} <{kg}pmcid> ?v }}") == ["PMC11000001"]
    assert values(f"SELECT ?v WHERE {{ {paper} <{schema}keywords> ?v }}") == [
        "Invented Deep Learning", "Pretend Mammography", "invented screening"]
    affiliations = values(f"""SELECT ?name WHERE {{
        {paper} <{schema}author> ?role . ?role <{schema}position> 1 ;
            <{schema}affiliation> ?org . ?org <{schema}name> ?name }}""")
    assert affiliations == [
        "Department of Imaginary Radiology, Nowhere University Hospital, Nowhere, Atlantis",
        "Institute of Made-Up Computing, Elsewhere, Atlantis"]
    group = values(f"""SELECT ?name WHERE {{
        {paper} <{schema}author> ?role . ?role <{schema}position> 3 ; <{schema}author> ?org .
        ?org a <{schema}Organization> ; <{schema}name> ?name }}""")
    assert group == ["Pretend Screening Trial Group"]
