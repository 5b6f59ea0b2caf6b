"""``ler build``: raw Registry JSON (a snapshot, or any folder/file of JSON) -> core tables (Parquet).

Streaming: records are read one at a time (a JSON-lines line, or one JSON file), flattened by
``ctdl/flatten.py`` and written in batches to per-input part files; a final merge step drops
records superseded by a newer envelope for the same CTID (newest ``node_headers.updated_at`` wins;
the older one is kept in ``envelopes`` with ``is_duplicate = true``), checks every table against
the column dictionary and writes ``tables/<table>.parquet`` through a temporary file and a rename.
Every record that cannot be read becomes a ``quarantine`` row; the build never stops on data.

Inputs (see ``docs/snapshot-format.md``):

* a snapshot directory (``manifest.json`` + ``raw/``): tables are written into it;
* any other folder or file of ``.json``/``.jsonld``/``.jsonl``/``.ndjson`` (optionally ``.gz``)
  holding envelopes, graph documents, single resources, arrays or JSON lines of them: a snapshot
  is created at ``out`` (default: ``<input>.ler-snapshot`` next to the input) with the input files
  copied byte-for-byte under ``raw/files/`` and ``source: files:<input path>``.
"""

from __future__ import annotations

import gc
import gzip
import os
import shutil
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from itertools import accumulate, chain
from operator import itemgetter
from pathlib import Path
from typing import Any

import orjson

from ler_analytics import snapshot as snap
from ler_analytics.ctdl.fields import column_names
from ler_analytics.ctdl.flatten import SEQ, TableRows, flatten_graph
from ler_analytics.ctdl.records import Document, documents, envelope_document
from ler_analytics.errors import LerError, SnapshotError
from ler_analytics.log import get_logger

log = get_logger("build")

INPUT_SUFFIXES = (".json", ".jsonld", ".jsonl", ".ndjson", ".json.gz", ".jsonld.gz", ".jsonl.gz", ".ndjson.gz")
LINE_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
COPIED_DIR = "files"  # raw/files/<relative path>: input files copied byte-for-byte
SNAPSHOT_SUFFIX = ".ler-snapshot"
WHOLE_FILE_LIMIT = 512 * 1024 * 1024  # larger non-line files are split as JSON arrays, streaming
BATCH_ROWS = 100_000
RAW_CHARS = 2000
_SEQ_STRIDE = 1 << 32
_WORKER_MIN_BYTES = 8 * 1024 * 1024  # below this, worker start-up costs more than it saves


@dataclass(frozen=True)
class Unit:
    """One raw input file to read."""

    index: int
    path: str
    label: str  # path relative to the snapshot, used in ``source_file`` / quarantine
    lines: bool  # True: one record per line; False: the file is one JSON value (or JSON lines)


# --- reading raw records -----------------------------------------------------------------------


def _open_bytes(path: Path):
    handle = open(path, "rb")  # noqa: SIM115 - returned to the caller, closed there
    magic = handle.read(2)
    handle.seek(0)
    if magic == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=handle, mode="rb")
    return handle


def iter_lines(path: Path, chunk_size: int = 8 << 20) -> Iterator[bytes]:
    """Lines of a (possibly gzip) file, read in large chunks (much faster than line by line).

    Memory stays bounded by ``chunk_size`` plus the longest line.
    """
    with _open_bytes(path) as handle:
        rest = b""
        while True:
            chunk = handle.read(chunk_size)
            if not chunk:
                break
            lines = (rest + chunk).split(b"\n") if rest else chunk.split(b"\n")
            rest = lines.pop()
            yield from lines
        if rest:
            yield rest


def iter_records(unit: Unit) -> Iterator[tuple[str, bytes]]:
    """Yield ``(source label "file:line", record bytes)`` for every record of a raw file."""
    path = Path(unit.path)
    if unit.lines:
        number = 0
        label = unit.label
        for line in iter_lines(path):
            number += 1
            line = line.strip()
            if line:
                yield f"{label}:{number}", line
        return
    size = path.stat().st_size
    with _open_bytes(path) as handle:
        head = handle.read(WHOLE_FILE_LIMIT + 1)
        if len(head) <= WHOLE_FILE_LIMIT:
            yield f"{unit.label}:1", head
            return
    # A very large JSON document: stream its top-level array elements.
    log.info("streaming %s (%d bytes) as a JSON array", unit.label, size)
    with _open_bytes(path) as handle:
        yield from _split_json_array(handle, unit.label)


def _split_json_array(handle: Any, label: str) -> Iterator[tuple[str, bytes]]:
    """Stream the elements of a top-level JSON array without loading the whole file."""
    buf = bytearray()
    depth = 0
    in_string = escape = started = False
    start = -1
    count = 0
    offset = 0
    while True:
        chunk = handle.read(1 << 20)
        if not chunk:
            break
        base = len(buf)
        buf.extend(chunk)
        i = base
        n = len(buf)
        while i < n:
            c = buf[i]
            if in_string:
                if escape:
                    escape = False
                elif c == 0x5C:
                    escape = True
                elif c == 0x22:
                    in_string = False
            elif c == 0x22:
                in_string = True
                if depth == 1 and start < 0:
                    start = i
            elif c in (0x7B, 0x5B):
                if not started:
                    if c != 0x5B:
                        yield f"{label}:1", bytes(buf) + handle.read()
                        return
                    started = True
                else:
                    if depth == 1 and start < 0:
                        start = i
                depth += 1
            elif c in (0x7D, 0x5D):
                depth -= 1
                if depth == 1 and start >= 0:
                    count += 1
                    yield f"{label}:#{count}", bytes(buf[start : i + 1])
                    start = -1
                elif depth == 0:
                    if start >= 0:  # a scalar was the last element
                        count += 1
                        yield f"{label}:#{count}", bytes(buf[start:i]).strip()
                    return
            elif c == 0x2C and depth == 1 and start >= 0:
                count += 1
                yield f"{label}:#{count}", bytes(buf[start:i]).strip()
                start = -1
            elif depth == 1 and start < 0 and c not in b" \t\r\n,":
                start = i
            i += 1
        keep_from = start if start >= 0 else n
        del buf[:keep_from]
        offset += keep_from
        if start >= 0:
            start = 0


# --- per-input processing (runs in a worker process when there are several inputs) ---------


def _raw_text(value: Any) -> str:

    if value is None:
        return ""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value[: RAW_CHARS * 4]).decode("utf-8", errors="replace")[:RAW_CHARS]
    try:
        return orjson.dumps(value).decode()[:RAW_CHARS]
    except (TypeError, orjson.JSONEncodeError):
        try:
            return repr(value)[:RAW_CHARS]
        except RecursionError:
            return "<too deeply nested to print>"


def _quarantine_row(problem: Any, label: str, raw_bytes: bytes | None) -> dict[str, Any]:
    return {
        "envelope_id": problem.envelope_id,
        "ctid": problem.ctid,
        "source_file": label,
        "property": problem.prop,
        "reason": problem.reason,
        "raw": _raw_text(problem.raw) if problem.raw is not None else _raw_text(raw_bytes),
    }


def _parse_error(exc: Exception, data: bytes) -> str:
    message = str(exc)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        return f"not valid UTF-8 text (byte {err.start}: {err.reason}); the record was skipped"
    if not data.strip():
        return "empty record"
    return f"not valid JSON ({message}); the record was skipped"


def rows_to_frame(rows: list, schema: Any, *, table: str | None = None, compact: bool = False) -> Any:
    """A polars DataFrame from row dicts or row tuples (tuples in ``schema`` column order).

    Compact ``resource_properties`` rows (one per node, with lists of properties and counts) are
    expanded to one row per property when ``table == "resource_properties"``; with ``compact=True``
    they stay one row per node, ``property`` and ``value_count`` being list columns (the build's
    part files: :func:`merge_tables` explodes them).

    Raises:
        TypeError, ValueError, OverflowError, polars/pyarrow errors: when a value does not fit its column.
    """
    import polars as pl

    names = list(schema)
    if table == "resource_properties" and type(rows[0]) is tuple and type(rows[0][3]) is list:
        frame = _compact_properties_frame(rows, schema)
        return frame if compact else frame.explode(["property", "value_count"])
    if type(rows[0]) is tuple:
        width = len(names)
        if set(map(len, rows)) != {width}:
            raise ValueError(f"{table or 'table'} rows must have {width} fields")
        columns = [list(map(itemgetter(i), rows)) for i in range(width)]
    else:
        try:  # rows built by the flattener carry every column: one C-level pass per column
            columns = [list(map(itemgetter(name), rows)) for name in names]
        except KeyError:
            columns = [[row.get(name) for row in rows] for name in names]
    return pl.DataFrame([_series(name, col, schema[name]) for name, col in zip(names, columns, strict=True)])


def _compact_properties_frame(rows: list[tuple], schema: Any) -> Any:
    """One row per node; ``property`` (list of str) and ``value_count`` (list of i64) as list columns."""
    import polars as pl

    if set(map(len, rows)) != {6}:
        raise ValueError("resource_properties rows must have 6 fields")
    columns = [list(map(itemgetter(i), rows)) for i in range(6)]
    if list(map(len, columns[3])) != list(map(len, columns[4])):
        raise ValueError("resource_properties row with unequal property and count lists")
    return pl.DataFrame(
        [
            _series("ctid", columns[0], schema["ctid"]),
            _series("resource_table", columns[1], schema["resource_table"]),
            _series("resource_type", columns[2], schema["resource_type"]),
            _series("property", columns[3], pl.List(pl.String)),
            _series("value_count", columns[4], pl.List(pl.Int64)),
            _series(SEQ, columns[5], pl.Int64),
        ]
    )


def _series(name: str, column: Sequence[Any], dtype: Any) -> Any:
    """A typed polars Series; list columns go through pyarrow (~50x faster than polars for nested lists)."""
    import polars as pl

    if isinstance(dtype, pl.List):
        import pyarrow as pa

        kinds = set(map(type, column))
        any_null = type(None) in kinds
        if not kinds <= {list, type(None)}:
            bad = next(k for k in kinds if k is not list and k is not type(None))
            raise TypeError(f"column {name}: expected a list, got {bad.__name__}")
        if not any_null:  # the usual case: C-level passes only
            offsets = list(accumulate(map(len, column), initial=0))
            values: list = list(chain.from_iterable(column))
        else:
            offsets = [0]
            values = []
            nulls: list[bool] = []
            extend, mark, null = values.extend, offsets.append, nulls.append
            for item in column:
                if item is None:
                    null(True)
                else:
                    extend(item)
                    null(False)
                mark(len(values))
        # flat values + offsets (pyarrow's own conversion of nested lists would import pandas: +0.5 s)
        flat = pl.Series("v", values, dtype=dtype.inner, strict=True).to_arrow()
        array = pa.LargeListArray.from_arrays(
            pl.Series("o", offsets, dtype=pl.Int64).to_arrow(),
            flat,
            mask=pl.Series("m", nulls, dtype=pl.Boolean).to_arrow() if any_null else None,
        )
        return pl.Series(name, array).cast(dtype)
    if isinstance(dtype, pl.Datetime) and dtype.time_zone == "UTC" and dtype.time_unit == "us":
        return _datetime_series(name, column, dtype)
    return pl.Series(name, column, dtype=dtype, strict=True)


_STAMP_LIMIT = 2.0**31  # below this many seconds after 1970, float seconds * 1e6 round to exact microseconds


def _datetime_series(name: str, column: Sequence[Any], dtype: Any) -> Any:
    """A UTC datetime Series from aware datetimes, built from POSIX seconds (exact to the microsecond).

    polars converts time-zone-aware Python datetimes one by one (~6 us each, the largest single
    cost of writing a batch); ``datetime.timestamp()`` plus one vectorised cast is ~15x cheaper.
    Anything else (naive datetimes, other types, dates outside 1970-2038) takes polars' own path.
    """
    import polars as pl

    stamps: list[float | None] = []
    append = stamps.append
    for value in column:
        if value is None:
            append(None)
            continue
        if type(value) is not datetime or value.tzinfo is None:
            return pl.Series(name, column, dtype=dtype, strict=True)
        stamp = value.timestamp()
        if not 0.0 <= stamp < _STAMP_LIMIT:
            return pl.Series(name, column, dtype=dtype, strict=True)
        append(stamp)
    seconds = pl.Series(name, stamps, dtype=pl.Float64)
    return (seconds * 1_000_000).round().cast(pl.Int64).cast(dtype)


def _properties_as_dicts(rows: list[tuple]) -> list[dict[str, Any]]:
    out = []
    for ctid, table, resource_type, names, values, seq in rows:
        for name, value in zip(names, values, strict=False):
            out.append(
                {
                    "ctid": ctid,
                    "resource_table": table,
                    "resource_type": resource_type,
                    "property": name,
                    "value_count": value,
                    "_seq": seq,
                }
            )
    return out


_STORE_ERRORS: tuple[type[BaseException], ...] = (TypeError, ValueError, OverflowError, UnicodeError)
FINAL_ZSTD_LEVEL = 1  # same size as level 6 on these tables (dictionary-encoded columns), half the CPU
PART_SUFFIX = ".arrow"  # worker part files: Arrow IPC, uncompressed (compressed once, at the merge)


def _store_errors() -> tuple[type[BaseException], ...]:
    import pyarrow as pa

    return (*_STORE_ERRORS, pa.lib.ArrowException)


class _PartWriter:
    """Per-table Arrow IPC part files of one input unit (one file per table and flushed batch)."""

    def __init__(self, tmp_dir: Path, unit_index: int) -> None:
        self.tmp_dir = tmp_dir
        self.unit_index = unit_index
        self.batches: Counter[str] = Counter()
        self.rows: Counter[str] = Counter()

    def write(self, table: str, rows: list) -> None:
        if not rows:
            return
        import polars as pl

        from ler_analytics.ctdl.dtypes import polars_schema

        schema = polars_schema(table, internal=table != "quarantine")
        try:
            frame = rows_to_frame(rows, schema, table=table, compact=True)
        except (*_store_errors(), pl.exceptions.PolarsError):
            if table == "resource_properties" and type(rows[0]) is tuple:
                rows = _properties_as_dicts(rows)
            elif type(rows[0]) is tuple:
                rows = [dict(zip(list(schema), row, strict=True)) for row in rows]
            frame = self._salvage(table, rows, schema)
        self.batches[table] += 1
        if table == "resource_properties" and frame.schema["property"] == pl.String:  # salvaged rows
            frame = frame.with_columns(pl.concat_list("property"), pl.concat_list("value_count"))
        path = self.tmp_dir / table / f"part-{self.unit_index:06d}-{self.batches[table]:04d}{PART_SUFFIX}"
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.write_ipc(path, compression="uncompressed")  # read once by the merge: no compression
        self.rows[table] += frame.height

    def _salvage(self, table: str, rows: list[dict[str, Any]], schema: Any) -> Any:
        """Convert row by row; a row that cannot be stored becomes a quarantine row (never a crash)."""
        import polars as pl

        good, bad = [], []
        for row in rows:
            try:
                rows_to_frame([row], schema)
                good.append(row)
            except (*_store_errors(), pl.exceptions.PolarsError) as exc:
                bad.append(
                    {
                        "envelope_id": row.get("envelope_id"),
                        "ctid": row.get("ctid") or row.get("subject_ctid"),
                        "source_file": None,
                        "property": None,
                        "reason": f"a {table} row could not be stored ({type(exc).__name__}: {str(exc)[:200]}); "
                        "the row was skipped",
                        "raw": _raw_text({k: v for k, v in row.items() if k != "_seq"}),
                    }
                )
        if bad and table != "quarantine":
            self.write("quarantine", bad)
        return rows_to_frame(good, schema) if good else pl.DataFrame(schema=schema)

    def close(self) -> None:
        """Nothing to close: every batch is its own file."""


def process_unit(unit: Unit, tmp_dir: str) -> dict[str, Any]:
    """Read, flatten and write one raw input file; return counts (runs in a worker process)."""
    state = _UnitState(TableRows(), [], [], (unit.index + 1) * _SEQ_STRIDE)
    writer = _PartWriter(Path(tmp_dir), unit.index)

    def flush() -> None:
        for table, rows in state.out.tables.items():
            writer.write(table, rows)
        writer.write("envelopes", state.envelopes)
        writer.write("quarantine", state.quarantine)
        state.out.clear()
        state.envelopes.clear()
        state.quarantine.clear()

    gc_was_enabled = gc.isenabled()
    gc.disable()  # parsed JSON has no reference cycles; collecting while rows pile up costs ~25 %
    try:
        for label, data in iter_records(unit):
            _handle_record(unit, label, data, state)
            if not state.records & 255 and state.out.count() + len(state.envelopes) >= BATCH_ROWS:
                flush()
                gc.collect()
    except OSError as exc:  # unreadable or truncated file (e.g. a cut-off .gz): keep what was read
        state.quarantine.append(
            {
                "envelope_id": None,
                "ctid": None,
                "source_file": unit.label,
                "property": None,
                "reason": f"the file could not be read to the end ({exc}); records after this point are missing",
                "raw": "",
            }
        )
    finally:
        if gc_was_enabled:
            gc.enable()
    flush()
    writer.close()
    return {"unit": unit.index, "records": state.records, "documents": state.number, "by_type": dict(state.by_type)}


@dataclass
class _UnitState:
    out: Any
    quarantine: list[dict[str, Any]]
    envelopes: list[tuple]  # ENVELOPE_COLUMNS order
    seq_base: int
    number: int = 0
    records: int = 0
    by_type: Counter[str] = field(default_factory=Counter)
    table_lists: list[list] | None = None


def _handle_record(unit: Unit, label: str, data: bytes, state: _UnitState) -> None:
    if data[:3] == b"\xef\xbb\xbf":  # UTF-8 byte-order mark (seen in real sample files)
        data = data[3:]
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if not unit.lines and data.count(b"\n") >= 1 and _first_line_is_json(data):
            # A .json file that holds JSON lines: read it line by line.
            for number, line in enumerate(data.split(b"\n"), start=1):
                if line.strip():
                    _handle_record(
                        Unit(unit.index, unit.path, unit.label, True), f"{unit.label}:{number}", line.strip(), state
                    )
            return
        state.records += 1
        state.quarantine.append(
            {
                "envelope_id": None,
                "ctid": None,
                "source_file": label,
                "property": None,
                "reason": _parse_error(exc, data),
                "raw": _raw_text(data),
            }
        )
        return
    state.records += 1
    _handle_parsed(label, data, value, state)


def read_record(data: bytes, *, label: str = "<record>:1") -> tuple[Any, list[dict[str, Any]], list[dict[str, Any]]]:
    """Read one raw record exactly as ``ler build`` does, without writing anything.

    Args:
        data: the bytes of one JSON value (a JSON-lines line or a whole file).
        label: where it came from, used in ``source_file``.

    Returns:
        ``(rows, quarantine_rows, envelope_rows)`` where ``rows.tables`` maps each core table to
        its rows. Never raises on bad data.
    """
    state = _UnitState(TableRows(), [], [], _SEQ_STRIDE)
    _handle_record(Unit(0, label, label.rsplit(":", 1)[0], True), label, data, state)
    return state.out, state.quarantine, [dict(zip(ENVELOPE_COLUMNS, row, strict=True)) for row in state.envelopes]


def _first_line_is_json(data: bytes) -> bool:
    import orjson

    first_line = data.lstrip().split(b"\n", 1)[0]
    try:
        orjson.loads(first_line)
    except orjson.JSONDecodeError:
        return False
    return True


def _handle_parsed(label: str, data: bytes, value: Any, state: _UnitState) -> None:
    out, quarantine, envelopes = state.out, state.quarantine, state.envelopes

    try:
        if type(value) is dict and "decoded_resource" in value:  # the usual case: one envelope
            items = [envelope_document(value)]
        else:
            items = list(documents(value))
    except Exception as exc:  # noqa: BLE001 - the build never stops on data
        quarantine.append(_quarantine_row(_problem(f"could not read the record ({exc!r})"), label, data))
        return
    for item in items:
        if not isinstance(item, Document):
            quarantine.append(_quarantine_row(item, label, data))
            continue
        state.number += 1
        src = item.source
        src.seq = state.seq_base + state.number
        src.source_file = label
        main_ctid, main_type = src.ctid, None
        if not item.is_deleted:
            table_lists = state.table_lists
            if table_lists is None:  # the lists are cleared in place after a flush, never replaced
                table_lists = state.table_lists = list(out.tables.values())
            marks = list(map(len, table_lists))
            mark_problems = len(out.problems)
            try:
                main_ctid, main_type = flatten_graph(item.nodes, src, out)
            except Exception as exc:  # noqa: BLE001 - a bug or an exotic shape: quarantine, keep going
                for rows, mark in zip(table_lists, marks, strict=True):
                    del rows[mark:]
                del out.problems[mark_problems:]
                out.problems.append(
                    _problem(
                        f"could not flatten the record ({type(exc).__name__}: {exc}); it was skipped",
                        ctid=src.ctid,
                        raw=item.raw,
                    )
                )
            for problem in out.problems[mark_problems:]:
                problem.envelope_id = problem.envelope_id or src.envelope_id
                quarantine.append(_quarantine_row(problem, label, data))
            del out.problems[mark_problems:]
        ctdl_type = src.ctdl_type or main_type
        state.by_type[ctdl_type or "unknown"] += 1
        envelopes.append(  # in ENVELOPE_COLUMNS order
            (
                src.envelope_id,
                main_ctid,
                ctdl_type,
                src.created_at,
                src.updated_at,
                src.owned_by,
                src.published_by,
                src.publish_type,
                len(item.nodes),
                False,
                label,
                item.is_deleted,
                src.seq,
            )
        )


ENVELOPE_COLUMNS = (
    "envelope_id",
    "ctid",
    "ctdl_type",
    "created_at",
    "updated_at",
    "owned_by",
    "published_by",
    "publish_type",
    "node_count",
    "is_duplicate",
    "source_file",
    "is_deleted",
    "_seq",
)
"""Order of the fields of the build's envelope row tuples (``fields.py`` order, ``_seq`` last)."""
if ENVELOPE_COLUMNS != (*column_names("envelopes"), "_seq"):  # fail at import if fields.py changes
    raise RuntimeError("build.py ENVELOPE_COLUMNS no longer matches fields.py: update it")


def _problem(reason: str, *, ctid: str | None = None, raw: Any = None) -> Any:
    from ler_analytics.ctdl.flatten import Problem

    return Problem(reason, ctid=ctid, raw=raw, fatal=True)


# --- finding inputs --------------------------------------------------------------------------


def _is_input_file(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(INPUT_SUFFIXES) and not name.startswith(".")


def _input_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    files = []
    for root, dirs, names in os.walk(path):
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".")
            and not d.endswith(SNAPSHOT_SUFFIX)
            and not (Path(root) / d / snap.MANIFEST).exists()  # a snapshot inside the input (e.g. --out)
        )
        for name in sorted(names):
            candidate = Path(root) / name
            if _is_input_file(candidate):
                files.append(candidate)
    return files


def snapshot_units(snapshot_dir: Path) -> list[Unit]:
    """Raw inputs of a snapshot: envelope parts (``raw/*.jsonl.gz`` except events) and ``raw/files/**``."""
    base = Path(snapshot_dir)
    units: list[Unit] = []
    for part in snap.raw_files(base):
        if part.name.startswith("events"):
            continue  # the events feed is not envelopes
        units.append(Unit(len(units), str(part), part.relative_to(base).as_posix(), True))
    copied = base / snap.RAW_DIR / COPIED_DIR
    if copied.is_dir():
        for file in _input_files(copied):
            label = file.relative_to(base).as_posix()
            units.append(Unit(len(units), str(file), label, file.name.lower().endswith(LINE_SUFFIXES)))
    return units


def default_out(path: Path) -> Path:
    """Where ``ler build`` puts the snapshot for a non-snapshot input: ``<input>.ler-snapshot``."""
    path = Path(path).resolve()
    return path.with_name(path.name + SNAPSHOT_SUFFIX)


def create_snapshot_from_files(path: Path, out: Path) -> Path:
    """Copy input files byte-for-byte into ``out/raw/files/`` and write an in-progress manifest."""
    path = Path(path).resolve()
    out = Path(out).resolve()
    files = _input_files(path)
    if not files:
        raise SnapshotError(
            f"{path} holds no Registry JSON: expected .json, .jsonld, .jsonl or .ndjson files (optionally .gz), "
            "or a snapshot folder with manifest.json"
        )
    if out.exists():
        manifest_path = out / snap.MANIFEST
        if manifest_path.exists():
            manifest = snap.read_manifest(out)
            if manifest.get("source") != f"files:{path}":
                raise SnapshotError(
                    f"{out} is a snapshot of {manifest.get('source')!r}, not of {path}; choose another --out"
                )
        elif any(out.iterdir()):
            raise SnapshotError(f"{out} exists and is not a snapshot; choose another --out or remove it")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SnapshotError(f"cannot create the snapshot folder {out} ({exc}); pass --out DIR") from None
    copied = out / snap.RAW_DIR / COPIED_DIR
    if copied.exists():
        shutil.rmtree(copied)
    for file in files:
        rel = file.relative_to(path) if path.is_dir() else Path(file.name)
        target = copied / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        shutil.copyfile(file, tmp)
        tmp.replace(target)
    snap.write_manifest(
        out,
        {
            "source": f"files:{path}",
            "synthetic": False,
            "query": {"input": str(path), "files": len(files)},
            "counts": {},
        },
        complete=False,
    )
    return out


# --- the build -------------------------------------------------------------------------------


def build(
    path: str | os.PathLike[str],
    *,
    out: str | os.PathLike[str] | None = None,
    progress: bool = False,
    workers: int | None = None,
) -> dict[str, int]:
    """Build the core tables of a snapshot (or of a folder/file of Registry JSON).

    Args:
        path: a snapshot directory, or any folder or file of Registry JSON (envelopes, graph
            documents, single resources, arrays or JSON lines of them; ``.gz`` allowed).
        out: for a non-snapshot input, where to create the snapshot (default
            ``<input>.ler-snapshot`` next to the input). Ignored for snapshot input.
        progress: show a progress bar on stderr.
        workers: processes to use (default: up to 2, and 1 for small inputs).

    Returns:
        Row counts per table (``quarantine`` included).

    Raises:
        SnapshotError: when ``path`` does not exist or holds no Registry JSON, or the output
            folder cannot be written.
    """
    started = time.perf_counter()
    source = Path(path)
    if not source.exists():
        raise SnapshotError(f"{source} does not exist: give a snapshot folder or a folder/file of Registry JSON")
    if (source / snap.MANIFEST).exists():
        base = source
        manifest = snap.read_manifest(base)
    else:
        base = create_snapshot_from_files(source, Path(out) if out else default_out(source))
        manifest = snap.read_manifest(base)
    units = snapshot_units(base)
    if not units:
        raise SnapshotError(f"snapshot {base} has no raw input under raw/ (nothing to build)")
    tables_dir = base / snap.TABLES_DIR
    tmp_dir = tables_dir / f".build-{os.getpid()}"
    if tmp_dir.exists():
        shutil.rmtree(tmp_dir)
    tmp_dir.mkdir(parents=True)
    try:
        results = _run_units(units, tmp_dir, progress=progress, workers=workers)
        read_done = time.perf_counter()
        counts, extra = merge_tables(tmp_dir, tables_dir)
        log.info("read+flatten %.1f s, merge %.1f s", read_done - started, time.perf_counter() - read_done)
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)
    by_type: Counter[str] = Counter()
    for result in results:
        by_type.update(result["by_type"])
    manifest = snap.read_manifest(base)
    manifest["tables"] = {
        "built_at": snap.utc_now_iso(),
        "row_counts": counts,
        "quarantine_count": counts.get("quarantine", 0),
        "duplicate_envelopes": extra["duplicates"],
        "records_read": sum(r["records"] for r in results),
        "build_seconds": round(time.perf_counter() - started, 2),
        "read_seconds": round(read_done - started, 2),
    }
    if manifest.get("status") != "complete" and str(manifest.get("source", "")).startswith("files:"):
        manifest["counts"] = {"envelopes": counts.get("envelopes", 0), "by_type": dict(by_type.most_common())}
        snap.write_manifest(base, manifest, complete=True)
    else:
        snap.atomic_write_json(base / snap.MANIFEST, manifest)
    log.info("built %s: %s", base, counts)
    return counts


def _run_units(units: list[Unit], tmp_dir: Path, *, progress: bool, workers: int | None) -> list[dict[str, Any]]:
    total_bytes = sum(Path(u.path).stat().st_size for u in units)
    if workers is None:
        workers = 2 if len(units) > 1 and total_bytes >= _WORKER_MIN_BYTES else 1
    workers = max(1, min(workers, len(units), os.cpu_count() or 1))
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(units), unit="file", desc="ler build", leave=False)
    try:
        if workers == 1:
            results = []
            for unit in units:
                results.append(process_unit(unit, str(tmp_dir)))
                if bar is not None:
                    bar.update(1)
            return results
        return _run_worker_processes(units, tmp_dir, workers, bar)
    finally:
        if bar is not None:
            bar.close()


def _run_worker_processes(units: list[Unit], tmp_dir: Path, workers: int, bar: Any) -> list[dict[str, Any]]:
    """Run the units in ``workers`` ``python -m ler_analytics.build --worker`` child processes.

    Plain child processes (not multiprocessing) so that a script calling ``build()`` without an
    ``if __name__ == "__main__"`` guard, a notebook or the CLI all work the same, and no thread
    state of the caller (polars, Jupyter) is ever forked.
    """
    import json
    import subprocess

    results_dir = tmp_dir / "_results"
    results_dir.mkdir(parents=True, exist_ok=True)
    (tmp_dir / "_claims").mkdir(exist_ok=True)
    # Every worker gets the whole list, largest file first, and claims the next unclaimed file
    # (an O_EXCL file create): a worker that runs slower (other jobs on the machine, heavier
    # records) simply takes fewer files, so the two finish together.
    spec = tmp_dir / "_units.json"
    ordered = sorted(units, key=lambda u: (-Path(u.path).stat().st_size, u.index))
    spec.write_text(json.dumps([asdict(unit) for unit in ordered]))
    procs = []
    for number in range(workers):
        log_path = tmp_dir / f"_worker-{number}.log"
        with open(log_path, "wb") as log_file:
            proc = subprocess.Popen(
                [sys.executable, "-m", "ler_analytics.build", "--worker", str(spec), str(tmp_dir)],
                stdout=subprocess.DEVNULL,
                stderr=log_file,
            )
        procs.append((number, proc, log_path))
    done: set[str] = set()
    try:
        while True:
            running = [p for _, p, _ in procs if p.poll() is None]
            finished = {p.name for p in results_dir.glob("unit-*.json")}
            if bar is not None and len(finished) > len(done):
                bar.update(len(finished) - len(done))
            done = finished
            if not running:
                break
            time.sleep(0.2)
    except BaseException:
        for _, proc, _ in procs:
            proc.kill()
        raise
    for number, proc, log_path in procs:
        if proc.returncode != 0:
            tail = log_path.read_text(errors="replace")[-1500:]
            raise LerError(f"build worker {number} failed (exit code {proc.returncode}):\n{tail}")
    results = [json.loads(p.read_text()) for p in sorted(results_dir.glob("unit-*.json"))]
    if len(results) != len(units):
        raise LerError(f"build workers finished {len(results)} of {len(units)} input files; see {tmp_dir}")
    return results


def _worker_main(argv: list[str]) -> int:
    """Entry point of a worker process: ``python -m ler_analytics.build --worker SPEC TMP_DIR``."""
    import json

    spec, tmp_dir = Path(argv[1]), Path(argv[2])
    results_dir = tmp_dir / "_results"
    claims = tmp_dir / "_claims"
    for item in json.loads(spec.read_text()):
        unit = Unit(**item)
        try:  # claim the unit; another worker may have taken it already
            os.close(os.open(claims / f"unit-{unit.index:06d}", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            continue
        result = process_unit(unit, str(tmp_dir))
        snap.atomic_write_json(results_dir / f"unit-{unit.index:06d}.json", result)
    return 0


def merge_tables(tmp_dir: Path, tables_dir: Path) -> tuple[dict[str, int], dict[str, int]]:
    """Combine part files into final tables: drop superseded envelopes, dedupe, write atomically."""
    import polars as pl

    from ler_analytics.ctdl.dtypes import polars_schema
    from ler_analytics.ctdl.fields import CORE_TABLES

    def scan(table: str) -> pl.LazyFrame:
        parts = sorted((tmp_dir / table).glob(f"*{PART_SUFFIX}"))
        schema = polars_schema(table, internal=table != "quarantine")
        if not parts:
            return pl.LazyFrame(schema=schema)
        lazy = pl.scan_ipc(parts)
        if table == "resource_properties":  # parts hold one row per node: one row per property here
            lazy = lazy.explode(["property", "value_count"])
        return lazy.cast(schema)  # type: ignore[arg-type]

    envelopes = scan("envelopes").collect()
    ranked = envelopes.filter(pl.col("ctid").is_not_null()).sort(["ctid", "updated_at", "_seq"], nulls_last=False)
    winners = ranked.group_by("ctid", maintain_order=True).agg(pl.col("_seq").last())["_seq"]
    losers = ranked.filter(~pl.col("_seq").is_in(winners.implode()))["_seq"]
    deleted = envelopes.filter(pl.col("is_deleted"))["_seq"]
    dropped = pl.concat([losers, deleted]).unique()
    counts: dict[str, int] = {}
    tables_dir.mkdir(parents=True, exist_ok=True)

    outcomes = _link_outcomes(
        scan("outcomes").filter(~pl.col("_seq").is_in(dropped.implode())).collect(),
        scan("connections").filter(~pl.col("_seq").is_in(dropped.implode())),
    )
    about = outcomes["about_ctid"].drop_nulls().unique()

    for table in CORE_TABLES:
        if table in _LINK_TABLES:  # the big ones: stream them to disk
            lazy = scan(table).filter(~pl.col("_seq").is_in(dropped.implode()))
            lazy = lazy.select(list(polars_schema(table))).cast(polars_schema(table))  # type: ignore[arg-type]
            counts[table] = _sink_parquet(lazy, tables_dir / f"{table}.parquet")
            continue
        if table == "envelopes":
            frame = envelopes.with_columns(is_duplicate=pl.col("_seq").is_in(losers.implode())).sort("_seq")
        elif table == "quarantine":
            frame = scan(table).collect()
        else:
            frame = (
                outcomes
                if table == "outcomes"
                else scan(table).filter(~pl.col("_seq").is_in(dropped.implode())).collect()
            )
            if table != "outcomes" and "ctid" in frame.columns:
                with_ctid = frame.filter(pl.col("ctid").is_not_null())
                frame = pl.concat(
                    [
                        with_ctid.sort("_seq").unique("ctid", keep="last", maintain_order=True),
                        frame.filter(pl.col("ctid").is_null()),
                    ]
                ).sort("_seq")
            if table == "credentials":
                frame = frame.with_columns(
                    has_outcome_data=pl.col("has_outcome_data") | pl.col("ctid").is_in(about.implode())
                )
        if "_seq" in frame.columns:
            frame = frame.drop("_seq")
        frame = frame.select(list(polars_schema(table)))
        _write_parquet(frame, tables_dir / f"{table}.parquet")
        counts[table] = frame.height
    return counts, {"duplicates": losers.len()}


_LINK_TABLES = ("alignments", "locations", "connections", "resource_properties")


_OUTCOME_SUBJECTS = ("credentials", "learning_opportunities", "assessments")


def _link_outcomes(outcomes: Any, connections: Any) -> Any:
    """Fill ``about_ctid`` of DataSetProfiles that do not say what they are about.

    A profile without ``schema:about``/``qdata:relevantDataSetFor`` is about the credential,
    learning opportunity or assessment that points at it with ``qdata:relevantDataSet`` (directly
    or inside ``ceterms:aggregateData``); the first such record (input order) wins.

    Args:
        outcomes: the ``outcomes`` rows (polars DataFrame with ``_seq``).
        connections: the ``connections`` rows (polars LazyFrame with ``_seq``).

    Returns:
        ``outcomes`` with ``about_ctid`` filled where a pointer was found.
    """
    import polars as pl

    pointers = (
        connections.filter(
            pl.col("subject_table").is_in(_OUTCOME_SUBJECTS)
            & pl.col("target_ctid").is_not_null()
            & ((pl.col("relation") == "relevantDataSet") | (pl.col("via") == "aggregateData/relevantDataSet"))
        )
        .sort("_seq")
        .group_by("target_ctid", maintain_order=True)
        .agg(pl.col("subject_ctid").first().alias("_pointed_from"))
        .collect()
    )
    if pointers.height == 0 or outcomes.height == 0:
        return outcomes
    return (
        outcomes.join(pointers, left_on="ctid", right_on="target_ctid", how="left", maintain_order="left")
        .with_columns(pl.col("about_ctid").fill_null(pl.col("_pointed_from")))
        .drop("_pointed_from")
    )


def _sink_parquet(lazy: Any, path: Path) -> int:
    """Stream a lazy frame to ``path`` (temp + rename); return its row count."""
    import polars as pl

    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    lazy.sink_parquet(tmp, compression="zstd", compression_level=FINAL_ZSTD_LEVEL, statistics=True)
    rows = pl.scan_parquet(tmp).select(pl.len()).collect().item()
    tmp.replace(path)
    return int(rows)


def _write_parquet(frame: Any, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    frame.write_parquet(tmp, compression="zstd", compression_level=FINAL_ZSTD_LEVEL, statistics=True)
    tmp.replace(path)


if __name__ == "__main__" and len(sys.argv) >= 4 and sys.argv[1] == "--worker":
    sys.exit(_worker_main(sys.argv[1:]))
