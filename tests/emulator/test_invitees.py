"""/meetingInvitees over HTTP ([SM] tag Invitees)."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

import pytest
from starlette.testclient import TestClient

ADA = "ada.admin@acme.example.com"
ALICE = "alice.anders1@acme.example.com"  # host license on both sites: may be a cohost
BRUNO = "bruno.anders2@acme.example.com"
EXTERNAL = "guest.person@partner.example.org"  # not a Webex user of the org
NOW = datetime(2031, 3, 3, 8, 0, tzinfo=timezone.utc)
USER_SCOPES = ["meeting:schedules_read", "meeting:schedules_write"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def mint(client: TestClient, email: str, scopes: list[str]) -> dict[str, str]:
    r = client.post("/_emulator/tokens", json={"email": email, "scopes": scopes})
    assert r.status_code == 200, r.text
    return bearer(r.json()["token"])


@pytest.fixture
def api(app_client: TestClient) -> TestClient:
    app_client.app.runtime.state.clock.set(frozen_at=NOW)  # type: ignore[attr-defined]
    return app_client


@pytest.fixture
def meeting(api: TestClient) -> dict[str, Any]:
    r = api.post(
        "/v1/meetings",
        json={
            "title": "Invitee tests",
            "start": "2031-03-04T10:00:00Z",
            "end": "2031-03-04T11:00:00Z",
            "recurrence": "FREQ=DAILY;COUNT=3",
            "siteUrl": "acme.webex.com",
        },
    )
    assert r.status_code == 200, r.text
    return r.json()


def invite(api: TestClient, meeting_id: str, email: str, **kw: Any) -> Any:
    return api.post("/v1/meetingInvitees", json={"meetingId": meeting_id, "email": email, **kw})


def test_invitee_id_is_meeting_id_plus_number(api: TestClient, meeting: dict[str, Any]) -> None:
    r = invite(api, meeting["id"], BRUNO, sendEmail=False)
    assert r.status_code == 200, r.text
    inv = r.json()
    assert re.fullmatch(rf"{meeting['id']}_\d+", inv["id"])
    assert inv == {
        "id": inv["id"],
        "email": BRUNO,
        "displayName": "Bruno Anders",
        "coHost": False,
        "meetingId": meeting["id"],
        "panelist": False,
    }


def test_external_invitee_display_name_defaults_to_email(api: TestClient, meeting: dict[str, Any]) -> None:
    assert invite(api, meeting["id"], EXTERNAL).json()["displayName"] == EXTERNAL


def test_duplicate_invitee_is_a_409_with_spec_message(api: TestClient, meeting: dict[str, Any]) -> None:
    assert invite(api, meeting["id"], BRUNO).status_code == 200
    r = invite(api, meeting["id"], BRUNO.upper())
    assert r.status_code == 409
    assert r.json()["message"] == "User is already a meeting invitee."
    assert r.json()["errors"] == [{"description": "User is already a meeting invitee."}]


def test_series_invitee_is_already_invited_to_each_occurrence(api: TestClient, meeting: dict[str, Any]) -> None:
    invite(api, meeting["id"], BRUNO)
    occurrence = f"{meeting['id']}_20310305T100000Z"
    assert invite(api, occurrence, BRUNO).status_code == 409
    assert invite(api, occurrence, EXTERNAL).status_code == 200
    listed = api.get("/v1/meetingInvitees", params={"meetingId": occurrence}).json()["items"]
    assert [i["email"] for i in listed] == [BRUNO, EXTERNAL]
    series = api.get("/v1/meetingInvitees", params={"meetingId": meeting["id"]}).json()["items"]
    assert [i["email"] for i in series] == [BRUNO]


def test_cohost_needs_a_host_account_on_the_site(api: TestClient, meeting: dict[str, Any]) -> None:
    assert invite(api, meeting["id"], ALICE, coHost=True).json()["coHost"] is True
    # An external person is invited, but as a non-cohost ([SM] createMeeting invitees).
    assert invite(api, meeting["id"], EXTERNAL, coHost=True).json()["coHost"] is False


def test_invitees_are_listed_sorted_by_email_with_paging(api: TestClient, meeting: dict[str, Any]) -> None:
    emails = [f"person{i:02d}@partner.example.org" for i in range(12, 0, -1)]
    for email in emails:
        assert invite(api, meeting["id"], email).status_code == 200
    first = api.get("/v1/meetingInvitees", params={"meetingId": meeting["id"]})
    assert [i["email"] for i in first.json()["items"]] == sorted(emails)[:10]
    link = first.headers["link"]
    assert "meetingId=" in link and link.endswith('rel="next"')
    second = api.get(link[1 : link.index(">")].replace("http://testserver", ""))
    assert [i["email"] for i in second.json()["items"]] == sorted(emails)[10:]
    assert "link" not in second.headers


def test_list_invitees_needs_meeting_id(api: TestClient) -> None:
    assert api.get("/v1/meetingInvitees").status_code == 400


def test_put_invitee_replaces_fields_and_detects_duplicates(api: TestClient, meeting: dict[str, Any]) -> None:
    a = invite(api, meeting["id"], ALICE, coHost=True, displayName="Alice A.").json()
    invite(api, meeting["id"], BRUNO)
    r = api.put(f"/v1/meetingInvitees/{a['id']}", json={"email": ALICE})
    assert r.status_code == 200, r.text
    assert r.json()["coHost"] is False and r.json()["displayName"] == "Alice Anders"
    clash = api.put(f"/v1/meetingInvitees/{a['id']}", json={"email": BRUNO})
    assert clash.status_code == 409 and clash.json()["message"] == "User is already a meeting invitee."
    assert api.put(f"/v1/meetingInvitees/{a['id']}", json={"coHost": True}).status_code == 400


def test_get_and_delete_invitee(api: TestClient, meeting: dict[str, Any]) -> None:
    inv = invite(api, meeting["id"], BRUNO).json()
    assert api.get(f"/v1/meetingInvitees/{inv['id']}").json() == inv
    r = api.delete(f"/v1/meetingInvitees/{inv['id']}", params={"sendEmail": "false"})
    assert r.status_code == 204 and r.content == b""
    assert api.get(f"/v1/meetingInvitees/{inv['id']}").status_code == 404


def test_bulk_insert_is_all_or_nothing_on_duplicates(api: TestClient, meeting: dict[str, Any]) -> None:
    invite(api, meeting["id"], BRUNO)
    r = api.post(
        "/v1/meetingInvitees/bulkInsert", json={"meetingId": meeting["id"], "items": [{"email": EXTERNAL}, {"email": BRUNO}]}
    )
    assert r.status_code == 409
    assert r.json()["message"] == "Some users in the list have been invited." and "errors" not in r.json()
    listed = api.get("/v1/meetingInvitees", params={"meetingId": meeting["id"]}).json()["items"]
    assert [i["email"] for i in listed] == [BRUNO]
    ok = api.post(
        "/v1/meetingInvitees/bulkInsert",
        json={"meetingId": meeting["id"], "items": [{"email": EXTERNAL, "panelist": False}, {"email": ALICE, "coHost": True}]},
    )
    assert ok.status_code == 200, ok.text
    assert [(i["email"], i["coHost"]) for i in ok.json()["items"]] == [(EXTERNAL, False), (ALICE, True)]


def test_only_the_host_manages_invitees(api: TestClient, meeting: dict[str, Any]) -> None:
    bruno = mint(api, BRUNO, USER_SCOPES)
    r = api.post("/v1/meetingInvitees", json={"meetingId": meeting["id"], "email": EXTERNAL}, headers=bruno)
    assert r.status_code == 404  # Bruno cannot even see the meeting


def test_invitees_go_with_a_deleted_meeting(api: TestClient, meeting: dict[str, Any]) -> None:
    inv = invite(api, meeting["id"], BRUNO).json()
    assert api.delete(f"/v1/meetings/{meeting['id']}").status_code == 204
    assert api.get(f"/v1/meetingInvitees/{inv['id']}").status_code == 404


def test_create_meeting_with_invitees(api: TestClient) -> None:
    r = api.post(
        "/v1/meetings",
        json={
            "title": "With invitees",
            "start": "2031-03-04T10:00:00Z",
            "end": "2031-03-04T11:00:00Z",
            "invitees": [{"email": BRUNO, "displayName": "B."}, {"email": ALICE, "coHost": True}],
        },
    )
    assert r.status_code == 200, r.text
    listed = api.get("/v1/meetingInvitees", params={"meetingId": r.json()["id"]}).json()["items"]
    assert [(i["email"], i["displayName"], i["coHost"]) for i in listed] == [(ALICE, "Alice Anders", True), (BRUNO, "B.", False)]
