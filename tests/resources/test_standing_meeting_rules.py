"""StandingMeeting comparison and start rules (issue 12 items 7 and 8)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from resources.standing_meeting import (
    StandingMeetingArgs,
    _future_window,
    invitee_changes,
    kept_as_invitees,
    meeting_changes,
    past_start_problem,
    same_recurrence,
    server_normalised,
)
from webex_client.types.meeting_invitees import Invitee
from webex_client.types.meetings import Meeting

NOW = datetime.now(timezone.utc)


def args(**kw):
    base = {
        "host": "h@acme.example.com",
        "siteUrl": "acme.webex.com",
        "title": "T",
        "start": (NOW + timedelta(days=3)).replace(tzinfo=None, microsecond=0).isoformat(),
        "durationMinutes": 30,
        "timezone": "UTC",
    }
    return StandingMeetingArgs.model_validate({**base, **kw})


@pytest.mark.parametrize(
    "declared, live",
    [
        ("FREQ=WEEKLY;BYDAY=MO,WE", "BYDAY=WE,MO;FREQ=WEEKLY;INTERVAL=1;WKST=MO"),
        ("freq=daily;count=5", "FREQ=DAILY;COUNT=5"),
        ("FREQ=DAILY;UNTIL=20301231", "FREQ=DAILY;UNTIL=20301231T235959Z"),
    ],
)
def test_recurrence_comparison_tolerates_server_normalisations(declared, live):
    assert same_recurrence(declared, live)


def test_weekly_rule_without_byday_equals_the_start_weekday_the_server_adds():
    monday = datetime(2030, 1, 7, 9, 0, tzinfo=timezone.utc)
    assert same_recurrence("FREQ=WEEKLY", "FREQ=WEEKLY;BYDAY=MO", monday)
    assert not same_recurrence("FREQ=WEEKLY", "FREQ=WEEKLY;BYDAY=TU", monday)


def test_real_recurrence_changes_are_still_differences():
    assert not same_recurrence("FREQ=WEEKLY;BYDAY=MO", "FREQ=WEEKLY;BYDAY=MO;INTERVAL=2")


def _live(a, **kw):
    return Meeting.model_validate(
        {
            "id": "a" * 32,
            "title": a.title,
            "start": a.start_at().isoformat(),
            "end": a.end_at().isoformat(),
            "timezone": "UTC",
            **kw,
        }
    )


def test_a_converged_site_answer_recorded_once_is_not_a_difference_again():
    a = args(options={"publicMeeting": True})
    live = _live(a, publicMeeting=False)  # Warning 1001: the site keeps it off
    assert meeting_changes(a, live) == {"options": {"public_meeting": True}}
    recorded = server_normalised(a, live)
    assert recorded == {"public_meeting": {"sent": True, "got": False}}
    assert meeting_changes(a, live, recorded) == {}
    # A new declaration is compared again.
    assert meeting_changes(args(options={"publicMeeting": False}), live, recorded) == {}
    assert server_normalised(args(options={"publicMeeting": False}), live, recorded) == {}


def test_a_cohost_webex_kept_as_a_plain_invitee_is_not_a_difference_once_settled():
    a = args(invitees=[{"email": "carol@acme.example.com", "coHost": True}, {"email": "dan@acme.example.com"}])
    live = [
        Invitee.model_validate({"id": f"m_{n}", "meetingId": "m", "email": e, "displayName": e, "coHost": False})
        for n, e in enumerate(["Carol@acme.example.com", "dan@acme.example.com"])
    ]
    assert kept_as_invitees(a, live) == ["carol@acme.example.com"]
    assert invitee_changes(a, live)[2], "not settled (never recorded, or licensed now): sent again"
    assert invitee_changes(a, live, frozenset({"carol@acme.example.com"})) == ([], [], [])
    # Demoting a co-host is always a difference: Webex can store it.
    demoted = args(invitees=[{"email": "carol@acme.example.com"}])
    cohost = [live[0].model_copy(update={"co_host": True})]
    assert invitee_changes(demoted, cohost, frozenset({"carol@acme.example.com"}))[2]
    assert kept_as_invitees(demoted, cohost) == []


def test_a_one_off_meeting_whose_start_has_passed_is_never_sent_with_a_past_start():
    past = args(start=(NOW - timedelta(days=1)).replace(tzinfo=None, microsecond=0).isoformat())
    assert "has passed" in past_start_problem(past)
    with pytest.raises(ValueError, match="Webex refuses a meeting that starts in the past"):
        _future_window(past)


def test_a_passed_series_start_moves_to_the_next_occurrence():
    past = args(start=(NOW - timedelta(days=8)).replace(tzinfo=None, microsecond=0).isoformat(), recurrence="FREQ=DAILY")
    assert past_start_problem(past) is None
    start, _ = _future_window(past)
    assert start > NOW


def test_a_series_with_every_occurrence_passed_has_no_future_start():
    done = args(start=(NOW - timedelta(days=30)).replace(tzinfo=None, microsecond=0).isoformat(), recurrence="FREQ=DAILY;COUNT=3")
    assert "every occurrence" in past_start_problem(done)


def test_a_series_another_client_created_is_not_duplicated_and_the_error_says_how_to_adopt_it():
    from types import SimpleNamespace

    from webex_emulator.testing import EmulatorServer
    from resources.standing_meeting import StandingMeetingProvider, integration_tag
    from webex_client import ClientSettings, WebexClient

    host = "ada.admin@acme.example.com"
    a = args(host=host, title="Standing sync", recurrence="FREQ=WEEKLY;BYDAY=MO")
    props = {**a.to_props(), "name": "sync", "stack": "dev"}
    with EmulatorServer(seed="sample") as emu:
        # An earlier run, with other credentials (another OAuth client), created the series.
        other = emu._call(
            "POST",
            "/tokens",
            {
                "email": host,
                "clientId": "Cearlier-run",
                "kind": "integration",
                "scopes": ["meeting:schedules_read", "meeting:schedules_write"],
            },
        )["token"]
        start = a.start_at().astimezone(timezone.utc)
        r = emu.client(token=other).post(
            "/meetings",
            json={
                "title": a.title,
                "start": start.isoformat(),
                "end": a.end_at().isoformat(),
                "siteUrl": a.site_url,
                "recurrence": a.recurrence,
                "integrationTags": [integration_tag("dev", "sync")],
            },
        )
        assert r.status_code == 200, r.text
        client = WebexClient(emu.admin_token, base_url=emu.base_url, settings=ClientSettings(requests_per_second=0))

        class Provider(StandingMeetingProvider):
            runtime = SimpleNamespace(client=client)

        with pytest.raises(ValueError, match=f"adoptMeetingId: {r.json()['id']}"):
            Provider().create(props)
        assert emu.request_counts().get("POST /v1/meetings") == 1  # no second series


def test_preview_fails_when_the_token_cannot_schedule_for_another_host():
    from types import SimpleNamespace

    from webex_emulator.testing import EmulatorServer
    from resources._runtime import OrgSnapshot
    from resources.standing_meeting import StandingMeetingProvider
    from webex_client import ClientSettings, WebexClient

    a = args(host="alice.anders1@acme.example.com", recurrence="FREQ=WEEKLY;BYDAY=MO")
    props = {**a.to_props(), "name": "sync", "stack": "dev"}
    with EmulatorServer(seed="sample") as emu:

        def provider(token):
            client = WebexClient(token, base_url=emu.base_url, settings=ClientSettings(requests_per_second=0))

            class Provider(StandingMeetingProvider):
                runtime = SimpleNamespace(client=client, snapshot=OrgSnapshot(client, emu.org_id))

            return Provider()

        user_only = emu.mint_token(
            "ada.admin@acme.example.com",
            [
                "meeting:schedules_read",
                "meeting:schedules_write",
                "spark-admin:people_read",
                "spark-admin:licenses_read",
                "identity:groups_read",
            ],
        )
        failures = provider(user_only).check({}, props).failures
        assert [f.property for f in failures] == ["host"]
        assert "meeting:admin_schedule_write" in failures[0].reason
        admin = emu.mint_token(
            "ada.admin@acme.example.com",
            [
                "meeting:admin_schedule_read",
                "meeting:admin_schedule_write",
                "spark-admin:people_read",
                "spark-admin:licenses_read",
                "identity:groups_read",
            ],
        )
        assert provider(admin).check({}, props).failures == []
