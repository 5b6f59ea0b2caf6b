"""Pure parts of the HTTP layer: backoff, Retry-After, redaction, politeness, loopback detection."""

from __future__ import annotations

import email.utils
import random
import time

import pytest

from ler_analytics.registry.http import (
    USER_AGENT,
    RateLimiter,
    RetryPolicy,
    is_loopback_url,
    parse_retry_after,
    redact,
)


def test_backoff_grows_exponentially_with_full_jitter_and_a_cap():
    policy = RetryPolicy(base_delay=0.5, max_delay=8.0)
    rng = random.Random(1)
    for attempt in range(8):
        cap = min(8.0, 0.5 * 2**attempt)
        delays = [policy.delay(attempt, None, rng) for _ in range(200)]
        assert all(cap / 2 <= d <= cap for d in delays)
        assert max(delays) - min(delays) > cap / 4  # really jittered


def test_retry_after_wins_over_backoff_with_small_jitter_and_a_ceiling():
    policy = RetryPolicy(base_delay=0.01, max_retry_after=60)
    rng = random.Random(2)
    delays = [policy.delay(0, 3.0, rng) for _ in range(100)]
    assert all(3.0 <= d <= 3.3 for d in delays)
    assert policy.delay(0, 1000.0, rng) <= 66.0


def test_parse_retry_after_seconds_date_and_garbage():
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(" 0 ") == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("") is None
    assert parse_retry_after("in a bit") is None
    now = time.time()
    date = email.utils.formatdate(now + 30, usegmt=True)
    assert 28 <= parse_retry_after(date, now=now) <= 31
    past = email.utils.formatdate(now - 30, usegmt=True)
    assert parse_retry_after(past, now=now) == 0.0


def test_redact_removes_every_occurrence_and_ignores_empty_secrets():
    key = "sk-test-0123456789"
    text = f"Authorization: ApiToken {key} ... echo {key}"
    out = redact(text, (key, None, ""))
    assert key not in out and out.count("***") == 2
    assert redact("abc", (None,)) == "abc"


def test_rate_limiter_spaces_requests_and_none_means_unlimited():
    limiter = RateLimiter(50.0)  # 20 ms apart
    start = time.monotonic()
    for _ in range(6):
        limiter.wait()
    assert time.monotonic() - start >= 0.09
    free = RateLimiter(None)
    start = time.monotonic()
    for _ in range(1000):
        free.wait()
    assert time.monotonic() - start < 0.05


@pytest.mark.parametrize(
    "url, loop",
    [
        ("http://127.0.0.1:8080", True),
        ("http://localhost/x", True),
        ("http://[::1]:9/", True),
        ("https://credentialengineregistry.org", False),
        ("http://10.0.0.1", False),
    ],
)
def test_loopback_detection(url, loop):
    assert is_loopback_url(url) is loop


def test_user_agent_names_project_and_version():
    from ler_analytics import __version__

    assert USER_AGENT.startswith(f"ler_analytics/{__version__} (+http")
