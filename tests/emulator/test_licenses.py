"""Licenses: capacity, 206 partial success, exact counters, accountType, atomicity ([SA] tag Licenses; docs/webex-behaviour.md "License assignment")."""

from __future__ import annotations

from typing import Any

import pytest

from webex_emulator.areas.licenses import model as lic_model

ADMIN = "ada.admin@acme.example.com"
HOSTS = [f"{n}@acme.example.com" for n in ("chen.jensen111", "dana.jensen112", "elif.jensen113")]
ATTENDEE = "hiro.quinn200@acme.example.com"  # generated #200: attendee on acme.webex.com


@pytest.fixture
def lic(app) -> dict[str, str]:
    return app.state.seed_summary["orgs"][0]["licenses"]


def get_license(c, lid: str) -> dict[str, Any]:
    r = c.get(f"/v1/licenses/{lid}")
    assert r.status_code == 200
    return r.json()


def set_total(app, lid: str, total: int) -> None:
    row = lic_model.resolve(app.runtime.state.conn, lid)
    with app.runtime.state.transaction() as db:
        db.execute("UPDATE licenses SET total_units=? WHERE uuid=?", (total, row["uuid"]))


def patch(c, email: str, licenses: list | None = None, sites: list | None = None, **kw):
    body: dict[str, Any] = {"email": email, **kw}
    if licenses is not None:
        body["licenses"] = licenses
    if sites is not None:
        body["siteUrls"] = sites
    return c.patch("/v1/licenses/users", json=body)


def fill_pool(app, c, lid: str) -> None:
    cur = get_license(c, lid)
    set_total(app, lid, cur["consumedUnits"])


def test_list_licenses_reports_integer_units_and_site_fields_only_for_meeting_pools(app_client):
    items = app_client.get("/v1/licenses").json()["items"]
    assert len(items) == 4
    for item in items:
        assert {"id", "name", "totalUnits", "consumedUnits"} <= set(item)
        assert all(isinstance(item[k], int) for k in ("totalUnits", "consumedUnits", "consumedByUsers"))
        assert ("siteUrl" in item) == ("siteType" in item) == (item["name"].startswith("Meeting"))


def test_patch_add_increments_consumed_units_and_consumed_by_users_exactly(app_client, lic):
    before = get_license(app_client, lic["new-meetings"])
    r = patch(app_client, HOSTS[0], [{"id": lic["new-meetings"], "operation": "add"}])
    assert r.status_code == 200
    after = get_license(app_client, lic["new-meetings"])
    assert after["consumedUnits"] == before["consumedUnits"] + 1
    assert after["consumedByUsers"] == before["consumedByUsers"] + 1
    r = patch(app_client, HOSTS[0], [{"id": lic["new-meetings"], "operation": "remove"}])
    assert r.status_code == 200
    assert get_license(app_client, lic["new-meetings"])["consumedUnits"] == before["consumedUnits"]


def test_patch_response_is_the_full_resulting_license_set_with_uppercase_account_types(app_client, lic):
    r = patch(app_client, HOSTS[0], [{"id": lic["new-meetings"]}])  # operation defaults to add
    body = r.json()
    assert set(body) >= {"orgId", "personId", "email", "licenses", "siteUrls"}
    assert set(body["licenses"]) == {lic["messaging"], lic["classic-meetings"], lic["new-meetings"]}
    assert body["siteUrls"] == [
        {"siteUrl": "acme-classic.webex.com", "accountType": "HOST"},
        {"siteUrl": "acme.webex.com", "accountType": "HOST"},
    ]
    att = patch(app_client, ATTENDEE, []).json()
    assert {"siteUrl": "acme.webex.com", "accountType": "ATTENDEE"} in att["siteUrls"]


def test_patch_past_total_units_fails_with_webex_error_body(app, app_client, lic):
    fill_pool(app, app_client, lic["new-meetings"])
    r = patch(app_client, HOSTS[0], [{"id": lic["new-meetings"], "operation": "add"}])
    assert r.status_code == 400
    body = r.json()
    assert body["message"] == "License assignment failed"
    assert "totalUnits" in body["errors"][0]["description"] and body["trackingId"]
    person = app_client.get("/v1/people", params={"email": HOSTS[0]}).json()["items"][0]
    assert lic["new-meetings"] not in person["licenses"]


def test_one_license_over_capacity_and_one_that_fits_gives_206_with_the_resulting_set(app, app_client, lic):
    fill_pool(app, app_client, lic["new-meetings"])
    calling = {"id": lic["calling"], "properties": {"extension": "4711"}}
    r = patch(app_client, HOSTS[1], [{"id": lic["new-meetings"]}, calling])
    assert r.status_code == 206
    returned = set(r.json()["licenses"])
    requested = {lic["new-meetings"], lic["calling"]}
    assert requested - returned == {lic["new-meetings"]}  # failed = requested - returned
    assert lic["calling"] in returned
    assert get_license(app_client, lic["calling"])["consumedUnits"] == 1


def test_when_every_item_fails_the_answer_is_400_and_nothing_changes(app, app_client, lic):
    user = "alice.lopez133@acme.example.com"  # generated #133: messaging + classic only
    patch(app_client, user, [{"id": lic["classic-meetings"], "operation": "remove"}])
    fill_pool(app, app_client, lic["new-meetings"])
    fill_pool(app, app_client, lic["classic-meetings"])
    r = patch(app_client, user, [{"id": lic["new-meetings"]}, {"id": lic["classic-meetings"]}])
    assert r.status_code == 400
    assert len(r.json()["errors"]) == 2
    person = app_client.get("/v1/people", params={"email": user}).json()["items"][0]
    assert person["licenses"] == [lic["messaging"]]


def test_a_noop_item_counts_as_success_so_one_real_failure_gives_206(app, app_client, lic):
    fill_pool(app, app_client, lic["new-meetings"])
    # HOSTS[2] already holds classic: that add is a successful no-op, the new-site add fails.
    r = patch(app_client, HOSTS[2], [{"id": lic["new-meetings"]}, {"id": lic["classic-meetings"]}])
    assert r.status_code == 206
    assert lic["new-meetings"] not in r.json()["licenses"]


def test_add_of_held_license_and_remove_of_absent_license_are_noop_200(app_client, lic):
    before = get_license(app_client, lic["messaging"])["consumedUnits"]
    r = patch(
        app_client, HOSTS[0], [{"id": lic["messaging"], "operation": "add"}, {"id": lic["new-meetings"], "operation": "remove"}]
    )
    assert r.status_code == 200
    assert get_license(app_client, lic["messaging"])["consumedUnits"] == before


def test_unknown_license_rejects_the_whole_request_with_400000(app_client, lic):
    bogus = lic["messaging"][:-6] + "AAAAAA"
    r = patch(app_client, HOSTS[0], [{"id": lic["new-meetings"]}, {"id": bogus}])
    assert r.status_code == 400
    assert r.json()["errors"][0]["errorCode"] == 400000
    person = app_client.get("/v1/people", params={"email": HOSTS[0]}).json()["items"][0]
    assert lic["new-meetings"] not in person["licenses"]  # atomic: nothing applied


def test_calling_license_without_properties_is_400411(app_client, lic):
    r = patch(app_client, HOSTS[0], [{"id": lic["calling"]}])
    assert r.status_code == 400 and r.json()["errors"][0]["errorCode"] == 400411


def test_request_accepts_only_attendee_account_type_case_insensitively_like_the_live_service():
    from tests.emulator.conftest import lax_client

    app_client = lax_client()
    r = patch(app_client, HOSTS[0], sites=[{"siteUrl": "acme.webex.com", "accountType": "host"}])
    assert r.status_code == 400
    r = patch(app_client, HOSTS[0], sites=[{"siteUrl": "acme.webex.com", "accountType": "ATTENDEE"}])
    assert r.status_code == 200
    assert {"siteUrl": "acme.webex.com", "accountType": "ATTENDEE"} in r.json()["siteUrls"]


def test_attendee_site_that_does_not_exist_is_400216(app_client):
    r = patch(app_client, HOSTS[0], sites=[{"siteUrl": "nope.webex.com", "accountType": "attendee"}])
    assert r.status_code == 400 and r.json()["errors"][0]["errorCode"] == 400216


def test_attendee_to_host_swap_in_one_request(app_client, lic):
    r = patch(
        app_client,
        ATTENDEE,
        [{"id": lic["new-meetings"], "operation": "add"}],
        [{"siteUrl": "acme.webex.com", "accountType": "attendee", "operation": "remove"}],
    )
    assert r.status_code == 200
    assert {"siteUrl": "acme.webex.com", "accountType": "HOST"} in r.json()["siteUrls"]
    assert not any(s["accountType"] == "ATTENDEE" for s in r.json()["siteUrls"])


def test_host_to_attendee_swap_in_one_request_frees_the_unit(app_client, lic):
    before = get_license(app_client, lic["new-meetings"])["consumedUnits"]
    r = patch(
        app_client,
        ADMIN,
        [{"id": lic["new-meetings"], "operation": "remove"}],
        [{"siteUrl": "acme.webex.com", "accountType": "attendee"}],
    )
    assert r.status_code == 200
    assert {"siteUrl": "acme.webex.com", "accountType": "ATTENDEE"} in r.json()["siteUrls"]
    assert get_license(app_client, lic["new-meetings"])["consumedUnits"] == before - 1


def test_attendee_add_on_a_site_the_user_hosts_fails_per_item(app_client):
    r = patch(app_client, ADMIN, sites=[{"siteUrl": "acme.webex.com", "accountType": "attendee"}])
    assert r.status_code == 400


def test_patch_by_person_id_and_unknown_person_is_404(app_client, lic):
    pid = app_client.get("/v1/people", params={"email": HOSTS[0]}).json()["items"][0]["id"]
    r = app_client.patch("/v1/licenses/users", json={"personId": pid, "licenses": [{"id": lic["new-meetings"]}]})
    assert r.status_code == 200 and r.json()["personId"] == pid
    r = patch(app_client, "nobody@acme.example.com", [])
    assert r.status_code == 404


def test_patch_needs_email_or_person_id(app_client):
    assert app_client.patch("/v1/licenses/users", json={"licenses": []}).status_code == 400


def test_license_users_are_paged_with_limit_and_next_link_repeating_params(app_client, lic):
    lid = lic["messaging"]
    total = get_license(app_client, lid)["consumedByUsers"]
    seen: list[str] = []
    url = f"/v1/licenses/{lid}?includeAssignedTo=user&limit=70"
    pages = 0
    while url:
        r = app_client.get(url)
        assert r.status_code == 200
        users = r.json()["users"]
        assert len(users) <= 70
        seen += [u["id"] for u in users]
        assert all(u["type"] == "INTERNAL" and u["email"] for u in users)
        link = r.headers.get("link")
        pages += 1
        if link:
            nxt = link[1 : link.index(">")]
            assert "includeAssignedTo=user" in nxt and "limit=70" in nxt and "next=" in nxt
            url = nxt.replace("http://testserver", "")
        else:
            url = None
    assert len(seen) == len(set(seen)) == total and pages == -(-total // 70)


def test_license_users_limit_above_300_is_capped_silently(app_client, lic):
    r = app_client.get(f"/v1/licenses/{lic['messaging']}", params={"includeAssignedTo": "user", "limit": 1000})
    assert r.status_code == 200 and len(r.json()["users"]) == 203


def test_counters_match_assignment_rows_after_many_operations(app, app_client, lic):
    for i, email in enumerate(HOSTS * 3):
        op = "add" if i % 2 == 0 else "remove"
        patch(
            app_client,
            email,
            [{"id": lic["new-meetings"], "operation": op}],
            [{"siteUrl": "acme-classic.webex.com", "accountType": "attendee", "operation": "remove"}],
        )
    assert lic_model.check_invariants(app.runtime.state.conn) == []
