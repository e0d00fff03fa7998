"""Each extractor component alone on spacy.blank("en"), and the tokenizer's contract.

Names here are invented; none comes from an evaluation corpus.
"""

from __future__ import annotations

import spacy
from hypothesis import example, given, settings
from hypothesis import strategies as st

import kg.extractors  # noqa: F401  (registers the kg_ components and the tokenizer)
from kg.extractors import build_pipeline
from kg.extractors.state import state
from kg.extractors.tokenizer import Tokenizer


def blank(*names: str, **configs: dict):
    nlp = spacy.blank("en")
    for name in names:
        nlp.add_pipe(name, config=configs.get(name, {}))
    return nlp


_TOKENIZER = Tokenizer(spacy.blank("en").vocab)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aZ9 -–.,'()\n\t&+_/$^{}é")), max_size=60))
# words the splitter cuts or drops: a glued lead word, a possessive, links
@example("see models-ZorbNet's, then https://example.org/a-b (www.example.com/x) end")
@example("https://example.org/x ZorbNet")
@example("models-ZorbNet")
def test_tokens_cover_the_text_and_every_word_starts_a_token(text):
    doc = _TOKENIZER(text)
    assert doc.text == text
    starts = {t.idx for t in doc}
    ends = {t.idx + len(t) for t in doc}
    words = state(doc).words
    assert set(words.starts) <= starts and set(words.ends) <= ends


def test_tokens_are_the_extractor_words():
    nlp = spacy.blank("en")
    doc = Tokenizer(nlp.vocab)("The ZorbNet-based model (v2.1) beats U-Net++.")
    assert [t.text for t in doc] == ["The", "ZorbNet", "-", "based", "model", "(", "v2.1",
                                     ")", "beats", "U-Net++", "."]


def test_abbreviations_alone():
    doc = blank("kg_abbreviations")("We use the Sparse Lesion Transformer (SLT) here.")
    (ls, le, ss, se), = state(doc).definitions
    assert doc.text[ls:le] == "Sparse Lesion Transformer" and doc.text[ss:se] == "SLT"


def test_vocabulary_alone_finds_known_names_with_their_kind():
    doc = blank("kg_vocabulary")("We fine-tune nnU-Net on BraTS 2021 brain MRI.")
    found = {(c.surface, c.kind) for c in state(doc).candidates}
    assert {("nnU-Net", "model"), ("BraTS 2021", "dataset"), ("MRI", "modality")} <= found


def test_names_alone_finds_rule_names():
    doc = blank("kg_names")("We propose ZorbFormer, a novel network, trained on the "
                            "Quxbank dataset.")
    found = {(c.surface, c.kind, c.rule) for c in state(doc).candidates}
    assert ("ZorbFormer", "model", "introduction") in found
    assert ("Quxbank", "dataset", "head-noun") in found


def test_candidates_alone_write_candidate_spans():
    nlp = blank("kg_abbreviations", "kg_vocabulary", "kg_names", "kg_candidates")
    doc = nlp("The Quux Fusion Network (QFN) beats U-Net. QFN is small.")
    spans = doc.spans["kg_candidates"]
    by_text = {s.text: s for s in spans}
    assert {"Quux Fusion Network", "QFN", "U-Net"} <= set(by_text)
    # the long form, its abbreviation and the repeat share one candidate entity
    assert len({s.kb_id_ for s in spans if s.text in ("Quux Fusion Network", "QFN")}) == 1
    assert by_text["QFN"].label_ == "MODEL"


def test_entities_alone_use_the_rules_and_take_a_keyword_config():
    nlp = blank("kg_vocabulary", "kg_names", "kg_candidates", "kg_entities",
                kg_entities={"threshold": 0.9})
    assert nlp.get_pipe("kg_entities").threshold == 0.9
    doc = nlp("ZorbNet segments lesions in chest CT.")
    found = {(s.text, s.label_, s.kb_id_) for s in doc.spans["kg_entities"]}
    assert ("ZorbNet", "MODEL", "model/zorbnet") in found
    assert ("CT", "MODALITY", "modality/ct") in found


def test_classifier_scores_every_candidate_entity():
    from kg.extractors import shipped_classifier

    weights = shipped_classifier()
    assert weights is not None, "the trained classifier ships as package data"
    nlp = blank("kg_abbreviations", "kg_vocabulary", "kg_names", "kg_candidates")
    nlp.add_pipe("kg_classifier").from_disk(weights, exclude=["vocab"])
    nlp.add_pipe("kg_entities")
    doc = nlp("We propose QuxNet, a novel segmentation network, and evaluate it on the "
              "public Zorbank dataset against U-Net.")
    groups = state(doc).groups
    assert groups and all(set(g.scores) == {"model", "dataset"} for g in groups)
    kinds = {s.text: s.label_ for s in doc.spans["kg_entities"]}
    assert kinds.get("QuxNet") == "MODEL" and kinds.get("U-Net") == "MODEL"
    assert kinds.get("Zorbank") == "DATASET"
    # the classifier's own spans carry its decision
    assert {s.label_ for s in doc.spans["kg_classifier"]} <= {"MODEL", "DATASET"}


def test_doc_copy_copies_the_state():
    """spaCy's Doc.copy deep-copies user_data: the copy keeps the words and results, compiled
    (mypyc) or not."""
    nlp = build_pipeline(classifier=False)
    doc = nlp("We train ZorbNet on the FooBank dataset.")
    copied = doc.copy()
    original, copy = state(doc), state(copied)
    assert copy is not original
    assert copy.text == original.text and copy.words.words == original.words.words
    assert [e.key for e in copy.entities] == [e.key for e in original.entities]
