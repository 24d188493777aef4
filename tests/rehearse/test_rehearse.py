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
    r = CliRunner().invoke(main, ["rehearse", "--stack", "dev", "--snapshot", str(sample_snapshot),
                                  "--report", str(report_file)])
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
    assert "acme.example.com" not in text            # the report speaks in pseudonyms too
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
