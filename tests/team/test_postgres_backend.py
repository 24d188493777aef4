"""A team shares one state: Pulumi's DIY PostgreSQL backend, on a real PostgreSQL server.

The server is started by the session fixture (conftest.py: own data directory, own loopback
port, a non-root user, stopped at the end). Every run is `python -m webex_iac …` with
``PULUMI_BACKEND_URL=postgres://…`` against an emulated org; the emulator's API is the judge.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess

import pytest

import teamkit as k
from webex_emulator.generate import fleet_seed
from webex_emulator.testing import EmulatorServer
from webex_iac import engine

USERS = 120  # 60 per meeting pool
MOVE = 30  # 30 each way: 60 PATCHes
STACK = "team"
PATCH = "PATCH /v1/licenses/users"


@pytest.fixture(scope="module")
def emu(module_tmp):
    with EmulatorServer(seed=None, state_path=module_tmp / "state.db", subprocess=True) as e:
        yield e


@pytest.fixture
def org(emu):
    """A fresh org (same ids every time: the seed is deterministic), counters at zero."""
    emu.clear_faults()
    doc = fleet_seed(1, USERS)
    emu.reset(doc)
    emu.reset_counters()
    return doc["orgs"][0]


def configured_project(root, emu, org, pg, **config: str):
    """A checkout with the stack created in the shared backend and its config set."""
    from pulumi import automation as auto

    from webex_iac import engine

    k.write_project(root)
    settings = engine.EngineSettings(
        project_dir=root,
        backend_url=pg.backend_url,
        pulumi_home=root / ".pulumi-home",
        extra_env={"PULUMI_CONFIG_PASSPHRASE": k.PASSPHRASE},
    )
    st = engine.open_stack(STACK, None, settings)
    st.set_config("webex:baseUrl", auto.ConfigValue(emu.base_url))
    st.set_config("webex:token", auto.ConfigValue(emu.admin_token, secret=True))
    for key, value in config.items():
        st.set_config(f"webex:{key}", auto.ConfigValue(value))
    (root / "stacks" / f"{STACK}.yaml").write_text(k.stack_yaml(org, MOVE))
    return k.cli_env(pg.backend_url, PULUMI_HOME=str(root / ".pulumi-home"))


def assert_converged(emu, org) -> None:
    want = k.holders(org, MOVE)
    got = k.live_holders(emu, emu.admin_token, org)
    assert got == {p: set(v) for p, v in want.items()}


def test_e2e_cycle_keeps_its_state_in_postgresql(pg, emu, org, tmp_path):
    env = configured_project(tmp_path / "project", emu, org, pg)
    root = tmp_path / "project"
    rc, out = k.run(root, env, "up", "--stack", STACK, "--yes", log=tmp_path / "up.log")
    assert rc == 0, out[-4000:]
    assert emu.request_counts().get(PATCH) == 2 * MOVE
    assert_converged(emu, org)
    # The state is in PostgreSQL, not in the checkout.
    assert any(key.endswith(f"/{STACK}.json") for key in pg.keys(".pulumi/stacks/")), pg.keys()
    assert not (root / ".pulumi-state").exists()
    state = json.loads(pg.blob(f".pulumi/stacks/webex-iac/{STACK}.json"))
    assert any(r["type"].endswith("webex:LicenseDistribution") for r in state["checkpoint"]["latest"]["resources"])
    # Another checkout (a colleague) sees the same state: nothing to change.
    other = tmp_path / "colleague"
    shutil.copytree(root, other, ignore=shutil.ignore_patterns(".pulumi-home", "*.log"))
    env2 = {**env, "PULUMI_HOME": str(other / ".pulumi-home")}
    emu.reset_counters()
    rc, out = k.run(other, env2, "preview", "--stack", STACK, "--expect-no-changes", log=tmp_path / "preview.log")
    assert rc == 0, out[-4000:]
    rc, out = k.run(other, env2, "refresh", "--stack", STACK, log=tmp_path / "refresh.log")
    assert rc == 0, out[-4000:]
    assert k.writes(emu.request_counts()) == 0
    rc, out = k.run(root, env, "destroy", "--stack", STACK, "--yes", log=tmp_path / "destroy.log")
    assert rc == 0, out[-4000:]
    # The shared state no longer holds any resource of the stack.
    state = json.loads(pg.blob(f".pulumi/stacks/webex-iac/{STACK}.json"))
    assert state["checkpoint"]["latest"].get("resources") in (None, []), state["checkpoint"]


def test_a_second_up_on_a_locked_stack_is_refused_and_makes_no_api_call(pg, emu, org, tmp_path):
    # Slow enough (client-side rate) that the first run is caught among its PATCHes.
    env = configured_project(tmp_path / "alice", emu, org, pg, requestsPerSecond="10", burst="1")
    alice = tmp_path / "alice"
    bob = tmp_path / "bob"  # a colleague's checkout of the same repository
    shutil.copytree(alice, bob, ignore=shutil.ignore_patterns(".pulumi-home"))
    first = k.start(alice, env, "up", "--stack", STACK, "--yes", log=tmp_path / "first.log")
    try:
        k.wait_for(lambda: emu.request_counts().get(PATCH, 0) >= 3, 120, "the first run's PATCHes", first, tmp_path / "first.log")
        locks = pg.lock_keys(STACK)
        assert len(locks) == 1, locks
        # Freeze the first run (CLI, engine, provider) so every request in the window is the second's.
        k.signal_session(first, signal.SIGSTOP)
        before = emu.request_counts()
        rc, out = k.run(
            bob, {**env, "PULUMI_HOME": str(bob / ".pulumi-home")}, "up", "--stack", STACK, "--yes", log=tmp_path / "second.log"
        )
        assert emu.request_counts() == before, "the refused run sent requests"
        assert rc != 0
        assert "the stack is currently locked by 1 lock(s)" in out, out[-3000:]
        assert pg.password not in out  # the lock error shows the backend URL with ****:****
        k.signal_session(first, signal.SIGCONT)
        assert first.wait(timeout=300) == 0, (tmp_path / "first.log").read_text()[-4000:]
    finally:
        k.signal_session(first, signal.SIGCONT)
        if first.poll() is None:
            k.kill_session(first)
    assert pg.lock_keys(STACK) == []
    assert emu.request_counts().get(PATCH) == 2 * MOVE  # one per moved user: no one wrote twice
    assert_converged(emu, org)
    rc, out = k.run(
        bob,
        {**env, "PULUMI_HOME": str(bob / ".pulumi-home")},
        "preview",
        "--stack",
        STACK,
        "--expect-no-changes",
        log=tmp_path / "preview.log",
    )
    assert rc == 0, out[-4000:]


def test_a_killed_up_is_recovered_with_cancel_and_converges(pg, emu, org, tmp_path):
    env = configured_project(tmp_path / "project", emu, org, pg, requestsPerSecond="10", burst="1")
    root = tmp_path / "project"
    run = k.start(root, env, "up", "--stack", STACK, "--yes", log=tmp_path / "killed.log")
    try:
        k.wait_for(lambda: emu.request_counts().get(PATCH, 0) >= MOVE // 2, 120, "half the PATCHes", run, tmp_path / "killed.log")
    finally:
        k.kill_session(run)  # a crashed CI runner: CLI, engine and provider at once
    applied = emu.request_counts().get(PATCH, 0)
    assert 0 < applied < 2 * MOVE, "the kill should land mid-run"
    # The dead run's lock is still in PostgreSQL: the next up is refused until it is cancelled.
    assert len(pg.lock_keys(STACK)) == 1
    rc, out = k.run(root, env, "up", "--stack", STACK, "--yes", log=tmp_path / "refused.log")
    assert rc != 0 and "currently locked" in out, out[-3000:]
    rc, out = pulumi_cancel(root, env)
    assert rc == 0, out[-3000:]
    assert pg.lock_keys(STACK) == []
    rc, out = k.run(root, env, "up", "--stack", STACK, "--yes", log=tmp_path / "recover.log")
    assert rc == 0, out[-4000:]
    assert_converged(emu, org)
    # Nothing lost and nothing done twice: one applied PATCH per moved user, across both runs.
    applied = [e for e in emu.request_log(method="PATCH", path_prefix="/v1/licenses/users") if e["applied"]]
    assert len(applied) == 2 * MOVE
    rc, out = k.run(root, env, "preview", "--stack", STACK, "--expect-no-changes", log=tmp_path / "preview.log")
    assert rc == 0, out[-4000:]


def pulumi_cancel(root, env) -> tuple[int, str]:
    """`pulumi cancel` (the documented recovery): on a DIY backend it deletes the stack's lock."""
    r = subprocess.run(
        [str(engine.find_pulumi_bin_dir() / "pulumi"), "cancel", "--yes", "--non-interactive", "--stack", STACK],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return r.returncode, r.stdout + r.stderr


def test_listing_many_stacks_in_postgresql_does_not_hang(pg, tmp_path):
    """Pulumi's postgres backend deadlocks `stack ls` with ~6+ stacks on a small machine unless
    its parallel readers are bounded; the engine settings bound them (webex_iac/engine.py)."""
    root = k.write_project(tmp_path / "project")
    settings = engine.EngineSettings(
        project_dir=root,
        backend_url=pg.backend_url,
        pulumi_home=root / ".pulumi-home",
        extra_env={"PULUMI_CONFIG_PASSPHRASE": k.PASSPHRASE},
    )
    env = {**k.cli_env(pg.backend_url), **settings.env("many-00")}
    pulumi = str(engine.find_pulumi_bin_dir() / "pulumi")
    names = [f"many-{i:02d}" for i in range(12)]
    for name in names:
        subprocess.run(
            [pulumi, "stack", "init", name, "--non-interactive"], cwd=root, env=env, check=True, capture_output=True, timeout=120
        )
    listed = subprocess.run(
        [pulumi, "stack", "ls", "--json", "--non-interactive"], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )
    assert listed.returncode == 0, listed.stderr
    assert set(names) <= {s["name"] for s in json.loads(listed.stdout)}
