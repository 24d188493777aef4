"""`webex-iac snapshot`: a deterministic, pseudonymised, secret-free emulator seed (issue #18).

No engine here: these read emulator orgs through the same client and read as `discover`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from rehearsekit import KEY, authorize_sample_app, snapshot_of

from webex_emulator.generate import large_org_seed
from webex_emulator.testing import EmulatorServer
from webex_iac import engine
from webex_iac.cli import main
from webex_iac.rehearse import Options, RehearsalError, copy_policy_packs, rehearse, translate_stack_text
from webex_iac.snapshot import Pseudonymiser, dumps

EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]+")


def real_emails(emu: EmulatorServer) -> set[str]:
    c = emu.client()
    out, url, params = set(), "/people", {"max": 1000}
    while url:
        r = c.get(url, params=params)
        r.raise_for_status()
        out |= {e.lower() for p in r.json()["items"] for e in p["emails"]}
        url, params = r.links.get("next", {}).get("url"), None
    return out


def test_snapshot_of_a_2000_user_org_seeds_an_org_whose_snapshot_is_byte_identical(snapshot_key):
    with EmulatorServer(seed=large_org_seed(2000, headroom=50)) as emu:
        first = dumps(snapshot_of(emu, key=snapshot_key))
    doc = json.loads(first)
    assert len(doc["orgs"][0]["people"]) == 2001
    with EmulatorServer(seed=doc) as emu:
        second = dumps(snapshot_of(emu, key=snapshot_key))
    assert second == first


def test_snapshot_of_the_sample_org_keeps_its_ids_meetings_and_settings(snapshot_key):
    with EmulatorServer(seed="sample") as emu:
        authorize_sample_app(emu)
        org_id = emu.org_id
        c = emu.client()
        lic_ids = {x["id"] for x in c.get("/licenses").json()["items"]}
        doc = snapshot_of(emu, key=snapshot_key)
    with EmulatorServer(seed=doc) as again:
        assert again.org_id == org_id
        assert {x["id"] for x in again.client().get("/licenses").json()["items"]} == lic_ids
        seeded = snapshot_of(again, key=snapshot_key)
    # Meetings (series ids, times, invitees), sites and groups survive the round trip too; the
    # admins' application grants are tokens, which a seed does not recreate (header only).
    assert len(doc["orgs"][0]["meetings"]["series"]) == 24
    assert doc["snapshot"]["applicationGrants"] and not seeded["snapshot"]["applicationGrants"]
    assert dumps(seeded["orgs"]) == dumps(doc["orgs"])


def test_pseudonymised_snapshot_has_no_real_email_name_or_secret(snapshot_key):
    with EmulatorServer(seed="sample") as emu:
        authorize_sample_app(emu)
        emails = real_emails(emu)
        c = emu.client()
        meeting = c.get("/meetings", params={"meetingType": "meetingSeries", "hostEmail": "ada.admin@acme.example.com"}).json()[
            "items"
        ][0]
        secrets = {
            emu.admin_token,
            meeting["password"],
            meeting["phoneAndVideoSystemPassword"],
            "sample-secret-not-real-0001",
            "dev-stack-admin-token",
        }
        text = dumps(snapshot_of(emu, key=snapshot_key))
    assert len(emails) > 200
    found = {e.lower() for e in EMAIL.findall(text)}
    assert found and not found & emails
    assert all(e.endswith(".invalid") for e in found)
    assert "acme.example.com" not in text and "Ada Admin" not in text and "Weekly All Hands" not in text
    assert not [s for s in secrets if s in text]
    assert not re.search(r'"(password|hostKey|clientSecret|token|accessToken)":', text)


def test_keep_identities_is_the_explicit_opt_in_for_real_emails(snapshot_key):
    with EmulatorServer(seed="sample") as emu:
        doc = snapshot_of(emu, keep_identities=True)
    assert doc["snapshot"]["pseudonymised"] is False and "keyFingerprint" not in doc["snapshot"]
    assert "ada.admin@acme.example.com" in {p["email"] for p in doc["orgs"][0]["people"]}


def test_the_key_maps_the_stack_file_and_policy_config_onto_the_snapshots_people(snapshot_key, tmp_path):
    with EmulatorServer(seed="sample") as emu:
        doc = snapshot_of(emu, key=snapshot_key)
    people = {p["email"] for p in doc["orgs"][0]["people"]}
    pseudo = Pseudonymiser(snapshot_key)
    text = (engine.REPO_ROOT / "stacks" / "dev.yaml").read_text()
    mapped = translate_stack_text(text, pseudo)
    assert mapped.count("\n") == text.count("\n")  # errors in the copy point at the real lines
    declared = {e.lower() for e in EMAIL.findall(mapped)}
    assert "acme.example.com" not in mapped
    # Every person the dev stack names exists in the pseudonymised org (owners are teams).
    users = [e for e in declared if not e.startswith(pseudo.email("collab-platform@acme.example.com").split("@")[0])]
    assert set(users) - {pseudo.email("sales-ops@acme.example.com")} <= people
    assert "title: pseudonymised " in mapped and "Sales pipeline review" not in mapped
    (pack,) = copy_policy_packs([str(engine.REPO_ROOT / "policies")], tmp_path, pseudo)
    assert Path(pack).parent == tmp_path  # the pack reads the stack file of the copy it is in
    protected = json.loads((Path(pack) / "config.json").read_text())["protected-holders"]["protectedUsers"]
    assert protected and set(protected) <= people
    # A second mapping of what is already pseudonymous changes nothing (snapshots of snapshots).
    assert translate_stack_text(mapped, pseudo) == mapped


def test_snapshot_command_reads_the_org_with_discovers_credentials_and_writes_the_file(tmp_path, snapshot_key, monkeypatch):
    out = tmp_path / "snap.json"
    with EmulatorServer(seed="sample") as emu:
        monkeypatch.delenv("WEBEX_TOKEN", raising=False)
        monkeypatch.setenv("WEBEX_ACCESS_TOKEN", emu.admin_token)
        r = CliRunner().invoke(
            main,
            [
                "snapshot",
                "--stack",
                "acme",
                "--base-url",
                emu.base_url,
                "--project-dir",
                str(tmp_path),
                "--out",
                str(out),
                "--requests-per-second",
                "0",
            ],
        )
        assert r.exit_code == 0, r.output
        assert "203 people" in r.output and "(pseudonymised)" in r.output
        again = snapshot_of(emu, key=KEY.encode(), stack="acme")
    assert out.read_text() == dumps(again)


def test_rehearse_refuses_a_snapshot_taken_with_another_key(sample_snapshot, monkeypatch):
    monkeypatch.setenv("WEBEX_IAC_SNAPSHOT_KEY", "some-other-key")
    with pytest.raises(RehearsalError, match="another key"):
        rehearse(Options(stack="dev", snapshot=sample_snapshot))


def test_rehearse_without_a_snapshot_says_how_to_take_one(tmp_path):
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "prod.yaml").write_text("meetings: {}\n")
    r = CliRunner().invoke(main, ["rehearse", "--stack", "prod", "--project-dir", str(tmp_path)])
    assert r.exit_code == 1
    assert "snapshots/prod.json does not exist" in r.output and "webex-iac snapshot --stack prod" in r.output


def test_rehearse_refuses_an_unknown_fault():
    r = CliRunner().invoke(main, ["rehearse", "--stack", "dev", "--faults", "crash,meteor"])
    assert r.exit_code == 2 and "'meteor' is not a fault" in r.output


def test_preferred_sites_are_looked_up_on_each_users_own_site_and_a_miss_skips_only_that_user(monkeypatch):
    """GET /meetingPreferences/sites without siteUrl searches the admin's default site (spec), where
    a user of another site is not found: the snapshot asks on the user's own site."""
    from webex_client import NotFoundError
    from webex_iac.discover import org_read
    from webex_iac.snapshot import connection_to, read_preferred_sites

    with EmulatorServer(seed="sample") as emu:  # the admin's default site is acme.webex.com
        conn = connection_to(emu.base_url, emu.admin_token, requests_per_second=0)
        try:
            read = org_read.read_org(conn, steps=org_read.Steps(enabled=False))
            # Generated people 111-195 hold a license of acme-classic.webex.com only (sample.yaml).
            numbered = {int(m.group(1)): p for p in read.people if p.emails for m in [re.search(r"(\d+)@", p.emails[0])] if m}
            classic = [numbered[131], numbered[150]]
            preferred = read_preferred_sites(conn, read)
            assert {preferred.get(p.id) for p in classic} == {"acme-classic.webex.com"}

            miss = classic[0].emails[0]
            real = conn.client.sites.list

            def sites_list(*, user_email=None, **kw):
                if user_email == miss:
                    raise NotFoundError(
                        f"User '{miss}' not found.", status=404, method="GET", url=f"{emu.base_url}/meetingPreferences/sites"
                    )
                return real(user_email=user_email, **kw)

            monkeypatch.setattr(conn.client.sites, "list", sites_list)
            again = read_preferred_sites(conn, read)
        finally:
            conn.close()
    assert classic[0].id not in again and again[classic[1].id] == "acme-classic.webex.com"
    assert len(again) == len(preferred) - 1
