"""The Registry twin: a deterministic, realistic synthetic Credential Registry (synthetic demonstration data).

* :func:`generate` writes the twin's initial state as a labelled snapshot (``source: demo:<seed>/<scale>``).
* :func:`ensure_demo` generates and builds it once under ``<LER_DATA_DIR>/demo`` and reuses it.
* :func:`iter_envelopes` and :func:`iter_change_batches` stream the initial envelopes and the events
  history (used by the loopback twin server in :mod:`ler_analytics.twin` and by benchmarks).

See ``docs/demo-twin.md`` for what is realistic about it and how it is checked.
"""

from __future__ import annotations

from ler_analytics.demo.snapshot import DEFAULT_SCALE, DEFAULT_SEED, demo_dir, demo_source, ensure_demo, generate
from ler_analytics.demo.stream import Change, ChangeBatch, iter_change_batches, iter_envelopes
from ler_analytics.snapshot import DEMO_NOTICE

__all__ = [
    "DEFAULT_SCALE",
    "DEFAULT_SEED",
    "DEMO_NOTICE",
    "Change",
    "ChangeBatch",
    "demo_dir",
    "demo_source",
    "ensure_demo",
    "generate",
    "iter_change_batches",
    "iter_envelopes",
]
