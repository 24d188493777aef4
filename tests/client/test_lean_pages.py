"""Lean page parsing (issue 14, 100,000-user orgs): the provider's snapshot reads people
straight from page bytes into a model with only the fields a plan needs."""

from __future__ import annotations

import json
import threading

import pytest

from webex_client import NotFoundError
from webex_client._pagination import Paginator
from webex_client.types.people import Person
from resources._runtime import OrgSnapshot, SnapshotPerson, _parse_people_page

from .conftest import err, ok

BASE = "https://webexapis.com/v1"


def full_person(i: int) -> dict:
    return {
        "id": f"P{i}",
        "emails": [f"User{i}@Example.com"],
        "displayName": f"User {i}",
        "licenses": ["L1"],
        "siteUrls": [f"s{i}.webex.com#attendee"],
        "phoneNumbers": [{"type": "work", "value": "1"}],
        "addresses": [{"type": "work", "country": "US"}],
        "department": "Sales",
        "created": "2026-01-01T00:00:00.000Z",
    }


def test_lean_paginator_follows_links_and_keeps_only_the_plans_fields(api, make_client):
    api.add(
        "GET",
        "/v1/people",
        lambda r: (
            ok({"items": [full_person(1), full_person(2)]}, headers={"Link": f'<{BASE}/people?max=2&cursor=c2>; rel="next"'})
            if "cursor" not in r.url.params
            else ok({"items": [full_person(3)]})
        ),
    )
    got = list(make_client().people.list(page_size=2).lean(_parse_people_page))
    assert [p.id for p in got] == ["P1", "P2", "P3"]
    assert list(got[0].site_urls) == ["s1.webex.com#attendee"] and list(got[0].licenses) == ["L1"]
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


def test_lean_parsing_keeps_what_the_full_model_reads_for_the_plans_fields():
    people = [
        full_person(1),
        {**full_person(2), "licenses": ["L1", "L2"], "siteUrls": []},
        {"id": "P3", "emails": ["c@example.com"]},
    ]
    lean = _parse_people_page(json.dumps({"items": people}).encode())
    full = [Person.model_validate(p) for p in people]
    assert [(p.id, p.emails, list(p.licenses or []), list(p.site_urls or [])) for p in lean] == [
        (p.id, p.emails, p.licenses or [], p.site_urls or []) for p in full
    ]
    assert lean[2].licenses is None and lean[2].site_urls is None  # absent stays absent


def test_lean_people_with_the_same_licenses_share_one_tuple():
    seen: dict = {}
    page = [full_person(i) for i in range(3)]
    a = _parse_people_page(json.dumps({"items": page}).encode(), seen)
    b = _parse_people_page(json.dumps({"items": page}).encode(), seen)
    assert a[0].licenses is a[1].licenses is b[2].licenses == ("L1",)
    assert a[1].site_urls is not a[2].site_urls  # different values are not merged


def test_lean_listing_requests_the_next_page_while_this_one_is_parsed(api, make_client):
    second_asked = threading.Event()

    def answer(r):
        if "cursor" in r.url.params:
            second_asked.set()
            return ok({"items": [full_person(3)]})
        return ok({"items": [full_person(1), full_person(2)]}, headers={"Link": f'<{BASE}/people?max=2&cursor=c2>; rel="next"'})

    api.add("GET", "/v1/people", answer)
    overlapped = []

    def parse(content: bytes):
        overlapped.append(second_asked.wait(timeout=30))  # page 2 is on its way before page 1 is parsed
        return _parse_people_page(content)

    got = list(make_client().people.list(page_size=2).lean(parse))
    assert overlapped[0] is True and [p.id for p in got] == ["P1", "P2", "P3"]
    assert len(api.requests) == 2  # no request beyond the last page


def test_an_error_on_the_page_requested_ahead_is_raised_after_the_page_before_it(api, make_client):
    api.add(
        "GET",
        "/v1/people",
        lambda r: (
            err(404, "gone")
            if "cursor" in r.url.params
            else ok({"items": [full_person(1)]}, headers={"Link": f'<{BASE}/people?max=1&cursor=c2>; rel="next"'})
        ),
    )
    pages = make_client().people.list(page_size=1).lean(_parse_people_page).pages()
    assert [p.id for p in next(pages)] == ["P1"]
    with pytest.raises(NotFoundError):
        next(pages)
