"""Seeds: the sample migration story and the large-org generator."""

from __future__ import annotations

import yaml

from webex_emulator import create_app
from webex_emulator.areas.licenses import model as lic_model
from webex_emulator.core.seeding import expand_org, load_seed
from webex_emulator.generate import large_org_seed, main as generate_main


def test_sample_tells_the_migration_story(app, app_client):
    org = app.state.seed_summary["orgs"][0]
    assert org["people"] >= 200
    lics = {x["name"]: x for x in app_client.get("/v1/licenses").json()["items"]}
    classic = next(x for x in lics.values() if x.get("siteUrl") == "acme-classic.webex.com")
    new = next(x for x in lics.values() if x.get("siteUrl") == "acme.webex.com")
    for pool in (classic, new):
        assert pool["totalUnits"] - pool["consumedUnits"] <= 10  # at/near capacity
    assert any(x["name"] == "Messaging" for x in lics.values())
    hosts = org["spaceMeetingHosts"]
    assert len(hosts) > new["totalUnits"] - new["consumedUnits"]  # migration must plan
    for email in hosts:
        p = app_client.get("/v1/people", params={"email": email}).json()["items"][0]
        assert new["id"] not in p["licenses"] and classic["id"] in p["licenses"]
    assert {"executives", "meeting-hosts"} <= set(org["groups"])
    assert app.state.seed_summary["serviceApps"][0]["authorizedOrgIds"] == []


def test_generated_people_are_deterministic():
    doc = load_seed("sample")
    a = expand_org(doc["orgs"][0])["people"]
    b = expand_org(load_seed("sample")["orgs"][0])["people"]
    assert a == b and len({p["email"] for p in a}) == len(a) == 203


def test_seeded_ids_are_stable_across_runs():
    s1 = create_app(seed="sample", admin_token="a").state.seed_summary
    s2 = create_app(seed="sample", admin_token="b").state.seed_summary
    assert s1["orgs"][0]["licenses"] == s2["orgs"][0]["licenses"]
    assert s1["orgs"][0]["adminPersonId"] == s2["orgs"][0]["adminPersonId"]


def test_large_org_generator_makes_10000_users_and_20000_assignments(tmp_path):
    out = tmp_path / "big.yaml"
    assert generate_main(["--users", "10000", "--out", str(out)]) == 0
    doc = yaml.safe_load(out.read_text())
    assert doc == large_org_seed(10000)
    app = create_app(state_path=str(tmp_path / "big.db"), seed=str(out), admin_token="t")
    db = app.runtime.state.conn
    assert db.execute("SELECT COUNT(*) FROM people").fetchone()[0] == 10001
    assert db.execute("SELECT COUNT(*) FROM license_assignments").fetchone()[0] == 20003
    assert lic_model.check_invariants(db) == []


def test_seed_over_capacity_is_rejected():
    doc = {
        "orgs": [
            {
                "key": "x",
                "displayName": "X",
                "licenses": [{"key": "m", "offerCode": "MS", "name": "Messaging", "totalUnits": 1}],
                "people": [
                    {"email": "a@x.com", "displayName": "A", "licenses": ["m"]},
                    {"email": "b@x.com", "displayName": "B", "licenses": ["m"]},
                ],
            }
        ]
    }
    import pytest

    with pytest.raises(ValueError, match="capacity"):
        create_app(seed=doc, admin_token="t")


def test_sample_dev_stack_tokens_hold_exactly_the_readme_scopes(app_client):
    """The dev stack (`make up`) runs with least privilege: webex_client/scopes.py, no more."""
    from pathlib import Path

    import yaml

    from webex_client.scopes import ADMIN_TOKEN_SCOPES, MINTING_TOKEN_SCOPES

    seed = yaml.safe_load((Path(__file__).resolve().parents[2] / "webex_emulator/seeds/sample.yaml").read_text())
    tokens = {t["name"]: t for t in seed["orgs"][0]["tokens"]}
    assert tokens["dev-stack"]["scopes"] == list(ADMIN_TOKEN_SCOPES)
    assert tokens["dev-minting"]["scopes"] == list(MINTING_TOKEN_SCOPES)
    me = app_client.get("/v1/people/me", headers={"Authorization": "Bearer dev-stack-admin-token"})
    assert me.status_code == 200 and me.json()["emails"] == ["ada.admin@acme.example.com"]
    # ...and nothing beyond: a scope the list does not hold is refused.
    r = app_client.get(
        "/v1/authorizations",
        params={"personEmail": "ada.admin@acme.example.com"},
        headers={"Authorization": "Bearer dev-stack-admin-token"},
    )
    assert r.status_code == 403


def test_readme_lists_exactly_the_scopes_of_webex_client_scopes():
    import re
    from pathlib import Path

    from webex_client.scopes import ADMIN_TOKEN_SCOPES

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## Scopes and roles", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^- `([^`]+)`:", section, flags=re.M)
    assert listed == list(ADMIN_TOKEN_SCOPES)
