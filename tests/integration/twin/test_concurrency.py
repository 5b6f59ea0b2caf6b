"""The twin handles many requests at once: 16 concurrent requests with 50 ms latency are not serialised."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx


def test_16_concurrent_requests_with_50ms_latency_overlap(twin_server):
    server = twin_server()
    server.faults.configure(latency_ms=50)
    with httpx.Client(base_url=server.url, timeout=10, limits=httpx.Limits(max_connections=32)) as client:
        client.get("/envelopes")  # warm up

        def one(i):
            return client.get("/envelopes", params={"page": i % 3 + 1, "per_page": 5}).status_code

        t0 = time.perf_counter()
        with ThreadPoolExecutor(16) as pool:
            codes = list(pool.map(one, range(16)))
        elapsed = time.perf_counter() - t0
    assert codes == [200] * 16
    assert elapsed < 0.6, f"16 x 50 ms took {elapsed:.3f}s: requests were serialised"  # serial would be >= 0.8 s
