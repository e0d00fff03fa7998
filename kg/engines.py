"""Engines that run `kg.build.process_batch` over batches, and the shard writer.

An engine takes an iterable of record batches and the base IRI and yields one BatchResult
per batch, in input order, so every engine builds the same store from the same input. Each
keeps a bounded number of batches in flight: memory depends on the batch size and the
number of workers, never on the corpus.

    build(paths, store, engine=process_engine(4))
    build(paths, store, engine=dask_engine("tcp://scheduler:8786"))
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import uuid
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path

from kg.build import BatchResult, Engine, process_batch, sequential_engine
from kg.errors import StoreError
from kg.pipeline import get_extractor
from kg.records import PaperRecord

__all__ = ["process_engine", "dask_engine", "ShardWriter", "shard_name", "engine_for"]


def _warm_worker() -> None:
    # Load the vocabulary once per worker process, before the first batch arrives.
    get_extractor()


def _mp_context() -> multiprocessing.context.BaseContext:
    # The parent has the store's RocksDB threads running; forking those is unsafe, so workers
    # come from a fork server (Linux) or are spawned (elsewhere).
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # spaCy's import is most of a worker's start-up, so the fork server imports it once
        # and replacing a worker stays cheap. Not kg itself: the fork server starts with the
        # working directory on sys.path, and from a source checkout it would import the
        # unmapped ./kg folder instead of the installed package.
        context.set_forkserver_preload(["spacy"])
        return context
    return multiprocessing.get_context("spawn")


# A worker's caches (word analyses, normalised keys) fill up with the corpus; replacing each
# worker after this many batches keeps its memory the same at 10k papers as at 1M.
BATCHES_PER_WORKER = 16


def process_engine(
    workers: int | None = None, in_flight: int | None = None,
    batches_per_worker: int | None = BATCHES_PER_WORKER,
) -> Engine:
    """Run batches on a pool of `workers` processes (default: the machine's cores).

    At most `in_flight` batches (default twice the workers) are submitted and not yet
    yielded; results come back in input order; one worker means no pool at all. Each
    worker process is replaced after `batches_per_worker` batches (None: never).
    """
    workers = workers or os.cpu_count() or 1
    if workers <= 1:
        return sequential_engine
    window = max(1, in_flight or 2 * workers)

    def run(batches: Iterable[list[PaperRecord]], base: str) -> Iterator[BatchResult]:
        from concurrent.futures import ProcessPoolExecutor

        pool = ProcessPoolExecutor(workers, mp_context=_mp_context(), initializer=_warm_worker,
                                   max_tasks_per_child=batches_per_worker)
        pending: deque = deque()
        try:
            for batch in batches:
                pending.append(pool.submit(process_batch, batch, base))
                if len(pending) >= window:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            # Reached early when the consumer fails or stops: drop queued work, keep no orphans.
            pool.shutdown(wait=True, cancel_futures=True)

    return run


def dask_engine(scheduler: str | object, in_flight: int | None = None) -> Engine:
    """Run batches as tasks on a Dask distributed cluster.

    `scheduler` is an address ("tcp://host:8786") or an existing `distributed.Client`. Every
    worker process loads its own extractor on its first task (kg must be installed on the
    workers). At most `in_flight` tasks (default twice the cluster's threads) are pending;
    results are yielded in input order.
    """

    def run(batches: Iterable[list[PaperRecord]], base: str) -> Iterator[BatchResult]:
        try:
            from distributed import Client
        except ImportError:
            raise StoreError("the dask engine needs `pip install medimg-kg[dask]`") from None
        own = not isinstance(scheduler, Client)
        try:
            client = Client(scheduler, set_as_default=False, timeout=30) if own else scheduler
        except (OSError, TimeoutError) as exc:
            raise StoreError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        window = max(1, in_flight or 2 * max(1, sum(client.nthreads().values())))
        run_id = uuid.uuid4().hex[:12]  # task keys must not collide with another build's
        pending: deque = deque()
        try:
            for index, batch in enumerate(batches):
                # pure=False with an explicit key: hashing the records to name the task would
                # cost more than the task itself.
                pending.append(client.submit(process_batch, batch, base, pure=False,
                                             key=f"kg-batch-{run_id}-{index}"))
                if len(pending) >= window:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()
            if own:
                client.close()

    return run


def engine_for(name: str = "local", workers: int | None = None,
               scheduler: str | None = None) -> Engine:
    """The engine the CLI options name: "local" (process pool) or "dask" (needs scheduler)."""
    if name == "dask":
        if not scheduler:
            raise StoreError("--engine dask needs --scheduler ADDRESS (e.g. tcp://host:8786)")
        return dask_engine(scheduler)
    if name != "local":
        raise StoreError(f"unknown engine {name!r}; choose local or dask")
    return process_engine(workers)


# ------------------------------------------------------------------------------ shards


def shard_name(index: int, nquads: bytes) -> str:
    """`{index:06d}-{content hash}.nq`: sorted names give load order, the hash the content."""
    return f"{index:06d}-{hashlib.sha256(nquads).hexdigest()[:16]}.nq"


class ShardWriter:
    """Writes N-Quads shards into one folder, atomically and idempotently.

    A shard appears under its final name only when complete (temporary file, fsync, rename),
    so a killed build leaves whole shards; rerunning it rewrites nothing already there.
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        if self.directory.exists() and not self.directory.is_dir():
            raise StoreError(f"{self.directory} exists and is not a directory")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create shard folder {self.directory}: {exc}") from None
        self.written: list[Path] = []
        self.quads = 0

    def write(self, index: int, nquads: bytes) -> Path:
        path = self.directory / shard_name(index, nquads)
        self.written.append(path)
        self.quads += nquads.count(b"\n")  # N-Quads: one quad per line
        if path.exists():
            return path
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            with open(tmp, "wb") as out:
                out.write(nquads)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            raise StoreError(f"cannot write shard {path}: {exc.strerror or exc}") from None
        finally:
            if tmp.exists():
                tmp.unlink()
        return path
