"""Benchmark the Registry twin generator at full scale (time and peak memory), against a baseline.

    .venv/bin/python benchmarks/bench_demo.py [--scale 1.0] [--seed 42] [--keep]

Runs, each in a fresh child process (so peak RSS is per phase):

1. **baseline**: serialise (orjson) and write (RawWriter, gzip at the twin's level
   ``RAW_COMPRESSLEVEL``) the same number of envelopes as the twin, cycling 500 ready-made twin
   envelopes: the floor any generator writing this snapshot pays.
2. **generate**: ``ler_analytics.demo.generate(out, scale, seed)`` into ``benchmarks/_work/``.

It prints wall time, envelopes per second, peak RSS and the generate/baseline ratios. The scale-1.0
snapshot is kept under ``benchmarks/_work/twin-<scale>-<seed>/`` for other benchmarks: call
:func:`twin_snapshot` (import this file) to get it, generated on first use.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / "benchmarks" / "_work"
sys.path.insert(0, str(REPO))


def twin_snapshot(scale: float = 1.0, seed: int = 42, *, build: bool = False) -> Path:
    """The cached twin snapshot ``benchmarks/_work/twin-<scale>-<seed>`` (generated when missing).

    Args:
        scale: twin size (1.0 = the live Registry, about 396,000 envelopes).
        seed: random seed.
        build: also build the core tables (``ler_analytics.build.build``) when they are missing.
    """
    from ler_analytics.demo import demo_source, generate
    from ler_analytics.snapshot import read_manifest

    path = WORK / f"twin-{scale:g}-{seed}"
    try:
        manifest = read_manifest(path)
        ready = manifest.get("status") == "complete" and manifest.get("source") == demo_source(scale, seed)
    except Exception:  # noqa: BLE001 - any unreadable state means "generate again"
        ready = False
    if not ready:
        generate(path, scale=scale, seed=seed)
    if build and not any((path / "tables").glob("*.parquet")):
        from ler_analytics.build import build as build_tables

        build_tables(path)
    return path


def _peak_mb() -> float:
    """Peak RSS of this process or of any of its (worker) children, whichever is larger."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def _cpu_seconds() -> float:
    """CPU time (user + system) of this process and its finished children: robust to a loaded machine."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def _baseline(count: int, out: str, queue: mp.Queue) -> None:
    import orjson

    from ler_analytics.demo import iter_envelopes
    from ler_analytics.demo.snapshot import RAW_COMPRESSLEVEL
    from ler_analytics.snapshot import RawWriter

    sample = []
    for env in iter_envelopes(0.002, 1):
        sample.append(env)
        if len(sample) == 500:
            break
    start, cpu = time.perf_counter(), _cpu_seconds()
    with RawWriter(Path(out), compresslevel=RAW_COMPRESSLEVEL) as writer:  # as generate() writes
        for i in range(count):
            writer.write(orjson.dumps(sample[i % len(sample)]))
    queue.put({"seconds": time.perf_counter() - start, "cpu": _cpu_seconds() - cpu, "peak_mb": _peak_mb()})


def _generate(scale: float, seed: int, out: str, queue: mp.Queue) -> None:
    from ler_analytics.demo import generate
    from ler_analytics.demo.plan import build_plan
    from ler_analytics.snapshot import read_manifest

    start, cpu = time.perf_counter(), _cpu_seconds()
    build_plan(scale, seed)
    planned = time.perf_counter() - start
    generate(Path(out), scale=scale, seed=seed)
    seconds = time.perf_counter() - start
    manifest = read_manifest(Path(out))
    size = sum(f["bytes"] for f in manifest["files"].values())
    queue.put(
        {
            "seconds": seconds,
            "cpu": _cpu_seconds() - cpu,
            "plan_seconds": planned,
            "peak_mb": _peak_mb(),
            "envelopes": manifest["counts"]["envelopes"],
            "raw_bytes": size,
        }
    )


def _run(target, *args) -> dict:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    import shutil

    WORK.mkdir(parents=True, exist_ok=True)
    out = WORK / f"twin-{args.scale:g}-{args.seed}"
    gen = _run(_generate, args.scale, args.seed, str(out))
    base_dir = WORK / "baseline-writer"
    shutil.rmtree(base_dir, ignore_errors=True)
    base = _run(_baseline, gen["envelopes"], str(base_dir))
    shutil.rmtree(base_dir, ignore_errors=True)
    n = gen["envelopes"]
    load = os.getloadavg()[0]
    print(
        f"Registry twin, scale {args.scale:g}, seed {args.seed}: {n:,} envelopes, "
        f"{gen['raw_bytes'] / 1e6:,.0f} MB gzip raw; {os.cpu_count()} cores, load average {load:.1f}"
    )
    for name, r in (("generate", gen), ("baseline", base)):
        print(
            f"  {name:9s} wall {r['seconds']:7.1f} s ({n / r['seconds']:,.0f} env/s)  CPU {r['cpu']:7.1f} s"
            f" ({r['cpu'] / n * 1e6:,.0f} us/env)  peak RSS {r['peak_mb']:,.0f} MB"
        )
    print(f"  generate: plan {gen['plan_seconds']:.1f} s wall; rendering in forked workers (2 from 20,000 envelopes)")
    print("  baseline: orjson + gzip RawWriter (same gzip level) of the same number of ready-made envelopes")
    print(
        f"  ratio generate/baseline: wall x{gen['seconds'] / base['seconds']:.2f}, "
        f"CPU x{gen['cpu'] / base['cpu']:.2f}, peak memory x{gen['peak_mb'] / base['peak_mb']:.2f}"
    )
    print(f"  snapshot kept at {out} (benchmarks/bench_demo.py: twin_snapshot({args.scale:g}, {args.seed}))")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
