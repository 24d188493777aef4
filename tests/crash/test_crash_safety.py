"""Crash safety: SIGKILL `pulumi up` anywhere in a 500-user redistribution, then recover.

Every test starts from the same emulated org (1,000 users, two meeting pools with free units),
brings it under management, declares the redistribution (500 users change, see ``crashkit``),
and runs ``python -m webex_iac up`` in a session of its own that the test SIGKILLs — the CLI, the
engine and the dynamic provider at once. Then, like an operator would: ``pulumi cancel`` when the
file backend kept the dead run's lock, ``up`` again, and a ``preview --expect-no-changes``.

The emulator is the judge: every pool's ``consumedUnits`` equals its holders (counted from the
pool's assigned users and from every person's own licenses), nobody holds a unit beyond
``totalUnits``, every declared holder holds the license and nobody else does; and from the
emulator's request log, no PATCH ever removed a license from someone declared in that pool both
before and after (a holder who stays is never without their license, even for a moment).
"""

from __future__ import annotations

import random
import shutil
import time
from pathlib import Path

import pytest

import crashkit as k
from webex_emulator.testing import EmulatorServer

SEEDS = range(20)
PATCH = "PATCH /v1/licenses/users"


@pytest.fixture(scope="module")
def emu(tmp_path_factory):
    state = tmp_path_factory.mktemp("crash-emulator") / "state.db"
    with EmulatorServer(seed=k.seed(), state_path=state, subprocess=True) as e:
        yield e


def fresh_org(emu) -> dict:
    emu.clear_faults()
    summary = emu.reset(k.seed())["seed"]["orgs"][0]
    emu.reset_counters()
    return summary


def adopted_project(root, emu) -> k.CrashProject:
    """A stack managing the org as seeded, with the redistribution declared but not applied."""
    project = k.CrashProject(root, emu)
    project.declare(k.initial())
    first = project.up()
    assert first.returncode == 0, first.output[-5000:]
    assert emu.request_counts().get(PATCH, 0) == 0, "adopting an org as it is writes nothing"
    emu.reset_counters()
    project.declare(k.redistributed())
    return project


@pytest.fixture(scope="module")
def adopted_template(emu, tmp_path_factory) -> Path:
    """One adopted project, copied for each test: the org is reseeded identically (stable ids)
    before every test, so the copy's state matches it, and a test saves the adopting `up`."""
    fresh_org(emu)
    return adopted_project(tmp_path_factory.mktemp("template") / "project", emu).root


def adopted_copy(template: Path, root: Path, emu) -> k.CrashProject:
    shutil.copytree(template, root, ignore=shutil.ignore_patterns("run-*.log"))
    return k.CrashProject(root, emu, configure=False)


def patches_applied(emu) -> int:
    return sum(1 for e in emu.request_log(method="PATCH", path_prefix="/v1/licenses/users") if e["applied"])


def hold_patches(emu) -> dict:
    """From now on every PATCH is answered 500 before it is applied (the client backs off and
    retries: this PATCH is idempotent); returns the fault configuration to put back. 500 is no
    fault kind under test, so the tests can still tell their own faults fired."""
    current = emu.faults()
    emu.set_faults({**current, "rules": [{"status": 500, "method": "PATCH"}, *current["rules"]]})
    return current


def kill_when(
    project: k.CrashProject, emu, *, after_seconds: float | None = None, after_patches: int | None = None, timeout: float = 120
) -> dict:
    """Start `up`, SIGKILL its whole session at the trigger; returns what had happened by then.

    ``after_patches``: once that many PATCHes have reached the emulator, further PATCHes are
    refused (500, not applied) until the kill, so the kill lands among the writes however loaded
    the machine is; only writes already in the emulator's hands complete."""
    proc, log = project.start("up", "--yes")
    t0 = time.monotonic()
    restore = None
    try:
        while proc.poll() is None and time.monotonic() - t0 < timeout:
            if after_seconds is not None and time.monotonic() - t0 >= after_seconds:
                break
            if after_patches is not None and emu.request_counts().get(PATCH, 0) >= after_patches:
                restore = hold_patches(emu)
                time.sleep(0.2)
                break
            time.sleep(0.02)
    finally:
        finished = proc.poll() is not None
        killed = k.kill_session(proc)
        if restore is not None:
            emu.set_faults(restore)
    return {
        "finishedBeforeKill": finished,
        "killedPids": killed,
        "patchesSeen": emu.request_counts().get(PATCH, 0),
        "output": log.read_text(),
    }


def recover(project: k.CrashProject, attempts: int = 1, check_lock: bool = False) -> list[k.Result]:
    """`pulumi cancel` if the dead run left its lock, then `up` until it succeeds."""
    if project.lock_files():
        if check_lock:
            locked = project.up()
            assert locked.returncode != 0, "a held lock must stop a second run"
        cancel = project.cancel()
        assert cancel.returncode == 0, cancel.output
        assert not project.lock_files(), "pulumi cancel removes the dead run's lock"
    runs = []
    for _ in range(attempts):
        runs.append(project.up())
        if runs[-1].returncode == 0:
            break
    return runs


def assert_converged(project: k.CrashProject, emu, org: dict) -> None:
    preview = project.preview_no_changes()
    assert preview.returncode == 0, f"preview still shows changes:\n{preview.output[-5000:]}"
    k.assert_invariants(emu, k.redistributed())
    people = {}
    with emu.client() as c:
        url, params = "/people", {"max": 1000}
        while url:
            r = c.get(url, params=params)
            people.update({p["id"]: p["emails"][0] for p in r.json()["items"]})
            url, params = r.links.get("next", {}).get("url"), None
    ids = {"a": org["licenses"]["pool-a"], "b": org["licenses"]["pool-b"]}
    assert k.removals_of_kept_holders(emu, k.initial(), k.redistributed(), ids, people) == []


@pytest.fixture(scope="module")
def reference(emu, tmp_path_factory) -> dict:
    """One uninterrupted run of the redistribution: how long it takes (to spread the kills
    over) and what it sends."""
    org = fresh_org(emu)
    project = adopted_project(tmp_path_factory.mktemp("reference") / "project", emu)
    t0 = time.monotonic()
    result = project.up()
    seconds = time.monotonic() - t0
    return {
        "org": org,
        "project": project,
        "result": result,
        "seconds": seconds,
        "patches": emu.request_counts().get(PATCH, 0),
        "applied": patches_applied(emu),
    }


def test_uninterrupted_redistribution_sends_one_patch_per_changed_user(reference, emu):
    assert reference["result"].returncode == 0, reference["result"].output[-5000:]
    changed = k.changed_users(k.initial(), k.redistributed())
    assert len(changed) == 500
    assert reference["patches"] == reference["applied"] == len(changed)
    assert_converged(reference["project"], emu, reference["org"])


@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: f"seed{s:02d}")
def test_sigkill_anywhere_then_up_converges(seed, reference, adopted_template, emu, tmp_path):
    """Each seed kills at its own random moment; the 20 moments are spread (stratified) over the
    length of an uninterrupted run, so startup, the org read, the PATCHes and the final state
    write all get killed."""
    org = fresh_org(emu)
    project = adopted_copy(adopted_template, tmp_path / "project", emu)
    rng = random.Random(seed)
    delay = reference["seconds"] * (seed + rng.random()) / len(SEEDS)
    killed = kill_when(project, emu, after_seconds=delay)
    print(
        f"seed {seed}: killed after {delay:.2f}s of ~{reference['seconds']:.1f}s; "
        f"{killed['patchesSeen']} PATCH had reached the emulator; finished first: {killed['finishedBeforeKill']}"
    )
    runs = recover(project)
    assert runs[-1].returncode == 0, runs[-1].output[-5000:]
    assert_converged(project, emu, org)
    # Across the killed run and the recovery every changed user got exactly one applied PATCH:
    # the recovery re-reads the org and never repeats a write the dead run had made.
    assert patches_applied(emu) == 500


def test_kill_in_the_middle_of_the_patches(adopted_template, emu, tmp_path):
    """Not left to timing: kill once 200 PATCHes have landed, so a run is certainly cut short
    mid-write (the premise is checked, not assumed)."""
    org = fresh_org(emu)
    project = adopted_copy(adopted_template, tmp_path / "project", emu)
    killed = kill_when(project, emu, after_patches=200)
    assert not killed["finishedBeforeKill"]
    assert 200 <= patches_applied(emu) < 500, "the kill landed among the PATCHes"
    assert project.lock_files(), "the dead run left the file backend's lock behind"
    runs = recover(project, check_lock=True)
    assert runs[-1].returncode == 0, runs[-1].output[-5000:]
    assert_converged(project, emu, org)
    assert patches_applied(emu) == 500


FAULTS = {
    # Every request, reads included, has a 25 % chance of a 429 (Retry-After: 1).
    "429-storm": {"rules": [{"status": 429, "probability": 0.25, "retryAfter": 1}]},
    # Bursts of gateway errors: 502 after the write was applied (outcome unknown) and 503 before.
    "502-503-bursts": {
        "rules": [
            {"status": 502, "probability": 0.08, "when": "after", "method": "PATCH"},
            {"status": 503, "probability": 0.08, "when": "before"},
        ],
        "script": [{"status": 502, "when": "after", "method": "PATCH"}] * 5 + [{"status": 503, "method": "PATCH"}] * 5,
    },
    # Connections dropped before the handler (not applied) and after it (applied, client sees nothing).
    "dropped-connections": {
        "rules": [
            {"status": "drop", "probability": 0.06, "when": "before"},
            {"status": "drop", "probability": 0.06, "when": "after", "method": "PATCH"},
        ]
    },
    "423-locked": {"rules": [{"status": 423, "probability": 0.15, "retryAfter": 1, "method": "PATCH"}]},
    # One license of a two-license PATCH fails: the remove is applied, the add is not (206).
    "206-partial": {"rules": [{"status": 206, "probability": 0.1, "method": "PATCH", "path": "/licenses/users"}]},
}

# What the emulator's request log must show for each kind (the faults did fire).
EXPECTED = {
    "429-storm": {"429 before"},
    "502-503-bursts": {"502 after", "503 before"},
    "dropped-connections": {"drop before", "drop after"},
    "423-locked": {"423 before"},
    "206-partial": {"206 partial"},
}


@pytest.mark.parametrize("kind", list(FAULTS))
def test_sigkill_under_faults_then_up_converges(kind, adopted_template, emu, tmp_path):
    """The same crash, under faults that stay on through the recovery. Retryable faults (429,
    502/503, drops, 423) must not fail the recovery run; a 206 makes that user's change fail
    visibly and the next `up` retries it. Then the faults stop and everything must hold."""
    org = fresh_org(emu)
    project = adopted_copy(adopted_template, tmp_path / "project", emu)
    rng = random.Random(kind)
    emu.set_faults({**FAULTS[kind], "seed": rng.randrange(1 << 30)})
    killed = kill_when(project, emu, after_patches=rng.randint(60, 250))
    assert not killed["finishedBeforeKill"]
    runs = recover(project, attempts=1 if kind != "206-partial" else 6)
    faulted = {e["fault"] for e in emu.request_log() if e.get("fault")}
    emu.clear_faults()
    assert EXPECTED[kind] <= faulted, f"the faults fired: {EXPECTED[kind]} in {faulted}"
    if kind == "206-partial":
        reported = [r for r in runs if r.returncode != 0]
        assert reported and all("partly applied (206)" in r.output for r in reported), (
            "a partial answer fails the run and names it"
        )
    assert runs[-1].returncode == 0, f"{kind}: recovery under faults failed:\n{runs[-1].output[-5000:]}"
    assert_converged(project, emu, org)
    assert patches_applied(emu) >= 500
