"""Error hierarchy, error contents, 206 partial success, and secret redaction."""

from __future__ import annotations

import logging

import httpx
import pytest

from webex_client import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    LockedError,
    NotFoundError,
    OAuthError,
    PartialContentError,
    PartialSuccess,
    PermissionDeniedError,
    RateLimitedError,
    Secret,
    ServerError,
    ServiceAppToken,
    WebexError,
)
from webex_client._logging import redact

from .conftest import err, ok


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (405, APIStatusError),
        (410, APIStatusError),
    ],
)
def test_status_maps_to_error_class(api, make_client, status, cls):
    api.add("GET", "/v1/people/me", err(status, "boom"))
    with pytest.raises(cls) as info:
        make_client().people.me()
    assert isinstance(info.value, WebexError)
    assert type(info.value) is cls


@pytest.mark.parametrize(("status", "cls"), [(423, LockedError), (429, RateLimitedError), (503, ServerError)])
def test_retryable_statuses_map_to_error_class_when_budget_spent(api, make_client, status, cls):
    api.add("GET", "/v1/people/me", err(status, headers={"Retry-After": "1"}))
    with pytest.raises(cls):
        make_client(max_retries=1).people.me()


def test_error_carries_status_message_errors_tracking_id_method_and_url(api, make_client):
    api.add(
        "PATCH",
        "/v1/licenses/users",
        err(
            400,
            "License not recognized",
            errors=[{"errorCode": 400000, "description": "License not recognized L9"}],
            tracking_id="NA_88b8b4ce",
        ),
    )
    with pytest.raises(BadRequestError) as info:
        make_client().licenses.assign({"email": "a@example.com", "orgId": "O1", "licenses": [{"id": "L9"}]})
    e = info.value
    assert e.status == 400
    assert e.message == "License not recognized"
    assert e.errors[0].error_code == 400000 and "L9" in e.errors[0].description
    assert e.error_codes == [400000]
    assert e.tracking_id == "NA_88b8b4ce"
    assert e.method == "PATCH"
    assert e.url == "https://webexapis.com/v1/licenses/users"
    assert "NA_88b8b4ce" in str(e) and "400000" in str(e)


def test_error_url_includes_query(api, make_client):
    api.add("GET", "/v1/people", err(403, "nope"))
    with pytest.raises(PermissionDeniedError) as info:
        list(make_client().people.list(email="a@example.com"))
    assert "email=a%40example.com" in info.value.url


def test_error_body_without_errors_array(api, make_client):
    api.add(
        "POST",
        "/v1/meetingInvitees/bulkInsert",
        ok({"message": "Some users in the list have been invited.", "trackingId": "f614eb20"}, status=409),
    )
    with pytest.raises(ConflictError) as info:
        make_client().meeting_invitees.bulk_insert("a" * 32, [{"email": "x@example.com"}])
    assert info.value.errors == []
    assert info.value.message == "Some users in the list have been invited."


def test_tracking_id_falls_back_to_response_header_then_request(api, make_client):
    api.add("GET", "/v1/people/me", httpx.Response(404, headers={"Trackingid": "ROUTER_X, ROUTER_X"}))
    api.add("GET", "/v1/licenses", httpx.Response(404))
    client = make_client()
    with pytest.raises(NotFoundError) as info:
        client.people.me()
    assert info.value.tracking_id == "ROUTER_X"
    with pytest.raises(NotFoundError) as info2:
        client.licenses.list()
    assert info2.value.tracking_id.startswith("webexiac_")


def test_oauth_error_shape_raises_oauth_error(api, make_client):
    api.add(
        "POST",
        "/v1/access_token",
        ok(
            {
                "error": "invalid_grant",
                "error_description": "The refresh token provided is expired, revoked, malformed, or invalid",
                "trackingID": "CLIENT_1",
            },
            status=400,
        ),
    )
    with pytest.raises(OAuthError) as info:
        make_client().service_apps.refresh_token(
            client_id="C1", client_secret="client-secret-xyz-123", refresh_token="refresh-token-abc-456"
        )
    assert info.value.error == "invalid_grant"
    assert info.value.tracking_id == "CLIENT_1"
    assert isinstance(info.value, BadRequestError)


def test_206_partial_reports_failed_licenses(api, make_client):
    api.add(
        "PATCH",
        "/v1/licenses/users",
        ok(
            {
                "orgId": "O1",
                "personId": "P1",
                "email": "a@example.com",
                "licenses": ["LIC_A", "LIC_OLD"],
                "siteUrls": [{"siteUrl": "a.webex.com", "accountType": "ATTENDEE"}],
            },
            status=206,
            headers={"Trackingid": "NA_206"},
        ),
    )
    with pytest.raises(PartialContentError) as info:
        make_client().licenses.assign(
            {
                "personId": "P1",
                "licenses": [{"id": "LIC_A"}, {"id": "LIC_B"}, {"id": "LIC_OLD", "operation": "remove"}],
                "siteUrls": [{"siteUrl": "a.webex.com"}, {"siteUrl": "b.webex.com"}],
            }
        )
    e = info.value
    assert isinstance(e, PartialSuccess)
    assert e.status == 206
    assert e.failed_license_ids == ["LIC_B", "LIC_OLD"]
    assert e.failed_site_urls == ["b.webex.com"]
    assert e.result.licenses == ["LIC_A", "LIC_OLD"]
    assert e.tracking_id == "NA_206"
    assert "LIC_B" in str(e)


def test_token_never_appears_in_logs_or_exception_text(api, make_client, caplog):
    client_secret = "client-secret-SHOULD-NOT-LEAK-1"
    integration = "integration-token-SHOULD-NOT-LEAK-2"
    minted = "minted-access-SHOULD-NOT-LEAK-3"
    refresh = "minted-refresh-SHOULD-NOT-LEAK-4"
    api.add(
        "POST",
        "/v1/applications/APP/token",
        ok(
            {
                "access_token": minted,
                "refresh_token": refresh,
                "expires_in": 3600,
                "refresh_token_expires_in": 7776000,
                "token_type": "Bearer",
            }
        ),
    )
    # A hostile error body that echoes credentials back.
    api.add(
        "GET",
        "/v1/people/me",
        err(
            403,
            f"denied for Bearer {minted}",
            errors=[{"description": f'request was {{"access_token": "{minted}", "client_secret": "{client_secret}"}}'}],
        ),
    )
    api.add("GET", "/v1/licenses", httpx.ConnectError)
    source = ServiceAppToken("APP", "C123", client_secret, "ORG", minting_token=integration)
    client = make_client(source, max_retries=1)
    caplog.set_level(logging.DEBUG, logger="webex_client")
    texts = [repr(source), str(source), repr(client)]
    with pytest.raises(PermissionDeniedError) as info:
        client.people.me()
    texts += [str(info.value), repr(info.value), str(info.value.body), str(info.value.errors)]
    with pytest.raises(WebexError) as info2:
        client.licenses.list()
    texts += [str(info2.value), repr(info2.value)]
    logging.getLogger("webex_client").warning("oops %s", {"Authorization": f"Bearer {minted}"})
    texts.append(caplog.text)
    assert caplog.records, "logging must have happened for the check to mean anything"
    joined = "\n".join(texts)
    for secret in (client_secret, integration, minted, refresh):
        assert secret not in joined
    # the secrets really were on the wire
    assert api.requests[0].headers["Authorization"] == f"Bearer {integration}"
    assert client_secret.encode() in api.requests[0].content
    assert api.requests[1].headers["Authorization"] == f"Bearer {minted}"


def test_redact_masks_secret_fields_even_when_unregistered():
    text = (
        'Authorization: Bearer abc.def-ghi {"access_token": "x1", "refresh_token":"y2", '
        '"clientSecret": "z3"} grant_type=refresh_token&client_secret=s4&refresh_token=r5'
    )
    out = redact(text)
    for value in ("abc.def-ghi", '"x1"', '"y2"', '"z3"', "s4", "r5"):
        assert value not in out


def test_secret_wrapper_never_shows_its_value():
    s = Secret("super-secret-value-123")
    assert "super-secret" not in repr(s) and "super-secret" not in str(s) and "super-secret" not in f"{s}"
    assert s.get() == "super-secret-value-123"
    with pytest.raises(TypeError):
        import pickle

        pickle.dumps(s)
