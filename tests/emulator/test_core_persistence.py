"""File-backed state: stop/restart and crash lose nothing; restart never re-seeds; CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from webex_emulator.testing import EmulatorServer

TOKEN = "persist-admin-token"
HOST = "chen.jensen111@acme.example.com"


def make_changes(emu: EmulatorServer) -> dict:
    lic = emu.seed_summary["orgs"][0]["licenses"]["new-meetings"]
    with emu.client() as c:
        assert c.patch("/licenses/users", json={"email": HOST, "licenses": [{"id": lic}]}).status_code == 200
        pid = c.post("/people", json={"emails": ["persist@acme.example.com"], "displayName": "P"}).json()["id"]
        assert (
            c.post(
                "/groups", json={"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "persisted"}
            ).status_code
            == 201
        )
        assert (
            c.patch(
                "/admin/meeting/config/commonSettings",  # the admin's default site
                json={"scheduleMeetingOptions": {"emailReminders": False}},
            ).status_code
            == 200
        )
        consumed = c.get(f"/licenses/{lic}").json()["consumedUnits"]
    emu.authorize_service_app("C0ffee00000000000000000000000000000000000000000000000000000000001")
    return {"lic": lic, "pid": pid, "consumed": consumed}


def check_changes(emu: EmulatorServer, expected: dict) -> None:
    assert len(emu.orgs()) == 1  # not re-seeded
    with emu.client() as c:
        assert c.get(f"/licenses/{expected['lic']}").json()["consumedUnits"] == expected["consumed"]
        p = c.get("/people", params={"email": HOST}).json()["items"][0]
        assert expected["lic"] in p["licenses"] and "acme.webex.com" in p["siteUrls"]
        assert c.get(f"/people/{expected['pid']}").status_code == 200
        assert c.get("/groups", params={"filter": 'displayName eq "persisted"'}).json()["totalResults"] == 1
        s = c.get("/admin/meeting/config/commonSettings", params={"siteUrl": "acme.webex.com"}).json()
        assert s["scheduleMeetingOptions"]["emailReminders"] is False
    assert emu.service_apps()[0]["authorizedOrgIds"] == [emu.org_id]


def test_restart_with_the_same_state_file_loses_nothing(tmp_path):
    state = tmp_path / "state.db"
    with EmulatorServer(seed="sample", state_path=state, admin_token=TOKEN) as emu:
        expected = make_changes(emu)
    with EmulatorServer(seed="sample", state_path=state, admin_token=TOKEN) as emu:
        check_changes(emu, expected)
        assert emu.seed_summary is None


def test_process_crash_loses_no_committed_write(tmp_path):
    state = tmp_path / "state.db"
    emu = EmulatorServer(seed="sample", state_path=state, admin_token=TOKEN, subprocess=True).start()
    try:
        expected = make_changes(emu)
    finally:
        emu.kill()  # SIGKILL, no clean shutdown
    with EmulatorServer(seed="sample", state_path=state, admin_token=TOKEN, subprocess=True) as emu2:
        check_changes(emu2, expected)


def test_tokens_minted_before_a_restart_still_work(tmp_path):
    state = tmp_path / "state.db"
    with EmulatorServer(seed="sample", state_path=state, admin_token=TOKEN) as emu:
        tok = emu.mint_token(HOST, ["spark:people_read"])
    with EmulatorServer(seed=None, state_path=state, admin_token="another-admin") as emu:
        with emu.client(tok) as c:
            assert c.get("/people/me").json()["emails"] == [HOST]
        with emu.client() as c:  # a new admin token binds to the existing org
            assert c.get("/people/me").json()["emails"] == ["ada.admin@acme.example.com"]


def test_cli_refuses_non_loopback_host_without_allow_remote():
    r = subprocess.run(
        [sys.executable, "-m", "webex_emulator", "--host", "0.0.0.0", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert r.returncode == 2 and "allow-remote" in r.stderr


def test_cli_prints_base_url_but_never_the_admin_token_and_serves(tmp_path):
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "webex_emulator",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--seed",
            "sample",
            "--state",
            str(tmp_path / "s.db"),
            "--token",
            "cli-token",
            "--rate-limit",
            "50",
            "--burst",
            "5",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        info = {}
        while "instance" not in info:
            k, _, v = proc.stdout.readline().strip().partition("=")
            info[k] = v
        assert "admin_token" not in info and "cli-token" not in str(info)  # stdout ends up in logs
        assert info["base_url"].startswith("http://127.0.0.1:") and info["base_url"].endswith("/v1")
        r = httpx.get(info["base_url"] + "/people/me", headers={"Authorization": "Bearer cli-token"})
        assert r.status_code == 200
        rl = httpx.get(
            info["base_url"][:-3] + "/_emulator/rate-limit", headers={"Authorization": f"Bearer {info['control_token']}"}
        ).json()
        assert rl["rateLimit"] == {"rate": 50.0, "burst": 5}
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()


def test_create_app_does_not_reseed_a_state_that_already_holds_an_org(tmp_path):
    from webex_emulator import create_app

    state = str(tmp_path / "s.db")
    first = create_app(state_path=state, seed="sample", admin_token="a")
    assert first.state.seed_summary is not None
    with first.runtime.state.transaction() as db:
        db.execute("UPDATE orgs SET display_name='Renamed'")
    first.runtime.state.close()
    second = create_app(state_path=state, seed="sample", admin_token="a")
    assert second.state.seed_summary is None
    rows = second.runtime.state.conn.execute("SELECT display_name FROM orgs").fetchall()
    assert [r[0] for r in rows] == ["Renamed"]
    second.runtime.state.close()
