"""migration-report: who needs a license on the target site, what overflows, and a plan that fits."""

from __future__ import annotations

import io
import json
from pathlib import Path

from ruamel.yaml import YAML

from tests.e2e.harness import WebexStack, license_info, org_holders
from webex_iac import engine
from webex_iac.migration_report import EXIT_NO_FIT, HostNeed, Proposal, Report

from .conftest import ok, writes

TARGET = "acme.webex.com"
FAST = {"webex:requestsPerSecond": "0"}


def _report(run, emu, project: Path, *extra: str):
    return run(
        "migration-report",
        "--stack",
        "prod",
        "--target-site",
        TARGET,
        "--base-url",
        emu.base_url,
        "--project-dir",
        str(project),
        "--requests-per-second",
        "0",
        *extra,
        token=emu.admin_token,
    )


def _seeded_unlicensed_hosts(emu) -> set[str]:
    """Seeded space-meeting hosts (no new-site license) who host a meeting in the seed."""
    org = emu.seed_summary["orgs"][0]
    hosting = set(org["meetings"]["spaceMeetings"])  # host email -> its space meeting
    return {h.lower() for h in org["spaceMeetingHosts"]} & {h.lower() for h in hosting}


def test_report_lists_exactly_the_seeded_unlicensed_hosts_roomid_meetings_and_the_overflow(emu, run, project):
    report = json.loads(ok(_report(run, emu, project, "--json")).stdout)
    expected = _seeded_unlicensed_hosts(emu)
    assert len(expected) == 20
    assert {h["email"] for h in report["unlicensedHosts"]} == expected
    assert all(h["meetings"] and h["meetings"][0]["kind"] == "space" for h in report["unlicensedHosts"])
    # Meetings addressed by roomId: exactly the seeded space meetings, none of whose hosts is licensed.
    spaces = emu.seed_summary["orgs"][0]["meetings"]["spaceMeetings"]
    assert {m["meetingId"] for m in report["roomMeetings"]} == set(spaces.values())
    assert not any(m["hostLicensedOnTarget"] for m in report["roomMeetings"])
    # The new-site pool: 111/120 used, +20 hosts = 131 -> over by 11.
    row = next(r for r in report["pools"] if r["siteUrl"] == TARGET)
    assert (row["total"], row["used"], row["afterMove"], row["overBy"]) == (120, 111, 131, 11)
    assert report["guests"]["detectable"] is False and report["guests"]["suspects"] == []
    assert writes(emu) == {}


def test_report_prints_a_readable_table_naming_every_unlicensed_host(emu, run, project):
    out = ok(_report(run, emu, project)).stdout
    assert f"Meeting hosts without a license on {TARGET} (20)" in out
    for host in _seeded_unlicensed_hosts(emu):
        assert host in out
    assert "Guest Issuer" in out and "roomId" in out and "Proposed redistribution" in out


def test_proposal_frees_units_only_from_unprotected_holders_who_host_no_meetings(emu, run, project):
    ok(
        run(
            "discover",
            "--stack",
            "prod",
            "--base-url",
            emu.base_url,
            "--project-dir",
            str(project),
            "--requests-per-second",
            "0",
            token=emu.admin_token,
        )
    )
    path = project / "stacks" / "prod.yaml"
    path.write_text(path.read_text() + "policy:\n  protectedUsers: [alice.becker13@acme.example.com]\n")
    report = json.loads(ok(_report(run, emu, project, "--json")).stdout)
    prop = report["proposal"]
    assert prop["fits"] and len(prop["removes"]) == 11 and len(prop["adds"]) == 20
    c = emu.client()
    group = emu.seed_summary["orgs"][0]["groups"]["executives"]
    exec_ids = {m["id"] for m in c.get(f"/groups/{group}/members").json()["members"]}
    people = {p["emails"][0]: p["id"] for p in c.get("/people", params={"max": 1000}).json()["items"]}
    executives = {e for e, pid in people.items() if pid in exec_ids}
    assert len(executives) == 9
    hosts = {"ada.admin@acme.example.com", "alice.anders1@acme.example.com", "bruno.anders2@acme.example.com"}
    freed = set(prop["removes"])
    assert not freed & executives and not freed & hosts
    assert "alice.becker13@acme.example.com" not in freed  # policy.protectedUsers of the stack file
    assert not freed & set(prop["adds"])


def test_write_then_up_converges_and_the_edit_passes_the_policy_pack(emu, run, tmp_path):
    root = tmp_path / "p"
    st = WebexStack(root, emu, name="prod", extra_config=FAST)
    args = ("--stack", "prod", "--project-dir", str(root))
    ok(run("discover", *args))
    human = "# Owned by the collaboration team; ask #collab before editing.\n"
    st.stack_file.write_text(st.stack_file.read_text().replace("licenses:\n", human + "licenses:\n", 1))
    st.up()  # adopt

    emu.reset_counters()
    result = ok(run("migration-report", *args, "--target-site", TARGET, "--write", "--json"))
    assert writes(emu) == {}  # the report only edits the file
    prop = json.loads(result.stdout)["proposal"]
    assert prop["written"] and prop["expandedGroups"] == ["meeting-hosts"]
    text = st.stack_file.read_text()
    assert human in text and text.startswith("# yaml-language-server:")  # comments kept
    pools = YAML(typ="safe").load(text)["licenses"]["meetings"]["pools"]
    new_site = next(p for p in pools if p["license"].get("siteUrl") == TARGET)
    assert new_site["groups"] == ["space-meeting-hosts", "executives"]  # readable again, largest first
    assert len(new_site["users"]) == 120 - 20 - 9
    # The pack checks the project it ships in (its parent directory), so it ships in this one.
    (root / "policies").symlink_to(engine.REPO_ROOT / "policies", target_is_directory=True)
    if not (root / ".venv").exists():
        (root / ".venv").symlink_to(engine.REPO_ROOT / ".venv", target_is_directory=True)  # PulumiPolicy.yaml
    pack = str(root / "policies")
    st.preview(policy_packs=[pack])  # raises if a mandatory policy is violated

    up = st.up(policy_packs=[pack])
    assert up.summary.resource_changes.get("update") == 1  # the meetings distribution only
    new_pool = emu.seed_summary["orgs"][0]["licenses"]["new-meetings"]
    holders = org_holders(emu, new_pool)
    assert _seeded_unlicensed_hosts(emu) <= holders
    assert not set(prop["removes"]) & holders
    assert license_info(emu, new_pool)["consumedUnits"] == 120
    assert writes(emu) == {"PATCH /v1/licenses/users": 31}

    emu.reset_counters()
    assert st.preview().change_summary == {"same": 9}  # stack, 2 sites, 2 distributions, 4 meetings
    assert writes(emu) == {}
    after = json.loads(ok(run("migration-report", *args, "--target-site", TARGET, "--json")).stdout)
    assert after["unlicensedHosts"] == []


def test_write_refuses_when_no_edit_fits_within_capacity_and_leaves_the_file_alone(emu, run, project):
    ok(
        run(
            "discover",
            "--stack",
            "prod",
            "--base-url",
            emu.base_url,
            "--project-dir",
            str(project),
            "--requests-per-second",
            "0",
            token=emu.admin_token,
        )
    )
    path = project / "stacks" / "prod.yaml"
    # Every holder of the new site is protected: no unit can be freed for the 20 hosts.
    path.write_text(path.read_text() + "policy:\n  protectedGroups: [meeting-hosts]\n")
    before = path.read_text()
    result = _report(run, emu, project, "--write")
    assert result.exit_code == EXIT_NO_FIT
    assert "No edit fits" in result.stdout and "11 holder(s) must be freed, but only 0" in result.stdout
    assert path.read_text() == before


def test_write_refuses_to_free_units_from_a_non_exclusive_pool(emu, run, project):
    ok(
        run(
            "discover",
            "--stack",
            "prod",
            "--base-url",
            emu.base_url,
            "--project-dir",
            str(project),
            "--requests-per-second",
            "0",
            token=emu.admin_token,
        )
    )
    path = project / "stacks" / "prod.yaml"
    doc = YAML(typ="rt").load(path.read_text())
    pool = next(p for p in doc["licenses"]["meetings"]["pools"] if p["license"].get("siteUrl") == TARGET)
    pool["exclusive"] = False
    buf = io.StringIO()
    YAML(typ="rt").dump(doc, buf)
    path.write_text(buf.getvalue())
    result = _report(run, emu, project, "--write", "--json")
    assert result.exit_code == EXIT_NO_FIT
    assert "exclusive: false" in json.loads(result.stdout)["proposal"]["reason"]


def test_json_report_camel_cases_field_names_only_never_data_keys():
    # Emails and other data used as keys (ann_b@x.com) are facts, not field names: only the
    # report's own fields take camelCase (pydantic's to_camel, the one converter of the project).
    report = Report(
        stack="prod",
        target_site=TARGET,
        target_pool={"total_units": 5},
        unlicensed_hosts=[HostNeed("ann_b@x.com", [{"site_url": "x"}], [], False)],
        pools=[],
        guests={"ann_b@x.com": 1},
        room_meetings=[],
        proposal=Proposal(True, "", excluded={"ann_b@x.com": 2}),
    )
    out = report.to_json()
    assert out["targetSite"] == TARGET and out["unlicensedHosts"][0]["declaredInTargetPool"] is False
    assert out["guests"] == {"ann_b@x.com": 1} and out["proposal"]["excluded"] == {"ann_b@x.com": 2}
    assert out["targetPool"] == {"total_units": 5} and out["unlicensedHosts"][0]["meetings"] == [{"site_url": "x"}]
