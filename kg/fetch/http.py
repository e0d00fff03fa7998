"""A polite HTTP client for the paper APIs: one request at a time, a fixed pause, retries.

Each request starts at least `delay` seconds after the previous one finished (so the gap
the server sees is never shorter, whatever the network does). A 429/5xx answer or a
connection failure is retried after a backoff that doubles each time, or after the
server's Retry-After when it sends one, and never sooner than `delay`.
"""

from __future__ import annotations

import email.utils
import http.client
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from kg import __version__
from kg.errors import FetchError

USER_AGENT = f"medimg-kg/{__version__} (knowledge-graph builder; Python urllib)"
DEFAULT_TIMEOUT = 60.0
DEFAULT_RETRIES = 4
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
# A server that asks for a longer pause than this is not coming back soon.
MAX_RETRY_AFTER = 600.0


@dataclass(frozen=True)
class Response:
    url: str
    status: int
    body: bytes


def where(url: str) -> str:
    """The URL without its query string, for messages (queries can be long)."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _reason(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.URLError):
        exc = exc.reason if isinstance(exc.reason, BaseException) else exc
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the host up?)"
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return "no answer in time (timed out)"
    if isinstance(exc, socket.gaierror):
        return f"host name not found ({exc.strerror or exc})"
    if isinstance(exc, ConnectionResetError):
        return "connection reset by the server"
    if isinstance(exc, http.client.IncompleteRead):
        return "the answer was cut off"
    if isinstance(exc, http.client.RemoteDisconnected):
        return "the server closed the connection without answering"
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return text


class PoliteClient:
    """GET requests in sequence with a minimum pause, retrying what is worth retrying."""

    def __init__(
        self, delay: float, retries: int = DEFAULT_RETRIES, timeout: float = DEFAULT_TIMEOUT,
        backoff: float | None = None, sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.delay = delay
        self.retries = retries
        self.timeout = timeout
        self.backoff = backoff if backoff is not None else max(delay, 1.0)
        self.sleep = sleep
        self.requests = 0
        self.retried = 0
        self._last_done: float | None = None

    def _pause(self, seconds: float) -> None:
        if self._last_done is None:
            return
        remaining = self._last_done + seconds - time.monotonic()
        if remaining > 0:
            self.sleep(remaining)

    def _once(self, url: str) -> Response:
        request = urllib.request.Request(url, headers={
            "User-Agent": USER_AGENT,
            "Accept": "application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1",
        })
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                return Response(url, answer.status, answer.read())
        finally:
            self.requests += 1
            self._last_done = time.monotonic()

    def get(self, url: str, params: Mapping[str, object]) -> Response:
        """The answer to GET url?params; a non-retried HTTP error status is returned too.

        FetchError when every attempt failed (host down, or still 429/5xx after retries).
        """
        full = url + ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
        wait = self.delay
        problem = ""
        for attempt in range(self.retries + 1):
            self._pause(wait)
            try:
                return self._once(full)
            except urllib.error.HTTPError as exc:
                try:
                    body = exc.read()
                except (OSError, http.client.HTTPException):
                    body = b""
                if exc.code not in RETRY_STATUS:
                    return Response(full, exc.code, body)
                problem = f"HTTP {exc.code} {exc.reason}".rstrip()
                asked = retry_after(exc.headers.get("Retry-After") if exc.headers else None)
                if asked is not None and asked > MAX_RETRY_AFTER:
                    raise FetchError(f"{where(url)}: {problem}; the server asks to wait "
                                     f"{asked:.0f} s before trying again") from None
                wait = asked if asked is not None else self.backoff * 2**attempt
            except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
                problem = _reason(exc)
                wait = self.backoff * 2**attempt
            wait = max(wait, self.delay)
            if attempt < self.retries:
                self.retried += 1
        attempts = self.retries + 1
        raise FetchError(f"{where(url)}: {problem} "
                         f"(gave up after {attempts} attempt{'s' if attempts > 1 else ''})")
