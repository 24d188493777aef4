"""The request contract (webex_emulator/contract.py): requests are held to the official spec."""

from __future__ import annotations

import os

import pytest

from webex_emulator import contract
from webex_emulator.contract import load_spec_or_none
from webex_emulator.testing import EmulatorServer
from tests.contract_check import describe, unexpected_violations
from tests.emulator.conftest import ADMIN_TOKEN, lax_client

pytestmark = pytest.mark.skipif(load_spec_or_none() is None, reason="the request contract needs the Webex OpenAPI specs")

SETTINGS = "/v1/admin/meeting/config/commonSettings"


def violations(c) -> dict:
    return c.get("/_emulator/requests/violations").json()


def test_unknown_query_parameter_is_400_in_strict_mode_with_the_webex_error_body(app_client):
    r = app_client.get("/v1/people/me", params={"fields": "all"})
    assert r.status_code == 400
    body = r.json()
    assert body["message"].startswith("The request could not be understood")
    assert body["errors"] == [{"description": "query fields: is not a parameter of this operation"}]
    assert body["trackingId"]
    assert violations(app_client)["routes"]["GET /v1/people/me"]["count"] == 1


def test_unknown_query_parameter_is_served_and_counted_in_lax_mode():
    c = lax_client()
    assert c.get("/v1/people/me", params={"fields": "all"}).status_code == 200
    v = violations(c)
    assert v["strict"] is False and v["total"] == 1


@pytest.mark.parametrize(
    "params, fragment",
    [
        ({"max": "ten"}, "query max: 'ten' is not a number"),
        ({"meetingType": "party"}, "query meetingType: 'party' is not one of"),
        ({"current": "yes"}, "query current: 'yes' is not a boolean"),
    ],
)
def test_wrong_type_or_enum_query_values_are_400_even_in_lax_mode(params, fragment):
    c = lax_client()
    r = c.get("/v1/meetings", params=params)
    assert r.status_code == 400  # the handler's own, more specific message wins
    assert fragment in violations(c)["routes"]["GET /v1/meetings"]["examples"][0]


def test_missing_required_query_parameter_is_400(app_client):
    r = app_client.get("/v1/meetingInvitees")
    assert r.status_code == 400
    assert violations(app_client)["routes"]["GET /v1/meetingInvitees"]["examples"] == ["query meetingId: is required"]


def test_next_link_cursor_is_not_an_unknown_parameter(app_client):
    r = app_client.get("/v1/people", params={"max": "2"})
    nxt = r.headers["link"].split(">")[0].lstrip("<").replace("http://testserver", "")
    assert app_client.get(nxt).status_code == 200
    assert violations(app_client)["total"] == 0


def test_a_body_the_handler_accepts_but_the_schema_does_not_is_400_and_changes_nothing(app_client):
    before = app_client.get(SETTINGS).json()
    # defaultSchedulerOptions requires entryAndExitTone AND telephonySupport (spec schema).
    r = app_client.patch(SETTINGS, json={"defaultSchedulerOptions": {"entryAndExitTone": "NoTone"}})
    assert r.status_code == 400
    assert "defaultSchedulerOptions: 'telephonySupport' is a required property" in r.text
    assert app_client.get(SETTINGS).json() == before


def test_a_complete_nested_object_passes(app_client):
    opts = app_client.get(SETTINGS).json()["defaultSchedulerOptions"]
    r = app_client.patch(SETTINGS, json={"defaultSchedulerOptions": {**opts, "entryAndExitTone": "NoTone"}})
    assert r.status_code == 200, r.text
    assert violations(app_client)["total"] == 0


def test_handler_errors_keep_their_specific_message_and_are_counted(app_client):
    r = app_client.post("/v1/people", json={"displayName": "No Email"})
    assert r.status_code == 400
    assert "emails" in violations(app_client)["routes"]["POST /v1/people"]["examples"][0]


def test_counter_reset_keeps_violations(app_client):
    app_client.get("/v1/people/me", params={"bogus": "1"})
    app_client.delete("/_emulator/requests")
    assert violations(app_client)["total"] == 1


def test_violations_in_a_thread_emulator_are_attributed_to_the_running_test():
    start = len(contract.SUITE_LOG)
    with EmulatorServer(seed="sample", admin_token=ADMIN_TOKEN) as emu, emu.client() as c:
        assert c.get("/people/me", params={"bogus": "1"}).status_code == 400
    seen = contract.SUITE_LOG[start:]
    assert seen == [
        (
            os.environ["PYTEST_CURRENT_TEST"].rsplit(" (", 1)[0],
            "GET /v1/people/me",
            "query bogus: is not a parameter of this operation",
        )
    ]


def test_violations_in_a_child_process_emulator_are_collected_at_stop():
    start = len(contract.SUITE_LOG)
    with EmulatorServer(seed=None, admin_token=ADMIN_TOKEN, subprocess=True) as emu, emu.client() as c:
        c.get("/people/me", params={"bogus": "1"})
        assert len(contract.SUITE_LOG) == start  # not yet: it lives in the child
    assert [e[1:] for e in contract.SUITE_LOG[start:]] == [
        ("GET /v1/people/me", "query bogus: is not a parameter of this operation")
    ]


def test_the_suite_check_exempts_only_the_emulators_own_tests():
    log = [
        ("tests/emulator/test_x.py::t", "GET /v1/x", "bad on purpose"),
        ("tests/client/test_y.py::t", "PATCH /v1/y", "query siteUrl: is not a parameter"),
    ]
    left = unexpected_violations(log)
    assert left == log[1:]
    assert "tests/client/test_y.py::t: PATCH /v1/y: query siteUrl" in describe(left)


def test_route_scopes_match_the_spec_security_where_the_spec_declares_it(app):
    spec = load_spec_or_none()
    checked = 0
    for routes in app.runtime.routes.by_len.values():
        for r in routes:
            op = spec.operation(r.method, r.template)
            for requirement in (op.operation.get("security") or []) if op else []:
                for scopes in requirement.values():
                    if scopes:
                        assert set(scopes) <= {s for alt in r.scopes or [] for s in ([alt] if isinstance(alt, str) else alt)}, r
                        checked += 1
    assert checked >= 1  # POST /applications/{applicationId}/token: spark:applications_token
