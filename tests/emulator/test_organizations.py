"""Organizations and roles ([SA] tags Organizations, Roles)."""

from __future__ import annotations

from .conftest import bearer, mint


def test_list_organizations_is_not_paginated_and_has_required_fields(app_client):
    r = app_client.get("/v1/organizations")
    items = r.json()["items"]
    assert "link" not in r.headers and len(items) == 1
    assert set(items[0]) == {"id", "displayName", "created"}
    assert items[0]["displayName"] == "Acme, Inc."


def test_get_organization_by_id_and_unknown_is_404(app, app_client):
    org = app.state.seed_summary["orgs"][0]
    assert app_client.get(f"/v1/organizations/{org['id']}").json()["id"] == org["id"]
    assert app_client.get("/v1/organizations/Y2lzY29zcGFyazovL3VzL09SR0FOSVpBVElPTi94").status_code == 404


def test_user_sees_only_own_org_and_second_org_is_forbidden(app_client):
    seeded = app_client.post(
        "/_emulator/seed",
        json={
            "orgs": [
                {
                    "key": "other",
                    "displayName": "Other Org",
                    "people": [{"email": "o@other.example.com", "displayName": "O", "roles": ["full_admin"]}],
                }
            ]
        },
    ).json()
    other_id = seeded["orgs"][0]["id"]
    assert len(app_client.get("/v1/organizations").json()["items"]) == 2  # admin token: all orgs
    tok = mint(app_client, "alice.anders1@acme.example.com", ["spark:organizations_read"])
    mine = app_client.get("/v1/organizations", headers=bearer(tok)).json()["items"]
    assert [o["displayName"] for o in mine] == ["Acme, Inc."]
    assert app_client.get(f"/v1/organizations/{other_id}", headers=bearer(tok)).status_code == 403


def test_roles_list_full_administrator(app_client):
    roles = app_client.get("/v1/roles").json()["items"]
    names = {r["name"] for r in roles}
    assert "Full Administrator" in names
    rid = next(r["id"] for r in roles if r["name"] == "Full Administrator")
    assert app_client.get(f"/v1/roles/{rid}").json()["name"] == "Full Administrator"
