"""End-to-end build throughput, CPU and peak memory, variants side by side in one run.

    .venv/bin/python bench/throughput.py --sizes 20000 100000 --workers 2 --format jsonl
    .venv/bin/python bench/throughput.py --sizes 20000 --format jsonl \\
        --variants per-batch grouped lenient

For each size and variant: generate a corpus (bench/generate.py, cached under --workdir),
build it into a fresh store in a child process (the build of `kg build`, through
kg.build.build with the same process engine, so a variant can change what the command line
does not expose), and sample the whole process tree (the build, the fork server and every
worker) from /proc every 50 ms: resident memory summed, and CPU-seconds (user + system) of
every process seen; "main ms" is the CPU a paper of the build's own process (reading, bulk
loads, counts), the rest is the extraction workers'. The load average is read before and
after each run: on a shared machine a wall time means little without it. In the same run,
`spacy.blank("en")` tokenizes the same texts, joined exactly as the extractor joins them
(title, blank line, abstract), on one core.

Variants:
  default    the build as `kg build` runs it
  per-batch  one bulk load per batch of 512 papers (the loader before grouping)
  grouped    batches grouped into bulk loads of ~400k quads, with the loader's IRI checks
  lenient    grouped, and the loader skips IRI validation of the mapper's own output (what
             `kg build` does)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.generate import NoCorpus, generate, sentence_pool  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")
TICK = os.sysconf("SC_CLK_TCK")
VARIANTS = {
    "default": {},
    "per-batch": {"group_quads": 1, "lenient": False},
    "grouped": {"lenient": False},
    "lenient": {"lenient": True},
}


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


def tree_sample(pid: int, cpu: dict[int, float]) -> int:
    """Bytes resident in `pid` and all its descendants right now; updates `cpu` (pid ->
    CPU-seconds so far) for each of them."""
    tree, total, todo = _children(), 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(tree.get(p, []))
        try:
            with open(f"/proc/{p}/statm") as fh:
                total += int(fh.read().split()[1]) * PAGE
            with open(f"/proc/{p}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
            cpu[p] = (int(fields[11]) + int(fields[12])) / TICK  # utime + stime
        except (OSError, IndexError, ValueError):
            pass
    return total


def run_build(corpus: Path, store: Path, workers: int, batch_size: int,
              variant: str, source: Path | None = None) -> dict[str, float]:
    """Wall seconds, CPU-seconds, peak tree RSS and load of one build in a child process;
    with `source`, the build of the kg package laid out there (see package_dir)."""
    shutil.rmtree(store, ignore_errors=True)
    options = {"batch_size": batch_size, **VARIANTS[variant]}
    command = [sys.executable, __file__, "--run-build", str(corpus), str(store), str(workers),
               json.dumps(options), str(source or "")]
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak, cpu = 0, {}
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_sample(proc.pid, cpu))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if proc.returncode:
        raise SystemExit(f"build failed ({proc.returncode}):\n{err.decode()[-2000:]}")
    result = json.loads(out.decode().strip().splitlines()[-1])
    # The child's own account of itself is exact; workers that lived between two samples
    # are missing from `cpu`, so the total is a lower bound by at most a tick or two each.
    cpu[proc.pid] = max(cpu.get(proc.pid, 0.0), result["cpu_self"])
    return {"seconds": seconds, "cpu": sum(cpu.values()), "rss": peak,
            "load_before": load_before, "load_after": os.getloadavg()[0],
            "counts_seconds": result["counts_seconds"], "triples": result["triples"],
            "main_cpu": result["cpu_self"]}


def package_dir(checkout: Path, into: Path) -> Path:
    """A folder from which `import kg` imports the checkout's package (its kg/ folder with
    extractors/, ontology/ and outputs/ inside, as pyproject.toml maps them), made of
    symbolic links under `into`: put first on sys.path, the build and its workers (which
    inherit sys.path) run that checkout's code."""
    root = into / "package"
    shutil.rmtree(root, ignore_errors=True)
    (root / "kg").mkdir(parents=True)
    for entry in (checkout / "kg").iterdir():
        (root / "kg" / entry.name).symlink_to(entry.resolve())
    for sub in ("extractors", "ontology", "outputs"):
        (root / "kg" / sub).symlink_to((checkout / sub).resolve())
    return root


def _child_build(corpus: str, store: str, workers: str, options: str, source: str = "") -> None:
    """The child process of run_build: one build, its summary as a JSON line."""
    if source:
        sys.path.insert(0, source)
    from kg.build import build
    from kg.engines import process_engine

    opts = json.loads(options)
    summary = build([corpus], store, engine=process_engine(int(workers)), **opts)
    usage = os.times()
    print(json.dumps({"counts_seconds": summary.counts_seconds,
                      "triples": summary.triples_after,
                      "cpu_self": usage.user + usage.system}))


def tokenizer_rate(corpus: Path, limit: int) -> tuple[float, int]:
    """spacy.blank("en") docs/s over the first `limit` texts of `corpus`, joined as the
    extractor joins them."""
    import spacy

    from kg.extractors.state import FIELD_SEPARATOR
    from kg.sources import iter_records

    texts = []
    for record in iter_records([corpus]):
        texts.append((record.title or "") + FIELD_SEPARATOR + (record.abstract or ""))
        if len(texts) >= limit:
            break
    nlp = spacy.blank("en")
    started = time.process_time()
    count = sum(1 for _ in nlp.pipe(texts, batch_size=256))
    return count / (time.process_time() - started), count


def main(argv: list[str] | None = None) -> None:
    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "--run-build":
        _child_build(*sys.argv[2:7])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--variants", nargs="+", default=["default"], choices=list(VARIANTS))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--format", default="github-daily-arxiv")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/medimg-kg-bench"))
    parser.add_argument("--templates", action="store_true",
                        help="generate from template sentences when ../shared is absent")
    parser.add_argument("--tokenizer-docs", type=int, default=10_000,
                        help="texts the bare tokenizer is timed on (from the smallest corpus)")
    parser.add_argument("--keep-stores", action="store_true")
    parser.add_argument("--baseline", type=Path, metavar="CHECKOUT",
                        help="also build each variant with the code of another checkout "
                             "(e.g. `git worktree add /tmp/kg-before main`), run just before")
    args = parser.parse_args(argv)

    try:
        sentences, source = sentence_pool(args.templates)
    except NoCorpus as exc:
        raise SystemExit(f"throughput.py: {exc}") from None
    print(f"corpus: {args.format}, abstracts from {source}", flush=True)
    rows = []
    sources: list[tuple[str, Path | None]] = [("", None)]
    if args.baseline is not None:
        if not (args.baseline / "kg" / "build.py").is_file():
            raise SystemExit(f"throughput.py: {args.baseline} is not a checkout of this project")
        args.workdir.mkdir(parents=True, exist_ok=True)
        sources.insert(0, ("-baseline", package_dir(args.baseline, args.workdir)))
    for size in args.sizes:
        corpus = args.workdir / f"corpus-{args.format}-{size}"
        if not corpus.is_dir():
            # Written under a temporary name: an interrupted run must not leave a partial
            # corpus that the next run would take for a whole one.
            partial = corpus.with_name(corpus.name + ".partial")
            shutil.rmtree(partial, ignore_errors=True)
            generate(partial, size, args.format, sentences=sentences)
            partial.rename(corpus)
        for variant in args.variants:
            for label, source in sources:
                name = f"{variant}{label}"
                store = args.workdir / f"store-{args.format}-{size}-{name}"
                run = run_build(corpus, store, args.workers, args.batch_size, variant, source)
                rows.append((size, name, run))
                print(f"built {size} papers ({name}) in {run['seconds']:.1f} s, "
                      f"{run['cpu']:.1f} CPU-s, peak RSS {run['rss'] / 2**20:.0f} MB, load "
                      f"{run['load_before']:.1f} -> {run['load_after']:.1f}", file=sys.stderr,
                      flush=True)
                if not args.keep_stores:
                    shutil.rmtree(store, ignore_errors=True)
    smallest = args.workdir / f"corpus-{args.format}-{min(args.sizes)}"
    tok_rate, tok_docs = tokenizer_rate(smallest, args.tokenizer_docs)

    print(f"\nbuild, {args.workers} workers, batch {args.batch_size}, {os.cpu_count()} cores")
    print(f"{'papers':>8} {'variant':>17} {'wall s':>7} {'papers/s':>9} {'CPU-s':>7} "
          f"{'ms CPU/paper':>13} {'main ms':>8} {'counts s':>9} {'peak RSS MB':>12} {'load':>11} "
          f"{'triples':>10}")
    for size, variant, run in rows:
        print(f"{size:>8} {variant:>17} {run['seconds']:>7.1f} {size / run['seconds']:>9.0f} "
              f"{run['cpu']:>7.1f} {run['cpu'] / size * 1000:>13.2f} "
              f"{run['main_cpu'] / size * 1000:>8.2f} "
              f"{run['counts_seconds']:>9.1f} {run['rss'] / 2**20:>12.0f} "
              f"{run['load_before']:>5.1f}-{run['load_after']:<5.1f} {run['triples']:>10}")
    print(f"spaCy blank('en') tokenizer: {tok_rate:.0f} docs/s per CPU-second "
          f"({tok_docs} of the same texts, title + blank line + abstract)")


if __name__ == "__main__":
    main()
