"""The generic paginator: Link following, next-link repairs, envelopes, termination."""

from __future__ import annotations

import httpx
import pytest

from webex_client import WebexError
from webex_client._pagination import fix_next_url

from .conftest import err, ok

BASE = "https://webexapis.com/v1"


def link(url: str) -> dict[str, str]:
    return {"Link": f'<{url}>; rel="next"'}


def people(*ids: str) -> dict:
    return {"items": [{"id": i} for i in ids]}


def test_follows_link_next_until_absent(api, make_client):
    api.add(
        "GET",
        "/v1/people",
        lambda r: {
            None: ok(people("a", "b"), headers=link(f"{BASE}/people?max=2&cursor=c2")),
            "c2": ok(people("c", "d"), headers=link(f"{BASE}/people?max=2&cursor=c3")),
            "c3": ok(people("e")),
        }[r.url.params.get("cursor")],
    )
    result = [p.id for p in make_client().people.list(page_size=2)]
    assert result == ["a", "b", "c", "d", "e"]
    assert len(api.requests) == 3


def test_next_link_missing_query_params_are_restored(api, make_client):
    api.add(
        "GET",
        "/v1/people",
        lambda r: (
            ok(people("a"), headers=link(f"{BASE}/people?cursor=c2"))  # drops displayName, roles, max
            if "cursor" not in r.url.params
            else ok(people("b"))
        ),
    )
    result = [p.id for p in make_client().people.list(display_name="Ann", roles=["R1"], page_size=50)]
    assert result == ["a", "b"]
    second = api.requests[1].url.params
    assert second["cursor"] == "c2"
    assert second["displayName"] == "Ann"
    assert second["roles"] == "R1"
    assert second["max"] == "50"


def test_next_link_max_null_is_dropped(api, make_client):
    api.add(
        "GET",
        "/v1/people",
        lambda r: (
            ok(people("a"), headers=link(f"{BASE}/people?max=null&cursor=c2"))
            if "cursor" not in r.url.params
            else ok(people("b"))
        ),
    )
    list(make_client().people.list(page_size=25))
    second = api.requests[1].url.params
    assert second.get_list("max") == ["25"]


def test_next_link_values_win_over_original_params():
    fixed = fix_next_url(f"{BASE}/people?cursor=c9&max=10", {"max": "100", "email": "a@b.c"})
    assert fixed.params["max"] == "10"
    assert fixed.params["email"] == "a@b.c"
    assert fixed.params["cursor"] == "c9"


def test_empty_page_ends_iteration(api, make_client):
    api.add(
        "GET",
        "/v1/people",
        lambda r: (
            ok(people("a"), headers=link(f"{BASE}/people?cursor=c2"))
            if "cursor" not in r.url.params
            else ok({"items": []}, headers=link(f"{BASE}/people?cursor=c3"))
        ),
    )
    assert [p.id for p in make_client().people.list()] == ["a"]
    assert len(api.requests) == 2


def test_pagination_loop_is_detected(api, make_client):
    api.add("GET", "/v1/people", ok(people("a"), headers=link(f"{BASE}/people?max=100&cursor=same")))
    with pytest.raises(WebexError, match="pagination loop"):
        list(make_client().people.list())


def test_next_link_on_foreign_origin_is_rebased_and_token_stays_home(api, make_client):
    api.add(
        "GET",
        "/v1/people",
        lambda r: (
            ok(people("a"), headers=link("http://evil.example.net/v1/people?cursor=c2"))
            if "cursor" not in r.url.params
            else ok(people("b"))
        ),
    )
    assert [p.id for p in make_client().people.list()] == ["a", "b"]
    assert {r.url.host for r in api.requests} == {"webexapis.com"}
    assert api.requests[1].url.scheme == "https"


def test_page_retry_keeps_its_cursor(api, make_client):
    calls = {"n": 0}

    def handler(r: httpx.Request) -> httpx.Response:
        if "cursor" not in r.url.params:
            return ok(people("a"), headers=link(f"{BASE}/people?max=100&cursor=c2"))
        calls["n"] += 1
        if calls["n"] == 1:
            return err(429, headers={"Retry-After": "1"})
        return ok(people("b"))

    api.add("GET", "/v1/people", handler)
    assert [p.id for p in make_client().people.list()] == ["a", "b"]
    assert str(api.requests[1].url) == str(api.requests[2].url)


def test_page_size_is_clamped_to_endpoint_cap(api, make_client):
    api.add("GET", "/v1/people", ok(people()))
    client = make_client()
    list(client.people.list(page_size=5000))
    list(client.people.list(location_id="L1", page_size=500))
    list(client.people.list(calling_data=True, page_size=500))
    assert api.requests[0].url.params["max"] == "1000"
    assert api.requests[1].url.params["max"] == "50"
    assert api.requests[2].url.params["max"] == "100"


def test_default_page_size_comes_from_settings(api, make_client):
    api.add("GET", "/v1/people", ok(people()))
    list(make_client(page_size=37).people.list())
    assert api.requests[0].url.params["max"] == "37"


def test_license_users_envelope_with_limit_and_next(api, make_client):
    lic = "TElD"

    def handler(r: httpx.Request) -> httpx.Response:
        body = {"id": lic, "name": "Meetings", "totalUnits": 5, "consumedUnits": 3}
        if "next" not in r.url.params:
            return ok(
                {**body, "users": [{"id": "u1", "type": "INTERNAL"}, {"id": "u2", "type": "EXTERNAL"}]},
                headers=link(f"{BASE}/licenses/{lic}?includeAssignedTo=user&limit=2&next=TOKEN2"),
            )
        return ok({**body, "users": [{"id": "u3", "type": "internal"}]})

    api.add("GET", f"/v1/licenses/{lic}", handler)
    users = list(make_client().licenses.list_users(lic, page_size=2))
    assert [u.id for u in users] == ["u1", "u2", "u3"]
    assert users[2].type == "INTERNAL"
    assert api.requests[0].url.params["includeAssignedTo"] == "user"
    assert api.requests[0].url.params["limit"] == "2"
    assert api.requests[1].url.params["next"] == "TOKEN2"


def test_scim_groups_follow_link_when_present(api, make_client):
    def handler(r: httpx.Request) -> httpx.Response:
        if r.url.params.get("startIndex") == "1":
            return ok(
                {"totalResults": 3, "startIndex": 1, "itemsPerPage": 2, "groups": [{"id": "g1"}, {"id": "g2"}]},
                headers=link(f"{BASE}/groups?startIndex=3&count=2"),
            )
        return ok({"totalResults": 3, "startIndex": 3, "itemsPerPage": 1, "groups": [{"id": "g3"}]})

    api.add("GET", "/v1/groups", handler)
    assert [g.id for g in make_client().groups.list(page_size=2, include_members=True)] == ["g1", "g2", "g3"]
    assert api.requests[1].url.params["startIndex"] == "3"
    assert api.requests[1].url.params["includeMembers"] == "true"  # restored


def test_scim_groups_compute_next_start_index_without_link(api, make_client):
    data = [{"id": f"g{i}"} for i in range(1, 6)]

    def handler(r: httpx.Request) -> httpx.Response:
        start = int(r.url.params["startIndex"])
        count = int(r.url.params["count"])
        page = data[start - 1 : start - 1 + count]
        return ok({"totalResults": len(data), "startIndex": start, "itemsPerPage": len(page), "groups": page})

    api.add("GET", "/v1/groups", handler)
    assert [g.id for g in make_client().groups.list(page_size=2)] == ["g1", "g2", "g3", "g4", "g5"]
    assert [r.url.params["startIndex"] for r in api.requests] == ["1", "3", "5"]


def test_group_members_page_by_member_size(api, make_client):
    members = [{"id": f"m{i}", "type": "user"} for i in range(1, 4)]

    def handler(r: httpx.Request) -> httpx.Response:
        start = int(r.url.params["startIndex"])
        count = int(r.url.params["count"])
        return ok({"id": "G", "memberSize": 3, "members": members[start - 1 : start - 1 + count]})

    api.add("GET", "/v1/groups/G/members", handler)
    assert [m.id for m in make_client().groups.list_members("G", page_size=2)] == ["m1", "m2", "m3"]
    assert len(api.requests) == 2


def test_sites_envelope(api, make_client):
    api.add(
        "GET",
        "/v1/meetingPreferences/sites",
        ok({"sites": [{"siteUrl": "a.webex.com", "default": False}, {"siteUrl": "b.webex.com", "default": True}]}),
    )
    client = make_client()
    assert [s.site_url for s in client.sites.list()] == ["a.webex.com", "b.webex.com"]
    assert client.sites.get_default().site_url == "b.webex.com"


def test_paginator_is_lazy_and_first_stops_early(api, make_client):
    api.add("GET", "/v1/people", lambda r: ok(people("a", "b"), headers=link(f"{BASE}/people?cursor=c{len(api.requests)}")))
    assert make_client().people.list().first().id == "a"
    assert len(api.requests) == 1


def test_people_list_over_real_http_client_shapes(api, make_client):
    """Booleans and lists reach the wire as Webex expects them."""
    api.add("GET", "/v1/people", ok(people()))
    list(make_client().people.list(calling_data=False, ids=["i1", "i2"], email=None))
    params = api.requests[0].url.params
    assert params["callingData"] == "false"
    assert params["id"] == "i1,i2"
    assert "email" not in params  # unset optionals are absent, never ""
