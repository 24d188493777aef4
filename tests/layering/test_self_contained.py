"""The repository is self-contained (issue 16 item 6): no file cites a document that lives
outside it, and none names a path on the machine it was written on.

Facts about Webex are cited as a spec operation (``spec: webex-meeting.json PATCH
/meetings/{meetingId}``, or ``[SM] patchMeeting`` with the source tags of
``docs/webex-behaviour.md``) or as the project's own docs (``docs/webex-behaviour.md``,
``webex_emulator/deviations.py``); the spec files themselves are found through
``$WEBEX_OPENAPI_DIR`` / ``../shared/webex-openapi``, never through an absolute path.

Scanned: every file git tracks plus the untracked files it does not ignore (so a new file is
held to the rule before its first commit)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

#: A reference compilation and operation extracts kept next to the spec files, outside the
#: repository.
OUTSIDE_DOC = re.compile(r"REFERENCE\.md|extracts/\w+(?:\.txt)?")
#: An absolute path into a machine's work or home directories (work, home, Users, root at the
#: file-system root), also when reached through ``../..``.
MACHINE_PATH = re.compile(r"(?<![A-Za-z0-9_~-])/(?:work|home|Users|root)/")

#: Files that must keep such a path, with the reason.
EXCEPTIONS = {
    # Pulumi state recorded by release v0.1.0 and kept byte for byte, so that the upgrade test
    # reads exactly what that release wrote; the engine's `sourcePosition` debug fields name
    # the recording checkout's paths.
    "tests/upgrade/fixtures/v0.1.0/state.json": "engine-recorded state of a past release",
}


def _files() -> list[str]:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout (or no git): the tracked files are unknown")
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO,
        check=True,
        capture_output=True,
    ).stdout.decode()
    return sorted({name for name in listed.split("\0") if name})


def offenders(text: str) -> list[tuple[int, str]]:
    """``(line, what)`` for each outside-document citation or machine path in ``text``."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for pattern, what in ((OUTSIDE_DOC, "cites a document outside the repository"), (MACHINE_PATH, "names a machine path")):
            if pattern.search(line):
                found.append((number, what))
    return found


def test_the_scan_finds_both_kinds_of_offence():
    # The rule itself can fail: both patterns fire on what they are meant to catch and not on
    # ordinary relative paths.
    assert offenders("see " + "REFERENCE" + ".md §1.6") == [(1, "cites a document outside the repository")]
    assert offenders("(" + "extracts" + "/people.txt)") == [(1, "cites a document outside the repository")]
    assert offenders("specs in " + "/wo" + "rk/shared/webex-openapi") == [(1, "names a machine path")]
    assert offenders("project:///../.." + "/wo" + "rk/main/x.py") == [(1, "names a machine path")]
    assert offenders("../shared/webex-openapi, docs/webex-behaviour.md, /tmp/org.db, ~/.cache") == []


def test_no_file_cites_an_outside_document_or_a_machine_path():
    problems = []
    for name in _files():
        path = REPO / name
        if name in EXCEPTIONS or not path.is_file():
            continue  # an exception, or a tracked file deleted in the working tree
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary
        problems += [f"{name}:{line}: {what}" for line, what in offenders(text)]
    assert not problems, (
        "cite the spec operation (spec: <file> <METHOD> <path>, or [SA]/[SM] <operation>) or an own doc "
        "(docs/webex-behaviour.md) instead, and find files relative to the repository:\n" + "\n".join(problems)
    )


def test_every_exception_is_still_needed():
    # An exception whose file no longer offends (or no longer exists) is removed, so the list
    # never hides a new offence.
    stale = [
        name for name in EXCEPTIONS if not (REPO / name).is_file() or not offenders((REPO / name).read_text(encoding="utf-8"))
    ]
    assert not stale, f"remove from EXCEPTIONS: {stale}"
