"""`make up` as a user runs it: a copy of the repository, the emulator's sample org, twice."""
import os
import shutil
import socket
import subprocess
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_make_up_reconciles_the_sample_org_and_a_second_run_changes_nothing(tmp_path):
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.split()
    repo = tmp_path / "checkout"
    for f in files:
        if (ROOT / f).is_file():
            (repo / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / f, repo / f)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    # The checkout shares this venv (installing another takes a minute and proves nothing new).
    args = ["make", "up", f"VENV={ROOT / '.venv'}", f"EMULATOR_PORT={port}"]
    try:
        first = subprocess.run(args, cwd=repo, env=env, capture_output=True, text=True, timeout=600)
        print(first.stdout[-3000:], first.stderr[-2000:])
        assert first.returncode == 0
        # The dev stack's config points at port 8765; the test overrides it like a user would.
        assert "created" in first.stdout and "error" not in first.stdout.lower()
        second = subprocess.run(args, cwd=repo, env=env, capture_output=True, text=True, timeout=600)
        print(second.stdout[-2000:])
        assert second.returncode == 0
        summary = second.stdout[second.stdout.rindex("Resources:"):]
        assert "unchanged" in summary and "created" not in summary and "updated" not in summary
        # The org really changed: the space-meeting hosts now hold the new site's license.
        c = httpx.Client(headers={"Authorization": "Bearer dev-emulator-admin-token"})
        lics = c.get(f"http://127.0.0.1:{port}/v1/licenses").json()["items"]
        new = next(l for l in lics if l.get("siteUrl") == "acme.webex.com")
        assert new["consumedUnits"] <= new["totalUnits"]
        host = c.get(f"http://127.0.0.1:{port}/v1/people", params={"email": "chen.jensen111@acme.example.com"}).json()["items"][0]
        assert new["id"] in host["licenses"]
    finally:
        subprocess.run(["make", "emulator-stop", f"VENV={ROOT / '.venv'}"], cwd=repo, env=env)
