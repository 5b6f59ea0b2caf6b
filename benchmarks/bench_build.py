"""Benchmark `ler build` against its baselines, side by side in one run.

Input: the Registry twin (`ler_analytics.demo.generate`) at --scale (1.0 = about 396,000 envelopes,
the live Registry's size and class mix), written once to --workdir and reused.

Measures, in this order, on the same raw bytes:
  (a) floor    read + gunzip (8 MB chunks) + orjson.loads of every raw envelope (one process)
  (b) build    `ler build` of the whole snapshot in a child process (wall time; target <= 3x floor)
  (c) rdflib   the rdflib route on the first --sample envelopes: parse the JSON-LD into an rdflib
               Graph and SPARQL SELECT the credential columns; compared with our reader on the same
               envelopes (read + flatten + columnar frames; target >= 25x faster)
  (d) memory   peak RSS of the build (largest process, and sum over the process tree, sampled)
  (e) size     Parquet tables vs raw input, raw counted as uncompressed JSON bytes (also vs .gz)

Usage:
  python benchmarks/bench_build.py --scale 0.05            # quick
  python benchmarks/bench_build.py --scale 1.0 --workers 2 # the issue's targets
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

import orjson

from ler_analytics.build import iter_lines

ROOT = Path(__file__).resolve().parents[1]


def generate_input(workdir: Path, scale: float, seed: int) -> Path:
    from ler_analytics import snapshot as snap
    from ler_analytics.demo import generate

    path = workdir / f"twin-{scale:g}-{seed}"
    manifest = path / "manifest.json"
    if manifest.exists() and json.loads(manifest.read_text()).get("status") == "complete":
        return path
    started = time.perf_counter()
    generate(path, scale=scale, seed=seed, progress=False)
    print(f"generated {path} in {time.perf_counter() - started:.0f} s", flush=True)
    assert snap.raw_files(path), "the generator wrote no raw parts"
    return path


def envelope_parts(path: Path) -> list[Path]:
    from ler_analytics import snapshot as snap

    return [p for p in snap.raw_files(path) if not p.name.startswith("events")]


def floor(path: Path) -> tuple[float, float, int, int]:
    """Wall and CPU seconds to read + decompress + parse every envelope; envelopes; uncompressed bytes."""
    count = raw_bytes = 0
    cpu_started = time.process_time()
    started = time.perf_counter()
    for part in envelope_parts(path):  # the same fast chunked reading the build uses
        for line in iter_lines(part):
            if line:
                orjson.loads(line)
                count += 1
                raw_bytes += len(line)
    return time.perf_counter() - started, time.process_time() - cpu_started, count, raw_bytes


def _tree_rss(pid: int) -> int:
    """Resident memory (bytes) of a process and all its descendants, from /proc."""
    total = 0
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            ppid = int(fields[1])
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
            children.setdefault(ppid, []).append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    stack = [pid]
    while stack:
        current = stack.pop()
        total += rss.get(current, 0)
        stack.extend(children.get(current, []))
    return total


def run_build(path: Path, workers: int) -> tuple[float, float, int, int]:
    """Wall and CPU seconds of `build()` in a child process (workers included), max RSS, peak tree RSS."""
    code = f"import sys; from ler_analytics.build import build; build(sys.argv[1], workers={workers})"
    usage_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    before = usage_before.ru_maxrss
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, str(path)])
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            stop.wait(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code_rc = proc.wait()
    elapsed = time.perf_counter() - started
    stop.set()
    sampler.join()
    if code_rc != 0:
        raise SystemExit(f"build failed with exit code {code_rc}")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (usage.ru_utime + usage.ru_stime) - (usage_before.ru_utime + usage_before.ru_stime)
    max_rss = max(usage.ru_maxrss, before) * 1024
    return elapsed, cpu, max_rss, peak


def sample_lines(path: Path, n: int, total: int) -> list[bytes]:
    """Every k-th envelope, so the sample has the input's class mix (parts are in publishing order)."""
    step = max(1, total // n)
    lines: list[bytes] = []
    index = 0
    for part in envelope_parts(path):
        with gzip.open(part, "rb") as handle:
            for line in handle:
                if index % step == 0 and len(lines) < n:
                    lines.append(line.rstrip(b"\n"))
                index += 1
    return lines


def ours_on_sample(lines: list[bytes]) -> tuple[float, int]:
    """Our reader on the sample, as the build runs it: parse + flatten every table + polars frames."""
    from ler_analytics.build import _SEQ_STRIDE, Unit, _handle_record, _UnitState, read_record, rows_to_frame
    from ler_analytics.ctdl.dtypes import polars_schema
    from ler_analytics.ctdl.flatten import TableRows

    warm, _, _ = read_record(lines[0])  # warm caches and imports, as the build does once per process
    for table, rows in warm.tables.items():
        if rows:
            rows_to_frame(rows, polars_schema(table, internal=True), table=table)
    started = time.perf_counter()
    state = _UnitState(TableRows(), [], [], _SEQ_STRIDE)
    unit = Unit(0, "sample", "sample", True)
    for number, line in enumerate(lines, start=1):
        _handle_record(unit, f"sample:{number}", line, state)
    for table, rows in state.out.tables.items():
        if rows:
            rows_to_frame(rows, polars_schema(table, internal=True), table=table)
    rows_to_frame(state.envelopes, polars_schema("envelopes", internal=True))
    credentials = len(state.out.tables["credentials"])
    return time.perf_counter() - started, credentials


_SPARQL = """
PREFIX ceterms: <https://purl.org/ctdl/terms/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT ?s ?type ?ctid ?name ?owner ?status WHERE {
  ?s rdf:type ?type ; ceterms:ctid ?ctid .
  FILTER(?type IN (%s))
  OPTIONAL { ?s ceterms:name ?name }
  OPTIONAL { ?s ceterms:ownedBy ?owner }
  OPTIONAL { ?s ceterms:credentialStatusType ?status }
}
"""


def rdflib_on_sample(lines: list[bytes]) -> tuple[float, int]:
    import rdflib

    from ler_analytics.ctdl import schema
    from ler_analytics.ctdl.records import Document, documents

    contexts = ROOT / "ler_analytics" / "graph" / "contexts"
    context: dict = {}
    for name in ("ctdl.json", "ctdlasn.json"):
        file = contexts / name
        if file.exists():
            context.update(json.loads(file.read_text())["@context"])
    if not context:
        raise SystemExit("no local JSON-LD context found (ler_analytics/graph/contexts)")
    types = ", ".join(
        f"<https://purl.org/ctdl/terms/{c.split(':', 1)[1]}>" for c in sorted(schema.credential_classes())
    )
    query = _SPARQL % types
    started = time.perf_counter()
    graph = rdflib.Graph()
    for line in lines:
        for doc in documents(orjson.loads(line)):
            if isinstance(doc, Document):
                payload = {"@context": context, "@graph": doc.nodes}
                graph.parse(data=orjson.dumps(payload).decode(), format="json-ld")
    rows = {str(r.s) for r in graph.query(query)}
    return time.perf_counter() - started, len(rows)


def parquet_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in (path / "tables").glob("*.parquet"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sample", type=int, default=3000, help="envelopes for the rdflib comparison")
    parser.add_argument("--workdir", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "ler-bench")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)

    path = generate_input(args.workdir, args.scale, args.seed)
    gz_bytes = sum(p.stat().st_size for p in envelope_parts(path))

    t_floor, c_floor, n_env, raw_bytes = floor(path)
    t_build, c_build, max_rss, tree_rss = run_build(path, args.workers)
    t_floor2, c_floor2, _, _ = floor(path)  # again after the build: the machine is shared, take the best
    t_floor, c_floor = min(t_floor, t_floor2), min(c_floor, c_floor2)
    load = os.getloadavg()[0]

    manifest = json.loads((path / "manifest.json").read_text())
    counts = manifest["tables"]["row_counts"]

    lines = sample_lines(path, args.sample, n_env)
    t_ours, n_ours = ours_on_sample(lines)
    t_rdf, n_rdf = rdflib_on_sample(lines)
    size = parquet_bytes(path)

    gib = 1024**3
    rows = [
        ("input", f"{n_env:,} envelopes (twin scale {args.scale:g}, seed {args.seed})", ""),
        ("raw size", f"{raw_bytes / 1e6:,.0f} MB uncompressed JSON, {gz_bytes / 1e6:,.0f} MB gzip", ""),
        ("(a) floor: gunzip + orjson.loads", f"{t_floor:.1f} s wall, {c_floor:.1f} s CPU", ""),
        (
            f"(b) ler build ({args.workers} workers)",
            f"{t_build:.1f} s wall = {t_build / t_floor:.2f}x floor",
            "target <= 3x",
        ),
        (
            "    CPU time of the build (all processes)",
            f"{c_build:.1f} s = {c_build / c_floor:.2f}x floor CPU; "
            f"wall on {args.workers} free cores would be ~{c_build / args.workers / t_floor:.2f}x floor",
            "",
        ),
        ("    machine load (1 min avg) after the build", f"{load:.1f} on {os.cpu_count()} cores", ""),
        (f"(c) rdflib parse + SPARQL, {len(lines):,} envelopes", f"{t_rdf:.1f} s ({n_rdf} credentials)", ""),
        (
            "    ours on the same envelopes",
            f"{t_ours:.2f} s ({n_ours} credentials) = {t_rdf / t_ours:.0f}x faster",
            "target >= 25x",
        ),
        ("(d) peak RSS, largest process", f"{max_rss / gib:.2f} GiB", "target <= 3 GiB"),
        ("    peak RSS, whole process tree", f"{tree_rss / gib:.2f} GiB", ""),
        (
            "(e) Parquet tables",
            f"{size / 1e6:,.1f} MB = 1/{raw_bytes / size:.1f} of raw JSON (1/{gz_bytes / size:.1f} of gzip)",
            "target <= 1/5",
        ),
        ("rows", ", ".join(f"{k} {v:,}" for k, v in counts.items()), ""),
    ]
    width = max(len(r[0]) for r in rows)
    print()
    for label, value, target in rows:
        print(f"{label:<{width}}  {value}" + (f"   [{target}]" if target else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
