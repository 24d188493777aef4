"""The processes of one run: the CLI, the engine, the language host, the providers.

A run is started in a session of its own (``start_new_session=True``); the engine puts plugins in
process groups of their own, but they keep the session. So a run is found, and killed, by its
session id — never by a name match, which would hit other runs on the same machine.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path


def session_pids(sid: int) -> list[int]:
    """Every live or zombie process whose session id is ``sid`` (Linux ``/proc``)."""
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == sid:  # after "(comm)": state ppid pgrp session
                out.append(int(d.name))
    return out


def alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def kill_session(proc: subprocess.Popen, *, wait_timeout: float | None = 30) -> list[int]:
    """SIGKILL every process of ``proc``'s session, until none is left; return the pids hit."""
    killed: list[int] = []
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    for _ in range(100):
        pids = [p for p in session_pids(proc.pid) if p != os.getpid()]
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            except ProcessLookupError:
                pass
        time.sleep(0.02)
    proc.wait(timeout=wait_timeout)
    return killed
