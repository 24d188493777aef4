"""The emulator against the official Webex OpenAPI specs (webex-admin.json ∪ webex-meeting.json).

1. Every route the emulator serves under /v1 exists in the spec with the same method.
2. A scenario against the sample org exercises EVERY served /v1 route successfully, and every
   success body is validated against the spec's response schema ($refs resolved, OpenAPI 3.0
   nullable translated). Documented live deviations come from ``webex_emulator.deviations`` and are
   applied explicitly (``webex_emulator.spec.check_response``); schemas are never loosened.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from starlette.routing import Mount, Route
from starlette.testclient import TestClient
from tests.emulator.conftest import SpecTestClient

from webex_emulator import create_app
from webex_emulator import deviations
from webex_emulator.testing import allow_test_client
from webex_emulator.core import ids
from webex_emulator.spec import Spec, apply_response_deviations, check_response, normalise_template

ADMIN_TOKEN = "conformance-admin-token"
ADA = "ada.admin@acme.example.com"
CLIENT_ID = "C0ffee00000000000000000000000000000000000000000000000000000000001"  # sample seed
CLIENT_SECRET = "sample-secret-not-real-0001"
CONTROL_PREFIX = "/_emulator"


@pytest.fixture(scope="module")
def spec() -> Spec:
    try:
        return Spec.load()
    except FileNotFoundError as e:  # vendor data outside the repository (webex_emulator/spec.py)
        pytest.skip(f"conformance needs the Webex OpenAPI specs: {e}")


@pytest.fixture(scope="module")
def app() -> Any:
    return allow_test_client(create_app(seed="sample", admin_token=ADMIN_TOKEN))


def starlette_routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(method, path) of every Starlette route, mounts flattened."""
    for route in routes:
        if isinstance(route, Mount):
            yield from starlette_routes(list(route.routes), prefix + route.path)
        elif isinstance(route, Route):
            for method in sorted(route.methods or ()):
                if method != "HEAD":
                    yield method, prefix + route.path


def served_api_routes(app: Any) -> set[tuple[str, str]]:
    """Every /v1 route: the core's route table (the /v1 dispatcher) plus any Starlette route."""
    served = {(r.method, r.template) for bucket in app.runtime.routes.by_len.values() for r in bucket}
    for method, path in starlette_routes(list(app.routes)):
        if path.startswith(CONTROL_PREFIX):
            continue  # the control surface is not part of the Webex API
        assert path.startswith("/v1/"), f"route outside /v1 and /_emulator: {method} {path}"
        served.add((method, path[len("/v1") :]))
    return served


def test_every_served_route_is_in_the_spec(app: Any, spec: Spec) -> None:
    served = served_api_routes(app)
    assert len(served) > 30
    missing = sorted(f"{m} {t}" for m, t in served if not spec.has_operation(m, t))
    assert missing == [], f"served but not in webex-admin.json ∪ webex-meeting.json: {missing}"


def test_route_check_detects_routes_outside_the_spec(spec: Spec) -> None:
    assert spec.has_operation("GET", "/meetings/{meetingId}")
    assert spec.has_operation("get", "/meetings/{anyName:str}")  # parameter names do not matter
    assert not spec.has_operation("POST", "/meetings/{meetingId}")  # wrong method
    assert not spec.has_operation("GET", "/meetings/{meetingId}/bogus")
    assert spec.has_operation("POST", "/access_token")  # the OAuth tokenUrl of the specs
    assert normalise_template("/people/{personId}") == normalise_template("/people/{id}")


# ---------------------------------------------------------------------------------------------
# The scenario
# ---------------------------------------------------------------------------------------------


@dataclass
class Recorder:
    client: TestClient
    spec: Spec
    exercised: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def call(
        self,
        method: str,
        template: str,
        path_params: dict[str, str] | None = None,
        *,
        headers: dict[str, str] | None = None,
        **kw: Any,
    ) -> Any:
        path = template
        for name, value in (path_params or {}).items():
            path = path.replace("{" + name + "}", value)
        r = self.client.request(method, "/v1" + path, headers=headers, **kw)
        self.exercised.setdefault((method, template), []).append(r.status_code)
        label = f"{method} {template} -> {r.status_code}"
        if 200 <= r.status_code < 300:
            for problem in check_response(
                self.spec, method, template, r.status_code, r.headers.get("content-type"), r.content, deviations
            ):
                self.problems.append(f"{label}: {problem}")
        else:
            self.problems.append(f"{label}: {r.text[:300]}")
        return r


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def mint(client: TestClient, email: str, scopes: list[str], **kw: Any) -> dict[str, str]:
    r = client.post("/_emulator/tokens", json={"email": email, "scopes": scopes, **kw})
    assert r.status_code == 200, r.text
    return bearer(r.json()["token"])


def z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def run_scenario(rec: Recorder, summary: dict[str, Any]) -> None:  # noqa: PLR0915 - one story
    c = rec.call
    org = summary["orgs"][0]
    space_host = org["spaceMeetingHosts"][0]

    # -- organizations and roles --------------------------------------------------------------
    org_id = c("GET", "/organizations").json()["items"][0]["id"]
    c("GET", "/organizations/{orgId}", {"orgId": org_id})
    role_id = c("GET", "/roles").json()["items"][0]["id"]
    c("GET", "/roles/{roleId}", {"roleId": role_id})

    # -- people ---------------------------------------------------------------------------------
    ada_id = c("GET", "/people", params={"email": ADA}).json()["items"][0]["id"]
    c("GET", "/people/me")
    c("GET", "/people/{personId}", {"personId": ada_id})
    new = c(
        "POST",
        "/people",
        json={
            "emails": ["conformance.person@acme.example.com"],
            "displayName": "Conformance Person",
            "firstName": "Conformance",
            "lastName": "Person",
        },
    ).json()
    full = c("GET", "/people/{personId}", {"personId": new["id"]}).json()
    # Responses spell loginEnabled as a string, PUT takes a boolean (docs/webex-behaviour.md "People").
    put_body = {**full, "displayName": "Conformance P.", "loginEnabled": full.get("loginEnabled") == "true"}
    c("PUT", "/people/{personId}", {"personId": new["id"]}, json=put_body)

    # -- licenses -------------------------------------------------------------------------------
    licenses = c("GET", "/licenses").json()["items"]
    new_site_license = next(item["id"] for item in licenses if item.get("siteUrl") == "acme.webex.com")
    c("GET", "/licenses/{licenseId}", {"licenseId": new_site_license}, params={"includeAssignedTo": "user"})
    c("PATCH", "/licenses/users", json={"email": space_host, "licenses": [{"id": new_site_license, "operation": "add"}]})

    # -- groups ---------------------------------------------------------------------------------
    c("GET", "/groups")
    group = c(
        "POST",
        "/groups",
        json={
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "conformance",
            "members": [{"value": ada_id}],
        },
    ).json()
    c("GET", "/groups/{groupId}", {"groupId": group["id"]}, params={"includeMembers": "true"})
    c(
        "PATCH",
        "/groups/{groupId}",
        {"groupId": group["id"]},
        json={
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "add", "path": "members", "value": [{"value": ada_id}]}],
        },
    )
    c("GET", "/groups/{groupId}/members", {"groupId": group["id"]})
    c("DELETE", "/groups/{groupId}", {"groupId": group["id"]})

    # -- meeting sites --------------------------------------------------------------------------
    c("GET", "/meetingPreferences/sites")
    c("PUT", "/meetingPreferences/sites", params={"defaultSite": "true"}, json={"siteUrl": "acme.webex.com"})
    site = {"siteUrl": "acme.webex.com"}
    c("GET", "/admin/meeting/config/commonSettings", params=site)
    c(
        "PATCH",
        "/admin/meeting/config/commonSettings",  # no siteUrl: the spec has none on PATCH
        json={"scheduleMeetingOptions": {"emailReminders": False}},
    )

    # -- meetings -------------------------------------------------------------------------------
    now = datetime.now(timezone.utc)
    start = (now + timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
    window = {"from": z(now), "to": z(now + timedelta(days=30)), "max": "100"}
    meeting = c(
        "POST",
        "/meetings",
        json={
            "title": "Conformance series",
            "agenda": "Everything",
            "start": z(start),
            "end": z(start + timedelta(hours=1)),
            "timezone": "Europe/Berlin",
            "recurrence": "FREQ=DAILY;INTERVAL=1;COUNT=5",
            "siteUrl": "acme-classic.webex.com",
            "enabledJoinBeforeHost": True,
            "joinBeforeHostMinutes": 10,
            "integrationTags": ["conformance"],
            "trackingCodes": [{"name": "Department", "value": "IT"}],
            "meetingOptions": {"enabledChat": False},
            "audioConnectionOptions": {"entryAndExitTone": "noTone"},
            "enabledLiveStream": True,
            "liveStream": {"destination": "Video", "rtmpUrl": "rtmps://example.com/live", "streamUrl": "https://example.com/s"},
            "invitees": [{"email": "bruno.anders2@acme.example.com", "coHost": False}],
        },
    ).json()
    mid = meeting["id"]
    c("GET", "/meetings", params=window)
    occs = c("GET", "/meetings", params={**window, "meetingSeriesId": mid, "meetingType": "scheduledMeeting"}).json()
    occ_ids = [o["id"] for o in occs["items"]]
    c("GET", "/meetings/{meetingId}", {"meetingId": mid})
    c("GET", "/meetings/{meetingId}", {"meetingId": mid}, params={"current": "true"})
    c("GET", "/meetings/{meetingId}", {"meetingId": occ_ids[1]})
    space_meeting = org["meetings"]["spaceMeetings"][space_host]
    c("GET", "/meetings/{meetingId}", {"meetingId": space_meeting}, params={"hostEmail": space_host})
    occ_start = start + timedelta(days=1, hours=2)
    c(
        "PATCH",
        "/meetings/{meetingId}",
        {"meetingId": occ_ids[1]},
        json={"title": "Exception", "start": z(occ_start), "end": z(occ_start + timedelta(minutes=30))},
    )
    c("GET", "/meetings", params={**window, "meetingSeriesId": mid, "meetingType": "scheduledMeeting", "isModified": "true"})
    c("DELETE", "/meetings/{meetingId}", {"meetingId": occ_ids[2]})
    c("PATCH", "/meetings/{meetingId}", {"meetingId": mid}, json={"title": "Renamed", "agenda": None})

    invitee = c(
        "POST",
        "/meetingInvitees",
        json={"meetingId": mid, "email": "chen.anders3@acme.example.com", "coHost": True, "sendEmail": False},
    ).json()
    c(
        "POST",
        "/meetingInvitees/bulkInsert",
        json={
            "meetingId": mid,
            "items": [
                {"email": "outside@partner.example.org", "displayName": "Outside"},
                {"email": "dana.anders4@acme.example.com"},
            ],
        },
    )
    c("GET", "/meetingInvitees", params={"meetingId": mid})
    c("GET", "/meetingInvitees", params={"meetingId": occ_ids[0]})
    c("GET", "/meetingInvitees/{meetingInviteeId}", {"meetingInviteeId": invitee["id"]})
    c(
        "PUT",
        "/meetingInvitees/{meetingInviteeId}",
        {"meetingInviteeId": invitee["id"]},
        json={"email": invitee["email"], "displayName": "Chen", "coHost": False},
    )
    c("DELETE", "/meetingInvitees/{meetingInviteeId}", {"meetingInviteeId": invitee["id"]})
    classic = {"siteUrl": "acme-classic.webex.com"}
    c(
        "POST",
        "/meetings/reassignHost",
        headers=classic,  # 207: one unknown id
        json={"hostEmail": "alice.lopez133@acme.example.com", "meetingIds": [mid, "0" * 32]},
    )
    c("POST", "/meetings/reassignHost", headers=classic, json={"hostEmail": ADA, "meetingIds": [mid]})  # 204
    c(
        "PUT",
        "/meetings/{meetingId}",
        {"meetingId": mid},
        json={
            "title": "Replaced",
            "start": meeting["start"],
            "end": meeting["end"],
            "timezone": "Europe/Berlin",
            "recurrence": "FREQ=DAILY;INTERVAL=1;COUNT=3",
            "password": "Zq7#Rt9m",
        },
    )
    c("DELETE", "/meetings/{meetingId}", {"meetingId": mid})

    # -- service apps, tokens, authorizations, guests -------------------------------------------
    assert rec.client.post(f"/_emulator/service-apps/{CLIENT_ID}/authorize", json={}).status_code == 200
    integration = mint(rec.client, ADA, ["spark:applications_token"], kind="integration", clientId="Cintegration")
    tokens = c(
        "POST",
        "/applications/{applicationId}/token",
        {"applicationId": ids.application_id(CLIENT_ID)},
        headers=integration,
        json={"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "targetOrgId": org_id},
    ).json()
    refreshed = c(
        "POST",
        "/access_token",
        data={
            "grant_type": "refresh_token",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "refresh_token": tokens["refresh_token"],
        },
    ).json()
    app_token = bearer(refreshed["access_token"])
    c("POST", "/guests/token", headers=app_token, json={"subject": "conformance-guest", "displayName": "Guest"})
    c("GET", "/guests/count", headers=app_token)
    c("GET", "/authorizations/tokenExpiry", headers=app_token)
    personal = mint(rec.client, ADA, ["spark:people_read"])
    listed = c("GET", "/authorizations", params={"personEmail": ADA}).json()["items"]
    portal = next(item for item in listed if item["applicationName"] == deviations.DEVELOPER_PORTAL_APPLICATION_NAME)
    c("DELETE", "/authorizations/{authorizationId}", {"authorizationId": portal["id"]})
    assert rec.client.get("/v1/people/me", headers=personal).status_code == 401
    c("DELETE", "/authorizations", params={"clientId": CLIENT_ID, "orgId": org_id})

    # -- last: deleting the person created above -------------------------------------------------
    c("DELETE", "/people/{personId}", {"personId": new["id"]})


@pytest.fixture(scope="module")
def scenario(app: Any, spec: Spec) -> Recorder:
    with SpecTestClient(app, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as client:
        recorder = Recorder(client, spec)
        run_scenario(recorder, app.state.seed_summary)
        return recorder


def test_scenario_exercises_every_served_route(app: Any, scenario: Recorder) -> None:
    served = served_api_routes(app)
    missing = sorted(f"{m} {t}" for m, t in served - set(scenario.exercised))
    assert missing == [], f"served routes the conformance scenario does not exercise: {missing}"


def test_every_success_body_matches_the_spec_schema(scenario: Recorder) -> None:
    assert scenario.problems == [], "\n".join(scenario.problems)


# ---------------------------------------------------------------------------------------------
# The checker itself can fail
# ---------------------------------------------------------------------------------------------


def test_checker_reports_schema_violations(spec: Spec) -> None:
    bad_meeting = b'{"id": "870f51ff287b41be84648412901e0402", "title": 5}'
    problems = check_response(
        spec, "GET", "/meetings/{meetingId}", 200, "application/json;charset=UTF-8", bad_meeting, deviations
    )
    assert any("'password' is a required property" in p for p in problems)
    assert any(p.startswith("title: 5 is not of type 'string'") for p in problems)


def test_checker_reports_undeclared_status_and_body_on_204(spec: Spec) -> None:
    assert check_response(spec, "POST", "/meetings", 201, "application/json", b"{}", deviations)[0].startswith("status 201")
    assert check_response(spec, "DELETE", "/meetings/{meetingId}", 204, None, b"{}", deviations) == ["204 response has a body"]


def test_deviation_is_applied_only_where_documented(spec: Spec) -> None:
    body = {"siteUrls": [{"siteUrl": "a.webex.com", "accountType": "HOST"}], "other": "HOST"}
    mapped, problems = apply_response_deviations("PATCH", "/licenses/users", body, deviations.RESPONSE_DEVIATIONS)
    assert problems == [] and mapped["siteUrls"][0]["accountType"] == "host" and mapped["other"] == "HOST"
    # The spec's own lower-case spelling is NOT what the live service sends: flagged.
    _, problems = apply_response_deviations(
        "PATCH", "/licenses/users", {"siteUrls": [{"siteUrl": "a", "accountType": "host"}]}, deviations.RESPONSE_DEVIATIONS
    )
    assert len(problems) == 1 and "live spelling" in problems[0]
    # Other operations get no mapping.
    untouched, _ = apply_response_deviations("GET", "/people", body, deviations.RESPONSE_DEVIATIONS)
    assert untouched == body


def test_text_body_deviation_is_checked(spec: Spec) -> None:
    assert check_response(spec, "GET", "/guests/count", 200, "text/plain", b"12", deviations) == []
    assert check_response(spec, "GET", "/guests/count", 200, "text/plain", b'{"112": 1}', deviations) != []
