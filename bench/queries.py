"""Latency of every named question (kg/queries/*.rq) on stores built by `kg build`.

    .venv/bin/python bench/queries.py --store /tmp/medimg-kg-bench/store-jsonl-100000-grouped \\
        --same-graph /tmp/medimg-kg-bench/store-jsonl-5000

--store: each question runs --repeat times on the on-disk store (read-only, as `kg query`
and `kg serve` open it); p50/p95 in ms, with the CPU-seconds the runs took.

--same-graph: the questions run on that store with Oxigraph and, over exactly the same
quads (default graph and the counts' named graphs, loaded from the store's own N-Quads
dump), with rdflib's in-memory Dataset; the answers are compared row by row (order of rows
and of GROUP_CONCAT parts ignored, numbers compared by value) and the speed-up printed.

Parameters are bound with kg.query.bind to values read from each store: the dataset and
modality named in BENCH_PARAMS, the author with the most papers, the paper with the first
arXiv id. The machine's load average is printed before and after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from decimal import Decimal, InvalidOperation
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyoxigraph as ox  # noqa: E402

from kg.ontology import KG  # noqa: E402

BENCH_PARAMS = {"dataset": "MIMIC-CXR", "modality": "CT"}
_PARTS = (", ", " | ")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def store_params(store: ox.Store) -> dict[str, str]:
    """Values of this store for every parameter a question takes."""
    params = dict(BENCH_PARAMS)
    author = next(iter(store.query(
        "SELECT ?name (COUNT(*) AS ?n) WHERE { ?role <https://schema.org/author> ?person . "
        "?person a <https://schema.org/Person> ; <https://schema.org/name> ?name } "
        "GROUP BY ?name ORDER BY DESC(?n) LIMIT 1")), None)
    if author is not None:
        params["author"] = author["name"].value
    paper = next(iter(store.query(
        f"SELECT ?id WHERE {{ ?p <{KG.arxivId}> ?id }} ORDER BY ?id LIMIT 1")), None)
    if paper is not None:
        params["paper"] = paper["id"].value
    return params


def questions(store: ox.Store, only: list[str] | None, folder: Path | None = None,
              given: dict[str, str] | None = None) -> list[tuple[str, str]]:
    from kg.query import bind, list_queries, parse_named_query

    params = {**store_params(store), **(given or {})}
    named_queries = list_queries()
    if folder is not None:
        named_queries = sorted((parse_named_query(f.stem, f.read_text(encoding="utf-8"))
                                for f in folder.glob("*.rq")), key=lambda q: q.name)
    out = []
    for named in named_queries:
        if only and named.name not in only:
            continue
        values = {p.name: params[p.name] for p in named.params if p.name in params}
        out.append((named.name, bind(named.text, values, named.params)))
    return out


def time_runs(run, repeat: int, max_seconds: float) -> tuple[list[float], float, list]:
    """Wall ms of each run, CPU-seconds of them all, and the rows of the last run."""
    timings: list[float] = []
    rows: list = []
    cpu = time.process_time()
    for _ in range(repeat):
        if sum(timings) > max_seconds * 1000:
            break
        started = time.perf_counter()
        rows = [tuple(row) for row in run()]  # results stream: consume them all
        timings.append((time.perf_counter() - started) * 1000)
    return timings, time.process_time() - cpu, rows


def _cell(term) -> str:
    if term is None:
        return ""
    text = str(term) if not hasattr(term, "value") else term.value
    text = str(text)
    try:
        return format(Decimal(text).normalize(), "f") if text.strip() else text
    except (InvalidOperation, ValueError):
        pass
    for sep in _PARTS:
        if sep in text:
            return sep.join(sorted(text.split(sep)))
    return text


def normalised(rows: list) -> list[tuple[str, ...]]:
    return sorted(tuple(_cell(t) for t in row) for row in rows)


def rdflib_dataset(store: ox.Store):
    import rdflib

    from kg.ontology import PREFIXES

    dataset = rdflib.Dataset()
    dataset.parse(data=store.dump(format=ox.RdfFormat.N_QUADS), format="nquads")
    for prefix, iri in PREFIXES.items():
        dataset.bind(prefix, iri)
    return dataset


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", help="a store built by `kg build` (e.g. 100,000 papers)")
    parser.add_argument("--same-graph", help="a smaller store both engines answer on")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--rdflib-repeat", type=int, default=3)
    parser.add_argument("--only", action="append", help="only this question (repeatable)")
    parser.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                        help="bind this value instead of the one read from the store")
    parser.add_argument("--queries-dir", type=Path,
                        help="time the .rq files of this folder instead of kg/queries "
                             "(e.g. a copy of older files, for before/after tables)")
    parser.add_argument("--max-seconds", type=float, default=60.0,
                        help="stop repeating a question once its runs took this long")
    args = parser.parse_args(argv)
    if not args.store and not args.same_graph:
        parser.error("give --store, --same-graph or both")

    from kg.ontology import PREFIXES
    from kg.stats import store_stats
    from kg.store import open_store

    prefixes = dict(PREFIXES)
    given = dict(spec.split("=", 1) for spec in args.param)
    print(f"load average before: {load()} ({os.cpu_count()} cores)")
    if args.store:
        store = open_store(args.store, read_only=True)
        counts = store_stats(store)
        print(f"\nOxigraph on {args.store}: {counts['papers']} papers, {counts['triples']} "
              f"triples; params {store_params(store) | given}")
        print(f"{'question':<26} {'rows':>6} {'p50':>9} {'p95':>9} {'CPU-s':>7} {'runs':>5}")
        for name, text in questions(store, args.only, args.queries_dir, given):
            ms, cpu, rows = time_runs(lambda t=text: store.query(t, prefixes=prefixes),
                                      args.repeat, args.max_seconds)
            print(f"{name:<26} {len(rows):>6} {statistics.median(ms):>7.1f}ms "
                  f"{percentile(ms, 0.95):>7.1f}ms {cpu:>7.2f} {len(ms):>5}", flush=True)
    if args.same_graph:
        small = open_store(args.same_graph, read_only=True)
        started = time.perf_counter()
        dataset = rdflib_dataset(small)
        print(f"\nSame graph: {args.same_graph}, {len(small)} quads (facts and counts); "
              f"rdflib Dataset loaded in {time.perf_counter() - started:.0f} s; "
              f"params {store_params(small) | given}")
        print(f"{'question':<26} {'rows':>6} {'Oxigraph p50':>13} {'rdflib p50':>11} "
              f"{'speed-up':>9}  answers")
        for name, text in questions(small, args.only, args.queries_dir, given):
            ox_ms, _, ox_rows = time_runs(lambda t=text: small.query(t, prefixes=prefixes),
                                          args.repeat, args.max_seconds)
            rdf_ms, _, rdf_rows = time_runs(lambda t=text: dataset.query(t, initNs=prefixes),
                                            args.rdflib_repeat, args.max_seconds)
            same = normalised(ox_rows) == normalised(rdf_rows)
            p50, rdf_p50 = statistics.median(ox_ms), statistics.median(rdf_ms)
            print(f"{name:<26} {len(ox_rows):>6} {p50:>11.1f}ms {rdf_p50:>9.1f}ms "
                  f"{rdf_p50 / p50:>8.0f}x  {'equal' if same else 'DIFFERENT'}"
                  f"{'' if same else f' (rdflib {len(rdf_rows)} rows)'}", flush=True)
    print(f"\nload average after: {load()}")


if __name__ == "__main__":
    main()
