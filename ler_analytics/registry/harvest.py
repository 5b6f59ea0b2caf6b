"""Harvest a Registry into a snapshot directory: resumable, exact, and safe against a shifting listing.

Full harvest (no filter)::

    1. watermark  newest event time E0 and the listing total N, recorded before the first page
    2. pages      pages 1..ceil(N/per_page) of /envelopes (any order, N workers), then further pages
                  until a short page: records published meanwhile push older ones down, never off
    3. catch-up   every event at or after E0: the final version of each created/updated CTID is
                  fetched, deleted CTIDs are dropped (repeated until no new events arrive)
    4. check      the number of distinct CTIDs must equal the live X-Total; if a record slipped
                  between pages (deletes shift the listing up), a metadata-only listing finds it
    5. finalize   staged lines are de-duplicated on CTID (newest updated_at wins) into raw/,
                  then manifest.json gets status "complete"

Filtered harvest (``types`` / ``states`` / a CTDL query): the CTIDs come from ``/search`` or the
Assistant's CTDL search, then each envelope is fetched by CTID; catch-up is the same.

Everything fetched is staged under ``<out>/.harvest/`` in part files that are renamed into place
before the state file lists them (``kill -9`` at any moment loses at most the work since the last
checkpoint; unlisted parts are deleted on resume). Raw envelopes are the exact bytes received.
"""

from __future__ import annotations

import math
import queue
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from ler_analytics.ctdl.normalize import normalize_ctid, parse_timestamp
from ler_analytics.errors import RegistryError, SnapshotError
from ler_analytics.log import get_logger
from ler_analytics.registry.client import MAX_PER_PAGE, Registry
from ler_analytics.snapshot import (
    MANIFEST,
    RAW_DIR,
    RawWriter,
    atomic_write_json,
    raw_files,
    read_manifest,
    utc_now_iso,
    write_manifest,
)

log = get_logger("registry.harvest")

STATE_DIR = ".harvest"
STATE_FILE = "state.json"
STAGE_PREFIX = "stage"
STATE_VERSION = 1
CHECKPOINT_MIN_SECONDS = 0.25
ProgressFn = Callable[[dict[str, Any]], None]


# ---------------------------------------------------------------------------------------- helpers
def parse_time(value: object) -> datetime | None:
    """Read the Registry's time spellings (ISO 8601 with ``Z``/offset, ``2019-02-19 22:12:36 UTC``) as UTC."""
    return parse_timestamp(value)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def record_key(envelope: dict[str, Any]) -> str | None:
    """The identity of an envelope, used to de-duplicate and count.

    Its CTID (``envelope_ceterms_ctid``, else the main node's ``ceterms:ctid``, as the Registry
    derives it), else ``envelope:<envelope_id>``.
    """
    ctid = normalize_ctid(envelope.get("envelope_ceterms_ctid"))
    if ctid:
        return ctid
    decoded = envelope.get("decoded_resource")
    if isinstance(decoded, dict):
        graph = decoded.get("@graph")
        nodes = graph if isinstance(graph, list) else [decoded]
        for node in nodes[:1]:
            if isinstance(node, dict) and (ctid := normalize_ctid(node.get("ceterms:ctid"))):
                return ctid
    envelope_id = envelope.get("envelope_id")
    return f"envelope:{str(envelope_id).lower()}" if envelope_id else None


def envelope_key(envelope: dict[str, Any]) -> tuple[str | None, datetime, datetime]:
    """``(key, updated_at, created_at)`` of an envelope (key from :func:`record_key`; times default to the epoch)."""
    ctid = record_key(envelope)
    headers = envelope.get("node_headers") if isinstance(envelope.get("node_headers"), dict) else {}
    updated = parse_time(envelope.get("updated_at")) or parse_time(headers.get("updated_at"))
    created = parse_time(envelope.get("created_at")) or parse_time(headers.get("created_at"))
    return ctid, updated or created or _EPOCH, created or _EPOCH


def resolve_events(events: Iterable[dict[str, Any]]) -> dict[str, tuple[str, datetime]]:
    """Final ``(event, time)`` per CTID from an events list (the newest event wins; order-independent)."""
    final: dict[str, tuple[str, datetime, int]] = {}
    for index, item in enumerate(events):
        ctid = normalize_ctid(item.get("envelope_ceterms_ctid"))
        at = parse_time(item.get("created_at"))
        event = item.get("event")
        if ctid is None or at is None or event not in ("create", "update", "destroy"):
            continue
        # same timestamp: the feed lists newest first, so the earlier index is the later event
        rank = (at, -index)
        old = final.get(ctid)
        if old is None or rank > (old[1], -old[2]):
            final[ctid] = (event, at, index)
    return {c: (e, t) for c, (e, t, _) in final.items()}


def _ctid_of(envelope: dict[str, Any]) -> str | None:
    value = envelope.get("envelope_ceterms_ctid")
    if isinstance(value, str) and len(value) == 39 and value.startswith(("ce-", "CE-")):
        return value.lower()  # the usual case, without a regex
    return record_key(envelope)


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


class Selection:
    """What a harvest asks for: everything, or records of some types and/or states (or a CTDL query).

    Args:
        types: CTDL classes (``Certificate`` or ``ceterms:Certificate``).
        states: US states; needs the Assistant (API key).
        ctdl: an extra CTDL query object, ANDed with the rest; needs the Assistant.
    """

    def __init__(self, types: Iterable[str] = (), states: Iterable[str] = (), ctdl: dict[str, Any] | None = None):
        from ler_analytics.registry.query import curie, state_values

        types = [types] if isinstance(types, str) else types
        states = [states] if isinstance(states, str) else states
        self.types = sorted({curie(t, what="type") for t in types})
        self.states = sorted({state_values([s])[0] for s in states})
        self.ctdl = dict(ctdl or {})

    @classmethod
    def from_query(cls, query: dict[str, Any]) -> Selection:
        """Rebuild from a manifest ``query`` block."""
        return cls(query.get("types") or (), query.get("states") or (), query.get("ctdl"))

    @property
    def is_full(self) -> bool:
        """True when everything is harvested."""
        return not (self.types or self.states or self.ctdl)

    @property
    def uses_assistant(self) -> bool:
        """True when the CTIDs come from the Assistant's CTDL search."""
        return bool(self.states or self.ctdl)

    def as_query(self, registry: Registry, per_page: int) -> dict[str, Any]:
        """The manifest's ``query`` block (exactly what was asked; never the API key)."""
        query: dict[str, Any] = {"mode": "full" if self.is_full else "filtered", "community": registry.community}
        if self.is_full:
            query.update({"route": "GET /{community}/envelopes", "per_page": per_page, "provisional": "exclude"})
            return query
        query.update({"types": self.types, "states": self.states})
        if self.uses_assistant:
            query["route"] = "POST {assistant}/search/ctdl + GET /{community}/envelopes/{ctid}"
            query["ctdl"] = self.ctdl
            query["ctdl_query"] = self.ctdl_query()
        else:
            query["route"] = "GET /{community}/search?envelope_ctdl_type=... + GET /{community}/envelopes/{ctid}"
        return query

    def ctdl_query(self, ctids: Iterable[str] | None = None) -> dict[str, Any]:
        """The CTDL query object for the Assistant (optionally restricted to some CTIDs)."""
        from ler_analytics.registry.query import ctdl_query

        return ctdl_query(types=self.types or None, states=self.states or None, ctids=list(ctids) if ctids else None,
                          where=self.ctdl or None)

    def collect(self, registry: Registry) -> list[str]:
        """All CTIDs that match now (sorted, unique)."""
        found: set[str] = set()
        if self.uses_assistant:
            for item in registry.iter_ctdl_search(self.ctdl_query(), take=100):
                ctid = normalize_ctid(item.get("ceterms:ctid")) or normalize_ctid(item.get("@id"))
                if ctid:
                    found.add(ctid)
        else:
            for item in registry.iter_search(envelope_ctdl_type=self.types, metadata_only=True, per_page=MAX_PER_PAGE):
                ctid = normalize_ctid(item.get("envelope_ceterms_ctid"))
                if ctid:
                    found.add(ctid)
        return sorted(found)

    def matching(self, registry: Registry, envelopes: dict[str, dict[str, Any]]) -> set[str]:
        """Which of these freshly fetched envelopes (CTID -> envelope) belong to the selection."""
        if not envelopes:
            return set()
        if self.uses_assistant:
            out: set[str] = set()
            ctids = sorted(envelopes)
            for start in range(0, len(ctids), 100):
                query = self.ctdl_query(ctids[start : start + 100])
                for item in registry.iter_ctdl_search(query, take=100):
                    ctid = normalize_ctid(item.get("ceterms:ctid")) or normalize_ctid(item.get("@id"))
                    if ctid:
                        out.add(ctid)
            return out
        wanted = set(self.types)
        return {c for c, env in envelopes.items() if env.get("envelope_ctdl_type") in wanted}


# ---------------------------------------------------------------------------------------- staging
class _Stage:
    """Staged raw lines under ``<out>/.harvest`` plus the checkpointed state file."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.dir = out / STATE_DIR
        self.state_path = self.dir / STATE_FILE
        self.state: dict[str, Any] = {}
        self.writer: RawWriter | None = None
        self.ctids: set[str] | None = None  # CTIDs of all staged lines (built on first use, then kept)

    def load(self) -> bool:
        if not self.state_path.exists():
            return False
        try:
            self.state = orjson.loads(self.state_path.read_bytes())
        except (OSError, ValueError) as exc:
            raise SnapshotError(f"{self.state_path} is damaged ({exc}); delete {self.out} and harvest again") from exc
        return True

    def clean_orphans(self) -> int:
        """Delete staged parts the state does not list (written just before a kill) and temp files."""
        raw = self.dir / RAW_DIR
        known = set(self.state.get("parts", []))
        removed = 0
        if raw.exists():
            for path in raw.iterdir():
                if path.name.startswith(".") or (path.name.startswith(STAGE_PREFIX) and path.name not in known):
                    path.unlink(missing_ok=True)
                    removed += 1
        return removed

    def open_writer(self) -> None:
        self.writer = RawWriter(self.dir, records_per_part=10**9, prefix=STAGE_PREFIX, compresslevel=1)

    def save(self) -> None:
        self.state["saved_at"] = utc_now_iso()
        atomic_write_json(self.state_path, self.state)

    def checkpoint(self, **updates: Any) -> None:
        """Close the open part, list it in the state, apply ``updates`` and save (in this order)."""
        assert self.writer is not None
        before = len(self.writer.parts_written)
        self.writer.close_part()
        for part in self.writer.parts_written[before:]:
            self.state.setdefault("parts", []).append(part.name)
        for key, value in updates.items():
            self.state[key] = value
        self.save()

    def write(self, raw: bytes, ctid: str | None) -> None:
        assert self.writer is not None
        self.writer.write(raw)
        if self.ctids is not None and ctid:
            self.ctids.add(ctid)

    def iter_lines(self) -> Iterator[tuple[int, int, bytes]]:
        import gzip

        for part_index, name in enumerate(self.state.get("parts", [])):
            path = self.dir / RAW_DIR / name
            with gzip.open(path, "rb") as handle:
                for line_no, line in enumerate(handle):
                    line = line.rstrip(b"\r\n")
                    if line:
                        yield part_index, line_no, line


# ---------------------------------------------------------------------------------------- harvest
def harvest(
    out: str | Path,
    *,
    registry: Registry | None = None,
    types: Iterable[str] = (),
    states: Iterable[str] = (),
    ctdl: dict[str, Any] | None = None,
    per_page: int = MAX_PER_PAGE,
    resume: bool = False,
    checkpoint_every: int = 8,
    progress: ProgressFn | None = None,
    max_reconcile: int = 3,
) -> dict[str, Any]:
    """Harvest a Registry (or a filtered part of it) into the snapshot directory ``out``.

    Args:
        out: snapshot folder (created; must be empty or a harvest to resume).
        registry: the client to use (its concurrency sets the number of workers); default
            ``Registry()`` from the settings (``LER_REGISTRY_URL``, ``LER_REGISTRY_API_KEY``).
        types: only these CTDL classes (``envelope_ctdl_type``).
        states: only records located in these US states (needs an API key: Assistant CTDL search).
        ctdl: an extra CTDL query object ANDed with the rest (needs an API key).
        per_page: listing page size (1..200).
        resume: continue an interrupted harvest in ``out``.
        checkpoint_every: completed requests between checkpoints (smaller: less rework after a kill).
        progress: called with ``{"phase", "done", "total", "records"}`` as work completes.
        max_reconcile: how many metadata-only listings may be used to find records missed by a shift.

    Returns:
        The final manifest (status ``complete``).

    Raises:
        SnapshotError: when ``out`` holds something else, or a resume does not match the earlier query.
        RegistryError: when the Registry cannot be read after retries (the harvest can then be resumed).
    """
    out = Path(out)
    if registry is None:
        with Registry() as own:
            return harvest(out, registry=own, types=types, states=states, ctdl=ctdl, per_page=per_page,
                           resume=resume, checkpoint_every=checkpoint_every, progress=progress,
                           max_reconcile=max_reconcile)
    selection = Selection(types, states, ctdl)
    if selection.uses_assistant and not registry.has_api_key:
        raise RegistryError(
            "a --state or CTDL filter uses the Credential Engine Assistant's CTDL search, which needs an API key: "
            "set it with `export LER_REGISTRY_API_KEY=...` or --api-key (or filter with --types only)",
            url=f"{registry.assistant_url}/search/ctdl",
        )
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ValueError(f"per_page must be between 1 and {MAX_PER_PAGE}")
    query = selection.as_query(registry, per_page)
    stage = _Stage(out)
    _prepare(out, stage, registry, query, resume)
    notify = progress or (lambda info: None)
    run = _Run(out, stage, registry, selection, per_page, checkpoint_every, notify)
    state = stage.state
    if state["phase"] == "start":
        run.watermark()
    if state["phase"] == "collect":
        run.collect()
    if state["phase"] in ("pages", "fetch"):
        run.main_pass()
    if state["phase"] == "catchup":
        run.catch_up_and_check(max_reconcile)
    return run.finalize()


def _prepare(out: Path, stage: _Stage, registry: Registry, query: dict[str, Any], resume: bool) -> None:
    has_state = stage.load()
    if (out / MANIFEST).exists():
        manifest = read_manifest(out)
        if manifest.get("status") == "complete" and not has_state:
            raise SnapshotError(f"{out} already holds a complete snapshot; choose a new --out folder "
                                f"(or update it with `ler sync {out}`)")
    if has_state:
        if not resume:
            raise SnapshotError(f"{out} holds an interrupted harvest: continue it with --resume, or choose another "
                                "--out folder")
        if stage.state.get("registry") != registry.url or stage.state.get("query") != query:
            raise SnapshotError(
                f"{out} was started with a different registry or query ({stage.state.get('registry')}, "
                f"{stage.state.get('query')}); resume with the same options or use a new --out folder")
        removed = stage.clean_orphans()
        if removed:
            log.info("resume: removed %d unfinished staged file(s)", removed)
    else:
        if out.exists() and any(p.name != STATE_DIR for p in out.iterdir()):
            raise SnapshotError(f"{out} is not empty; choose a new --out folder for the snapshot")
        stage.state = {
            "version": STATE_VERSION, "registry": registry.url, "query": query, "phase": "start",
            "started_at": utc_now_iso(), "parts": [], "pages_done": [], "fetched": [], "deleted": [],
            "stats": {"runs": 0},
        }
        stage.dir.mkdir(parents=True, exist_ok=True)
        stage.clean_orphans()
    stage.state.setdefault("stats", {})["runs"] = stage.state.get("stats", {}).get("runs", 0) + 1
    stage.open_writer()
    if not stage.state.get("parts"):
        stage.ctids = set()  # nothing staged yet: track CTIDs as lines are written
    stage.save()
    manifest = {
        "id": out.name, "created_at": stage.state["started_at"], "source": f"registry:{registry.url}",
        "synthetic": False, "community": registry.community, "query": query,
    }
    write_manifest(out, manifest, complete=False)


class _Run:
    """One harvest run over a stage (methods are the phases)."""

    def __init__(self, out: Path, stage: _Stage, registry: Registry, selection: Selection, per_page: int,
                 checkpoint_every: int, notify: ProgressFn) -> None:
        self.out = out
        self.stage = stage
        self.reg = registry
        self.sel = selection
        self.per_page = per_page
        self.every = max(1, checkpoint_every)
        self.notify = notify
        self.state = stage.state

    # -- phase 1
    def watermark(self) -> None:
        try:  # the Registry twin says so in /info: its data is synthetic
            self.state["synthetic"] = "twin" in self.reg.node_info()
        except RegistryError:
            self.state["synthetic"] = False
        try:
            first = self.reg.events(page=1, per_page=1)
        except RegistryError as exc:
            if exc.status not in (401, 403, 404):
                raise
            # no events feed here: harvest anyway (the count check still guards the listing),
            # but the snapshot cannot be synced later
            log.warning("the events feed is not available (%s); the snapshot will not support `ler sync`",
                        exc.status)
            self.state["watermark"] = None
        else:
            newest = parse_time(first.items[0].get("created_at")) if first.items else None
            if newest is None:  # no events yet: start the catch-up an hour before now (clock skew margin)
                newest = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
            self.state["watermark"] = _iso(newest)
        listing = self.reg.envelopes(1, 1, metadata_only=True)
        self.state["initial_total"] = listing.total
        self.state["phase"] = "pages" if self.sel.is_full else "collect"
        self.stage.save()

    # -- filtered: the CTID list
    def collect(self) -> None:
        self.notify({"phase": "query", "done": 0, "total": None, "records": 0})
        self.state["targets"] = self.sel.collect(self.reg)
        self.state["phase"] = "fetch"
        self.stage.save()

    # -- phase 2
    def main_pass(self) -> None:
        if self.sel.is_full:
            self._pages()
        else:
            done = set(self.state.get("fetched", []))
            todo = [c for c in self.state.get("targets", []) if c not in done]
            self._fetch_ctids(todo, phase="fetch", total=len(self.state.get("targets", [])))
        self.state["phase"] = "catchup"
        self.stage.save()

    def _run_tasks(self, tasks: list[Any], fn: Callable[[Any], Any], on_done: Callable[[Any, Any], None],
                   commit: Callable[[list[Any]], None]) -> None:
        """Run ``fn`` over ``tasks`` on the worker pool; write results in the main thread; checkpoint.

        At most ``2 * concurrency`` tasks are in flight; results come back through a queue in the order
        they finish. Work already written is committed before an error is raised.
        """
        workers = self.reg.concurrency
        results: queue.SimpleQueue = queue.SimpleQueue()
        finished: list[Any] = []
        last_commit = time.monotonic()
        it = iter(tasks)
        in_flight = 0

        def run(task: Any) -> None:
            try:
                results.put((task, fn(task), None))
            except BaseException as exc:  # noqa: BLE001 - handed to the main thread
                results.put((task, None, exc))

        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ler-harvest")
        try:
            for task in it:
                pool.submit(run, task)
                in_flight += 1
                if in_flight >= workers * 2:
                    break
            while in_flight:
                task, value, error = results.get()
                in_flight -= 1
                if error is not None:
                    raise error
                on_done(task, value)
                finished.append(task)
                for nxt in it:
                    pool.submit(run, nxt)
                    in_flight += 1
                    break
                # checkpoint after `every` results, but not more than a few times a second
                now = time.monotonic()
                if len(finished) >= self.every and (now - last_commit >= CHECKPOINT_MIN_SECONDS
                                                    or len(finished) >= 50 * self.every):
                    commit(finished)
                    finished = []
                    last_commit = now
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            if finished:  # keep what is already written (less to redo on --resume)
                commit(finished)
            raise
        pool.shutdown(wait=True)
        if finished:
            commit(finished)

    def _pages(self) -> None:
        done: set[int] = set(self.state.get("pages_done", []))
        sizes: dict[str, int] = self.state.setdefault("page_sizes", {})
        initial = self.state.get("initial_total") or 0
        planned = max(1, math.ceil(initial / self.per_page))
        stats = self.state.setdefault("stats", {})
        latest_total = [stats.get("latest_total") or initial]

        def fetch(page: int):
            return self.reg.envelopes(page, self.per_page)

        def on_done(page: int, result) -> None:
            for raw, item in zip(result.raw, result.items, strict=True):
                self.stage.write(raw, _ctid_of(item))
            stats["staged"] = stats.get("staged", 0) + len(result.raw)
            sizes[str(page)] = len(result.raw)
            if result.total is not None:
                latest_total[0] = result.total
            done.add(page)
            self.notify({"phase": "pages", "done": len(done), "total": max(planned, len(done)),
                         "records": stats["staged"]})

        def commit(_: list[int]) -> None:
            stats["latest_total"] = latest_total[0]
            self.stage.checkpoint(pages_done=sorted(done), page_sizes=sizes)

        todo = [p for p in range(1, planned + 1) if p not in done]
        started = time.perf_counter()
        cpu_started = time.process_time()
        requests_before = self.reg.stats["requests"]
        while todo:
            self._run_tasks(todo, fetch, on_done, commit)
            # "page until covered": records published meanwhile push older ones past the planned pages,
            # so keep going while the listing is longer than what we fetched (X-Total of the latest page)
            # and while the last page came back full.
            last = max(done)
            needed = max(planned, math.ceil(latest_total[0] / self.per_page))
            todo = [p for p in range(1, needed + 1) if p not in done]
            if not todo and sizes.get(str(last), 0) >= self.per_page:
                todo = [last + 1]
        stats["pages_seconds"] = round(stats.get("pages_seconds", 0) + time.perf_counter() - started, 3)
        stats["pages_cpu_seconds"] = round(stats.get("pages_cpu_seconds", 0) + time.process_time() - cpu_started, 3)
        stats["pages_requests"] = stats.get("pages_requests", 0) + self.reg.stats["requests"] - requests_before

    def _fetch_ctids(self, ctids: list[str], *, phase: str, total: int) -> dict[str, dict[str, Any]]:
        """Fetch envelopes by CTID; write them; return parsed envelopes (missing ones are recorded as gone)."""
        fetched = self.state.setdefault("fetched", [])
        already = len(fetched)
        got: dict[str, dict[str, Any]] = {}
        gone: list[str] = []

        def fetch(ctid: str):
            try:
                return self.reg.envelope_bytes(ctid.removeprefix("envelope:"))  # by CTID, or by envelope id
            except RegistryError as exc:
                if exc.status == 404:
                    return None
                raise

        def on_done(ctid: str, raw: bytes | None) -> None:
            if raw is None:
                gone.append(ctid)
            else:
                got[ctid] = orjson.loads(raw)
                self.stage.write(raw, record_key(got[ctid]))
            self.notify({"phase": phase, "done": already + len(got) + len(gone), "total": total,
                         "records": len(got)})

        def commit(tasks: list[str]) -> None:
            fetched.extend(tasks)
            deleted = self.state.setdefault("deleted_now", [])
            gone_now = set(gone)
            deleted.extend(c for c in tasks if c in gone_now)
            self.stage.checkpoint()

        self._run_tasks(ctids, fetch, on_done, commit)
        return got

    # -- phases 3 and 4
    def catch_up_and_check(self, max_reconcile: int) -> None:
        watermark = self.state.get("watermark")
        passes = 0
        while True:
            after = self.state.get("events_until") or watermark
            events = list(self.reg.iter_events(after, provisional="exclude")) if after else []
            final = resolve_events(events)
            newest = max((t for _, t in final.values()), default=None)
            seen = self.state.setdefault("event_ctids", {})
            changed = {c: v for c, v in final.items() if seen.get(c) != [v[0], _iso(v[1])]}
            to_fetch = sorted(c for c, (ev, _) in changed.items() if ev != "destroy")
            destroyed = sorted(c for c, (ev, _) in changed.items() if ev == "destroy")
            targets = set(self.state.get("targets", [])) if not self.sel.is_full else None
            if targets is not None:
                # filtered: changed records are kept only if they (still) match the selection;
                # an updated record may have left it, a new one may have joined it
                probe = self._probe(to_fetch)
                keep = self.sel.matching(self.reg, {c: env for c, (_, env) in probe.items()})
                for ctid in sorted(keep):
                    self.stage.write(probe[ctid][0], ctid)
                written = set(keep)
                left = (set(probe) - keep) | (set(to_fetch) - set(probe))
                destroyed = sorted(set(destroyed) | (left & targets))
                self.state["targets"] = sorted((targets | keep) - left)
            else:
                written = set(self._fetch_ctids(to_fetch, phase="catch-up", total=len(to_fetch)))
            # a record staged now is live (even if it was deleted earlier and came back); records
            # destroyed, gone (404) or no longer matching the filter are dropped at finalize
            deleted = set(self.state.get("deleted", [])) - written
            deleted.update(destroyed)
            deleted.update(self.state.pop("deleted_now", []))
            for c, (ev, at) in changed.items():
                seen[c] = [ev, _iso(at)]
            self.state["deleted"] = sorted(deleted)
            if newest is not None:
                self.state["last_event_at"] = _iso(newest)
                self.state["events_until"] = _iso(newest)
            elif watermark and not self.state.get("last_event_at"):
                self.state["last_event_at"] = watermark
            self.stage.checkpoint()
            if changed:
                continue  # new events arrived while we were fetching: read the feed again
            if not self.sel.is_full:
                break
            # count check: distinct live CTIDs we hold must equal the listing's X-Total
            have = self._distinct_ctids()
            total = self.reg.envelopes(1, 1, metadata_only=True).total
            self.state.setdefault("stats", {})["count_check"] = {"have": len(have), "x_total": total}
            if total is None or len(have) == total:
                break
            if passes >= max_reconcile:
                log.warning("after %d reconcile passes we hold %d records, the registry lists %d", passes,
                            len(have), total)
                self.state["stats"]["count_mismatch"] = True
                break
            passes += 1
            self.state["stats"]["reconcile_passes"] = passes
            missing, extra = self._reconcile(have)
            # records we hold that the live listing does not show any more were removed without an
            # event we saw: drop them (if one was only skipped by a shift, the next check finds it)
            self.state["deleted"] = sorted(set(self.state.get("deleted", [])) | extra)
            self._fetch_ctids(sorted(missing), phase="reconcile", total=len(missing))
            self.state["deleted"] = sorted(set(self.state["deleted"]) | set(self.state.pop("deleted_now", [])))
            self.stage.checkpoint()
        self.state["phase"] = "finalize"
        self.stage.save()

    def _probe(self, ctids: list[str]) -> dict[str, tuple[bytes, dict[str, Any]]]:
        """Fetch envelopes without staging them (to test whether changed records match a filter)."""

        def one(ctid: str) -> tuple[str, bytes | None]:
            try:
                return ctid, self.reg.envelope_bytes(ctid)
            except RegistryError as exc:
                if exc.status == 404:
                    return ctid, None
                raise

        out: dict[str, tuple[bytes, dict[str, Any]]] = {}
        with ThreadPoolExecutor(max_workers=self.reg.concurrency, thread_name_prefix="ler-probe") as pool:
            for ctid, raw in pool.map(one, ctids):
                if raw is not None:
                    out[ctid] = (raw, orjson.loads(raw))
        return out

    def _distinct_ctids(self) -> set[str]:
        if self.stage.ctids is None:  # after a resume: read the staged lines once
            self.stage.ctids = set()
            for _, _, line in self.stage.iter_lines():
                ctid = record_key(orjson.loads(line))
                if ctid:
                    self.stage.ctids.add(ctid)
        return self.stage.ctids - set(self.state.get("deleted", []))

    def _reconcile(self, have: set[str]) -> tuple[set[str], set[str]]:
        """``(missing, extra)``: CTIDs listed live but not held, and held but not listed (metadata-only pages)."""
        listed: set[str] = set()
        page = 1
        while True:
            result = self.reg.envelopes(page, self.per_page, metadata_only=True)
            for item in result.items:
                key = record_key(item)
                if key:
                    listed.add(key)
            self.notify({"phase": "reconcile", "done": page, "total": result.total_pages, "records": len(listed)})
            if len(result.items) < self.per_page:
                break
            page += 1
        return listed - have, have - listed

    # -- phase 5
    def finalize(self) -> dict[str, Any]:
        out = self.out
        for part in raw_files(out):
            part.unlink()  # a finalize interrupted earlier: start it again from the staged lines
        for leftover in (out / RAW_DIR).glob(".*.tmp") if (out / RAW_DIR).is_dir() else ():
            leftover.unlink()
        deleted = set(self.state.get("deleted", []))
        best: dict[str, tuple[datetime, int, int]] = {}
        types: dict[tuple[int, int], str] = {}
        staged = 0
        bad: list[str] = []
        total_staged = self.state.get("stats", {}).get("staged")
        for part_index, line_no, line in self.stage.iter_lines():
            staged += 1
            if staged % 5000 == 0:
                self.notify({"phase": "finalize", "done": staged, "total": total_staged, "records": len(best)})
            try:
                envelope = orjson.loads(line)
            except orjson.JSONDecodeError as exc:  # cannot happen for validated bodies; never lose others
                bad.append(f"staged part {part_index} line {line_no}: {exc}")
                continue
            ctid, updated, _ = envelope_key(envelope)
            if ctid is None or ctid in deleted:
                continue
            rank = (updated, part_index, line_no)
            if ctid not in best or rank > best[ctid]:
                if ctid in best:
                    types.pop(best[ctid][1:], None)
                best[ctid] = rank
                types[(part_index, line_no)] = envelope.get("envelope_ctdl_type") or "unknown"
        keep = {(p, n) for _, p, n in best.values()}
        by_type: dict[str, int] = {}
        count = 0
        with RawWriter(out) as writer:
            for part_index, line_no, line in self.stage.iter_lines():
                if (part_index, line_no) in keep:
                    writer.write(line)
                    count += 1
                    env_type = types[(part_index, line_no)]
                    by_type[env_type] = by_type.get(env_type, 0) + 1
        stats = dict(self.state.get("stats", {}))
        stats.update({"staged_lines": staged, "duplicates_dropped": staged - count - len(bad),
                      "deleted_during_harvest": len(deleted), "transport": self.reg.stats})
        if bad:
            stats["unreadable_staged_lines"] = bad[:20]
        manifest = read_manifest(out)
        manifest.update({
            "synthetic": bool(self.state.get("synthetic")),
            "counts": {"envelopes": count, "by_type": dict(sorted(by_type.items()))},
            "last_event_at": self.state.get("last_event_at") or self.state.get("watermark"),
            "watermark": self.state.get("watermark"),
            "harvest": stats,
            "completed_at": utc_now_iso(),
        })
        manifest.pop("files", None)
        final = write_manifest(out, manifest, complete=True)
        shutil.rmtree(self.stage.dir, ignore_errors=True)
        self.notify({"phase": "done", "done": count, "total": count, "records": count})
        return final


def resume_possible(out: str | Path) -> bool:
    """True when ``out`` holds an interrupted harvest that ``--resume`` can continue."""
    return (Path(out) / STATE_DIR / STATE_FILE).exists()

