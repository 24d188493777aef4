"""The policy table: every policy, at least two violating cases and one passing case, through the
plain `pulumi preview --policy-pack policies` of a fresh project copy against the emulator.

Batched: one stack (`table`) holds a case of nearly every policy at once; each case is told
apart by its resource. The dev stack is the all-passing case; the fault-mix run repeats the
table under 50 % 503s on reads. Sample org (webex_emulator/seeds/sample.yaml): acme.webex.com holds
111/120 units (ada.admin and people 1-110); acme-classic.webex.com 196/200; Messaging 203/250
(everyone); executives = ada + people 1-8; people 111-130 (space-meeting-hosts) hold no
acme.webex.com license and each hosts one space meeting.
"""

from __future__ import annotations


import pytest

from cli import Project
from webex_iac.engine import REPO_ROOT

SAMPLE_APP_CLIENT_ID = "C0ffee00000000000000000000000000000000000000000000000000000000001"
SAMPLE_APP_ID = (
    "Y2lzY29zcGFyazovL3VzL0FQUExJQ0FUSU9OL0MwZmZlZTAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAx"
)
SAMPLE_APP_SECRET = "sample-secret-not-real-0001"
WIDE_APP_CLIENT_ID = "C" + "ab" * 32
WIDE_APP_SECRET = "wide-app-secret-not-real"

# The table's own overrides on top of policies/config.json (which the pack always applies).
TABLE_CONFIG = {
    "ownership": {"ownerPattern": r"[a-z0-9.+-]+@acme\.example\.com"},
    "protected-holders": {"protectedUsers": [], "protectedGroups": []},  # only the stack file's
}

PLAINTEXT_SECRETS = {  # key -> value, set without --secret: each must be reported
    "webex-iac:partnerApiKey": "pk-123",
    "webex-iac:secretKey": "s3",
    "webex-iac:dbPasswd": "hunter2",
    "webex-iac:botTokenValue": "tok",
    "webex-iac:privateKeyPem": "pem",
    "webex-iac:SMTP_PASSWORD": "pw",
}
PLAINTEXT_FINE = {
    "webex-iac:siteLabel": "Acme",
    "webex:requestsPerSecond": "20",
    "webex:tokenRefreshMarginSeconds": "60",
    "webex-iac:keynoteRoom": "Hall A",
}


def meeting(
    name: str, host: str, *, owner: str | None = "ops@acme.example.com", site: str = "acme.webex.com", adopt: str | None = None
) -> str:
    lines = [
        f"  {name}:",
        f"    host: {host}",
        f"    siteUrl: {site}",
        f"    title: {name}",
        "    start: 2027-01-04T10:00:00",
        "    durationMinutes: 30",
        "    timezone: Europe/Berlin",
        "    recurrence: FREQ=WEEKLY;BYDAY=MO",
    ]
    if owner:
        lines.append(f"    owner: {owner}")
    if adopt:
        lines.append(f"    adoptMeetingId: {adopt}")
    return "\n".join(lines) + "\n"


def people(first: int, last: int, names: dict[int, str]) -> str:
    return ", ".join(names[i] for i in range(first, last + 1))


@pytest.fixture(scope="module")
def org(emu):
    """Ids the table needs, read from the emulator: people by number, space meetings by host."""
    c = emu.client()
    items = c.get(f"{emu.base_url}/people", params={"max": 1000}).json()["items"]
    by_number = {}
    for p in items:
        local = p["emails"][0].split("@")[0]
        digits = "".join(ch for ch in local if ch.isdigit())
        if digits:
            by_number[int(digits)] = p["emails"][0]
    lic = {(l.get("siteUrl") or l["name"]): l for l in c.get(f"{emu.base_url}/licenses").json()["items"]}
    summary = emu.seed_summary["orgs"][0]["meetings"]
    space = {email.lower(): mid for email, mid in summary["spaceMeetings"].items()}
    series = summary["series"]
    emu.authorize_service_app(SAMPLE_APP_CLIENT_ID)
    wide = emu.register_service_app(
        "wide app", ["spark:all", "spark-admin:people_read"], client_id=WIDE_APP_CLIENT_ID, client_secret=WIDE_APP_SECRET
    )
    emu.authorize_service_app(WIDE_APP_CLIENT_ID)
    return {"people": by_number, "licenses": lic, "space": space, "series": series, "wide_app_id": wide["id"]}


def table_stack(org) -> str:
    p = org["people"]
    classic_id = org["licenses"]["acme-classic.webex.com"]["id"]
    classic_free = ["uma.useradmin@acme.example.com"] + [p[i] for i in range(196, 201)]  # hold no classic license
    return f"""\
policy:
  protectedUsers: [' hiro.becker20@acme.example.com ', ' Ada.Admin@acme.example.com', no.such.person@acme.example.com]
  protectedGroups: [EXECUTIVES, ghost-group]
licenses:
  cap-by-site:                       # with cap-by-name: one live pool (111/120) spelled two ways, +10 users
    owner: ops@acme.example.com
    pools:
      - license: {{siteUrl: ACME.webex.com}}
        exclusive: false
        users: [{people(121, 125, p)}]
  cap-by-name:
    owner: ops@acme.example.com
    pools:
      - license: {{name: 'meeting - webex meeting center'}}
        exclusive: false
        users: [{people(126, 130, p)}]
  cap-classic-by-site:               # with cap-classic-by-id: acme-classic (196/200) by siteUrl and by id
    owner: ops@acme.example.com
    pools:
      - license: {{siteUrl: acme-classic.webex.com}}
        exclusive: false
        users: [{", ".join(classic_free[:3])}]
  cap-classic-by-id:
    owner: ops@acme.example.com
    pools:
      - license: {{id: '{classic_id}'}}
        exclusive: false
        users: [{", ".join(classic_free[3:6])}]
  messaging:                         # exclusive: everyone but ada and the space hosts loses Messaging
    owner: ops@acme.example.com
    pools:
      - license: {{name: Messaging}}
        groups: [space-meeting-hosts]
        users: [ada.admin@acme.example.com]
serviceApps:
  app-declares-too-much:
    owner: security@acme.example.com
    applicationId: {SAMPLE_APP_ID}
    clientId: {SAMPLE_APP_CLIENT_ID}
    clientSecretConfig: sampleAppClientSecret
    scopes: [spark-admin:people_read, spark-admin:devices_write]
  app-granted-spark-all:             # declares no scopes; the org granted spark:all
    owner: security@acme.example.com
    applicationId: {org["wide_app_id"]}
    clientId: {WIDE_APP_CLIENT_ID}
    clientSecretConfig: wideAppClientSecret
  app-ok:
    owner: security@acme.example.com
    applicationId: {SAMPLE_APP_ID}
    clientId: {SAMPLE_APP_CLIENT_ID}
    clientSecretConfig: sampleAppClientSecret
    scopes: [spark-admin:people_read, meeting:admin_schedule_write]
meetings:
{meeting("mt-unlicensed-kofi", "kofi.jensen119@acme.example.com", owner=None)}
{meeting("mt-unlicensed-lena", "lena.jensen120@acme.example.com", owner="mallory@acme.example.com.evil.io")}
{meeting("mt-declared-by-name", p[126])}
{meeting("mt-licensed-now", "hiro.becker20@acme.example.com")}
{meeting("mt-adopt-space-chen", p[111], adopt=org["space"][p[111].lower()])}
{meeting("mt-adopt-space-dana", p[112], adopt=org["space"][p[112].lower()])}
{
        meeting(
            "mt-adopt-series-ok",
            "ada.admin@acme.example.com",
            site="acme-classic.webex.com",
            adopt=org["series"]["weekly-all-hands"],
        )
    }
{meeting("mt-cohosts", "hiro.becker20@acme.example.com")}    invitees:
      - {{email: {p[119]}, coHost: true}}          # no license on acme.webex.com, none declared
      - {{email: guest@partner.example.net, coHost: true}}  # not a person of the org
      - {{email: {p[127]}, coHost: true}}          # declared in cap-by-name
      - {{email: {p[30]}, coHost: true}}           # licensed now
      - {{email: {p[120]}}}                        # a plain invitee needs no license
"""


@pytest.fixture(scope="module")
def project(emu, tmp_path_factory):
    return Project(tmp_path_factory.mktemp("policy-table"), emu)


def app_secrets(emu) -> dict[str, str]:
    return {
        "webex-iac:sampleAppClientSecret": SAMPLE_APP_SECRET,
        "webex-iac:wideAppClientSecret": WIDE_APP_SECRET,
        "webex:mintingToken": emu.mint_token("ada.admin@acme.example.com", ["spark:applications_token"]),
    }


@pytest.fixture(scope="module")
def table(project, org, emu):
    project.stack(
        "table",
        table_stack(org),
        secret=app_secrets(emu),
        plain={**PLAINTEXT_SECRETS, **PLAINTEXT_FINE},
        paths={"webex-iac:database.password": "nested-pw"},
    )
    return project.preview("table", policy_config=TABLE_CONFIG)


def test_the_table_fails_the_preview_with_mandatory_violations_only_where_expected(table):
    assert table.rc != 0
    assert table.violations and all(v.level == "mandatory" for v in table.violations)
    assert not [v for v in table.violations if "cannot check" in v.message or "could not run" in v.message], (
        "with the org readable, every policy really checked"
    )


# --- license-capacity ------------------------------------------------------------------------------


def test_license_capacity_counts_one_pool_named_by_site_url_and_by_name_together(table):
    msgs = table.messages("license-capacity")
    assert "2 pools of acme.webex.com (Meeting - Webex Meeting Center): 121 holders" in msgs
    assert "exceed the 120 units" in msgs
    assert "license acme.webex.com (Meeting - Webex Meeting Center) is declared by 2 pools" in msgs
    assert "LicenseDistribution 'cap-by-site', pool {siteUrl: ACME.webex.com}" in msgs
    assert "LicenseDistribution 'cap-by-name', pool {name: meeting - webex meeting center}" in msgs


def test_license_capacity_counts_one_pool_named_by_site_url_and_by_id_together(table):
    msgs = table.messages("license-capacity")
    assert "license acme-classic.webex.com (Meeting - Webex Enterprise Edition) is declared by 2 pools" in msgs
    assert "2 pools of acme-classic.webex.com (Meeting - Webex Enterprise Edition): 202 holders" in msgs
    assert "exceed the 200 units" in msgs


def test_license_capacity_passes_a_pool_that_fits(table):
    assert "Messaging" not in table.messages("license-capacity")


# --- host-licensed-on-site -----------------------------------------------------------------------


def test_host_without_a_license_on_the_site_is_refused(table):
    for name, host in (("mt-unlicensed-kofi", "kofi.jensen119"), ("mt-unlicensed-lena", "lena.jensen120")):
        msg = table.messages("host-licensed-on-site", name)
        assert f"host {host}@acme.example.com holds no meeting license on acme.webex.com" in msg


def test_host_declared_in_a_pool_named_by_license_name_or_licensed_now_passes(table):
    assert not table.of("host-licensed-on-site", "mt-declared-by-name")
    assert not table.of("host-licensed-on-site", "mt-licensed-now")


# --- cohost-licensed-on-site ---------------------------------------------------------------------


def test_cohost_without_a_license_on_the_site_or_outside_the_org_is_refused_naming_the_invitee(table, org):
    msgs = table.messages("cohost-licensed-on-site", "mt-cohosts")
    assert (
        f"invitees[0]: co-host {org['people'][119]} holds no meeting license on acme.webex.com: "
        "Webex keeps them as a plain invitee"
    ) in msgs, msgs
    assert "invitees[1]: co-host guest@partner.example.net is not a person of this org" in msgs, msgs
    assert len(table.of("cohost-licensed-on-site")) == 2, msgs


def test_cohost_declared_in_a_pool_or_licensed_now_and_plain_invitees_pass(table, org):
    msgs = table.messages("cohost-licensed-on-site")
    for n in (127, 30, 120):
        assert org["people"][n] not in msgs


# --- no-space-destination ------------------------------------------------------------------------


def test_adopting_a_space_meeting_is_refused_with_30105_and_the_migration_path(table):
    for name in ("mt-adopt-space-chen", "mt-adopt-space-dana"):
        msg = table.messages("no-space-destination", name)
        assert "is a space meeting (roomId" in msg and "error 30105" in msg and "remove adoptMeetingId" in msg


def test_adopting_an_ordinary_series_passes(table):
    assert not table.of("no-space-destination", "mt-adopt-series-ok")


# --- service-app-scopes --------------------------------------------------------------------------


def test_declared_scope_off_the_allow_list_is_refused(table):
    assert "declared scope 'spark-admin:devices_write' is not in the allow-list" in table.messages(
        "service-app-scopes", "app-declares-too-much"
    )


def test_scope_the_org_really_granted_is_checked_when_the_declaration_omits_it(table):
    assert "the org granted scope 'spark:all', which is not in the allow-list" in table.messages(
        "service-app-scopes", "app-granted-spark-all"
    )


def test_app_granted_only_allowed_scopes_passes(table):
    assert not table.of("service-app-scopes", "app-ok")


# --- ownership -----------------------------------------------------------------------------------


def test_missing_owner_and_owner_matching_only_a_prefix_are_refused(table):
    assert "no owner declared" in table.messages("ownership", "mt-unlicensed-kofi")
    assert "owner 'mallory@acme.example.com.evil.io' does not match" in table.messages("ownership", "mt-unlicensed-lena")
    assert not table.of("ownership", "mt-licensed-now")


# --- protected-holders ---------------------------------------------------------------------------


def test_protected_user_with_stray_spaces_and_group_in_another_case_are_protected(table):
    msgs = table.messages("protected-holders")
    assert "protected user hiro.becker20@acme.example.com holds Messaging now and would lose it" in msgs
    executives = [v for v in table.of("protected-holders") if "member of group 'executives'" in v.message]
    assert len(executives) == 8, msgs  # people 1-8; ada is declared and keeps hers
    assert "ada.admin" not in msgs.replace("users: [ada.admin", "")


def test_protected_names_that_match_nobody_are_violations(table):
    msgs = table.messages("protected-holders")
    assert "protectedUsers names nobody called 'no.such.person@acme.example.com'" in msgs
    assert "protectedGroups names no group called 'ghost-group'" in msgs


# --- no-plaintext-secrets ------------------------------------------------------------------------


def test_plaintext_secrets_are_found_by_key_fragment_and_inside_structured_values(table):
    msgs = table.messages("no-plaintext-secrets")
    for key in PLAINTEXT_SECRETS:
        assert f"config {key} is stored in plaintext" in msgs
    assert "config webex-iac:database is stored in plaintext" in msgs and "webex-iac:database.password" in msgs
    assert "nested-pw" not in msgs and "hunter2" not in msgs, "values are never printed"


def test_encrypted_and_harmless_config_passes(table):
    msgs = table.messages("no-plaintext-secrets")
    for key in [*PLAINTEXT_FINE, "webex-iac:sampleAppClientSecret", "webex:token"]:
        assert f"config {key} " not in msgs


# --- change-size-guard ---------------------------------------------------------------------------


def test_change_size_guard_counts_removals_over_every_distribution(table):
    msg = table.messages("change-size-guard")
    assert "licenses, more than the 25 allowed (change-size-guard.maxLicenseRemovals in the policy-pack config)" in msg


# --- the dev stack: every policy passes ------------------------------------------------------------


@pytest.fixture(scope="module")
def dev_copy(project, org) -> str:
    return project.stack(
        "dev-copy",
        (REPO_ROOT / "stacks" / "dev.yaml").read_text(),
        secret={
            "webex-iac:migrationAppClientSecret": SAMPLE_APP_SECRET,
            "webex:mintingToken": app_secrets(project.emu)["webex:mintingToken"],
        },
    )


def test_dev_stack_passes_every_policy_with_the_packs_own_config(project, dev_copy):
    result = project.preview(dev_copy)  # no --policy-pack-config: the pack applies config.json itself
    assert result.rc == 0, result.output
    assert result.violations == []
    assert "webex-iac@v" in result.output


# --- fail closed -----------------------------------------------------------------------------------


def test_under_half_the_reads_failing_the_same_violations_are_reported_or_the_run_fails_closed(project, table, emu):
    emu.set_faults(rules=[{"status": 503, "probability": 0.5, "method": "GET"}], seed=4)
    try:
        faulty = project.preview("table", policy_config=TABLE_CONFIG)
    finally:
        emu.clear_faults()
    assert faulty.rc != 0, "never ✅ under faults"
    same = table.pairs() <= faulty.pairs()
    closed = [v for v in faulty.violations if "cannot check" in v.message or "cannot be confirmed" in v.message]
    # A provider whose own reads gave up fails its resource: the engine then stops the preview.
    provider_failed = [
        line
        for line in faulty.output.splitlines()
        if " error: " in line and "preview failed" not in line and "Resource monitor" not in line
    ]
    print(f"fault mix: same violations={same}, failed closed={len(closed)}, provider errors={len(provider_failed)}")
    assert same or closed or provider_failed, faulty.output


def test_an_org_the_pack_cannot_read_fails_every_policy_that_needs_it_closed(project, org):
    """A token without identity:groups_read: the providers of these meetings need no groups, the
    pack cannot read the org. Nothing it needed to check may pass."""
    project.stack(
        "no-org",
        "meetings:\n"
        + meeting("mt-licensed-now", "hiro.becker20@acme.example.com")
        + meeting(
            "mt-adopt-series-ok",
            "ada.admin@acme.example.com",
            site="acme-classic.webex.com",
            adopt=org["series"]["weekly-all-hands"],
        ),
    )
    no_groups = project.emu.mint_token(
        "ada.admin@acme.example.com",
        [
            "spark-admin:people_read",
            "spark-admin:licenses_read",
            "meeting:admin_schedule_read",
            "meeting:admin_schedule_write",
            "meeting:admin_preferences_read",
        ],
        roles=["id_full_admin"],
    )
    project.pulumi("config", "set", "--stack", "no-org", "--secret", "webex:token", no_groups)
    result = project.preview("no-org")
    assert result.rc != 0, result.output
    missing = f"missing the org at {project.emu.base_url} (it could not be read: Webex refused GET /groups for the token in webex:token (403): it lacks the scope identity:groups_read"
    assert "cannot be confirmed: " + missing in result.messages("host-licensed-on-site", "mt-licensed-now")
    assert "cannot check this change: " + missing in result.messages("no-space-destination", "mt-adopt-series-ok")


def test_an_invalid_pack_config_fails_every_policy_closed(project, dev_copy):
    """One entry point: the pack itself reads policies/config.json, however the pack is named on the
    command line (here as ./policies/, not policies); a broken one never means defaults."""
    cfg = project.root / "policies" / "config.json"
    good = cfg.read_text()
    cfg.write_text(good.replace('"protected-holders"', '"protected-holder"'))
    try:
        result = project.preview(dev_copy, pack="./policies/")
    finally:
        cfg.write_text(good)
    assert result.rc != 0
    assert "'protected-holder' is not a policy of this pack" in result.messages("protected-holders")
    assert {v.policy for v in result.violations} >= {
        "license-capacity",
        "protected-holders",
        "change-size-guard",
        "no-plaintext-secrets",
        "ownership",
        "deletion-limit",
    }
