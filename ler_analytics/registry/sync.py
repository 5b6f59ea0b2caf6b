"""Incremental sync: a NEW dated snapshot = an old snapshot + the changes in the Registry's events feed.

Only changed records travel: the events feed since the old snapshot's ``last_event_at`` names the
CTIDs created, updated or deleted; each created/updated envelope is fetched once by CTID, deletes
drop the record. Unchanged envelopes are copied byte-for-byte from the old snapshot, which stays as
it was (``previous_snapshot`` in the new manifest points back at it).

The new snapshot is written into a hidden temporary folder and renamed into place at the end, so an
interrupted sync leaves no half snapshot (run it again).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from ler_analytics.errors import RegistryError, SnapshotError
from ler_analytics.log import get_logger
from ler_analytics.registry.client import Registry
from ler_analytics.registry.harvest import Selection, _iso, envelope_key, parse_time, resolve_events
from ler_analytics.snapshot import MANIFEST, RawWriter, iter_raw_lines, read_manifest, utc_now_iso, write_manifest

log = get_logger("registry.sync")
ProgressFn = Callable[[dict[str, Any]], None]


def default_sync_target(snapshot: Path, now: datetime | None = None) -> Path:
    """Where a sync writes by default: a dated sibling folder (``YYYY-MM-DD``, else with the time)."""
    now = now or datetime.now(UTC)
    parent = snapshot.resolve().parent
    for name in (now.strftime("%Y-%m-%d"), now.strftime("%Y-%m-%dT%H%M%SZ")):
        if not (parent / name).exists():
            return parent / name
    raise SnapshotError(f"cannot choose a new snapshot folder next to {snapshot}; pass --out")


def registry_for(manifest: dict[str, Any], **kwargs: Any) -> Registry:
    """A client for the Registry a snapshot came from (``source: registry:<url>``)."""
    source = str(manifest.get("source", ""))
    if not source.startswith("registry:"):
        raise SnapshotError(
            f"this snapshot's source is {source!r}, not a Registry, so it cannot be synced; "
            "harvest one with `ler snapshot --out DIR` first")
    return Registry(source.removeprefix("registry:"), community=manifest.get("community", "ce-registry"), **kwargs)


def sync(
    snapshot: str | Path,
    *,
    registry: Registry | None = None,
    out: str | Path | None = None,
    progress: ProgressFn | None = None,
    build: bool | None = None,
) -> dict[str, Any]:
    """Apply the events since ``snapshot`` was taken and write a new snapshot next to it.

    Args:
        snapshot: a complete snapshot harvested from a Registry.
        registry: client to use (default: one for the snapshot's ``source`` URL).
        out: folder of the new snapshot (default: a dated sibling folder).
        progress: called with ``{"phase", "done", "total", "records"}``.
        build: build tables in the new snapshot (default: when the old one had tables).

    Returns:
        The new snapshot's manifest (``previous_snapshot``, ``sync`` counts, ``last_event_at``).

    Raises:
        SnapshotError: when the old snapshot is incomplete, not from a Registry, or the target exists.
        RegistryError: when the Registry cannot be read (nothing is written then).
    """
    old = Path(snapshot)
    manifest = read_manifest(old)
    if manifest.get("status") != "complete":
        raise SnapshotError(f"{old} is not complete (status {manifest.get('status')!r}); finish it with "
                            f"`ler snapshot --out {old} --resume` before syncing")
    last = manifest.get("last_event_at")
    if not last:
        raise SnapshotError(f"{old}/manifest.json has no last_event_at, so the changes since it are unknown; "
                            "take a new snapshot with `ler snapshot`")
    own_client = registry is None
    reg = registry or registry_for(manifest)
    notify = progress or (lambda info: None)
    target = Path(out) if out else default_sync_target(old)
    if target.exists() and any(target.iterdir()):
        raise SnapshotError(f"{target} already exists and is not empty; choose another --out")
    try:
        selection = Selection.from_query(manifest.get("query") or {})
        before = reg.stats
        # 1. what changed
        notify({"phase": "events", "done": 0, "total": None, "records": 0})
        events = list(reg.iter_events(last, provisional="exclude"))
        final = resolve_events(events)
        newest = max((t for _, t in final.values()), default=None)
        old_index: dict[str, datetime] = {}
        for _, _, line in iter_raw_lines(old):
            ctid, updated, _ = envelope_key(orjson.loads(line))
            if ctid:
                old_index[ctid] = updated
        to_fetch: list[str] = []
        to_delete: set[str] = set()
        for ctid, (event, at) in sorted(final.items()):
            if event == "destroy":
                if ctid in old_index:
                    to_delete.add(ctid)
            elif ctid in old_index and old_index[ctid] >= at:
                continue  # already in the old snapshot (an event at exactly last_event_at)
            else:
                to_fetch.append(ctid)
        # 2. fetch the changed envelopes (once each)
        fetched = _fetch_all(reg, to_fetch, notify)
        gone = [c for c in to_fetch if c not in fetched]
        to_delete.update(c for c in gone if c in old_index)
        if not selection.is_full:
            # a filtered snapshot keeps only changed records that (still) match its query:
            # new ones may have joined it, updated ones may have left it
            changed = {c: orjson.loads(raw) for c, raw in fetched.items()}
            keep = selection.matching(reg, changed)
            for ctid in set(changed) - keep:
                fetched.pop(ctid)
                if ctid in old_index:
                    to_delete.add(ctid)
        created = sum(1 for c in fetched if c not in old_index)
        updated = len(fetched) - created
        # 3. write the new snapshot (temp folder, then rename)
        tmp = target.parent / f".{target.name}.partial"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True)
        by_type: dict[str, int] = {}
        count = 0
        replaced = set(fetched) | to_delete
        with RawWriter(tmp) as writer:
            for _, _, line in iter_raw_lines(old):
                env = orjson.loads(line)
                ctid, _, _ = envelope_key(env)
                if ctid in replaced:
                    continue
                writer.write(line)
                count += 1
                kind = env.get("envelope_ctdl_type") or "unknown"
                by_type[kind] = by_type.get(kind, 0) + 1
            for ctid in sorted(fetched):
                raw = fetched[ctid]
                writer.write(raw)
                count += 1
                kind = orjson.loads(raw).get("envelope_ctdl_type") or "unknown"
                by_type[kind] = by_type.get(kind, 0) + 1
        after = reg.stats
        new_manifest = {
            key: manifest[key] for key in ("source", "synthetic", "community", "query", "licence") if key in manifest
        }
        new_manifest.update({
            "id": target.name,
            "created_at": utc_now_iso(),
            "counts": {"envelopes": count, "by_type": dict(sorted(by_type.items()))},
            "last_event_at": _iso(newest) if newest and (parse_time(last) is None or newest > parse_time(last))
            else last,
            "previous_snapshot": {"id": manifest.get("id", old.name), "path": str(old.resolve()),
                                  "created_at": manifest.get("created_at")},
            "sync": {
                "events": len(events), "created": created, "updated": updated, "deleted": len(to_delete),
                "unchanged": count - len(fetched),
                "requests": after["requests"] - before["requests"],
                "bytes_received": after["bytes_received"] - before["bytes_received"],
                "retries": after["retries"] - before["retries"],
            },
        })
        final_manifest = write_manifest(tmp, new_manifest, complete=True)
        if target.exists():
            target.rmdir()
        tmp.rename(target)
    finally:
        if own_client:
            reg.close()
    notify({"phase": "done", "done": count, "total": count, "records": count})
    if build is None:
        build = (old / "tables").is_dir() and any((old / "tables").glob("*.parquet"))
    if build:
        final_manifest = _build(target) or final_manifest
    return final_manifest


def _fetch_all(reg: Registry, ctids: list[str], notify: ProgressFn) -> dict[str, bytes]:
    out: dict[str, bytes] = {}

    def one(ctid: str) -> tuple[str, bytes | None]:
        try:
            return ctid, reg.envelope_bytes(ctid)
        except RegistryError as exc:
            if exc.status == 404:
                return ctid, None  # deleted after its last event: treated as a delete
            raise

    with ThreadPoolExecutor(max_workers=reg.concurrency, thread_name_prefix="ler-sync") as pool:
        for done, (ctid, raw) in enumerate(pool.map(one, ctids), start=1):
            if raw is not None:
                out[ctid] = raw
            notify({"phase": "fetch", "done": done, "total": len(ctids), "records": len(out)})
    return out


def _build(target: Path) -> dict[str, Any] | None:
    try:
        from ler_analytics.build import build as build_tables
    except ImportError:
        log.warning("ler build is not available; run it later on %s", target)
        return None
    build_tables(target)
    return read_manifest(target) if (target / MANIFEST).exists() else None
