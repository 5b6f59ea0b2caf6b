"""Where the CPU time of `ler build` goes, stage by stage, against the JSON-parse floor.

The companion of `bench_build.py` (which judges the whole build): this one takes the largest raw
envelope file of a twin snapshot and times each stage of reading it, in one process with the
garbage collector off (as the build runs), all in the same run:

  floor         read + gunzip (the build's chunked reader) + orjson.loads: the issue's floor
  lower bound   the least any Python flattener must do after parsing: visit every property of
                every node once and test each string value for a reference (no normalising,
                no table rows). The gap between this and `flatten` is the normalisation work
  envelope      `records.envelope_document` (envelope metadata, graph found)
  flatten       `flatten.flatten_graph` on every graph: first pass (caches cold) and second pass
  unit          `build.process_unit` on the whole file: read, parse, flatten, write the part files
                (what a build worker does; the merge into Parquet comes on top)

Every stage is printed in microseconds per envelope and as a multiple of the floor. It answers
"how far is the 3x target, and which stage would have to shrink" without a profiler.

Usage:
  python benchmarks/build_stages.py                    # twin scale 0.05 (made once, ~10 s)
  python benchmarks/build_stages.py --snapshot benchmarks/_work/twin-1-42
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_build import envelope_parts, generate_input  # noqa: E402

from ler_analytics.build import Unit, iter_lines, process_unit  # noqa: E402
from ler_analytics.ctdl.flatten import TableRows, flatten_graph  # noqa: E402
from ler_analytics.ctdl.records import Document, envelope_document  # noqa: E402


def cpu_seconds(work: Callable[[], Any]) -> float:
    """CPU seconds of one call of ``work`` with the garbage collector off (as in the build)."""
    gc.collect()
    gc.disable()
    try:
        started = time.process_time()
        work()
        return time.process_time() - started
    finally:
        gc.enable()


def bare_visit(envelopes: list[dict]) -> int:
    """Visit every property of every graph node once; count string values that look like references."""
    found = 0
    for envelope in envelopes:
        resource = envelope.get("decoded_resource")
        nodes = resource.get("@graph") if type(resource) is dict else None
        for node in nodes if type(nodes) is list else ():
            if type(node) is not dict:
                continue
            for value in node.values():
                if type(value) is list:
                    for item in value:
                        if type(item) is str and item.startswith("http"):
                            found += 1
                elif type(value) is str and value.startswith("http"):
                    found += 1
    return found


def flatten_all(documents: list) -> TableRows:
    """``flatten_graph`` on every document, into one fresh set of table rows."""
    out = TableRows()
    for document in documents:
        if isinstance(document, Document) and not document.is_deleted:
            flatten_graph(document.nodes, document.source, out)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--snapshot", type=Path, help="a twin snapshot (default: make one at --scale)")
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "ler-bench")
    args = parser.parse_args()
    snapshot = args.snapshot or generate_input(args.workdir, args.scale, args.seed)
    part = max(envelope_parts(snapshot), key=lambda p: p.stat().st_size)

    lines = [line for line in iter_lines(part) if line]
    count = len(lines)
    gunzip = cpu_seconds(lambda: sum(1 for _ in iter_lines(part)))
    parsed: list[list[dict]] = []
    parse = cpu_seconds(lambda: parsed.append([orjson.loads(line) for line in lines]))
    envelopes = parsed[0]
    lower = cpu_seconds(lambda: bare_visit(envelopes))
    documents: list = []
    envelope = cpu_seconds(lambda: documents.extend(envelope_document(e) for e in envelopes))
    # flatten_graph only reads the documents (and their Source), so both passes flatten the same input
    cold = cpu_seconds(lambda: flatten_all(documents))
    warm = cpu_seconds(lambda: flatten_all(documents))
    with tempfile.TemporaryDirectory() as tmp:
        unit = cpu_seconds(lambda: process_unit(Unit(0, str(part), part.name, True), tmp))

    floor = gunzip + parse
    print(f"{part} — {count:,} envelopes, load {os.getloadavg()[0]:.1f}")
    print(f"{'stage':<44} {'µs/envelope':>12} {'× floor':>8}")
    for name, seconds in [
        ("read + gunzip", gunzip),
        ("orjson.loads", parse),
        ("floor (read + gunzip + orjson.loads)", floor),
        ("lower bound: visit every property once", lower),
        ("envelope_document", envelope),
        ("flatten_graph, first pass (caches cold)", cold),
        ("flatten_graph, second pass", warm),
        ("floor + envelope + flatten (cold)", floor + envelope + cold),
        ("process_unit: read … write part files", unit),
    ]:
        print(f"{name:<44} {seconds / count * 1e6:>12.1f} {seconds / floor:>8.2f}")
    print(f"for 3× end to end the whole build may spend {3 * floor / count * 1e6:.0f} µs per envelope")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
