"""Registry twin server benchmark: concurrency under latency, page serving, store build cost.

Every number is compared with a baseline measured in the same run:

1. concurrency: throughput of N parallel clients (N in 1, 4, 16) against a `ler twin serve`
   process adding 50 ms per request, as a ratio to the serial (N=1) throughput and to the ideal
   N x 20 req/s;
2. page serving: ``/envelopes?per_page=200`` requests per second, zlib-compressed store vs plain;
3. store build: generator alone vs generator + TwinStore (the store's share), and resident memory.

Usage: ``python benchmarks/twin_server.py [--scale 0.05] [--seed 42] [--skip-build]``
"""

from __future__ import annotations

import argparse
import gc
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from ler_analytics.demo import iter_envelopes
from ler_analytics.twin import TwinServer, TwinStore


def rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * 4096 / 2**20


def concurrency(url: str, requests: int = 48) -> dict[int, float]:
    out = {}
    for n in (1, 4, 16):
        with httpx.Client(base_url=url, timeout=30, limits=httpx.Limits(max_connections=n)) as client:
            client.get("/envelopes", params={"per_page": 10})

            def one(i: int, client: httpx.Client = client) -> int:
                return client.get("/envelopes", params={"per_page": 10, "page": i % 3 + 1}).status_code

            t0 = time.perf_counter()
            with ThreadPoolExecutor(n) as pool:
                codes = list(pool.map(one, range(requests)))
            elapsed = time.perf_counter() - t0
        assert set(codes) == {200}, codes
        out[n] = requests / elapsed
    return out


def page_rate(store: TwinStore, pages: int = 30) -> float:
    with TwinServer(store) as server, httpx.Client(base_url=server.url, timeout=60) as client:
        client.get("/envelopes", params={"per_page": 200})
        t0 = time.perf_counter()
        for i in range(pages):
            r = client.get("/envelopes", params={"per_page": 200, "page": i + 1})
            assert r.status_code == 200
        return pages / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--skip-build", action="store_true", help="only the server measurements")
    args = parser.parse_args()

    print(f"# Registry twin server benchmark (scale {args.scale}, seed {args.seed})")
    if not args.skip_build:
        gc.collect()
        t0 = time.perf_counter()
        n = sum(1 for _ in iter_envelopes(args.scale, args.seed))
        gen_s = time.perf_counter() - t0
        gc.collect()
        rss0 = rss_mb()
        t0 = time.perf_counter()
        store = TwinStore.from_generator(args.scale, args.seed)
        both_s = time.perf_counter() - t0
        rss1 = rss_mb()
        print(f"store build: {n} envelopes; generator alone {gen_s:.1f}s, generator+store {both_s:.1f}s "
              f"(store share {max(both_s - gen_s, 0):.1f}s = {max(both_s - gen_s, 0) / both_s:.0%}); "
              f"store resident memory {rss1 - rss0:.0f} MB (compress={store.compress})")
    else:
        store = TwinStore.from_generator(min(args.scale, 0.05), args.seed)

    plain = TwinStore((r.envelope() for r in store.records()), compress=False)
    packed = TwinStore((r.envelope() for r in store.records()), compress=True)
    rate_plain, rate_packed = page_rate(plain), page_rate(packed)
    print(f"page serving (per_page=200): plain {rate_plain:.1f} pages/s, compressed {rate_packed:.1f} pages/s "
          f"(ratio {rate_packed / rate_plain:.2f})")

    # The server runs in its own process (`ler twin serve`), so client threads do not share its GIL.
    proc = subprocess.Popen(
        [sys.executable, "-c", "from ler_analytics.cli import main; main()", "twin", "serve", "--sample",
         "--port", "0", "--latency-ms", "50"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        url = proc.stdout.readline().strip()
        rates = concurrency(url)
    finally:
        proc.terminate()
        proc.wait(10)
    for n, rate in rates.items():
        print(f"concurrency N={n:2d} with 50 ms latency: {rate:6.1f} req/s = {rate / rates[1]:.1f}x serial, "
              f"{rate / (n * 20):.0%} of ideal {n * 20} req/s")


if __name__ == "__main__":
    main()
