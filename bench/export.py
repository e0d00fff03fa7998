"""Export speed: `kg export` formats through kg.outputs.export, in triples/s.

    .venv/bin/python bench/export.py --store /tmp/medimg-kg-bench/store-jsonl-100000-grouped

The store is opened read-only, as `kg export` opens it, and each export is one pass over
the default graph (the facts; the counts' named graphs are not exported). Printed per
format: wall seconds, CPU-seconds, triples/s and size; and, to show where the limit is,
the time of counting the triples (an index walk without decoding terms), and the Turtle
writer alone on the same triples held in memory (`--writer-limit`, needs the RAM).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", required=True, help="a store built by `kg build`")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--formats", nargs="+", default=["turtle", "nq"])
    parser.add_argument("--writer-limit", action="store_true",
                        help="also time the Turtle writer on the triples held in memory")
    args = parser.parse_args(argv)

    import pyoxigraph as ox

    from kg.outputs import export
    from kg.store import open_store, triple_count

    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    store = open_store(args.store, read_only=True)
    started = time.perf_counter()
    triples = triple_count(store)
    print(f"store: {triples} triples in the default graph (counted in "
          f"{time.perf_counter() - started:.1f} s)")
    print(f"{'format':<8} {'seconds':>8} {'CPU-s':>7} {'triples/s':>11} {'MB':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in args.formats:
            out = Path(tmp) / f"export.{fmt}"
            timings, cpus = [], []
            for _ in range(args.repeat):
                started, cpu = time.perf_counter(), time.process_time()
                export(store, fmt, out)
                timings.append(time.perf_counter() - started)
                cpus.append(time.process_time() - cpu)
            seconds = statistics.median(timings)
            print(f"{fmt:<8} {seconds:>8.2f} {statistics.median(cpus):>7.2f} "
                  f"{triples / seconds:>11,.0f} {out.stat().st_size / 2**20:>7.0f}", flush=True)
        if args.writer_limit:
            memory = ox.Store()
            memory.bulk_load(store.dump(format=ox.RdfFormat.N_QUADS,
                                        from_graph=ox.DefaultGraph()),
                             format=ox.RdfFormat.N_QUADS)
            started = time.perf_counter()
            memory.dump(Path(tmp) / "memory.ttl", ox.RdfFormat.TURTLE,
                        from_graph=ox.DefaultGraph())
            seconds = time.perf_counter() - started
            print(f"Turtle writer from an in-memory store: {triples / seconds:,.0f} triples/s")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
