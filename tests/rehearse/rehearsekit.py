"""Helpers for the rehearsal tests: snapshots of emulator orgs through the real read."""

from __future__ import annotations

from webex_emulator.testing import EmulatorServer
from webex_iac.snapshot import connection_to, take_snapshot

KEY = "tests-rehearse-key-not-a-real-one"


def snapshot_of(emu: EmulatorServer, **kw) -> dict:
    conn = connection_to(emu.base_url, emu.admin_token, requests_per_second=0)
    try:
        return take_snapshot(conn, **kw)
    finally:
        conn.close()


def authorize_sample_app(emu: EmulatorServer) -> None:
    """The Control Hub click `make up` also stands in for: a Full Admin authorizes the app."""
    org = emu.orgs()[0]
    for app in emu.service_apps():
        emu.authorize_service_app(app["clientId"], authorized_by=org["adminPersonId"])
