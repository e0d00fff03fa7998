"""The folder `kg fetch` writes: numbered pages as the API returned them, and a state file.

    DIR/arxiv-000001.xml, arxiv-000002.xml, ...   one API answer each, written atomically
    DIR/.kg-fetch-arxiv.json                       the run: query, offsets, pages done

A page is written to a hidden temporary file, synced and renamed into place, so a reader
(`kg build DIR`) never sees half a page; the state file is replaced the same way. Before a
page is written the state names it as pending with its offset, so a run killed between
the page's rename and the state update adopts the page on resume instead of fetching it
again. Hidden files are skipped by `kg build`, so the state never reads as a listing.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

from kg.errors import FetchError

STATE_FORMAT = 1

try:  # POSIX: one fetch at a time per folder
    import fcntl
except ImportError:  # pragma: no cover - Windows has no fcntl; run without the lock
    fcntl = None  # type: ignore[assignment]


@dataclass
class Page:
    file: str
    start: int  # offset of its first result in the API's result list
    requested: int  # results asked for
    count: int = 0  # results it holds


@dataclass
class Run:
    """One fetch command's progress through the API's results."""

    source: str
    query: str
    since: str | None  # as given: "YYYY-MM-DD", "last" or None
    since_date: str | None  # what "last" resolved to, or the date given
    max: int | None
    first_page: int
    base_url: str
    step: str = "count"  # the next offset adds each page's "count" (arXiv) or "requested"
    pages: list[Page] = field(default_factory=list)
    pending: Page | None = None
    total: int | None = None  # results the API reports for the query
    done: bool = False
    stop: str | None = None  # "max" | "end" | "since"
    extra: dict[str, Any] = field(default_factory=dict)  # PubMed's WebEnv and query_key

    @property
    def fetched(self) -> int:
        return sum(p.count for p in self.pages)

    @property
    def next_start(self) -> int:
        if not self.pages:
            return 0
        last = self.pages[-1]
        return last.start + (last.requested if self.step == "requested" else last.count)

    def next_file(self) -> int:
        return self.first_page + len(self.pages)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Run:
        data = dict(data)
        data.pop("format", None)
        data["pages"] = [Page(**p) for p in data.get("pages", [])]
        data["pending"] = Page(**data["pending"]) if data.get("pending") else None
        return cls(**data)

    def to_json(self) -> dict[str, Any]:
        return {"format": STATE_FORMAT, **asdict(self)}


def page_name(source: str, number: int) -> str:
    return f"{source}-{number:06d}.xml"


def _sync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that the path holds either the old or the whole new content."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise FetchError(f"{path}: cannot write ({exc.strerror or exc})") from None
    _sync_dir(path.parent)


class PageDir:
    """The output folder of one source, locked while a fetch writes to it."""

    def __init__(self, directory: str | Path, source: str) -> None:
        self.dir = Path(directory)
        self.source = source
        self.state_path = self.dir / f".kg-fetch-{source}.json"
        self._page_re = re.compile(rf"^{re.escape(source)}-(\d{{6,}})\.xml$")
        self._lock: TextIO | None = None

    def __enter__(self) -> PageDir:
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise FetchError(f"{self.dir}: cannot create ({exc.strerror or exc})") from None
        if not self.dir.is_dir():
            raise FetchError(f"{self.dir}: not a directory")
        if fcntl is not None:
            self._lock = open(self.dir / ".kg-fetch.lock", "a")  # noqa: SIM115 - held open
            try:
                fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                self._lock.close()
                self._lock = None
                raise FetchError(f"{self.dir}: another kg fetch is writing to this folder") \
                    from None
        # Temporary files a killed run left behind (see atomic_write).
        for pattern in (f".{self.source}-*.tmp", f".{self.state_path.name}.*.tmp"):
            for stale in self.dir.glob(pattern):
                stale.unlink(missing_ok=True)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._lock is not None:
            self._lock.close()  # closing releases the lock
            self._lock = None

    def path(self, name: str) -> Path:
        return self.dir / name

    def page_files(self) -> list[tuple[int, Path]]:
        """(number, path) of this source's pages already in the folder, in order."""
        found = []
        for entry in self.dir.iterdir():
            m = self._page_re.match(entry.name)
            if m and entry.is_file():
                found.append((int(m[1]), entry))
        return sorted(found)

    def next_number(self) -> int:
        pages = self.page_files()
        return pages[-1][0] + 1 if pages else 1

    def write_page(self, number: int, body: bytes) -> Path:
        path = self.path(page_name(self.source, number))
        atomic_write(path, body)
        return path

    def load(self) -> Run | None:
        if not self.state_path.exists():
            return None
        try:
            data = json.loads(self.state_path.read_text(encoding="utf-8"))
            if data.get("format") != STATE_FORMAT or data.get("source") != self.source:
                raise ValueError("unknown state format")
            return Run.from_json(data)
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise FetchError(f"{self.state_path}: unreadable fetch state ({exc}); delete it to "
                             "start over (the pages already fetched stay)") from None

    def save(self, run: Run) -> None:
        text = json.dumps(run.to_json(), indent=1, ensure_ascii=False) + "\n"
        atomic_write(self.state_path, text.encode("utf-8"))
