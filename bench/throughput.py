"""End-to-end `kg build` throughput and peak memory, against spaCy's bare tokenizer.

    .venv/bin/python bench/throughput.py --sizes 10000 50000 100000 --workers 2

For each size: generate a corpus (bench/generate.py, cached under --workdir), run
`kg build --workers W` on a fresh store as a subprocess, and sample the resident memory of
the whole process tree (the build, the fork server and every worker, summed) from /proc
every 50 ms. In the same run, `spacy.blank("en")` tokenizes the same title+abstract texts
with `nlp.pipe` on one core; the ratio of the two is stable on a noisy machine where
absolute figures are not. Prints one table.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.generate import generate  # noqa: E402

KG = str(Path(sys.executable).parent / "kg")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    # The command name may hold spaces; the parent pid follows its ')'.
                    ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree.setdefault(ppid, []).append(int(entry))
    return tree


def tree_rss(pid: int) -> int:
    """Bytes resident in `pid` and all its descendants right now."""
    tree, total, todo = _children(), 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(tree.get(p, []))
        try:
            with open(f"/proc/{p}/statm") as fh:
                total += int(fh.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            pass
    return total


def run_build(corpus: Path, store: Path, workers: int, batch_size: int) -> tuple[float, int, str]:
    """(seconds, peak tree RSS in bytes, stdout) of one `kg build`."""
    shutil.rmtree(store, ignore_errors=True)
    command = [KG, "build", str(corpus), "--store", str(store), "--workers", str(workers),
               "--batch-size", str(batch_size)]
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(proc.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if proc.returncode:
        raise SystemExit(f"kg build failed ({proc.returncode}):\n{err.decode()[-2000:]}")
    return seconds, peak, out.decode()


def tokenizer_rate(corpus: Path, limit: int) -> tuple[float, int]:
    """spacy.blank("en") docs/s over the first `limit` title+abstract texts of `corpus`."""
    import spacy

    from kg.sources import iter_records

    texts = []
    for record in iter_records([corpus]):
        texts.append(f"{record.title or ''}\n{record.abstract or ''}")
        if len(texts) >= limit:
            break
    nlp = spacy.blank("en")
    started = time.perf_counter()
    count = sum(1 for _ in nlp.pipe(texts, batch_size=256))
    return count / (time.perf_counter() - started), count


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 100_000])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--format", default="github-daily-arxiv")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/medimg-kg-bench"))
    parser.add_argument("--tokenizer-docs", type=int, default=10_000,
                        help="texts the bare tokenizer is timed on (from the smallest corpus)")
    parser.add_argument("--keep-stores", action="store_true")
    args = parser.parse_args(argv)

    rows = []
    for size in args.sizes:
        corpus = args.workdir / f"corpus-{args.format}-{size}"
        if not corpus.is_dir():
            generate(corpus, size, args.format)
        store = args.workdir / f"store-{size}"
        seconds, peak, _ = run_build(corpus, store, args.workers, args.batch_size)
        rows.append((size, seconds, peak))
        print(f"built {size} papers in {seconds:.1f} s, peak RSS {peak / 2**20:.0f} MB",
              file=sys.stderr, flush=True)
        if not args.keep_stores:
            shutil.rmtree(store, ignore_errors=True)
    smallest = args.workdir / f"corpus-{args.format}-{min(args.sizes)}"
    tok_rate, tok_docs = tokenizer_rate(smallest, args.tokenizer_docs)

    base_rss = rows[0][2]
    print(f"\nkg build, {args.workers} workers, batch {args.batch_size}, format {args.format}, "
          f"{os.cpu_count()} cores")
    print(f"{'papers':>8} {'seconds':>9} {'papers/s':>9} {'peak RSS MB':>12} "
          f"{'vs first':>9} {'x tokenizer':>12}")
    for size, seconds, peak in rows:
        rate = size / seconds
        print(f"{size:>8} {seconds:>9.1f} {rate:>9.0f} {peak / 2**20:>12.0f} "
              f"{(peak / base_rss - 1) * 100:>+8.1f}% {rate / tok_rate:>12.2f}")
    print(f"spaCy blank('en') tokenizer: {tok_rate:.0f} docs/s on one core "
          f"({tok_docs} of the same texts)")


if __name__ == "__main__":
    main()
