"""Benchmark the Registry twin generator at full scale (time and peak memory), against a baseline.

    .venv/bin/python benchmarks/bench_demo.py [--scale 1.0] [--seed 42] [--keep]

Runs, each in a fresh child process (so peak RSS is per phase):

1. **baseline**: serialise (orjson) and write (RawWriter, gzip) the same number of envelopes as the
   twin, cycling 500 ready-made twin envelopes: the floor any generator writing this snapshot pays.
2. **generate**: ``ler_analytics.demo.generate(out, scale, seed)`` into ``benchmarks/_work/``.

It prints wall time, envelopes per second, peak RSS and the generate/baseline ratios. The scale-1.0
snapshot is kept under ``benchmarks/_work/twin-<scale>-<seed>/`` for other benchmarks: call
:func:`twin_snapshot` (import this file) to get it, generated on first use.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
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
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _baseline(count: int, out: str, queue: mp.Queue) -> None:
    import orjson

    from ler_analytics.demo import iter_envelopes
    from ler_analytics.snapshot import RawWriter

    sample = []
    for env in iter_envelopes(0.002, 1):
        sample.append(env)
        if len(sample) == 500:
            break
    start = time.perf_counter()
    with RawWriter(Path(out)) as writer:
        for i in range(count):
            writer.write(orjson.dumps(sample[i % len(sample)]))
    queue.put({"seconds": time.perf_counter() - start, "peak_mb": _peak_mb()})


def _generate(scale: float, seed: int, out: str, queue: mp.Queue) -> None:
    from ler_analytics.demo import generate
    from ler_analytics.demo.plan import build_plan
    from ler_analytics.snapshot import read_manifest

    start = time.perf_counter()
    build_plan(scale, seed)
    planned = time.perf_counter() - start
    generate(Path(out), scale=scale, seed=seed)
    seconds = time.perf_counter() - start
    manifest = read_manifest(Path(out))
    size = sum(f["bytes"] for f in manifest["files"].values())
    queue.put(
        {
            "seconds": seconds,
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
    print(
        f"Registry twin, scale {args.scale:g}, seed {args.seed}: {n:,} envelopes, "
        f"{gen['raw_bytes'] / 1e6:,.0f} MB gzip raw"
    )
    print(
        f"  generate  {gen['seconds']:8.1f} s  ({n / gen['seconds']:,.0f} env/s; plan {gen['plan_seconds']:.1f} s)"
        f"  peak RSS {gen['peak_mb']:,.0f} MB"
    )
    print(
        f"  baseline  {base['seconds']:8.1f} s  ({n / base['seconds']:,.0f} env/s: orjson + gzip writer only)"
        f"  peak RSS {base['peak_mb']:,.0f} MB"
    )
    print(
        f"  ratio generate/baseline: time x{gen['seconds'] / base['seconds']:.2f}, "
        f"peak memory x{gen['peak_mb'] / base['peak_mb']:.2f}"
    )
    print(f"  snapshot kept at {out} (benchmarks/bench_demo.py: twin_snapshot({args.scale:g}, {args.seed}))")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
