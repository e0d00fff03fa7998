"""Report generation time: `kg report` on a store, per step and per query, wall and CPU seconds.

    python bench/report.py --store /tmp/medimg-kg-bench/report-store-100k [--md]

Steps: the queries (`kg.outputs.report.collect`), the HTML page (chart specifications with
Altair, tables, inlined scripts) and, with --md, the Markdown report with its SVG figures
(vl-convert). CPU seconds are this process's (every thread: Oxigraph, vl-convert's engine)
and its query worker processes' (`kg report` runs the queries of a store of 10,000 papers or
more in parallel processes; --workers 1 keeps them in this process).
The Vega bundle is built once per vl-convert version and cached; its first build is timed
in a fresh process and printed apart. A second pass times each query on its own.

To make a store with papers, dates, code links and authors:

    python bench/generate.py 50000 /tmp/medimg-kg-bench/report-corpus/github --seed 1
    python bench/generate.py 50000 /tmp/medimg-kg-bench/report-corpus/radai \\
        --format radai-slice --seed 2
    kg build /tmp/medimg-kg-bench/report-corpus --store /tmp/medimg-kg-bench/report-store-100k
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

_BUNDLE = "import vl_convert, time; t = time.perf_counter(); vl_convert.javascript_bundle(); " \
          "print(time.perf_counter() - t, time.process_time())"


def cpu_seconds() -> float:
    """CPU time of this process and of its finished child processes (query workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(step: Callable[[], Any]) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), cpu_seconds()
    result = step()
    return result, time.perf_counter() - wall, cpu_seconds() - cpu


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--md", action="store_true", help="Also time the Markdown report.")
    parser.add_argument("--since", help="Narrow the report (as kg report --since).")
    parser.add_argument("--modality", help="Narrow the report (as kg report --modality).")
    parser.add_argument("--workers", type=int, default=None,
                        help="Query processes (as kg report --workers; default: automatic).")
    args = parser.parse_args(argv)

    from kg.outputs.report import author_groups, collect, query_text, rows_of, scoped
    from kg.outputs.report_html import vega_bundle, write_html
    from kg.outputs.report_md import write_markdown
    from kg.stats import store_stats
    from kg.store import open_store

    store = open_store(args.store, read_only=True)
    counts = store_stats(store)
    print(f"store {args.store}: {counts['papers']:,} papers, {counts['people']:,} people, "
          f"{counts['triples']:,} triples")
    vega_bundle()  # warm (read from the cache, or built once)
    rows: list[tuple[str, float, float]] = []
    report, wall, cpu = timed(lambda: collect(store, since=args.since, modality=args.modality,
                                              store_path=args.store, workers=args.workers))
    rows.append(("queries (collect)", wall, cpu))
    with tempfile.TemporaryDirectory() as tmp:
        _, wall, cpu = timed(lambda: write_html(report, Path(tmp) / "report.html"))
        rows.append(("HTML page", wall, cpu))
        size = (Path(tmp) / "report.html").stat().st_size
        if args.md:
            _, wall, cpu = timed(lambda: write_markdown(report, Path(tmp) / "md"))
            rows.append(("Markdown + SVG figures", wall, cpu))
    total = (sum(r[1] for r in rows), sum(r[2] for r in rows))
    print("\n| step | wall s | CPU s |\n|---|---|---|")
    for name, wall, cpu in [*rows, ("total", *total)]:
        print(f"| {name} | {wall:.2f} | {cpu:.2f} |")
    print(f"\nHTML page: {size / 1e6:.1f} MB")

    first = subprocess.run([sys.executable, "-c", _BUNDLE], capture_output=True, text=True,
                           check=True).stdout.split()
    print(f"Vega bundle, first build (cached afterwards): {float(first[0]):.1f} s wall, "
          f"{float(first[1]):.1f} s CPU")

    print("\n| query | rows | wall s | CPU s |\n|---|---|---|---|")
    for section in report.sections:
        name = "coauthorship" if section.id == "collaboration-groups" else section.id
        text = scoped(query_text(name), report.scope)
        (_, result), wall, cpu = timed(lambda text=text: rows_of(store, text))
        print(f"| {name} | {len(result):,} | {wall:.2f} | {cpu:.2f} |")
        if name == "coauthorship":
            groups, wall, cpu = timed(
                lambda result=result: author_groups(r["authors"] for r in result))
            print(f"| (networkx components of those rows) | {len(groups):,} | {wall:.2f} | "
                  f"{cpu:.2f} |")
            for label, extra in section.extra:
                (_, names), wall, cpu = timed(lambda extra=extra: rows_of(store, extra))
                print(f"| {label} | {len(names):,} | {wall:.2f} | {cpu:.2f} |")
    (_, result), wall, cpu = timed(lambda: rows_of(store, report.summary_query))
    print(f"| summary | {len(result):,} | {wall:.2f} | {cpu:.2f} |")


if __name__ == "__main__":
    main()
