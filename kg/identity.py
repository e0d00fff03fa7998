"""Paper identity: which records describe the same paper, and the IRI path that paper gets.

A paper is its arXiv id, else its DOI, else its PMID, else a hash of its normalised title
(or abstract opening). Records of one paper meet on any shared key: an id, the title key or
the abstract key; two different arXiv ids never become one paper. Change identity here: the
reading stage (kg.reading), the graph mapping (kg.graph), the store's reconciliation
with earlier builds (kg.reconcile) and scoring (kg.evaluate) all take their keys from this
module.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import quote

from kg.records import PaperRecord
from kg.text import fold_ascii

# Every ASCII character that is not a lower-case letter or digit, for str.translate: several
# times faster than a regex substitution, and keys are computed for every record.
_DROP = {i: None for i in range(128) if not (chr(i).isdigit() or "a" <= chr(i) <= "z")}


def title_key(title: str) -> str:
    """Normalised title for matching: ASCII fold, lower case, alphanumerics only."""
    return fold_ascii(title).lower().translate(_DROP)


def abstract_key(abstract: str | None) -> str | None:
    """Hash of an abstract's normalised opening: recognises a paper listed without id or title.

    The opening, not the whole text, because listings cut abstracts short ("Shortened
    Abstract", trailing "…"); too short an opening is not distinctive and gives None.
    """
    text = abstract or ""
    # Normalising a prefix is enough when it already yields the 120 characters needed.
    opening = title_key(text[:400])[:120]
    if len(opening) < 120:
        opening = title_key(text)[:120]
    if len(opening) < 60:
        return None
    return hashlib.sha1(opening.encode("ascii")).hexdigest()[:24]


def text_keys(record: PaperRecord) -> list[str]:
    """The title and abstract keys a stored paper can be recognised by (kg:titleKey,
    kg:abstractKey), for records that bring no arXiv id."""
    keys = [title_key(record.title)] if record.title else []
    if akey := abstract_key(record.abstract):
        keys.append(akey)
    return [k for k in keys if k]


def _hash(text: str, length: int) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:length]


def paper_path(record: PaperRecord) -> str:
    """Base-free path of a paper: arXiv id, else DOI, else PMID, else a title (or abstract) hash."""
    if record.arxiv:
        return f"paper/arxiv/{quote(record.arxiv, safe='.')}"
    if record.doi:
        return f"paper/doi/{quote(record.doi.lower(), safe='./()-_')}"
    if record.pmid:
        return f"paper/pmid/{quote(record.pmid, safe='')}"
    key = title_key(record.title or "") or "abstract:" + title_key((record.abstract or "")[:300])
    return f"paper/title/{_hash(key, 16)}"


# ------------------------------------------------------------- one build's identity pass


def _digest(kind: str, value: str) -> bytes:
    # 12 bytes keep the first-pass index small while collisions stay out of reach.
    return hashlib.blake2b(f"{kind}\x00{value}".encode(), digest_size=12).digest()


def record_keys(record: PaperRecord) -> list[bytes]:
    """Every identity key of a record as a short digest, the deciding one first (the arXiv
    id when there is one). Empty when the record has no id, title or abstract."""
    keys = []
    if record.arxiv:
        keys.append(_digest("arxiv", record.arxiv))
    if record.doi:
        keys.append(_digest("doi", record.doi.lower()))
    if record.pmid:
        keys.append(_digest("pmid", record.pmid))
    if record.title and (tk := title_key(record.title)):
        keys.append(_digest("title", tk))
    if akey := abstract_key(record.abstract):
        keys.append(_digest("abstract", akey))
    return keys


class Identities:
    """Union-find over identity keys; two different arXiv ids never end up as one paper.

    Not networkx's UnionFind: every union here first checks the arXiv ids of both sides, and
    the index of a large corpus stays one dict of parents.
    """

    def __init__(self) -> None:
        self.parent: dict[bytes, bytes] = {}
        self.arxiv: dict[bytes, str] = {}  # root -> arXiv id of the component

    def find(self, key: bytes) -> bytes:
        parent = self.parent.setdefault(key, key)
        while parent != key:
            grand = self.parent[parent]
            self.parent[key] = grand
            key, parent = parent, grand
        return key

    def add(self, keys: list[bytes], arxiv: str | None) -> None:
        """Join the keys of one record (from `record_keys`), unless ids conflict."""
        if not keys:
            return
        root = self.find(keys[0])
        if arxiv:
            if self.arxiv.setdefault(root, arxiv) != arxiv:
                return  # conflicting ids: keep the record's own keys apart
        for key in keys[1:]:
            other = self.find(key)
            if other == root:
                continue
            a, b = self.arxiv.get(root), self.arxiv.get(other)
            if a and b and a != b:
                continue
            self.parent[other] = root
            if b and not a:
                self.arxiv[root] = b


# ------------------------------------------------------------------------------ scoring


def match_keys(
    arxiv: str | None, title: str | None, abstract: str | None
) -> tuple[str | None, str, str]:
    """How a predicted paper pairs with a gold one (the shared corpus scorer's rules): arXiv
    id without version, else title key, else the key of the abstract's first 60 characters."""
    if arxiv:
        arxiv = re.sub(r"v\d+$", "", arxiv)
    return arxiv, title_key(title or ""), title_key((abstract or "")[:60])
