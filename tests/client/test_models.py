"""Typed models: case-insensitive enums, timestamps, unknown fields, request shapes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from webex_client.types import (
    Authorization,
    GuestToken,
    License,
    LicenseAssignmentRequest,
    LicenseAssignmentResponse,
    LicenseUserType,
    Meeting,
    MeetingCreate,
    MeetingPatch,
    MeetingState,
    MeetingType,
    Organization,
    Person,
    PersonType,
    SiteAccountType,
    SiteCommonSettings,
    Token,
)


def test_enum_accepts_upper_case_account_type():
    resp = LicenseAssignmentResponse.model_validate(
        {"siteUrls": [{"siteUrl": "a.webex.com", "accountType": "ATTENDEE"}, {"siteUrl": "b.webex.com", "accountType": "Host"}]}
    )
    assert resp.site_urls[0].account_type is SiteAccountType.ATTENDEE
    assert resp.site_urls[1].account_type is SiteAccountType.HOST


def test_enum_member_compares_case_insensitively():
    assert SiteAccountType.ATTENDEE == "ATTENDEE"
    assert SiteAccountType.ATTENDEE == "attendee"
    assert SiteAccountType.ATTENDEE != "host"
    assert MeetingState.IN_PROGRESS == "inprogress"
    assert MeetingState("IN_PROGRESS") is MeetingState.IN_PROGRESS
    assert {SiteAccountType.HOST: 1}[SiteAccountType("HOST")] == 1


def test_request_sends_spec_spelling_of_enums():
    req = LicenseAssignmentRequest.model_validate(
        {"email": "a@example.com", "siteUrls": [{"siteUrl": "a.webex.com", "accountType": "ATTENDEE"}]}
    )
    body = req.to_api()
    assert body["siteUrls"][0]["accountType"] == "attendee"
    assert body["siteUrls"][0]["operation"] == "add"


def test_unknown_enum_value_is_kept_as_string():
    m = Meeting.model_validate({"id": "x", "state": "someNewState", "meetingType": "MEETINGSERIES"})
    assert m.state == "someNewState"
    assert m.meeting_type is MeetingType.MEETING_SERIES
    p = Person.model_validate({"id": "p", "type": "PERSON"})
    assert p.type is PersonType.PERSON


@pytest.mark.parametrize(
    "value", ["2015-10-18T14:26:16.000Z", "2015-10-18T14:26:16+00:00", "2015-10-18T14:26:16Z", "2015-10-18T16:26:16.000+02:00"]
)
def test_timestamps_parse_z_and_offset_forms(value):
    org = Organization.model_validate({"id": "o", "displayName": "Acme", "created": value})
    assert org.created == datetime(2015, 10, 18, 14, 26, 16, tzinfo=timezone.utc)


def test_timestamps_serialise_with_millis_and_z():
    org = Organization.model_validate({"id": "o", "created": "2015-10-18T14:26:16+00:00"})
    assert org.to_api()["created"] == "2015-10-18T14:26:16.000Z"
    mc = MeetingCreate(title="t", start=datetime(2026, 6, 1, 9, 0, tzinfo=timezone(timedelta(hours=2))))
    assert mc.to_api()["start"] == "2026-06-01T09:00:00.000+02:00"


def test_unknown_fields_survive_round_trip():
    raw = {"id": "p1", "displayName": "Ann", "someFutureField": {"nested": [1, 2]}, "userName": "ann"}
    person = Person.model_validate(raw)
    assert person.to_api()["someFutureField"] == {"nested": [1, 2]}
    assert person.to_api()["userName"] == "ann"


def test_string_booleans_parse():
    p = Person.model_validate({"id": "p", "invitePending": "true", "loginEnabled": "false"})
    assert p.invite_pending is True and p.login_enabled is False


def test_person_site_helpers_split_host_and_attendee_sites():
    p = Person.model_validate({"id": "p", "siteUrls": ["a.webex.com", "b.webex.com#attendee"]})
    assert p.host_sites == ["a.webex.com"]
    assert p.attendee_sites == ["b.webex.com"]


def test_meeting_patch_sends_only_set_fields_and_explicit_nulls():
    assert MeetingPatch(title="New", agenda=None).to_api() == {"title": "New", "agenda": None}
    assert MeetingPatch(recurrence=None).to_api() == {"recurrence": None}


def test_license_request_requires_email_or_person_id():
    with pytest.raises(ValidationError):
        LicenseAssignmentRequest.model_validate({"licenses": [{"id": "L"}]})


def test_license_offer_code_from_id():
    from webex_client import encode_license_id

    lic = License.model_validate(
        {"id": encode_license_id("org", "MS", "sub"), "name": "Renamed!", "totalUnits": 10, "consumedUnits": 4}
    )
    assert lic.offer_code == "MS"
    assert lic.available_units == 6


def test_license_user_type_parses_any_case():
    lic = License.model_validate({"id": "L", "users": [{"id": "u", "type": "external"}]})
    assert lic.users[0].type is LicenseUserType.EXTERNAL


def test_failed_licenses_are_requested_minus_returned():
    req = LicenseAssignmentRequest.model_validate(
        {
            "personId": "p",
            "licenses": [{"id": "A"}, {"id": "B"}, {"id": "C", "operation": "remove"}, {"id": "D", "operation": "remove"}],
        }
    )
    resp = LicenseAssignmentResponse.model_validate({"licenses": ["A", "C"]})
    assert resp.failed_license_ids(req) == ["B", "C"]


def test_token_repr_redacts_secret():
    tok = Token.model_validate(
        {"access_token": "AT-very-secret-value-1", "refresh_token": "RT-very-secret-value-2", "expires_in": 3600}
    )
    assert "very-secret" not in repr(tok) and "very-secret" not in str(tok)
    guest = GuestToken.model_validate({"accessToken": "eyJ-guest-secret-token", "expiresIn": 64799})
    assert "guest-secret" not in repr(guest)


def test_authorization_created_accepts_offset_form():
    a = Authorization.model_validate({"id": "a", "created": "2015-10-18T14:26:16+00:00", "type": "REFRESH"})
    assert a.type == "refresh"


def test_common_settings_patch_omits_read_only_telephony():
    s = SiteCommonSettings.model_validate(
        {
            "telephonyConfig": {"allowCallIn": True, "VoIP": True},
            "defaultSchedulerOptions": {"entryAndExitTone": "announcename", "VoIP": False},
        }
    )
    body = s.to_patch()
    assert "telephonyConfig" not in body
    assert body["defaultSchedulerOptions"] == {"entryAndExitTone": "AnnounceName", "VoIP": False}
