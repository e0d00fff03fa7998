"""The extractor over spacy.blank("en") on made-up sentences."""

from __future__ import annotations

import pytest

from kg.extractors import Extractor, entities
from kg.records import PaperRecord


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor()


def run(extractor: Extractor, abstract: str, title: str | None = None):
    record = PaperRecord(title=title, abstract=abstract)
    return record, extractor.extract([record])[0]


def keys(mentions, kind: str) -> set[str]:
    return {m.entity_key for m in mentions if m.kind == kind}


def test_kinds_and_vocabulary(extractor):
    _, ms = run(extractor, "We fine-tuned nnU-Net on the BraTS 2021 challenge data "
                           "and compared it with GPT-4V on chest radiographs and brain MRI.")
    assert "model/nnu-net" in keys(ms, "model")
    assert "model/gpt-4v" in keys(ms, "model")
    assert "dataset/brats-2021" in keys(ms, "dataset")
    assert keys(ms, "modality") == {"modality/x-ray", "modality/mri"}


def test_aliases_merge_into_one_entity(extractor):
    _, ms = run(extractor, "A UNet baseline and a U-Net with attention; the Unet decoder "
                           "was shared. The Segment Anything Model (SAM) was frozen, and SAM "
                           "masks were refined.")
    assert {m.entity_key for m in ms if m.kind == "model"} == {
        "model/u-net", "model/segment-anything-model"}
    ents = entities(ms)["models"]
    sam = next(e for e in ents if e["id"] == "model/segment-anything-model")
    assert set(sam["mentions"]) == {"Segment Anything Model", "SAM"}


def test_offsets_point_into_the_field(extractor):
    record, ms = run(extractor, "A first sentence. Our LLaVA-Med variant reads CT scans.",
                     title="ToyNet: a tiny net for PET")
    assert ms
    for m in ms:
        text = record.title if m.field == "title" else record.abstract
        assert text[m.start:m.end] == m.surface
        # The sentence is a span of the same text around the mention, without its edge spaces.
        assert 0 <= m.sentence_start <= m.start < m.end <= m.sentence_end <= len(text)
        sentence = text[m.sentence_start:m.sentence_end]
        assert sentence == sentence.strip()
        assert 0.0 <= m.confidence <= 1.0
        assert m.extractor.startswith("kg_")
    assert any(m.field == "title" and m.kind == "modality" and m.name == "PET" for m in ms)
    assert "model/llava-med" in keys(ms, "model")
    llava = next(m for m in ms if m.entity_key == "model/llava-med")
    assert record.abstract[llava.sentence_start:llava.sentence_end] == (
        "Our LLaVA-Med variant reads CT scans.")


def test_unseen_names_from_rules(extractor):
    _, ms = run(extractor, "We propose the Tiny Lesion Transformer (TLT), trained on the "
                           "Foobar, Quxbaz and Zorblat datasets. We also release "
                           "GlimmerSeg-12K, a new benchmark.")
    by_key = {m.entity_key: m for m in ms}
    tlt = by_key["model/tiny-lesion-transformer"]
    assert tlt.role == "proposed"
    assert {"dataset/foobar", "dataset/quxbaz", "dataset/zorblat"} <= keys(ms, "dataset")
    assert "dataset/glimmerseg-12k" in keys(ms, "dataset")
    # the defined short form is a mention of the same entity
    assert {m.surface for m in ms if m.entity_key == tlt.entity_key} == {
        "Tiny Lesion Transformer", "TLT"}


def test_generic_words_and_metrics_are_not_entities(extractor):
    _, ms = run(extractor, "Convolutional neural networks (CNNs), vision transformers and "
                           "large language models (LLMs) were compared by Dice, AUC and the "
                           "mean absolute error (MAE) in PyTorch.")
    assert keys(ms, "model") == set()
    assert keys(ms, "dataset") == set()


def test_variants_and_editions(extractor):
    _, ms = run(extractor, "ResNet-50 and ResNet-101 backbones were tested on ISIC 2018 "
                           "and ISIC 2019.")
    assert {"model/resnet-50", "model/resnet-101"} <= keys(ms, "model")
    assert {"dataset/isic-2018", "dataset/isic-2019"} <= keys(ms, "dataset")


def test_hyphen_affixes_are_not_part_of_names(extractor):
    _, ms = run(extractor, "A U-Net-based segmenter and SAM-guided prompts.")
    surfaces = {m.surface for m in ms if m.kind == "model"}
    assert surfaces == {"U-Net", "SAM"}


def test_entities_contract(extractor):
    _, ms = run(extractor, "We introduce FooBarNet, a novel framework, evaluated on "
                           "MIMIC-CXR chest X-rays.")
    ents = entities(ms)
    assert set(ents) == {"models", "datasets", "modalities", "tasks"}
    model = next(e for e in ents["models"] if e["id"] == "model/foobarnet")
    assert model["role"] == "proposed" and model["mentions"] == ["FooBarNet"]
    assert ents["modalities"] == [{"id": "modality/x-ray", "name": "X-ray", "notation": "CR"}]
    assert [d["id"] for d in ents["datasets"]] == ["dataset/mimic-cxr"]


def test_batch_keeps_record_order(extractor):
    records = [PaperRecord(abstract="CT only."), PaperRecord(abstract=None, title=None),
               PaperRecord(abstract="Ultrasound only.")]
    out = extractor.extract(records)
    assert [[m.name for m in ms] for ms in out] == [["CT"], [], ["Ultrasound"]]


def test_config_hash_is_stable(extractor):
    assert extractor.config_hash == Extractor().config_hash
    assert len(extractor.config_hash) == 40


def test_results_are_spans_with_labels_and_kb_ids(extractor):
    text = "Title\n\nWe propose ZapNet, a novel network, for CT scans."
    doc = extractor.nlp(text)
    assert doc.text == text  # the tokens cover the text exactly
    assert "ZapNet" in [t.text for t in doc]
    found = {(s.text, s.label_, s.kb_id_) for s in doc.spans["kg_entities"]}
    assert ("ZapNet", "MODEL", "model/zapnet") in found
    assert any(t.startswith("CT") and (label, kb) == ("MODALITY", "modality/ct")
               for t, label, kb in found)
    # every candidate entity is a span too, labelled with the rules' guess
    assert "ZapNet" in {s.text for s in doc.spans["kg_candidates"]}


def test_extract_gives_the_mentions_the_pipeline_writes_as_spans(extractor):
    # extract() skips writing doc.spans (it reads the results directly): same results
    record = PaperRecord(title="ZapNet: a Network",
                         abstract="We train ZapNet on the Blip dataset and compare it with "
                                  "U-Net on CT and MRI scans; ZapNet wins.")
    doc = extractor.nlp(record.title + "\n\n" + record.abstract)
    split = len(record.title) + 2
    spans = [(s.label_.lower(), s.kb_id_, s.start_char - (0 if s.end_char < split else split))
             for s in doc.spans["kg_entities"]]
    mentions = [(m.kind, m.entity_key, m.start) for m in extractor.extract([record])[0]]
    assert len(mentions) >= 5 and mentions == spans


def test_repeated_words_are_found_at_every_occurrence(extractor):
    # per-word caches must not lose the second occurrence or its offsets
    text = "Blipformer beats U-Net. Later, Blipformer and U-Net-based Blipformer agree."
    record, ms = run(extractor, text)
    spans = [(m.start, m.end) for m in ms if m.surface in ("Blipformer", "U-Net")]
    assert len(spans) == 5
    for m in ms:
        assert record.abstract[m.start:m.end] == m.surface


def test_capital_v_versions_are_variants(extractor):
    _, ms = run(extractor, "We compared InceptionV3 and MobileNetV2 backbones.")
    assert {"model/inceptionv3", "model/mobilenetv2"} <= keys(ms, "model")


def test_plurals_in_ies(extractor):
    _, ms = run(extractor, "A set of pediatric echocardiographies and mammographies.")
    assert keys(ms, "modality") == {"modality/ultrasound", "modality/mammography"}
