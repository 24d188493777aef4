"""Co-hosts and the host license, end to end: the real engine against the emulator.

Webex makes an invitee a co-host only when they can host on the meeting's site; anyone else
"will be invited as a non-cohost invitee" ([SM] createMeeting invitees). A declared co-host
without that license must be refused before any write (policy pack), must never leave a stack
that changes on every preview (provider diff), and becomes a co-host in the same `up` that gives
them the license.
"""

from __future__ import annotations

import json
import shutil

import pytest
from pulumi.automation.errors import CommandError

from webex_emulator.testing import EmulatorServer
from harness import WebexStack
from webex_iac.engine import REPO_ROOT

WRITES = ("POST /v1/", "PUT /v1/", "PATCH /v1/", "DELETE /v1/")
HOST = "host@co.example.com"
COHOST = "carol@co.example.com"  # holds the license of b.webex.com only


def _seed() -> dict:
    return {
        "orgs": [
            {
                "key": "co",
                "displayName": "Cohost Ltd",
                "domain": "co.example.com",
                "licenses": [
                    {
                        "key": "a",
                        "offerCode": "MC",
                        "name": "Meeting - Webex Meeting Center",
                        "siteUrl": "a.webex.com",
                        "siteType": "Control Hub managed site",
                        "totalUnits": 5,
                        "subscriptionId": "Sub-a",
                    },
                    {
                        "key": "b",
                        "offerCode": "EE",
                        "name": "Meeting - Webex Enterprise Edition",
                        "siteUrl": "b.webex.com",
                        "siteType": "Control Hub managed site",
                        "totalUnits": 5,
                        "subscriptionId": "Sub-b",
                    },
                ],
                "sites": [{"siteUrl": "a.webex.com"}, {"siteUrl": "b.webex.com"}],
                "people": [
                    {"email": "admin@co.example.com", "displayName": "Admin", "roles": ["full_admin"], "licenses": []},
                    {"email": HOST, "displayName": "Host", "licenses": ["a"]},
                    {"email": COHOST, "displayName": "Carol", "licenses": ["b"]},
                ],
            }
        ]
    }


def _stack(*, carol_in_pool: bool = False, title: str = "Weekly sync") -> str:
    users = f"[{HOST}, {COHOST}]" if carol_in_pool else f"[{HOST}]"
    return f"""\
licenses:
  hosts:
    owner: platform@co.example.com
    pools:
      - license: {{siteUrl: a.webex.com}}
        exclusive: false
        users: {users}
meetings:
  weekly-sync:
    owner: platform@co.example.com
    host: {HOST}
    siteUrl: a.webex.com
    title: {title}
    start: 2030-01-07T09:00:00
    durationMinutes: 30
    timezone: Europe/London
    recurrence: FREQ=WEEKLY;BYDAY=MO
    invitees:
      - email: {COHOST}
        coHost: true
"""


@pytest.fixture
def co(tmp_path):
    with EmulatorServer(seed=_seed()) as emu:
        yield emu, WebexStack(tmp_path / "project", emu)


def _pack(st) -> list[str]:
    """The pack checks the project it ships in (its parent directory), so it ships in this one;
    its config protects the sample org's people, who are not in this org."""
    pack = st.root / "policies"
    if not pack.exists():
        shutil.copytree(REPO_ROOT / "policies", pack, ignore=shutil.ignore_patterns("__pycache__"))
        config = json.loads((pack / "config.json").read_text())
        config["protected-holders"].update(protectedUsers=[], protectedGroups=[])
        (pack / "config.json").write_text(json.dumps(config))
        (st.root / ".venv").symlink_to(REPO_ROOT / ".venv", target_is_directory=True)  # PulumiPolicy.yaml
    return [str(pack)]


def _writes(emu) -> int:
    return sum(v for k, v in emu.request_counts().items() if k.startswith(WRITES))


def _invitee(emu, st) -> dict:
    meeting_id = st.stack.outputs()["meetings"].value["weekly-sync"]["meetingId"]
    c = emu.client()
    r = c.get(f"{emu.base_url}/meetingInvitees", params={"meetingId": meeting_id, "hostEmail": HOST})
    r.raise_for_status()
    (item,) = r.json()["items"]
    return item


def test_cohost_without_license_on_the_site_is_refused_in_preview_naming_them_with_no_write(co):
    emu, st = co
    st.write(_stack())
    before = _writes(emu)
    with pytest.raises(CommandError) as err:
        st.preview(policy_packs=_pack(st))
    msg = str(err.value)
    assert "cohost-licensed-on-site" in msg
    assert f"co-host {COHOST} holds no meeting license on a.webex.com: Webex keeps them as a plain invitee" in msg, msg
    assert msg.count("[mandatory]") == 1, msg  # that, and nothing else, stops it
    assert _writes(emu) == before


def test_cohost_without_license_on_the_site_settles_after_one_up_without_the_policy_pack(co):
    """Without the pack the series is created; Webex stores Carol as a plain invitee, and that
    answer settles: the next previews show no change, and an unrelated update (the title) sends
    its PATCH only, not Carol's PUT again."""
    emu, st = co
    st.write(_stack())
    assert st.up().summary.result == "succeeded"
    assert _invitee(emu, st)["coHost"] is False  # what Webex does with an unqualified co-host
    st.preview(expect_no_changes=True)
    before = _writes(emu)
    st.write(_stack(title="Weekly sync (moved)"))  # an unrelated update does not re-send Carol
    st.up()
    assert _writes(emu) == before + 1, emu.request_counts()
    st.preview(expect_no_changes=True)


def _with_plain_carol(text: str) -> str:
    return text.replace("        coHost: true\n", "        coHost: false\n")


def test_cohost_given_the_license_by_the_same_stack_passes_the_pack_and_is_cohost_after_that_up(co):
    """One reviewed change makes Carol a co-host and gives her the site's license: the pack lets
    it through (the license comes from this stack), preview shows both, one `up` converges."""
    emu, st = co
    st.write(_with_plain_carol(_stack()))
    st.up()
    st.write(_stack(carol_in_pool=True))
    pack = _pack(st)
    assert st.preview(policy_packs=pack).change_summary.get("update") == 2  # the pool and the meeting
    st.up(policy_packs=pack)
    assert _invitee(emu, st)["coHost"] is True
    st.preview(expect_no_changes=True)


def test_cohost_kept_as_invitee_becomes_cohost_in_the_up_that_gives_them_the_license(co):
    """Recorded as kept as a plain invitee (an `up` without the pack), Carol is made co-host by
    the `up` whose LicenseDistribution gives her the license: the meeting is diffed after it."""
    emu, st = co
    st.write(_stack())
    st.up()
    assert _invitee(emu, st)["coHost"] is False
    st.write(_stack(carol_in_pool=True))
    st.up(policy_packs=_pack(st))
    assert _invitee(emu, st)["coHost"] is True
    st.preview(expect_no_changes=True)
