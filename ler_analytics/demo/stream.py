"""Stream the Registry twin: the initial envelopes, and the events history that follows them."""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
import random
import warnings
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from typing import Literal

import orjson

from ler_analytics.demo.envelope import build_envelope, envelope_json, make_envelope
from ler_analytics.demo.plan import T_SNAPSHOT, Plan, build_plan, decode
from ler_analytics.demo.records import Rendered, Renderer, record_rng

UPDATED_SHARE = 0.6  # share of initial records updated at least once after their creation


@dataclass(frozen=True)
class Change:
    """One event of the twin's history: a create, update or delete of the record ``ctid``.

    ``envelope`` is the new envelope for creates and updates, ``None`` for deletes; ``at`` is the
    event time (UTC), always after the initial state.
    """

    event: Literal["create", "update", "delete"]
    ctid: str
    envelope: dict | None
    at: datetime


ChangeBatch = list[Change]


_SNAPSHOT_S = int(T_SNAPSHOT.timestamp())


def _times(plan: Plan, pos: int, rng: random.Random) -> tuple[int, int, int]:
    """Created and updated times (epoch seconds) and the number of updates of the record at ``pos``."""
    created = plan.created_at_s(pos)
    if rng.random() > UPDATED_SHARE:
        return created, created, 0
    revisions = 1 + min(12, int(rng.expovariate(0.8)))
    updated = created + int((_SNAPSHOT_S - created) * (rng.random() ** 1.5))
    return created, updated, revisions


def _secondary(plan: Plan, rendered: Rendered, rng: random.Random) -> Rendered:
    """A third party's copy of a record: same CTID, fewer properties, another publisher."""
    top = dict(rendered.graph[0])
    for prop in (
        "ceterms:estimatedCost",
        "ceterms:estimatedDuration",
        "ceterms:keyword",
        "ceterms:availableAt",
        "ceterms:requires",
        "ceterms:isPreparationFor",
        "ceterms:advancedStandingFrom",
    ):
        if prop in top and rng.random() < 0.6:
            del top[prop]
    publisher = plan.orgs[rng.randrange(len(plan.orgs))].ctid
    return Rendered(
        ctid=rendered.ctid,
        ctdl_type=rendered.ctdl_type,
        owner_ctid=rendered.owner_ctid,
        publisher_ctid=publisher,
        graph=[top],
        context=rendered.context,
        style=rendered.style,
    )


def iter_envelopes(scale: float, seed: int, *, workers: int | None = None) -> Iterator[dict]:
    """Yield the twin's initial envelopes, oldest ``created_at`` first (newest last).

    Deterministic for ``(scale, seed)``: the same arguments give the same envelopes, byte for byte
    once serialised, for any number of workers. ``scale=1.0`` is the live Registry's size (about
    396,000 envelopes). Memory is bounded by the plan (compact facts per record) plus a few chunks
    of envelopes in flight.

    Args:
        scale: size relative to the live Registry (e.g. 0.05 for the demo).
        seed: random seed.
        workers: processes rendering envelopes (default: up to 2 where ``fork`` is available and the
            twin has at least 20,000 envelopes; 1 renders in this process).
    """
    plan = build_plan(float(scale), int(seed))
    if _worker_count(plan, workers) <= 1:
        yield from iter_positions(plan, 0, len(plan.order))
        return
    loads = orjson.loads
    for chunk in render_chunks(plan, workers):
        for _ctdl_type, line in chunk:
            yield loads(line)


def iter_positions(plan: Plan, start: int, stop: int) -> Iterator[dict]:
    """Envelopes of the records at positions ``start..stop-1`` of the plan's order (each record alone)."""
    for env, _body in _iter_built(plan, start, stop):
        yield env


def _iter_built(plan: Plan, start: int, stop: int) -> Iterator[tuple[dict, bytes | None]]:
    """:func:`iter_positions` with each envelope's serialised ``decoded_resource`` (see ``build_envelope``)."""
    renderer = Renderer(plan)
    for pos in range(start, stop):
        code = plan.order[pos]
        kind, idx = decode(code)
        rng = record_rng(plan.seed, kind, idx, 0)
        rendered = renderer.render(kind, idx, 0, rng)
        created, updated, revisions = _times(plan, pos, rng)
        special = plan.special.get(code, "")
        variant = special if special in ("legacy_jwt", "broken_jwt", "broken_graph") else ""
        yield build_envelope(
            plan, rendered, created=created, updated=updated, revisions=revisions, rng=rng, variant=variant
        )
        if special == "duplicate":
            copy = _secondary(plan, rendered, rng)
            yield build_envelope(
                plan,
                copy,
                created=created + 1,
                updated=created + 1,
                revisions=0,
                rng=rng,
                variant="secondary",
            )


PARALLEL_FROM = 20_000
"""Planned records from which rendering is spread over forked worker processes by default."""
CHUNK = 2000
"""Records rendered per task of a worker."""
_WORKER_PLAN: Plan | None = None  # the plan inherited by forked workers (copy-on-write, never pickled)


def _worker_count(plan: Plan, workers: int | None) -> int:
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if len(plan.order) >= PARALLEL_FROM else 1
    if workers > 1 and "fork" not in mp.get_all_start_methods():
        return 1
    return max(1, int(workers))


def _render_range(bounds: tuple[int, int]) -> list[tuple[str, bytes]]:
    """Serialised envelopes of the plan positions ``bounds`` (runs in a worker, or in this process)."""
    assert _WORKER_PLAN is not None
    return [
        (env.get("envelope_ctdl_type") or "unknown", envelope_json(env, body))
        for env, body in _iter_built(_WORKER_PLAN, *bounds)
    ]


def render_chunks(plan: Plan, workers: int | None = None) -> Iterator[list[tuple[str, bytes]]]:
    """The plan's initial envelopes serialised (``(envelope_ctdl_type, json bytes)``), in chunks, in order.

    With more than one worker the chunks are rendered by forked processes (which inherit the plan),
    at most ``2 x workers + 2`` chunks ahead of the consumer, so memory stays bounded even when the
    consumer is slower than the workers. The output is identical for any number of workers.

    Args:
        plan: the twin's plan (:func:`~ler_analytics.demo.plan.build_plan`).
        workers: processes (default as for :func:`iter_envelopes`).
    """
    global _WORKER_PLAN
    n = len(plan.order)
    bounds = [(i, min(n, i + CHUNK)) for i in range(0, n, CHUNK)]
    count = _worker_count(plan, workers)
    previous = _WORKER_PLAN
    _WORKER_PLAN = plan
    try:
        if count <= 1:
            for b in bounds:
                yield _render_range(b)
            return
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # polars warns about fork; workers never call it
            ctx = mp.get_context("fork")
            frozen_before = gc.get_freeze_count()
            gc.freeze()  # the workers never scan (and so never copy) the plan's pages for the cycle collector
            try:
                pool = ctx.Pool(count)
            finally:
                if not frozen_before:  # leave a caller's own frozen objects frozen
                    gc.unfreeze()
            with pool:
                todo = iter(bounds)
                pending = deque(pool.apply_async(_render_range, (b,)) for b in islice(todo, 2 * count + 2))
                while pending:
                    chunk = pending.popleft().get()
                    nxt = next(todo, None)
                    if nxt is not None:
                        pending.append(pool.apply_async(_render_range, (nxt,)))
                    yield chunk
    finally:
        _WORKER_PLAN = previous


def iter_change_batches(
    scale: float, seed: int, *, batches: int = 5, change_rate: float = 0.01
) -> Iterator[ChangeBatch]:
    """Yield the twin's events history after the initial state, one batch (one day) at a time.

    Each batch holds about ``change_rate`` x (initial envelopes) events in time order: about 30 %
    creates (records held back from the initial state), 55 % updates (a new revision of a live
    record) and 15 % deletes. Updates and deletes only target records alive at that moment; a
    deleted record is never touched again. Deterministic for ``(scale, seed, batches, change_rate)``.

    Args:
        scale: size of the twin, as for :func:`iter_envelopes`.
        seed: random seed, as for :func:`iter_envelopes`.
        batches: number of batches (days).
        change_rate: events per batch as a share of the initial envelopes.
    """
    plan = build_plan(float(scale), int(seed))
    renderer = Renderer(plan)
    rng = random.Random(f"changes|{seed}|{scale}|{batches}|{change_rate}")
    alive: list[int] = [
        c for c in plan.order if plan.special.get(c, "") not in ("broken_jwt", "broken_graph", "legacy_jwt")
    ]
    position = {c: p for p, c in enumerate(plan.order)} if alive else {}
    versions: dict[int, int] = {}
    created_later: dict[int, datetime] = {}
    reserve = list(plan.reserve)
    per_batch = max(3, round(len(plan.order) * change_rate))
    for b in range(batches):
        start = T_SNAPSHOT + timedelta(days=b + 1)
        n_create = min(len(reserve), round(per_batch * 0.30))
        n_delete = round(per_batch * 0.15)
        n_update = per_batch - n_create - n_delete
        kinds = ["create"] * n_create + ["delete"] * n_delete + ["update"] * n_update
        rng.shuffle(kinds)
        step = timedelta(hours=8) / max(1, len(kinds))
        batch: ChangeBatch = []
        for k, event in enumerate(kinds):
            at = start + step * k + timedelta(seconds=rng.randrange(0, max(1, int(step.total_seconds()))))
            at = max(at, batch[-1].at + timedelta(seconds=1)) if batch else at
            if event == "create":
                code = reserve.pop(rng.randrange(len(reserve)))
                kind, idx = decode(code)
                rec_rng = record_rng(plan.seed, kind, idx, 0)
                rendered = renderer.render(kind, idx, 0, rec_rng)
                env = make_envelope(plan, rendered, created=at, updated=at, revisions=0, rng=rec_rng)
                alive.append(code)
                created_later[code] = at
                batch.append(Change("create", rendered.ctid, env, at))
                continue
            if not alive:
                continue
            slot = rng.randrange(len(alive))
            code = alive[slot]
            kind, idx = decode(code)
            ctid = renderer.ctid(kind, idx)
            if event == "delete":
                alive[slot] = alive[-1]
                alive.pop()
                batch.append(Change("delete", ctid, None, at))
                continue
            version = versions.get(code, 0) + 1
            versions[code] = version
            rec_rng = record_rng(plan.seed, kind, idx, version)
            rendered = renderer.render(kind, idx, version, rec_rng)
            created = created_later.get(code) or plan.created_at(position[code])
            env = make_envelope(plan, rendered, created=created, updated=at, revisions=version, rng=rec_rng)
            batch.append(Change("update", ctid, env, at))
        yield batch
