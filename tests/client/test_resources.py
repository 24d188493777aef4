"""Resource methods: request shapes, unknown-outcome recovery, bulk path."""

from __future__ import annotations

import json

import httpx
import pytest

from webex_client import BulkResults, NotFoundError, OutcomeUnknownError, PartialContentError
from webex_client.types import LicenseAssignmentRequest, MeetingCreate

from .conftest import err, ok

SERIES = "870f51ff287b41be84648412901e0402"


def meeting(**kw):
    base = {
        "id": SERIES,
        "title": "Weekly",
        "start": "2026-06-01T09:00:00Z",
        "end": "2026-06-01T09:30:00Z",
        "meetingType": "meetingSeries",
        "state": "active",
        "integrationTags": ["iac:weekly"],
    }
    base.update(kw)
    return base


CREATE = {
    "title": "Weekly",
    "start": "2026-06-01T09:00:00Z",
    "end": "2026-06-01T09:30:00Z",
    "integrationTags": ["iac:weekly"],
    "recurrence": "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO",
}


def test_meeting_create_recovers_by_integration_tag_when_outcome_unknown(api, make_client):
    api.add("POST", "/v1/meetings", httpx.ReadTimeout)
    api.add("GET", "/v1/meetings", ok({"items": [meeting(), meeting(id="f" * 32, title="Other")]}))
    created = make_client().meetings.create(CREATE)
    assert created.id == SERIES
    assert len(api.calls("POST")) == 1  # never replayed
    search = api.calls("GET")[0].url.params
    assert search["integrationTag"] == "iac:weekly"
    assert search["meetingType"] == "meetingSeries"
    assert search["current"] == "false"


def test_meeting_create_reraises_when_recovery_finds_nothing(api, make_client):
    api.add("POST", "/v1/meetings", err(502))
    api.add("GET", "/v1/meetings", ok({"items": []}))
    with pytest.raises(OutcomeUnknownError):
        make_client().meetings.create(CREATE)
    assert len(api.calls("POST")) == 1


def test_meeting_create_without_tag_raises_outcome_unknown(api, make_client):
    api.add("POST", "/v1/meetings", err(504))
    untagged = {k: v for k, v in CREATE.items() if k != "integrationTags"}
    with pytest.raises(OutcomeUnknownError):
        make_client().meetings.create(untagged)
    assert api.calls("GET") == []


def test_meeting_create_sends_model_body(api, make_client):
    api.add("POST", "/v1/meetings", ok(meeting()))
    m = make_client().meetings.create(MeetingCreate.model_validate(CREATE))
    body = json.loads(api.requests[0].content)
    assert body["start"] == "2026-06-01T09:00:00.000Z"
    assert body["integrationTags"] == ["iac:weekly"]
    assert m.is_series


def test_meeting_get_passes_timezone_header_and_current(api, make_client):
    api.add("GET", f"/v1/meetings/{SERIES}", ok(meeting()))
    make_client().meetings.get(SERIES, current=True, timezone="Europe/Paris")
    req = api.requests[0]
    assert req.headers["timezone"] == "Europe/Paris"
    assert req.url.params["current"] == "true"


def test_person_create_recovers_by_email(api, make_client):
    api.add("POST", "/v1/people", httpx.RemoteProtocolError)
    api.add("GET", "/v1/people", ok({"items": [{"id": "P1", "emails": ["Ann@Example.com"]}]}))
    person = make_client().people.create({"emails": ["ann@example.com"], "displayName": "Ann"})
    assert person.id == "P1"
    assert len(api.calls("POST")) == 1


def test_person_create_strips_read_only_fields(api, make_client):
    api.add("POST", "/v1/people", ok({"id": "P1"}))
    make_client().people.create(
        {"id": "x", "emails": ["a@example.com"], "displayName": "A", "created": "2015-10-18T14:26:16.000Z"}
    )
    body = json.loads(api.requests[0].content)
    assert "id" not in body and "created" not in body


def test_invitee_create_recovers_by_email(api, make_client):
    api.add("POST", "/v1/meetingInvitees", err(502))
    api.add(
        "GET",
        "/v1/meetingInvitees",
        ok({"items": [{"id": f"{SERIES}_1", "email": "bob@example.com", "displayName": "Bob", "meetingId": SERIES}]}),
    )
    inv = make_client().meeting_invitees.create({"meetingId": SERIES, "email": "Bob@example.com"})
    assert inv.id == f"{SERIES}_1"
    assert api.calls("GET")[0].url.params["meetingId"] == SERIES


def test_group_create_recovers_by_display_name(api, make_client):
    api.add("POST", "/v1/groups", httpx.ReadTimeout)
    api.add(
        "GET",
        "/v1/groups",
        ok({"totalResults": 1, "startIndex": 1, "itemsPerPage": 1, "groups": [{"id": "G1", "displayName": 'Sales "West"'}]}),
    )
    group = make_client().groups.create({"displayName": 'Sales "West"'})
    assert group.id == "G1"
    assert api.calls("GET")[0].url.params["filter"] == 'displayName eq "Sales \\"West\\""'


def test_guest_token_creation_is_retried_after_unknown_outcome(api, make_client):
    api.add(
        "POST",
        "/v1/guests/token",
        httpx.ReadTimeout,
        ok({"id": "G", "subject": "s1", "displayName": "Guest", "accessToken": "eyJ-guest-token-abc", "expiresIn": 64799}),
    )
    guest = make_client().guests.create("s1", "Guest")
    assert guest.access_token.get_secret_value() == "eyJ-guest-token-abc"
    assert len(api.requests) == 2


def test_service_app_minting_is_retried_after_unknown_outcome(api, make_client):
    api.add("POST", "/v1/applications/APP/token", err(504), ok({"access_token": "minted-token-value-1", "expires_in": 3600}))
    tok = make_client().service_apps.create_token("APP", client_id="C1", client_secret="secret-value-123", target_org_id="O1")
    assert tok.expires_in == 3600
    assert len(api.requests) == 2


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, text="112", headers={"Content-Type": "text/plain"}),
        ok(112),
        ok({"count": 112}),
    ],
)
def test_guest_count_accepts_plain_text_and_json(api, make_client, response):
    api.add("GET", "/v1/guests/count", response)
    assert make_client().guests.count() == 112


def test_assign_many_reports_per_item_results_without_aborting(api, make_client):
    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        person = body["personId"]
        if person == "bad":
            return err(400, "License not recognized", errors=[{"errorCode": 400000, "description": "nope"}])
        if person == "partial":
            return ok({"personId": person, "licenses": []}, status=206)
        return ok({"personId": person, "licenses": [lic["id"] for lic in body["licenses"]]})

    api.add("PATCH", "/v1/licenses/users", handler)
    people = ["p1", "bad", "p2", "partial", "p3"]
    requests = [LicenseAssignmentRequest(person_id=p, licenses=[{"id": "L1"}]) for p in people]
    results = make_client(max_concurrency=3).licenses.assign_many(requests)
    assert isinstance(results, BulkResults)
    assert [r.item.person_id for r in results] == people  # input order
    assert [r.ok for r in results] == [True, False, True, False, True]
    assert results[1].error.error_codes == [400000]
    assert isinstance(results[3].error, PartialContentError)
    assert results[3].error.failed_license_ids == ["L1"]
    assert len(results.succeeded) == 3 and len(results.failed) == 2
    assert len(api.requests) == 5


def test_map_concurrent_preserves_order_and_captures_errors(make_client):
    client = make_client()

    def work(i: int) -> int:
        if i % 4 == 0:
            raise ValueError(i)
        return i * i

    results = client.map_concurrent(work, range(10), max_workers=5)
    assert [r.value for r in results if r.ok] == [i * i for i in range(10) if i % 4]
    assert [r.item for r in results if not r.ok] == [0, 4, 8]
    with pytest.raises(ValueError):
        results.raise_first()


def test_sites_set_default_sends_the_documented_query(api, make_client):
    api.add("PUT", "/v1/meetingPreferences/sites", ok({"siteUrl": "b.webex.com", "default": True}))
    client = make_client()
    assert client.sites.set_default("b.webex.com", user_email="u@example.com").default is True
    put = api.requests[0]
    assert put.url.params["defaultSite"] == "true" and put.url.params["userEmail"] == "u@example.com"
    assert json.loads(put.content) == {"siteUrl": "b.webex.com"}


def test_common_settings_patch_that_does_not_land_on_the_target_site_fails_loudly(api, make_client):
    from webex_client.resources.sites import SiteSettingsTargetError

    settings = {"securityOptions": {"joinBeforeHost": False, "audioBeforeHost": False}}
    api.add("GET", "/v1/meetingPreferences/sites", ok({"sites": [{"siteUrl": "b.webex.com", "default": True}]}))
    api.add("GET", "/v1/admin/meeting/config/commonSettings", ok(settings))  # unchanged afterwards too
    api.add("PATCH", "/v1/admin/meeting/config/commonSettings", ok(settings))
    with pytest.raises(SiteSettingsTargetError, match="did not land on b.webex.com: securityOptions.joinBeforeHost"):
        make_client().sites.update_common_settings({"securityOptions": {"joinBeforeHost": True}}, site_url="b.webex.com")
    read_back = api.calls("GET")[-1]
    assert read_back.url.params["siteUrl"] == "b.webex.com"


def test_licensed_site_urls_groups_licenses_by_site(api, make_client):
    api.add(
        "GET",
        "/v1/licenses",
        ok(
            {
                "items": [
                    {"id": "L1", "name": "Meetings", "siteUrl": "a.webex.com", "siteType": "Control Hub managed site"},
                    {"id": "L2", "name": "Calling"},
                    {"id": "L3", "name": "Webinars", "siteUrl": "a.webex.com"},
                ]
            }
        ),
    )
    sites = make_client().sites.licensed_site_urls()
    assert {k: [lic.id for lic in v] for k, v in sites.items()} == {"a.webex.com": ["L1", "L3"]}


def test_authorizations_list_requires_exactly_one_selector(make_client):
    client = make_client()
    with pytest.raises(ValueError):
        client.authorizations.list()
    with pytest.raises(ValueError):
        client.authorizations.list(person_id="a", person_email="b")


def test_authorizations_delete_by_client_sends_query(api, make_client):
    api.add("DELETE", "/v1/authorizations", httpx.Response(204))
    make_client().authorizations.delete_by_client("C1", org_id="O1")
    assert dict(api.requests[0].url.params) == {"clientId": "C1", "orgId": "O1"}


def test_ids_in_paths_are_quoted(api, make_client):
    api.add("GET", "/v1/people/abc=", ok({"id": "abc="}))
    make_client().people.get("abc=")
    assert api.requests[0].url.raw_path == b"/v1/people/abc%3D"


def test_organizations_and_roles_lists(api, make_client):
    api.add(
        "GET", "/v1/organizations", ok({"items": [{"id": "O1", "displayName": "Acme", "created": "2015-10-18T14:26:16+00:00"}]})
    )
    api.add("GET", "/v1/roles", ok({"items": [{"id": "R1", "name": "Full Administrator"}]}))
    client = make_client()
    assert client.organizations.list()[0].display_name == "Acme"
    assert client.roles.list()[0].name == "Full Administrator"


def test_find_by_email_returns_none_when_absent(api, make_client):
    api.add("GET", "/v1/people", ok({"items": [], "notFoundIds": None}))
    assert make_client().people.find_by_email("nobody@example.com") is None


def test_person_get_not_found(api, make_client):
    api.add("GET", "/v1/people/X", err(404))
    with pytest.raises(NotFoundError):
        make_client().people.get("X")


# -- request bodies against the strict emulator (issue 12: every request meets the spec) --------


@pytest.fixture(scope="module")
def strict_emu():
    from webex_emulator.testing import EmulatorServer

    with EmulatorServer(seed="sample") as server:
        yield server


def emu_client(emu):
    from webex_client import ClientSettings, WebexClient

    return WebexClient(emu.admin_token, base_url=emu.base_url, settings=ClientSettings(requests_per_second=0))


def test_group_create_and_patch_bodies_follow_the_spec_schemas(strict_emu):
    client = emu_client(strict_emu)
    people = {p.emails[0]: p.id for p in client.people.list(display_name="Alice")}
    alice = next(pid for email, pid in people.items() if email.startswith("alice.anders1@"))
    group = client.groups.create({"displayName": "iac-schema-group", "members": [{"id": alice}]})
    assert group.member_size == 1
    renamed = client.groups.update(
        group.id, {"displayName": "iac-schema-group-2", "members": [{"id": alice, "operation": "delete"}]}
    )
    assert renamed.display_name == "iac-schema-group-2" and not renamed.members
    sent = strict_emu.request_log(path_prefix="/v1/groups")
    post = next(e for e in sent if e["method"] == "POST")
    assert post["body"]["schemas"] == ["urn:ietf:params:scim:schemas:core:2.0:Group"]
    patch = next(e for e in sent if e["method"] == "PATCH")
    assert [op["op"] for op in patch["body"]["Operations"]] == ["replace", "remove"]


def test_common_settings_patch_goes_to_the_default_site_complete_and_without_site_url(strict_emu):
    client = emu_client(strict_emu)
    assert client.sites.get_default().site_url == "acme.webex.com"
    after = client.sites.update_common_settings(
        {"defaultSchedulerOptions": {"entryAndExitTone": "NoTone"}}, site_url="acme.webex.com"
    )
    assert after.default_scheduler_options.entry_and_exit_tone == "NoTone"
    patch = strict_emu.request_log(method="PATCH", path_prefix="/v1/admin/meeting/config/commonSettings")[-1]
    assert patch["query"] == ""
    assert set(patch["body"]["defaultSchedulerOptions"]) >= {"entryAndExitTone", "telephonySupport"}


def test_common_settings_for_a_site_that_is_not_the_callers_default_are_refused_before_any_write(strict_emu):
    from webex_client.resources.sites import SiteSettingsTargetError

    client = emu_client(strict_emu)
    strict_emu.reset_counters()
    with pytest.raises(SiteSettingsTargetError, match="caller's default site is acme.webex.com"):
        client.sites.update_common_settings(
            {"scheduleMeetingOptions": {"emailReminders": False}}, site_url="acme-classic.webex.com"
        )
    assert not strict_emu.request_log(method="PATCH")


def test_admin_default_site_lookup_names_the_site_to_search(strict_emu):
    client = emu_client(strict_emu)
    strict_emu.reset_counters()
    client.sites.get_default(user_email="alice.anders1@acme.example.com", site_url="acme.webex.com")
    assert strict_emu.request_log(path_prefix="/v1/meetingPreferences")[0]["query"] == (
        "userEmail=alice.anders1%40acme.example.com&siteUrl=acme.webex.com"
    )


def test_meeting_patch_is_sent_as_the_declared_json_patch_content_type(strict_emu):
    from datetime import datetime, timedelta, timezone

    client = emu_client(strict_emu)
    start = (datetime.now(timezone.utc) + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    m = client.meetings.create(
        {"title": "iac-patch-ctype", "start": start, "end": start + timedelta(hours=1), "integrationTags": ["iac:patch-ctype"]}
    )
    assert client.meetings.patch(m.id, {"title": "renamed"}).title == "renamed"  # strict: 400 otherwise


def test_meeting_patch_sends_exactly_one_content_type(api, make_client):
    api.add("PATCH", "/v1/meetings/" + "a" * 32, ok({"id": "a" * 32, "title": "New"}))
    make_client().meetings.patch("a" * 32, {"title": "New"})
    sent = api.requests[0]
    assert sent.headers.get_list("content-type") == ["application/json-patch+json"]
    assert json.loads(sent.content) == {"title": "New"}
