"""`make up` as a user runs it: a copy of the repository, the emulator's sample org.

`make up` is the plain CLI (`pulumi up --yes --stack dev --policy-pack policies`, visible in the
output). First with the stack file's own stricter license-removal limit: the policy pack stops
the update in its preview and the emulator's request log shows no write. Then as shipped: the
org is reconciled, and a second run reports no changes.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
PLAIN_UP = "pulumi up --yes --stack dev --policy-pack policies"
DEV_TOKEN = "dev-emulator-admin-token"  # the Makefile's (public, emulator-only)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _with_removal_limit(text: str, limit: int) -> str:
    line = f"  maxLicenseRemovals: {limit}\n"
    if "\npolicy:\n" in text:
        return text.replace("\npolicy:\n", "\npolicy:\n" + line, 1)
    return text + "\npolicy:\n" + line


def _org_writes(c: httpx.Client, port: int) -> list[str]:
    log = c.get(f"http://127.0.0.1:{port}/_emulator/requests/log").json()["items"]
    # Minting the Service App's token is authentication, not a change to the org.
    return [
        f"{r['method']} {r['path']}"
        for r in log
        if r["method"] in ("POST", "PUT", "PATCH", "DELETE")
        and r["path"].startswith("/v1/")
        and not re.match(r"/v1/(access_token|applications/[^/]+/token)$", r["path"])
    ]


def test_make_up_is_plain_pulumi_up_stops_before_any_write_on_a_policy_and_converges(tmp_path):
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    repo = tmp_path / "checkout"
    for f in files:
        if (ROOT / f).is_file() and not f.startswith("tests/"):
            (repo / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / f, repo / f)
    # The checkout shares this venv (installing another takes a minute and proves nothing new);
    # `-o` keeps make from ever reinstalling it from the copy.
    (repo / ".venv").symlink_to(sys.prefix)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    args = ["make", "-o", ".venv/.installed", "up", f"EMULATOR_PORT={port}"]
    dev = repo / "stacks" / "dev.yaml"
    story = dev.read_text()
    c = httpx.Client(headers={"Authorization": f"Bearer {DEV_TOKEN}"})
    try:
        dev.write_text(_with_removal_limit(story, 1))
        stopped = subprocess.run(args, cwd=repo, env=env, capture_output=True, text=True, timeout=600)
        print(stopped.stdout[-4000:], stopped.stderr[-2000:])
        assert stopped.returncode != 0
        assert PLAIN_UP in stopped.stdout
        assert "change-size-guard" in stopped.stdout and "more than the 1 allowed" in stopped.stdout
        assert "Updating (dev)" not in stopped.stdout
        assert _org_writes(c, port) == []

        dev.write_text(story)
        first = subprocess.run(args, cwd=repo, env=env, capture_output=True, text=True, timeout=600)
        print(first.stdout[-3000:], first.stderr[-2000:])
        assert first.returncode == 0
        assert PLAIN_UP in first.stdout
        assert "created" in first.stdout and "error" not in first.stdout.lower()
        second = subprocess.run(args, cwd=repo, env=env, capture_output=True, text=True, timeout=600)
        print(second.stdout[-2000:])
        assert second.returncode == 0
        summary = second.stdout[second.stdout.rindex("Resources:") :]
        assert "unchanged" in summary and "created" not in summary and "updated" not in summary
        # The org really changed: the space-meeting hosts now hold the new site's license.
        lics = c.get(f"http://127.0.0.1:{port}/v1/licenses").json()["items"]
        new = next(l for l in lics if l.get("siteUrl") == "acme.webex.com")
        assert new["consumedUnits"] <= new["totalUnits"]
        host = c.get(f"http://127.0.0.1:{port}/v1/people", params={"email": "chen.jensen111@acme.example.com"}).json()["items"][0]
        assert new["id"] in host["licenses"]
    finally:
        subprocess.run(["make", "emulator-stop"], cwd=repo, env=env)
