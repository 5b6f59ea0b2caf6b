"""Per-snapshot disk cache of the dashboards' all-state metric frames.

Every dashboard page visit starts a new kernel. Computing the all-state metric frames a dashboard
needs takes seconds on a Registry-sized snapshot (about 3 s for the state overview on the
scale-1.0 twin), and the answer is the same for every visit. The first visit therefore writes each
frame as Parquet under ``<snapshot>/cache/dashboards/<fingerprint>/`` and later visits only read it
(milliseconds). Dashboards also store each state's finished view (tiles, chart figures, notes and
CSV links) as JSON (:meth:`FrameCache.save_json`), so a visit to a state someone has seen before
neither computes nor draws figures in Python.

Never stale: ``<fingerprint>`` hashes the package version, the snapshot's id and creation time, the
size and modification time of every ``tables/*.parquet`` file (of the previous snapshot too, when
the manifest names one), and the size and modification time
of the installed ``ler_analytics`` package's files that read snapshots (so a rebuilt snapshot, an upgrade or an
edited metric gets a new folder; older folders are removed when a new one is written). Files are
written through a temporary file and a rename. A snapshot folder that cannot be written to simply
means no disk cache (frames are computed in memory, as before).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ler_analytics.log import get_logger

if TYPE_CHECKING:
    import polars as pl

    from ler_analytics.snapshot import Snapshot

log = get_logger(__name__)

CACHE_DIR = Path("cache") / "dashboards"
"""Folder of the cache inside a snapshot."""

_ATTR = "__dashboard_frame_cache__"
_PACKAGE = Path(__file__).resolve().parents[1]
_NOT_READ = {"__pycache__", "build.py", "registry", "demo", "cli"}
"""Package parts that only write snapshots (their effect is in the tables' fingerprint) or fetch data."""


@cache
def code_fingerprint() -> str:
    """Hash of the installed package's version and files (size, mtime): changes with any code edit."""
    from ler_analytics import __version__

    digest = hashlib.sha256(__version__.encode())
    for root, dirs, files in os.walk(_PACKAGE):
        dirs[:] = sorted(d for d in dirs if d not in _NOT_READ and not d.startswith("."))
        for name in sorted(files):
            if name.endswith((".pyc", ".tmp")) or name in _NOT_READ:
                continue
            path = Path(root) / name
            st = path.stat()
            digest.update(f"{path.relative_to(_PACKAGE)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def snapshot_fingerprint(snap: Snapshot) -> str:
    """Hash identifying the snapshot's data and the code that reads it (see the module docstring)."""
    digest = hashlib.sha256(code_fingerprint().encode())
    digest.update(f"{snap.manifest.get('id', '')}\0{snap.manifest.get('created_at', '')}\n".encode())
    # absolute paths: `ler dashboard data/x --prepare-only` and the kernels (given the resolved path)
    # must agree on the folder
    folders = [snap.path.resolve()]
    previous = snap.manifest.get("previous_snapshot")
    if previous:  # the overview compares with it: its data is part of what the dashboards show
        folders += [Path(str(previous)).resolve(), (snap.path.parent / str(previous)).resolve()]
    for folder in folders:
        tables = folder / "tables"
        if tables.is_dir():
            for path in sorted(tables.glob("*.parquet")):
                st = path.stat()
                digest.update(f"{tables}\0{path.name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:24]


def _file_name(key: tuple[Any, ...]) -> str:
    text = "-".join(str(k) for k in key)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", text)[:80]
    return f"{safe}-{hashlib.sha256(repr(key).encode()).hexdigest()[:12]}.parquet"


class FrameCache:
    """Parquet files of computed frames for one snapshot (one folder per fingerprint).

    Args:
        snap: the opened snapshot.
        enabled: False keeps everything in memory (no reads, no writes).
    """

    def __init__(self, snap: Snapshot, *, enabled: bool = True) -> None:
        self.snap = snap
        self.enabled = enabled
        self.folder = snap.path / CACHE_DIR / snapshot_fingerprint(snap)
        self._memory: dict[tuple[Any, ...], pl.DataFrame] = {}
        self._values: dict[tuple[Any, ...], Any] = {}
        self._pruned = False
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple[Any, ...], compute: Callable[[], pl.DataFrame]) -> pl.DataFrame:
        """The frame for ``key``: from memory, else from disk, else ``compute()`` (then written to disk).

        Only polars DataFrames are stored on disk; any other result is kept in memory only.
        """
        import polars as pl

        if key in self._memory:
            return self._memory[key]
        path = self.folder / _file_name(key)
        frame = None
        if self.enabled and path.exists():
            try:
                frame = pl.read_parquet(path)
                self.hits += 1
            except Exception as exc:  # noqa: BLE001 - a damaged cache file is recomputed, never fatal
                log.warning("dashboard cache file %s unreadable (%s); recomputing", path, exc)
        if frame is None:
            frame = compute()
            self.misses += 1
            if self.enabled and isinstance(frame, pl.DataFrame):
                self._write(path, frame)
        self._memory[key] = frame
        return frame

    def json_path(self, key: tuple[Any, ...]) -> Path:
        """The file a JSON value for ``key`` is stored in."""
        return self.folder / _file_name(key).replace(".parquet", ".json")

    def load_json(self, key: tuple[Any, ...]) -> Any | None:
        """A JSON value stored with :meth:`save_json` (None when absent, unreadable or disabled)."""
        if not self.enabled:
            return None
        path = self.json_path(key)
        try:
            value = json.loads(path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.warning("dashboard cache file %s unreadable (%s); recomputing", path, exc)
            return None
        self.hits += 1
        return value

    def save_json(self, key: tuple[Any, ...], value: Any) -> None:
        """Store a JSON-serialisable value (written atomically; a failure only disables the cache)."""
        if not self.enabled:
            return
        from ler_analytics.snapshot import atomic_write_bytes

        path = self.json_path(key)
        try:
            atomic_write_bytes(path, json.dumps(value, separators=(",", ":")).encode("utf-8"))
        except OSError as exc:
            log.info("dashboard cache not written (%s); views are computed on every visit", exc)
            self.enabled = False
            return
        self._prune()

    def value(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """A JSON-serialisable value for ``key``: from memory, else disk, else ``compute()`` (then stored)."""
        if key in self._values:
            return self._values[key]
        found = self.load_json(key)
        if found is None:
            found = compute()
            self.misses += 1
            self.save_json(key, found)
        self._values[key] = found
        return found

    def _write(self, path: Path, frame: pl.DataFrame) -> None:
        from ler_analytics.snapshot import atomic_write_bytes

        buffer = io.BytesIO()
        try:
            frame.write_parquet(buffer, compression="lz4", statistics=False)
            atomic_write_bytes(path, buffer.getvalue())
        except OSError as exc:
            log.info("dashboard cache not written (%s); frames are computed on every visit", exc)
            self.enabled = False
            return
        self._prune()

    def _prune(self) -> None:
        """Remove cache folders of other fingerprints (older data or code)."""
        if self._pruned:
            return
        self._pruned = True
        for other in self.folder.parent.iterdir():
            if other.is_dir() and other.name != self.folder.name:
                shutil.rmtree(other, ignore_errors=True)


def frame_cache(snap: Snapshot) -> FrameCache:
    """The :class:`FrameCache` of ``snap`` (one per opened snapshot object).

    ``$LER_DASHBOARD_CACHE=0`` disables the disk cache (frames are then computed in memory).
    """
    existing = getattr(snap, "_cache", {}).get(_ATTR)
    if existing is not None:
        return existing
    enabled = os.environ.get("LER_DASHBOARD_CACHE", "1") not in ("0", "false", "no")
    created = FrameCache(snap, enabled=enabled)
    snap._cache[_ATTR] = created
    return created
