"""`ler twin serve`: prints the base URL, serves, refuses non-loopback binds."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
from click.testing import CliRunner

from ler_analytics.cli import main

LER = [sys.executable, "-c", "from ler_analytics.cli import main; main()"]


def test_serve_sample_prints_url_and_serves():
    env = {**os.environ, "LER_TWIN_API_KEY": "cli-key"}
    proc = subprocess.Popen(LER + ["twin", "serve", "--sample", "--port", "0", "--secured"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        deadline = time.time() + 10
        while True:
            try:
                r = httpx.get(url + "/ce-registry/envelopes", headers={"Authorization": "Token cli-key"}, timeout=5)
                break
            except httpx.ConnectError:
                assert time.time() < deadline
                time.sleep(0.1)
        assert r.status_code == 200 and int(r.headers["X-Total"]) > 20
        assert httpx.get(url + "/envelopes", timeout=5).status_code == 401
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert "synthetic demonstration data" in err
    assert "cli-key" not in err


def test_non_loopback_host_is_refused():
    result = CliRunner().invoke(main, ["twin", "serve", "--sample", "--host", "0.0.0.0"])
    assert result.exit_code != 0 and "loopback" in result.output


def test_secured_without_key_is_refused():
    result = CliRunner().invoke(main, ["twin", "serve", "--sample", "--secured", "--api-key-env", "LER_TWIN_NO_SUCH_VAR"])
    assert result.exit_code != 0 and "LER_TWIN_NO_SUCH_VAR" in result.output


def test_bad_fault_rate_is_a_usage_error():
    result = CliRunner().invoke(main, ["twin", "serve", "--sample", "--fault-rate", "2"])
    assert result.exit_code != 0 and "rate" in result.output


def test_serve_generator_publishes_change_batches_while_serving():
    proc = subprocess.Popen(LER + ["twin", "serve", "--scale", "0.002", "--seed", "3", "--port", "0",
                                   "--batches", "2", "--publish-every", "0.5", "--change-rate", "0.05"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        first = httpx.get(url + "/envelopes", timeout=10)
        total0 = int(first.headers["X-Total"])
        assert total0 > 100
        newest0 = httpx.get(url + "/envelopes/events", params={"per_page": 1}, timeout=10).json()[0]["created_at"]
        deadline = time.time() + 60
        while time.time() < deadline:
            events = httpx.get(url + "/envelopes/events", params={"per_page": 1}, timeout=10).json()
            if events[0]["created_at"] > newest0:  # a batch's events are newer than the initial state
                break
            time.sleep(0.5)
        else:
            raise AssertionError("no change batch was published within 60 s")
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert "published a change batch" in err
