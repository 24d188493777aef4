"""The emulator is a local tool nothing else can drive (issue 15): the /_emulator control surface
needs a token, JSON, and its own Host; /seed reads no file it was not given; the admin token
never reaches a log; `make emulator` never mistakes another process for its emulator."""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from webex_emulator.testing import EmulatorServer

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "control-test-admin-token"


@pytest.fixture(scope="module")
def emu():
    with EmulatorServer(seed="sample", admin_token=TOKEN) as server:
        yield server


def _org_count(emu) -> int:
    return len(emu.orgs())


def test_no_token_is_refused_and_nothing_changes(emu):
    r = httpx.post(emu.root_url + "/_emulator/reset", json={})
    assert r.status_code == 401 and "Authorization: Bearer" in r.json()["error"]
    assert (
        httpx.post(emu.root_url + "/_emulator/tokens", json={"email": "ada.admin@acme.example.com", "scopes": []}).status_code
        == 401
    )
    assert httpx.get(emu.root_url + "/_emulator/orgs", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert _org_count(emu) == 1


def test_a_cross_origin_text_plain_post_is_refused(emu):
    # What a web page can send without a CORS preflight: no Authorization, text/plain, its Origin.
    r = httpx.post(
        emu.root_url + "/_emulator/reset",
        content=b'{"seed": null}',
        headers={"Content-Type": "text/plain", "Origin": "https://evil.example"},
    )
    assert r.status_code == 403 and "evil.example" in r.json()["error"]
    # Even with the token, text/plain is not the control surface's language.
    r = httpx.post(
        emu.root_url + "/_emulator/reset",
        content=b"{}",
        headers={"Content-Type": "text/plain", "Authorization": f"Bearer {TOKEN}"},
    )
    assert r.status_code == 415
    assert _org_count(emu) == 1


def test_a_wrong_host_is_refused_even_with_the_token(emu):
    r = httpx.post(
        emu.root_url + "/_emulator/reset", json={}, headers={"Host": "attacker.example", "Authorization": f"Bearer {TOKEN}"}
    )
    assert r.status_code == 403 and "DNS rebinding" in r.json()["error"]
    assert _org_count(emu) == 1


def test_the_control_token_opens_the_surface_and_health_needs_none(emu):
    assert (
        httpx.get(emu.root_url + "/_emulator/orgs", headers={"Authorization": f"Bearer {emu.control_token}"}).status_code == 200
    )
    health = httpx.get(emu.root_url + "/_emulator/health").json()
    assert health == {"ok": True, "instance": emu.runtime.control.instance}


def test_seed_reads_no_file_outside_the_seed_directories(emu, tmp_path):
    secret = tmp_path / "secret.yaml"
    secret.write_text("orgs: []\n")
    auth = {"Authorization": f"Bearer {TOKEN}"}
    for body, status in (
        ({"path": str(secret)}, 403),
        ({"path": "/etc/passwd"}, 403),
        ({"name": "../../../etc/passwd"}, 400),
        ({"name": str(secret)}, 400),
    ):
        r = httpx.post(emu.root_url + "/_emulator/seed", json=body, headers=auth)
        assert r.status_code == status, (body, r.text)
    assert _org_count(emu) == 1


def test_the_admin_token_never_reaches_the_log(tmp_path):
    log = tmp_path / "emulator.log"
    env = {**os.environ, "WEBEX_EMULATOR_TOKEN": TOKEN, "PYTHONPATH": str(ROOT)}
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "webex_emulator", "--port", "0", "--seed", "sample", "--log-level", "debug"],
            stdout=out,
            stderr=out,
            env=env,
            cwd=ROOT,
        )
    try:
        root = None
        for _ in range(300):
            text = log.read_text()
            if "instance=" in text:
                root = text.split("root_url=")[1].split()[0]
                break
            time.sleep(0.05)
        assert root, log.read_text()
        auth = {"Authorization": f"Bearer {TOKEN}"}
        assert httpx.get(root + "/v1/people/me", headers=auth).status_code == 200
        httpx.get(root + "/v1/people/me", headers={"Authorization": "Bearer nope"})
        assert httpx.get(root + "/_emulator/orgs", headers=auth).status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert TOKEN not in log.read_text()


class _Impostor(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # answers "healthy" to everything, like any other dev server would
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"ok":true}')

    def log_message(self, *a):
        pass


def test_make_emulator_fails_clearly_when_another_process_holds_the_port(tmp_path):
    server = http.server.HTTPServer(("127.0.0.1", 0), _Impostor)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        r = subprocess.run(
            ["make", "-s", "-o", ".venv/.installed", "emulator", f"EMULATOR_PORT={port}", f"EMULATOR_DIR={tmp_path}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        server.shutdown()
        server.server_close()
    assert r.returncode != 0, r.stdout
    assert f"port {port} on 127.0.0.1 is already in use by another process" in r.stderr, r.stderr
    assert "emulator running" not in r.stdout
    pid_file = tmp_path / "pid"
    assert not pid_file.exists()  # our emulator exited; nothing left behind
