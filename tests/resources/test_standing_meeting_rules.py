"""StandingMeeting comparison and start rules (issue 12 items 7 and 8)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from resources.standing_meeting import (
    StandingMeetingArgs, _future_window, meeting_changes, past_start_problem, same_recurrence, server_normalised,
)
from webex_client.types.meetings import Meeting

NOW = datetime.now(timezone.utc)


def args(**kw):
    base = {"host": "h@acme.example.com", "siteUrl": "acme.webex.com", "title": "T",
            "start": (NOW + timedelta(days=3)).replace(tzinfo=None, microsecond=0).isoformat(),
            "durationMinutes": 30, "timezone": "UTC"}
    return StandingMeetingArgs.model_validate({**base, **kw})


@pytest.mark.parametrize("declared, live", [
    ("FREQ=WEEKLY;BYDAY=MO,WE", "BYDAY=WE,MO;FREQ=WEEKLY;INTERVAL=1;WKST=MO"),
    ("freq=daily;count=5", "FREQ=DAILY;COUNT=5"),
    ("FREQ=DAILY;UNTIL=20301231", "FREQ=DAILY;UNTIL=20301231T235959Z"),
])
def test_recurrence_comparison_tolerates_server_normalisations(declared, live):
    assert same_recurrence(declared, live)


def test_weekly_rule_without_byday_equals_the_start_weekday_the_server_adds():
    monday = datetime(2030, 1, 7, 9, 0, tzinfo=timezone.utc)
    assert same_recurrence("FREQ=WEEKLY", "FREQ=WEEKLY;BYDAY=MO", monday)
    assert not same_recurrence("FREQ=WEEKLY", "FREQ=WEEKLY;BYDAY=TU", monday)


def test_real_recurrence_changes_are_still_differences():
    assert not same_recurrence("FREQ=WEEKLY;BYDAY=MO", "FREQ=WEEKLY;BYDAY=MO;INTERVAL=2")


def _live(a, **kw):
    return Meeting.model_validate({"id": "a" * 32, "title": a.title, "start": a.start_at().isoformat(),
                                   "end": a.end_at().isoformat(), "timezone": "UTC", **kw})


def test_a_converged_site_answer_recorded_once_is_not_a_difference_again():
    a = args(options={"publicMeeting": True})
    live = _live(a, publicMeeting=False)            # Warning 1001: the site keeps it off
    assert meeting_changes(a, live) == {"options": {"public_meeting": True}}
    recorded = server_normalised(a, live)
    assert recorded == {"public_meeting": {"sent": True, "got": False}}
    assert meeting_changes(a, live, recorded) == {}
    # A new declaration is compared again.
    assert meeting_changes(args(options={"publicMeeting": False}), live, recorded) == {}
    assert server_normalised(args(options={"publicMeeting": False}), live, recorded) == {}


def test_a_one_off_meeting_whose_start_has_passed_is_never_sent_with_a_past_start():
    past = args(start=(NOW - timedelta(days=1)).replace(tzinfo=None, microsecond=0).isoformat())
    assert "has passed" in past_start_problem(past)
    with pytest.raises(ValueError, match="Webex refuses a meeting that starts in the past"):
        _future_window(past)


def test_a_passed_series_start_moves_to_the_next_occurrence():
    past = args(start=(NOW - timedelta(days=8)).replace(tzinfo=None, microsecond=0).isoformat(),
                recurrence="FREQ=DAILY")
    assert past_start_problem(past) is None
    start, _ = _future_window(past)
    assert start > NOW


def test_a_series_with_every_occurrence_passed_has_no_future_start():
    done = args(start=(NOW - timedelta(days=30)).replace(tzinfo=None, microsecond=0).isoformat(),
                recurrence="FREQ=DAILY;COUNT=3")
    assert "every occurrence" in past_start_problem(done)
