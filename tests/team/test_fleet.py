"""`webex-iac fleet`: one stack per org, in parallel, on the shared PostgreSQL backend.

Four emulated orgs (one emulator, each org with its own admin token). org04's credentials are a
read-only admin's: its reads work and its first write is refused (403) — a fault in one org,
mid-run. The emulator's API is the judge of every org.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import teamkit as k
from webex_emulator.generate import fleet_seed
from webex_iac.fleet import FleetError, FleetOrg, select

ORGS = 4
USERS = 40
MOVE = 5
FAULTY = "org04"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def emu(module_tmp):
    from webex_emulator.testing import EmulatorServer

    with EmulatorServer(seed=None, state_path=module_tmp / "state.db", subprocess=True) as e:
        yield e


def fleet_yaml(orgs, base_url: str, backend: str) -> str:
    lines = ["# one stack per org; tokens come from the environment", f"backend: {backend}", "orgs:"]
    for org in orgs:
        lines += [f"  - stack: {org['key']}", f"    baseUrl: {base_url}", f"    token: {{env: {org['key'].upper()}_TOKEN}}"]
    return "\n".join(lines) + "\n"


def fleet(root, env, tmp_path, name: str, *args: str):
    out_json = tmp_path / f"{name}.json"
    rc, out = k.run(
        root,
        {**env, "COLUMNS": "200"},
        "fleet",
        "-f",
        str(root / "fleet.yaml"),
        "--summary-json",
        str(out_json),
        *args,
        log=tmp_path / f"{name}.log",
        timeout=600,
    )
    rows = {r["stack"]: r for r in json.loads(out_json.read_text())["orgs"]} if out_json.exists() else {}
    return rc, out, rows


def test_fleet_converges_every_org_and_isolates_one_orgs_failure(pg, emu, tmp_path):
    doc = fleet_seed(ORGS, USERS)
    emu.reset(doc)
    orgs = {o["key"]: o for o in doc["orgs"]}
    tokens = {key: k.org_token(emu, o, roles=["readonly_admin"] if key == FAULTY else None) for key, o in orgs.items()}
    root = k.write_project(tmp_path / "project")
    for key, org in orgs.items():
        (root / "stacks" / f"{key}.yaml").write_text(k.stack_yaml(org, MOVE))
    # The backend URL in fleet.yaml holds no secret: the password comes from PGPASSWORD.
    (root / "fleet.yaml").write_text(fleet_yaml(orgs.values(), emu.base_url, pg.backend_url_without_password))
    # fleet.yaml's backend wins over the environment's.
    env = k.cli_env(
        (tmp_path / "not-this-backend").as_uri(),
        PULUMI_HOME=str(root / ".pulumi-home"),
        PGPASSWORD=pg.password,
        **{f"{key.upper()}_TOKEN": t for key, t in tokens.items()},
    )
    emu.reset_counters()

    rc, out, rows = fleet(root, env, tmp_path, "first", "--parallel", "2")
    assert rc == 1, out[-4000:]
    assert "API calls" in out and "org01" in out  # the summary table
    assert {f"{key}.json" for key in orgs} <= {p.rsplit("/", 1)[1] for p in pg.keys(".pulumi/stacks/webex-iac/")}, out[-4000:]
    assert not (tmp_path / "not-this-backend").exists()
    assert [rows[key]["result"] for key in orgs] == ["ok", "ok", "ok", "failed"], out[-4000:]
    assert "403" in rows[FAULTY]["error"] or "not authorized" in rows[FAULTY]["error"].lower(), rows[FAULTY]
    assert tokens[FAULTY] not in out and tokens[FAULTY] not in json.dumps(rows)
    # The per-org counts are the real traffic: together, exactly what the emulator served.
    counts = emu.request_counts()
    assert sum(r["apiCalls"] for r in rows.values()) == sum(counts.values()), (rows, counts)
    for key, org in orgs.items():
        live = k.live_holders(emu, tokens[key], org)  # each org through its own token
        want = k.holders(org, 0 if key == FAULTY else MOVE)  # the faulty org is as seeded
        assert live == {p: set(v) for p, v in want.items()}, key
    for key in orgs:
        if key != FAULTY:
            assert rows[key]["changed"] == 1 and rows[key]["apiWrites"] == 2 * MOVE, rows[key]
    assert rows[FAULTY]["changed"] == 0 and rows[FAULTY]["apiWrites"] >= 1  # its refused PATCHes

    # The operator fixes org04's credentials: it converges; the others have nothing to do.
    tokens[FAULTY] = k.org_token(emu, orgs[FAULTY])
    env[f"{FAULTY.upper()}_TOKEN"] = tokens[FAULTY]
    rc, out, rows = fleet(root, env, tmp_path, "second", "--parallel", "2")
    assert rc == 0, out[-4000:]
    assert all(r["result"] == "ok" for r in rows.values()), rows
    assert [rows[key]["changed"] for key in orgs if key != FAULTY] == [0, 0, 0], rows
    assert rows[FAULTY]["changed"] == 1 and rows[FAULTY]["apiWrites"] == 2 * MOVE, rows[FAULTY]
    assert k.live_holders(emu, tokens[FAULTY], orgs[FAULTY]) == {p: set(v) for p, v in k.holders(orgs[FAULTY], MOVE).items()}

    # And again: every org reports no changes and writes nothing.
    emu.reset_counters()
    rc, out, rows = fleet(root, env, tmp_path, "third", "--parallel", "4")
    assert rc == 0, out[-4000:]
    assert all(r["result"] == "ok" and r["changed"] == 0 and r["apiWrites"] == 0 for r in rows.values()), rows
    assert k.writes(emu.request_counts()) == 0


FREEZE_PACK = """\
from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy


def frozen(args, report_violation):
    if args.resource_type.endswith("webex:LicenseDistribution") and "@org02." in args.props.get("owner", ""):
        report_violation("org02 is frozen this week: no license changes")


PolicyPack("fleet-freeze", enforcement_level=EnforcementLevel.MANDATORY, policies=[
    ResourceValidationPolicy(name="frozen-org", description="No changes in a frozen org.", validate=frozen)])
"""


def test_with_a_policy_pack_an_org_that_violates_it_is_refused_before_any_write(pg, emu, tmp_path):
    doc = fleet_seed(2, 20)
    emu.reset(doc)
    orgs = {o["key"]: o for o in doc["orgs"]}
    root = k.write_project(tmp_path / "project")
    for key, org in orgs.items():
        (root / "stacks" / f"{key}.yaml").write_text(k.stack_yaml(org, 3))
    (root / "fleet.yaml").write_text(fleet_yaml(orgs.values(), emu.base_url, pg.backend_url))
    pack = tmp_path / "freeze-pack"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text(f"runtime:\n  name: python\n  options:\n    virtualenv: {REPO / '.venv'}\n")
    (pack / "__main__.py").write_text(FREEZE_PACK)
    tokens = {key: k.org_token(emu, o) for key, o in orgs.items()}
    env = k.cli_env(
        pg.backend_url, PULUMI_HOME=str(root / ".pulumi-home"), **{f"{key.upper()}_TOKEN": t for key, t in tokens.items()}
    )
    emu.reset_counters()
    rc, out, rows = fleet(root, env, tmp_path, "gated", "--parallel", "2", "--policy-pack", str(pack))
    assert rc == 1, out[-4000:]
    assert rows["org01"]["result"] == "ok" and rows["org01"]["changed"] == 1, rows
    assert rows["org02"]["result"] == "failed" and rows["org02"]["apiWrites"] == 0, rows
    assert "policy frozen-org: org02 is frozen this week" in rows["org02"]["error"], rows["org02"]
    assert k.writes(emu.request_counts()) == rows["org01"]["apiWrites"] == 6
    assert k.live_holders(emu, tokens["org02"], orgs["org02"]) == {p: set(v) for p, v in k.holders(orgs["org02"], 0).items()}


def test_an_invalid_fleet_file_names_line_and_field_and_runs_nothing(tmp_path):
    root = k.write_project(tmp_path / "project")
    (root / "fleet.yaml").write_text("orgs:\n  - stack: org01\n    token: {env: A, file: b}\n  - stack: 'no spaces'\n")
    rc, out = k.run(root, k.cli_env("file:///nonexistent"), "fleet", "-f", str(root / "fleet.yaml"), log=tmp_path / "bad.log")
    assert rc != 0
    assert "fleet.yaml:3:5: orgs[0].token: give exactly one of env or file" in out
    assert "fleet.yaml:4:5: orgs[1].stack: 'no spaces' is not a stack name" in out
    assert not (root / ".pulumi-home").exists()  # no engine was started


def test_slices_are_disjoint_and_cover_the_fleet():
    orgs = [FleetOrg(stack=f"org{i:02d}") for i in range(1, 8)]
    slices = [[o.stack for o in select(orgs, slice_=f"{i}/3")] for i in (1, 2, 3)]
    assert slices == [["org01", "org04", "org07"], ["org02", "org05"], ["org03", "org06"]]
    assert [o.stack for o in select(orgs, ("org02", "org05"), "1/2")] == ["org02"]
    for bad in ("0/3", "4/3", "x"):
        with pytest.raises(FleetError):
            select(orgs, slice_=bad)
    with pytest.raises(FleetError, match="not in the fleet: nope"):
        select(orgs, ("nope",))


def test_fleet_seed_is_deterministic_with_disjoint_orgs():
    from webex_emulator.generate import meeting_holders, org_people

    a, b = fleet_seed(3, 10), fleet_seed(3, 10)
    assert a == b
    people = [{p["email"] for p in org_people(o)} for o in a["orgs"]]
    assert [len(p) for p in people] == [11, 11, 11]  # 10 users and the org's admin
    assert not (people[0] & people[1]) and not (people[1] & people[2])
    assert [len(v) for v in meeting_holders(a["orgs"][2]).values()] == [5, 5]
    assert len({o["key"] for o in a["orgs"]}) == 3
