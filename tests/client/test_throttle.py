"""Client-side throttling: token bucket, the adaptive rate controller (against a simulated
server on a virtual clock: no test waits or measures real time), concurrency limit, and the
independence of throttling from retry."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from webex_client import ClientSettings, WebexClient
from webex_client import _constants as C
from webex_client._throttle import AdaptiveRate, ConcurrencyLimiter, LegacySlowdown, TokenBucket

from .conftest import TOKEN, FakeClock, err, ok
from .throttle_sim import rate_limit_minimum, simulate


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


def test_client_spaces_requests_by_the_ceiling_it_starts_at(api, make_client, fake_clock):
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
    assert client.throttle.controller.decreases == 1


def test_unset_rate_means_adaptive_without_ceiling_and_zero_means_off():
    adaptive = WebexClient(TOKEN, settings=ClientSettings())
    assert adaptive.throttle.controller.ceiling is None
    assert adaptive.throttle.current_rate == C.ADAPTIVE_INITIAL_RATE
    off = WebexClient(TOKEN, settings=ClientSettings(requests_per_second=0))
    assert off.throttle.controller is None and not off.throttle.bucket.enabled
    legacy = WebexClient.from_config({"webex:rateControl": "legacy", "webex:requestsPerSecond": "50"}, token=TOKEN)
    assert isinstance(legacy.throttle.controller, LegacySlowdown) and legacy.throttle.current_rate == 50


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

    client = WebexClient(
        TOKEN, settings=ClientSettings(max_concurrency=3, requests_per_second=0), transport=httpx.MockTransport(handler)
    )
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


# -- the adaptive controller against a simulated server (tests/client/throttle_sim.py) ------

MOVES = 2000


def test_without_a_configured_rate_the_controller_finds_the_servers_limit():
    res = simulate(MOVES, limit=50)
    assert res.completed == MOVES
    assert res.seconds <= 1.2 * rate_limit_minimum(MOVES, 50)
    assert res.share429 <= 0.03
    second_half = res.rates_between(res.seconds / 2, res.seconds)
    assert 35 <= sum(second_half) / len(second_half) <= 60  # holds the limit, does not run away


def test_limit_is_found_from_far_below_as_well():
    res = simulate(1500, limit=200, server_burst=200, workers=48)
    assert res.completed == 1500
    assert max(r for _, r, _ in res.trace) >= 150


def test_random_429s_do_not_drive_the_rate_to_the_floor():
    clean = simulate(MOVES, limit=50)
    storm = simulate(MOVES, limit=50, random_429=0.2, seed=3)
    assert storm.completed == MOVES
    assert 0.1 <= storm.controller.noise <= C.ADAPTIVE_NOISE_MAX  # learnt as noise
    assert storm.seconds <= 2 * clean.seconds
    late = storm.rates_between(storm.seconds / 2, storm.seconds)
    assert min(late) > 5 * C.ADAPTIVE_MIN_RATE


@pytest.mark.parametrize("seed", [1, 2, 4])
def test_random_429s_without_any_limit_keep_the_rate_growing(seed):
    res = simulate(MOVES, limit=10_000, server_burst=10_000, random_429=0.2, seed=seed, ceiling=100)
    assert res.completed == MOVES
    assert res.controller.rate >= 50


def test_the_old_controller_sits_at_its_floor_under_random_429s():
    """The before picture for the bench: every 429 halved the rate, floor 10 %."""
    res = simulate(MOVES, limit=50, random_429=0.2, legacy=True, ceiling=50, workers=8)
    assert res.completed == MOVES
    late = res.rates_between(res.seconds / 2, res.seconds)
    assert max(late) <= 10
    assert res.seconds > 4 * simulate(MOVES, limit=50, random_429=0.2, seed=3).seconds


def test_a_limit_that_drops_mid_run_is_met_within_ten_seconds():
    drop_at = 15.0
    res = simulate(MOVES, limit=lambda t: 50 if t < drop_at else 10)
    assert res.completed == MOVES  # 0 failures: every request eventually succeeds
    settled = res.last_429_between(drop_at, drop_at + 30)
    assert settled is not None and settled - drop_at <= 10
    assert res.controller.noise == 0.0  # a real limit is never mistaken for noise
    later = res.rates_between(drop_at + 10, drop_at + 40)
    assert sum(later) / len(later) <= 20


def test_a_limit_that_rises_mid_run_is_followed():
    res = simulate(4000, limit=lambda t: 10 if t < 40 else 50)
    assert res.completed == 4000
    assert max(res.rates_between(60, res.seconds)) >= 40


def test_at_most_one_decrease_per_window():
    res = simulate(MOVES, limit=lambda t: 50 if t < 15 else 10)
    assert res.controller.decreases <= res.seconds / C.ADAPTIVE_WINDOW_SECONDS
    assert len(res.decreases) == res.controller.decreases >= 3
    gaps = [b - a for a, b in zip(res.decreases, res.decreases[1:])]
    assert all(g >= C.ADAPTIVE_WINDOW_SECONDS - 1e-9 for g in gaps)


def test_a_configured_rate_is_a_ceiling():
    res = simulate(MOVES, limit=50, ceiling=30)
    assert max(r for _, r, _ in res.trace) <= 30
    assert res.answered429 == 0
    assert res.seconds <= 1.1 * MOVES / 30


def test_controller_does_not_grow_a_rate_it_does_not_use():
    clock = FakeClock()
    bucket = TokenBucket(10, 10, clock=clock.clock, sleep=clock.sleep)
    ctl = AdaptiveRate(bucket, ceiling=None, clock=clock.clock)
    for _ in range(200):  # one answer a second: far below the 10 req/s allowed
        clock.advance(1.0)
        ctl.on_response(False)
    assert ctl.rate == C.ADAPTIVE_INITIAL_RATE


def test_controller_memory_stays_bounded_over_a_long_run():
    res = simulate(5000, limit=50, ceiling=40)  # never congested: no decrease ever trims
    assert res.controller.decreases == 0
    assert len(res.controller._ok_times) <= 2 * 40 * C.ADAPTIVE_WINDOW_SECONDS
