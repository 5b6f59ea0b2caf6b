"""The HTTP layer against real loopback servers: retries, truncation, errors people understand, cache."""

from __future__ import annotations

import hashlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ler_analytics.errors import RegistryError
from ler_analytics.registry.client import Registry
from ler_analytics.registry.http import RetryPolicy, Transport
from ler_analytics.twin import FaultConfig


def test_every_read_route_against_the_twin(twin_server, small_store, client_for):
    server = twin_server(small_store, api_key="twin-key-123456")
    reg = client_for(server, api_key="twin-key-123456")
    first = next(iter(small_store.listing()))
    page = reg.envelopes(1, 25)
    assert page.total == 300 and page.total_pages == 12 and len(page) == 25
    assert page.raw[0] == first.body  # exact bytes
    assert reg.envelope(first.ctid)["envelope_ceterms_ctid"] == first.ctid
    assert reg.envelope_bytes(first.ctid.upper()) == first.body
    graph = reg.graph(first.ctid)
    assert graph["@graph"][0]["ceterms:ctid"] == first.ctid
    assert reg.resource(first.ctid)["ceterms:ctid"] == first.ctid
    ctids = [r.ctid for r in small_store.listing()[:60]]
    graphs = reg.graphs(ctids, batch_size=25)
    assert sorted(g["@graph"][0]["ceterms:ctid"] for g in graphs) == sorted(ctids)
    nodes = reg.resources(ctids[:3])
    assert sorted(n["ceterms:ctid"] for n in nodes) == sorted(ctids[:3])
    assert b'"@graph"' in reg.graph_bytes(first.ctid)
    events = reg.events(page=1, per_page=5)
    assert len(events) == 5 and events.total >= 300
    assert len(list(reg.iter_events(events.items[-1]["created_at"]))) >= 5
    assert reg.info()["total_envelopes"] == 300
    hits = reg.search(envelope_ctdl_type=["ceterms:Certificate"], per_page=200)
    assert hits.total == 50 and all(h["envelope_ctdl_type"] == "ceterms:Certificate" for h in hits.items)
    result = reg.ctdl_search({"@type": "ceterms:Certificate"}, take=10)
    assert result.total == 50 and len(result.data) == 10
    assert len(list(reg.iter_ctdl_search({"@type": "ceterms:Certificate"}, take=20))) == 50
    assert sum(1 for _ in reg.iter_envelopes(per_page=100)) == 300


def test_existing_reports_only_ctids_the_registry_holds(twin_server, small_store, client_for):
    server = twin_server(small_store)
    reg = client_for(server)
    records = small_store.listing()
    certificate = next(r.ctid for r in records if r.ctdl_type == "ceterms:Certificate")
    other = next(r.ctid for r in records if r.ctdl_type != "ceterms:Certificate" and "Organization" in r.ctdl_type)
    unknown = "ce-00000000-0000-4000-8000-000000000000"
    assert sorted(reg.existing([certificate, other.upper(), unknown])) == sorted([certificate, other])
    assert reg.existing([certificate, other, unknown], type="ceterms:Credential") == [certificate]
    with pytest.raises(ValueError, match="not-a-ctid"):
        reg.existing(["not-a-ctid"])


def test_scripted_faults_are_retried_and_truncated_bodies_never_returned(twin_server, small_store, client_for):
    server = twin_server(small_store)
    reg = client_for(server)
    truth = reg.envelopes(1, 50).raw
    server.faults.script("truncate", "reset", "500", "502", "503", "truncate")
    page = reg.envelopes(1, 50)
    assert page.raw == truth
    stats = reg.stats
    assert stats["retries"] == 6
    truncations = stats["faults"].get("BodyError", 0) + stats["faults"].get("RemoteProtocolError", 0)
    assert truncations == 2, stats["faults"]


def test_retry_after_is_honoured(twin_server, small_store, client_for):
    server = twin_server(small_store, faults=FaultConfig(retry_after=1))
    reg = client_for(server)
    server.faults.script("429")
    start = time.monotonic()
    reg.envelopes(1, 5)
    assert time.monotonic() - start >= 1.0
    assert reg.stats["faults"] == {"http_429": 1}


def test_timeout_is_retried(twin_server, small_store, client_for):
    server = twin_server(small_store, faults=FaultConfig(stall_seconds=3))
    reg = client_for(server, timeout=0.3)
    server.faults.script("timeout")
    assert len(reg.envelopes(1, 5)) == 5
    assert any("Timeout" in k for k in reg.stats["faults"])


def test_exhausted_retries_say_url_status_and_next_step(twin_server, small_store):
    server = twin_server(small_store)
    server.faults.script(*["503"] * 3)
    reg = Registry(server.url, retry=RetryPolicy(max_attempts=3, base_delay=0.01))
    with pytest.raises(RegistryError) as info:
        reg.envelopes(1, 5)
    text = str(info.value)
    assert "/ce-registry/envelopes?page=1" in text and "status: 503" in text and "--resume" in text
    assert info.value.status == 503


def test_404_and_401_messages(twin_server, small_store, client_for):
    key = "correct-key-987654321"
    server = twin_server(small_store, api_key=key, secured=True)
    anonymous = client_for(server, api_key="")
    with pytest.raises(RegistryError) as info:
        anonymous.envelopes(1, 5)
    assert info.value.status == 401 and "LER_REGISTRY_API_KEY" in str(info.value)
    wrong = client_for(server, api_key="not-the-key")
    with pytest.raises(RegistryError) as info:
        wrong.envelopes(1, 5)
    assert "rejected the API key" in str(info.value) and "not-the-key" not in str(info.value)
    good = client_for(server, api_key=key)
    with pytest.raises(RegistryError) as info:
        good.envelope("ce-00000000-0000-4000-8000-000000000000")
    assert info.value.status == 404 and "check the CTID" in str(info.value)
    assert key not in repr(good) and "api_key=set" in repr(good)


def test_assistant_without_key_says_how_to_set_it(twin_server, small_store, client_for):
    server = twin_server(small_store, api_key="k-1234567890")
    reg = client_for(server, api_key="")
    with pytest.raises(RegistryError, match="LER_REGISTRY_API_KEY"):
        reg.ctdl_search({"@type": "ceterms:Certificate"})
    bad = client_for(server, api_key="not-the-key-000")
    with pytest.raises(RegistryError, match="Invalid API Key"):
        bad.ctdl_search({"@type": "ceterms:Certificate"})


class _EtagHandler(BaseHTTPRequestHandler):
    body = b'{"@id": "x", "n": 1}'
    hits: list[str] = []
    agents: list[str] = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        etag = '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'
        self.hits.append(self.headers.get("If-None-Match") or "")
        self.agents.append(self.headers.get("User-Agent") or "")
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)


def test_disk_cache_revalidates_with_etag(tmp_path):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _EtagHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/graph/x"
        transport = Transport(url, cache_dir=tmp_path / "cache")
        first = transport.request("GET", url, use_cache=True, auth="Token secret-key-abcdef")
        second = transport.request("GET", url, use_cache=True, auth="Token secret-key-abcdef")
        assert not first.from_cache and second.from_cache and second.content == first.content
        assert _EtagHandler.hits[0] == "" and _EtagHandler.hits[1].startswith('"')
        assert _EtagHandler.agents[0].startswith("ler_analytics/")
        _EtagHandler.body = b'{"@id": "x", "n": 2}'
        third = transport.request("GET", url, use_cache=True, auth="Token secret-key-abcdef")
        assert not third.from_cache and third.content == _EtagHandler.body
        for path in (tmp_path / "cache").iterdir():
            assert "secret-key-abcdef" not in path.name
            assert b"secret-key-abcdef" not in path.read_bytes()
        transport.close()
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_politeness_limit_and_bounded_concurrency(twin_server, small_store, client_for, tmp_path):
    from ler_analytics.registry.harvest import harvest

    server = twin_server(small_store)
    polite = client_for(server, rate_limit=20.0)  # 50 ms apart, shared by all threads
    start = time.monotonic()
    for page in range(1, 11):
        polite.envelopes(page, 5)
    assert time.monotonic() - start >= 0.45
    # 2 workers, 100 ms per request: 15 page requests cannot take less than ~8 rounds
    server.faults.configure(latency_ms=100)
    bounded = client_for(server, concurrency=2)
    start = time.monotonic()
    manifest = harvest(tmp_path / "snap", registry=bounded, per_page=20)
    assert manifest["harvest"]["pages_requests"] >= 15
    assert manifest["harvest"]["pages_seconds"] >= 0.7
    assert time.monotonic() - start < 30
