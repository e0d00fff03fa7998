"""Latency of every named question (kg/queries/*.rq): Oxigraph store vs rdflib in memory.

    .venv/bin/python bench/queries.py --store /tmp/medimg-kg-bench/store-100000

Runs each named query (kg.query.list_queries, parameters bound with kg.query.bind to
values the generated corpus contains) --repeat times on the on-disk store and reports
p50/p95 in ms. The same bound query text then runs on an rdflib in-memory Graph holding
the first --rdflib-papers papers of the store: rdflib needs roughly a kilobyte of RAM per
triple, so all 100k papers (~10M triples) do not fit. rdflib on a smaller graph is faster,
so the printed speed-up is a lower bound.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyoxigraph as ox  # noqa: E402

# Values present in a bench/generate.py corpus, by parameter name.
# ("BraTS" alone is not in a generated corpus, only BraTS-2024 and other editions.)
BENCH_PARAMS = {"author": "Anna Schmidt", "dataset": "MIMIC-CXR", "model": "U-Net",
                "modality": "CT", "paper": "2001.00001", "entity": "PET", "year": "2020"}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def time_query(run, repeat: int, max_seconds: float = float("inf")) -> tuple[list[float], int]:
    timings, rows = [], 0
    for _ in range(repeat):
        if sum(timings) > max_seconds * 1000:
            break
        started = time.perf_counter()
        rows = sum(1 for _ in run())  # results stream: consume them all
        timings.append((time.perf_counter() - started) * 1000)
    return timings, rows


def subset_ntriples(store: ox.Store, papers: int) -> bytes:
    """The first `papers` papers (IRI order) with everything they own and link to, plus
    every node outside papers, people, organizations and code (ontology, schemes, entities)."""
    lines = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()).splitlines()
    query = ("SELECT ?p WHERE { ?p a <https://schema.org/ScholarlyArticle> } "
             f"ORDER BY ?p LIMIT {papers}")
    chosen = {f"<{row['p'].value}".encode() for row in store.query(query)}

    def owner(subject: bytes) -> bytes:
        # Roles, sources and mentions are minted under their paper's IRI.
        for marker in (b"/author/", b"/source/", b"/mention/"):
            head, sep, _ = subject.partition(marker)
            if sep:
                return head
        return subject.rstrip(b">")

    kept, linked = [], set()
    for line in lines:
        subject = line.split(b" ", 1)[0]
        if b"/paper/" in subject:
            if owner(subject) in chosen:
                kept.append(line)
                linked.add(line.split(b" ", 2)[2].rsplit(b" ", 1)[0])
        elif not any(m in subject for m in (b"/person/", b"/org/", b"/code/")):
            kept.append(line)
    kept += [line for line in lines
             if any(m in line.split(b" ", 1)[0] for m in (b"/person/", b"/org/", b"/code/"))
             and line.split(b" ", 1)[0] in linked]
    return b"\n".join(kept) + b"\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", required=True, help="a store built by `kg build`")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--rdflib-repeat", type=int, default=3)
    parser.add_argument("--rdflib-papers", type=int, default=10_000,
                        help="papers in the rdflib graph; 0 skips rdflib")
    parser.add_argument("--queries-dir", type=Path,
                        help="time the .rq files of this folder instead of kg/queries "
                             "(e.g. a copy of the old files, for before/after tables)")
    parser.add_argument("--only", action="append", help="only this query (repeatable)")
    parser.add_argument("--max-seconds", type=float, default=60.0,
                        help="stop repeating a query once its runs took this long (>= 1 run)")
    args = parser.parse_args(argv)

    import rdflib

    from kg.ontology import PREFIXES
    from kg.query import bind, list_queries, parse_named_query
    from kg.stats import store_stats
    from kg.store import open_store

    store = open_store(args.store, read_only=True)
    counts = store_stats(store)
    prefixes = dict(PREFIXES)
    queries = []
    named_queries = list_queries()
    if args.queries_dir:
        named_queries = sorted((parse_named_query(f.stem, f.read_text(encoding="utf-8"))
                                for f in args.queries_dir.glob("*.rq")), key=lambda q: q.name)
    for named in named_queries:
        if args.only and named.name not in args.only:
            continue
        values = {p.name: BENCH_PARAMS[p.name] for p in named.params if p.name in BENCH_PARAMS}
        queries.append((named.name, bind(named.text, values, named.params)))

    started = time.perf_counter()
    graph = rdflib.Graph()
    if args.rdflib_papers:
        graph.parse(data=subset_ntriples(store, args.rdflib_papers), format="nt")
    for prefix, iri in prefixes.items():
        graph.bind(prefix, iri)
    load_s = time.perf_counter() - started

    print(f"store: {counts.get('papers')} papers, {counts.get('triples')} triples; rdflib Memory: "
          f"{args.rdflib_papers} papers, {len(graph)} triples (loaded in {load_s:.0f} s)")
    print(f"{'query':<28} {'rows':>6} {'ox p50':>9} {'ox p95':>9} {'rdflib p50':>11} "
          f"{'speed-up':>9}")
    for name, text in queries:
        ox_ms, rows = time_query(lambda t=text: store.query(t, prefixes=prefixes), args.repeat,
                                 args.max_seconds)
        p50 = statistics.median(ox_ms)
        line = f"{name:<28} {rows:>6} {p50:>8.1f}ms {percentile(ox_ms, 0.95):>8.1f}ms"
        if args.rdflib_papers:
            rdf_ms, _ = time_query(lambda t=text: graph.query(t, initNs=prefixes),
                                   args.rdflib_repeat, args.max_seconds)
            rdf_p50 = statistics.median(rdf_ms)
            line += f" {rdf_p50:>10.1f}ms {rdf_p50 / p50:>8.0f}x"
        if rows == 0:
            line += "  (0 rows: pick a value the store holds)"
        print(line, flush=True)


if __name__ == "__main__":
    main()
