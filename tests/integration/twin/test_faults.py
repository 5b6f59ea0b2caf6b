"""Contract: every injected fault, observed from the client side (real sockets, httpx)."""

from __future__ import annotations

import time

import httpx
import pytest

from ler_analytics.twin.faults import FaultConfig, FaultInjector


@pytest.fixture
def server(twin_server):
    return twin_server()


def test_scripted_429_has_retry_after(server):
    server.faults.configure(retry_after=7)
    server.faults.script("429")
    r = httpx.get(server.url + "/envelopes", timeout=10)
    assert r.status_code == 429 and r.headers["Retry-After"] == "7"
    assert r.headers["content-type"].startswith("text/html")
    assert httpx.get(server.url + "/envelopes", timeout=10).status_code == 200  # the script is used up


@pytest.mark.parametrize("kind", ["500", "502", "503"])
def test_server_errors(server, kind):
    server.faults.script(kind)
    r = httpx.get(server.url + "/envelopes", timeout=10)
    assert r.status_code == int(kind)
    if kind == "500":
        assert list(r.json()) == ["errors"]
    else:
        assert f"<title>{r.status_code}" in r.text


def test_timeout_stalls_past_the_client_timeout(server):
    server.faults.configure(stall_seconds=3)
    server.faults.script("timeout")
    t0 = time.perf_counter()
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(server.url + "/envelopes", timeout=0.5)
    assert 0.4 < time.perf_counter() - t0 < 2.5
    assert httpx.get(server.url + "/envelopes", timeout=5).status_code == 200


def test_connection_reset(server):
    server.faults.script("reset")
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError, httpx.ConnectError)) as info:
        httpx.get(server.url + "/envelopes", timeout=5)
    assert info.value is not None
    assert httpx.get(server.url + "/envelopes", timeout=5).status_code == 200


def test_truncated_body(server):
    server.faults.script("truncate")
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        httpx.get(server.url + "/envelopes", params={"per_page": 50}, timeout=5)
    # the raw socket sees fewer bytes than Content-Length
    import socket

    server.faults.script("truncate")
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"GET /envelopes?per_page=50 HTTP/1.1\r\nHost: x\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
    assert 0 < len(body) < length


def test_latency_is_added(server):
    server.faults.configure(latency_ms=150)
    t0 = time.perf_counter()
    assert httpx.get(server.url + "/", timeout=5).status_code == 200
    assert time.perf_counter() - t0 >= 0.15


def test_rates_are_deterministic_for_a_seed(twin_server):
    outcomes = []
    for _ in range(2):
        server = twin_server(faults=FaultConfig(rate_429=0.2, rate_503=0.2, rate_500=0.1, seed=11))
        with httpx.Client(base_url=server.url, timeout=5) as c:
            outcomes.append([c.get("/envelopes", params={"per_page": 1}).status_code for _ in range(40)])
    assert outcomes[0] == outcomes[1]
    codes = set(outcomes[0])
    assert {200, 429, 503, 500} <= codes
    share = sum(code != 200 for code in outcomes[0]) / 40
    assert 0.25 < share < 0.75


def test_path_pattern_limits_faults(server):
    server.faults.configure(rate_503=1.0, path_pattern=r"/graph/")
    assert httpx.get(server.url + "/envelopes", timeout=5).status_code == 200
    assert httpx.get(server.url + "/graph/ce-00000000-0000-0000-0000-000000000000", timeout=5).status_code == 503
    assert server.faults.counts["503"] == 1


def test_config_validation():
    with pytest.raises(ValueError):
        FaultConfig(rate_429=1.5)
    with pytest.raises(ValueError):
        FaultConfig(rate_429=0.7, rate_500=0.7)
    with pytest.raises(ValueError):
        FaultInjector().script("boom")
    cfg = FaultConfig.uniform(0.6, latency_ms=5)
    assert cfg.rate_timeout == 0 and abs(cfg.rate_429 - 0.1) < 1e-9 and cfg.latency_ms == 5


def test_stop_releases_stalled_requests(twin_server):
    server = twin_server(faults=FaultConfig(rate_timeout=1.0, stall_seconds=60))
    import threading

    errors = []

    def call():
        try:
            httpx.get(server.url + "/envelopes", timeout=30)
        except httpx.HTTPError as exc:
            errors.append(exc)

    thread = threading.Thread(target=call)
    thread.start()
    time.sleep(0.3)
    t0 = time.perf_counter()
    server.stop()
    thread.join(10)
    assert not thread.is_alive() and errors
    assert time.perf_counter() - t0 < 5


def test_stop_closes_kept_alive_connections(twin_server):
    server = twin_server()
    with httpx.Client(base_url=server.url, timeout=5) as client:
        assert client.get("/").status_code == 200  # the connection stays open (keep-alive)
        server.stop()
        with pytest.raises(httpx.TransportError):
            client.get("/")
