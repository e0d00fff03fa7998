"""Name shapes and the word lists the rules share (generic words, head nouns, cues)."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from kg.extractors.normalize import loose_key

MODEL_HEADS = frozenset(
    "model models network networks net nets architecture architectures framework frameworks "
    "method approach pipeline agent agents backbone backbones encoder encoders detector "
    "segmenter classifier transformer transformers llm llms vlm vlms".split()
)
DATASET_HEADS = frozenset(
    "dataset datasets database databases benchmark benchmarks challenge challenges cohort "
    "cohorts corpus archive collection collections repository registry atlas initiative "
    "consortium".split()
)
# capitalised words in a name that still end it on the left ("The", "Using")
STOP_CAPS = frozenset(
    "the a an this these that those our we in on for with from using to of by as at and or "
    "both each all when while after before during via its their it is are was were be "
    "compared between across into than unlike like including such".split()
)
GENERIC_SUFFIX_PARTS = frozenset(
    "based like style guided driven generated derived assisted enhanced powered specific "
    "level wise only free aware inspired type family series variant variants version "
    "versions pretrained trained tuned finetuned fine initialized compatible labeled "
    "labelled annotated augmented supervised conditioned centric oriented derived scale "
    "scans scan images image slices volumes data sequences reports".split()
)
GENERIC_PREFIX_PARTS = frozenset("non pre post multi cross semi self anti".split())

# words of descriptions ("Large Multimodal Models", "Transfer Learning"): a name made only
# of these describes a kind of thing rather than naming one
DESCRIPTIVE = frozenset(
    "large medical multimodal multi-modal vision language visual foundation model models graph "
    "learning transfer multi-task task deep neural network networks classifier artificial "
    "general intelligence pretraining pre-training fine-tuning finetuning image images imaging "
    "analysis segmentation classification detection few-shot zero-shot self-supervised "
    "supervised unsupervised semi-supervised contrastive generative diffusion adversarial "
    "attention cross-attention fusion framework architecture approach method adaptive "
    "efficient lightweight robust fair novel diagnosis vision-language clinical universal "
    "unified knowledge distillation continual active federated explainable interpretable "
    "transformer transformers convolutional recurrent residual encoder decoder module space "
    "latent continuous discrete representation embedding prompt prompting reasoning retrieval "
    "augmented generation synthesis registration reconstruction data dataset benchmark "
    "challenge report perception spatial scale multi-scale hybrid dual two-stage end-to-end "
    "and of for with the in on a an based system systems tool agent agents pipeline".split()
)


@lru_cache(maxsize=1 << 16)
def is_description(name: str) -> bool:
    """Only description words: "Large Multimodal Models", "Multi-Task Learning"."""
    words = [w.lower() for w in re.split(r"[\s/]+", name) if w]
    return bool(words) and all(
        w in DESCRIPTIVE or w.rstrip("s") in DESCRIPTIVE or is_generic(w) for w in words
    )


_CAMEL = re.compile(r"[a-z][A-Z]|[A-Z]{2,}[a-z]{2,}|[A-Z][a-z]+[A-Z]")
_MODEL_SUFFIX = re.compile(
    r"[A-Za-z0-9](?:-?(?:Net|NET|Former|former|SAM|CLIP|GPT|BERT|ViT|UNet|UNETR|Unet|Diff|"
    r"Seg|LLM|VLM|GAN|Mamba|LLaVA|Med|DINO|Path|Rad|Det|Gen|Fusion|Mixer|Agent|Bot|Ex))\+*$"
)
_DATASET_SUFFIX = re.compile(r"-\d+(?:\.\d+)?[KMB]$|Bench$|-Bench|VQA|QA$|MNIST|-CXR\b")
_ACRONYM = re.compile(r"[A-Z][A-Z0-9&]*[A-Z0-9](?:-[A-Z0-9]+)*\+*$")
_LETTERS_DIGITS = re.compile(r"[A-Za-z](?=.*[A-Za-z])(?=.*\d)")
_UNIT_TAIL = re.compile(r"[-\d.]+$")  # "mAP50-95" is the metric mAP
_YEAR = re.compile(r"(?:19|20)\d{2}$")


@lru_cache(maxsize=1)
def generic_keys() -> frozenset[str]:
    """Loose keys of generic.txt (package data)."""
    text = resources.files("kg.extractors").joinpath("generic.txt").read_text(encoding="utf-8")
    keys = (loose_key(line) for line in text.splitlines() if line and not line.startswith("#"))
    return frozenset(k for k in keys if k)


@lru_cache(maxsize=1 << 16)
def is_generic(name: str) -> bool:
    """Generic word or family, also in the plural ("CNNs", "Vision Transformers")."""
    key = loose_key(name)
    generic = generic_keys()
    return key in generic or (key.endswith("s") and key[:-1] in generic) or key.isdigit()


@lru_cache(maxsize=1 << 16)
def is_acronym(word: str) -> bool:
    """"QFN", "ABCD", "ABC-XYZ": capitals (and digits), two letters at least."""
    return bool(_ACRONYM.match(word)) and sum(ch.isalpha() for ch in word) >= 2


@lru_cache(maxsize=1 << 16)
def is_strong_name(word: str) -> bool:
    """Shapes that are names on their own: CamelCase ("ZorbNeXt", "pQRS"), model
    suffixes ("K7QX-Net", "FooCLIP-SAMv2"), dataset sizes ("ScanBank-160K")."""
    if len(word) < 4 or not (
        _CAMEL.search(word) or _MODEL_SUFFIX.search(word) or _DATASET_SUFFIX.search(word)
    ):
        return False
    return not is_generic(word) and not is_generic(_UNIT_TAIL.sub("", word))


@lru_cache(maxsize=1 << 16)
def has_name_suffix(word: str) -> bool:
    """-Net, -Former, -SAM ... or a dataset size: a name even when seen once."""
    return bool(_MODEL_SUFFIX.search(word) or _DATASET_SUFFIX.search(word))


@lru_cache(maxsize=1 << 16)
def is_namey(word: str) -> bool:
    """A word that can be part of a name: capitalised, acronym, digits with letters, year."""
    if word.lower() in STOP_CAPS:
        return False
    if _YEAR.match(word):
        return True
    first = word[0]
    return first.isupper() or (first.isdigit() and any(ch.isalpha() for ch in word)) or (
        any(ch.isupper() for ch in word[1:])
    )


def is_plain_title(word: str) -> bool:
    """"Dallas", "Image": capital first letter, rest lower case letters."""
    return word[:1].isupper() and word[1:].islower() and word.isalpha()


@lru_cache(maxsize=1 << 16)
def looks_like_dataset(name: str) -> bool:
    return bool(_DATASET_SUFFIX.search(name))


def is_year(word: str) -> bool:
    return bool(_YEAR.match(word))


@lru_cache(maxsize=1 << 16)
def has_letters_and_digits(word: str) -> bool:
    return bool(_LETTERS_DIGITS.match(word))
