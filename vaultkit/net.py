"""One polite HTTP client for every source: cache -> per-host rate limit -> send -> retry.

- The SQLite cache (requests-cache) sits in front of the rate limiter
  (requests-ratelimiter), so cache hits cost no request and no wait.
- Retries only on 429, 5xx and connection errors, with exponential backoff
  that honours ``Retry-After`` (as Bio.Entrez does); other 4xx fail at once.
- Offline (asked for, or after the first connection failure to a host): no
  more requests to that host in this run; cached answers are still used.
- Secret parameters (``api_key``, ``email``) are left out of cache keys and
  redacted from stored responses, and never appear in messages.
"""

from __future__ import annotations

import email.utils
import json
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from vaultkit import __version__
from vaultkit.errors import SourceError

USER_AGENT = f"vaultkit/{__version__} (+https://pypi.org/project/vaultkit/; Obsidian gene notes)"
SECRET_PARAMS = ("api_key", "email", "tool")
RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_RETRY_AFTER = 120.0  # a server asking for longer than this is treated as down
DEFAULT_RATE = 5.0  # requests per second for hosts with no published limit


# What a damaged or foreign row of the SQLite cache can raise while requests-cache reads it.
_CACHE_ERRORS = (sqlite3.Error, AttributeError, TypeError, ValueError, KeyError)
MAX_ANSWER_BYTES = 16 * 1024 * 1024  # far above any answer vaultkit asks for


def _why(exc: requests.RequestException) -> str:
    """One line, no traceback, saying what went wrong with a request."""
    if isinstance(exc, requests.TooManyRedirects):
        return "too many redirects (a redirect loop); nothing was fetched"
    if isinstance(
        exc, (requests.exceptions.InvalidSchema, requests.exceptions.MissingSchema, requests.exceptions.InvalidURL)
    ):
        return "redirected to an address vaultkit does not follow (only http and https); nothing was fetched"
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        return "the answer could not be decompressed (a broken gzip or deflate body)"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "the answer was cut off while it was being received"
    return f"the request failed ({type(exc).__name__})"


class OfflineMiss(SourceError):
    """Offline, and the answer is not in the cache."""


@dataclass
class NetStats:
    """What the client did in this run (for reports and the benchmark)."""

    sent: int = 0
    cached: int = 0
    throttled: int = 0  # 429 answers received
    retries: int = 0
    offline_hosts: set[str] = field(default_factory=set)
    notices: list[str] = field(default_factory=list)


def _session_class() -> type:
    from requests_cache import CacheMixin
    from requests_ratelimiter import LimiterMixin

    class CachedLimiterSession(CacheMixin, LimiterMixin, requests.Session):  # type: ignore[misc]
        """Cache first (hits are free), then the per-host limiter, then the network."""

    return CachedLimiterSession


def retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


class HttpClient:
    """JSON over HTTP with caching, per-host limits, retries and offline mode.

    Parameters
    ----------
    cache_path
        SQLite file for the response cache, or None for no persistent cache.
    rates
        Requests per second by host name; other hosts get ``DEFAULT_RATE``.
    sleep, wall_clock
        Injected for tests (a fake clock makes backoff instant and checkable).
    """

    def __init__(
        self,
        cache_path: Path | None,
        *,
        rates: dict[str, float] | None = None,
        offline: bool = False,
        timeout: float = 20.0,
        retries: int = 3,
        backoff: float = 1.0,
        expire_after: float = 7 * 86400,
        sleep: Callable[[float], None] | None = None,
        wall_clock: Callable[[], float] | None = None,
    ) -> None:
        self.cache_path = cache_path
        self.rates = rates or {}
        self.offline = offline
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.expire_after = expire_after
        # Looked up at call time, so a test can replace time.sleep for the whole run.
        self.sleep = sleep or (lambda seconds: time.sleep(seconds))
        self.wall_clock = wall_clock or time.time
        self.stats = NetStats()
        self._sessions: dict[str, requests.Session] = {}
        self._backend: Any = None

    def _session(self, host: str) -> requests.Session:
        """One session per host (each has its own rate), all sharing one cache backend."""
        if host not in self._sessions:
            if self._backend is None:
                from requests_cache import SQLiteCache
                from requests_cache.backends import BaseCache

                if self.cache_path is not None:
                    self.cache_path.parent.mkdir(parents=True, exist_ok=True)
                    # JSON rows, never pickle: the cache file is data a planted row cannot turn into code.
                    self._backend = SQLiteCache(str(self.cache_path), serializer="json")
                else:
                    self._backend = BaseCache()
            session = _session_class()(
                backend=self._backend,
                expire_after=self.expire_after,
                allowable_methods=("GET", "POST"),
                allowable_codes=(200,),
                ignored_parameters=list(SECRET_PARAMS),
                match_headers=False,
                stale_if_error=False,
                per_second=self.rates.get(host, DEFAULT_RATE),
                per_host=True,
                limit_statuses=(429,),
            )
            session.headers["User-Agent"] = USER_AGENT
            self._sessions[host] = session
        return self._sessions[host]

    def _offline_for(self, host: str) -> bool:
        return self.offline or host in self.stats.offline_hosts

    def get_json(self, url: str, params: dict[str, Any] | None = None, *, data: dict[str, Any] | None = None) -> Any:
        """GET (or POST when ``data`` is given) ``url`` and return its JSON.

        Raises OfflineMiss when offline with nothing cached, SourceError for
        anything else that is not a JSON answer (with the host and status).
        """
        host = urlsplit(url).hostname or url
        session = self._session(host)
        method = "POST" if data is not None else "GET"
        response = self._send(session, host, method, url, params, data)
        if getattr(response, "from_cache", False):
            self.stats.cached += 1
        if len(response.content) > MAX_ANSWER_BYTES:
            self._forget(session, response)
            raise SourceError(
                f"{host} answered {len(response.content)} bytes, more than vaultkit reads "
                f"({MAX_ANSWER_BYTES}); nothing was used"
            )
        try:
            ctype = response.headers.get("Content-Type", "")
            if "html" in ctype.lower() or response.text.lstrip().startswith("<"):
                raise ValueError("an HTML page")
            return json.loads(response.text)
        except (ValueError, RecursionError) as exc:  # RecursionError: JSON nested thousands deep
            self._forget(session, response)
            what = exc.args[0] if exc.args and exc.args[0] == "an HTML page" else "unreadable JSON"
            raise SourceError(f"{host} answered {what} where JSON was expected (HTTP {response.status_code})") from None

    def _forget(self, session: requests.Session, response: requests.Response) -> None:
        """Drop a bad answer from the cache so the next run asks again."""
        try:
            session.cache.delete(requests=[response.request])  # type: ignore[attr-defined]
        except Exception:  # a cache we cannot clean costs one more request next run, no more
            pass

    def _send(
        self,
        session: requests.Session,
        host: str,
        method: str,
        url: str,
        params: dict[str, Any] | None,
        data: dict[str, Any] | None,
    ) -> requests.Response:
        if self._offline_for(host):
            return self._cached_only(session, host, method, url, params, data)
        attempt = 0
        while True:
            try:
                # A short connect timeout: an unreachable network should not stall a refresh.
                response = session.request(
                    method, url, params=params, data=data, timeout=(min(5.0, self.timeout), self.timeout)
                )
            except requests.exceptions.SSLError:
                raise SourceError(
                    f"{host}: the secure connection failed (TLS certificate or handshake); nothing was fetched from it"
                ) from None
            except requests.ConnectionError:  # refused, DNS failure, or ConnectTimeout (a subclass)
                self.stats.offline_hosts.add(host)
                self.stats.notices.append(f"{host} cannot be reached; working offline for it (cached answers only)")
                return self._cached_only(session, host, method, url, params, data)
            except requests.Timeout:
                response = None
            except requests.RequestException as exc:  # redirect loops, ftp:// redirects, bad gzip, cut-off bodies
                raise SourceError(f"{host}: {_why(exc)}") from None
            except _CACHE_ERRORS as exc:  # a cache row this version cannot read: one clean message, no traceback
                raise SourceError(
                    f"{host}: unreadable answer in the cache ({type(exc).__name__}); "
                    "delete .vaultkit/http_cache.sqlite to start afresh"
                ) from None
            if response is not None and not getattr(response, "from_cache", False):
                self.stats.sent += 1
                if response.status_code == 429:
                    self.stats.throttled += 1
            if response is not None and response.status_code not in RETRY_STATUSES:
                if response.status_code >= 400:
                    raise SourceError(f"{host} refused the request: HTTP {response.status_code}")
                return response
            if attempt >= self.retries:
                status = "timed out" if response is None else f"HTTP {response.status_code}"
                raise SourceError(f"{host} failed after {attempt + 1} attempts ({status}); try again later")
            wait = self.backoff * 2**attempt
            if response is not None:
                asked = retry_after(response.headers.get("Retry-After"), self.wall_clock())
                if asked is not None:
                    if asked > MAX_RETRY_AFTER:
                        raise SourceError(
                            f"{host} asked to wait {asked:.0f} s (HTTP {response.status_code}); try later"
                        )
                    wait = max(wait, asked)
            attempt += 1
            self.stats.retries += 1
            self.sleep(wait)

    def _cached_only(
        self,
        session: requests.Session,
        host: str,
        method: str,
        url: str,
        params: dict[str, Any] | None,
        data: dict[str, Any] | None,
    ) -> requests.Response:
        try:
            response = session.request(method, url, params=params, data=data, only_if_cached=True)
        except (requests.RequestException, *_CACHE_ERRORS):  # a cache row this version cannot read
            raise OfflineMiss(f"offline: no readable cached answer from {host}") from None
        if response.status_code == 504 or not getattr(response, "from_cache", False):
            raise OfflineMiss(f"offline: no cached answer from {host}")
        return response
