"""Groups ([SA] tag Groups; docs/webex-behaviour.md "Groups")."""

from __future__ import annotations

from webex_emulator.core import ids

from .conftest import bearer, mint


def pid(c, email: str) -> str:
    return c.get("/v1/people", params={"email": email}).json()["items"][0]["id"]


def test_list_groups_uses_the_scim_envelope(app_client):
    body = app_client.get("/v1/groups").json()
    assert set(body) == {"totalResults", "startIndex", "itemsPerPage", "groups"}
    assert body["totalResults"] == 3 and body["startIndex"] == 1 and body["itemsPerPage"] == 3
    assert all("members" not in g and isinstance(g["memberSize"], int) for g in body["groups"])


def test_filter_display_name_eq_and_sw(app_client):
    eq = app_client.get("/v1/groups", params={"filter": 'displayName eq "executives"'}).json()
    assert [g["displayName"] for g in eq["groups"]] == ["executives"]
    sw = app_client.get("/v1/groups", params={"filter": 'displayName sw "meeting"'}).json()
    assert [g["displayName"] for g in sw["groups"]] == ["meeting-hosts"]
    assert app_client.get("/v1/groups", params={"filter": "name = x"}).status_code == 400


def test_include_members_returns_members_with_person_ids(app_client):
    g = app_client.get("/v1/groups", params={"filter": 'displayName eq "executives"', "includeMembers": "true"}).json()["groups"][
        0
    ]
    assert g["memberSize"] == len(g["members"]) == 9
    assert all(ids.decode_uuid(m["id"], "PEOPLE") and m["type"] == "user" for m in g["members"])


def test_start_index_and_count_page_groups_with_a_next_link(app_client):
    r = app_client.get("/v1/groups", params={"count": 2, "sortBy": "displayName"})
    body = r.json()
    assert body["itemsPerPage"] == 2 and body["totalResults"] == 3
    assert "startIndex=3" in r.headers["link"] and "count=2" in r.headers["link"]
    last = app_client.get("/v1/groups", params={"count": 2, "startIndex": 3, "sortBy": "displayName"})
    assert [g["displayName"] for g in last.json()["groups"]] == ["space-meeting-hosts"]
    assert "link" not in last.headers


def test_create_group_simple_form_answers_201_like_the_live_service():
    from tests.emulator.conftest import lax_client

    app_client = lax_client()
    r = app_client.post(
        "/v1/groups",
        json={
            "displayName": "Sales Group",
            "description": "Sales",
            "members": [{"id": pid(app_client, "alice.anders1@acme.example.com")}],
        },
    )
    assert r.status_code == 201
    g = r.json()
    assert g["memberSize"] == 1 and g["members"][0]["displayName"] == "Alice Anders"
    assert app_client.get(f"/v1/groups/{g['id']}").status_code == 200


def test_create_group_scim_form_with_raw_uuid_members(app_client):
    uuid = ids.decode_uuid(pid(app_client, "alice.anders1@acme.example.com"), "PEOPLE")
    r = app_client.post(
        "/v1/groups",
        json={
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "scim-group",
            "members": [{"value": uuid, "type": "user"}],
        },
    )
    assert r.status_code == 201 and r.json()["memberSize"] == 1


def test_duplicate_group_name_is_409(app_client):
    assert app_client.post("/v1/groups", json={"displayName": "executives"}).status_code == 409


def test_patch_group_simple_form_adds_and_deletes_members_like_the_live_service():
    from tests.emulator.conftest import lax_client

    app_client = lax_client()
    app = app_client.app
    gid = app.state.seed_summary["orgs"][0]["groups"]["executives"]
    a = pid(app_client, "alice.anders1@acme.example.com")
    z = pid(app_client, "hiro.quinn200@acme.example.com")
    r = app_client.patch(
        f"/v1/groups/{gid}",
        json={"description": "Exec", "members": [{"id": z, "operation": "add"}, {"id": a, "operation": "delete"}]},
    )
    assert r.status_code == 200
    member_ids = {m["id"] for m in r.json()["members"]}
    assert z in member_ids and a not in member_ids and r.json()["description"] == "Exec"


def test_members_path_matches_in_any_letter_case_and_pages(app, app_client):
    gid = app.state.seed_summary["orgs"][0]["groups"]["meeting-hosts"]
    for seg in ("members", "Members", "MEMBERS"):
        r = app_client.get(f"/v1/groups/{gid}/{seg}", params={"count": 50})
        assert r.status_code == 200
        assert r.json()["totalResults"] == 111 and len(r.json()["members"]) == 50
    assert "startIndex=51" in r.headers["link"]


def test_group_members_count_is_capped_at_500(app, app_client):
    gid = app.state.seed_summary["orgs"][0]["groups"]["meeting-hosts"]
    r = app_client.get(f"/v1/groups/{gid}/members", params={"count": 5000})
    assert r.json()["itemsPerPage"] == 111


def test_delete_group_is_204_then_404(app, app_client):
    gid = app.state.seed_summary["orgs"][0]["groups"]["space-meeting-hosts"]
    assert app_client.delete(f"/v1/groups/{gid}").status_code == 204
    assert app_client.get(f"/v1/groups/{gid}").status_code == 404


def test_groups_need_identity_groups_scopes(app_client):
    tok = mint(app_client, "ada.admin@acme.example.com", ["identity:groups_read"])
    assert app_client.get("/v1/groups", headers=bearer(tok)).status_code == 200
    assert app_client.post("/v1/groups", json={"displayName": "x"}, headers=bearer(tok)).status_code == 403
