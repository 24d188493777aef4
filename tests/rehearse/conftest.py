"""Fixtures for `webex-iac snapshot` / `rehearse` (issue #18).

* ``snapshot_key`` — a fixed pseudonymisation key in ``WEBEX_IAC_SNAPSHOT_KEY`` (never the
  developer's own key file).
* ``sample_snapshot`` — a pseudonymised snapshot of a fresh sample org whose Service App a Full
  Admin has authorized (as `make up` does), written to a file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from rehearsekit import KEY, authorize_sample_app, snapshot_of  # noqa: E402

from webex_emulator.testing import EmulatorServer
from webex_iac.snapshot import dumps


@pytest.fixture
def snapshot_key(monkeypatch) -> bytes:
    monkeypatch.setenv("WEBEX_IAC_SNAPSHOT_KEY", KEY)
    return KEY.encode()


@pytest.fixture
def sample_snapshot(tmp_path: Path, snapshot_key: bytes) -> Path:
    with EmulatorServer(seed="sample") as emu:
        authorize_sample_app(emu)
        doc = snapshot_of(emu, key=snapshot_key)
    path = tmp_path / "snapshots" / "dev.json"
    path.parent.mkdir()
    path.write_text(dumps(doc))
    assert json.loads(path.read_text())["snapshot"]["pseudonymised"] is True
    return path
