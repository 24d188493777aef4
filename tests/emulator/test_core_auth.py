"""Bearer auth, scopes and roles (docs/webex-behaviour.md "Scopes")."""

from __future__ import annotations

from webex_emulator.core.errors import FORBIDDEN_MESSAGE

from .conftest import bearer, mint

USER = "alice.anders1@acme.example.com"  # generated person #1, no admin role
ADMIN = "ada.admin@acme.example.com"


def test_missing_token_is_401_with_webex_body(app_client):
    r = app_client.get("/v1/people/me", headers={"Authorization": ""})
    assert r.status_code == 401
    assert r.json()["message"].startswith("The request requires a valid access token")


def test_unknown_token_is_401(app_client):
    assert app_client.get("/v1/people/me", headers=bearer("nope")).status_code == 401


def test_expired_token_is_401_once_the_emulator_clock_passes_expiry(app_client):
    tok = mint(app_client, USER, ["spark:people_read"], expiresIn=60)
    assert app_client.get("/v1/people/me", headers=bearer(tok)).status_code == 200
    app_client.put("/_emulator/clock", json={"advanceSeconds": 61})
    assert app_client.get("/v1/people/me", headers=bearer(tok)).status_code == 401


def test_missing_scope_is_403_with_the_live_message(app_client):
    tok = mint(app_client, USER, ["meeting:schedules_read"])
    r = app_client.get("/v1/people/me", headers=bearer(tok))
    assert r.status_code == 403
    assert r.json()["message"] == FORBIDDEN_MESSAGE


def test_admin_scope_without_admin_role_is_403(app_client):
    tok = mint(app_client, USER, ["spark-admin:licenses_read"])
    assert app_client.get("/v1/licenses", headers=bearer(tok)).status_code == 403


def test_patch_licenses_needs_people_write_scope_even_for_a_full_admin(app_client):
    tok = mint(app_client, ADMIN, ["spark-admin:people_read", "spark-admin:licenses_read"])
    r = app_client.patch("/v1/licenses/users", headers=bearer(tok), json={"email": USER, "licenses": []})
    assert r.status_code == 403


def test_post_people_needs_both_write_and_read_scopes(app_client):
    body = {"emails": ["x1@acme.example.com"], "displayName": "X"}
    only_write = mint(app_client, ADMIN, ["spark-admin:people_write"])
    assert app_client.post("/v1/people", headers=bearer(only_write), json=body).status_code == 403
    both = mint(app_client, ADMIN, ["spark-admin:people_write", "spark-admin:people_read"])
    assert app_client.post("/v1/people", headers=bearer(both), json=body).status_code == 200


def test_readonly_admin_can_read_licenses_but_not_assign(app_client):
    tok = mint(
        app_client,
        "rory.readonly@acme.example.com",
        ["spark-admin:licenses_read", "spark-admin:people_write", "spark-admin:people_read"],
    )
    assert app_client.get("/v1/licenses", headers=bearer(tok)).status_code == 200
    r = app_client.patch("/v1/licenses/users", headers=bearer(tok), json={"email": USER})
    assert r.status_code == 403


def test_spark_all_covers_spark_user_scopes_but_not_admin_scopes(app_client):
    tok = mint(app_client, ADMIN, ["spark:all"])
    assert app_client.get("/v1/people/me", headers=bearer(tok)).status_code == 200
    assert app_client.get("/v1/licenses", headers=bearer(tok)).status_code == 403


def test_token_of_a_deleted_person_stops_working(app_client):
    tok = mint(app_client, USER, ["spark:people_read"])
    me = app_client.get("/v1/people/me", headers=bearer(tok)).json()
    assert app_client.delete(f"/v1/people/{me['id']}").status_code == 204
    assert app_client.get("/v1/people/me", headers=bearer(tok)).status_code == 401


def test_admin_token_is_a_full_admin_bound_to_the_seeded_org(app, app_client):
    me = app_client.get("/v1/people/me").json()
    org = app.state.seed_summary["orgs"][0]
    assert me["id"] == org["adminPersonId"] and me["orgId"] == org["id"]
    assert me["roles"] and "licenses" in me
