"""Webex id helpers."""

from __future__ import annotations

import base64

import pytest

from webex_client import (
    decode_id,
    encode_group_id,
    encode_id,
    encode_license_id,
    is_webex_id,
    license_offer_code,
    meeting_series_id,
    normalize_id,
    parse_group_id,
    parse_license_id,
    same_id,
)

PERSON_UUID = "f5b36187-c8dd-4727-8b2f-f9c447f29046"
SPEC_PERSON = "Y2lzY29zcGFyazovL3VzL1BFT1BMRS9mNWIzNjE4Ny1jOGRkLTQ3MjctOGIyZi1mOWM0NDdmMjkwNDY"


def test_decode_spec_example():
    d = decode_id(SPEC_PERSON)
    assert (d.cluster, d.type, d.tail) == ("us", "PEOPLE", PERSON_UUID)


def test_decode_tolerates_missing_and_present_padding():
    raw = b"ciscospark://us/ORGANIZATION/96abc2aa-3dcc-11e5-a152-fe34819cdc9a"
    padded = base64.b64encode(raw).decode()
    assert padded.endswith("=")
    assert decode_id(padded) == decode_id(padded.rstrip("=")) == decode_id(padded + "==")


def test_encode_strips_padding_and_round_trips():
    encoded = encode_id("PEOPLE", PERSON_UUID)
    assert encoded == SPEC_PERSON
    assert "=" not in encode_id("ORGANIZATION", "96abc2aa-3dcc-11e5-a152-fe34819cdc9a")


def test_same_id_ignores_padding():
    raw = b"ciscospark://us/ORGANIZATION/96abc2aa-3dcc-11e5-a152-fe34819cdc9a"
    padded = base64.b64encode(raw).decode()
    assert same_id(padded, padded.rstrip("="))
    assert normalize_id(padded) == padded.rstrip("=")


def test_license_id_parts():
    lic = encode_license_id("1ccbbc17-aaaa", "UCPREM", "c3329d32-bbbb")
    parts = parse_license_id(lic)
    assert (parts.org_uuid, parts.offer_code, parts.subscription_uuid) == ("1ccbbc17-aaaa", "UCPREM", "c3329d32-bbbb")
    assert license_offer_code(lic) == "UCPREM"
    assert license_offer_code(SPEC_PERSON) is None


def test_group_id_parts():
    gid = encode_group_id("25104be0-f874", "348adb81-28f9")
    parts = parse_group_id(gid)
    assert (parts.group_uuid, parts.org_uuid) == ("25104be0-f874", "348adb81-28f9")
    with pytest.raises(ValueError):
        parse_group_id(SPEC_PERSON)


@pytest.mark.parametrize("value", ["870f51ff287b41be84648412901e0402", "not base64!!", "aGVsbG8", ""])
def test_non_ids_are_rejected(value):
    assert not is_webex_id(value)
    with pytest.raises(ValueError):
        decode_id(value)


def test_is_webex_id_checks_type_case_insensitively():
    assert is_webex_id(SPEC_PERSON, "people")
    assert not is_webex_id(SPEC_PERSON, "LICENSE")


@pytest.mark.parametrize(
    ("meeting_id", "series"),
    [
        ("870f51ff287b41be84648412901e0402", "870f51ff287b41be84648412901e0402"),
        ("1d824a4a205042eba9574e00b711b226_20200127T120000Z", "1d824a4a205042eba9574e00b711b226"),
        ("06263e1088604fc1b3ca17fbe49fe97d_I_195989045032040979", "06263e1088604fc1b3ca17fbe49fe97d"),
        ("nope", None),
    ],
)
def test_meeting_series_id(meeting_id, series):
    assert meeting_series_id(meeting_id) == series
