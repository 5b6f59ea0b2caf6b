"""Fault injection for the Registry twin: latency, throttling, server errors and broken connections.

A :class:`FaultInjector` decides, per request, whether the twin server answers normally or with a
fault. Decisions come from a seeded ``random.Random`` (deterministic for a seed and a request order)
and from a script of faults queued for the next requests (exact, for tests). Both can be changed
while the server runs.

Fault kinds (:data:`FAULT_KINDS`):

- ``"429"``: ``429 Too Many Requests`` with ``Retry-After`` (seconds).
- ``"500"``: ``500 {"errors": [...]}`` (the Registry's catch-all handler shape).
- ``"502"`` / ``"503"``: the HTML error page an nginx ingress sends.
- ``"timeout"``: accept the request, then send nothing for ``stall_seconds`` and close.
- ``"reset"``: close the connection with a TCP RST before answering.
- ``"truncate"``: send the headers with the full ``Content-Length``, then only part of the body,
  then close.
"""

from __future__ import annotations

import random
import re
import threading
from collections import Counter, deque
from dataclasses import asdict, dataclass, fields, replace

FAULT_KINDS = ("429", "500", "502", "503", "timeout", "reset", "truncate")
_RATE_FIELDS = {
    "429": "rate_429",
    "500": "rate_500",
    "502": "rate_502",
    "503": "rate_503",
    "timeout": "rate_timeout",
    "reset": "rate_reset",
    "truncate": "rate_truncate",
}


@dataclass(frozen=True)
class FaultConfig:
    """Fault settings of a twin server (all rates are probabilities per request, 0..1).

    Attributes:
        latency_ms: added delay before every answer (also before faults), in milliseconds.
        jitter_ms: extra uniform random delay in ``[0, jitter_ms]``.
        rate_429: rate of ``429`` answers; ``retry_after`` is the ``Retry-After`` value (seconds).
        retry_after: seconds sent in ``Retry-After``.
        rate_500: rate of ``500`` answers.
        rate_502: rate of ``502`` answers.
        rate_503: rate of ``503`` answers.
        rate_timeout: rate of stalled requests (no answer for ``stall_seconds``, then close).
        stall_seconds: how long a stalled request waits (set it above the client's timeout).
        rate_reset: rate of connection resets (TCP RST, no answer).
        rate_truncate: rate of truncated bodies (fewer bytes than ``Content-Length``, then close).
        seed: seed of the random decisions.
        path_pattern: regular expression; when set, faults (not latency) only hit matching paths.
    """

    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    rate_429: float = 0.0
    retry_after: int = 1
    rate_500: float = 0.0
    rate_502: float = 0.0
    rate_503: float = 0.0
    rate_timeout: float = 0.0
    stall_seconds: float = 30.0
    rate_reset: float = 0.0
    rate_truncate: float = 0.0
    seed: int = 0
    path_pattern: str | None = None

    def __post_init__(self) -> None:
        for kind, name in _RATE_FIELDS.items():
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"fault rate {name} must be between 0 and 1, got {value!r} ({kind})")
        if sum(getattr(self, name) for name in _RATE_FIELDS.values()) > 1.0 + 1e-9:
            raise ValueError("the fault rates add up to more than 1")
        if self.latency_ms < 0 or self.jitter_ms < 0 or self.stall_seconds < 0 or self.retry_after < 0:
            raise ValueError("latency_ms, jitter_ms, stall_seconds and retry_after must be >= 0")
        if self.path_pattern is not None:
            re.compile(self.path_pattern)

    @classmethod
    def uniform(cls, fault_rate: float, **kwargs: object) -> FaultConfig:
        """Spread ``fault_rate`` evenly over 429, 500, 502, 503, resets and truncated bodies.

        Timeouts are left out (they stall for ``stall_seconds``); set ``rate_timeout`` for those.
        """
        share = fault_rate / 6
        rates = {name: share for kind, name in _RATE_FIELDS.items() if kind != "timeout"}
        return cls(**{**rates, **kwargs})  # type: ignore[arg-type]


@dataclass(frozen=True)
class Decision:
    """What to do with one request: ``kind`` is ``None`` (answer normally) or a fault kind."""

    kind: str | None
    delay_s: float


class FaultInjector:
    """Thread-safe, seeded fault decisions for every request the twin server receives.

    Args:
        config: the initial settings.
    """

    def __init__(self, config: FaultConfig | None = None) -> None:
        self._lock = threading.Lock()
        self._config = config or FaultConfig()
        self._rng = random.Random(self._config.seed)
        self._pattern = re.compile(self._config.path_pattern) if self._config.path_pattern else None
        self._script: deque[str | None] = deque()
        self.counts: Counter[str] = Counter()
        self.requests = 0
        self.stop_event = threading.Event()

    @property
    def config(self) -> FaultConfig:
        """Current settings."""
        return self._config

    def configure(self, config: FaultConfig | None = None, **changes: object) -> FaultConfig:
        """Replace the settings (or change some of them); re-seeds when ``seed`` is given.

        Args:
            config: a whole new config, or ``None`` to change the current one.
            **changes: fields of :class:`FaultConfig` to change.

        Returns:
            The new settings.
        """
        unknown = set(changes) - {f.name for f in fields(FaultConfig)}
        if unknown:
            raise ValueError(f"unknown fault settings: {sorted(unknown)}")
        with self._lock:
            new = replace(config or self._config, **changes)  # type: ignore[arg-type]
            reseed = config is not None or "seed" in changes
            self._config = new
            self._pattern = re.compile(new.path_pattern) if new.path_pattern else None
            if reseed:
                self._rng = random.Random(new.seed)
        return new

    def reset(self) -> None:
        """Back to no faults and no latency; clears the script and the counters."""
        with self._lock:
            self._config = FaultConfig()
            self._pattern = None
            self._rng = random.Random(0)
            self._script.clear()
            self.counts.clear()
            self.requests = 0

    def script(self, *kinds: str | None) -> None:
        """Queue exact outcomes for the next requests (``None`` = answer normally), before any rate.

        Example:
            ``injector.script("429", "reset", None, "truncate")``
        """
        for kind in kinds:
            if kind is not None and kind not in FAULT_KINDS:
                raise ValueError(f"unknown fault kind {kind!r}; choose from {FAULT_KINDS}")
        with self._lock:
            self._script.extend(kinds)

    def pending(self) -> int:
        """How many scripted outcomes are still queued."""
        with self._lock:
            return len(self._script)

    def decide(self, path: str) -> Decision:
        """Decide the outcome of one request to ``path`` (and count it)."""
        with self._lock:
            self.requests += 1
            cfg = self._config
            delay = cfg.latency_ms / 1000.0
            if cfg.jitter_ms:
                delay += self._rng.uniform(0, cfg.jitter_ms) / 1000.0
            applies = self._pattern is None or bool(self._pattern.search(path))
            kind: str | None = None
            if applies and self._script:
                kind = self._script.popleft()
            elif applies:
                draw = self._rng.random()
                edge = 0.0
                for fault, name in _RATE_FIELDS.items():
                    edge += getattr(cfg, name)
                    if draw < edge:
                        kind = fault
                        break
            if kind is not None:
                self.counts[kind] += 1
            return Decision(kind, delay)

    def as_dict(self) -> dict[str, object]:
        """Settings and counters (for logs and the CLI banner)."""
        with self._lock:
            return {"config": asdict(self._config), "counts": dict(self.counts), "requests": self.requests}
