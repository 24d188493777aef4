"""The product, end to end: the real Pulumi engine reconciling an emulated Webex org.

Every test runs `pulumi up`/`preview`/`destroy` (Automation API, CLI v3.274.1) against a fresh
emulator org on loopback, and checks the org through the emulator's own API.
"""

from __future__ import annotations

import json

import pytest
from pulumi.automation.errors import CommandError

from webex_emulator.testing import EmulatorServer
from harness import WebexStack, license_info, org_holders

WRITES = ("POST /v1/", "PUT /v1/", "PATCH /v1/", "DELETE /v1/")


def _two_full_pools_seed() -> dict:
    people = [
        {"email": f"user{n:02d}@two.example.com", "displayName": f"User {n:02d}", "licenses": ["pool-a" if n <= 20 else "pool-b"]}
        for n in range(1, 41)
    ]
    people.append({"email": "admin@two.example.com", "displayName": "Admin", "roles": ["full_admin"], "licenses": []})
    return {
        "orgs": [
            {
                "key": "two",
                "displayName": "Two Pools Ltd",
                "domain": "two.example.com",
                "licenses": [
                    {
                        "key": "pool-a",
                        "offerCode": "MC",
                        "name": "Meeting - Webex Meeting Center",
                        "siteUrl": "a.webex.com",
                        "siteType": "Control Hub managed site",
                        "totalUnits": 20,
                        "subscriptionId": "Sub-a",
                    },
                    {
                        "key": "pool-b",
                        "offerCode": "EE",
                        "name": "Meeting - Webex Enterprise Edition",
                        "siteUrl": "b.webex.com",
                        "siteType": "Control Hub managed site",
                        "totalUnits": 20,
                        "subscriptionId": "Sub-b",
                    },
                ],
                "sites": [{"siteUrl": "a.webex.com"}, {"siteUrl": "b.webex.com"}],
                "people": people,
            }
        ]
    }


def _pools_yaml(a: list[str], b: list[str]) -> str:
    fmt = lambda xs: "\n".join(f"          - {x}" for x in xs) or "          []"  # noqa: E731
    return f"""\
licenses:
  meetings:
    owner: platform@two.example.com
    pools:
      - license: {{siteUrl: a.webex.com}}
        users:
{fmt(a)}
      - license: {{siteUrl: b.webex.com}}
        users:
{fmt(b)}
"""


def _meeting_yaml(host: str, site: str, recurrence: str, invitees: list[tuple[str, bool]]) -> str:
    inv = "\n".join(f"      - email: {e}\n        coHost: {str(c).lower()}" for e, c in invitees) or "      []"
    return f"""\
meetings:
  weekly-sync:
    owner: platform@two.example.com
    host: {host}
    siteUrl: {site}
    title: Weekly sync
    start: 2030-01-07T09:00:00
    durationMinutes: 30
    timezone: Europe/London
    recurrence: {recurrence}
    invitees:
{inv}
"""


@pytest.fixture
def two_pools(tmp_path):
    with EmulatorServer(seed=_two_full_pools_seed()) as emu:
        org = emu.seed_summary["orgs"][0]
        yield emu, org, WebexStack(tmp_path / "project", emu)


def _users(r):
    return [f"user{n:02d}@two.example.com" for n in r]


def _counts(emu) -> dict[str, int]:
    return emu.request_counts()


def _writes(emu) -> int:
    return sum(v for k, v in _counts(emu).items() if k.startswith(WRITES))


def test_up_from_empty_state_then_preview_expects_no_changes(two_pools):
    emu, org, st = two_pools
    st.write(
        _pools_yaml(_users(range(1, 21)), _users(range(21, 41)))
        + _meeting_yaml("user01@two.example.com", "a.webex.com", "FREQ=WEEKLY;BYDAY=MO", [("user02@two.example.com", True)])
    )
    result = st.up()
    assert result.summary.result == "succeeded"
    assert result.outputs["meetings"].value["weekly-sync"]["sipAddress"].endswith("@a.webex.com")
    st.preview(expect_no_changes=True)  # raises on any change


def test_moving_ten_users_between_full_pools_shows_exactly_that_and_converges(two_pools):
    emu, org, st = two_pools
    st.write(
        _pools_yaml(_users(range(1, 21)), _users(range(21, 41)))
        + _meeting_yaml("user15@two.example.com", "a.webex.com", "FREQ=WEEKLY;BYDAY=MO", [("user16@two.example.com", False)])
    )
    st.up()
    emu.reset_counters()

    # Swap ten users each way between two pools that are both at 20/20; re-time the meeting
    # and make the invitee a co-host.
    a = _users(range(11, 21)) + _users(range(21, 31))
    b = _users(range(1, 11)) + _users(range(31, 41))
    st.write(
        _pools_yaml(a, b)
        + _meeting_yaml("user15@two.example.com", "a.webex.com", "FREQ=WEEKLY;BYDAY=TU", [("user16@two.example.com", True)])
    )
    preview = st.preview(diff=True)
    assert preview.change_summary == {"same": 1, "update": 2}, preview.change_summary
    assert "replace" not in preview.stdout
    # The reviewer sees who moves, per pool, with the units before and after.
    assert "20/20 -> 20/20" in preview.stdout
    assert "user21@two.example.com" in preview.stdout and "user01@two.example.com" in preview.stdout
    assert _writes(emu) == 0, "preview writes nothing"

    up = st.up()
    assert up.summary.resource_changes == {"same": 1, "update": 2}
    assert org_holders(emu, org["licenses"]["pool-a"]) == set(a)
    assert org_holders(emu, org["licenses"]["pool-b"]) == set(b)
    for key in ("pool-a", "pool-b"):
        info = license_info(emu, org["licenses"][key])
        assert info["consumedUnits"] == 20 == info["totalUnits"]
    counts = _counts(emu)
    # One PATCH per changed user, plus one to break the A<->B cycle between two full pools.
    assert counts.get("PATCH /v1/licenses/users") == 21
    assert counts.get("POST /v1/meetings", 0) == 0, "the meeting is edited in place, never re-created"
    st.preview(expect_no_changes=True)


def test_drift_made_outside_pulumi_shows_in_preview_and_up_reverts_it(two_pools):
    emu, org, st = two_pools
    st.write(
        _pools_yaml(_users(range(1, 21)), _users(range(21, 41)))
        + _meeting_yaml("user01@two.example.com", "a.webex.com", "FREQ=WEEKLY;BYDAY=MO", [])
    )
    up = st.up()
    meeting_id = up.outputs["meetings"].value["weekly-sync"]["meetingId"]
    c = emu.client()
    # "Control Hub": an admin takes user05's license away and renames the meeting.
    r = c.patch(
        f"{emu.base_url}/licenses/users",
        json={"email": "user05@two.example.com", "licenses": [{"id": org["licenses"]["pool-a"], "operation": "remove"}]},
    )
    assert r.status_code == 200
    r = c.patch(
        f"{emu.base_url}/meetings/{meeting_id}",
        json={"title": "Renamed in Control Hub", "hostEmail": "user01@two.example.com"},
        headers={"Content-Type": "application/json-patch+json"},
    )  # the declared type
    assert r.status_code == 200

    preview = st.preview()
    assert preview.change_summary.get("update") == 2, preview.change_summary
    st.up()
    assert "user05@two.example.com" in org_holders(emu, org["licenses"]["pool-a"])
    r = c.get(f"{emu.base_url}/meetings/{meeting_id}", params={"hostEmail": "user01@two.example.com"})
    assert r.json()["title"] == "Weekly sync"
    st.preview(expect_no_changes=True)


def test_meeting_deleted_outside_pulumi_is_recreated(two_pools):
    emu, org, st = two_pools
    st.write(_meeting_yaml("user01@two.example.com", "a.webex.com", "FREQ=WEEKLY;BYDAY=MO", []))
    first = st.up().outputs["meetings"].value["weekly-sync"]["meetingId"]
    r = emu.client().delete(f"{emu.base_url}/meetings/{first}", params={"hostEmail": "user01@two.example.com"})
    assert r.status_code == 204
    second = st.up().outputs["meetings"].value["weekly-sync"]["meetingId"]
    assert second != first
    st.preview(expect_no_changes=True)


def test_destroy_removes_declared_meetings_and_leaves_licenses_as_declared(two_pools):
    emu, org, st = two_pools
    a = _users(range(1, 16))  # five users lose pool A
    st.write(
        _pools_yaml(a, _users(range(21, 41))) + _meeting_yaml("user01@two.example.com", "a.webex.com", "FREQ=WEEKLY;BYDAY=MO", [])
    )
    meeting_id = st.up().outputs["meetings"].value["weekly-sync"]["meetingId"]
    people_before = emu.client().get(f"{emu.base_url}/people", params={"max": 1000}).json()["items"]
    st.destroy()
    c = emu.client()
    assert c.get(f"{emu.base_url}/meetings/{meeting_id}", params={"hostEmail": "user01@two.example.com"}).status_code == 404
    # Destroy stops managing licenses; it does not strip or restore anyone's license.
    assert org_holders(emu, org["licenses"]["pool-a"]) == set(a)
    people_after = c.get(f"{emu.base_url}/people", params={"max": 1000}).json()["items"]
    assert {p["id"]: p.get("licenses") for p in people_after} == {p["id"]: p.get("licenses") for p in people_before}


def test_capacity_is_checked_in_preview_before_any_write(two_pools):
    emu, org, st = two_pools
    st.write(_pools_yaml(_users(range(1, 26)), _users(range(26, 41))))  # 25 holders for 20 units
    emu.reset_counters()
    with pytest.raises(CommandError) as err:
        st.preview()
    assert "a.webex.com" in str(err.value) and "would need 25 units but has 20" in str(err.value)
    assert _writes(emu) == 0


def test_yaml_error_names_file_and_line_and_makes_zero_api_calls(two_pools):
    emu, org, st = two_pools
    st.write(_pools_yaml(["user01@two.example.com", "not-an-email"], []))
    emu.reset_counters()
    with pytest.raises(CommandError) as err:
        st.up()
    line = st.stack_file.read_text().splitlines().index("          - not-an-email") + 1
    assert f"stacks/e2e.yaml:{line}:13: licenses.meetings.pools[0].users[1]: 'not-an-email' is not an email address" in str(
        err.value
    )
    assert sum(_counts(emu).values()) == 0, "a broken file makes no API call at all"


def test_room_id_meeting_is_refused_with_30105_and_no_api_call(two_pools):
    emu, org, st = two_pools
    st.write(
        _meeting_yaml("user01@two.example.com", "a.webex.com", "FREQ=WEEKLY;BYDAY=MO", [])
        + "    roomId: Y2lzY29zcGFyazovL3VzL1JPT00vYWJj\n"
    )
    emu.reset_counters()
    with pytest.raises(CommandError) as err:
        st.preview()
    assert "error 30105" in str(err.value) and "meeting ID or SIP address" in str(err.value)
    assert sum(_counts(emu).values()) == 0


def test_adopting_an_existing_meeting_does_not_create_a_duplicate(two_pools):
    emu, org, st = two_pools
    c = emu.client()
    r = c.post(
        f"{emu.base_url}/meetings",
        json={
            "title": "Legacy weekly",
            "start": "2030-01-07T09:00:00+00:00",
            "end": "2030-01-07T09:30:00+00:00",
            "timezone": "UTC",
            "recurrence": "FREQ=WEEKLY;BYDAY=MO",
            "siteUrl": "a.webex.com",
            "hostEmail": "user01@two.example.com",
        },
    )
    assert r.status_code == 200, r.text
    existing = r.json()["id"]
    st.write(
        _meeting_yaml("user01@two.example.com", "a.webex.com", "FREQ=WEEKLY;BYDAY=MO", []) + f"    adoptMeetingId: {existing}\n"
    )
    emu.reset_counters()
    up = st.up()
    assert up.outputs["meetings"].value["weekly-sync"]["meetingId"] == existing
    assert _counts(emu).get("POST /v1/meetings", 0) == 0
    listed = c.get(
        f"{emu.base_url}/meetings",
        params={"hostEmail": "user01@two.example.com", "from": "2030-01-01T00:00:00Z", "to": "2030-02-01T00:00:00Z"},
    ).json()["items"]
    assert [m["id"] for m in listed] == [existing]
    assert listed[0]["title"] == "Weekly sync"  # adopted, then reconciled to the declaration
    st.preview(expect_no_changes=True)


def test_state_holds_no_plaintext_token_password_or_host_key(two_pools):
    emu, org, st = two_pools
    st.write(_meeting_yaml("user01@two.example.com", "a.webex.com", "FREQ=WEEKLY;BYDAY=MO", []))
    st.up()
    revealed = json.loads(st.export(show_secrets=True))
    meeting = next(r for r in revealed["deployment"]["resources"] if r["type"].endswith("webex:StandingMeeting"))
    plain_value = lambda v: json.loads(v["plaintext"]) if isinstance(v, dict) and "plaintext" in v else v  # noqa: E731
    password, host_key = plain_value(meeting["outputs"]["password"]), plain_value(meeting["outputs"]["hostKey"])
    assert password and host_key
    plain = st.export(show_secrets=False)
    backend = st.backend_bytes()
    config_files = b"".join(p.read_bytes() for p in (st.root / "stacks").glob("Pulumi.*.yaml"))
    token = st.stack.get_config("webex:token").value
    for secret in (token, emu.admin_token, password, host_key):
        assert secret not in plain
        assert secret.encode() not in backend
        assert secret.encode() not in config_files


def test_host_change_is_an_in_place_update_that_keeps_meeting_id_and_sip_address(two_pools):
    emu, org, st = two_pools
    pools = _pools_yaml(_users(range(1, 21)), _users(range(21, 41)))
    st.write(pools + _meeting_yaml("user01@two.example.com", "a.webex.com", "FREQ=WEEKLY;BYDAY=MO", []))
    before = st.up().outputs["meetings"].value["weekly-sync"]
    st.write(pools + _meeting_yaml("user03@two.example.com", "a.webex.com", "FREQ=WEEKLY;BYDAY=MO", []))
    preview = st.preview()
    assert preview.change_summary.get("update") == 1 and not preview.change_summary.get("replace")
    after = st.up().outputs["meetings"].value["weekly-sync"]
    assert (after["meetingId"], after["sipAddress"]) == (before["meetingId"], before["sipAddress"])
    live = emu.client().get(f"{emu.base_url}/meetings/{before['meetingId']}", params={"hostEmail": "user03@two.example.com"})
    assert live.status_code == 200 and live.json()["hostEmail"] == "user03@two.example.com"
    assert emu.request_counts().get("POST /v1/meetings/reassignHost") == 1
    st.preview(expect_no_changes=True)
