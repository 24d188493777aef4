"""/meetings over HTTP against the sample org ([SM] tag Meetings; docs/webex-behaviour.md "Migration to Improved Space Meetings")."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from starlette.testclient import TestClient

ADA = "ada.admin@acme.example.com"  # full admin, licensed on both sites
ALICE = "alice.anders1@acme.example.com"  # licensed on both sites
BRUNO = "bruno.anders2@acme.example.com"
CLASSIC = "acme-classic.webex.com"
NEW_SITE = "acme.webex.com"
USER_SCOPES = ["meeting:schedules_read", "meeting:schedules_write"]
INVALID_INPUT = "The input parameters contain invalid items."
# Frozen emulator time for these tests: a Monday, 08:00:30 UTC, in the future of the seed.
NOW = datetime(2031, 3, 3, 8, 0, 30, tzinfo=timezone.utc)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def mint(client: TestClient, email: str, scopes: list[str], **kw: Any) -> dict[str, str]:
    r = client.post("/_emulator/tokens", json={"email": email, "scopes": scopes, **kw})
    assert r.status_code == 200, r.text
    return bearer(r.json()["token"])


def ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def body(start: datetime | None = None, minutes: int = 60, **extra: Any) -> dict[str, Any]:
    start = start or NOW + timedelta(days=1, hours=2)
    return {"title": "Design review", "start": ts(start), "end": ts(start + timedelta(minutes=minutes)), **extra}


@pytest.fixture
def api(app_client: TestClient) -> TestClient:
    app_client.app.runtime.state.clock.set(frozen_at=NOW)  # type: ignore[attr-defined]
    return app_client


def create(api: TestClient, headers: dict[str, str] | None = None, **kw: Any) -> dict[str, Any]:
    r = api.post("/v1/meetings", json=body(**kw), headers=headers or {})
    assert r.status_code == 200, r.text
    return r.json()


def assert_invalid(r: Any, fragment: str, status: int = 400) -> None:
    assert r.status_code == status, r.text
    data = r.json()
    assert data["trackingId"] and data["errors"], data
    assert fragment in data["errors"][0]["description"], data


# -- create ------------------------------------------------------------------------------------


def test_create_meeting_returns_series_with_generated_identifiers(api: TestClient) -> None:
    m = create(api, siteUrl=CLASSIC)
    assert re.fullmatch(r"[0-9a-f]{32}", m["id"])
    assert m["meetingType"] == "meetingSeries" and m["state"] == "active"
    assert re.fullmatch(r"\d{10}", m["meetingNumber"])
    assert m["sipAddress"] == f"{m['meetingNumber']}@{CLASSIC}"
    assert m["webLink"].startswith(f"https://{CLASSIC}/") and "MTID=m" in m["webLink"]
    assert re.fullmatch(r"\d{6}", m["hostKey"])
    assert re.fullmatch(r"\d{8}", m["phoneAndVideoSystemPassword"])
    assert m["telephony"]["accessCode"] == m["meetingNumber"]
    assert m["hostEmail"] == ADA and m["siteUrl"] == CLASSIC
    assert "recurrence" not in m
    assert m["start"] == "2031-03-04T10:00:00.000Z" and m["end"] == "2031-03-04T11:00:00.000Z"


def test_generated_meeting_passwords_are_strong_and_distinct(api: TestClient) -> None:
    passwords = {create(api)["password"] for _ in range(5)}
    assert len(passwords) == 5
    for password in passwords:
        assert len(password) >= 8
        assert re.search(r"[A-Z]", password) and re.search(r"[a-z]", password)
        assert len(re.findall(r"\d", password)) >= 2 and re.search(r"[^A-Za-z0-9]", password)


def test_default_site_is_the_hosts_preferred_site(api: TestClient) -> None:
    assert create(api)["siteUrl"] == NEW_SITE  # Ada's preferredSite


def test_meeting_start_in_the_past_is_rejected(api: TestClient) -> None:
    r = api.post("/v1/meetings", json=body(NOW - timedelta(minutes=5)))
    assert_invalid(r, "before current time")
    assert r.json()["message"] == INVALID_INPUT


def test_start_within_current_minute_moves_to_next_minute(api: TestClient) -> None:
    m = create(api, start=NOW + timedelta(seconds=10))
    assert m["start"] == "2031-03-03T08:01:00.000Z"


@pytest.mark.parametrize(("minutes", "status"), [(9, 400), (10, 200), (23 * 60 + 59, 200), (24 * 60, 400)])
def test_meeting_duration_must_be_between_10_minutes_and_23h59(api: TestClient, minutes: int, status: int) -> None:
    r = api.post("/v1/meetings", json=body(minutes=minutes))
    assert r.status_code == status, r.text


def test_recurrence_is_normalised_like_the_spec_example(api: TestClient) -> None:
    m = create(api, recurrence="FREQ=DAILY;INTERVAL=1;COUNT=10")
    assert m["recurrence"] == "FREQ=DAILY;COUNT=10;INTERVAL=1"


def test_monthly_recurrence_keeps_first_day_only(api: TestClient) -> None:
    m = create(api, recurrence="FREQ=MONTHLY;INTERVAL=1;COUNT=10;BYMONTHDAY=10,11,12")
    assert m["recurrence"] == "FREQ=MONTHLY;COUNT=10;INTERVAL=1;BYMONTHDAY=10"
    assert m["start"].startswith("2031-03-10T")  # the first occurrence on the 10th


def test_bounded_recurrence_is_truncated_to_webex_limits(api: TestClient) -> None:
    m = create(api, recurrence="FREQ=WEEKLY;COUNT=999;BYDAY=TU")
    assert m["recurrence"] == "FREQ=WEEKLY;COUNT=261;INTERVAL=1;BYDAY=TU"


@pytest.mark.parametrize("rule", ["FREQ=HOURLY;COUNT=2", "FREQ=DAILY;COUNT=2;UNTIL=20310401T000000Z", "BYDAY=MO", "nonsense"])
def test_invalid_recurrence_is_a_400_webex_error(api: TestClient, rule: str) -> None:
    assert_invalid(api.post("/v1/meetings", json=body(recurrence=rule)), "Invalid recurrence rule")


def test_weak_meeting_password_is_rejected_with_spec_message(api: TestClient) -> None:
    r = api.post("/v1/meetings", json=body(password="bgjep@43"))
    assert_invalid(r, "A mix of uppercase and lowercase letters (A, a, B, b, C, c, etc.) is required.")


def test_spec_example_password_is_accepted(api: TestClient) -> None:
    assert create(api, password="BgJep@43")["password"] == "BgJep@43"


@pytest.mark.parametrize(
    "extra",
    [
        {"title": ""},
        {"title": "x" * 129},
        {"enabledJoinBeforeHost": "yes"},
        {"joinBeforeHostMinutes": 7},
        {"unlockedMeetingJoinSecurity": "sometimes"},
        {"timezone": "Mars/Olympus"},
        {"integrationTags": ["a", "b", "c", "d"]},
    ],
)
def test_invalid_meeting_fields_are_rejected(api: TestClient, extra: dict[str, Any]) -> None:
    r = api.post("/v1/meetings", json=body(**extra))
    assert r.status_code == 400, r.text


def test_host_without_site_license_cannot_schedule(app_client: TestClient, api: TestClient) -> None:
    host = app_client.app.state.seed_summary["orgs"][0]["spaceMeetingHosts"][0]  # type: ignore[attr-defined]
    headers = mint(api, host, USER_SCOPES)
    r = api.post("/v1/meetings", json=body(siteUrl=NEW_SITE), headers=headers)
    assert r.status_code == 403, r.text
    assert "meeting license" in r.json()["errors"][0]["description"]
    # The same user holds a classic-site license and may host there.
    assert api.post("/v1/meetings", json=body(siteUrl=CLASSIC), headers=headers).status_code == 200


def test_admin_schedules_on_behalf_of_a_licensed_host(api: TestClient) -> None:
    headers = mint(api, ADA, ["meeting:admin_schedule_write", "meeting:admin_schedule_read"])
    m = create(api, headers, hostEmail=ALICE, siteUrl=NEW_SITE)
    assert m["hostEmail"] == ALICE
    r = api.get(f"/v1/meetings/{m['id']}", params={"hostEmail": ALICE}, headers=headers)
    assert r.status_code == 200 and r.json()["id"] == m["id"]


def test_on_behalf_of_needs_admin_scope(api: TestClient) -> None:
    headers = mint(api, ADA, USER_SCOPES)
    r = api.post("/v1/meetings", json=body(hostEmail=ALICE), headers=headers)
    assert r.status_code == 403


def test_on_behalf_of_host_still_needs_the_site_license(app_client: TestClient, api: TestClient) -> None:
    host = app_client.app.state.seed_summary["orgs"][0]["spaceMeetingHosts"][1]  # type: ignore[attr-defined]
    r = api.post("/v1/meetings", json=body(hostEmail=host, siteUrl=NEW_SITE))
    assert r.status_code == 403


def test_unknown_site_is_rejected(api: TestClient) -> None:
    assert api.post("/v1/meetings", json=body(siteUrl="nowhere.webex.com")).status_code == 400


def test_space_meeting_needs_spark_all(api: TestClient) -> None:
    room = "Y2lzY29zcGFyazovL3VzL1JPT00vNDMzZjk0ZjAtOTZhNi0xMWViLWJhOTctOTU3OTNjZDhiY2Q2"
    without = mint(api, ALICE, USER_SCOPES)
    assert api.post("/v1/meetings", json=body(roomId=room), headers=without).status_code == 403
    with_all = mint(api, ALICE, [*USER_SCOPES, "spark:all"])
    m = create(api, with_all, roomId=room)
    assert m["roomId"] == room
    listed = api.get("/v1/meetings", params={"roomId": room}, headers=with_all).json()["items"]
    assert [x["id"] for x in listed] == [m["id"]]


# -- read / list -------------------------------------------------------------------------------


def test_get_meeting_current_defaults_to_whole_series(api: TestClient) -> None:
    m = create(api, start=NOW - timedelta(days=0) + timedelta(hours=3), recurrence="FREQ=DAILY;COUNT=5")
    api.app.runtime.state.clock.set(frozen_at=NOW + timedelta(days=2))  # type: ignore[attr-defined]
    series = api.get(f"/v1/meetings/{m['id']}").json()
    assert series["meetingType"] == "meetingSeries" and series["start"] == m["start"]
    current = api.get(f"/v1/meetings/{m['id']}", params={"current": "true"}).json()
    assert current["meetingType"] == "scheduledMeeting"
    assert current["id"] == f"{m['id']}_20310305T110000Z"


def test_occurrences_are_listed_as_scheduled_meetings_with_ids(api: TestClient) -> None:
    m = create(api, recurrence="FREQ=DAILY;COUNT=3")
    r = api.get("/v1/meetings", params={"meetingSeriesId": m["id"], "meetingType": "scheduledMeeting"})
    items = r.json()["items"]
    assert [i["id"] for i in items] == [
        f"{m['id']}_20310304T100000Z",
        f"{m['id']}_20310305T100000Z",
        f"{m['id']}_20310306T100000Z",
    ]
    assert all(i["meetingType"] == "scheduledMeeting" and i["isModified"] is False for i in items)
    assert all(i["meetingSeriesId"] == m["id"] and i["state"] == "scheduled" for i in items)
    one = api.get(f"/v1/meetings/{items[1]['id']}").json()
    assert one["start"] == "2031-03-05T10:00:00.000Z"


def test_list_meetings_pages_with_link_header(api: TestClient) -> None:
    for i in range(12):
        create(api, start=NOW + timedelta(days=1, hours=i))
    window = {"from": ts(NOW), "to": ts(NOW + timedelta(days=2)), "siteUrl": NEW_SITE}
    first = api.get("/v1/meetings", params=window)
    assert len(first.json()["items"]) == 10
    link = first.headers["link"]
    assert link.endswith('rel="next"') and "siteUrl=" in link
    url = link[1 : link.index(">")]
    second = api.get(url.replace("http://testserver", ""))
    assert len(second.json()["items"]) == 2 and "link" not in second.headers
    big = api.get("/v1/meetings", params={**window, "max": 500})
    assert len(big.json()["items"]) == 12  # max above 100 is capped silently, not an error


def test_list_series_defaults_to_the_next_seven_days(api: TestClient) -> None:
    near = create(api, start=NOW + timedelta(days=3))
    far = create(api, start=NOW + timedelta(days=20))
    listed = [m["id"] for m in api.get("/v1/meetings", params={"max": 100}).json()["items"]]
    assert near["id"] in listed and far["id"] not in listed


def test_list_current_true_reports_the_upcoming_occurrence(api: TestClient) -> None:
    m = create(api, recurrence="FREQ=WEEKLY;COUNT=4;BYDAY=TU")
    api.app.runtime.state.clock.set(frozen_at=NOW + timedelta(days=8))  # type: ignore[attr-defined]
    current = api.get("/v1/meetings").json()["items"]
    mine = next(i for i in current if i["id"] == m["id"])
    assert mine["start"] == "2031-03-11T10:00:00.000Z"
    first = api.get("/v1/meetings", params={"current": "false"}).json()["items"]
    assert next(i for i in first if i["id"] == m["id"])["start"] == "2031-03-04T10:00:00.000Z"


def test_list_by_meeting_number_ignores_time_window(api: TestClient) -> None:
    m = create(api, start=NOW + timedelta(days=60))
    items = api.get("/v1/meetings", params={"meetingNumber": m["meetingNumber"], "current": "false"}).json()["items"]
    assert [i["id"] for i in items] == [m["id"]]


def test_integration_tags_are_visible_only_to_the_setting_client(api: TestClient) -> None:
    mine = mint(api, ADA, USER_SCOPES, clientId="Cclient-one")
    other = mint(api, ADA, USER_SCOPES, clientId="Cclient-two")
    m = create(api, mine, integrationTags=["iac:standup"])
    assert m["integrationTags"] == ["iac:standup"]
    found = api.get("/v1/meetings", params={"integrationTag": "iac:standup", "max": 100}, headers=mine).json()
    assert [i["id"] for i in found["items"]] == [m["id"]]
    assert api.get("/v1/meetings", params={"integrationTag": "iac:standup"}, headers=other).json()["items"] == []
    assert "integrationTags" not in api.get(f"/v1/meetings/{m['id']}", headers=other).json()


def test_meeting_is_hidden_from_unrelated_users(api: TestClient) -> None:
    m = create(api)
    bruno = mint(api, BRUNO, USER_SCOPES)
    assert api.get(f"/v1/meetings/{m['id']}", headers=bruno).status_code == 404
    # ...unless they present the meeting password.
    r = api.get(f"/v1/meetings/{m['id']}", headers={**bruno, "password": m["password"]})
    assert r.status_code == 200


def test_invitee_sees_the_meeting(api: TestClient) -> None:
    m = create(api, invitees=[{"email": BRUNO}])
    bruno = mint(api, BRUNO, USER_SCOPES)
    assert api.get(f"/v1/meetings/{m['id']}", headers=bruno).status_code == 200
    assert m["id"] in [i["id"] for i in api.get("/v1/meetings", headers=bruno).json()["items"]]


def test_timezone_header_sets_response_timestamps(api: TestClient) -> None:
    m = create(api)
    r = api.get(f"/v1/meetings/{m['id']}", headers={"timezone": "Asia/Shanghai"}).json()
    assert r["start"] == "2031-03-04T18:00:00.000+08:00"


def test_read_scope_is_required(api: TestClient) -> None:
    headers = mint(api, ADA, ["meeting:schedules_write"])
    assert api.get("/v1/meetings", headers=headers).status_code == 403


# -- update / delete ---------------------------------------------------------------------------


def occurrences(api: TestClient, series_id: str) -> list[dict[str, Any]]:
    r = api.get(
        "/v1/meetings",
        params={
            "meetingSeriesId": series_id,
            "meetingType": "scheduledMeeting",
            "from": ts(NOW),
            "to": ts(NOW + timedelta(days=60)),
            "max": 100,
        },
    )
    assert r.status_code == 200, r.text
    return r.json()["items"]


def test_occurrence_edit_creates_modified_exception(api: TestClient) -> None:
    m = create(api, recurrence="FREQ=DAILY;COUNT=3")
    occ = occurrences(api, m["id"])[1]
    r = api.patch(
        f"/v1/meetings/{occ['id']}", json={"title": "Moved", "start": "2031-03-05T14:00:00Z", "end": "2031-03-05T14:30:00Z"}
    )
    assert r.status_code == 200, r.text
    changed = r.json()
    assert changed["id"] == occ["id"] and changed["isModified"] is True
    assert changed["title"] == "Moved" and changed["start"] == "2031-03-05T14:00:00.000Z"
    assert changed["meetingNumber"] != m["meetingNumber"]  # an exception gets its own number
    others = [o for o in occurrences(api, m["id"]) if o["id"] != occ["id"]]
    assert all(o["title"] == "Design review" and not o["isModified"] for o in others)
    modified = api.get(
        "/v1/meetings", params={"meetingSeriesId": m["id"], "meetingType": "scheduledMeeting", "isModified": "true"}
    ).json()["items"]
    assert [o["id"] for o in modified] == [occ["id"]]


def test_series_recurrence_edit_cancels_exceptions(api: TestClient) -> None:
    m = create(api, recurrence="FREQ=DAILY;COUNT=3")
    occ = occurrences(api, m["id"])[1]
    assert api.patch(f"/v1/meetings/{occ['id']}", json={"title": "Special"}).status_code == 200
    r = api.patch(f"/v1/meetings/{m['id']}", json={"recurrence": "FREQ=DAILY;COUNT=4"})
    assert r.status_code == 200, r.text
    occs = occurrences(api, m["id"])
    assert len(occs) == 4
    assert all(o["title"] == "Design review" and not o["isModified"] for o in occs)


def test_series_start_edit_cancels_exceptions_and_cancellations(api: TestClient) -> None:
    m = create(api, recurrence="FREQ=DAILY;COUNT=3")
    occs = occurrences(api, m["id"])
    api.patch(f"/v1/meetings/{occs[0]['id']}", json={"agenda": "only here"})
    assert api.delete(f"/v1/meetings/{occs[2]['id']}").status_code == 204
    r = api.patch(f"/v1/meetings/{m['id']}", json={"start": "2031-03-04T12:00:00Z", "end": "2031-03-04T13:00:00Z"})
    assert r.status_code == 200, r.text
    after = occurrences(api, m["id"])
    assert [o["start"][11:16] for o in after] == ["12:00", "12:00", "12:00"]
    assert all("agenda" not in o and not o["isModified"] for o in after)


def test_series_title_edit_keeps_exceptions(api: TestClient) -> None:
    m = create(api, recurrence="FREQ=DAILY;COUNT=3")
    occ = occurrences(api, m["id"])[1]
    api.patch(f"/v1/meetings/{occ['id']}", json={"start": "2031-03-05T15:00:00Z", "end": "2031-03-05T16:00:00Z"})
    api.patch(f"/v1/meetings/{m['id']}", json={"title": "Renamed", "start": m["start"], "end": m["end"]})
    after = {o["id"]: o for o in occurrences(api, m["id"])}
    assert after[occ["id"]]["isModified"] is True and after[occ["id"]]["start"] == "2031-03-05T15:00:00.000Z"
    assert all(o["title"] == "Renamed" for o in after.values())


def test_occurrence_cannot_move_outside_its_recurring_interval(api: TestClient) -> None:
    m = create(api, recurrence="FREQ=WEEKLY;COUNT=3;BYDAY=TU")
    occ = occurrences(api, m["id"])[1]  # 2031-03-11
    r = api.patch(f"/v1/meetings/{occ['id']}", json={"start": "2031-03-18T10:00:00Z", "end": "2031-03-18T11:00:00Z"})
    assert_invalid(r, "meeting.err.two_meeting_schedule_at_same_day")
    ok = api.patch(f"/v1/meetings/{occ['id']}", json={"start": "2031-03-13T10:00:00Z", "end": "2031-03-13T11:00:00Z"})
    assert ok.status_code == 200


def test_recurrence_cannot_be_set_on_an_occurrence(api: TestClient) -> None:
    m = create(api, recurrence="FREQ=DAILY;COUNT=2")
    occ = occurrences(api, m["id"])[0]
    assert api.patch(f"/v1/meetings/{occ['id']}", json={"recurrence": "FREQ=DAILY;COUNT=5"}).status_code == 400


def test_patch_is_partial_but_put_replaces_the_meeting(api: TestClient) -> None:
    m = create(
        api,
        agenda="Keep me",
        recurrence="FREQ=DAILY;COUNT=3",
        enabledJoinBeforeHost=True,
        joinBeforeHostMinutes=5,
        enableConnectAudioBeforeHost=True,
    )
    patched = api.patch(f"/v1/meetings/{m['id']}", json={"title": "Patched"}).json()
    assert patched["agenda"] == "Keep me" and patched["recurrence"] == m["recurrence"]
    assert patched["enabledJoinBeforeHost"] is True
    put = api.put(f"/v1/meetings/{m['id']}", json={"title": "Put", "start": m["start"], "end": m["end"]})
    assert put.status_code == 200, put.text
    replaced = put.json()
    assert replaced["title"] == "Put" and "agenda" not in replaced and "recurrence" not in replaced
    assert replaced["enabledJoinBeforeHost"] is False and replaced["password"] == m["password"]


def test_put_requires_title_start_and_end(api: TestClient) -> None:
    m = create(api)
    assert api.put(f"/v1/meetings/{m['id']}", json={"title": "Only a title"}).status_code == 400


def test_patch_null_clears_agenda_and_recurrence(api: TestClient) -> None:
    m = create(api, agenda="Remove me", recurrence="FREQ=DAILY;COUNT=3")
    r = api.patch(f"/v1/meetings/{m['id']}", json={"agenda": None, "recurrence": None})
    assert r.status_code == 200, r.text
    assert "agenda" not in r.json() and "recurrence" not in r.json()
    assert len(occurrences(api, m["id"])) == 1


def test_patch_accepts_json_patch_and_plain_json_content_types_like_the_live_service() -> None:
    from tests.emulator.conftest import lax_client

    with lax_client() as api:
        m = create(api)
        for ctype in ("application/json-patch+json", "application/json"):
            r = api.patch(f"/v1/meetings/{m['id']}", content=b'{"title": "T"}', headers={"Content-Type": ctype})
            assert r.status_code == 200, (ctype, r.text)
        r = api.patch(f"/v1/meetings/{m['id']}", content=b'{"title": "T"}', headers={"Content-Type": "text/plain"})
        assert r.status_code == 415
        counted = api.get("/_emulator/requests/violations").json()["routes"]
        assert counted["PATCH /v1/meetings/{meetingId}"]["count"] == 2  # plain JSON + text/plain


def test_strict_contract_rejects_plain_json_meeting_patch(api: TestClient) -> None:
    m = create(api)
    r = api.patch(f"/v1/meetings/{m['id']}", content=b'{"title": "T"}', headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert "application/json-patch+json" in r.text


def test_patch_series_start_into_the_past_is_rejected(api: TestClient) -> None:
    m = create(api)
    r = api.patch(f"/v1/meetings/{m['id']}", json={"start": ts(NOW - timedelta(hours=1)), "end": ts(NOW + timedelta(hours=1))})
    assert_invalid(r, "before current time")


def test_only_the_host_can_update(api: TestClient) -> None:
    m = create(api, invitees=[{"email": BRUNO}])
    bruno = mint(api, BRUNO, USER_SCOPES)
    assert api.patch(f"/v1/meetings/{m['id']}", json={"title": "mine"}, headers=bruno).status_code == 403


def test_delete_occurrence_cancels_only_that_occurrence(api: TestClient) -> None:
    m = create(api, recurrence="FREQ=DAILY;COUNT=3")
    occs = occurrences(api, m["id"])
    r = api.delete(f"/v1/meetings/{occs[1]['id']}")
    assert r.status_code == 204 and r.content == b""
    assert [o["id"] for o in occurrences(api, m["id"])] == [occs[0]["id"], occs[2]["id"]]
    assert api.get(f"/v1/meetings/{occs[1]['id']}").status_code == 404
    assert api.delete(f"/v1/meetings/{occs[1]['id']}").status_code == 404


def test_delete_series_removes_it(api: TestClient) -> None:
    m = create(api, recurrence="FREQ=DAILY;COUNT=3")
    assert api.delete(f"/v1/meetings/{m['id']}", params={"sendEmail": "false"}).status_code == 204
    assert api.get(f"/v1/meetings/{m['id']}").status_code == 404


def test_instance_and_malformed_ids_are_not_found(api: TestClient) -> None:
    m = create(api)
    assert api.get(f"/v1/meetings/{m['id']}_I_195989045032040979").status_code == 404
    assert api.get("/v1/meetings/not-a-meeting").status_code == 404


# -- the sample org's legacy space meetings ----------------------------------------------------


def test_seeded_space_meetings_are_hosted_by_unlicensed_space_meeting_hosts(app_client: TestClient) -> None:
    org = app_client.app.state.seed_summary["orgs"][0]  # type: ignore[attr-defined]
    spaces = org["meetings"]["spaceMeetings"]
    assert set(spaces) == set(org["spaceMeetingHosts"]) and len(spaces) == 20
    host = org["spaceMeetingHosts"][0]
    r = app_client.get(f"/v1/meetings/{spaces[host]}", params={"hostEmail": host})
    assert r.status_code == 200, r.text
    meeting = r.json()
    assert meeting["roomId"] and meeting["siteUrl"] == NEW_SITE and meeting["hostEmail"] == host
    licenses = app_client.get("/v1/people", params={"email": host}).json()["items"][0]["siteUrls"]
    assert NEW_SITE not in licenses


def test_legacy_space_meeting_edit_needs_a_host_license(app_client: TestClient) -> None:
    org = app_client.app.state.seed_summary["orgs"][0]  # type: ignore[attr-defined]
    host = org["spaceMeetingHosts"][0]
    meeting_id = org["meetings"]["spaceMeetings"][host]
    r = app_client.patch(f"/v1/meetings/{meeting_id}", json={"title": "Migrated", "hostEmail": host})
    assert r.status_code == 403
    lic = app_client.patch(
        "/v1/licenses/users", json={"email": host, "licenses": [{"id": org["licenses"]["new-meetings"], "operation": "add"}]}
    )
    assert lic.status_code == 200, lic.text
    r = app_client.patch(f"/v1/meetings/{meeting_id}", json={"title": "Migrated", "hostEmail": host})
    assert r.status_code == 200, r.text
    assert r.json()["title"] == "Migrated"


def test_seeded_standing_series_live_on_the_classic_site(app_client: TestClient) -> None:
    org = app_client.app.state.seed_summary["orgs"][0]  # type: ignore[attr-defined]
    series = org["meetings"]["series"]
    r = app_client.get(f"/v1/meetings/{series['weekly-all-hands']}")
    assert r.status_code == 200
    assert r.json()["siteUrl"] == CLASSIC and r.json()["recurrence"] == "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO"


# -- more list filters -------------------------------------------------------------------------


def test_list_by_web_link_finds_the_meeting(api: TestClient) -> None:
    m = create(api)
    items = api.get("/v1/meetings", params={"webLink": m["webLink"], "current": "false"}).json()["items"]
    assert [i["id"] for i in items] == [m["id"]]


def test_list_by_meeting_number_returns_the_exception_not_the_series(api: TestClient) -> None:
    m = create(api, recurrence="FREQ=DAILY;COUNT=3")
    occ = occurrences(api, m["id"])[2]
    changed = api.patch(f"/v1/meetings/{occ['id']}", json={"title": "Special day"}).json()
    items = api.get("/v1/meetings", params={"meetingNumber": changed["meetingNumber"]}).json()["items"]
    assert [(i["id"], i["meetingType"]) for i in items] == [(occ["id"], "scheduledMeeting")]


def test_list_filters_by_state(api: TestClient) -> None:
    past = create(api, start=NOW + timedelta(hours=2))
    future = create(api, start=NOW + timedelta(days=3))
    api.app.runtime.state.clock.set(frozen_at=NOW + timedelta(days=1))  # type: ignore[attr-defined]
    window = {"from": ts(NOW), "to": ts(NOW + timedelta(days=5))}
    expired = [i["id"] for i in api.get("/v1/meetings", params={**window, "state": "expired"}).json()["items"]]
    active = [i["id"] for i in api.get("/v1/meetings", params={**window, "state": "active"}).json()["items"]]
    assert past["id"] in expired and past["id"] not in active
    assert future["id"] in active and future["id"] not in expired
    assert api.get("/v1/meetings", params={"state": "sleeping"}).status_code == 400


def test_admin_lists_a_hosts_meetings_with_host_email(api: TestClient) -> None:
    alice = mint(api, ALICE, USER_SCOPES)
    m = create(api, alice)
    admin = mint(api, ADA, ["meeting:admin_schedule_read"])
    as_alice = api.get("/v1/meetings", params={"hostEmail": ALICE}, headers=admin).json()["items"]
    assert m["id"] in [i["id"] for i in as_alice]
    as_ada = api.get("/v1/meetings", headers=admin).json()["items"]
    assert m["id"] not in [i["id"] for i in as_ada]  # without hostEmail: the admin's own meetings


def test_has_flags_need_ended_meeting_instances(api: TestClient) -> None:
    assert api.get("/v1/meetings", params={"hasRecording": "true"}).status_code == 400
    r = api.get("/v1/meetings", params={"hasRecording": "true", "meetingType": "meeting", "state": "ended"})
    assert r.status_code == 200 and r.json()["items"] == []


def test_converged_site_keeps_public_meeting_off_and_answers_warning_1001(api: TestClient) -> None:
    r = api.post("/v1/meetings", json=body(siteUrl=NEW_SITE, publicMeeting=True))
    assert r.status_code == 200, r.text
    assert r.json()["publicMeeting"] is False
    assert r.headers["warning"].startswith("1001") and "publicMeeting" in r.headers["warning"]
    again = api.patch(f"/v1/meetings/{r.json()['id']}", json={"publicMeeting": True})
    assert again.json()["publicMeeting"] is False and again.headers["warning"].startswith("1001")
    classic = api.post("/v1/meetings", json=body(siteUrl=CLASSIC, publicMeeting=True))
    assert classic.json()["publicMeeting"] is True and "warning" not in classic.headers
