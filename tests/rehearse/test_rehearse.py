"""`webex-iac rehearse`: the real engine, the project's policy pack and the dev stack, on a
throwaway emulator seeded with a pseudonymised snapshot of the sample org (issue #18)."""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner

from webex_iac.cli import main
from webex_iac.rehearse import Options, rehearse


def pulumi_processes_of(pid: int) -> list[int]:
    """Children of this test process that are still alive (the rehearsal must reap its runs)."""
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                out.append(int(d.name))
    return out


def test_rehearsal_of_the_sample_org_converges_and_no_host_is_ever_without_a_license(sample_snapshot, tmp_path):
    report_file = tmp_path / "report.txt"
    r = CliRunner().invoke(main, ["rehearse", "--stack", "dev", "--snapshot", str(sample_snapshot), "--report", str(report_file)])
    assert r.exit_code == 0, r.output
    text = report_file.read_text()
    assert text in r.output
    # The dev stack's story: 20 undeclared holders free new-site units, then the 20 space-meeting
    # hosts move in, in one wave within the pool's 120 units.
    assert "  up  frees       20 users  acme.webex.com 111->91/120" in text
    assert "  up  wave 1      20 users  acme.webex.com 91->111/120" in text
    assert "Users without a meeting license at any moment (held one at the start): max 0" in text
    assert "of them hosts of standing meetings: max 0" in text
    assert "[ok] converged" in text and "BROKEN" not in text
    assert "preview (no changes)         ok" in text
    assert "acme.example.com" not in text  # the report speaks in pseudonyms too
    assert not pulumi_processes_of(os.getpid())


def test_a_rehearsal_killed_mid_run_converges_on_the_second_up(sample_snapshot):
    report = rehearse(Options(stack="dev", snapshot=sample_snapshot, faults=("crash",)))
    killed, second, preview = report.phases
    assert killed.killed_after_writes and killed.returncode != 0
    assert second.name == "up (after the crash)" and second.returncode == 0, second.output[-3000:]
    assert preview.returncode == 0, preview.output[-3000:]
    assert report.ok and report.converged and report.replay_matches_org
    assert report.replay.max_unlicensed_hosts == 0 and not report.replay.host_breaks
    # Both runs' license writes add up to the same end state as one clean run.
    assert report.replay.waves[-1].after[next(i for i, p in report.pools.items() if p.site == "acme.webex.com")] == 111


def test_a_rehearsal_that_takes_a_hosts_license_on_the_meetings_site_fails(tmp_path):
    """A stack that drops the host of a classic-site standing series from the classic pool
    converges, yet the rehearsal must fail: the invariant, not convergence, breaks. (The
    sample's hosts are executives, whom the policy pack protects: the org is edited so that a
    non-executive hosts the Engineering Daily Standup.)"""
    import shutil

    from webex_emulator.testing import EmulatorServer
    from rehearsekit import snapshot_of
    from webex_iac import engine
    from webex_iac.snapshot import dumps

    host = "farid.becker18@acme.example.com"
    with EmulatorServer(seed="sample") as emu:
        doc = snapshot_of(emu, keep_identities=True)
    org = doc["orgs"][0]
    standup = next(s for s in org["meetings"]["series"] if s["title"] == "Engineering Daily Standup")
    standup["host"] = host
    snap = tmp_path / "acme.json"
    snap.write_text(dumps(doc))
    classic = next(lic["key"] for lic in org["licenses"] if lic.get("siteUrl") == "acme-classic.webex.com")
    holders = sorted(p["email"] for p in org["people"] if classic in p.get("licenses", []))
    assert host in holders
    project = tmp_path / "project"
    (project / "stacks").mkdir(parents=True)
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy2(engine.REPO_ROOT / name, project / name)
    users = "\n".join(f"          - {e}" for e in holders if e != host)
    (project / "stacks" / "acme.yaml").write_text(
        "licenses:\n  classic:\n    owner: collab-platform@acme.example.com\n    pools:\n"
        f"      - license: {{siteUrl: acme-classic.webex.com}}\n        users:\n{users}\n"
    )
    r = CliRunner().invoke(
        main,
        [
            "rehearse",
            "--stack",
            "acme",
            "--snapshot",
            str(snap),
            "--project-dir",
            str(project),
            "--policy-pack",
            str(engine.REPO_ROOT / "policies"),
        ],
    )
    assert r.exit_code == 2, r.output
    assert "[ok] converged" in r.output
    assert f"BROKEN: {host}: without a license on acme-classic.webex.com (up, write #1)" in r.output
    assert "[BROKEN] no host of a standing meeting without a license on its site" in r.output
