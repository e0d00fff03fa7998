"""The on-disk Oxigraph store: creating and opening it under a lock, loading batches
atomically, counting.

A store is a directory holding RocksDB's files and our marker file, which tells a store made
by us from any other directory. The marker is written first, saying "creating", and is
rewritten once RocksDB has created its files: a directory whose creation was cut short (a
kill at any moment) is recognised as ours and as not yet a store, so the next build starts
it afresh rather than refusing it, and readers report no store rather than reading half of
one.

Locks. Oxigraph's writer holds a POSIX write lock on RocksDB's LOCK file for as long as the
store object lives, so one writer excludes another. We add the rest on the same file:
`reserve_store` takes the write lock before RocksDB opens (a build holds it from the start,
even before it has created anything), and a read-only open takes a read lock, held until its
process exits, so a build never writes under a reader and a reader never opens a store being
written (Oxigraph: "opening as read-only while having an other process writing the database
is undefined behavior"). Either way the loser gets a StoreError naming the store and the
process that holds it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import struct
import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

import pyoxigraph as ox

from kg.errors import MissingStoreError, StoreError

DEFAULT_STORE = "kg-store"
_MARKER = "MEDIMG_KG_STORE"
_CREATING = b"creating\n"
_COMPLETE = b"medimg-kg store\n"  # earlier versions wrote an empty marker: complete too
_LOCK = "LOCK"  # RocksDB's own lock file
_CURRENT = "CURRENT"  # RocksDB writes it last when it creates a database


def open_store(path: str | Path = DEFAULT_STORE, *, read_only: bool = False) -> ox.Store:
    """Open (or, for writing, create) the store at `path`.

    Read-only opening never creates anything, so a mistyped `--store` is reported instead of
    silently querying an empty new store; it fails with a StoreError while another process
    writes the store, and keeps writers out until this process exits. A store opened for
    writing is locked for as long as the returned object lives.
    """
    path = Path(path)
    if read_only:
        return _open_read_only(path)
    reservation = reserve_store(path)
    try:
        return reservation.open()
    finally:
        reservation.release()


class Reservation:
    """The sole right to write one store, taken before any work starts (`reserve_store`).

    `exists` says whether a complete store is there; `open()` opens it, or creates it. The
    lock then lives with the store object. `release()` (or leaving the `with` block) gives
    the store up: a new store that was never opened is removed again, with the directory
    when the reservation made it, so a failed build leaves nothing behind.
    """

    def __init__(self, path: Path, fd: int, exists: bool, made_directory: bool) -> None:
        self.path = path
        self.exists = exists
        self._fd = fd
        self._made_directory = made_directory
        self._store: ox.Store | None = None
        self._opened = False
        self._released = False

    def open(self) -> ox.Store:
        """The store, opened for writing (created when it does not exist yet)."""
        if self._released:
            raise StoreError(f"the reservation of store {self.path} was released")
        if self._store is None:
            try:
                store = ox.Store(str(self.path))
            except OSError as exc:
                if "lock hold by current process" in str(exc):
                    # Our lock is that store's lock too: releasing it must not drop it.
                    self._opened = True
                    raise StoreError(f"store {self.path} is already open for writing in this "
                                     "process") from None
                raise StoreError(f"cannot open store {self.path}: {first_line(exc)}") from None
            self._opened = True
            if not self.exists:
                _write_marker(self.path, _COMPLETE)
                self.exists = True
            self._store = store
        return self._store

    def release(self) -> None:
        """Give the store up (see the class)."""
        if self._released:
            return
        self._released = True
        self._store = None
        if self._opened:
            return  # Oxigraph holds the lock now, until the store object is gone
        if not self.exists:
            # Reserved for a store that never came to be: leave the path as it was found.
            # (LOCK first: a kill in between leaves the marker, which says "unfinished".)
            for name in (_LOCK, _MARKER):
                with contextlib.suppress(FileNotFoundError):
                    (self.path / name).unlink()
            if self._made_directory:
                with contextlib.suppress(OSError):
                    self.path.rmdir()
        with contextlib.suppress(OSError):
            fcntl.lockf(self._fd, fcntl.LOCK_UN)

    def __enter__(self) -> Reservation:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()


def reserve_store(path: str | Path) -> Reservation:
    """Take the write lock of the store at `path`, creating its directory and marker (not
    the store itself) when there is none yet.

    Raises StoreError when the path is not ours (a file, a directory of other things) or
    when another process reads or writes the store, naming that process.
    """
    path = Path(path)
    for _ in range(3):  # again if the store vanished between our open and our lock
        reservation = _try_reserve(path)
        if reservation is not None:
            return reservation
    raise StoreError(f"cannot lock store {path}: it keeps being removed and created")


def _try_reserve(path: Path) -> Reservation | None:
    if path.exists() and not path.is_dir():
        raise StoreError(f"{path} exists and is not a directory")
    marker = path / _MARKER
    made_directory = False
    try:
        if path.is_dir():
            if not marker.exists() and any(path.iterdir()):
                raise StoreError(f"{path} is a non-empty directory that is not a medimg-kg store")
        else:
            with contextlib.suppress(FileExistsError):  # another build made it just now
                path.mkdir(parents=True)
                made_directory = True
        # The marker first: from here on a kill leaves a directory we know as ours.
        with contextlib.suppress(FileExistsError):
            fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            try:
                os.write(fd, _CREATING)
                os.fsync(fd)
            finally:
                os.close(fd)
        fd = _lock_fd(path / _LOCK, writable=True)
    except OSError as exc:
        what = "create store" if made_directory else "write to store"
        raise StoreError(f"cannot {what} {path}: {exc.strerror or exc}") from None
    _lock(path, fd, write=True)
    try:
        try:
            ours = os.fstat(fd).st_ino == os.stat(path / _LOCK).st_ino
            state = marker.read_bytes()
        except FileNotFoundError:
            ours = False  # a reservation that never came to be was being removed
        except OSError as exc:
            raise StoreError(f"cannot read store {path}: {exc.strerror or exc}") from None
        if not ours:
            fcntl.lockf(fd, fcntl.LOCK_UN)
            return None
        exists = _complete(path)
        if not exists and state == _CREATING:
            # An earlier creation was cut short: nothing in here is a store yet.
            try:
                for entry in path.iterdir():
                    if entry.name in (_MARKER, _LOCK):
                        continue
                    if entry.is_dir() and not entry.is_symlink():
                        shutil.rmtree(entry)
                    else:
                        entry.unlink()
            except OSError as exc:
                raise StoreError(f"cannot clear the unfinished store {path}: "
                                 f"{exc.strerror or exc}") from None
        elif not exists:
            _write_marker(path, _CREATING)
    except BaseException:
        with contextlib.suppress(OSError):
            fcntl.lockf(fd, fcntl.LOCK_UN)
        raise
    return Reservation(path, fd, exists, made_directory)


class ReadLock:
    """A store's read lock held without opening the store: writers stay out until
    `release()`. (`kg serve` holds one while its query processes come and go.)"""

    def __init__(self, path: Path, fd: int | None) -> None:
        self.path = path
        self._fd = fd

    def release(self) -> None:
        # This drops every lock this process has on the store, its other readers' too.
        if self._fd is not None:
            with contextlib.suppress(OSError):
                fcntl.lockf(self._fd, fcntl.LOCK_UN)
            self._fd = None


def lock_for_reading(path: str | Path) -> ReadLock:
    """Take the read lock of the store at `path`: MissingStoreError when there is no
    complete store, StoreError naming the process that writes it."""
    path = Path(path)
    if not (path / _MARKER).exists():
        raise MissingStoreError(f"no store at {path}")
    fd = None
    if (path / _LOCK).exists():
        try:
            fd = _lock_fd(path / _LOCK, writable=False)
        except OSError as exc:
            raise StoreError(f"cannot open store {path}: {exc.strerror or exc}") from None
        _lock(path, fd, write=False)
    if not _complete(path):
        raise MissingStoreError(f"no store at {path} (its creation was interrupted)")
    return ReadLock(path, fd)


def _open_read_only(path: Path) -> ox.Store:
    lock_for_reading(path)  # held until this process exits: the store object cannot say
    try:
        return ox.Store.read_only(str(path))
    except OSError as exc:
        raise StoreError(f"cannot open store {path}: {first_line(exc)}") from None


def _complete(path: Path) -> bool:
    """Whether the directory holds a store whose creation finished."""
    try:
        marker = (path / _MARKER).read_bytes()
    except OSError:
        return False
    return not marker.startswith(_CREATING.strip()) and (path / _CURRENT).exists()


def _write_marker(path: Path, content: bytes) -> None:
    tmp = path / f".{_MARKER}.{os.getpid()}.tmp"
    try:
        tmp.write_bytes(content)
        with open(tmp, "rb") as done:
            os.fsync(done.fileno())
        os.replace(tmp, path / _MARKER)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise StoreError(f"cannot write to store {path}: {exc.strerror or exc}") from None


# ------------------------------------------------------------------------ locks

# POSIX locks belong to the process, and closing any descriptor of a file drops all of the
# process's locks on it, Oxigraph's included: each LOCK file gets one descriptor, never closed.
_LOCK_FDS: dict[str, tuple[int, bool]] = {}
_KEPT: list[int] = []
_LOCK_FDS_LOCK = threading.Lock()


def _lock_fd(lock: Path, writable: bool) -> int:
    key = os.path.realpath(lock)
    with _LOCK_FDS_LOCK:
        held = _LOCK_FDS.get(key)
        if held is not None:
            fd, fd_writable = held
            try:
                same = os.fstat(fd).st_ino == os.stat(key).st_ino
            except FileNotFoundError:
                same = False
            if same and (fd_writable or not writable):
                return fd
            _KEPT.append(fd)
        if writable:
            fd = os.open(key, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        else:
            fd = os.open(key, os.O_RDONLY | os.O_CLOEXEC)
        _LOCK_FDS[key] = (fd, writable)
        return fd


def _lock(path: Path, fd: int, write: bool) -> None:
    """Take the read or write lock on `fd`, or raise StoreError naming who holds it."""
    for _ in range(3):
        try:
            fcntl.lockf(fd, (fcntl.LOCK_EX if write else fcntl.LOCK_SH) | fcntl.LOCK_NB)
            return
        except OSError as exc:
            if exc.errno not in (errno.EACCES, errno.EAGAIN):
                raise StoreError(f"cannot lock store {path}: {exc.strerror or exc}") from None
        holder = _holder(fd, write)
        if holder is None:
            continue  # gone between our attempt and our question: try again
        pid, writing = holder
        who = _describe(pid) if pid else "another process"
        if writing:
            raise StoreError(f"store {path} is being written by {who}; "
                             "try again when it has finished")
        raise StoreError(f"store {path} is open for reading by {who}; "
                         "stop it before writing to the store")
    raise StoreError(f"store {path} is in use by another process")


def _holder(fd: int, write: bool) -> tuple[int, bool] | None:
    """(pid or 0 when unknown, whether it writes) of a lock in the way, None when none is."""
    if not sys.platform.startswith("linux"):
        return 0, True  # struct flock's layout differs by platform; Linux is the one we know
    query = struct.pack("hhqqi", fcntl.F_WRLCK if write else fcntl.F_RDLCK, os.SEEK_SET, 0, 0, 0)
    try:
        kind, _, _, _, pid = struct.unpack("hhqqi", fcntl.fcntl(fd, fcntl.F_GETLK, query))
    except OSError:
        return 0, True
    if kind == fcntl.F_UNLCK:
        return None
    return pid, kind == fcntl.F_WRLCK


def _describe(pid: int, hops: int = 1) -> str:
    """`pid 1234 (kg build corpus)`: the process and its command line, as far as we see it."""
    try:
        argv = [a.decode("utf-8", "replace")
                for a in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") if a]
    except OSError:
        return f"pid {pid}"
    if hops and any("kg.sandbox" in a for a in argv):
        # A query process of `kg serve` or `kg query`: name the command that started it.
        with contextlib.suppress(OSError, ValueError, IndexError):
            stat = Path(f"/proc/{pid}/stat").read_text()
            return _describe(int(stat[stat.rindex(")") + 2:].split()[1]), hops - 1)
    if len(argv) > 1 and Path(argv[0]).name.startswith("python") and argv[1][:1] != "-":
        argv = argv[1:]  # python .../bin/kg build: the script is the command
    if argv:
        argv[0] = Path(argv[0]).name
    text = "".join(c if c.isprintable() else "?" for c in " ".join(argv))
    text = text if len(text) <= 70 else text[:69] + "…"
    return f"pid {pid} ({text})" if text else f"pid {pid}"


def is_store(path: str | Path) -> bool:
    """Whether `path` is a store folder made by this package."""
    return (Path(path) / _MARKER).exists()


def optimize(store: ox.Store) -> None:
    """Compact the store's files (RocksDB compaction): after many builds into one store,
    reads get faster and the folder smaller."""
    try:
        store.optimize()
    except OSError as exc:
        raise StoreError(f"optimizing the store failed: {first_line(exc)}") from None


def add_batch(store: ox.Store, quads: Iterable[ox.Quad]) -> None:
    """Insert one batch in a single transaction: all of it lands, or none of it."""
    try:
        store.extend(quads)
    except OSError as exc:
        raise StoreError(f"writing to the store failed: {first_line(exc)}") from None


def select(store: ox.Store, query: str, **options: Any) -> ox.QuerySolutions:
    """Rows of a SELECT query (`options` as for `Store.query`)."""
    rows = store.query(query, **options)
    if not isinstance(rows, ox.QuerySolutions):
        raise TypeError(f"not a SELECT query: {query[:60]!r}")
    return rows


def triple_count(store: ox.Store) -> int:
    """Number of triples in the default graph: the facts, without the counts kept in the
    statistics graph (kg.counts)."""
    # len() walks one index without decoding terms; the named graphs are small, and counted
    # one by one (with the graph unbound, COUNT(*) walks the default graph too).
    named = 0
    for graph in store.named_graphs():
        rows = select(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}")
        named += int(next(iter(rows))["n"].value)
    return len(store) - named


def first_line(exc: BaseException) -> str:
    """The first line of an error's message (RocksDB's carry several)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__
