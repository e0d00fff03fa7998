"""Files that appear whole or not at all: N-Quads shards for bulk loaders, and the one
atomic-write helper every file the package writes goes through (shards, exports).

A shard is one batch's N-Quads, named `{index:06d}-{content hash}.nq`: sorted names give
the load order, the hash the content, so rerunning a build rewrites nothing.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from kg.errors import ExportError, StoreError


def write_atomically(path: str | Path, write: Callable[[Path], object]) -> None:
    """Run `write(tmp)` on a temporary file beside `path`, flush it to disk and move it over
    `path` only if that all succeeded: readers see the old file or the whole new one, and a
    killed process leaves no half-written file under the final name.

    Raises OSError (the caller says what it was writing); a failed write removes its
    temporary file.
    """
    path = Path(path)
    # A name of our own rather than mkstemp's: the file gets the usual permissions (umask),
    # not mkstemp's owner-only ones.
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    try:
        write(tmp)
        with open(tmp, "rb") as done:
            os.fsync(done.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_output(path: str | Path, write: Callable[[Path], object]) -> None:
    """`write_atomically` for a file a user asked for: failures are ExportErrors naming it."""
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        raise ExportError(f"cannot write {path}: folder {folder} does not exist")
    try:
        write_atomically(path, write)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None


def shard_name(index: int, nquads: bytes) -> str:
    """`{index:06d}-{content hash}.nq`: sorted names give load order, the hash the content."""
    return f"{index:06d}-{hashlib.sha256(nquads).hexdigest()[:16]}.nq"


class ShardWriter:
    """Writes N-Quads shards into one folder, atomically and idempotently.

    A shard appears under its final name only when complete, so a killed build leaves whole
    shards; rerunning it rewrites nothing already there.
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
        try:
            write_atomically(path, lambda tmp: tmp.write_bytes(nquads))
        except OSError as exc:
            raise StoreError(f"cannot write shard {path}: {exc.strerror or exc}") from None
        return path
