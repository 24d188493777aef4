"""Lean page parsing (issue 14, 100,000-user orgs): the provider's snapshot reads people
straight from page bytes into a model with only the fields a plan needs."""

from __future__ import annotations

import pytest

from webex_client._pagination import Paginator
from resources._runtime import OrgSnapshot, SnapshotPerson, _parse_people_page

from .conftest import ok

BASE = "https://webexapis.com/v1"


def full_person(i: int) -> dict:
    return {
        "id": f"P{i}", "emails": [f"User{i}@Example.com"], "displayName": f"User {i}",
        "licenses": ["L1"], "siteUrls": [f"s{i}.webex.com#attendee"], "phoneNumbers": [{"type": "work", "value": "1"}],
        "addresses": [{"type": "work", "country": "US"}], "department": "Sales", "created": "2026-01-01T00:00:00.000Z",
    }


def test_lean_paginator_follows_links_and_keeps_only_the_plans_fields(api, make_client):
    api.add("GET", "/v1/people", lambda r: (
        ok({"items": [full_person(1), full_person(2)]},
           headers={"Link": f'<{BASE}/people?max=2&cursor=c2>; rel="next"'})
        if "cursor" not in r.url.params else ok({"items": [full_person(3)]})
    ))
    got = list(make_client().people.list(page_size=2).lean(_parse_people_page))
    assert [p.id for p in got] == ["P1", "P2", "P3"]
    assert got[0].site_urls == ["s1.webex.com#attendee"] and got[0].licenses == ["L1"]
    assert not hasattr(got[0], "department") and not hasattr(got[0], "__dict__")
    assert len(api.requests) == 2


def test_lean_parsing_refuses_a_scim_envelope(make_client):
    pages = Paginator(make_client(), "/groups/G1/members", items_key="members", parse=dict, scim=True)
    with pytest.raises(ValueError):
        pages.lean(_parse_people_page)


def test_snapshot_indexes_lean_people_by_email_and_id(api, make_client):
    api.add("GET", "/v1/people", ok({"items": [full_person(1), full_person(2)]}))
    api.add("GET", "/v1/licenses", ok({"items": [{"id": "L1", "consumedUnits": 2}, {"id": "L2", "consumedUnits": 0}]}))
    snap = OrgSnapshot(make_client(), None)
    person = snap.person("user2@example.com")
    assert isinstance(person, SnapshotPerson) and person.id == "P2"
    assert snap.person_by_id("P1").emails == ["User1@Example.com"]
    assert snap.holders("L1") == {"P1", "P2"}
    snap.record_assignment("P1", ["L2"], None)
    assert snap.holders("L1") == {"P2"}
    assert snap.licenses()["L2"].consumed_units == 1
