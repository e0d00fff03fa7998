"""Answering one SPARQL 1.1 Protocol request on an open store: the query, the graphs it
names, and the serialization the client's Accept header asks for.

Runs inside a kg.sandbox worker for `kg serve`; kept apart from kg.serve (the HTTP side) so
the worker does not import the server.
"""

from __future__ import annotations

import contextlib
from typing import IO, Any, Protocol, cast

import pyoxigraph as ox

from kg.errors import QueryError

_RESULT_FORMATS = [ox.QueryResultsFormat.JSON, ox.QueryResultsFormat.XML,
                   ox.QueryResultsFormat.CSV, ox.QueryResultsFormat.TSV]
_GRAPH_FORMATS = [ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES, ox.RdfFormat.JSON_LD,
                  ox.RdfFormat.RDF_XML, ox.RdfFormat.N3]



class Output(Protocol):
    """Where an answer is written: a binary file, or anything with its write and flush."""

    def write(self, data: bytes) -> int: ...

    def flush(self) -> None: ...


def answer_query(store: ox.Store, request: dict[str, Any], output: Output) -> dict[str, Any]:
    """Run one protocol request on `store` and write the negotiated serialization to `output`.

    Runs inside a worker. Returns {"status": 200, "type": media type} or {"status": code,
    "message": text}; the caller sends the body only with 200.
    """
    from kg import query as q

    text = request["query"]
    if not request.get("allow_remote"):
        try:
            q.refuse_remote(text, "this endpoint was not started with --allow-remote")
        except QueryError as exc:
            return {"status": 403, "message": str(exc)}
    try:
        default: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] = [
            ox.NamedNode(iri) for iri in request.get("default_graph") or []]
        named: list[ox.NamedNode | ox.BlankNode] = [
            ox.NamedNode(iri) for iri in request.get("named_graphs") or []]
    except ValueError as exc:
        return {"status": 400, "message": f"invalid graph IRI: {exc}"}
    # pyoxigraph calls only write() and flush() on a Python file object; its stubs say IO.
    sink = cast(IO[bytes], output)
    try:
        result = store.query(text, default_graph=default or None, named_graphs=named or None)
        if isinstance(result, ox.QueryTriples):
            graph_format = _negotiate(request.get("accept", ""), _GRAPH_FORMATS)
            ox.serialize(result, sink, graph_format)
            media = graph_format.media_type
        else:
            results_format = _negotiate(request.get("accept", ""), _RESULT_FORMATS)
            result.serialize(sink, results_format)
            media = results_format.media_type
    except SyntaxError as exc:
        return {"status": 400, "message": str(exc).strip()}
    except (OSError, RuntimeError, ValueError) as exc:
        return {"status": 500, "message": f"query failed: {str(exc).strip() or exc}"}
    output.flush()
    return {"status": 200, "type": media}


def _negotiate(accept: str, formats: list[Any]) -> Any:
    """The first of `formats` that the Accept header asks for (by q-value), else the first.

    Answering an unknown or unsupported Accept with the default rather than 406 is what
    RFC 9110 allows and what SPARQL clients that send odd Accept headers expect.
    """
    wanted: list[tuple[float, int, str]] = []
    for position, item in enumerate(accept.split(",")):
        media, *options = [part.strip() for part in item.split(";")]
        weight = 1.0
        for option in options:
            key, _, value = option.partition("=")
            if key.strip().lower() == "q":
                with contextlib.suppress(ValueError):
                    weight = float(value)
        if media and weight > 0:
            wanted.append((-weight, position, media.lower()))
    for _, _, media in sorted(wanted):
        for fmt in formats:
            if media == fmt.media_type or (media not in ("*/*", "") and
                                           type(fmt).from_media_type(media) == fmt):
                return fmt
        if media in ("*/*", "application/*", "text/*"):
            return formats[0]
    return formats[0]
