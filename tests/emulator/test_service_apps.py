"""Service App tokens, the OAuth refresh grant and /authorizations ([SA] tags Service Apps, Authorizations; docs/webex-behaviour.md "Tokens and OAuth")."""

from __future__ import annotations

import time
from typing import Any

import pytest
from starlette.testclient import TestClient

from webex_emulator.core import ids

CLIENT_ID = "C0ffee00000000000000000000000000000000000000000000000000000000001"  # sample seed
CLIENT_SECRET = "sample-secret-not-real-0001"
APP_ID = ids.application_id(CLIENT_ID)
ADA = "ada.admin@acme.example.com"
NOT_AUTHORIZED = "Insufficient permissions or Service App not authorized by Full Admin in Control Hub"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def mint(client: TestClient, email: str, scopes: list[str], **kw: Any) -> dict[str, str]:
    r = client.post("/_emulator/tokens", json={"email": email, "scopes": scopes, **kw})
    assert r.status_code == 200, r.text
    return bearer(r.json()["token"])


@pytest.fixture
def org_id(app_client: TestClient) -> str:
    return str(app_client.app.state.seed_summary["orgs"][0]["id"])  # type: ignore[attr-defined]


@pytest.fixture
def integration(app_client: TestClient) -> dict[str, str]:
    """An integration token that may fetch Service App tokens."""
    return mint(app_client, ADA, ["spark:applications_token"], kind="integration", clientId="Cintegration")


def authorize(client: TestClient) -> None:
    r = client.post(f"/_emulator/service-apps/{CLIENT_ID}/authorize", json={})
    assert r.status_code == 200, r.text


def request_token(client: TestClient, headers: dict[str, str], org: str, **override: Any) -> Any:
    body = {"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "targetOrgId": org, **override}
    return client.post(f"/v1/applications/{APP_ID}/token", json=body, headers=headers)


def refresh(client: TestClient, refresh_token: str, secret: str = CLIENT_SECRET) -> Any:
    return client.post(
        "/v1/access_token",
        data={"grant_type": "refresh_token", "client_id": CLIENT_ID, "client_secret": secret, "refresh_token": refresh_token},
    )


def clock(client: TestClient) -> Any:
    return client.app.runtime.state.clock  # type: ignore[attr-defined]


def test_service_app_token_forbidden_until_authorized(app_client: TestClient, integration: dict[str, str], org_id: str) -> None:
    r = request_token(app_client, integration, org_id)
    assert r.status_code == 403
    assert r.json()["message"] == NOT_AUTHORIZED and r.json()["trackingId"]
    authorize(app_client)
    r = request_token(app_client, integration, org_id)
    assert r.status_code == 200, r.text
    tokens = r.json()
    assert set(tokens) == {"access_token", "expires_in", "refresh_token", "refresh_token_expires_in", "token_type"}
    assert tokens["token_type"] == "Bearer"
    assert (tokens["expires_in"], tokens["refresh_token_expires_in"]) == (3600, 7_776_000)


def test_service_app_token_works_with_the_apps_scopes(app_client: TestClient, integration: dict[str, str], org_id: str) -> None:
    authorize(app_client)
    access = bearer(request_token(app_client, integration, org_id).json()["access_token"])
    people = app_client.get("/v1/people", params={"email": ADA}, headers=access)
    assert people.status_code == 200 and people.json()["items"][0]["emails"] == [ADA]
    # Not among the app's scopes:
    assert app_client.get("/v1/authorizations", params={"personEmail": ADA}, headers=access).status_code == 403


def test_service_app_token_needs_applications_token_scope(app_client: TestClient, org_id: str) -> None:
    authorize(app_client)
    plain = mint(app_client, ADA, ["spark:people_read"])
    assert request_token(app_client, plain, org_id).status_code == 403


@pytest.mark.parametrize(
    ("override", "description"),
    [
        ({"clientSecret": None}, "clientSecret is required"),
        ({"targetOrgId": ""}, "targetOrgId is required"),
        ({"clientSecret": "wrong"}, "clientId or clientSecret is invalid"),
        ({"clientId": "Cother"}, "clientId or clientSecret is invalid"),
    ],
)
def test_service_app_token_rejects_bad_credentials(
    app_client: TestClient, integration: dict[str, str], org_id: str, override: dict[str, Any], description: str
) -> None:
    authorize(app_client)
    r = request_token(app_client, integration, org_id, **override)
    assert r.status_code == 400
    assert r.json()["message"] == "Invalid client credentials"
    assert r.json()["errors"] == [{"description": description}]


def test_unknown_service_app_is_not_found(app_client: TestClient, integration: dict[str, str], org_id: str) -> None:
    r = app_client.post(
        f"/v1/applications/{ids.application_id('Cunknown')}/token",
        headers=integration,
        json={"clientId": "Cunknown", "clientSecret": "x", "targetOrgId": org_id},
    )
    assert r.status_code == 404 and r.json()["message"] == "Service App not found"


def test_service_app_token_for_an_org_that_did_not_authorize_is_forbidden(
    app_client: TestClient, integration: dict[str, str]
) -> None:
    authorize(app_client)
    other_org = ids.org_id(ids.stable_uuid("org", "not-acme"))
    assert request_token(app_client, integration, other_org).status_code == 403


def test_refresh_grant_issues_a_new_access_token(app_client: TestClient, integration: dict[str, str], org_id: str) -> None:
    authorize(app_client)
    first = request_token(app_client, integration, org_id).json()
    r = refresh(app_client, first["refresh_token"])
    assert r.status_code == 200, r.text
    renewed = r.json()
    assert renewed["access_token"] != first["access_token"]
    assert renewed["refresh_token"] == first["refresh_token"] and renewed["token_type"] == "Bearer"
    assert "meeting:admin_schedule_write" in renewed["scope"].split()
    assert app_client.get("/v1/people", params={"email": ADA}, headers=bearer(renewed["access_token"])).status_code == 200


@pytest.mark.parametrize("bad", ["not-a-refresh-token", "access"])
def test_refresh_grant_rejects_invalid_refresh_tokens(
    app_client: TestClient, integration: dict[str, str], org_id: str, bad: str
) -> None:
    authorize(app_client)
    tokens = request_token(app_client, integration, org_id).json()
    r = refresh(app_client, tokens["access_token"] if bad == "access" else bad)
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_grant"
    assert r.json()["error_description"] == "The refresh token provided is expired, revoked, malformed, or invalid."
    assert r.json()["trackingID"].startswith("CLIENT_")


def test_refresh_grant_rejects_wrong_client_secret(app_client: TestClient, integration: dict[str, str], org_id: str) -> None:
    authorize(app_client)
    tokens = request_token(app_client, integration, org_id).json()
    r = refresh(app_client, tokens["refresh_token"], secret="wrong")
    assert r.status_code == 400 and r.json()["error"] == "invalid_client"


def test_refresh_grant_needs_form_encoding_and_known_grant(app_client: TestClient) -> None:
    r = app_client.post("/v1/access_token", json={"grant_type": "refresh_token"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    r = app_client.post("/v1/access_token", data={"grant_type": "client_credentials"})
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"


def test_expired_refresh_token_is_an_invalid_grant(app_client: TestClient, integration: dict[str, str], org_id: str) -> None:
    authorize(app_client)
    assert app_client.put("/_emulator/token-lifetimes", json={"serviceAppRefreshToken": 60}).status_code == 200
    tokens = request_token(app_client, integration, org_id).json()
    assert tokens["refresh_token_expires_in"] == 60
    clock(app_client).set(advance_seconds=61)
    r = refresh(app_client, tokens["refresh_token"])
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_token_lifetime_is_configurable_so_a_token_can_be_near_expiry(
    app_client: TestClient, integration: dict[str, str], org_id: str
) -> None:
    authorize(app_client)
    app_client.put("/_emulator/token-lifetimes", json={"serviceAppAccessToken": 120})
    clock(app_client).set(frozen_at=clock(app_client).now())
    tokens = request_token(app_client, integration, org_id).json()
    assert tokens["expires_in"] == 120
    access = bearer(tokens["access_token"])
    exp = app_client.get("/v1/authorizations/tokenExpiry", headers=access).json()["exp"]
    assert exp == int((clock(app_client).time() + 120) * 1000)
    clock(app_client).set(advance_seconds=121)
    assert app_client.get("/v1/authorizations/tokenExpiry", headers=access).status_code == 401
    # ...and the refresh grant gets a working one again.
    renewed = refresh(app_client, tokens["refresh_token"]).json()
    assert app_client.get("/v1/authorizations/tokenExpiry", headers=bearer(renewed["access_token"])).status_code == 200
    assert app_client.delete("/_emulator/token-lifetimes").json()["tokenLifetimes"]["serviceAppAccessToken"] == 3600


def test_revoking_the_client_authorization_revokes_its_tokens(
    app_client: TestClient, integration: dict[str, str], org_id: str
) -> None:
    authorize(app_client)
    tokens = request_token(app_client, integration, org_id).json()
    r = app_client.delete("/v1/authorizations", params={"clientId": CLIENT_ID, "orgId": org_id})
    assert r.status_code == 204 and r.content == b""
    assert app_client.get("/v1/authorizations/tokenExpiry", headers=bearer(tokens["access_token"])).status_code == 401
    assert refresh(app_client, tokens["refresh_token"]).json()["error"] == "invalid_grant"
    assert request_token(app_client, integration, org_id).status_code == 403  # de-authorized


def test_authorizations_list_the_machine_accounts_tokens(
    app_client: TestClient, integration: dict[str, str], org_id: str
) -> None:
    authorize(app_client)
    request_token(app_client, integration, org_id)
    machine = ids.person_id(
        ids.stable_uuid("service-app-machine-account", CLIENT_ID, ids.decode_uuid(org_id, ids.ORGANIZATION) or "")
    )
    r = app_client.get("/v1/authorizations", params={"personId": machine})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert sorted(i["type"] for i in items) == ["access", "refresh"]
    assert {i["clientId"] for i in items} == {CLIENT_ID}
    assert {i["applicationName"] for i in items} == {"webex-iac migration"}
    assert {i["applicationId"] for i in items} == {APP_ID}
    assert "link" not in r.headers  # not paginated


def test_authorizations_delete_by_id_revokes_that_token(app_client: TestClient) -> None:
    headers = mint(app_client, ADA, ["spark:people_read"])
    items = app_client.get("/v1/authorizations", params={"personEmail": ADA}).json()["items"]
    items = [i for i in items if i["applicationName"] != "Integration"]  # the seeded dev-stack tokens
    assert [i["applicationName"] for i in items] == ["Developer Portal"]
    assert app_client.get("/v1/people/me", headers=headers).status_code == 200
    assert app_client.delete(f"/v1/authorizations/{items[0]['id']}").status_code == 204
    assert app_client.get("/v1/people/me", headers=headers).status_code == 401
    assert app_client.delete(f"/v1/authorizations/{items[0]['id']}").status_code == 404


def test_authorizations_need_exactly_one_person_selector(app_client: TestClient) -> None:
    assert app_client.get("/v1/authorizations").status_code == 400
    person = app_client.get("/v1/people", params={"email": ADA}).json()["items"][0]["id"]
    both = app_client.get("/v1/authorizations", params={"personId": person, "personEmail": ADA})
    assert both.status_code == 400


def test_authorizations_need_token_admin_scope(app_client: TestClient) -> None:
    headers = mint(app_client, ADA, ["spark:people_read"])
    assert app_client.get("/v1/authorizations", params={"personEmail": ADA}, headers=headers).status_code == 403


def test_token_expiry_reports_epoch_milliseconds(app_client: TestClient) -> None:
    headers = mint(app_client, ADA, [], expiresIn=600)
    before = time.time()
    exp = app_client.get("/v1/authorizations/tokenExpiry", headers=headers).json()["exp"]
    assert isinstance(exp, int) and (before + 590) * 1000 < exp < (before + 610 + 5) * 1000
