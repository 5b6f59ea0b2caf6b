"""Harvest and sync benchmark against the Registry twin (real HTTP on 127.0.0.1).

1. Throughput: with ``--latency-ms`` (default 50) added to every request and ``N`` parallel requests,
   the listing phase of a full harvest should reach >= 80% of the ideal ``N / latency`` request rate.
   Each N harvests a store of ``N * rounds * per_page`` envelopes (about ``rounds`` request rounds).
   As a same-run baseline, the same page requests are also made with bare httpx threads (no retries,
   no parsing, no writing): on a loaded machine both are bounded by CPU, and ``harvest/bare`` shows
   the client's own overhead.
2. Sync cost: after 1% of the records changed, ``ler sync`` should transfer <= 3% of the bytes of a
   full harvest of the same store (both measured in the same run, as bytes received by the client).

Usage::

    python benchmarks/bench_harvest.py [--per-page 20] [--rounds 40] [--latency-ms 50] [--concurrency 1 4 16]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ler_analytics.registry.client import Registry  # noqa: E402
from ler_analytics.registry.harvest import harvest  # noqa: E402
from ler_analytics.registry.sync import sync  # noqa: E402
from ler_analytics.twin import FaultConfig, TwinServer, TwinStore  # noqa: E402
from tests.integration.registry.twin_data import ChangeMaker, initial_envelopes  # noqa: E402


def _serve(records: int, seed: int, latency_ms: float, commands, replies) -> None:
    """Run a twin server in its own process (so client and server do not share one GIL)."""
    envs = initial_envelopes(records, seed=seed)
    store = TwinStore(envs)
    maker = ChangeMaker(envs, seed=seed + 1)
    with TwinServer(store, faults=FaultConfig(latency_ms=latency_ms)) as server:
        replies.put(server.url)
        while True:
            command = commands.get()
            if command is None:
                break
            creates, updates, deletes = command
            replies.put(store.apply(maker.batch(creates=creates, updates=updates, deletes=deletes)))


class TwinProcess:
    """A twin server in a child process; ``apply(c, u, d)`` publishes a change batch there."""

    def __init__(self, records: int, seed: int, latency_ms: float = 0.0) -> None:
        ctx = mp.get_context("spawn")
        self.commands, self.replies = ctx.Queue(), ctx.Queue()
        self.proc = ctx.Process(target=_serve, args=(records, seed, latency_ms, self.commands, self.replies),
                                daemon=True)
        self.proc.start()
        self.url = self.replies.get(timeout=300)

    def apply(self, creates: int, updates: int, deletes: int) -> dict:
        self.commands.put((creates, updates, deletes))
        return self.replies.get(timeout=60)

    def close(self) -> None:
        self.commands.put(None)
        self.proc.join(30)


def bare_rate(url: str, n: int, per_page: int, pages: int) -> float:
    """Baseline: the same page requests with bare httpx in ``n`` threads (no retries, parsing or writing)."""
    import httpx

    with httpx.Client(limits=httpx.Limits(max_connections=n, max_keepalive_connections=n)) as client:

        def get(page: int) -> int:
            return len(client.get(f"{url}/ce-registry/envelopes", params={"page": page, "per_page": per_page}).content)

        with ThreadPoolExecutor(n) as pool:
            start = time.perf_counter()
            list(pool.map(get, range(1, pages + 1)))
            return pages / (time.perf_counter() - start)


def bench_throughput(per_page: int, rounds: int, latency_ms: float, levels: list[int], work: Path) -> list[dict]:
    rows = []
    for n in levels:
        # about `rounds` request rounds per level: N * rounds pages of `per_page` envelopes
        twin = TwinProcess(n * rounds * per_page, seed=1, latency_ms=latency_ms)
        try:
            with Registry(twin.url, concurrency=n) as reg:
                start = time.perf_counter()
                manifest = harvest(work / f"n{n}", registry=reg, per_page=per_page)
                total_s = time.perf_counter() - start
            bare = bare_rate(twin.url, n, per_page, n * rounds)
        finally:
            twin.close()
        stats = manifest["harvest"]
        rate = stats["pages_requests"] / stats["pages_seconds"]
        ideal = n / (latency_ms / 1000)
        rows.append({
            "bare_httpx_per_s": round(bare, 1), "bare_ratio": round(bare / ideal, 3),
            "harvest_vs_bare": round(rate / bare, 3),
            "concurrency": n, "per_page": per_page, "page_requests": stats["pages_requests"],
            "pages_seconds": stats["pages_seconds"], "requests_per_s": round(rate, 1),
            "ideal_per_s": round(ideal, 1), "ratio": round(rate / ideal, 3),
            "end_to_end_seconds": round(total_s, 2), "envelopes": manifest["counts"]["envelopes"],
        })
        print(f"N={n:>2}  {stats['pages_requests']:>4} page requests in {stats['pages_seconds']:.2f} s = "
              f"{rate:7.1f} req/s; ideal {ideal:6.1f} req/s; ratio {rate / ideal:.2f}  "
              f"| bare httpx {bare:6.1f} req/s = {bare / ideal:.2f} of ideal; harvest/bare {rate / bare:.2f} "
              f"(whole harvest {total_s:.2f} s)", flush=True)
    return rows


def bench_sync(records: int, work: Path) -> dict:
    twin = TwinProcess(records, seed=2)
    try:
        with Registry(twin.url, concurrency=4) as reg:
            harvest(work / "base", registry=reg, per_page=200)
            full_bytes = reg.stats["bytes_received"]
        changes = max(3, records // 100)  # 1% of the records
        twin.apply(changes // 3, changes - 2 * (changes // 3), changes // 3)
        with Registry(twin.url, concurrency=4) as reg:
            manifest = sync(work / "base", registry=reg, out=work / "synced", build=False)
            sync_bytes = reg.stats["bytes_received"]
    finally:
        twin.close()
    ratio = sync_bytes / full_bytes
    print(f"sync after {changes} changes ({changes / records:.1%}): {sync_bytes:,} bytes vs full harvest "
          f"{full_bytes:,} bytes = {ratio:.2%} (target <= 3%)", flush=True)
    return {"records": records, "changes": changes, "full_bytes": full_bytes, "sync_bytes": sync_bytes,
            "ratio": round(ratio, 4), "sync": manifest["sync"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-page", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=40, help="request rounds per concurrency level")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--sync-records", type=int, default=3000)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-harvest-") as tmp:
        work = Path(tmp)
        rows = bench_throughput(args.per_page, args.rounds, args.latency_ms, args.concurrency, work)
        sync_row = bench_sync(args.sync_records, work)
    ok = all(r["ratio"] >= 0.8 for r in rows) and sync_row["ratio"] <= 0.03
    result = {"throughput": rows, "sync": sync_row, "pass": ok}
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    print("PASS" if ok else "FAIL: a target was missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
