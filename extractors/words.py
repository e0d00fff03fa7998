"""Word and sentence segmentation on character offsets.

spaCy's tokenizer splits "LLaVA-Med" into three tokens; names are matched on these
"words" instead: runs of letters and digits joined by hyphens, apostrophes, dots or "&"
("nnU-Net", "ISLES'22", "GPT-3.5", "H&E", "U-Net++"). "/" separates ("PET/CT").
"""

from __future__ import annotations

import re
from bisect import bisect_right

WORD_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_]*(?:[-\u2010\u2011\u2013'\u2019.&][A-Za-z0-9_]+)*\+*")
_POSSESSIVE = re.compile(r"['\u2019]s$")
# links name repositories and users, not entities ("github.com/OnofreyLab/...")
_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w.-]+\.(?:com|org|io|net|edu|ai)/\S*")
# "U-Net-based", "SAM-guided": the affix is not part of the name
_AFFIXES = frozenset(
    "based like style guided driven generated derived assisted enhanced powered specific "
    "level wise only free aware inspired type family series variant variants version "
    "versions pretrained trained tuned finetuned fine initialized compatible labeled "
    "labelled annotated augmented supervised conditioned centric oriented scale "
    "scans scan images image slices volumes data sequences reports on in of".split()
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[\"'])|\n\s*\n|\n(?=[A-Z])")


def split_words(text: str) -> list[tuple[int, int, str]]:
    """(start, end, word) for every word; a trailing possessive "'s" is not part of it."""
    out = []
    urls = [(u.start(), u.end()) for u in _URL.finditer(text)] if "/" in text else []
    append = out.append
    for m in WORD_RE.finditer(text):
        word = m.group()
        start = m.start()
        if not urls and "-" not in word and "'" not in word and "\u2019" not in word:
            append((start, start + len(word), word))  # the common case: a plain word
            continue
        end = start + len(word)
        if urls and any(a <= start < b for a, b in urls):
            continue
        if _POSSESSIVE.search(word) and len(word) > 2:
            word = word[:-2]
            end -= 2
        if "-" in word:
            parts = word.split("-")
            # "models-MobileNet", "non-CT": a lower-case word glued before a name
            lead = 0
            while (lead < len(parts) - 1 and len(parts[lead]) > 2 and parts[lead].islower()
                   and parts[lead + 1][:1].isupper()):
                lead += 1
            if lead:
                cut = sum(len(p) + 1 for p in parts[:lead])
                start, word, parts = start + cut, word[cut:], parts[lead:]
            keep = len(parts)
            while keep > 1 and parts[keep - 1] in _AFFIXES:
                keep -= 1
            if keep < len(parts):
                core = "-".join(parts[:keep])
                out.append((start, start + len(core), core))
                rest = start + len(core) + 1
                out.append((rest, end, word[len(core) + 1:]))
                continue
        out.append((start, end, word))
    return out


def sentence_starts(text: str) -> list[int]:
    """Start offsets of sentences; a cheap splitter (no abbreviation handling needed
    for provenance: the sentence is context, not an identifier)."""
    return [0] + [m.end() for m in _SENTENCE_END.finditer(text)]


def sentence_of(text: str, starts: list[int], offset: int) -> tuple[int, int]:
    """Character span of the sentence containing `offset`."""
    i = bisect_right(starts, offset) - 1
    begin = starts[i]
    end = starts[i + 1] if i + 1 < len(starts) else len(text)
    while end > begin and text[end - 1].isspace():
        end -= 1
    return begin, end
