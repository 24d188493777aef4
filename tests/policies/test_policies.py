"""The policy pack (policies/) through the real engine: a preview with `--policy-pack` of small
stacks against the emulator's sample org. Each rule fails a stack that breaks it, naming the
resource, the user and the stack file line, and the dev stack passes them all.

Sample org (emulator/seeds/sample.yaml): acme.webex.com holds 111/120 units (ada.admin and
people 1-110 = group meeting-hosts); executives = ada + people 1-8; people 111-130
(space-meeting-hosts) hold no acme.webex.com license.
"""
from __future__ import annotations

import json
from datetime import datetime

import pytest
from ruamel.yaml import YAML

from harness import WebexStack, org_holders
from policy_harness import PACK_DIR, SAMPLE_APP_CLIENT_ID, SAMPLE_APP_ID, holders_yaml, line_of, preview
from webex_iac.engine import REPO_ROOT
from webex_iac.plan_summary import render_markdown

STACK = "policy-test"
SRC = f"stacks/{STACK}.yaml"
KOFI = "kofi.jensen119@acme.example.com"  # a space-meeting host: no acme.webex.com license
ALICE = "alice.anders1@acme.example.com"  # holds it; an executive
BRUNO = "bruno.becker14@acme.example.com"  # holds it; not an executive


@pytest.fixture(scope="module")
def ws(emu, tmp_path_factory):
    return WebexStack(tmp_path_factory.mktemp("policy-project"), emu, name=STACK, extra_config={
        "webex:orgId": emu.org_id,
        "webex-iac:auditAppClientSecret": ("stand-in-client-secret",),
    })


@pytest.fixture(scope="module")
def new_site_holders(emu) -> list[str]:
    org = emu.seed_summary["orgs"][0]
    lic = next(i for k, i in org["licenses"].items() if k == "new-meetings")
    holders = sorted(org_holders(emu, lic))
    assert len(holders) == 111 and ALICE in holders and BRUNO in holders and KOFI not in holders
    return holders


def _meeting(name: str, host: str, owner: str | None = "ops@acme.example.com") -> str:
    owner_line = f"\n    owner: {owner}" if owner else ""
    return f"""\
  {name}:
    host: {host}{owner_line}
    siteUrl: acme.webex.com
    title: {name}
    start: 2027-01-04T10:00:00
    durationMinutes: 30
    timezone: Europe/Berlin
    recurrence: FREQ=WEEKLY;BYDAY=MO
"""


# --- the dev stack ---------------------------------------------------------------------------------

def test_dev_stack_passes_every_policy_with_the_default_config(emu, tmp_path):
    """stacks/dev.yaml as the lead wrote it, with a stack config like stacks/Pulumi.dev.yaml and
    policies/config.json (what `make policy` uses), against a fresh sample org."""
    dev_config = YAML(typ="safe").load((REPO_ROOT / "stacks" / "Pulumi.dev.yaml").read_text())["config"]
    extra: dict = {}
    for key, value in dev_config.items():
        if key in ("webex:baseUrl", "webex:token"):
            continue  # the harness points these at the test's emulator
        extra[key] = ("stand-in-secret-value",) if isinstance(value, dict) and "secure" in value else value
    dev = WebexStack(tmp_path, emu, name="dev", extra_config=extra)
    dev.stack_file.write_text((REPO_ROOT / "stacks" / "dev.yaml").read_text())
    outcome = preview(dev, None, policy_config=json.loads((PACK_DIR / "config.json").read_text()), tmp=tmp_path)
    assert outcome.ok, outcome.output
    assert outcome.violations == []
    assert any(k.startswith("webex-iac") for k in outcome.data.policy_packs), "the pack ran"


# --- license-capacity ------------------------------------------------------------------------------

def test_license_capacity_refuses_more_holders_than_the_live_total_units(ws):
    text = """\
licenses:
  overbooked:
    owner: collab@acme.example.com
    pools:
      - license: {siteUrl: acme.webex.com}
        groups: [meeting-hosts, space-meeting-hosts]
"""
    outcome = preview(ws, text)
    assert not outcome.ok
    msg = outcome.messages("license-capacity")
    line = line_of(text, "- license: {siteUrl: acme.webex.com}")
    assert f"LicenseDistribution 'overbooked', pool acme.webex.com ({SRC}:{line})" in msg
    assert "131 holders (0 users + 131 more members of groups meeting-hosts, space-meeting-hosts) exceed the 120 units" in msg
    assert "the live totalUnits of acme.webex.com" in msg
    # The PR comment of that preview: the violation, and the provider's own refusal as an error.
    comment = render_markdown(outcome.data, STACK, ok=outcome.ok)
    print(comment)
    assert "| mandatory | `license-capacity` | `overbooked` | LicenseDistribution 'overbooked', pool acme.webex.com" in comment
    assert "### Errors\n- overbooked: error: " in comment and "would need 131 units but has 120" in comment
    assert "Resource monitor has terminated" not in comment and "Every policy passes" not in comment


def test_license_capacity_counts_current_holders_a_non_exclusive_pool_keeps(ws):
    text = """\
licenses:
  additive:
    owner: collab@acme.example.com
    pools:
      - license: {siteUrl: acme.webex.com}
        exclusive: false
        groups: [space-meeting-hosts]
"""
    outcome = preview(ws, text)
    msg = outcome.messages("license-capacity")
    assert f"LicenseDistribution 'additive', pool acme.webex.com ({SRC}:{line_of(text, '- license:')})" in msg
    assert "131 holders (0 users + 20 more members of groups space-meeting-hosts + 111 current holders" in msg


# --- host-licensed-on-site -------------------------------------------------------------------------

def test_host_without_a_license_on_the_meeting_site_is_refused(ws):
    text = "meetings:\n" + _meeting("ops-weekly", KOFI)
    outcome = preview(ws, text)
    assert not outcome.ok
    assert [v.policy for v in outcome.violations] == ["host-licensed-on-site"]
    assert outcome.messages("host-licensed-on-site") == (
        f"StandingMeeting 'ops-weekly' ({SRC}:{line_of(text, 'host: ')}): host {KOFI} holds no meeting license "
        "on acme.webex.com and none is declared in this stack; add the host to a LicenseDistribution pool "
        "with license {siteUrl: acme.webex.com}")


def test_host_declared_in_this_stack_satisfies_host_licensed_on_site(ws):
    text = f"""\
licenses:
  ops-hosts:
    owner: collab@acme.example.com
    pools:
      - license: {{siteUrl: acme.webex.com}}
        exclusive: false
        users: [{KOFI}]
meetings:
""" + _meeting("ops-weekly", KOFI)
    outcome = preview(ws, text)
    assert outcome.ok, outcome.output
    assert outcome.violations == []


def test_host_who_would_lose_the_site_license_in_this_change_is_refused(ws, new_site_holders):
    keep = [e for e in new_site_holders if e != ALICE]
    text = f"""\
licenses:
  new-site:
    owner: collab@acme.example.com
    pools:
      - license: {{siteUrl: acme.webex.com}}
        users:
{holders_yaml(keep)}
meetings:
""" + _meeting("exec-sync", ALICE)
    outcome = preview(ws, text)
    assert not outcome.ok
    assert [v.policy for v in outcome.violations] == ["host-licensed-on-site"]
    msg = outcome.messages("host-licensed-on-site")
    assert f"StandingMeeting 'exec-sync' ({SRC}:{line_of(text, 'host: ')}): host {ALICE} holds the meeting license" in msg
    assert (f"would lose it: LicenseDistribution 'new-site' (pool at {SRC}:{line_of(text, '- license:')}) "
            "does not declare them") in msg


# --- no-space-destination --------------------------------------------------------------------------

def test_space_destination_is_refused_with_error_30105(ws):
    """The stack file loader already refuses roomId; a program that builds the resource itself
    (or an older file format) meets the policy."""
    room = "Y2lzY29zcGFyazovL3VzL1JPT00vc3BhY2Utc3RhbmR1cA"

    def program():
        from resources import StandingMeeting
        from resources.standing_meeting import StandingMeetingArgs

        args = StandingMeetingArgs.model_construct(
            owner="ops@acme.example.com", host="ada.admin@acme.example.com", site_url="acme.webex.com",
            title="Space standup", start=datetime(2027, 1, 4, 9), duration_minutes=15, timezone="UTC",
            room_id=room, source=f"{SRC}:7")
        StandingMeeting("space-standup", args)

    outcome = preview(ws, "meetings: {}\n", program=program)
    assert not outcome.ok
    msg = outcome.messages("no-space-destination")
    assert f"StandingMeeting 'space-standup' ({SRC}:7): roomId '{room}' is a space destination." in msg
    assert "error 30105: Using the space ID as a destination is no longer supported." in msg


# --- service-app-scopes ----------------------------------------------------------------------------

APP = f"""\
serviceApps:
  audit-app:
    owner: security@acme.example.com
    applicationId: {SAMPLE_APP_ID}
    clientId: {SAMPLE_APP_CLIENT_ID}
    clientSecretConfig: auditAppClientSecret
    scopes:
      - spark-admin:people_read
      - spark-admin:devices_write
"""


def test_service_app_scopes_outside_the_allow_list_are_refused(ws):
    outcome = preview(ws, APP)
    assert not outcome.ok
    assert [v.policy for v in outcome.violations] == ["service-app-scopes"]
    assert outcome.messages("service-app-scopes") == (
        f"ServiceApp 'audit-app' ({SRC}:{line_of(APP, 'owner:')}): scope 'spark-admin:devices_write' is not in the "
        "allow-list (service-app-scopes.allowedScopes in the policy-pack config); drop it or have it approved")


def test_service_app_allow_list_comes_from_the_policy_pack_config(ws):
    allowed = json.loads((PACK_DIR / "config.json").read_text())["service-app-scopes"]["allowedScopes"]
    outcome = preview(ws, APP, policy_config={"service-app-scopes": {"allowedScopes": allowed + ["spark-admin:devices_write"]}})
    assert outcome.ok, outcome.output
    assert outcome.violations == []


# --- no-plaintext-secrets --------------------------------------------------------------------------

def test_client_secret_and_secret_looking_config_in_plaintext_are_refused(ws):
    from pulumi import automation as auto

    text = APP.replace("auditAppClientSecret", "plainAppClientSecret").replace("      - spark-admin:devices_write\n", "")
    ws.stack.set_config("webex-iac:plainAppClientSecret", auto.ConfigValue("plaintext-client-secret-1234"))
    ws.stack.set_config("webex-iac:smtpPassword", auto.ConfigValue("plaintext-password-5678"))
    try:
        outcome = preview(ws, text)
    finally:
        ws.stack.remove_config("webex-iac:plainAppClientSecret")
        ws.stack.remove_config("webex-iac:smtpPassword")
    assert not outcome.ok
    found = outcome.of("no-plaintext-secrets")
    assert [v.policy for v in outcome.violations] == ["no-plaintext-secrets"] * 2
    by_key = {v.message.split()[1]: v for v in found}
    assert set(by_key) == {"webex-iac:plainAppClientSecret", "webex-iac:smtpPassword"}
    app = by_key["webex-iac:plainAppClientSecret"]
    assert app.resource == "audit-app"
    assert (f"stored in plaintext in stacks/Pulumi.{STACK}.yaml; ServiceApp 'audit-app' ({SRC}:{line_of(text, 'owner:')}) "
            "reads its client secret from it") in app.message
    assert "pulumi config set --secret webex-iac:plainAppClientSecret <value>" in app.message
    assert by_key["webex-iac:smtpPassword"].resource == "(stack)"
    assert "plaintext-client-secret-1234" not in outcome.output and "plaintext-password-5678" not in outcome.output


# --- protected-holders -----------------------------------------------------------------------------

def test_protected_users_and_groups_keep_the_licenses_they_hold(ws, new_site_holders):
    keep = [e for e in new_site_holders if e not in (ALICE, BRUNO)]
    text = f"""\
policy:
  protectedUsers: [{BRUNO}]
licenses:
  new-site:
    owner: collab@acme.example.com
    pools:
      - license: {{siteUrl: acme.webex.com}}
        users:
{holders_yaml(keep)}
"""
    outcome = preview(ws, text, policy_config={"protected-holders": {"protectedGroups": ["executives"]}})
    assert not outcome.ok
    assert [v.policy for v in outcome.violations] == ["protected-holders"] * 2
    pool = f"LicenseDistribution 'new-site', pool acme.webex.com ({SRC}:{line_of(text, '- license:')})"
    msgs = sorted(v.message for v in outcome.violations)
    assert msgs[0] == (f"{pool}: protected user {ALICE} holds acme.webex.com (Meeting - Webex Meeting Center) now "
                       "and would lose it (member of group 'executives', listed in protectedGroups of the "
                       "protected-holders policy-pack config); declare them in this pool's users or groups")
    assert msgs[1] == (f"{pool}: protected user {BRUNO} holds acme.webex.com (Meeting - Webex Meeting Center) now "
                       f"and would lose it (listed in protectedUsers of the policy section of {SRC}); declare them "
                       "in this pool's users or groups")


# --- change-size-guard -----------------------------------------------------------------------------

SHRINK = """\
licenses:
  shrink:
    owner: collab@acme.example.com
    pools:
      - license: {siteUrl: acme.webex.com}
        groups: [executives]
"""


def test_change_size_guard_refuses_more_removals_than_the_limit(ws):
    outcome = preview(ws, SHRINK)
    assert not outcome.ok
    assert [v.policy for v in outcome.violations] == ["change-size-guard"]
    msg = outcome.messages("change-size-guard")
    assert msg.startswith("this change removes 102 licenses, more than the 25 allowed (change-size-guard."
                          "maxLicenseRemovals in the policy-pack config): LicenseDistribution 'shrink', pool "
                          f"acme.webex.com (Meeting - Webex Meeting Center) ({SRC}:{line_of(SHRINK, '- license:')}) "
                          "removes 102: ")
    assert "bruno.becker14@acme.example.com" in msg and ALICE not in msg
    assert outcome.violations[0].resource == "shrink"


def test_change_size_guard_yields_to_an_explicit_stack_file_override(ws):
    outcome = preview(ws, "policy:\n  maxLicenseRemovals: 102\n" + SHRINK)
    assert outcome.ok, outcome.output
    assert outcome.violations == []
    tighter = preview(ws, "policy:\n  maxLicenseRemovals: 101\n" + SHRINK)
    assert "more than the 101 allowed (policy.maxLicenseRemovals in stacks/policy-test.yaml)" in tighter.messages(
        "change-size-guard")


# --- ownership and enforcement levels --------------------------------------------------------------

UNOWNED = """\
licenses:
  extra-hosts:
    pools:
      - license: {siteUrl: acme.webex.com}
        exclusive: false
        users: [ada.admin@acme.example.com]
meetings:
""" + _meeting("board-prep", "ada.admin@acme.example.com", owner=None)


def test_ownership_is_required_on_meetings_and_license_distributions(ws):
    outcome = preview(ws, UNOWNED)
    assert not outcome.ok
    assert sorted(v.message for v in outcome.of("ownership")) == [
        f"LicenseDistribution 'extra-hosts' ({SRC}:{line_of(UNOWNED, '- license:')}): no owner declared; add "
        "`owner: <team or email>` so reviewers know who to ask",
        f"StandingMeeting 'board-prep' ({SRC}:{line_of(UNOWNED, 'host: ')}): no owner declared; add "
        "`owner: <team or email>` so reviewers know who to ask",
    ]
    assert {v.level for v in outcome.violations} == {"mandatory"}


def test_enforcement_levels_come_from_the_policy_pack_config_not_code(ws):
    advisory = preview(ws, UNOWNED, policy_config={"ownership": "advisory"})
    assert advisory.ok, advisory.output
    assert [(v.policy, v.level) for v in advisory.violations] == [("ownership", "advisory")] * 2
    disabled = preview(ws, UNOWNED, policy_config={"ownership": {"enforcementLevel": "disabled"}})
    assert disabled.ok, disabled.output
    assert disabled.violations == []


# --- the example of everything the pack refuses ----------------------------------------------------

def test_the_example_violations_stack_breaks_every_policy_it_lists(emu, tmp_path):
    """stacks/examples/policy-violations.yaml, with its client secret set in plaintext and the
    repository's policies/config.json, fails exactly the policies its header lists."""
    example = WebexStack(tmp_path, emu, name="policy-violations",
                         extra_config={"webex-iac:auditAppClientSecret": "pasted-in-plaintext"})
    example.stack_file.write_text((REPO_ROOT / "stacks" / "examples" / "policy-violations.yaml").read_text())
    outcome = preview(example, None, policy_config=json.loads((PACK_DIR / "config.json").read_text()), tmp=tmp_path)
    assert not outcome.ok
    assert sorted(v.policy for v in outcome.violations) == [
        "change-size-guard", "host-licensed-on-site", "no-plaintext-secrets", "ownership", "protected-holders",
        "service-app-scopes"]
    assert all("stacks/policy-violations.yaml:" in v.message for v in outcome.violations)
    assert BRUNO in outcome.messages("protected-holders") and KOFI in outcome.messages("host-licensed-on-site")
