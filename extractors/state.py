"""What the components know about one doc, kept in `doc.user_data` as plain lists.

spaCy's `doc._` extensions build an object per access; the components call into this
state thousands of times per doc, so they share one `DocState` instead. Results are also
written to `doc.spans` (see factories.py), which is what users of the pipeline read.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import TYPE_CHECKING

from spacy.tokens import Doc

from kg.extractors.words import Words, sentence_starts, split

if TYPE_CHECKING:
    from kg.extractors.candidates import Candidate, Group
    from kg.extractors.resolve import Resolved

STATE_KEY = "kg_state"
FIELD_SEPARATOR = "\n\n"  # between a paper's title and abstract in the doc text


class DocState:
    """Words, definitions, candidates and entities of one doc; sentences on demand."""

    __slots__ = ("text", "title_end", "words", "definitions", "candidates", "groups",
                 "group_tokens", "fixed", "entities", "rules_done", "token_starts",
                 "write_spans", "_sentences")

    # `text` has a default because copy.deepcopy (spaCy's Doc.copy copies user_data) rebuilds
    # a mypyc-compiled object through its __init__ before restoring its fields
    def __init__(self, text: str = "") -> None:
        self.text = text
        self.title_end = max(text.find(FIELD_SEPARATOR), 0)
        self.words: Words = split(text)
        self.definitions: list[tuple[int, int, int, int]] = []
        self.candidates: list[Candidate] = []
        self.groups: list[Group] = []
        self.group_tokens: list[tuple[int, int]] | None = None  # see classifier.py
        self.fixed: list[Resolved] = []  # modality and task mentions: final when found
        self.entities: list[Resolved] = []  # every final mention (kg_entities)
        self.token_starts: list[int] | None = None  # char offset of each token of the Doc
        self.rules_done = False  # set by kg_candidates; a reused state skips the rules
        # off when the caller reads the results here, not in doc.spans (Extractor.extract)
        self.write_spans = True
        self._sentences: list[int] | None = None

    def token_range(self, start: int, end: int) -> tuple[int, int]:
        """Token range covering characters [start, end): exact on the extractor's words,
        which are token boundaries of its tokenizer; widened to whole tokens otherwise."""
        starts = self.token_starts
        assert starts is not None
        first = bisect_right(starts, start) - 1
        last = bisect_left(starts, end)
        return max(first, 0), max(last, first + 1)

    def sentence_starts(self) -> list[int]:
        if self._sentences is None:
            self._sentences = sentence_starts(self.text)
        return self._sentences


def state(doc: Doc) -> DocState:
    """The doc's state; a doc from another tokenizer gets one made from its text."""
    st = doc.user_data.get(STATE_KEY)
    if st is None:
        st = doc.user_data[STATE_KEY] = DocState(doc.text)
    if st.token_starts is None or len(st.token_starts) != len(doc):
        st.token_starts = [t.idx for t in doc]  # a doc from another tokenizer
    return st

