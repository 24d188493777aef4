"""discover, then `up` through the real engine: everything is adopted, nothing is written to the org."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from webex_emulator.generate import large_org_seed
from webex_emulator.testing import EmulatorServer
from tests.e2e.harness import WebexStack, org_holders
from webex_iac.stack_file import load_stack_file

from .conftest import ok, writes

pytestmark = pytest.mark.engine
FAST = {"webex:requestsPerSecond": "0", "webex:maxConcurrency": "16"}  # the emulator needs no throttle


def _adopt_and_check(emu: EmulatorServer, root: Path, run) -> tuple[WebexStack, dict]:
    st = WebexStack(root, emu, extra_config=FAST)
    emu.reset_counters()
    # The token comes from the stack's secret config webex:token (the harness set it), not argv/env.
    ok(run("discover", "--stack", st.name, "--project-dir", str(root)))
    assert writes(emu) == {}, "discover itself wrote to the org"
    assert st.stack_file.read_text().startswith("# yaml-language-server: $schema=../schema/stack.schema.json\n")
    declared = load_stack_file(st.stack_file)

    emu.reset_counters()
    up = st.up()
    assert writes(emu) == {}, f"adopting wrote to the org: {writes(emu)}"
    changes = up.summary.resource_changes or {}
    assert set(changes) <= {"create"}, changes
    n = len(declared.sites) + len(declared.licenses) + len(declared.meetings)
    assert changes["create"] == n + 1  # + the stack resource: Pulumi state only

    emu.reset_counters()
    preview = st.preview()
    assert preview.change_summary == {"same": n + 1}, preview.change_summary
    assert writes(emu) == {}
    return st, YAML(typ="safe").load(st.stack_file.read_text())


def test_discover_then_up_adopts_the_sample_org_with_no_writes_and_no_drift(emu, run, tmp_path):
    st, doc = _adopt_and_check(emu, tmp_path / "p", run)
    org = emu.seed_summary["orgs"][0]
    series = org["meetings"]["series"]
    # Every standing series is declared for adoption; no space meeting is a StandingMeeting.
    adopted = {m["adoptMeetingId"] for m in doc["meetings"].values()}
    assert adopted == set(series.values())
    assert not adopted & set(org["meetings"]["spaceMeetings"].values())
    comment_lines = [ln for ln in st.stack_file.read_text().splitlines() if ln.startswith("#")]
    for host, space_id in org["meetings"]["spaceMeetings"].items():  # listed in the notes comment
        assert any(space_id in ln and host in ln for ln in comment_lines), space_id
    assert "roomId" not in str(doc["meetings"])
    # Sites by siteUrl; meeting pools in one distribution keyed by siteUrl; others by id.
    assert {s["siteUrl"] for s in doc["sites"].values()} == set(org["sites"])
    pools = doc["licenses"]["meetings"]["pools"]
    assert sorted(p["license"]["siteUrl"] for p in pools) == sorted(org["sites"])
    assert all("id" in p["license"] for d, v in doc["licenses"].items() if d != "meetings" for p in v["pools"])
    # Holders grouped readably: the new site's 111 holders are exactly the meeting-hosts group.
    new_pool = next(p for p in pools if p["license"]["siteUrl"] == "acme.webex.com")
    assert new_pool["groups"] == ["meeting-hosts"] and "users" not in new_pool
    assert len(org_holders(emu, org["licenses"]["new-meetings"])) == 111


def test_discover_then_up_adopts_a_generated_2000_user_org_with_no_writes_and_no_drift(run, tmp_path):
    with EmulatorServer(seed=large_org_seed(2000, headroom=50)) as emu:
        st, doc = _adopt_and_check(emu, tmp_path / "p", run)
        pools = doc["licenses"]["meetings"]["pools"]
        declared_users = sum(len(p.get("users", [])) for p in pools)
        assert declared_users == 2000  # 1,000 per site; the admin is declared by its 1-member group
        assert all(p["groups"] == ["everyone-sample"] for p in pools)
        assert doc.get("meetings") is None  # this org has no meetings
