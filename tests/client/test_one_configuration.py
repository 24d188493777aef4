"""One configuration (issue 16): per-call options share the transport and throttle, one token
variable (the old one still read, with a warning), credentials live in ClientSettings."""

from __future__ import annotations

import warnings

import pytest

from webex_client import ClientSettings, ServiceAppToken, WebexClient, token_from_env

from .conftest import TOKEN, err, ok

ME = {"id": "me", "emails": ["admin@acme.example"], "orgId": "org"}


def test_with_options_shares_the_pool_and_throttle_and_changes_only_the_options(make_client, api):
    client = make_client(max_retries=3)
    quick = client.with_options(max_retries=0, timeout=7)
    assert quick._http is client._http and quick.throttle is client.throttle
    assert quick.people.me.__self__._client is quick  # resources are bound to the copy
    assert (quick.settings.max_retries, quick.settings.timeout_seconds) == (0, 7)
    assert client.settings.max_retries == 3 and client.settings.timeout_seconds != 7
    api.add("GET", "/v1/people/me", err(503))
    with pytest.raises(Exception):
        quick.people.me()
    assert len(api.calls("GET", "/v1/people/me")) == 1  # no retry on the copy
    assert api.requests[-1].extensions["timeout"]["read"] == 7
    with pytest.raises(Exception):
        client.people.me()
    assert len(api.calls("GET", "/v1/people/me")) == 1 + 4  # the original keeps its 3 retries
    assert api.requests[-1].extensions["timeout"]["read"] != 7


def test_closing_a_with_options_copy_leaves_the_original_usable(make_client, api):
    client = make_client()
    client.with_options(max_retries=0).close()
    api.add("GET", "/v1/people/me", ok(ME))
    assert client.people.me().id == "me"


def test_with_options_token_sends_the_other_bearer_over_the_same_transport(make_client, api):
    client = make_client()
    api.add("GET", "/v1/people/me", ok(ME))
    client.with_options(token="app-token").people.me()
    client.people.me()
    assert [r.headers["Authorization"] for r in api.requests] == ["Bearer app-token", f"Bearer {TOKEN}"]


def test_with_options_rejects_invalid_values(make_client):
    with pytest.raises(ValueError):
        make_client().with_options(max_retries=-1)


def test_the_token_variable_is_webex_access_token_and_webex_token_is_deprecated():
    assert token_from_env({"WEBEX_ACCESS_TOKEN": "a", "WEBEX_TOKEN": "b"}) == ("a", "WEBEX_ACCESS_TOKEN")
    with pytest.warns(FutureWarning, match="WEBEX_TOKEN is deprecated.*WEBEX_ACCESS_TOKEN"):
        assert token_from_env({"WEBEX_TOKEN": "b"}) == ("b", "WEBEX_TOKEN")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert token_from_env({}) == (None, None)


def test_credentials_are_settings_fields_and_secrets_never_leave_them():
    s = ClientSettings.from_config(
        {
            "webex:token": "tok-secret",
            "webex:orgId": "org",
            "webex:mintingToken": "mint-secret",
            "webex:serviceAppClientSecret": "cs-secret",
        }
    )
    assert (s.token, s.org_id) == ("tok-secret", "org")
    for text in (repr(s), str(s.model_dump()), str(s.to_config())):
        assert "secret" not in text
    assert s.to_config()["webex:orgId"] == "org"
    assert s.token_source() == "tok-secret"


def test_a_service_app_in_settings_becomes_the_client_credentials_or_names_its_missing_keys():
    app = ClientSettings(
        service_app_id="app", service_app_client_id="cid", service_app_client_secret="cs", minting_token="mint", org_id="org"
    )
    assert isinstance(app.token_source(), ServiceAppToken)
    assert isinstance(WebexClient(settings=app).token_source, ServiceAppToken)
    with pytest.raises(ValueError, match="webex:serviceAppClientSecret, webex:mintingToken"):
        ClientSettings(service_app_id="app", service_app_client_id="cid", org_id="org").token_source()
