"""Upgrade from the release before the typed provider base (issue 16 item 3), run for real.

The baseline's own code (``git archive`` of :data:`BASELINE`: its program, providers and client)
runs ``pulumi up`` for all four kinds against an emulator; then the current code previews,
refreshes and previews again against the same backend and org. Nothing may change: the state
it wrote (inputs with the loader's ``source`` file:line, camelCase outputs, pickled providers)
must read as the same declaration under the new providers.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "e2e"))

from webex_emulator.testing import EmulatorServer  # noqa: E402
from harness import PASSPHRASE, least_privilege_token, write_project  # noqa: E402
from webex_iac import engine  # noqa: E402

BASELINE = "737dc3e"  # HEAD before the typed provider base
APP_SECRET = "upgrade-client-secret-41c9"
ADMIN = "ada.admin@acme.example.com"


def _baseline_code(dest: Path) -> Path:
    """The baseline's packages and program in ``dest`` (skips when the history is absent)."""
    repo = engine.REPO_ROOT
    git = shutil.which("git")
    if (
        git is None
        or subprocess.run([git, "-C", str(repo), "cat-file", "-e", f"{BASELINE}^{{commit}}"], capture_output=True).returncode != 0
    ):
        pytest.skip(f"commit {BASELINE} is not in this checkout's history (a shallow clone or an archive)")
    dest.mkdir(parents=True)
    archive = subprocess.run(
        [git, "-C", str(repo), "archive", BASELINE, "resources", "webex_client", "webex_iac", "__main__.py"],
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def _stack_yaml(app: dict, host: str) -> str:
    return f"""\
# yaml-language-server: $schema=../schema/stack.schema.json
sites:
  acme:
    siteUrl: acme.webex.com
    owner: platform@acme.example.com
    defaultSiteFor: {{users: [{host}]}}
licenses:
  hosts:
    owner: platform@acme.example.com
    pools:
      - license: {{siteUrl: acme.webex.com}}
        exclusive: false
        users: [{host}, dana.jensen112@acme.example.com]   # a co-host needs the site's license too
serviceApps:
  provisioning:
    owner: platform@acme.example.com
    applicationId: {app["id"]}
    clientId: {app["clientId"]}
    clientSecretConfig: provisioningClientSecret
    scopes: [spark-admin:people_read, guest-issuer:write]
    guests:
      - subject: auditor-1
        displayName: Visiting Auditor
meetings:
  weekly-sync:
    owner: platform@acme.example.com
    host: {host}
    siteUrl: acme.webex.com
    title: Weekly sync
    start: 2030-01-07T09:00:00
    durationMinutes: 30
    timezone: Europe/London
    recurrence: FREQ=WEEKLY;BYDAY=MO
    invitees:
      - email: dana.jensen112@acme.example.com
        coHost: true
"""


def _open(root: Path, extra_env: dict[str, str]):
    settings = engine.EngineSettings(
        project_dir=root,
        backend_url=(root / ".pulumi-state").as_uri(),
        pulumi_home=root / ".pulumi-home",
        extra_env={"PULUMI_CONFIG_PASSPHRASE": PASSPHRASE, **extra_env},
    )
    return engine.open_stack("upgrade", settings=settings), settings


def test_state_written_by_the_baseline_release_shows_no_diff_under_the_current_providers(tmp_path):
    from pulumi import automation as auto

    root = tmp_path / "project"
    old_code = _baseline_code(tmp_path / "baseline")
    with EmulatorServer(seed="sample") as emu:
        app = emu.register_service_app(
            "provisioning", ["spark-admin:people_read", "guest-issuer:write", "guest-issuer:read"], client_secret=APP_SECRET
        )
        emu.authorize_service_app(app["id"])
        host = emu.seed_summary["orgs"][0]["spaceMeetingHosts"][0]

        # 1. The baseline release: its program and providers first on the path (language host,
        #    provider process and this pickle's module references alike).
        write_project(root)
        shutil.copy(old_code / "__main__.py", root / "__main__.py")
        (root / "stacks" / "upgrade.yaml").write_text(_stack_yaml(app, host))
        old, settings = _open(root, {"PYTHONPATH": str(old_code)})
        for key, value, secret in [
            ("webex:baseUrl", emu.base_url, False),
            ("webex:token", least_privilege_token(emu), True),
            ("webex:orgId", emu.org_id, False),
            ("webex:mintingToken", emu.mint_token(ADMIN, ["spark:applications_token"]), True),
            ("webex-iac:provisioningClientSecret", APP_SECRET, True),
        ]:
            old.set_config(key, auto.ConfigValue(value, secret=secret))
        applied = old.up(on_output=print)
        assert applied.summary.result == "succeeded"
        assert applied.summary.resource_changes.get("create") == 5  # four kinds and the stack
        old.preview(on_output=print, expect_no_changes=True)  # the baseline itself converged

        state = json.loads(
            subprocess.run(
                [str(engine.find_pulumi_bin_dir() / "pulumi"), "stack", "export", "--stack", "upgrade"],
                cwd=root,
                env={**os.environ, **settings.env("upgrade")},
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        kinds = {r["type"].rsplit(":", 1)[-1]: r for r in state["deployment"]["resources"] if "dynamic/webex" in r["type"]}
        assert set(kinds) == {"MeetingSite", "LicenseDistribution", "ServiceApp", "StandingMeeting"}
        # What the baseline wrote and the new code must read: file:line in the inputs.
        assert kinds["StandingMeeting"]["inputs"]["source"].startswith("stacks/upgrade.yaml:")
        assert "source" in kinds["LicenseDistribution"]["inputs"]["pools"][0]
        meeting_id = kinds["StandingMeeting"]["outputs"]["meetingId"]

        # 2. The current release, on the same backend and org.
        write_project(root)  # the current __main__.py
        new, _ = _open(root, {})
        emu.reset_counters()
        new.preview(on_output=print, expect_no_changes=True)
        refreshed = new.refresh(on_output=print)
        assert refreshed.summary.result == "succeeded"
        new.preview(on_output=print, expect_no_changes=True)
        # 3. The first `up` of the current release: no change, no write; the state drops the
        #    baseline's file:line (the current program sends none) and keeps the same series.
        upgraded = new.up(on_output=print)
        assert set(upgraded.summary.resource_changes) == {"same"}, upgraded.summary.resource_changes
        assert not [k for k in emu.request_counts() if not k.startswith("GET ")]
        kinds = {
            r["type"].rsplit(":", 1)[-1]: r for r in new.export_stack().deployment["resources"] if "dynamic/webex" in r["type"]
        }
        assert kinds["StandingMeeting"]["outputs"]["meetingId"] == meeting_id
        assert "source" not in kinds["StandingMeeting"]["inputs"]
        assert all("source" not in p for p in kinds["LicenseDistribution"]["inputs"]["pools"])
