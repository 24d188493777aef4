"""The /_emulator control surface: counts, log, tokens, service apps, reset, clock."""

from __future__ import annotations

import sqlite3

from webex_emulator.core import ids


def test_counts_are_per_method_and_route_template(app_client):
    app_client.delete("/_emulator/requests")
    me = app_client.get("/v1/people/me").json()
    app_client.get(f"/v1/people/{me['id']}")
    app_client.get("/v1/people/Y2lzY29zcGFyazovL3VzL1BFT1BMRS94")  # 404 counts too
    app_client.get("/v1/nope")
    counts = app_client.get("/_emulator/requests/counts").json()
    assert counts["counts"]["GET /v1/people/me"] == 1
    assert counts["counts"]["GET /v1/people/{personId}"] == 2
    assert counts["byStatus"]["GET /v1/people/{personId}"] == {"200": 1, "404": 1}
    assert counts["counts"]["GET /v1/nope"] == 1
    assert counts["total"] == 4


def test_reset_counters_clears_counts_and_log(app_client):
    app_client.get("/v1/people/me")
    assert app_client.delete("/_emulator/requests").status_code == 200
    assert app_client.get("/_emulator/requests/counts").json()["total"] == 0
    assert app_client.get("/_emulator/requests/log").json()["items"] == []


def test_request_log_records_body_query_status_tracking_and_redacts_secrets(app_client):
    app_client.delete("/_emulator/requests")
    app_client.patch(
        "/v1/licenses/users?x=1", json={"email": "nobody@x.com", "clientSecret": "s3cr3t"}, headers={"TrackingID": "T-1"}
    )
    entry = app_client.get("/_emulator/requests/log").json()["items"][-1]
    assert entry["method"] == "PATCH" and entry["route"] == "/v1/licenses/users"
    assert entry["query"] == "x=1" and entry["status"] == 404 and entry["trackingId"] == "T-1"
    assert entry["body"] == {"email": "nobody@x.com", "clientSecret": "***"}
    assert entry["applied"] is False and entry["timestamp"].endswith("Z")


def test_mint_token_with_scopes_and_roles(app_client):
    r = app_client.post(
        "/_emulator/tokens",
        json={"email": "alice.anders1@acme.example.com", "scopes": ["spark-admin:licenses_read"], "roles": ["full_admin"]},
    )
    tok = r.json()["token"]
    assert app_client.get("/v1/licenses", headers={"Authorization": f"Bearer {tok}"}).status_code == 200
    assert app_client.post("/_emulator/tokens", json={"email": "no@x.com", "scopes": []}).status_code == 404


def test_tokens_and_client_secrets_are_stored_hashed(app, app_client):
    tok = app_client.post(
        "/_emulator/tokens", json={"email": "alice.anders1@acme.example.com", "scopes": ["spark:people_read"]}
    ).json()["token"]
    app_client.post("/_emulator/service-apps", json={"name": "x", "scopes": [], "clientSecret": "topsecret-123"})
    conn = app.runtime.state.conn
    dump = "\n".join(conn.iterdump())
    assert tok not in dump and "topsecret-123" not in dump and "sample-secret-not-real-0001" not in dump


def test_register_and_authorize_a_service_app(app, app_client):
    app_json = app_client.post(
        "/_emulator/service-apps", json={"name": "Provisioner", "scopes": ["spark-admin:people_read"]}
    ).json()
    assert app_json["clientId"].startswith("C") and len(app_json["clientSecret"]) >= 32
    assert ids.decode_uuid(app_json["id"], "APPLICATION") == app_json["clientId"]
    assert app_json["authorizedOrgIds"] == []
    org_id = app.state.seed_summary["orgs"][0]["id"]
    out = app_client.post(f"/_emulator/service-apps/{app_json['id']}/authorize", json={"orgId": org_id}).json()
    assert out["authorizedOrgIds"] == [org_id]
    from webex_emulator.core import service_apps as sa

    conn = app.runtime.state.conn
    assert sa.is_authorized(conn, app_json["clientId"], app.state.seed_summary["orgs"][0]["uuid"])
    assert sa.check_secret(conn, app_json["clientId"], app_json["clientSecret"])
    assert not sa.check_secret(conn, app_json["clientId"], "wrong")
    out = app_client.delete(f"/_emulator/service-apps/{app_json['clientId']}/authorize", params={"orgId": org_id}).json()
    assert out["authorizedOrgIds"] == []


def test_sample_service_app_is_registered_but_not_authorized(app_client):
    apps = app_client.get("/_emulator/service-apps").json()["items"]
    assert [a["name"] for a in apps] == ["webex-iac migration"]
    assert apps[0]["authorizedOrgIds"] == [] and "clientSecret" not in apps[0]


def test_reset_wipes_state_and_keeps_the_admin_token_for_a_reseed(app_client):
    assert app_client.post("/_emulator/reset", json={}).status_code == 200
    assert app_client.get("/_emulator/orgs").json()["orgs"] == []
    assert app_client.get("/v1/people/me").status_code == 404
    out = app_client.post("/_emulator/reset", json={"seed": "sample"}).json()
    assert out["seed"]["orgs"][0]["displayName"] == "Acme, Inc."
    assert app_client.get("/v1/people/me").json()["emails"] == ["ada.admin@acme.example.com"]


def test_seeding_the_same_org_twice_is_rejected(app_client):
    assert app_client.post("/_emulator/seed", json={"name": "sample"}).status_code == 400


def test_clock_can_be_frozen_and_advanced(app_client):
    c = app_client.put("/_emulator/clock", json={"frozenAt": "2030-01-01T00:00:00Z"}).json()
    assert c["now"] == "2030-01-01T00:00:00.000Z" and c["frozen"] is True
    c = app_client.put("/_emulator/clock", json={"advanceSeconds": 90}).json()
    assert c["now"] == "2030-01-01T00:01:30.000Z"
    r = app_client.post("/v1/groups", json={"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "clocked"})
    assert r.json()["created"] == "2030-01-01T00:01:30.000Z"
    assert app_client.delete("/_emulator/clock").json()["frozen"] is False


def test_info_lists_routes_and_areas(app_client):
    info = app_client.get("/_emulator/info").json()
    assert "PATCH /v1/licenses/users" in info["routes"]
    assert {"organizations", "people", "licenses", "groups", "sites"} <= set(info["areas"])


def test_state_is_a_real_sqlite_database(app):
    assert isinstance(app.runtime.state.conn, sqlite3.Connection)
