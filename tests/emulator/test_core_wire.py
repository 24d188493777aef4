"""Cross-cutting wire format (docs/webex-behaviour.md "Errors", "Tracking ids", "Paging", "Wire formats")."""

from __future__ import annotations

import re

from webex_emulator.core import ids

TS_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def test_every_response_carries_a_router_style_trackingid_header(app_client):
    ok = app_client.get("/v1/people/me")
    err = app_client.get("/v1/people/nope")
    for r in (ok, err):
        assert re.match(r"^ROUTER_[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$", r.headers["trackingid"])
    assert err.json()["trackingId"] == err.headers["trackingid"]


def test_request_trackingid_header_is_echoed_in_header_and_error_body(app_client):
    r = app_client.get("/v1/people/nope", headers={"TrackingID": "SIMPLE_abc-123"})
    assert r.headers["trackingid"] == "SIMPLE_abc-123"
    assert r.json()["trackingId"] == "SIMPLE_abc-123"


def test_error_body_has_message_errors_description_and_trackingid(app_client):
    r = app_client.get("/v1/people/Y2lzY29zcGFyazovL3VzL1BFT1BMRS9ub3BlCg")
    assert r.status_code == 404
    body = r.json()
    assert set(body) == {"message", "errors", "trackingId"}
    assert body["message"] == "The requested resource could not be found."
    assert body["errors"] and all("description" in e for e in body["errors"])


def test_json_content_type_is_application_json_charset_utf8(app_client):
    r = app_client.get("/v1/licenses")
    assert r.headers["content-type"] == "application/json;charset=UTF-8"


def test_unknown_path_is_404_and_wrong_method_is_405_with_webex_bodies(app_client):
    r = app_client.get("/v1/does-not-exist")
    assert r.status_code == 404 and "trackingId" in r.json()
    r = app_client.post("/v1/licenses", json={})
    assert r.status_code == 405 and r.json()["errors"][0]["description"]


def test_timestamps_have_milliseconds_and_z(app_client):
    me = app_client.get("/v1/people/me").json()
    org = app_client.get("/v1/organizations").json()["items"][0]
    for ts in (me["created"], me["lastModified"], org["created"]):
        assert TS_RE.match(ts), ts


def test_ids_are_unpadded_base64_of_ciscospark_uris(app_client):
    me = app_client.get("/v1/people/me").json()
    assert "=" not in me["id"]
    d = ids.decode(me["id"])
    assert d is not None and d.cluster == "us" and d.type == "PEOPLE" and ids.is_uuid(d.rest)
    lic = app_client.get("/v1/licenses").json()["items"][0]
    org_uuid, offer, lic_uuid = ids.decode_license(lic["id"])
    assert org_uuid == ids.decode_uuid(me["orgId"], "ORGANIZATION")
    assert offer == "MS" and ids.is_uuid(lic_uuid)


def test_padded_ids_are_accepted_like_unpadded(app_client):
    me = app_client.get("/v1/people/me").json()
    padded = me["id"] + "=" * (-len(me["id"]) % 4)
    assert padded != me["id"]
    r = app_client.get(f"/v1/people/{padded}")
    assert r.status_code == 200 and r.json()["id"] == me["id"]


def test_group_ids_embed_group_and_org_uuid(app, app_client):
    groups = app_client.get("/v1/groups").json()["groups"]
    g, o = ids.decode_group(groups[0]["id"])
    assert ids.is_uuid(g) and o == app.state.seed_summary["orgs"][0]["uuid"]


def test_query_booleans_accept_true_True_TRUE_and_reject_garbage_like_the_live_service():
    from tests.emulator.conftest import lax_client

    with lax_client() as c:
        gid = c.app.state.seed_summary["orgs"][0]["groups"]["executives"]
        for v in ("true", "True", "TRUE"):
            assert "members" in c.get(f"/v1/groups/{gid}", params={"includeMembers": v}).json()
        assert "members" not in c.get(f"/v1/groups/{gid}", params={"includeMembers": "FALSE"}).json()
        assert c.get(f"/v1/groups/{gid}", params={"includeMembers": "yes"}).status_code == 400


def test_strict_contract_takes_only_true_false_query_booleans(app, app_client):
    gid = app.state.seed_summary["orgs"][0]["groups"]["executives"]
    assert "members" in app_client.get(f"/v1/groups/{gid}", params={"includeMembers": "true"}).json()
    r = app_client.get(f"/v1/groups/{gid}", params={"includeMembers": "True"})
    assert r.status_code == 400 and "includeMembers" in r.json()["errors"][0]["description"]


def test_delete_answers_204_with_empty_body(app, app_client):
    gid = app.state.seed_summary["orgs"][0]["groups"]["executives"]
    r = app_client.delete(f"/v1/groups/{gid}")
    assert r.status_code == 204 and r.content == b""
    assert "content-type" not in r.headers
    assert r.headers["trackingid"]


def test_invalid_json_body_is_a_400_webex_error(app_client):
    r = app_client.patch("/v1/licenses/users", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["message"]
