"""Contract: secured mode (API key demanded, last token of Authorization, 401 body)."""

from __future__ import annotations

import logging

import httpx
import pytest

KEY = "s3cret-twin-key-0123"


@pytest.fixture
def server(twin_server):
    return twin_server(api_key=KEY, secured=True)


@pytest.mark.parametrize("path", [
    "/envelopes", "/ce-registry/envelopes", "/envelopes/events", "/search",
    "/graph/ce-00000000-0000-0000-0000-000000000000", "/resources/ce-00000000-0000-0000-0000-000000000000",
])
def test_routes_demand_the_key(server, path):
    r = httpx.get(server.url + path, timeout=10)
    assert r.status_code == 401
    assert r.json() == {"errors": ["401 Unauthorized"]}
    r = httpx.get(server.url + path, headers={"Authorization": "Token wrong"}, timeout=10)
    assert r.status_code == 401


@pytest.mark.parametrize("scheme", ["Token", "ApiToken", "Bearer", "Anything at all"])
def test_last_token_is_the_key_whatever_the_scheme(server, scheme):
    r = httpx.get(server.url + "/envelopes", headers={"Authorization": f"{scheme} {KEY}"}, timeout=10)
    assert r.status_code == 200 and r.headers["X-Total"]


def test_post_routes_and_open_routes(server):
    r = httpx.post(server.url + "/graph/search", json={"ctids": []}, timeout=10)
    assert r.status_code == 401
    assert httpx.get(server.url + "/", timeout=10).status_code == 200
    assert httpx.get(server.url + "/ce-registry/community/info", timeout=10).status_code == 200


def test_secured_can_be_switched_at_run_time(twin_server):
    server = twin_server(api_key=KEY)
    assert httpx.get(server.url + "/envelopes", timeout=10).status_code == 200
    server.secured = True
    assert httpx.get(server.url + "/envelopes", timeout=10).status_code == 401
    with pytest.raises(ValueError):
        twin_server(secured=True)  # secured mode without a key is refused


def test_key_never_logged(server, caplog):
    caplog.set_level(logging.DEBUG, logger="ler_analytics")
    httpx.get(server.url + "/envelopes", headers={"Authorization": f"Token {KEY}"}, timeout=10)
    httpx.get(server.url + "/envelopes", headers={"Authorization": "Token wrong-key"}, timeout=10)
    assert caplog.records  # the access log ran
    assert KEY not in caplog.text and "wrong-key" not in caplog.text
