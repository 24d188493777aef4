"""People: list filters/paging, POST, PUT full replace, DELETE, licenses ↔ siteUrls ([SA] tag People; docs/webex-behaviour.md "People")."""

from __future__ import annotations

from typing import Any

import pytest

from webex_emulator.areas.licenses import model as lic_model
from webex_emulator.core import ids

from .conftest import bearer, mint

ADMIN = "ada.admin@acme.example.com"
USER = "alice.anders1@acme.example.com"


@pytest.fixture
def lic(app) -> dict[str, str]:
    return app.state.seed_summary["orgs"][0]["licenses"]


def person(c, email: str) -> dict[str, Any]:
    items = c.get("/v1/people", params={"email": email}).json()["items"]
    assert len(items) == 1
    return c.get(f"/v1/people/{items[0]['id']}").json()


def consumed(c, lid: str) -> int:
    return c.get(f"/v1/licenses/{lid}").json()["consumedUnits"]


def test_list_people_caps_max_silently_and_link_repeats_every_param(app_client):
    # callingData=true caps at 100 (deviations.PEOPLE_MAX_CAP_CALLING_DATA).
    r = app_client.get("/v1/people", params={"max": 1000, "excludeStatus": "true", "callingData": "true"})
    assert r.status_code == 200
    items = r.json()["items"]
    assert len(items) == 100
    link = r.headers["link"]
    assert link.startswith("<http://testserver/v1/people?") and link.endswith('>; rel="next"')
    for p in ("callingData=true", "max=1000", "excludeStatus=true", "cursor="):
        assert p in link
    # A plain list takes up to 1,000 per page; above that the cap applies silently.
    r = app_client.get("/v1/people", params={"max": 5000})
    assert len(r.json()["items"]) == 203 and "link" not in r.headers


def test_following_next_links_visits_everyone_once_and_stops_without_link(app_client):
    url: str | None = "/v1/people?max=37"
    seen: list[str] = []
    while url:
        r = app_client.get(url)
        seen += [p["id"] for p in r.json()["items"]]
        link = r.headers.get("link")
        url = link[1 : link.index(">")].replace("http://testserver", "") if link else None
    assert len(seen) == len(set(seen)) == 203


def test_next_link_keeps_the_display_name_filter(app_client):
    r = app_client.get("/v1/people", params={"displayName": "A", "max": 5})
    link = r.headers["link"]
    assert "displayName=A" in link and "max=5" in link
    nxt = app_client.get(link[1 : link.index(">")].replace("http://testserver", ""))
    assert all(p["displayName"].startswith("A") for p in nxt.json()["items"])


def test_last_full_page_has_no_next_link(app_client):
    r = app_client.get("/v1/people", params={"displayName": "Ada"})
    assert len(r.json()["items"]) == 1 and "link" not in r.headers


def test_display_name_filter_is_a_case_insensitive_prefix_match(app_client):
    names = [p["displayName"] for p in app_client.get("/v1/people", params={"displayName": "greta"}).json()["items"]]
    assert names and all(n.startswith("Greta") for n in names)


def test_email_filter_is_exact_and_case_insensitive(app_client):
    items = app_client.get("/v1/people", params={"email": ADMIN.upper()}).json()["items"]
    assert [p["emails"][0] for p in items] == [ADMIN]
    assert app_client.get("/v1/people", params={"email": "ada"}).json()["items"] == []


def test_id_list_returns_found_people_and_not_found_ids_without_admin_fields(app_client):
    me = app_client.get("/v1/people/me").json()
    ghost = ids.person_id("00000000-0000-0000-0000-000000000000")
    body = app_client.get("/v1/people", params={"id": f"{me['id']},{ghost}"}).json()
    assert [p["id"] for p in body["items"]] == [me["id"]]
    assert body["notFoundIds"] == [ghost]
    assert "licenses" not in body["items"][0] and "roles" not in body["items"][0]


def test_id_list_longer_than_85_is_rejected(app_client):
    many = ",".join(ids.person_id(ids.new_uuid()) for _ in range(86))
    assert app_client.get("/v1/people", params={"id": many}).status_code == 400


def test_non_admin_must_filter_by_email_display_name_or_id(app_client):
    tok = mint(app_client, USER, ["spark:people_read"])
    assert app_client.get("/v1/people", headers=bearer(tok)).status_code == 400
    r = app_client.get("/v1/people", params={"displayName": "Ada"}, headers=bearer(tok))
    assert r.status_code == 200 and "licenses" not in r.json()["items"][0]


def test_people_me_requires_people_read_scope(app_client):
    assert app_client.get("/v1/people/me", headers=bearer(mint(app_client, USER, []))).status_code == 403
    r = app_client.get("/v1/people/me", headers=bearer(mint(app_client, USER, ["spark:people_read"])))
    assert r.status_code == 200 and r.json()["emails"] == [USER]


def test_person_bool_fields_are_strings_for_admins(app_client):
    p = person(app_client, USER)
    assert p["invitePending"] == "false" and p["loginEnabled"] == "true" and p["type"] == "person"


def test_post_people_creates_with_licenses_and_attendee_site(app_client, lic):
    before = consumed(app_client, lic["new-meetings"])
    r = app_client.post(
        "/v1/people",
        json={
            "emails": ["new.person@acme.example.com"],
            "firstName": "New",
            "lastName": "Person",
            "licenses": [lic["messaging"], lic["new-meetings"]],
            "siteUrls": ["acme-classic.webex.com#attendee"],
        },
    )
    assert r.status_code == 200
    body = r.json()
    assert body["displayName"] == "New Person"
    assert set(body["licenses"]) == {lic["messaging"], lic["new-meetings"]}
    assert body["siteUrls"] == ["acme.webex.com", "acme-classic.webex.com#attendee"]
    assert consumed(app_client, lic["new-meetings"]) == before + 1


def test_post_people_duplicate_email_is_409(app_client):
    r = app_client.post("/v1/people", json={"emails": [ADMIN], "displayName": "Dup"})
    assert r.status_code == 409 and r.json()["trackingId"]


def test_post_people_requires_emails_and_a_name(app_client):
    assert app_client.post("/v1/people", json={"displayName": "x"}).status_code == 400
    assert app_client.post("/v1/people", json={"emails": ["q@acme.example.com"]}).status_code == 400


def test_post_people_min_response_returns_only_the_id(app_client):
    r = app_client.post("/v1/people?minResponse=true", json={"emails": ["min@acme.example.com"], "displayName": "Min"})
    assert r.status_code == 200 and list(r.json()) == ["id"]


def test_post_people_skips_licenses_over_capacity(app, app_client, lic):
    row = lic_model.resolve(app.runtime.state.conn, lic["new-meetings"])
    with app.runtime.state.transaction() as db:
        db.execute("UPDATE licenses SET total_units=consumed_by_users WHERE uuid=?", (row["uuid"],))
    r = app_client.post(
        "/v1/people",
        json={"emails": ["full@acme.example.com"], "displayName": "F", "licenses": [lic["messaging"], lic["new-meetings"]]},
    )
    assert r.status_code == 200 and r.json()["licenses"] == [lic["messaging"]]


def test_put_people_is_a_full_replace_omitted_fields_are_reset(app_client):
    p = person(app_client, ADMIN)
    assert p["title"] == "IT Director" and p["department"] == "IT"
    r = app_client.put(
        f"/v1/people/{p['id']}",
        json={
            "displayName": "Ada A.",
            "emails": p["emails"],
            "licenses": p["licenses"],
            "roles": p["roles"],
            "siteUrls": p["siteUrls"],
        },
    )
    assert r.status_code == 200
    q = person(app_client, ADMIN)
    assert q["displayName"] == "Ada A."
    assert "title" not in q and "department" not in q and "firstName" not in q  # reset
    assert q["licenses"] == p["licenses"] and q["roles"] == p["roles"]


def test_put_people_requires_display_name(app_client):
    p = person(app_client, USER)
    r = app_client.put(f"/v1/people/{p['id']}", json={"emails": p["emails"]})
    assert r.status_code == 400


def test_put_people_nickname_follows_first_name(app_client):
    p = person(app_client, USER)
    body = {**{k: p[k] for k in ("emails", "displayName", "licenses")}, "firstName": "Al", "nickName": "ignored"}
    assert app_client.put(f"/v1/people/{p['id']}", json=body).json()["nickName"] == "Al"


def test_put_people_without_licenses_removes_them_and_frees_units(app_client, lic):
    p = person(app_client, USER)
    before = consumed(app_client, lic["classic-meetings"])
    r = app_client.put(f"/v1/people/{p['id']}", json={"displayName": p["displayName"], "emails": p["emails"]})
    assert r.status_code == 200 and r.json()["licenses"] == []
    assert "siteUrls" not in r.json()
    assert consumed(app_client, lic["classic-meetings"]) == before - 1


def test_put_people_licenses_drive_host_sites_and_consumed_units(app_client, lic):
    p = person(app_client, "chen.jensen111@acme.example.com")
    assert "acme.webex.com" not in p["siteUrls"]
    before = consumed(app_client, lic["new-meetings"])
    body = {
        "displayName": p["displayName"],
        "emails": p["emails"],
        "licenses": p["licenses"] + [lic["new-meetings"]],
        "siteUrls": p["siteUrls"],
    }
    q = app_client.put(f"/v1/people/{p['id']}", json=body).json()
    assert "acme.webex.com" in q["siteUrls"]
    assert consumed(app_client, lic["new-meetings"]) == before + 1


def test_put_people_over_capacity_skips_that_license(app, app_client, lic):
    row = lic_model.resolve(app.runtime.state.conn, lic["new-meetings"])
    with app.runtime.state.transaction() as db:
        db.execute("UPDATE licenses SET total_units=consumed_by_users WHERE uuid=?", (row["uuid"],))
    p = person(app_client, "chen.jensen111@acme.example.com")
    body = {"displayName": p["displayName"], "emails": p["emails"], "licenses": p["licenses"] + [lic["new-meetings"]]}
    q = app_client.put(f"/v1/people/{p['id']}", json=body).json()
    assert lic["new-meetings"] not in q["licenses"] and "acme.webex.com" not in q["siteUrls"]
    assert lic_model.check_invariants(app.runtime.state.conn) == []


def test_put_people_host_to_attendee_on_a_site(app_client, lic):
    p = person(app_client, ADMIN)
    body = {
        "displayName": p["displayName"],
        "emails": p["emails"],
        "roles": p["roles"],
        "licenses": [x for x in p["licenses"] if x != lic["new-meetings"]],
        "siteUrls": ["acme-classic.webex.com", "acme.webex.com#attendee"],
    }
    q = app_client.put(f"/v1/people/{p['id']}", json=body).json()
    assert q["siteUrls"] == ["acme-classic.webex.com", "acme.webex.com#attendee"]


def test_put_people_removes_attendee_site_only_with_show_all_types(app_client):
    email = "hiro.quinn200@acme.example.com"
    p = person(app_client, email)
    assert "acme.webex.com#attendee" in p["siteUrls"]
    body = {
        "displayName": p["displayName"],
        "emails": p["emails"],
        "licenses": p["licenses"],
        "siteUrls": [s for s in p["siteUrls"] if "#" not in s],
    }
    kept = app_client.put(f"/v1/people/{p['id']}", json=body).json()
    assert "acme.webex.com#attendee" in kept["siteUrls"]
    gone = app_client.put(f"/v1/people/{p['id']}?showAllTypes=true", json=body).json()
    assert "acme.webex.com#attendee" not in gone.get("siteUrls", [])


def test_put_people_min_response_is_204(app_client):
    p = person(app_client, USER)
    r = app_client.put(
        f"/v1/people/{p['id']}?minResponse=true", json={"displayName": "Z", "emails": p["emails"], "licenses": p["licenses"]}
    )
    assert r.status_code == 204 and r.content == b""


def test_delete_person_frees_licenses_and_group_membership(app, app_client, lic):
    p = person(app_client, "alice.anders1@acme.example.com")
    before = consumed(app_client, lic["new-meetings"])
    gid = app.state.seed_summary["orgs"][0]["groups"]["executives"]
    size = app_client.get(f"/v1/groups/{gid}").json()["memberSize"]
    assert app_client.delete(f"/v1/people/{p['id']}").status_code == 204
    assert app_client.get(f"/v1/people/{p['id']}").status_code == 404
    assert consumed(app_client, lic["new-meetings"]) == before - 1
    assert app_client.get(f"/v1/groups/{gid}").json()["memberSize"] == size - 1


def test_every_person_sites_agree_with_their_license_assignments(app, app_client):
    lic_by_id = {x["id"]: x for x in app_client.get("/v1/licenses").json()["items"]}
    url: str | None = "/v1/people?max=100"
    checked = 0
    while url:
        r = app_client.get(url)
        for p in r.json()["items"]:
            hosts = {lic_by_id[i]["siteUrl"] for i in p["licenses"] if "siteUrl" in lic_by_id[i]}
            sites = p.get("siteUrls", [])
            assert {s for s in sites if "#" not in s} == hosts
            assert not ({s.split("#")[0] for s in sites if s.endswith("#attendee")} & hosts)
            checked += 1
        link = r.headers.get("link")
        url = link[1 : link.index(">")].replace("http://testserver", "") if link else None
    assert checked == 203
    for item in lic_by_id.values():
        n = len(app_client.get(f"/v1/licenses/{item['id']}", params={"includeAssignedTo": "user"}).json()["users"])
        assert n == item["consumedByUsers"] == item["consumedUnits"]
