"""Token sources: static tokens, Service App minting, proactive refresh, re-mint, 401."""

from __future__ import annotations

import threading
import time
from urllib.parse import parse_qs

import httpx
import pytest

from webex_client import AuthenticationError, ClientSettings, ServiceAppToken, StaticToken, WebexClient
from webex_client.types import Token

from .conftest import TOKEN, FakeClock, err, ok

INTEGRATION = "integration-token-with-applications-scope"
SECRET = "service-app-client-secret-value"


def token_body(n: int, expires_in: int = 3600, refresh_expires_in: int = 7776000) -> dict:
    return {
        "access_token": f"access-token-number-{n}",
        "refresh_token": f"refresh-token-number-{n}",
        "expires_in": expires_in,
        "refresh_token_expires_in": refresh_expires_in,
        "token_type": "Bearer",
    }


def make_source(clock: FakeClock, **kw) -> ServiceAppToken:
    return ServiceAppToken("APPID", "C0ffee", SECRET, "ORGID", minting_token=INTEGRATION, clock=clock.clock, **kw)


def test_static_token_is_sent_as_bearer(api, make_client):
    api.add("GET", "/v1/people/me", ok({"id": "me"}))
    make_client(StaticToken(TOKEN)).people.me()
    assert api.requests[0].headers["Authorization"] == f"Bearer {TOKEN}"


def test_401_with_static_token_is_final(api, make_client):
    api.add("GET", "/v1/people/me", err(401, "Authentication credentials were missing or incorrect."))
    with pytest.raises(AuthenticationError):
        make_client().people.me()
    assert len(api.requests) == 1


def test_service_app_token_minted_on_first_use(api, make_client, fake_clock):
    api.add("POST", "/v1/applications/APPID/token", ok(token_body(1)))
    api.add("GET", "/v1/people/me", ok({"id": "machine"}))
    source = make_source(fake_clock)
    make_client(source).people.me()
    mint, me = api.requests
    assert mint.headers["Authorization"] == f"Bearer {INTEGRATION}"
    import json

    assert json.loads(mint.content) == {"clientId": "C0ffee", "clientSecret": SECRET, "targetOrgId": "ORGID"}
    assert me.headers["Authorization"] == "Bearer access-token-number-1"
    assert source.mint_count == 1


def test_service_app_token_refreshed_before_expiry(api, make_client, fake_clock):
    api.add("POST", "/v1/applications/APPID/token", ok(token_body(1)))
    api.add("POST", "/v1/access_token", ok(token_body(2)))
    api.add("GET", "/v1/people/me", ok({"id": "machine"}))
    source = make_source(fake_clock)
    client = make_client(source, token_refresh_margin_seconds=300)
    client.people.me()
    fake_clock.advance(3600 - 300 - 1)  # still 301 s left: no refresh yet
    client.people.me()
    assert api.calls("POST", "/v1/access_token") == []
    fake_clock.advance(2)  # 299 s left < margin: refresh now, before expiry
    client.people.me()
    (refresh,) = api.calls("POST", "/v1/access_token")
    assert refresh.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert "Authorization" not in refresh.headers
    assert parse_qs(refresh.content.decode()) == {
        "grant_type": ["refresh_token"],
        "client_id": ["C0ffee"],
        "client_secret": [SECRET],
        "refresh_token": ["refresh-token-number-1"],
    }
    assert api.calls("GET")[-1].headers["Authorization"] == "Bearer access-token-number-2"
    assert (source.mint_count, source.refresh_count) == (1, 1)


def test_service_app_token_uses_new_refresh_token_next_time(api, make_client, fake_clock):
    api.add("POST", "/v1/applications/APPID/token", ok(token_body(1)))
    api.add("POST", "/v1/access_token", ok(token_body(2)), ok(token_body(3)))
    api.add("GET", "/v1/people/me", ok({"id": "machine"}))
    client = make_client(make_source(fake_clock))
    for _ in range(3):
        client.people.me()
        fake_clock.advance(3500)
    sent = [parse_qs(r.content.decode())["refresh_token"][0] for r in api.calls("POST", "/v1/access_token")]
    assert sent == ["refresh-token-number-1", "refresh-token-number-2"]


def test_invalid_grant_on_refresh_triggers_remint(api, make_client, fake_clock):
    api.add("POST", "/v1/applications/APPID/token", ok(token_body(1)), ok(token_body(5)))
    api.add(
        "POST",
        "/v1/access_token",
        ok({"error": "invalid_grant", "error_description": "The refresh token provided is expired"}, status=400),
    )
    api.add("GET", "/v1/people/me", ok({"id": "machine"}))
    source = make_source(fake_clock)
    client = make_client(source)
    client.people.me()
    fake_clock.advance(3500)
    client.people.me()
    assert len(api.calls("POST", "/v1/applications/APPID/token")) == 2
    assert api.calls("GET")[-1].headers["Authorization"] == "Bearer access-token-number-5"


def test_expired_refresh_token_is_not_used_and_token_is_reminted(api, make_client, fake_clock):
    api.add("POST", "/v1/applications/APPID/token", ok(token_body(1, refresh_expires_in=4000)), ok(token_body(2)))
    api.add("GET", "/v1/people/me", ok({"id": "machine"}))
    client = make_client(make_source(fake_clock))
    client.people.me()
    fake_clock.advance(3900)
    client.people.me()
    assert api.calls("POST", "/v1/access_token") == []
    assert len(api.calls("POST", "/v1/applications/APPID/token")) == 2


def test_401_triggers_one_token_renewal_and_retry(api, make_client, fake_clock):
    api.add("POST", "/v1/applications/APPID/token", ok(token_body(1)))
    api.add("POST", "/v1/access_token", ok(token_body(2)))
    api.add("GET", "/v1/people/me", err(401), ok({"id": "machine"}))
    client = make_client(make_source(fake_clock))
    assert client.people.me().id == "machine"
    auths = [r.headers["Authorization"] for r in api.calls("GET")]
    assert auths == ["Bearer access-token-number-1", "Bearer access-token-number-2"]


def test_persistent_401_is_raised_after_one_renewal(api, make_client, fake_clock):
    api.add("POST", "/v1/applications/APPID/token", ok(token_body(1)))
    api.add("POST", "/v1/access_token", ok(token_body(2)))
    api.add("GET", "/v1/people/me", err(401))
    with pytest.raises(AuthenticationError):
        make_client(make_source(fake_clock)).people.me()
    assert len(api.calls("GET")) == 2


def test_initial_token_pair_is_used_without_minting(api, make_client, fake_clock):
    api.add("GET", "/v1/people/me", ok({"id": "machine"}))
    source = ServiceAppToken(
        "APPID", "C0ffee", SECRET, "ORGID", initial=Token.model_validate(token_body(9)), clock=fake_clock.clock
    )
    make_client(source).people.me()
    assert api.requests[0].headers["Authorization"] == "Bearer access-token-number-9"


def test_on_token_callback_receives_each_new_pair(api, make_client, fake_clock):
    api.add("POST", "/v1/applications/APPID/token", ok(token_body(1)))
    api.add("GET", "/v1/people/me", ok({"id": "machine"}))
    seen: list[Token] = []
    make_client(make_source(fake_clock, on_token=seen.append)).people.me()
    assert [t.access_token.get_secret_value() for t in seen] == ["access-token-number-1"]


def test_concurrent_callers_share_one_mint():
    mints = []
    lock = threading.Lock()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            with lock:
                mints.append(request)
            time.sleep(0.05)  # make the race window real
            return ok(token_body(1))
        return ok({"id": "machine"})

    source = ServiceAppToken("APPID", "C0ffee", SECRET, "ORGID", minting_token=INTEGRATION)
    client = WebexClient(
        source, settings=ClientSettings(max_concurrency=4, requests_per_second=0), transport=httpx.MockTransport(handler)
    )
    results = client.map_concurrent(lambda _: client.people.me(), range(8), max_workers=8)
    assert all(r.ok for r in results)
    assert len(mints) == 1


def test_refresh_cannot_deadlock_when_all_slots_are_waiting_for_the_token():
    """max_concurrency=1 and many workers: the renewal still gets a slot."""
    clock = FakeClock()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return ok(token_body(1))
        return ok({"id": "machine"})

    source = ServiceAppToken("APPID", "C0ffee", SECRET, "ORGID", minting_token=INTEGRATION, clock=clock.clock)
    client = WebexClient(
        source, settings=ClientSettings(max_concurrency=1, requests_per_second=0), transport=httpx.MockTransport(handler)
    )
    results = client.map_concurrent(lambda _: client.people.me(), range(6), max_workers=6)
    assert all(r.ok for r in results)


def test_unbound_service_app_token_explains_itself():
    with pytest.raises(RuntimeError, match="not bound"):
        ServiceAppToken("APPID", "C0ffee", SECRET, "ORGID", minting_token=INTEGRATION).get_token()
