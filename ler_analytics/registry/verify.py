"""Re-check a snapshot: manifest status, file hashes and sizes, record counts, duplicates, readability.

``verify(path)`` never changes anything; it returns a :class:`VerifyReport` whose ``problems`` say
exactly what is wrong (file, line, CTID, expected vs found) and what to do about it.
"""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from ler_analytics.ctdl.normalize import normalize_ctid
from ler_analytics.errors import SnapshotError
from ler_analytics.snapshot import MANIFEST, RAW_DIR, read_manifest, sha256_file

MAX_LISTED = 10


@dataclass
class VerifyReport:
    """Outcome of :func:`verify`.

    Attributes:
        path: the snapshot checked.
        problems: one sentence per problem (empty when all is well).
        checked: what was checked, with counts.
        notes: things worth knowing that are not problems (e.g. duplicates a demo snapshot keeps on purpose).
    """

    path: Path
    problems: list[str] = field(default_factory=list)
    checked: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems

    def summary(self) -> str:
        """Human-readable multi-line summary."""
        notes = [f"  note: {n}" for n in self.notes]
        if self.ok:
            c = self.checked
            head = (f"OK: {self.path}: {c.get('envelopes', 0)} envelopes in {c.get('files', 0)} file(s), "
                    f"hashes, sizes, counts and CTIDs all match the manifest (status complete)")
            return "\n".join([head, *notes])
        lines = [f"{len(self.problems)} problem(s) in {self.path}:"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join([*lines, *notes])


def verify(path: str | Path) -> VerifyReport:
    """Check a snapshot folder against its manifest.

    Args:
        path: the snapshot folder.

    Returns:
        The report (``report.ok`` is False when anything is wrong).
    """
    base = Path(path)
    report = VerifyReport(base)
    try:
        manifest = read_manifest(base)
    except SnapshotError as exc:
        report.problems.append(str(exc))
        return report
    status = manifest.get("status")
    if status != "complete":
        report.problems.append(
            f"manifest status is {status!r}, not 'complete': the harvest was interrupted; continue it with "
            f"`ler snapshot --out {base} --resume`")
    if (base / ".harvest").exists() and status == "complete":
        report.problems.append(f"{base}/.harvest (harvest staging) is still there although the snapshot is complete; "
                               "it is safe to delete it")
    files: dict[str, Any] = manifest.get("files") or {}
    on_disk = {p.relative_to(base).as_posix() for p in (base / RAW_DIR).glob("*.jsonl.gz")} if (
        base / RAW_DIR).is_dir() else set()
    for rel in sorted(on_disk - set(files)):
        report.problems.append(f"{rel} is not listed in {MANIFEST} (an extra raw file: remove it or re-harvest)")
    for rel, meta in sorted(files.items()):
        file_path = base / rel
        if not file_path.exists():
            report.problems.append(f"{rel} is listed in {MANIFEST} but missing: restore it or re-harvest")
            continue
        size = file_path.stat().st_size
        if isinstance(meta, dict) and meta.get("bytes") is not None and size != meta["bytes"]:
            report.problems.append(f"{rel} has {size} bytes, the manifest says {meta['bytes']} (file changed)")
        expected = meta.get("sha256") if isinstance(meta, dict) else meta
        if expected and sha256_file(file_path) != expected:
            report.problems.append(f"{rel}: sha256 differs from the manifest (file changed or damaged)")
    # records: readable, one per CTID, counts as declared
    seen: dict[str, str] = {}
    duplicates: list[str] = []
    unreadable: list[str] = []
    by_type: dict[str, int] = {}
    count = 0
    for rel in sorted(on_disk & set(files)) if files else sorted(on_disk):
        try:
            with gzip.open(base / rel, "rb") as handle:
                for number, line in enumerate(handle, start=1):
                    line = line.rstrip(b"\r\n")
                    if not line:
                        continue
                    where = f"{rel} line {number}"
                    try:
                        record = orjson.loads(line)
                    except orjson.JSONDecodeError as exc:
                        unreadable.append(f"{where}: not valid JSON ({exc})")
                        continue
                    if not isinstance(record, dict):
                        unreadable.append(f"{where}: not a JSON object")
                        continue
                    count += 1
                    ctid = normalize_ctid(record.get("envelope_ceterms_ctid")) or normalize_ctid(record.get("@id"))
                    kind = record.get("envelope_ctdl_type") or "unknown"
                    by_type[kind] = by_type.get(kind, 0) + 1
                    if ctid is None:
                        continue
                    if ctid in seen:
                        duplicates.append(f"{ctid} ({seen[ctid]} and {where})")
                    else:
                        seen[ctid] = where
        except (OSError, EOFError, zlib.error) as exc:
            report.problems.append(f"{rel} cannot be decompressed ({exc}): the file is damaged; re-harvest")
    for item in unreadable[:MAX_LISTED]:
        report.problems.append(item)
    if len(unreadable) > MAX_LISTED:
        report.problems.append(f"... and {len(unreadable) - MAX_LISTED} more unreadable lines")
    if duplicates:
        shown = "; ".join(duplicates[:MAX_LISTED])
        more = f" (and {len(duplicates) - MAX_LISTED} more)" if len(duplicates) > MAX_LISTED else ""
        text = f"{len(duplicates)} duplicate CTID(s): {shown}{more}"
        if str(manifest.get("source", "")).startswith("registry:"):
            report.problems.append(text + " (a harvest keeps one envelope per CTID: re-harvest)")
        else:  # demo and file snapshots keep their input as given; `ler build` keeps the newest
            report.notes.append(text + " (kept as given by the source; `ler build` keeps the newest)")
    counts = manifest.get("counts") or {}
    declared = counts.get("envelopes")
    if declared is not None and declared != count:
        report.problems.append(f"the manifest counts {declared} envelopes, the raw files hold {count}")
    declared_types = counts.get("by_type")
    if isinstance(declared_types, dict) and declared is not None:
        for kind in sorted(set(declared_types) | set(by_type)):
            if declared_types.get(kind, 0) != by_type.get(kind, 0):
                report.problems.append(f"type {kind}: manifest counts {declared_types.get(kind, 0)}, "
                                       f"raw files hold {by_type.get(kind, 0)}")
    _check_tables(base, manifest, report)
    report.checked.update({"files": len(files), "envelopes": count, "distinct_ctids": len(seen),
                           "status": status})
    return report


def _check_tables(base: Path, manifest: dict[str, Any], report: VerifyReport) -> None:
    tables = manifest.get("tables")
    if not isinstance(tables, dict):
        return
    rows = tables.get("rows") or tables.get("row_counts") or {}
    if not isinstance(rows, dict):
        return
    try:
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        return
    for name, expected in sorted(rows.items()):
        path = base / "tables" / f"{name}.parquet"
        if not path.exists():
            report.problems.append(f"table {name} is listed in the manifest but tables/{name}.parquet is missing; "
                                   f"run `ler build {base}`")
            continue
        try:
            found = pq.ParquetFile(path).metadata.num_rows
        except Exception as exc:  # noqa: BLE001 - any reader error means a damaged file
            report.problems.append(f"tables/{name}.parquet cannot be read ({exc}); run `ler build {base}`")
            continue
        if isinstance(expected, int) and found != expected:
            report.problems.append(f"table {name}: manifest says {expected} rows, the file has {found}")
