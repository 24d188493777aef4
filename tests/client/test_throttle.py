"""Client-side throttling: token bucket, concurrency limit, and its independence from retry."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from webex_client import ClientSettings, WebexClient
from webex_client._throttle import ConcurrencyLimiter, TokenBucket

from .conftest import TOKEN, FakeClock, err, ok


def test_token_bucket_limits_rate(fake_clock):
    bucket = TokenBucket(10, 1, clock=fake_clock.clock, sleep=fake_clock.sleep)
    for _ in range(5):
        bucket.acquire()
    assert fake_clock.sleeps == [pytest.approx(0.1)] * 4
    assert fake_clock.now - 1000.0 == pytest.approx(0.4)


def test_burst_allows_back_to_back_requests(fake_clock):
    bucket = TokenBucket(10, 5, clock=fake_clock.clock, sleep=fake_clock.sleep)
    for _ in range(5):
        bucket.acquire()
    assert fake_clock.sleeps == []
    bucket.acquire()
    assert fake_clock.sleeps == [pytest.approx(0.1)]


def test_token_bucket_is_off_when_rate_is_zero(fake_clock):
    bucket = TokenBucket(0, 1, clock=fake_clock.clock, sleep=fake_clock.sleep)
    for _ in range(100):
        bucket.acquire()
    assert fake_clock.sleeps == []


def test_429_slows_the_shared_bucket_then_recovers(fake_clock):
    bucket = TokenBucket(10, 1, clock=fake_clock.clock, sleep=fake_clock.sleep, cooldown=10)
    bucket.on_rate_limited()
    assert bucket.current_rate == pytest.approx(5)
    bucket.acquire()
    bucket.acquire()
    assert fake_clock.sleeps == [pytest.approx(0.2)]
    fake_clock.advance(10)
    assert bucket.current_rate == pytest.approx(10)


def test_repeated_429s_slow_down_to_a_floor(fake_clock):
    bucket = TokenBucket(10, 1, clock=fake_clock.clock, sleep=fake_clock.sleep)
    for _ in range(20):
        bucket.on_rate_limited()
    assert bucket.current_rate == pytest.approx(1.0)  # 10 % floor


def test_client_spaces_requests_by_requests_per_second(api, make_client, fake_clock):
    api.add("GET", "/v1/people/me", ok({"id": "me"}))
    client = make_client(requests_per_second=2, burst=1)
    for _ in range(3):
        client.people.me()
    assert fake_clock.sleeps == [pytest.approx(0.5), pytest.approx(0.5)]


def test_429_response_slows_the_clients_bucket(api, make_client):
    api.add("GET", "/v1/people/me", err(429, headers={"Retry-After": "1"}), ok({"id": "me"}))
    client = make_client(requests_per_second=10, burst=10)
    client.people.me()
    assert client.throttle.bucket.current_rate < 10


def test_concurrency_is_bounded_by_max_concurrency():
    in_flight = 0
    peak = 0
    lock = threading.Lock()

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.02)
        with lock:
            in_flight -= 1
        return ok({"id": request.url.path.rsplit("/", 1)[-1]})

    client = WebexClient(TOKEN, settings=ClientSettings(max_concurrency=3, requests_per_second=0),
                         transport=httpx.MockTransport(handler))
    results = client.map_concurrent(lambda i: client.people.get(f"p{i}"), range(12), max_workers=8)
    assert [r.value.id for r in results] == [f"p{i}" for i in range(12)]
    assert 1 < peak <= 3
    assert client.throttle.limiter.peak <= 3


def test_sleeping_request_does_not_hold_concurrency_slot():
    """With ONE slot, request A sleeps on Retry-After; request B must complete meanwhile."""
    clock = FakeClock()
    observed: dict[str, object] = {}
    answers = {"/v1/people/me": [err(429, headers={"Retry-After": "30"}), ok({"id": "me"})]}

    def handler(request: httpx.Request) -> httpx.Response:
        queue = answers.get(request.url.path)
        if queue:
            return queue.pop(0)
        return ok({"items": []})

    client: WebexClient

    def sleep(seconds: float) -> None:
        clock.sleep(seconds)
        if "b_done" in observed:
            return
        observed["in_flight_while_sleeping"] = client.throttle.limiter.in_flight
        worker = threading.Thread(target=lambda: observed.setdefault("b", client.licenses.list()), daemon=True)
        worker.start()
        worker.join(timeout=5)
        observed["b_done"] = not worker.is_alive()

    client = WebexClient(
        TOKEN,
        settings=ClientSettings(max_concurrency=1, requests_per_second=0),
        transport=httpx.MockTransport(handler),
        clock=clock.clock,
        sleep=sleep,
    )
    assert client.people.me().id == "me"
    assert observed["in_flight_while_sleeping"] == 0
    assert observed["b_done"] is True
    assert observed["b"] == []


def test_concurrency_limiter_rejects_zero():
    with pytest.raises(ValueError):
        ConcurrencyLimiter(0)
