"""Every engine builds the same store: process pool, Dask cluster, shards (killed-and-rerun
builds: tests/test_build_interrupts.py).

Stores are compared by `kg stats` counts and by their N-Quads dumps. The graph has no blank
nodes (every IRI is minted from the data), so isomorphic means equal sets of quad lines.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from store_dump import comparable_lines

from kg import DEFAULT_BASE
from kg.build import build
from kg.counts import refresh_counts
from kg.engines import dask_engine, process_engine
from kg.shards import ShardWriter, shard_name
from kg.stats import store_stats
from kg.store import open_store

KG = [str(Path(sys.executable).parent / "kg")]  # the console script of this venv
PAPERS = 215  # distinct papers in ../shared/corpus/listings


def quad_lines(store: ox.Store) -> set[bytes]:
    lines = comparable_lines(store)
    assert not any(line.startswith(b"_:") or b" _:" in line for line in lines)
    return lines


def snapshot(store_path: Path) -> tuple[dict, set[bytes]]:
    store = open_store(store_path, read_only=True)
    return store_stats(store), quad_lines(store)


@pytest.fixture(scope="module")
def corpus(shared_corpus) -> Path:
    # Five formats in 215 papers, some listed in several files: the identity pass, merging
    # and file ordering are all exercised.
    return shared_corpus / "listings"


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory) -> tuple[dict, set[bytes]]:
    store = tmp_path_factory.mktemp("seq") / "store"
    build([corpus], store, batch_size=32)
    stats, quads = snapshot(store)
    assert stats and len(quads) > 1000
    return stats, quads


def test_process_engine_equals_sequential(corpus, reference, tmp_path):
    summary = build([corpus], tmp_path / "store", batch_size=32,
                    engine=process_engine(2, in_flight=3))
    assert summary.read.papers == PAPERS
    assert snapshot(tmp_path / "store") == reference


def test_dask_local_cluster_equals_single_machine(corpus, reference, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=":0") as cluster:
        build([corpus], tmp_path / "store", batch_size=32,
              engine=dask_engine(cluster.scheduler_address, in_flight=3))
    assert snapshot(tmp_path / "store") == reference


def test_shards_bulk_load_into_the_same_graph(corpus, reference, tmp_path):
    shards = tmp_path / "shards"
    summary = build([corpus], tmp_path / "unused", batch_size=32, shards_dir=shards)
    assert not (tmp_path / "unused").exists()  # no store is created
    names = sorted(p.name for p in shards.iterdir())
    assert names == sorted(p.name for p in summary.shards)
    assert len(names) == 1 + 7  # the ontology shard, then ceil(215 / 32) batches
    store = ox.Store(str(tmp_path / "loaded"))
    for name in names:
        store.bulk_load(path=str(shards / name), format=ox.RdfFormat.N_QUADS)
    refresh_counts(store, DEFAULT_BASE)  # what `kg optimize` does to a store loaded from shards
    assert quad_lines(store) == reference[1]
    # Rerunning writes the same names (deterministic) and leaves no temporary files.
    mtimes = {p.name: p.stat().st_mtime_ns for p in shards.iterdir()}
    build([corpus], tmp_path / "unused", batch_size=32, shards_dir=shards)
    assert {p.name: p.stat().st_mtime_ns for p in shards.iterdir()} == mtimes


def test_shard_writer_names_by_index_and_content(tmp_path):
    writer = ShardWriter(tmp_path)
    data = b"<http://a> <http://b> <http://c> .\n"
    path = writer.write(7, data)
    assert path.name == shard_name(7, data) and path.name.startswith("000007-")
    assert path.read_bytes() == data and writer.quads == 1
    assert shard_name(7, data + data) != path.name


def test_cli_shards_only(corpus, reference, tmp_path):
    shards = tmp_path / "shards"
    done = subprocess.run([*KG, "build", str(corpus), "--workers", "1", "--batch-size", "64",
                           "--shards-only", str(shards)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Wrote 5 shards" in done.stdout  # the ontology, then ceil(215 / 64) batches
    store = ox.Store(str(tmp_path / "loaded"))
    for shard in sorted(shards.iterdir()):
        store.bulk_load(path=str(shard), format=ox.RdfFormat.N_QUADS)
    refresh_counts(store, DEFAULT_BASE)
    assert quad_lines(store) == reference[1]


def test_dask_engine_needs_a_scheduler():
    result = subprocess.run([*KG, "build", "x", "--engine", "dask"], capture_output=True,
                            text=True)
    assert result.returncode == 2 and "--scheduler" in result.stderr
