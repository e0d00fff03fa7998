"""Streaming XML for the API readers (arXiv Atom, PubMed): one element tree per record.

The files come from the network, so they go through defusedxml's expat parser: entity
declarations (the "billion laughs" kind, or an external entity naming a local file) are
refused, and no external DTD or entity is ever fetched (PubMed files name their DTD by URL;
it is skipped, not read). Lines are fed as they are read, and only the record being read
is held as an element tree, so a PubMed file of any size streams in constant memory.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from xml.sax import SAXParseException
from xml.sax.handler import ContentHandler, feature_external_ges, feature_namespaces
from xml.sax.xmlreader import Locator

from defusedxml import DefusedXmlException
from defusedxml.expatreader import create_parser

from kg.errors import InputError


def _tag(name: tuple[str | None, str]) -> str:
    uri, local = name
    return f"{{{uri}}}{local}" if uri else local


class _RecordBuilder(ContentHandler):
    """Builds an Element for each record-level element; everything outside is only checked."""

    def __init__(self, record_tags: frozenset[str]) -> None:
        super().__init__()
        self.record_tags = record_tags
        self.root: str | None = None
        self.root_line = 0
        self.stack: list[ET.Element] = []
        self.start_line = 0
        self.done: list[tuple[int, ET.Element]] = []
        self.locator: Locator | None = None

    def setDocumentLocator(self, locator: Locator) -> None:  # noqa: N802 (SAX API)
        self.locator = locator

    def line(self) -> int:
        return (self.locator.getLineNumber() or 0) if self.locator is not None else 0

    def startElementNS(self, name, qname, attrs) -> None:  # noqa: N802 (SAX API)
        tag = _tag(name)
        attrib = {_tag(key): value for key, value in attrs.items()}
        if self.root is None:
            self.root, self.root_line = tag, self.line()
        if self.stack:
            self.stack.append(ET.SubElement(self.stack[-1], tag, attrib))
        elif tag in self.record_tags:
            self.start_line = self.line()
            self.stack.append(ET.Element(tag, attrib))

    def endElementNS(self, name, qname) -> None:  # noqa: N802 (SAX API)
        if self.stack:
            element = self.stack.pop()
            if not self.stack:
                self.done.append((self.start_line, element))

    def characters(self, content: str) -> None:
        if not self.stack:
            return
        parent = self.stack[-1]
        if len(parent):
            parent[-1].tail = (parent[-1].tail or "") + content
        else:
            parent.text = (parent.text or "") + content


def iter_elements(
    lines: Iterable[tuple[int, str]], path: str, record_tags: frozenset[str],
    root_tags: frozenset[str], what: str,
) -> Iterator[tuple[int, ET.Element]]:
    """(line of its start tag, element) for every element named in `record_tags`, in order.

    InputError naming `path` and the line when the XML is not well-formed, declares
    entities, is cut short, or its root element is not one of `root_tags` (`what` names
    the expected kind of file in that message).
    """
    builder = _RecordBuilder(record_tags)
    # forbid_external=False only stops defusedxml from refusing the external DTD a PubMed
    # file names; with external general entities off the stdlib reader skips it unread, and
    # entity declarations stay forbidden.
    parser = create_parser(forbid_external=False)
    parser.setFeature(feature_namespaces, True)
    parser.setFeature(feature_external_ges, False)
    parser.setContentHandler(builder)
    builder.setDocumentLocator(parser)  # feed() never sets it; the parser is its own locator
    last = 0
    try:
        for number, text in lines:
            last = number
            parser.feed(text + "\n")
            if builder.root is not None and builder.root not in root_tags:
                raise InputError(path, f"not {what}: the root element is <{_local(builder.root)}>",
                                 builder.root_line)
            yield from builder.done
            builder.done.clear()
        parser.close()
    except SAXParseException as exc:
        raise InputError(path, f"malformed XML: {exc.getMessage()}",
                         exc.getLineNumber() or last) from None
    except DefusedXmlException as exc:
        raise InputError(path, f"XML with {_defused_reason(exc)} refused (unsafe)",
                         builder.line() or last) from None
    yield from builder.done


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _defused_reason(exc: DefusedXmlException) -> str:
    kind = type(exc).__name__
    if kind == "EntitiesForbidden":
        return f"an entity declaration ({getattr(exc, 'name', '?')})"
    if kind == "DTDForbidden":
        return "a document type declaration"
    return "an external reference"


def text_of(element: ET.Element | None) -> str:
    """All text inside `element`, inline markup dropped, whitespace squashed.

    A superscript right after a character becomes "^x" ("10<sup>4</sup>" -> "10^4",
    "CD4<sup>+</sup>" -> "CD4^+"), so numbers do not run together.
    """
    if element is None:
        return ""
    parts: list[str] = []
    # Iterative, so a hostile file nested thousands deep cannot exhaust the call stack.
    todo: list[ET.Element | str] = [element]
    while todo:
        item = todo.pop()
        if isinstance(item, str):
            parts.append(item)
            continue
        if item is not element and item.tag == "sup" and parts and parts[-1][-1:].isalnum():
            parts.append("^")
        if item.text:
            parts.append(item.text)
        for child in reversed(item):
            if child.tail:
                todo.append(child.tail)
            todo.append(child)
    return " ".join("".join(parts).split())
