"""HTTP transport for the Registry client: retries, politeness, conditional cache, clear errors.

One job: send a request and return a *complete, validated* body, or raise a
:class:`~ler_analytics.errors.RegistryError` that names the URL, the status and the next step.

* Retries with exponential backoff and full jitter on 408/425/429/5xx, timeouts, connection resets and
  truncated or corrupt bodies; ``Retry-After`` (seconds or an HTTP date) is honoured.
* A politeness limit (requests per second, shared by all threads): about 2/s for remote hosts by default,
  none for loopback (the Registry twin).
* An optional on-disk cache for GET requests that revalidates with ``If-None-Match`` /
  ``If-Modified-Since`` when the server sent ``ETag`` / ``Last-Modified``. Cache file names are hashes
  of the URL only; the API key is never part of a URL, a file name, a log line or an error message.
* A ``User-Agent`` naming the project and version.

The transport is thread-safe: one ``httpx.Client`` with a connection pool sized to the concurrency.
"""

from __future__ import annotations

import email.utils
import hashlib
import ipaddress
import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from ler_analytics import __version__
from ler_analytics.errors import RegistryError
from ler_analytics.log import get_logger

log = get_logger("registry.http")

PROJECT_URL = "https://github.com/ler-analytics/ler_analytics"
USER_AGENT = f"ler_analytics/{__version__} (+{PROJECT_URL})"
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
DEFAULT_REMOTE_RATE = 2.0  # requests per second for a non-loopback host (see docs/registry-api.md §2.8)
REDACTED = "***"


class BodyError(ValueError):
    """A response body was truncated or could not be parsed (the request is retried)."""


def redact(text: str, secrets: tuple[str | None, ...]) -> str:
    """Replace every occurrence of each secret in ``text`` with ``***``.

    Args:
        text: any text that may end up in a message or log line.
        secrets: values that must never be shown (``None`` and very short values are ignored).

    Returns:
        The text with secrets removed.
    """
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    return text


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date); ``None`` if absent/bad.

    Examples:
        >>> parse_retry_after("3")
        3.0
        >>> parse_retry_after("soon") is None
        True
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def is_loopback_url(url: str) -> bool:
    """True when the URL's host is ``localhost`` or a loopback address."""
    host = (urlsplit(url).hostname or "").strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long to wait before trying a request again.

    Attributes:
        max_attempts: total attempts per request (first try included).
        base_delay: first backoff step in seconds; step ``n`` is ``base_delay * 2**n``, capped.
        max_delay: cap of one computed backoff step.
        max_retry_after: longest ``Retry-After`` we accept; longer asks fail with a clear message.
    """

    max_attempts: int = 8
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 300.0

    def delay(self, attempt: int, retry_after: float | None = None, rng: random.Random | None = None) -> float:
        """Seconds to sleep before attempt ``attempt + 1`` (``attempt`` counts from 0).

        With a ``Retry-After`` value the server's wish wins (plus up to 10% jitter so that parallel
        workers do not return in lockstep); otherwise "full jitter" exponential backoff.
        """
        rng = rng or random
        if retry_after is not None:
            return min(retry_after, self.max_retry_after) * (1.0 + 0.1 * rng.random())
        cap = min(self.max_delay, self.base_delay * (2**attempt))
        return rng.uniform(cap / 2, cap)


class RateLimiter:
    """Spaces requests at least ``1/rate`` seconds apart across all threads (``rate=None``: no limit)."""

    def __init__(self, rate: float | None) -> None:
        self.interval = 0.0 if not rate else 1.0 / rate
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until the next request may start."""
        if self.interval <= 0:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            time.sleep(start - now)


@dataclass
class Response:
    """A complete response: status, headers, exact body bytes and (optionally) the parsed body."""

    url: str
    status: int
    headers: dict[str, str]
    content: bytes
    parsed: Any = None
    from_cache: bool = False

    def header(self, name: str) -> str | None:
        """A header value by case-insensitive name."""
        return self.headers.get(name.lower())


@dataclass
class TransportStats:
    """Counters for one transport (thread-safe increments through :meth:`add`)."""

    requests: int = 0
    retries: int = 0
    bytes_received: int = 0
    cache_hits: int = 0
    faults: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(
        self, *, requests: int = 0, retries: int = 0, nbytes: int = 0, cache_hits: int = 0, fault: str = ""
    ) -> None:
        """Add to the counters."""
        with self._lock:
            self.requests += requests
            self.retries += retries
            self.bytes_received += nbytes
            self.cache_hits += cache_hits
            if fault:
                self.faults[fault] = self.faults.get(fault, 0) + 1

    def as_dict(self) -> dict[str, Any]:
        """Plain dict of the counters."""
        with self._lock:
            return {
                "requests": self.requests,
                "retries": self.retries,
                "bytes_received": self.bytes_received,
                "cache_hits": self.cache_hits,
                "faults": dict(self.faults),
            }


class HttpCache:
    """On-disk cache of GET responses that carry a validator (``ETag`` or ``Last-Modified``).

    Entries are ``<sha256(url)>.json`` (status, validators, headers) and ``<sha256(url)>.body``.
    The key hashes the URL (with query) and whether the request was authenticated, never the key.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def _key(self, url: str, authenticated: bool) -> str:
        return hashlib.sha256(f"GET {url} auth={int(authenticated)}".encode()).hexdigest()

    def get(self, url: str, authenticated: bool) -> tuple[dict[str, Any], bytes] | None:
        """Cached metadata and body for ``url``, or ``None``."""
        key = self._key(url, authenticated)
        meta_path = self.directory / f"{key}.json"
        body_path = self.directory / f"{key}.body"
        try:
            meta = json.loads(meta_path.read_text())
            body = body_path.read_bytes()
        except (OSError, ValueError):
            return None
        if hashlib.sha256(body).hexdigest() != meta.get("sha256"):
            return None  # a damaged entry is ignored and will be replaced
        return meta, body

    def put(self, url: str, authenticated: bool, response: Response) -> None:
        """Store a response if it has a validator."""
        etag = response.header("etag")
        modified = response.header("last-modified")
        if response.status != 200 or not (etag or modified):
            return
        from ler_analytics.snapshot import atomic_write_bytes, atomic_write_json

        key = self._key(url, authenticated)
        atomic_write_bytes(self.directory / f"{key}.body", response.content)
        kept = ("content-type", "etag", "last-modified")
        keep = {k: v for k, v in response.headers.items() if k.startswith("x-") or k in kept}
        atomic_write_json(
            self.directory / f"{key}.json",
            {"url": url, "etag": etag, "last_modified": modified, "headers": keep,
             "sha256": hashlib.sha256(response.content).hexdigest(), "stored_at": time.time()},
        )


def _next_step(status: int, auth_header_sent: bool, host: str) -> str:
    if status == 401:
        if auth_header_sent:
            return (
                "the server rejected the API key. Check it in your Credential Engine account and set it with "
                "`export LER_REGISTRY_API_KEY=...` (or --api-key, or ~/.config/ler_analytics/api_key)."
            )
        return (
            "this route needs a Credential Engine API key. Get one from the Credential Engine Accounts site and "
            "set it with `export LER_REGISTRY_API_KEY=...` (or pass --api-key / api_key=)."
        )
    if status == 403:
        return "your API key is not allowed to use this route; ask Credential Engine for access or use another route."
    if status == 404:
        return "nothing exists at this address; check the CTID or id (CTIDs look like ce-<uuid>) and the community."
    if status == 400:
        return "the server refused the request parameters; check the values you passed."
    if status == 429:
        return f"{host} is rate limiting us; retry later or lower --concurrency (keep the default politeness limit)."
    if status >= 500:
        return f"{host} had a server error; retry later (a harvest can be continued with --resume)."
    return "see the response text for details."


class Transport:
    """Thread-safe HTTP transport with retries, a politeness limit and an optional conditional cache.

    Args:
        base_url: used only to decide defaults (politeness for loopback vs. remote hosts).
        timeout: seconds for connect/read/write/pool.
        retry: the retry policy.
        rate_limit: requests per second; ``"auto"`` = 2/s for remote hosts, unlimited for loopback;
            ``None`` or ``0`` = unlimited.
        max_connections: size of the connection pool (set it to the harvest concurrency).
        cache_dir: folder of the on-disk HTTP cache (``None``: no cache).
        user_agent: the ``User-Agent`` header.
        secrets: values to scrub from every message this transport produces (the API key).
        seed: random seed for backoff jitter (tests).
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        rate_limit: float | str | None = "auto",
        max_connections: int = 8,
        cache_dir: Path | None = None,
        user_agent: str = USER_AGENT,
        secrets: tuple[str | None, ...] = (),
        seed: int | None = None,
    ) -> None:
        if rate_limit == "auto":
            rate = None if is_loopback_url(base_url) else DEFAULT_REMOTE_RATE
        elif isinstance(rate_limit, str):
            raise ValueError(f"rate_limit must be a number, None or 'auto', not {rate_limit!r}")
        else:
            rate = rate_limit or None
        self.retry = retry or RetryPolicy()
        self.limiter = RateLimiter(rate)
        self.cache = HttpCache(cache_dir) if cache_dir else None
        self.stats = TransportStats()
        self._secrets = secrets
        self._rng = random.Random(seed)
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
            headers={"User-Agent": user_agent, "Accept": "application/json"},
            follow_redirects=True,
            trust_env=True,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def _redact(self, text: str) -> str:
        return redact(text, self._secrets)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        auth: str | None = None,
        parse: Callable[[bytes], Any] | None = None,
        use_cache: bool = False,
        ok_statuses: tuple[int, ...] = (200,),
    ) -> Response:
        """Send one request, retrying transient failures, and return the complete response.

        Args:
            method: ``GET`` or ``POST``.
            url: absolute URL without credentials.
            params: query parameters (encoded by httpx; never string-concatenated).
            json_body: body sent as JSON (``POST``).
            auth: the full ``Authorization`` header value, or ``None``.
            parse: turns the body into a value; raising ``ValueError`` marks the body corrupt (retried).
            use_cache: use the on-disk cache for this GET (if the transport has one).
            ok_statuses: statuses returned to the caller instead of raised.

        Raises:
            RegistryError: after the last attempt, or at once for non-transient statuses.
        """
        request = self._client.build_request(
            method, url, params={k: v for k, v in (params or {}).items() if v is not None} or None,
            json=json_body, headers={"Authorization": auth} if auth else None,
        )
        shown_url = self._redact(str(request.url))
        host = request.url.host
        cached = None
        if use_cache and self.cache is not None and method == "GET":
            cached = self.cache.get(str(request.url), auth is not None)
            if cached is not None:
                meta = cached[0]
                if meta.get("etag"):
                    request.headers["If-None-Match"] = meta["etag"]
                if meta.get("last_modified"):
                    request.headers["If-Modified-Since"] = meta["last_modified"]
        last_problem = ""
        for attempt in range(self.retry.max_attempts):
            if attempt:
                self.stats.add(retries=1)
            self.limiter.wait()
            retry_after: float | None = None
            try:
                raw = self._client.send(request)
                try:
                    content = raw.read()
                finally:
                    raw.close()
                self.stats.add(requests=1, nbytes=raw.num_bytes_downloaded)
                status = raw.status_code
                headers = {k.lower(): v for k, v in raw.headers.items()}
                if status == 304 and cached is not None:
                    self.stats.add(cache_hits=1)
                    meta, body = cached
                    merged = {**meta.get("headers", {}), **headers}
                    parsed = parse(body) if parse else None
                    return Response(shown_url, 200, merged, body, parsed, from_cache=True)
                declared = headers.get("content-length")
                if (
                    declared is not None
                    and declared.isdigit()
                    and int(declared) != raw.num_bytes_downloaded
                ):
                    raise BodyError(f"body has {raw.num_bytes_downloaded} bytes, Content-Length says {declared}")
                if status in RETRY_STATUSES:
                    retry_after = parse_retry_after(headers.get("retry-after"))
                    last_problem = f"HTTP {status}"
                    self.stats.add(fault=f"http_{status}")
                    if retry_after is not None and retry_after > self.retry.max_retry_after:
                        raise RegistryError(
                            f"the server asked us to wait {retry_after:.0f} s before retrying, longer than the "
                            f"{self.retry.max_retry_after:.0f} s we accept; try again later",
                            url=shown_url, status=status,
                        )
                    if attempt + 1 < self.retry.max_attempts:
                        log.debug("%s %s -> %s, retrying (attempt %d)", method, shown_url, status, attempt + 1)
                        time.sleep(self.retry.delay(attempt, retry_after, self._rng))
                        continue
                    raise RegistryError(
                        f"{method} failed after {self.retry.max_attempts} attempts; "
                        f"{_next_step(status, bool(auth), host)}",
                        url=shown_url, status=status, body=self._redact(content.decode("utf-8", "replace")),
                    )
                if status not in ok_statuses:
                    raise RegistryError(
                        f"{method} returned HTTP {status}: {_next_step(status, bool(auth), host)}",
                        url=shown_url, status=status, body=self._redact(content.decode("utf-8", "replace")),
                    )
                parsed = parse(content) if parse else None
                response = Response(shown_url, status, headers, content, parsed)
                if use_cache and self.cache is not None and method == "GET":
                    self.cache.put(str(request.url), auth is not None, response)
                return response
            except RegistryError:
                raise
            except (httpx.TimeoutException, httpx.TransportError, httpx.DecodingError, BodyError, ValueError) as exc:
                kind = type(exc).__name__
                last_problem = f"{kind}: {self._redact(str(exc))[:200]}"
                self.stats.add(fault=kind)
                log.debug("%s %s failed (%s), retrying", method, shown_url, last_problem)
                if attempt + 1 < self.retry.max_attempts:
                    time.sleep(self.retry.delay(attempt, None, self._rng))
                    continue
        raise RegistryError(
            f"{method} failed after {self.retry.max_attempts} attempts (last problem: {last_problem}); check your "
            f"network connection and that {host} is reachable, then retry (a harvest continues with --resume)",
            url=shown_url,
        )
