"""Retry policy: Retry-After forms, backoff, budgets, and the never-replay-a-POST rule."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import httpx
import pytest

from webex_client import (
    APIConnectionError,
    OutcomeUnknownError,
    RateLimitedError,
    RetryPolicy,
    ServerError,
)
from webex_client._retry import Action, AttemptOutcome, parse_retry_after

from .conftest import FIXED_NOW, err, ok

PEOPLE = {"items": [{"id": "p1"}]}


# --- Retry-After --------------------------------------------------------------------------


def test_retry_after_integer_seconds_is_honoured(api, make_client, fake_clock):
    api.add("GET", "/v1/people/me", err(429, headers={"Retry-After": "7"}), ok({"id": "me"}))
    client = make_client()
    assert client.people.me().id == "me"
    assert fake_clock.sleeps == [7]
    assert len(api.requests) == 2


def test_retry_after_http_date_is_honoured(api, make_client, fake_clock):
    when = format_datetime(FIXED_NOW + timedelta(seconds=42), usegmt=True)
    api.add("GET", "/v1/people/me", err(429, headers={"Retry-After": when}), ok({"id": "me"}))
    make_client().people.me()
    assert fake_clock.sleeps == [pytest.approx(42)]


def test_malformed_retry_after_gets_bounded_default(api, make_client, fake_clock):
    api.add("GET", "/v1/people/me", err(429, headers={"Retry-After": "rand(30),add(30)"}), ok({"id": "me"}))
    make_client(retry_after_default_seconds=9, retry_after_max_seconds=60).people.me()
    assert fake_clock.sleeps == [9]


def test_missing_retry_after_on_429_gets_bounded_default(api, make_client, fake_clock):
    api.add("GET", "/v1/people/me", err(429), ok({"id": "me"}))
    make_client(retry_after_default_seconds=11).people.me()
    assert fake_clock.sleeps == [11]


def test_retry_after_is_clamped_to_configured_bounds():
    policy = RetryPolicy(retry_after_min=2, retry_after_max=50, retry_after_default=200, now=lambda: FIXED_NOW)
    assert policy.retry_after_delay("100000") == 50
    assert policy.retry_after_delay("0") == 2
    assert policy.retry_after_delay("rand(30)") == 50  # even the default is clamped
    far = format_datetime(FIXED_NOW + timedelta(days=3), usegmt=True)
    assert policy.retry_after_delay(far) == 50


def test_retry_after_http_date_in_the_past_waits_the_minimum():
    policy = RetryPolicy(retry_after_min=1, now=lambda: FIXED_NOW)
    past = format_datetime(FIXED_NOW - timedelta(minutes=5), usegmt=True)
    assert parse_retry_after(past, FIXED_NOW) == 0
    assert policy.retry_after_delay(past) == 1


@pytest.mark.parametrize("value", ["rand(30),add(30)", "soon", "", "  ", "nan", "1e999", "-"])
def test_unparseable_retry_after_values_are_malformed(value):
    assert parse_retry_after(value, FIXED_NOW) is None


def test_423_honours_retry_after(api, make_client, fake_clock):
    api.add("GET", "/v1/licenses", err(423, headers={"Retry-After": "5"}), ok({"items": []}))
    make_client().licenses.list()
    assert fake_clock.sleeps == [5]


def test_423_without_retry_after_backs_off_exponentially(api, make_client, fake_clock):
    api.add("GET", "/v1/licenses", err(423), err(423), ok({"items": []}))
    make_client(backoff_base_seconds=0.5).licenses.list()
    assert fake_clock.sleeps == [0.5, 1.0]


# --- backoff ------------------------------------------------------------------------------


def test_5xx_backoff_is_exponential_with_full_jitter():
    policy = RetryPolicy(backoff_base=0.5, backoff_cap=30, random=lambda: 1.0)
    assert [policy.backoff_delay(n) for n in range(1, 6)] == [0.5, 1, 2, 4, 8]
    jittered = RetryPolicy(backoff_base=0.5, backoff_cap=30, random=lambda: 0.25)
    assert [jittered.backoff_delay(n) for n in range(1, 4)] == [0.125, 0.25, 0.5]


def test_backoff_never_exceeds_cap():
    policy = RetryPolicy(backoff_base=1, backoff_cap=8, random=lambda: 1.0)
    assert policy.backoff_delay(20) == 8


def test_503_is_retried_with_backoff(api, make_client, fake_clock):
    api.add("GET", "/v1/people/me", err(503), err(503), ok({"id": "me"}))
    make_client(backoff_base_seconds=0.5).people.me()
    assert fake_clock.sleeps == [0.5, 1.0]


def test_503_with_retry_after_honours_it(api, make_client, fake_clock):
    api.add("GET", "/v1/people/me", err(503, headers={"Retry-After": "3"}), ok({"id": "me"}))
    make_client().people.me()
    assert fake_clock.sleeps == [3]


@pytest.mark.parametrize("status", [502, 504, 500])
def test_gateway_errors_and_500_are_retried_for_get(api, make_client, status):
    api.add("GET", "/v1/people/me", err(status), ok({"id": "me"}))
    assert make_client().people.me().id == "me"
    assert len(api.requests) == 2


@pytest.mark.parametrize("exc", [httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.ReadError])
def test_get_is_retried_after_connection_lost_mid_request(api, make_client, exc):
    api.add("GET", "/v1/people/me", exc, ok({"id": "me"}))
    assert make_client().people.me().id == "me"
    assert len(api.requests) == 2


# --- budgets ------------------------------------------------------------------------------


def test_total_retry_wait_is_bounded(api, make_client, fake_clock):
    api.add("GET", "/v1/people/me", err(429, headers={"Retry-After": "100"}))
    client = make_client(max_retries=50, max_retry_wait_seconds=250, retry_after_max_seconds=120)
    with pytest.raises(RateLimitedError) as info:
        client.people.me()
    assert fake_clock.sleeps == [100, 100]  # a third 100 s wait would cross 250 s
    assert sum(fake_clock.sleeps) <= 250
    assert info.value.status == 429 and info.value.attempts == 3


def test_max_retries_bounds_the_number_of_attempts(api, make_client):
    api.add("GET", "/v1/people/me", err(503))
    with pytest.raises(ServerError) as info:
        make_client(max_retries=3).people.me()
    assert len(api.requests) == 4
    assert info.value.attempts == 4


def test_connection_errors_exhausting_budget_raise_api_connection_error(api, make_client):
    api.add("GET", "/v1/people/me", httpx.ConnectError)
    with pytest.raises(APIConnectionError):
        make_client(max_retries=2).people.me()
    assert len(api.requests) == 3


# --- non-idempotent requests ----------------------------------------------------------------

MEETING = {"title": "Standup", "start": "2026-06-01T09:00:00Z", "end": "2026-06-01T09:30:00Z"}


@pytest.mark.parametrize("exc", [httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.WriteError])
def test_post_not_replayed_when_outcome_unknown(api, make_client, exc):
    api.add("POST", "/v1/meetings", exc, ok({"id": "a" * 32}))
    with pytest.raises(OutcomeUnknownError) as info:
        make_client().meetings.create(MEETING, recover=False)
    assert len(api.calls("POST", "/v1/meetings")) == 1
    assert info.value.method == "POST"
    assert info.value.tracking_id.startswith("webexiac_")


@pytest.mark.parametrize("status", [502, 504])
def test_post_not_replayed_after_gateway_error(api, make_client, status):
    api.add("POST", "/v1/meetings", err(status), ok({"id": "a" * 32}))
    with pytest.raises(OutcomeUnknownError) as info:
        make_client().meetings.create(MEETING, recover=False)
    assert len(api.calls("POST", "/v1/meetings")) == 1
    assert info.value.status == status


def test_post_is_retried_after_429_because_it_was_not_processed(api, make_client):
    api.add("POST", "/v1/meetings", err(429, headers={"Retry-After": "1"}), ok({"id": "a" * 32}))
    assert make_client().meetings.create(MEETING).id == "a" * 32
    assert len(api.calls("POST", "/v1/meetings")) == 2


def test_post_is_retried_after_503_because_it_was_not_processed(api, make_client):
    api.add("POST", "/v1/meetings", err(503), ok({"id": "a" * 32}))
    make_client().meetings.create(MEETING)
    assert len(api.calls("POST", "/v1/meetings")) == 2


def test_post_is_retried_after_connect_error_because_nothing_was_sent(api, make_client):
    api.add("POST", "/v1/meetings", httpx.ConnectError, ok({"id": "a" * 32}))
    make_client().meetings.create(MEETING)
    assert len(api.calls("POST", "/v1/meetings")) == 2


def test_500_is_not_retried_for_post(api, make_client):
    api.add("POST", "/v1/meetings", err(500), ok({"id": "a" * 32}))
    with pytest.raises(ServerError):
        make_client().meetings.create(MEETING)
    assert len(api.calls("POST", "/v1/meetings")) == 1


def test_non_idempotent_patch_not_replayed_when_outcome_unknown(api, make_client):
    api.add("PATCH", "/v1/groups/g1", err(504), ok({"id": "g1"}))
    with pytest.raises(OutcomeUnknownError):
        make_client().groups.update("g1", {"displayName": "x"})
    assert len(api.requests) == 1


def test_license_patch_is_retried_after_unknown_outcome_because_it_is_idempotent(api, make_client):
    api.add("PATCH", "/v1/licenses/users", err(502), httpx.ReadTimeout, ok({"personId": "p1", "licenses": ["L1"]}))
    result = make_client().licenses.assign({"personId": "p1", "licenses": [{"id": "L1"}]})
    assert result.licenses == ["L1"]
    assert len(api.requests) == 3


def test_meeting_patch_is_retried_after_unknown_outcome_because_it_sets_absolute_values(api, make_client):
    api.add("PATCH", "/v1/meetings/" + "a" * 32, err(504), ok({"id": "a" * 32, "title": "New"}))
    assert make_client().meetings.patch("a" * 32, {"title": "New"}).title == "New"
    assert len(api.requests) == 2


def test_delete_404_after_unknown_outcome_counts_as_deleted(api, make_client):
    api.add("DELETE", "/v1/meetings/" + "b" * 32, httpx.ReadTimeout, err(404))
    make_client().meetings.delete("b" * 32)  # no NotFoundError
    assert len(api.requests) == 2


def test_delete_404_on_first_attempt_is_still_an_error(api, make_client):
    from webex_client import NotFoundError

    api.add("DELETE", "/v1/meetings/" + "b" * 32, err(404))
    with pytest.raises(NotFoundError):
        make_client().meetings.delete("b" * 32)


# --- exact replay ---------------------------------------------------------------------------


def test_retried_request_keeps_query_and_body(api, make_client):
    api.add(
        "PATCH",
        "/v1/licenses/users",
        err(429, headers={"Retry-After": "1"}),
        err(503),
        httpx.ReadTimeout,
        ok({"licenses": ["L1"]}),
    )
    api.add("GET", "/v1/people", err(429, headers={"Retry-After": "1"}), err(502), ok({"items": []}))
    client = make_client()
    client.licenses.assign({"email": "a@example.com", "orgId": "O1", "licenses": [{"id": "L1", "operation": "add"}]})
    list(client.people.list(display_name="Ann Smith", roles=["R1", "R2"], calling_data=True))
    patches = api.calls("PATCH")
    assert len(patches) == 4
    assert {bytes(r.content) for r in patches} == {patches[0].content}
    assert {str(r.url) for r in patches} == {str(patches[0].url)}
    gets = api.calls("GET")
    assert len(gets) == 3
    assert {str(r.url) for r in gets} == {str(gets[0].url)}
    assert gets[0].url.params["displayName"] == "Ann Smith"
    assert gets[0].url.params["roles"] == "R1,R2"


def test_tracking_id_is_sent_and_kept_across_retries(api, make_client):
    api.add("GET", "/v1/people/me", err(503), ok({"id": "me"}))
    api.add("GET", "/v1/licenses", ok({"items": []}))
    client = make_client()
    client.people.me()
    client.licenses.list()
    ids = [r.headers["TrackingID"] for r in api.requests]
    assert all(re.fullmatch(r"webexiac_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", i) for i in ids)
    assert ids[0] == ids[1]  # one logical request
    assert ids[2] != ids[0]


# --- the pure policy table ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "status", "exc", "expected"),
    [
        ("POST", 429, None, Action.RETRY),
        ("POST", 423, None, Action.RETRY),
        ("POST", 503, None, Action.RETRY),
        ("POST", 502, None, Action.OUTCOME_UNKNOWN),
        ("POST", 504, None, Action.OUTCOME_UNKNOWN),
        ("POST", 500, None, Action.GIVE_UP),
        ("POST", None, httpx.ConnectError("x"), Action.RETRY),
        ("POST", None, httpx.PoolTimeout("x"), Action.RETRY),
        ("POST", None, httpx.ReadTimeout("x"), Action.OUTCOME_UNKNOWN),
        ("PATCH", 502, None, Action.OUTCOME_UNKNOWN),
        ("GET", 502, None, Action.RETRY),
        ("GET", 500, None, Action.RETRY),
        ("PUT", None, httpx.ReadTimeout("x"), Action.RETRY),
        ("DELETE", 504, None, Action.RETRY),
        ("GET", 400, None, Action.GIVE_UP),
        ("GET", 404, None, Action.GIVE_UP),
        ("POST", 409, None, Action.GIVE_UP),
        ("GET", None, ValueError("x"), Action.GIVE_UP),
    ],
)
def test_policy_decision_table(method, status, exc, expected):
    policy = RetryPolicy(random=lambda: 0.5, now=lambda: datetime(2026, 1, 1, tzinfo=timezone.utc))
    decision = policy.decide(AttemptOutcome(method=method, attempt=1, status=status, exception=exc))
    assert decision.action is expected


def test_explicit_idempotent_flag_overrides_method_default():
    policy = RetryPolicy(random=lambda: 0.5)
    post = AttemptOutcome(method="POST", attempt=1, status=502, idempotent=True)
    get = AttemptOutcome(method="GET", attempt=1, status=502, idempotent=False)
    assert policy.decide(post).action is Action.RETRY
    assert policy.decide(get).action is Action.OUTCOME_UNKNOWN
