"""Engines that run `kg.work.process_batch` over batches: in this process, a process pool or Dask.

An engine takes an iterable of record batches and the base IRI and yields one BatchResult
per batch, in input order, so every engine builds the same store from the same input. Each
keeps a bounded number of batches in flight: memory depends on the batch size and the
number of workers, never on the corpus.

    build(paths, store, engine=process_engine(4))
    build(paths, store, engine=dask_engine("tcp://scheduler:8786"))
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import uuid
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from kg.errors import ConfigError, EngineError
from kg.records import PaperRecord
from kg.work import BatchResult, Engine, get_extractor, process_batch, sequential_engine

__all__ = ["process_engine", "dask_engine", "engine_for", "sequential_engine"]


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


def _in_order(
    submitted: Iterable[Any], window: int, pending: deque
) -> Iterator[BatchResult]:
    """Results of lazily submitted futures (concurrent or Dask) in submission order, with at
    most `window` submitted and not yet yielded. `pending` is the caller's, to cancel what
    is left."""
    for future in submitted:
        pending.append(future)
        if len(pending) >= window:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


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

        if sys.version_info >= (3, 11):
            pool = ProcessPoolExecutor(workers, mp_context=_mp_context(),
                                       initializer=_warm_worker,
                                       max_tasks_per_child=batches_per_worker)
        else:  # Python 3.10 cannot replace workers: they live as long as the pool
            pool = ProcessPoolExecutor(workers, mp_context=_mp_context(),
                                       initializer=_warm_worker)
        pending: deque = deque()
        try:
            yield from _in_order((pool.submit(process_batch, batch, base) for batch in batches),
                                 window, pending)
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
            raise EngineError("the dask engine needs `pip install medimg-kg[dask]`") from None
        own = not isinstance(scheduler, Client)
        try:
            client: Any = Client(scheduler, set_as_default=False, timeout=30) if own else scheduler
        except (OSError, TimeoutError) as exc:
            raise EngineError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        window = max(1, in_flight or 2 * max(1, sum(client.nthreads().values())))
        run_id = uuid.uuid4().hex[:12]  # task keys must not collide with another build's
        pending: deque = deque()
        # pure=False with an explicit key: hashing the records to name the task would cost
        # more than the task itself.
        tasks = (client.submit(process_batch, batch, base, pure=False,
                               key=f"kg-batch-{run_id}-{index}")
                 for index, batch in enumerate(batches))
        try:
            yield from _in_order(tasks, window, pending)
        finally:
            for future in pending:
                future.cancel()
            if own:
                client.close()

    return run


def engine_for(name: str = "local", workers: int | None = None,
               scheduler: str | None = None) -> Engine:
    """The engine called `name`: "local" (a process pool of `workers`) or "dask" (a cluster
    reached at `scheduler`)."""
    if name == "dask":
        if not scheduler:
            raise ConfigError("the dask engine needs a scheduler address (e.g. tcp://host:8786)")
        return dask_engine(scheduler)
    if name != "local":
        raise ConfigError(f"unknown engine {name!r}; choose local or dask")
    return process_engine(workers)
