"""A spaCy tokenizer whose tokens are the extractor's own words (words.py).

The Doc's tokens are those words, the punctuation runs between them and whitespace other
than a single trailing space, so `doc.text` equals the input and every character offset
the rules compute is a token boundary. The words themselves travel with the Doc in a
`DocState` (doc.user_data), where the components read them as plain lists: attribute
access on spaCy tokens would cost more than the whole matching.
"""

from __future__ import annotations

import re
from itertools import compress

from spacy.tokens import Doc
from spacy.util import registry
from spacy.vocab import Vocab

from kg.extractors.state import STATE_KEY, DocState
from kg.extractors.words import Words

_PIECES = re.compile(r"\s+|\S+")


class _GapCache(dict):
    """gap text -> (does it start with one space, tokens, their trailing-space flags).

    Gaps repeat ("", " ", ", ", ". ", " ("), so each is analysed once."""

    def __missing__(self, gap: str) -> tuple[bool, list[str], list[bool]]:
        lead = gap[:1] == " "
        rest = gap[1:] if lead else gap
        tokens: list[str] = []
        spaces: list[bool] = []
        for piece in _PIECES.findall(rest):
            if piece[0].isspace():
                if piece[0] == " " and tokens and not spaces[-1]:
                    spaces[-1] = True
                    piece = piece[1:]
                if not piece:
                    continue
            tokens.append(piece)
            spaces.append(False)
        value = (lead, tokens, spaces)
        if len(self) < 1 << 16:
            self[gap] = value
        return value


_GAPS = _GapCache()


def doc_words(words: Words) -> tuple[list[str], list[bool]]:
    """Tokens and trailing-space flags covering the text exactly, word boundaries kept.

    Most gaps are one space: the lists start as the words with "followed by one space"
    flags (built in C), and only the other gaps insert tokens, from the end so that
    earlier indices stay valid."""
    gaps = words.gaps
    tokens = list(words.words)
    spaces = list(map(" ".__eq__, gaps))
    for i in reversed(list(compress(range(len(gaps)), map(_ODD.__getitem__, gaps)))):
        lead, more, flags = _GAPS[gaps[i]]
        spaces[i] = lead
        tokens[i + 1:i + 1] = more
        spaces[i + 1:i + 1] = flags
    if words.lead:
        lead, more, flags = _GAPS[words.lead]
        if lead:
            more, flags = [" ", *more], [False, *flags]
        tokens[0:0] = more
        spaces[0:0] = flags
    return tokens, spaces


class _OddGaps(dict):
    """gap -> is it anything but one space or nothing (so it makes tokens of its own)?"""

    def __missing__(self, gap: str) -> bool:
        odd = gap != " " and gap != ""
        if len(self) < 1 << 16:
            self[gap] = odd
        return odd


_ODD = _OddGaps()


class _Orths(dict):
    """token text -> its hash in the vocab's StringStore. spaCy makes a Doc from these
    ids several times faster than from strings (it skips hashing every token again); the
    StringStore keeps every token's string either way."""

    def __init__(self, vocab: Vocab) -> None:
        super().__init__()
        self.strings = vocab.strings

    def __missing__(self, token: str) -> int:
        orth = self.strings.add(token)
        if len(self) < 1 << 18:
            self[token] = orth
        return orth


# Training (training.py) sees the same texts every epoch: it sets this to a dict, and each
# text's DocState, with the rules' results, is then made once and reused.
TRAINING_CACHE: dict[str, DocState] | None = None


class Tokenizer:
    """text -> Doc of the extractor's words, with the DocState attached."""

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab
        self._orths = _Orths(vocab)

    def __call__(self, text: str) -> Doc:
        cache = TRAINING_CACHE
        state = cache.get(text) if cache is not None else None
        if state is None:
            state = DocState(text)
            if cache is not None:
                cache[text] = state
        tokens, spaces = doc_words(state.words)
        orths = list(map(self._orths.__getitem__, tokens))
        doc = Doc(self.vocab, words=orths, spaces=spaces)
        state.token_starts = doc.to_array("IDX").tolist()  # one C pass
        doc.user_data[STATE_KEY] = state
        return doc

    def pipe(self, texts, batch_size: int = 1000):
        for text in texts:
            yield self(text)

    # spaCy serialises a pipeline's tokenizer; this one has no settings to save
    def to_bytes(self, **kwargs) -> bytes:
        return b""

    def from_bytes(self, data: bytes, **kwargs) -> Tokenizer:
        return self

    def to_disk(self, path, **kwargs) -> None:
        return None

    def from_disk(self, path, **kwargs) -> Tokenizer:
        return self


@registry.tokenizers("kg.Tokenizer.v1")
def create_tokenizer():
    def make(nlp) -> Tokenizer:
        return Tokenizer(nlp.vocab)

    return make
