"""Errors the library raises; the CLI shows each as one line `Error: ...` and exits 1."""

from __future__ import annotations


class KGError(Exception):
    """Base of every error a user can cause (bad input, bad query, missing store)."""


class InputError(KGError):
    """A listing file that cannot be read; names the file and, where known, the line."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        self.reason = message
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {message}")


class RecordError(KGError):
    """One bad record inside an otherwise readable file: skipped with a warning."""

    def __init__(self, path: str, line: int, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.reason = message
        super().__init__(f"{self.path}:{line}: {message}")


class SkippedFile(RecordError):
    """A file (or folder) inside a folder given to read that is passed over with a warning."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        super().__init__(path, line or 0, message)
        if not line:
            Exception.__init__(self, f"{self.path}: {message}")


class ConfigError(KGError):
    """A setting the library cannot use: a base IRI that is not absolute, an unknown engine."""


class StoreError(KGError):
    """The store is missing, locked or cannot be written."""


class MissingStoreError(StoreError):
    """No store where one should be read (the path was never built)."""


class EngineError(KGError):
    """An engine cannot run the batches: its package is missing or its cluster unreachable."""


class QueryError(KGError):
    """A SPARQL query that does not parse or is not allowed."""


class ExportError(KGError):
    """An export that cannot be written, or a format that does not exist."""


class ProjectionError(KGError):
    """A network selection that cannot be made: unknown type, unknown focus entity, bad limits."""


class ServeError(KGError):
    """The SPARQL server cannot be found, started or kept running."""


class PushError(KGError):
    """Uploading to a remote SPARQL endpoint failed (after retries); says what was sent."""


class FetchError(KGError):
    """Fetching from an API failed: host unreachable, query rejected, or a malformed page."""
