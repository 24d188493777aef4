"""Safe by default, with the real engine against the emulator (issue 15).

* A failure the user meets reads as a sentence: a bad token (401) and a dead emulator (connection
  refused) give one line naming the token / the URL, no Python traceback, no write; ``--debug``
  (WEBEX_IAC_DEBUG=1) brings the traceback back.
* A stack file that declares nothing is refused before any resource is touched.
* SIGKILL of ``pulumi up`` mid-run leaves no child process behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pulumi import automation as auto

from webex_emulator.testing import EmulatorServer
from tests.e2e.harness import WebexStack
from webex_iac import engine

MEETING = """\
meetings:
  weekly:
    host: ada.admin@acme.example.com
    siteUrl: acme.webex.com
    title: Weekly
    start: 2027-03-01T09:00:00
    durationMinutes: 30
    recurrence: FREQ=WEEKLY;BYDAY=MO
"""


@pytest.fixture(scope="module")
def emu():
    with EmulatorServer(seed="sample") as server:
        yield server


def _writes(emu) -> int:
    return sum(n for k, n in emu.request_counts().items() if not k.startswith("GET "))


def _run_up(st: WebexStack) -> str:
    lines: list[str] = []
    try:
        st.stack.up(on_output=lines.append)
    except auto.CommandError as e:
        lines.append(str(e))
    else:
        pytest.fail("up succeeded")
    return "\n".join(lines)


def test_a_bad_token_reads_as_a_sentence_in_webex_iac_up_with_no_traceback_and_no_write(emu, tmp_path):
    st = WebexStack(tmp_path, emu, token="not-a-valid-token")
    st.write(MEETING)
    emu.reset_counters()
    r = subprocess.run(
        [str(Path(sys.prefix) / "bin" / "webex-iac"), "up", "--yes", "--stack", st.name, "--project-dir", str(tmp_path)],
        env={**os.environ, **st.settings.extra_env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = r.stdout + r.stderr
    assert r.returncode != 0
    assert "Traceback" not in out and 'File "' not in out
    assert "Webex refused the admin token in webex:token (401 on GET /" in out
    assert _writes(emu) == 0


def test_a_dead_emulator_reads_as_a_sentence_naming_the_url(emu, tmp_path):
    st = WebexStack(tmp_path, emu)
    st.stack.set_config("webex:baseUrl", auto.ConfigValue("http://127.0.0.1:9/v1"))  # nothing listens
    st.write(MEETING)
    out = _run_up(st)
    assert "Traceback" not in out
    assert "Cannot connect to http://127.0.0.1:9: connection refused" in out and "make emulator" in out
    # Refused on loopback is final at once: one attempt, not eleven (a minute of silence).
    assert "attempts" not in out


def test_debug_brings_the_traceback_back(emu, tmp_path, monkeypatch):
    monkeypatch.setenv("WEBEX_IAC_DEBUG", "1")
    st = WebexStack(tmp_path, emu, token="not-a-valid-token")
    st.write(MEETING)
    out = _run_up(st)
    assert "Traceback (most recent call last)" in out and "AuthenticationError" in out


def test_an_empty_stack_file_is_refused_and_a_protected_meeting_survives_emptying(emu, tmp_path):
    st = WebexStack(tmp_path, emu)
    st.write(MEETING)
    st.up()
    st.stack_file.write_text("")  # truncated by accident
    emu.reset_counters()
    out = _run_up(st)
    assert "declares nothing" in out and "meetings: {}" in out
    assert _writes(emu) == 0
    assert "weekly" in st.export()  # still managed
    # protect: true is Pulumi's protect option: even an explicit emptying cannot delete it.
    st.write(MEETING.replace("  weekly:\n", "  weekly:\n    protect: true\n"))
    st.up()
    st.write("meetings: {}\n")
    out = _run_up(st)
    assert "protect" in out and _writes(emu) == 0
    st.write(MEETING)  # unprotect in a reviewed change first
    st.up()
    st.write("meetings: {}\n")  # the explicit way
    st.up()
    assert sum(n for k, n in emu.request_counts().items() if k.startswith("DELETE /v1/meetings")) == 1


# --- kill -9 leaves nothing behind -----------------------------------------------------------


def _children(pid: int) -> dict[int, str]:
    """Every live descendant of ``pid``: {pid: command line}."""
    parents: dict[int, int] = {}
    cmds: dict[int, str] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            cmds[int(d.name)] = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        parents[int(d.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    out, todo = {}, [pid]
    while todo:
        p = todo.pop()
        for child, parent in parents.items():
            if parent == p and child not in out:
                out[child] = cmds.get(child, "")
                todo.append(child)
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_sigkill_of_pulumi_up_leaves_no_child_running(emu, tmp_path):
    st = WebexStack(tmp_path, emu)
    st.write(
        MEETING.replace("  weekly:\n", "  weekly:\n    owner: collab-platform@acme.example.com\n")
    )  # the pack's ownership rule
    # Every meeting create hangs 60 s: the run is certainly mid-flight when it is killed.
    emu.set_faults(latency={"ms": 60_000, "method": "POST", "path": "/v1/meetings"})
    try:
        env = {**os.environ, **st.settings.env(st.name)}
        proc = subprocess.Popen(
            [
                str(engine.find_pulumi_bin_dir() / "pulumi"),
                "up",
                "--yes",
                "--skip-preview",
                "--stack",
                st.name,
                "--non-interactive",
                "--policy-pack",
                str(engine.REPO_ROOT / "policies"),
            ],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        tree: dict[int, str] = {}
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            tree.update(_children(proc.pid))
            if any("pulumi.dynamic" in c for c in tree.values()):
                break
            time.sleep(0.2)
        time.sleep(3)  # the provider configures, checks, and its create hangs on the latency
        tree.update(_children(proc.pid))
        assert proc.poll() is None, "up ended before it could be killed"
        # The provider, the policy pack, and the language host running the program.
        for part in ("pulumi.dynamic", "pulumi.policy", "pulumi-language-python "):
            assert any(part in c for c in tree.values()), (part, tree)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        survivors = dict(tree)
        end = time.monotonic() + 5
        while survivors and time.monotonic() < end:
            survivors = {p: c for p, c in survivors.items() if _alive(p)}
            time.sleep(0.1)
        for p in survivors:  # clean up before failing, never leave them to other tests
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        assert not survivors, f"still running 5 s after the engine was killed: {survivors}"
    finally:
        emu.clear_faults()
