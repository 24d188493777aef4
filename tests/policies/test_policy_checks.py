"""The policy checks where the engine cannot easily take them: without a reachable org, and
reading the stack's config and stack file. Real objects throughout (a StackContext pointed at
a closed port, files on disk, the environment the engine gives language-host packs)."""
from __future__ import annotations

import json
import sys

import pytest

from webex_iac.engine import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "policies"))

from webex_policy.context import StackContext  # noqa: E402
from webex_policy.rules import Res, check_hosts_licensed, check_license_capacity, check_plaintext_secrets  # noqa: E402

DEAD_ORG = {"webex:baseUrl": "http://127.0.0.1:9/v1", "webex:token": "stand-in", "webex:maxRetries": "0"}


@pytest.fixture
def offline(tmp_path, monkeypatch) -> StackContext:
    monkeypatch.setenv("WEBEX_IAC_PROJECT_DIR", str(tmp_path))
    ctx = StackContext()
    ctx.configure(project="webex-iac", stack="offline", config=DEAD_ORG, secret_keys={"webex:token"}, dry_run=True)
    return ctx


def test_license_capacity_falls_back_to_the_declared_capacity_when_the_org_cannot_be_read(offline):
    users = [f"user{i}@acme.example.com" for i in range(3)]
    props = {"pools": [
        {"license": {"siteUrl": "acme.webex.com"}, "users": users, "capacity": 2, "source": "stacks/offline.yaml:7"},
        {"license": {"siteUrl": "acme-classic.webex.com"}, "users": users, "capacity": 5, "source": "stacks/offline.yaml:12"},
        {"license": {"name": "Messaging"}, "users": users, "groups": ["executives"], "capacity": 2, "source": "stacks/offline.yaml:17"},
        {"license": {"name": "Webex Calling"}, "users": users * 2, "source": "stacks/offline.yaml:22"},
    ]}
    messages = check_license_capacity("LicenseDistribution", "offline", props, offline, {})
    assert offline.org() is None and offline.org_error, "the org on a closed port cannot be read"
    assert len(messages) == 2, messages
    assert messages[0].startswith("LicenseDistribution 'offline', pool acme.webex.com (stacks/offline.yaml:7): "
                                  "3 holders (3 users) exceed the 2 units (its declared capacity (the org could not be read: ")
    assert messages[1].startswith("LicenseDistribution 'offline', pool Messaging (stacks/offline.yaml:17): at least 3 "
                                  "holders (3 users + members of groups executives not counted) exceed the 2 units")


def test_host_check_without_the_org_accepts_only_hosts_a_pool_of_the_site_lists_by_email(offline):
    dist = Res("LicenseDistribution", "hosts", "urn:d", {"pools": [
        {"license": {"siteUrl": "acme.webex.com"}, "users": ["Listed@acme.example.com"], "groups": ["meeting-hosts"]}]})
    listed = Res("StandingMeeting", "a", "urn:a", {"host": "listed@acme.example.com", "siteUrl": "acme.webex.com", "source": "s:1"})
    unlisted = Res("StandingMeeting", "b", "urn:b", {"host": "other@acme.example.com", "siteUrl": "acme.webex.com", "source": "s:9"})
    found = check_hosts_licensed([dist, listed, unlisted], offline, {})
    assert [urn for _, urn in found] == ["urn:b"]
    assert found[0][0].startswith("StandingMeeting 'b' (s:9): host other@acme.example.com's meeting license on "
                                  "acme.webex.com cannot be confirmed: the org could not be read")


def test_stack_file_policy_section_is_read_from_the_project(offline, tmp_path):
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "offline.yaml").write_text(
        "policy:\n  maxLicenseRemovals: 3\n  protectedUsers: [ceo@acme.example.com]\n  protectedGroups: [board]\n")
    settings = offline.settings()
    assert (settings.max_license_removals, settings.protected_users, settings.protected_groups) == (
        3, ["ceo@acme.example.com"], ["board"])


def test_without_configure_stack_the_pack_reads_config_and_secret_keys_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("WEBEX_IAC_PROJECT_DIR", str(tmp_path))
    monkeypatch.setenv("PULUMI_STACK", "legacy")
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps({"webex:token": "t", "webex-iac:botSecret": "plain", "webex:orgId": "o"}))
    monkeypatch.setenv("PULUMI_CONFIG_SECRET_KEYS", json.dumps(["webex:token"]))
    ctx = StackContext()
    found = check_plaintext_secrets([], ctx, {})
    assert ctx.stack == "legacy" and ctx.secret_keys == {"webex:token"}
    assert [m for m, _ in found] == [
        "config webex-iac:botSecret is stored in plaintext in Pulumi.legacy.yaml. Encrypt it: "
        "`pulumi config set --secret webex-iac:botSecret <value>` (and rotate it: the plaintext is in the history)"]
