"""Projects, orgs and runs for the team-scale tests (and `make bench`'s fleet scenario).

An org is one org of :func:`webex_emulator.generate.fleet_seed`: ``users`` people, half holding the
classic meeting site's license, half the new site's. Its declaration moves ``move`` users each
way (``2 * move`` PATCHes, one per user, into free units: no cycle between full pools).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from webex_emulator.generate import meeting_holders
from webex_iac import engine
from webex_iac.project import python_path
from webex_iac.sessions import kill_session, session_pids

PASSPHRASE = "team-test-passphrase"
WRITES = ("POST ", "PUT ", "PATCH ", "DELETE ")


def write_project(root: Path) -> Path:
    """A scratch copy of this project's shape: Pulumi.yaml and the same __main__.py program."""
    (root / "stacks").mkdir(parents=True, exist_ok=True)
    (root / "Pulumi.yaml").write_text("name: webex-iac\nruntime:\n  name: python\nstackConfigDir: stacks\n")
    (root / "__main__.py").write_text(
        "from pathlib import Path\nfrom webex_iac.program import declare_stack\ndeclare_stack(Path(__file__).resolve().parent)\n"
    )
    return root


def holders(org: dict[str, Any], move: int) -> dict[str, list[str]]:
    """Declared holders per pool after moving the first ``move`` of each pool to the other."""
    h = meeting_holders(org)
    classic, new = h["classic"], h["new"]
    admin = f"admin@{org['domain']}"  # holds both pools as seeded; declared so it keeps them
    return {"classic": sorted([admin, *classic[move:], *new[:move]]), "new": sorted([admin, *new[move:], *classic[:move]])}


def stack_yaml(org: dict[str, Any], move: int) -> str:
    h = holders(org, move)
    key = org["key"]

    def users(xs: list[str]) -> str:
        return "".join(f"          - {x}\n" for x in xs)

    return (
        f"licenses:\n  meetings:\n    owner: platform@{org['domain']}\n    pools:\n"
        f"      - license: {{siteUrl: {key}-classic.webex.com}}\n        users:\n{users(h['classic'])}"
        f"      - license: {{siteUrl: {key}.webex.com}}\n        users:\n{users(h['new'])}"
    )


def live_holders(emu, token: str, org: dict[str, Any]) -> dict[str, set[str]]:
    """Who holds each meeting pool, read from the emulator's API with the org's token."""
    out: dict[str, set[str]] = {}
    with emu.client(token) as c:
        r = c.get("/licenses")
        r.raise_for_status()
        for lic in r.json()["items"]:
            site = lic.get("siteUrl")
            if site not in (f"{org['key']}-classic.webex.com", f"{org['key']}.webex.com"):
                continue
            got: set[str] = set()
            url: str | None = f"/licenses/{lic['id']}"
            params: dict[str, Any] | None = {"includeAssignedTo": "user", "limit": 300}  # then the next link's own
            while url:
                page = c.get(url, params=params)
                page.raise_for_status()
                got |= {u["email"].lower() for u in page.json().get("users", [])}
                url, params = page.links.get("next", {}).get("url"), None
            assert lic["consumedUnits"] == len(got), f"{site}: consumedUnits {lic['consumedUnits']} != {len(got)}"
            out["classic" if site.endswith("-classic.webex.com") else "new"] = got
    return out


def writes(counts: dict[str, int]) -> int:
    return sum(n for k, n in counts.items() if k.startswith(WRITES))


def org_token(emu, org: dict[str, Any], *, roles: list[str] | None = None) -> str:
    """A token of the org's own admin (it opens that org only)."""
    from webex_emulator.core.auth import KNOWN_SCOPES

    return emu.mint_token(f"admin@{org['domain']}", list(KNOWN_SCOPES), roles=roles)


# -- runs of the CLI in a session of their own -------------------------------------------------


def cli_env(backend_url: str, **extra: str) -> dict[str, str]:
    # PYTHONPATH: the scratch project holds no resources/ (the project's code, not installed);
    # it runs this checkout's.
    return {
        **os.environ,
        "PULUMI_BACKEND_URL": backend_url,
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "PYTHONPATH": python_path(engine.REPO_ROOT),
        **extra,
    }


def start(root: Path, env: dict[str, str], *args: str, log: Path) -> subprocess.Popen:
    with open(log, "w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "webex_iac", *args, "--project-dir", str(root)],
            cwd=root,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def run(root: Path, env: dict[str, str], *args: str, log: Path, timeout: float = 300) -> tuple[int, str]:
    proc = start(root, env, *args, log=log)
    try:
        rc = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_session(proc)
        raise AssertionError(f"`{' '.join(args)}` did not finish in {timeout}s:\n{log.read_text()[-4000:]}")
    return rc, log.read_text()


def signal_session(proc: subprocess.Popen, sig: int) -> None:
    """Every process of the run's session: the CLI, the engine, the language host, the provider
    (the engine starts plugins in process groups of their own, but they keep the session)."""
    for pid in session_pids(proc.pid):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def wait_for(cond, timeout: float, what: str, proc: subprocess.Popen | None = None, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            raise AssertionError(
                f"the run ended (rc {proc.returncode}) before {what}:\n" + (log.read_text()[-4000:] if log else "")
            )
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
