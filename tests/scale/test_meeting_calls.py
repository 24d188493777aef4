"""Standing meetings share their reads within a run (issue 14, bench (g)).

Counted through the emulator's request log, never timed: creating a host's meetings costs one
read of that host's series (shared by the admin probe in check and both searches in create)
plus one POST each; whose token it is (people/me) is read once per run; a no-change preview
reads each series and its invitees, and no list at all.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

from webex_emulator.testing import EmulatorServer

sys.path.insert(0, str(Path(__file__).parents[1] / "e2e"))
from harness import WebexStack  # noqa: E402

HOSTS = [f"host{n}@calls.example.com" for n in range(1, 4)]
PER_HOST = 4
START = (datetime.now(timezone.utc) + timedelta(days=30)).replace(hour=9, minute=0, second=0, microsecond=0, tzinfo=None)


def _seed() -> dict:
    people = [{"email": h, "displayName": h.split("@")[0], "licenses": ["pool-a"]} for h in HOSTS]
    people.append({"email": "admin@calls.example.com", "displayName": "Admin", "roles": ["full_admin"], "licenses": []})
    return {
        "orgs": [
            {
                "key": "calls",
                "displayName": "Calls Ltd",
                "domain": "calls.example.com",
                "licenses": [
                    {
                        "key": "pool-a",
                        "offerCode": "MC",
                        "name": "Meeting - Webex Meeting Center",
                        "siteUrl": "a.webex.com",
                        "siteType": "Control Hub managed site",
                        "totalUnits": 10,
                        "subscriptionId": "Sub-a",
                    }
                ],
                "sites": [{"siteUrl": "a.webex.com"}],
                "people": people,
            }
        ]
    }


def _meetings_yaml() -> str:
    out = ["meetings:"]
    for h, host in enumerate(HOSTS):
        for i in range(PER_HOST):  # a host's meetings share a start: one read serves them all
            out += [
                f"  m{h}-{i}:",
                f"    owner: {host}",
                f"    host: {host}",
                "    siteUrl: a.webex.com",
                f"    title: Sync {h}-{i}",
                f"    start: {START.isoformat()}",
                "    durationMinutes: 30",
                "    timezone: UTC",
                "    recurrence: FREQ=WEEKLY;BYDAY=MO",
            ]
    return "\n".join(out) + "\n"


def _meeting_calls(emu) -> dict[str, int]:
    return {k: v for k, v in emu.request_counts().items() if "/meeting" in k or k.endswith("/people/me")}


def test_creating_and_previewing_standing_meetings_costs_reads_per_host_not_per_meeting(tmp_path):
    n = len(HOSTS) * PER_HOST
    with EmulatorServer(seed=_seed()) as emu:
        st = WebexStack(tmp_path / "project", emu)
        st.write(_meetings_yaml())
        emu.reset_counters()
        assert st.up().summary.result == "succeeded"
        calls = _meeting_calls(emu)
        assert calls.get("POST /v1/meetings") == n
        assert calls.get("GET /v1/meetings") == len(HOSTS)  # one read of each host's series
        assert calls.get("GET /v1/people/me", 0) <= 1
        assert calls.get("GET /v1/meetings/{meetingId}", 0) == 0  # nothing found to recover
        assert calls.get("GET /v1/meetingInvitees", 0) == 0  # a series just created has none

        emu.reset_counters()
        st.preview(expect_no_changes=True)
        calls = _meeting_calls(emu)
        assert calls.get("GET /v1/meetings", 0) == 0  # no probe of a known series
        assert calls.get("GET /v1/meetings/{meetingId}") == n
        assert calls.get("GET /v1/meetingInvitees") == n
        assert calls.get("GET /v1/people/me", 0) == 0


def test_a_series_whose_create_was_lost_is_found_again_in_the_shared_read_not_duplicated():
    """A crash after POST leaves a tagged series the state does not know: the next run's one read
    of the host's series (no tag filter) still shows our tag, so the create adopts it."""
    from resources._runtime import OrgSnapshot
    from resources.standing_meeting import StandingMeetingArgs, StandingMeetingProvider
    from webex_client import ClientSettings, WebexClient

    a = StandingMeetingArgs.model_validate(
        {
            "host": "alice.anders1@acme.example.com",
            "siteUrl": "acme.webex.com",
            "title": "Lost",
            "start": START.isoformat(),
            "durationMinutes": 30,
            "timezone": "UTC",
            "recurrence": "FREQ=WEEKLY;BYDAY=MO",
        }
    )
    props = {**a.to_props(), "name": "lost", "stack": "dev"}
    with EmulatorServer(seed="sample") as emu:

        def run():  # a fresh provider process: its own client, so its own reads
            client = WebexClient(emu.admin_token, base_url=emu.base_url, settings=ClientSettings(requests_per_second=0))

            class Provider(StandingMeetingProvider):
                runtime = SimpleNamespace(client=client, snapshot=OrgSnapshot(client, emu.org_id))

            return Provider()

        first = run().create(props)
        emu.reset_counters()
        again = run().create(props)  # the state never learnt `first`
        assert again.id == first.id
        assert emu.request_counts().get("POST /v1/meetings", 0) == 0
        assert emu.request_counts().get("GET /v1/meetings") == 1
