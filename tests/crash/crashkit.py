"""Crash-safety harness: `python -m webex_iac up` in a child session we can SIGKILL.

The org: ``USERS`` people; meeting pools A and B, each with ``HEADROOM`` free units; users
1..USERS/2 hold A, the rest B. The redistribution (500 users change: ``MOVE`` each way, ``FREES``
lose A, ``GAINS`` keep A and gain B) fits the free units, so no cycle between full pools has to be
broken: a holder who keeps their pool is never touched.

Why a session and not only a process group: the engine starts every plugin (our dynamic
provider included) in a process group of its own (``Setpgid``), so ``killpg`` of the CLI's group
would orphan a provider that keeps sending PATCHes. Every process the run started keeps the
session id of ``start_new_session=True``, so killing the session kills the CLI, the engine and
the provider — what a crashed CI runner or a power cut does.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from webex_iac import engine, sessions
from webex_iac.project import python_path
from webex_iac.sessions import alive, session_pids

PASSPHRASE = "crash-test-passphrase"
STACK = "crash"
USERS = 1000
HEADROOM = 200
MOVE = 240  # A→B and as many B→A
FREES = 10  # lose A, gain nothing
GAINS = 10  # held nothing, gain B
DOMAIN = "crash.example.com"
SITE_A, SITE_B = "a.crash.example.com", "b.crash.example.com"
ADMIN = f"admin@{DOMAIN}"

# Fast enough that a run takes seconds, slow enough that a kill lands among the PATCHes.
CLIENT_CONFIG = {
    "webex:requestsPerSecond": "200",
    "webex:burst": "20",
    "webex:maxConcurrency": "8",
    "webex:backoffBaseSeconds": "0.05",
    "webex:backoffCapSeconds": "0.5",
    "webex:maxRetryWaitSeconds": "60",
    "webex:timeoutSeconds": "20",
}


def email(n: int) -> str:
    return f"user{n:04d}@{DOMAIN}"


def seed() -> dict[str, Any]:
    half = USERS // 2
    return {
        "orgs": [
            {
                "key": "crash",
                "displayName": "Crash Test Ltd",
                "domain": DOMAIN,
                "licenses": [
                    {
                        "key": "pool-a",
                        "offerCode": "MC",
                        "name": "Meeting - Webex Meeting Center",
                        "siteUrl": SITE_A,
                        "siteType": "Control Hub managed site",
                        "totalUnits": half + HEADROOM,
                        "subscriptionId": "Sub-a",
                    },
                    {
                        "key": "pool-b",
                        "offerCode": "EE",
                        "name": "Meeting - Webex Enterprise Edition",
                        "siteUrl": SITE_B,
                        "siteType": "Control Hub managed site",
                        "totalUnits": half + HEADROOM,
                        "subscriptionId": "Sub-b",
                    },
                ],
                "people": [{"email": ADMIN, "displayName": "Crash Admin", "roles": ["full_admin"], "licenses": []}]
                + [
                    {"email": email(n), "displayName": f"User {n}", "licenses": ["pool-a" if n <= half else "pool-b"]}
                    for n in range(1, USERS + 1)
                ],
            }
        ]
    }


def initial() -> dict[str, set[str]]:
    half = USERS // 2
    return {"a": {email(n) for n in range(1, half + 1)}, "b": {email(n) for n in range(half + 1, USERS + 1)}}


def redistributed() -> dict[str, set[str]]:
    """500 users change: MOVE go A→B and MOVE go B→A, FREES lose A, GAINS keep A and gain B.

    A: 500 → 490 and B: 500 → 510 holders, within 700 units each: no cycle to break."""
    half = USERS // 2
    a_to_b = {email(n) for n in range(1, MOVE + 1)}
    b_to_a = {email(n) for n in range(half + 1, half + MOVE + 1)}
    frees = {email(n) for n in range(MOVE + 1, MOVE + FREES + 1)}
    gains = {email(n) for n in range(MOVE + FREES + 1, MOVE + FREES + GAINS + 1)}
    start = initial()
    return {"a": (start["a"] - a_to_b - frees) | b_to_a, "b": (start["b"] - b_to_a) | a_to_b | gains}


def changed_users(before: dict[str, set[str]], after: dict[str, set[str]]) -> set[str]:
    return {e for k in ("a", "b") for e in before[k] ^ after[k]}


def stack_yaml(holders: dict[str, set[str]]) -> str:
    def users(xs: set[str]) -> str:
        return "\n".join(f"          - {x}" for x in sorted(xs)) or "          []"

    return (
        f"licenses:\n  meetings:\n    owner: platform@{DOMAIN}\n    pools:\n"
        f"      - license: {{siteUrl: {SITE_A}}}\n        users:\n{users(holders['a'])}\n"
        f"      - license: {{siteUrl: {SITE_B}}}\n        users:\n{users(holders['b'])}\n"
    )


# -- processes ---------------------------------------------------------------------------------


def kill_session(proc: subprocess.Popen) -> list[int]:
    """SIGKILL every process of the child's session (the CLI, the engine, the provider)."""
    killed = sessions.kill_session(proc)
    assert not [p for p in session_pids(proc.pid) if alive(p)], "a process of the killed run survived"
    return killed


@dataclass
class Result:
    returncode: int
    output: str


class CrashProject:
    """A project directory whose stack the child CLI drives; config is set once, in-process."""

    def __init__(self, root: Path, emu, config: dict[str, str] | None = None, *, configure: bool = True) -> None:
        """``configure=False`` reopens a copy of a configured project (its stacks/ already hold
        the stack's config and secrets salt)."""
        self.root, self.emu = root, emu
        (root / "stacks").mkdir(parents=True, exist_ok=True)
        (root / "Pulumi.yaml").write_text("name: webex-iac\nruntime:\n  name: python\nstackConfigDir: stacks\n")
        (root / "__main__.py").write_text(
            "from pathlib import Path\n"
            "from webex_iac.program import declare_stack\n"
            "declare_stack(Path(__file__).resolve().parent)\n"
        )
        self.env = {
            **os.environ,
            "PULUMI_BACKEND_URL": (root / ".pulumi-state").as_uri(),
            "PULUMI_HOME": str(root / ".pulumi-home"),
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": "true",
            # The scratch project holds no resources/ (the project's code, not installed): the
            # child CLI and everything it starts run this checkout's.
            "PYTHONPATH": python_path(engine.REPO_ROOT),
        }
        self.runs = 0
        if not configure:
            return
        settings = engine.EngineSettings(
            project_dir=root,
            backend_url=self.env["PULUMI_BACKEND_URL"],
            pulumi_home=root / ".pulumi-home",
            extra_env={"PULUMI_CONFIG_PASSPHRASE": PASSPHRASE},
        )
        st = engine.open_stack(STACK, lambda: None, settings)
        st.set_config("webex:baseUrl", auto.ConfigValue(emu.base_url))
        st.set_config("webex:token", auto.ConfigValue(emu.admin_token, secret=True))
        for k, v in {**CLIENT_CONFIG, **(config or {})}.items():
            st.set_config(k, auto.ConfigValue(v))

    def declare(self, holders: dict[str, set[str]]) -> None:
        (self.root / "stacks" / f"{STACK}.yaml").write_text(stack_yaml(holders))

    def _argv(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "webex_iac", *args, "--stack", STACK, "--project-dir", str(self.root)]

    def _log(self, what: str) -> Path:
        self.runs += 1
        return self.root / f"run-{self.runs:02d}-{what}.log"

    def start(self, *args: str) -> tuple[subprocess.Popen, Path]:
        log = self._log(args[0])
        with open(log, "w") as out:
            proc = subprocess.Popen(
                self._argv(*args),
                cwd=self.root,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        return proc, log

    def run(self, *args: str, timeout: float = 300) -> Result:
        proc, log = self.start(*args)
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_session(proc)
            raise AssertionError(f"`{' '.join(args)}` did not finish in {timeout}s:\n{log.read_text()[-5000:]}")
        finally:
            # Never leave anything of a run behind, even an orphaned provider.
            for pid in session_pids(proc.pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        return Result(rc, log.read_text())

    def up(self) -> Result:
        return self.run("up", "--yes")

    def preview_no_changes(self) -> Result:
        return self.run("preview", "--expect-no-changes")

    def lock_files(self) -> list[Path]:
        locks = self.root / ".pulumi-state" / ".pulumi" / "locks"
        return [p for p in locks.rglob("*") if p.is_file()] if locks.exists() else []

    def cancel(self) -> Result:
        """`pulumi cancel`: on a file backend it deletes the stack's lock files."""
        pulumi = engine.find_pulumi_bin_dir() / "pulumi"
        r = subprocess.run(
            [str(pulumi), "cancel", "--yes", "--stack", STACK, "--non-interactive"],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return Result(r.returncode, r.stdout + r.stderr)


# -- the org as the emulator sees it -------------------------------------------------------------


def _paged(c, url: str, params: dict[str, Any], key: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while url:
        r = c.get(url, params=params)
        r.raise_for_status()
        out += r.json().get(key, [])
        url, params = r.links.get("next", {}).get("url"), None
    return out


def org_view(emu) -> dict[str, Any]:
    """Pools (by site) with counters and holders from both sides: the pool's assigned users and
    every person's own license list."""
    with emu.client() as c:
        r = c.get("/licenses")
        r.raise_for_status()
        pools = {lic["siteUrl"]: lic for lic in r.json()["items"] if lic.get("siteUrl")}
        people = _paged(c, "/people", {"max": 1000}, "items")
        by_pool = {}
        for site, lic in pools.items():
            users = _paged(c, f"/licenses/{lic['id']}", {"includeAssignedTo": "user", "limit": 300}, "users")
            by_pool[site] = {u["email"].lower() for u in users}
    held_by_people = {
        site: {p["emails"][0].lower() for p in people if pools[site]["id"] in (p.get("licenses") or [])} for site in pools
    }
    return {"pools": pools, "holders": by_pool, "peopleHolders": held_by_people}


def assert_invariants(emu, declared: dict[str, set[str]]) -> dict[str, Any]:
    """Every pool: consumedUnits == its holders (by the pool's list and by people's own lists),
    ≤ totalUnits; every declared holder holds it; nobody else does (the pools are exclusive)."""
    view = org_view(emu)
    for key, site in (("a", SITE_A), ("b", SITE_B)):
        lic, holders = view["pools"][site], view["holders"][site]
        assert holders == view["peopleHolders"][site], f"{site}: pool list and people's licenses disagree"
        assert lic["consumedUnits"] == len(holders), (
            f"{site}: consumedUnits {lic['consumedUnits']} but {len(holders)} holders (a leaked unit)"
        )
        assert lic["consumedUnits"] <= lic["totalUnits"], f"{site}: over capacity"
        lost = declared[key] - holders
        assert not lost, f"{site}: declared holders without the license: {sorted(lost)[:10]} ({len(lost)})"
        extra = holders - declared[key]
        assert not extra, f"{site}: undeclared holders kept the license: {sorted(extra)[:10]} ({len(extra)})"
    return view


def removals_of_kept_holders(
    emu, before: dict[str, set[str]], after: dict[str, set[str]], license_ids: dict[str, str], person_emails: dict[str, str]
) -> list[str]:
    """PATCHes (from the emulator's request log) that removed a pool from someone declared in it
    both before and after: a holder who keeps their license must never be without it."""
    keep = {license_ids[k]: before[k] & after[k] for k in ("a", "b")}
    bad = []
    for item in emu.request_log(method="PATCH", path_prefix="/v1/licenses/users"):
        body = item.get("body")
        if isinstance(body, str):
            try:
                body = json.loads(body)
            except ValueError:
                continue
        if not isinstance(body, dict):
            continue
        who = (body.get("email") or person_emails.get(body.get("personId", ""), "")).lower()
        for op in body.get("licenses") or []:
            if op.get("operation") == "remove" and who in keep.get(op.get("id"), set()):
                bad.append(f"{who} lost {op.get('id')} (status {item.get('status')})")
    return bad
