"""LER link-health throughput, compared with bare JSON parsing of the same files in the same run.

For a folder of synthetic LERs issued against the demo twin, measures:

1. baseline: read every file and parse it (orjson for JSON, base64 + orjson of the payload for JWTs);
2. ``read_many`` (format detection, depth check, achievement extraction);
3. ``read_many`` + ``find_links`` (every link pattern, JSON paths);
4. ``link_health`` (read, links, resolve against the snapshot, all six aggregates with suppression).

Reported as LERs per second and as a ratio to the baseline. No speed claim is made elsewhere: this
shows what the analysis costs relative to merely parsing the files.

Usage::

    python benchmarks/ler_link_health.py [--n 2000] [--scale 0.01] [--repeat 3]
"""

from __future__ import annotations

import argparse
import base64
import sys
import tempfile
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ler_analytics.build import build  # noqa: E402
from ler_analytics.demo import generate  # noqa: E402
from ler_analytics.ler.health import link_health  # noqa: E402
from ler_analytics.ler.links import find_links  # noqa: E402
from ler_analytics.ler.read import read_many  # noqa: E402
from ler_analytics.ler.synthetic import generate_lers, write_lers  # noqa: E402
from ler_analytics.snapshot import open_snapshot  # noqa: E402


def _baseline(files: list[Path]) -> int:
    count = 0
    for path in files:
        data = path.read_bytes()
        if data[:1] == b"{":
            orjson.loads(data)
        else:
            payload = data.split(b".")[1]
            orjson.loads(base64.urlsafe_b64decode(payload + b"=" * (-len(payload) % 4)))
        count += 1
    return count


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        snap_dir = Path(tmp) / "demo"
        generate(snap_dir, scale=args.scale, seed=7)
        build(snap_dir)
        snap = open_snapshot(snap_dir)
        folder = Path(tmp) / "lers"
        write_lers(generate_lers(snap, n=args.n, seed=1), folder)
        files = sorted(folder.iterdir())
        size_mb = sum(p.stat().st_size for p in files) / 1e6
        snap.table("credentials")  # warm the table cache so every variant starts equal

        def read_links() -> None:
            docs, _errors = read_many([folder])
            for doc in docs:
                find_links(doc)

        results = {
            "baseline (parse only)": _best(lambda: _baseline(files), args.repeat),
            "read_many": _best(lambda: read_many([folder]), args.repeat),
            "read_many + find_links": _best(read_links, args.repeat),
            "link_health (all aggregates)": _best(lambda: link_health(folder, snap), args.repeat),
        }
        base = results["baseline (parse only)"]
        print(f"{args.n} synthetic LERs, {size_mb:.1f} MB, demo scale {args.scale}, best of {args.repeat}")
        print(f"{'step':32} {'seconds':>8} {'LERs/s':>9} {'x baseline':>10}")
        for name, seconds in results.items():
            print(f"{name:32} {seconds:8.3f} {args.n / seconds:9.0f} {seconds / base:10.1f}")


if __name__ == "__main__":
    main()
