"""Export speed: Turtle and N-Quads through kg.outputs.export, in triples/s.

    .venv/bin/python bench/export.py --store /tmp/medimg-kg-bench/store-100000
"""

from __future__ import annotations

import argparse
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
    args = parser.parse_args(argv)

    from kg.outputs import export
    from kg.store import open_store, triple_count

    store = open_store(args.store, read_only=True)
    triples = triple_count(store)
    print(f"store: {triples} triples")
    print(f"{'format':<8} {'seconds':>8} {'triples/s':>11} {'MB':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in args.formats:
            out = Path(tmp) / f"export.{fmt}"
            timings = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                export(store, fmt, out)
                timings.append(time.perf_counter() - started)
            seconds = statistics.median(timings)
            print(f"{fmt:<8} {seconds:>8.2f} {triples / seconds:>11,.0f} "
                  f"{out.stat().st_size / 2**20:>7.0f}", flush=True)


if __name__ == "__main__":
    main()
