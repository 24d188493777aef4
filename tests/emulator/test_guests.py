"""Guest Management: POST /guests/token and GET /guests/count ([SA] tag Guest Management)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from starlette.testclient import TestClient

from webex_emulator.core import ids

CLIENT_ID = "C0ffee00000000000000000000000000000000000000000000000000000000001"  # sample seed
CLIENT_SECRET = "sample-secret-not-real-0001"
ADA = "ada.admin@acme.example.com"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def service_app(app_client: TestClient) -> dict[str, str]:
    """A Service App access token (sample app, authorized for the sample org)."""
    assert app_client.post(f"/_emulator/service-apps/{CLIENT_ID}/authorize", json={}).status_code == 200
    org_id = app_client.app.state.seed_summary["orgs"][0]["id"]  # type: ignore[attr-defined]
    caller = app_client.post("/_emulator/tokens", json={"email": ADA, "scopes": ["spark:applications_token"]})
    r = app_client.post(
        f"/v1/applications/{ids.application_id(CLIENT_ID)}/token",
        json={"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "targetOrgId": org_id},
        headers=bearer(caller.json()["token"]),
    )
    assert r.status_code == 200, r.text
    return bearer(r.json()["access_token"])


def create_guest(client: TestClient, headers: dict[str, str], subject: str, name: str) -> Any:
    return client.post("/v1/guests/token", json={"subject": subject, "displayName": name}, headers=headers)


def count(client: TestClient, headers: dict[str, str]) -> Any:
    return client.get("/v1/guests/count", headers=headers)


def test_guest_token_creates_a_guest_with_a_working_token(app_client: TestClient, service_app: dict[str, str]) -> None:
    r = create_guest(app_client, service_app, "ExternalGuestIdentifier", "John Doe")
    assert r.status_code == 200, r.text
    guest = r.json()
    person_uuid = ids.decode_uuid(guest["id"], ids.PEOPLE)
    assert person_uuid is not None
    assert guest["email"] == f"{person_uuid}@appid.ciscospark.com"
    assert guest["subject"] == "ExternalGuestIdentifier" and guest["displayName"] == "John Doe"
    assert guest["expiresIn"] == 64799
    assert guest["accessToken"].count(".") == 2  # JWT-shaped
    header = guest["accessToken"].split(".")[0]
    assert b'"JWT"' in base64.urlsafe_b64decode(header + "==")
    expiry = app_client.get("/v1/authorizations/tokenExpiry", headers=bearer(guest["accessToken"]))
    assert expiry.status_code == 200


def test_same_subject_reuses_the_guest_renames_it_and_keeps_old_tokens(
    app_client: TestClient, service_app: dict[str, str]
) -> None:
    first = create_guest(app_client, service_app, "guest-1", "First Name").json()
    second = create_guest(app_client, service_app, "guest-1", "Renamed").json()
    assert second["id"] == first["id"] and second["displayName"] == "Renamed"
    assert second["accessToken"] != first["accessToken"]
    for token in (first["accessToken"], second["accessToken"]):
        assert app_client.get("/v1/authorizations/tokenExpiry", headers=bearer(token)).status_code == 200


def test_guest_count_is_plain_text(app_client: TestClient, service_app: dict[str, str]) -> None:
    r = count(app_client, service_app)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain") and r.text == "0"
    create_guest(app_client, service_app, "a", "A")
    create_guest(app_client, service_app, "b", "B")
    create_guest(app_client, service_app, "a", "A again")
    assert count(app_client, service_app).text == "2"


@pytest.mark.parametrize(
    "payload", [{"subject": "x"}, {"displayName": "x"}, {"subject": "", "displayName": "x"}, {"subject": 5, "displayName": "x"}]
)
def test_guest_token_requires_subject_and_display_name(
    app_client: TestClient, service_app: dict[str, str], payload: dict[str, Any]
) -> None:
    assert app_client.post("/v1/guests/token", json=payload, headers=service_app).status_code == 400


def test_guests_need_a_service_app_token(app_client: TestClient) -> None:
    person = app_client.post("/_emulator/tokens", json={"email": ADA, "scopes": ["guest-issuer:write"]}).json()
    r = create_guest(app_client, bearer(person["token"]), "s", "n")
    assert r.status_code == 403


def test_guest_token_needs_guest_issuer_write_scope(app_client: TestClient) -> None:
    plain = app_client.post(
        "/_emulator/tokens", json={"email": ADA, "scopes": ["guest-issuer:read"], "kind": "service_app", "clientId": CLIENT_ID}
    ).json()
    headers = bearer(plain["token"])
    assert create_guest(app_client, headers, "s", "n").status_code == 403
    assert count(app_client, headers).status_code == 200  # read scope is enough to count
