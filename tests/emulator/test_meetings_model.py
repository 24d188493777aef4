"""Meeting model rules without HTTP: ids, secrets, time rules, occurrences ([SM] tag Meetings; docs/webex-behaviour.md "Ids", "Meeting times and recurrence")."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from webex_emulator.areas.meetings.model import (
    MeetingIdKind,
    MeetingRuleError,
    OccurrenceException,
    PasswordCriteria,
    Series,
    classify_meeting_id,
    generate_numeric_secret,
    generate_password,
    new_meeting_number,
    new_series_id,
    normalise_schedule,
    occurrence_id,
    occurrence_state,
    parse_timestamp,
    sip_address,
    validate_password,
    web_link,
)
from webex_emulator.areas.meetings.recurrence import parse_recurrence

NOW = datetime(2030, 1, 1, 8, 0, 30, tzinfo=timezone.utc)
UTC = ZoneInfo("UTC")


def test_series_id_is_32_hex_and_occurrence_id_appends_utc_start() -> None:
    sid = new_series_id()
    assert re.fullmatch(r"[0-9a-f]{32}", sid)
    start = datetime(2030, 1, 2, 20, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert occurrence_id(sid, start) == f"{sid}_20300102T120000Z"


def test_meeting_ids_are_classified_by_shape() -> None:
    sid = "870f51ff287b41be84648412901e0402"
    assert classify_meeting_id(sid) == (MeetingIdKind.SERIES, sid, None)
    assert classify_meeting_id(f"{sid}_20200127T120000Z") == (MeetingIdKind.OCCURRENCE, sid, "20200127T120000Z")
    assert classify_meeting_id(f"{sid}_I_195989045032040979")[0] == MeetingIdKind.INSTANCE  # type: ignore[index]
    assert classify_meeting_id("not-a-meeting") is None
    assert classify_meeting_id(sid.upper()) is None


def test_meeting_number_avoids_taken_numbers() -> None:
    seen: list[str] = []

    def taken(number: str) -> bool:
        seen.append(number)
        return len(seen) < 3  # the first two candidates are "taken"

    number = new_meeting_number(taken)
    assert len(seen) == 3 and number == seen[-1]
    assert re.fullmatch(r"2\d{9}", number)


def test_web_link_and_sip_address_follow_spec_examples() -> None:
    assert web_link("site4-example.webex.com", "mabc") == "https://site4-example.webex.com/site4/j.php?MTID=mabc"
    assert sip_address("123456789", "site4-example.webex.com") == "123456789@site4-example.webex.com"


def test_generated_password_satisfies_its_criteria_and_is_random() -> None:
    criteria = PasswordCriteria()
    passwords = {generate_password(criteria) for _ in range(50)}
    assert len(passwords) == 50
    for password in passwords:
        validate_password(password, criteria)


def test_host_key_is_six_digits() -> None:
    assert re.fullmatch(r"\d{6}", generate_numeric_secret(6))


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("bgjep@43", "A mix of uppercase and lowercase letters"),
        ("Bg@43", "minimum length"),
        ("Bgjepxx@4", "numeric"),
        ("B1234567@a", "alphabetical"),
        ("BgJepo43", "special"),
        ("Webex@1234", "not allowed"),
        ("", "non-empty"),
    ],
)
def test_weak_meeting_password_is_rejected(password: str, fragment: str) -> None:
    with pytest.raises(MeetingRuleError) as err:
        validate_password(password, PasswordCriteria())
    assert str(err.value).startswith("Meeting password validation failed.")
    assert fragment in str(err.value)


def test_spec_example_password_is_accepted() -> None:
    validate_password("BgJep@43", PasswordCriteria())


def test_password_may_not_contain_meeting_topic() -> None:
    with pytest.raises(MeetingRuleError):
        validate_password("Standup@42x", PasswordCriteria(), dynamic_text=["Daily Standup"])


def test_lax_site_accepts_any_non_empty_password() -> None:
    validate_password("x", PasswordCriteria(require_strong_password=False))


def test_timestamp_without_offset_is_read_in_meeting_timezone() -> None:
    tz = ZoneInfo("Asia/Shanghai")
    assert parse_timestamp("2019-11-01 20:00:00", "start", tz) == datetime(2019, 11, 1, 12, 0, tzinfo=timezone.utc)
    assert parse_timestamp("2019-11-01T20:00:00Z", "start", tz) == datetime(2019, 11, 1, 20, 0, tzinfo=timezone.utc)
    with pytest.raises(MeetingRuleError):
        parse_timestamp("tomorrow", "start", tz)


def test_start_in_the_past_is_rejected() -> None:
    with pytest.raises(MeetingRuleError, match="before current time"):
        normalise_schedule(NOW - timedelta(minutes=5), NOW + timedelta(hours=1), NOW)


def test_start_in_current_minute_moves_to_next_minute_and_seconds_are_dropped() -> None:
    start, end = normalise_schedule(NOW.replace(second=50), NOW + timedelta(hours=1, seconds=12), NOW)
    assert start == datetime(2030, 1, 1, 8, 1, tzinfo=timezone.utc)
    assert end == datetime(2030, 1, 1, 9, 0, tzinfo=timezone.utc)
    start, _ = normalise_schedule(NOW + timedelta(hours=2, seconds=28), NOW + timedelta(hours=3), NOW)
    assert start == datetime(2030, 1, 1, 10, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("minutes", "ok"),
    [(9, False), (10, True), (23 * 60 + 59, True), (24 * 60, False), (0, False), (-30, False)],
)
def test_meeting_duration_bounds(minutes: int, ok: bool) -> None:
    start = NOW + timedelta(days=1)
    if ok:
        s, e = normalise_schedule(start, start + timedelta(minutes=minutes), NOW)
        assert e - s == timedelta(minutes=minutes)
    else:
        with pytest.raises(MeetingRuleError):
            normalise_schedule(start, start + timedelta(minutes=minutes), NOW)


def test_meeting_cannot_start_ten_years_ahead() -> None:
    start = NOW.replace(year=2040) + timedelta(days=1)
    with pytest.raises(MeetingRuleError, match="10 years"):
        normalise_schedule(start, start + timedelta(hours=1), NOW)


def _weekly_series(count: int = 4) -> Series:
    start = datetime(2030, 1, 7, 9, 0, tzinfo=timezone.utc)  # a Monday
    return Series(
        id="0" * 32,
        timezone="UTC",
        start=start,
        end=start + timedelta(hours=1),
        recurrence=parse_recurrence(f"FREQ=WEEKLY;COUNT={count};BYDAY=MO"),
    )


def test_series_occurrences_are_expanded_with_ids() -> None:
    series = _weekly_series()
    keys = [o.key for o in series.occurrences()]
    assert keys == ["20300107T090000Z", "20300114T090000Z", "20300121T090000Z", "20300128T090000Z"]
    assert series.last_end() == datetime(2030, 1, 28, 10, 0, tzinfo=timezone.utc)


def test_cancelled_occurrence_disappears_and_moved_occurrence_keeps_its_id() -> None:
    series = _weekly_series()
    series.exceptions["20300114T090000Z"] = OccurrenceException("20300114T090000Z", cancelled=True)
    moved_start = datetime(2030, 1, 22, 15, 0, tzinfo=timezone.utc)
    series.exceptions["20300121T090000Z"] = OccurrenceException(
        "20300121T090000Z", start=moved_start, end=moved_start + timedelta(minutes=30)
    )
    occs = series.occurrences()
    assert [o.key for o in occs] == ["20300107T090000Z", "20300121T090000Z", "20300128T090000Z"]
    moved = occs[1]
    assert moved.modified and moved.start == moved_start and moved.end - moved.start == timedelta(minutes=30)
    assert series.occurrence("20300114T090000Z") is None
    assert series.occurrence("20300115T090000Z") is None  # not in the pattern at all


def test_occurrence_window_uses_overlap() -> None:
    series = _weekly_series()
    window = series.occurrences(
        after=datetime(2030, 1, 14, 9, 30, tzinfo=timezone.utc), before=datetime(2030, 1, 21, 9, 0, tzinfo=timezone.utc)
    )
    assert [o.key for o in window] == ["20300114T090000Z"]


def test_current_occurrence_is_the_ongoing_or_next_one() -> None:
    series = _weekly_series()
    now = datetime(2030, 1, 14, 9, 30, tzinfo=timezone.utc)
    current = series.current_occurrence(now)
    assert current is not None and current.key == "20300114T090000Z"
    assert occurrence_state(current, now) == "ready"
    later = series.current_occurrence(now + timedelta(hours=1))
    assert later is not None and later.key == "20300121T090000Z"
    assert occurrence_state(later, now) == "scheduled"
    assert series.current_occurrence(datetime(2031, 1, 1, tzinfo=timezone.utc)) is None


def test_series_state_expires_after_last_occurrence() -> None:
    series = _weekly_series()
    assert series.state(datetime(2030, 1, 28, 9, 30, tzinfo=timezone.utc)) == "active"
    assert series.state(datetime(2030, 1, 28, 10, 0, tzinfo=timezone.utc)) == "expired"


def test_unlimited_series_never_expires_and_has_a_current_occurrence() -> None:
    start = datetime(2030, 1, 1, 9, 0, tzinfo=timezone.utc)
    series = Series("1" * 32, "UTC", start, start + timedelta(hours=1), parse_recurrence("FREQ=MONTHLY;BYMONTHDAY=1"))
    assert series.last_end() is None
    assert series.state(datetime(2045, 1, 1, tzinfo=timezone.utc)) == "active"
    current = series.current_occurrence(datetime(2044, 6, 15, tzinfo=timezone.utc))
    assert current is not None and current.key == "20440701T090000Z"


def test_monthly_series_overlaps_window_between_its_occurrences() -> None:
    # The [SM] listMeetings example: a monthly series is listed for a window between occurrences.
    start = datetime(2030, 1, 1, 10, 0, tzinfo=timezone.utc)
    series = Series(
        "2" * 32,
        "UTC",
        start,
        start + timedelta(hours=1),
        parse_recurrence("FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=1;UNTIL=20310210T000000Z"),
    )
    assert series.span_overlaps(datetime(2030, 10, 2, tzinfo=timezone.utc), datetime(2030, 10, 20, tzinfo=timezone.utc))
    assert not series.span_overlaps(datetime(2031, 3, 1, tzinfo=timezone.utc), datetime(2031, 4, 1, tzinfo=timezone.utc))
    assert not series.span_overlaps(datetime(2029, 1, 1, tzinfo=timezone.utc), datetime(2029, 12, 1, tzinfo=timezone.utc))


def test_recurring_interval_bounds_moves_of_an_occurrence() -> None:
    series = _weekly_series()
    assert series.recurring_interval("20300107T090000Z") == (None, datetime(2030, 1, 14, tzinfo=timezone.utc))
    assert series.recurring_interval("20300114T090000Z") == (
        datetime(2030, 1, 14, tzinfo=timezone.utc),
        datetime(2030, 1, 21, tzinfo=timezone.utc),
    )
    assert series.recurring_interval("20300128T090000Z") == (datetime(2030, 1, 28, tzinfo=timezone.utc), None)
