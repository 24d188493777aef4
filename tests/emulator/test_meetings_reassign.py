"""POST /meetings/reassignHost ([SM] reassignHost)."""

from __future__ import annotations

from starlette.testclient import TestClient

from .test_meetings_api import ADA, ALICE, CLASSIC, NEW_SITE, USER_SCOPES, api, create, mint  # noqa: F401

REASSIGN = "/v1/meetings/reassignHost"
MESSAGING_ONLY = "alice.lopez133@acme.example.com"  # no host license on the new site


def test_reassign_keeps_id_number_and_sip_address_and_changes_only_the_host(api: TestClient) -> None:
    m = create(api, recurrence="FREQ=WEEKLY;BYDAY=TU;COUNT=4", siteUrl=NEW_SITE)
    r = api.post(REASSIGN, json={"hostEmail": ALICE, "meetingIds": [m["id"]]})
    assert r.status_code == 204 and r.content == b""
    after = api.get(f"/v1/meetings/{m['id']}", params={"hostEmail": ALICE}).json()
    assert after["hostEmail"] == ALICE
    assert (after["id"], after["meetingNumber"], after["sipAddress"]) == (m["id"], m["meetingNumber"], m["sipAddress"])


def test_reassign_reports_per_meeting_failures_as_207(api: TestClient) -> None:
    m = create(api, siteUrl=NEW_SITE)
    classic = create(api, siteUrl=CLASSIC)
    r = api.post(REASSIGN, json={"hostEmail": ALICE, "meetingIds": [m["id"], "0" * 32, classic["id"]]})
    assert r.status_code == 207
    assert [(i["meetingId"], i["httpStatus"]) for i in r.json()["items"]] == [
        (m["id"], "200"),
        ("0" * 32, "404"),
        (classic["id"], "400"),
    ]


def test_reassign_uses_the_site_url_header(api: TestClient) -> None:
    classic = create(api, siteUrl=CLASSIC)
    r = api.post(REASSIGN, headers={"siteUrl": CLASSIC}, json={"hostEmail": ALICE, "meetingIds": [classic["id"]]})
    assert r.status_code == 204


def test_reassign_to_someone_without_a_host_license_on_the_site_is_403(api: TestClient) -> None:
    m = create(api, siteUrl=NEW_SITE)
    r = api.post(REASSIGN, json={"hostEmail": MESSAGING_ONLY, "meetingIds": [m["id"]]})
    assert r.status_code == 403
    assert api.get(f"/v1/meetings/{m['id']}").json()["hostEmail"] == ADA


def test_reassign_needs_the_admin_schedule_scope(api: TestClient) -> None:
    m = create(api, siteUrl=NEW_SITE)
    user = mint(api, ADA, USER_SCOPES)
    r = api.post(REASSIGN, headers=user, json={"hostEmail": ALICE, "meetingIds": [m["id"]]})
    assert r.status_code == 403
