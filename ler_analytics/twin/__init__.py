"""The Registry twin's loopback server: the Credential Registry's read API over synthetic data.

``TwinStore`` holds envelopes and the events log (``store.apply(batch)`` publishes changes);
``TwinServer(store).start()`` serves it on 127.0.0.1 and returns the base URL; ``FaultConfig`` /
``FaultInjector`` add latency, 429/5xx, stalls, resets and truncated bodies. See
``docs/twin-server.md``.
"""

from __future__ import annotations

from ler_analytics.twin.faults import FAULT_KINDS, FaultConfig, FaultInjector
from ler_analytics.twin.server import TwinServer, serve
from ler_analytics.twin.store import Event, TwinStore

__all__ = ["FAULT_KINDS", "Event", "FaultConfig", "FaultInjector", "TwinServer", "TwinStore", "serve"]
