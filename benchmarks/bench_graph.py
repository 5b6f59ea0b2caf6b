"""Benchmark the snapshot graph: loading into pyoxigraph, and the named SPARQL queries on pyoxigraph vs rdflib.

Input: a snapshot folder (``--snapshot``), or the Registry twin generated at ``--scale`` into ``--workdir``.

Measures, in one run, on the same data:
  (a) load     ``graph.store.load_into`` (batched JSON-LD, the shipped code) vs one document per parse
               (``batch_size=1``, the baseline) on the first ``--baseline-docs`` envelopes; then the full
               load of the snapshot (quads, seconds, quads/s, peak RSS)
  (b) queries  every named pathway and competency query on pyoxigraph (in-memory store, best of ``--repeat``)
               and on rdflib (``Dataset(default_union=True)`` parsed from the same N-Quads, one run each in
               a child process); the ratio rdflib/pyoxigraph per query (target: >= 20x). Results are
               checked to have the same row counts (rdflib runs raw, without the DataFrame conversion,
               in a spawned process so polars' threads never meet fork). A query over the rdflib budget
               (``--rdflib-timeout``, per query) is reported as "> budget" and its ratio as a lower bound.

Usage:
  python benchmarks/bench_graph.py --scale 0.01
  python benchmarks/bench_graph.py --snapshot /path/to/scale1 --load-only    # scale-1.0 load time
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUERIES = ("progression_edges", "next_step_counts", "pathway_structure", "credential_competencies",
           "occupation_credentials", "credential_types")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ensure_snapshot(args: argparse.Namespace) -> Path:
    if args.snapshot:
        return Path(args.snapshot)
    from ler_analytics.demo import generate

    path = Path(args.workdir) / f"twin-{args.scale:g}-{args.seed}"
    manifest = path / "manifest.json"
    if not (manifest.exists() and json.loads(manifest.read_text()).get("status") == "complete"):
        generate(path, scale=args.scale, seed=args.seed, progress=False)
    return path


def bench_load(path: Path, baseline_docs: int, max_docs: int | None = None) -> tuple[object, dict]:
    import itertools

    import pyoxigraph as ox

    from ler_analytics.graph.store import LoadReport, iter_documents, iter_records, load_documents, load_into

    out: dict = {}
    for label, batch in (("batched (shipped)", 400), ("one document per parse (baseline)", 1)):
        report = LoadReport()
        store = ox.Store()
        docs = itertools.islice(iter_documents(iter_records(path), report), baseline_docs)
        started = time.perf_counter()
        load_documents(store, docs, report=report, batch_size=batch)
        out[label] = time.perf_counter() - started
        print(f"  load {baseline_docs} documents, {label}: {out[label]:.2f} s ({len(store):,} quads)", flush=True)
    out["batch_speedup"] = out["one document per parse (baseline)"] / out["batched (shipped)"]
    print(f"  batching speed-up: {out['batch_speedup']:.1f}x", flush=True)
    store = ox.Store()
    started = time.perf_counter()
    if max_docs:
        report = LoadReport()
        docs = itertools.islice(iter_documents(iter_records(path), report), max_docs)
        load_documents(store, docs, report=report)
        report.quads = len(store)
    else:
        report = load_into(store, path)
    out["full_load_s"] = time.perf_counter() - started
    out["documents"] = report.documents
    out["quads"] = report.quads
    out["skipped"] = len(report.problems)
    out["rss_mb_after_load"] = rss_mb()
    print(f"  load: {report.documents:,} documents, {report.quads:,} quads in {out['full_load_s']:.1f} s "
          f"({report.quads / out['full_load_s']:,.0f} quads/s), peak RSS {out['rss_mb_after_load']:.0f} MB",
          flush=True)
    if max_docs:
        total = json.loads((path / "manifest.json").read_text()).get("counts", {}).get("envelopes") or 0
        factor = total / max(1, report.documents)
        out["extrapolated_envelopes"] = total
        out["extrapolated_load_s"] = out["full_load_s"] * factor
        out["extrapolated_quads"] = int(report.quads * factor)
        print(f"  EXTRAPOLATED (linear, x{factor:.1f}) to all {total:,} envelopes: "
              f"~{out['extrapolated_load_s']:.0f} s, "
              f"~{out['extrapolated_quads']:,} quads", flush=True)
    return store, out


def _rdflib_one(ds: object, text: str, conn) -> None:
    started = time.perf_counter()
    rows = [tuple("" if v is None else str(v) for v in row) for row in ds.query(text)]  # type: ignore[attr-defined]
    conn.send((time.perf_counter() - started, len(rows)))


def _rdflib_worker(nquads: bytes, queries: dict[str, str], budget: float, conn) -> None:
    """Spawned (no polars in this process): load rdflib once, run each query in a forked child with a budget."""
    import rdflib

    started = time.perf_counter()
    ds = rdflib.Dataset(default_union=True)
    ds.parse(data=nquads.decode(), format="nquads")
    conn.send(("load", time.perf_counter() - started, None))
    ctx = mp.get_context("fork")
    for name, text in queries.items():
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_rdflib_one, args=(ds, text, child))
        proc.start()
        if parent.poll(budget):
            seconds, rows = parent.recv()
            conn.send((name, seconds, rows))
        else:
            conn.send((name, None, None))
        proc.terminate()
        proc.join()
    conn.send(("done", 0, None))


def bench_queries(store: object, repeat: int, rdflib_timeout: float) -> dict:
    import pyoxigraph as ox

    from ler_analytics.graph.sparql import sparql

    results: dict = {}
    for name in QUERIES:
        best = None
        for _ in range(repeat):
            t = time.perf_counter()
            frame = sparql(store, name)
            best = min(best or 1e9, time.perf_counter() - t)
        results[name] = {"pyoxigraph_s": best, "rows": frame.height}
        print(f"  pyoxigraph {name}: {best:.3f} s, {frame.height:,} rows", flush=True)
    nquads = store.dump(format=ox.RdfFormat.N_QUADS)  # type: ignore[attr-defined]
    from ler_analytics.graph.queries import get_query

    texts = {name: get_query(name).text for name in QUERIES}
    spawn = mp.get_context("spawn")  # polars' thread pool and fork do not mix: rdflib runs in a fresh process
    parent, child = spawn.Pipe()
    worker = spawn.Process(target=_rdflib_worker, args=(nquads, texts, rdflib_timeout, child))
    worker.start()
    while True:
        name, seconds, rows = parent.recv()
        if name == "done":
            break
        if name == "load":
            results["rdflib_load_s"] = seconds
            print(f"  rdflib load: {seconds:.1f} s", flush=True)
            continue
        if seconds is None:
            bound = rdflib_timeout / results[name]["pyoxigraph_s"]
            results[name].update(rdflib_s=f"> {rdflib_timeout:.0f}", ratio=f">= {bound:.0f}")
            print(f"  rdflib {name}: over the {rdflib_timeout:.0f} s budget -> ratio >= {bound:.0f}", flush=True)
            continue
        same = rows == results[name]["rows"]
        results[name].update(rdflib_s=seconds, ratio=seconds / results[name]["pyoxigraph_s"], same_row_count=same)
        print(f"  rdflib {name}: {seconds:.3f} s -> {results[name]['ratio']:.0f}x slower; same row count: {same}",
              flush=True)
    worker.join()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--snapshot", help="snapshot folder (default: generate the twin at --scale)")
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", default="/tmp/ler-graph-bench")
    parser.add_argument("--baseline-docs", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rdflib-timeout", type=float, default=600.0)
    parser.add_argument("--load-only", action="store_true", help="measure loading only (for scale 1.0)")
    parser.add_argument("--max-docs", type=int, help="load only the first N documents and extrapolate (labelled)")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()
    path = ensure_snapshot(args)
    print(f"snapshot {path}", flush=True)
    store, load = bench_load(path, args.baseline_docs, args.max_docs)
    results = {"snapshot": str(path), "load": load}
    if not args.load_only:
        results["queries"] = bench_queries(store, args.repeat, args.rdflib_timeout)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
