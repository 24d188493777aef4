"""Recurrence rules as Webex validates, normalises and truncates them ([SM] createMeeting; docs/webex-behaviour.md "Meeting times and recurrence")."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from webex_emulator.areas.meetings.recurrence import (
    MAX_OCCURRENCES,
    RecurrenceError,
    apply_limits,
    parse_recurrence,
)

NOW = datetime(2030, 1, 1, 8, 0, tzinfo=timezone.utc)
BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2030, 1, 2, 10, 0, tzinfo=BERLIN)


def normalised(rule: str, start: datetime = START) -> str:
    return apply_limits(parse_recurrence(rule, start.tzinfo), start, NOW).to_string()


def test_recurrence_components_are_normalised_to_the_spec_example_order() -> None:
    # The spec sends FREQ=DAILY;INTERVAL=1;COUNT=10 and shows FREQ=DAILY;COUNT=10;INTERVAL=1 back.
    assert normalised("FREQ=DAILY;INTERVAL=1;COUNT=10") == "FREQ=DAILY;COUNT=10;INTERVAL=1"


def test_recurrence_interval_is_always_spelled_out() -> None:
    assert normalised("FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4") == "FREQ=WEEKLY;COUNT=4;INTERVAL=1;BYDAY=MO,WE"


def test_recurrence_is_case_insensitive_and_tolerates_rrule_prefix() -> None:
    assert normalised("RRULE:freq=daily;count=3;") == "FREQ=DAILY;COUNT=3;INTERVAL=1"


def test_monthly_recurrence_keeps_only_first_month_day() -> None:
    # [SM]: "FREQ=MONTHLY;INTERVAL=1;COUNT=10;BYMONTHDAY=10,11,12" is taken as BYMONTHDAY=10.
    assert normalised("FREQ=MONTHLY;INTERVAL=1;COUNT=10;BYMONTHDAY=10,11,12") == "FREQ=MONTHLY;COUNT=10;INTERVAL=1;BYMONTHDAY=10"


def test_yearly_recurrence_keeps_only_first_weekday() -> None:
    assert normalised("FREQ=YEARLY;BYMONTH=3;BYDAY=2TU,3WE;COUNT=2") == "FREQ=YEARLY;COUNT=2;INTERVAL=1;BYMONTH=3;BYDAY=2TU"


def test_weekly_recurrence_keeps_all_weekdays() -> None:
    assert "BYDAY=MO,WE,FR" in normalised("FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=6")


@pytest.mark.parametrize(("freq", "cap"), sorted(MAX_OCCURRENCES.items()))
def test_bounded_recurrence_count_is_truncated_to_webex_maximum(freq: str, cap: int) -> None:
    # "now" on the first occurrence's day, so the 5-year horizon admits the full cap.
    now = START - timedelta(hours=1)
    rule = apply_limits(parse_recurrence(f"FREQ={freq};COUNT=5000"), START, now)
    assert rule.count == cap
    assert len(list(rule.rule(START))) == cap


def test_bounded_recurrence_until_is_truncated_to_five_years() -> None:
    rule = apply_limits(parse_recurrence("FREQ=DAILY;INTERVAL=1;UNTIL=21241001T000000Z"), START, NOW)
    assert rule.until is not None
    assert rule.until <= NOW.replace(year=NOW.year + 5)
    assert rule.until > NOW.replace(year=NOW.year + 5) - timedelta(days=2)
    assert len(list(rule.rule(START))) <= MAX_OCCURRENCES["DAILY"]
    assert rule.to_string().startswith("FREQ=DAILY;UNTIL=2034")


def test_recurrence_within_limits_is_unchanged() -> None:
    assert normalised("FREQ=WEEKLY;COUNT=10;BYDAY=TH") == "FREQ=WEEKLY;COUNT=10;INTERVAL=1;BYDAY=TH"


def test_unbounded_recurrence_is_not_truncated() -> None:
    # "If you specify a recurrence like FREQ=DAILY;INTERVAL=1 which never ends, the furthest date
    # of the series is unlimited."
    rule = apply_limits(parse_recurrence("FREQ=DAILY;INTERVAL=1"), START, NOW)
    assert not rule.bounded
    assert rule.to_string() == "FREQ=DAILY;INTERVAL=1"
    far = list(rule.occurrences(START, after=START.replace(year=2040), before=START.replace(year=2040) + timedelta(days=3)))
    assert len(far) == 3


def test_floating_until_is_read_in_meeting_timezone() -> None:
    rule = parse_recurrence("FREQ=DAILY;UNTIL=20300105T100000", BERLIN)
    assert rule.until == datetime(2030, 1, 5, 9, 0, tzinfo=timezone.utc)
    assert rule.to_string() == "FREQ=DAILY;UNTIL=20300105T090000Z;INTERVAL=1"


def test_daily_occurrences_keep_wall_clock_time_across_dst() -> None:
    start = datetime(2030, 3, 29, 10, 0, tzinfo=BERLIN)  # DST starts 2030-03-31
    rule = parse_recurrence("FREQ=DAILY;COUNT=4", BERLIN)
    hours_utc = [o.astimezone(timezone.utc).hour for o in rule.rule(start)]
    assert hours_utc == [9, 9, 8, 8]


@pytest.mark.parametrize(
    "rule",
    [
        "",
        "INTERVAL=1",
        "FREQ=HOURLY;COUNT=3",
        "FREQ=SECONDLY",
        "FREQ=DAILY;COUNT=3;UNTIL=20300110T000000Z",
        "FREQ=DAILY;COUNT=0",
        "FREQ=DAILY;COUNT=abc",
        "FREQ=DAILY;INTERVAL=0",
        "FREQ=DAILY;INTERVAL=1,2",
        "FREQ=WEEKLY;BYDAY=XX",
        "FREQ=WEEKLY;BYDAY=2MO",
        "FREQ=MONTHLY;BYMONTHDAY=32",
        "FREQ=MONTHLY;BYMONTHDAY=0",
        "FREQ=YEARLY;BYMONTH=13",
        "FREQ=DAILY;BYHOUR=9",
        "FREQ=DAILY;FOO=BAR",
        "FREQ=DAILY;FREQ=WEEKLY",
        "FREQ=DAILY;UNTIL=2030-01-10",
        "FREQ=DAILY;COUNT",
        "FREQ=WEEKLY;BYMONTHDAY=3",
        "FREQ=DAILY;BYSETPOS=1",
        "FREQ=DAILY;WKST=XY",
    ],
)
def test_invalid_recurrence_is_rejected(rule: str) -> None:
    with pytest.raises(RecurrenceError) as err:
        apply_limits(parse_recurrence(rule), START, NOW)
    assert str(err.value).startswith("Invalid recurrence rule")


def test_recurrence_without_any_occurrence_is_rejected() -> None:
    with pytest.raises(RecurrenceError):
        apply_limits(parse_recurrence("FREQ=DAILY;UNTIL=20291231T000000Z"), START, NOW)
    with pytest.raises(RecurrenceError):
        apply_limits(parse_recurrence("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"), START, NOW)
