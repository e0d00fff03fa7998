"""Engines that run `kg.work.process_batch` over batches: in this process, a process pool or Dask.

An engine takes an iterable of record batches and the base IRI and yields one BatchResult
per batch, in input order, so every engine builds the same store from the same input. Each
keeps a bounded number of batches in flight: memory depends on the batch size and the
number of workers, never on the corpus.

The process pool's workers stop with the build: they ignore Ctrl-C (the build decides), are
stopped at once when the build stops early, and exit by themselves when the build dies, even
by SIGKILL; the fork server and resource tracker then follow, so nothing holds the build's
stdout (`kg build | tee log` ends).

    build(paths, store, engine=process_engine(4))
    build(paths, store, engine=dask_engine("tcp://scheduler:8786"))
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import uuid
from collections import deque
from collections.abc import Iterable, Iterator
from multiprocessing.connection import Connection
from typing import Any

from kg.errors import ConfigError, EngineError
from kg.records import PaperRecord
from kg.work import BatchResult, Engine, get_extractor, process_batch, sequential_engine

__all__ = ["process_engine", "dask_engine", "engine_for", "sequential_engine"]


def _start_worker(build_alive: Connection | None = None) -> None:
    """Set up a worker process: it ignores Ctrl-C, dies with the build, loads the extractor."""
    # A terminal's Ctrl-C reaches the whole process group: the build decides, and stops us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if build_alive is not None:
        threading.Thread(target=_exit_with_build, args=(build_alive,), name="kg-build-alive",
                         daemon=True).start()
    # Load the vocabulary once per worker process, before the first batch arrives.
    get_extractor()


def _exit_with_build(build_alive: Connection) -> None:
    # Nothing is ever sent on this pipe: it reads end-of-file once the build has closed its
    # end, which the kernel does when the build dies, even by SIGKILL. A worker's parent is
    # the fork server, not the build, so the parent-death signal cannot do this.
    with contextlib.suppress(EOFError, OSError):
        build_alive.recv_bytes()
    os._exit(1)


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


# A worker's caches are bounded, but spaCy's StringStore keeps every token string it sees;
# replacing each worker after this many batches (32k papers) keeps its memory level from
# 10k papers to 1M. Each replacement loads the extractor again (2-4 CPU-s), which at 16
# batches cost a tenth of a 20k build's CPU (bench/throughput.py).
BATCHES_PER_WORKER = 64


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

        context = _mp_context()
        # Every worker holds the reading end; only this process holds the writing end.
        build_alive, alive = context.Pipe(duplex=False)
        options: dict[str, Any] = dict(mp_context=context, initializer=_start_worker,
                                       initargs=(build_alive,))
        if sys.version_info >= (3, 11):
            options["max_tasks_per_child"] = batches_per_worker
        # (Python 3.10 cannot replace workers: they live as long as the pool.)
        pool = ProcessPoolExecutor(workers, **options)
        pending: deque = deque()
        finished = False
        try:
            yield from _in_order((pool.submit(process_batch, batch, base) for batch in batches),
                                 window, pending)
            finished = True
        finally:
            if not finished:
                # Stopped early (an error, Ctrl-C, SIGTERM, or the consumer gave up): the
                # workers exit at once, mid-batch, instead of finishing queued work.
                alive.close()
            pool.shutdown(wait=True, cancel_futures=True)
            alive.close()
            build_alive.close()

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
        if own:
            _check_address(str(scheduler))
        try:
            client: Any = Client(scheduler, set_as_default=False, timeout=30) if own else scheduler
        except (OSError, TimeoutError, ValueError) as exc:
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


def _check_address(address: str) -> None:
    """Refuse an address Dask cannot parse before a Client is made of it: a Client that
    fails on its address hangs for a minute on its way out."""
    from distributed.comm import parse_address
    from distributed.comm.addressing import parse_host_port
    from distributed.comm.registry import get_backend

    try:
        scheme, location = parse_address(address)
        get_backend(scheme)
        if scheme in ("tcp", "tls", "ws", "wss"):
            parse_host_port(location, 8786)
    except ValueError as exc:  # an unknown scheme, a port that is not a number
        raise EngineError(f"bad Dask scheduler address {address}: {exc}") from None


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
