"""The path users take: the plain `pulumi` CLI on a fresh copy of the project.

One copy of the repository (its tracked files, this venv as its `.venv`), one emulator org, and
one sequence of commands typed as the README gives them, each a subprocess of the real `pulumi`
binary with only the bootstrapped bundle on PATH (no Automation API, no venv on PATH). The
sequence runs once (module fixture) and records every command's exit code, output and the
emulator's write requests during it; each test asserts one rule on that record.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import shutil
import struct
import subprocess
import sys
import termios
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from webex_emulator.testing import EmulatorServer
from webex_client.scopes import ADMIN_TOKEN_SCOPES
from webex_iac import engine

ROOT = Path(__file__).resolve().parents[2]
STACK = "cli"
PASSPHRASE = "cli-path-test-passphrase"
SAMPLE_APP_CLIENT_ID = "C0ffee00000000000000000000000000000000000000000000000000000000001"
SAMPLE_APP_SECRET = "sample-secret-not-real-0001"  # webex_emulator/seeds/sample.yaml
ADMIN = "ada.admin@acme.example.com"  # the sample org's admin
WRITES = ("POST", "PUT", "PATCH", "DELETE")
# Minting the Service App's org token is an authentication request (OAuth-style), not a change
# to the org: a preview may need the token to read what the app can see.
NOT_WRITES = re.compile(r"^POST /v1/(access_token|applications/[^/]+/token)$")


@dataclass
class Run:
    argv: list[str]
    rc: int
    out: str
    writes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"$ {' '.join(self.argv)}  -> {self.rc}, {len(self.writes)} writes\n{self.out[-6000:]}"


class Checkout:
    """A fresh copy of the project and the environment a user's shell would have."""

    def __init__(self, root: Path, emu: EmulatorServer) -> None:
        self.root, self.emu = root, emu
        files = subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.split()
        for f in files:
            if (ROOT / f).is_file() and not f.startswith("tests/"):
                (root / f).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / f, root / f)
        # The stacks a clone carries are not this test's: it makes its own.
        for p in (root / "stacks").glob("*.yaml"):
            p.unlink()
        # Pulumi.yaml names `.venv`: the tests' venv stands in for the one `make` would create.
        (root / ".venv").symlink_to(sys.prefix)
        bundle = engine.find_pulumi_bin_dir()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "WEBEX_", "VIRTUAL_ENV", "PYTHON"))}
        self.env.update(
            {
                "PATH": os.pathsep.join([str(bundle), "/usr/local/bin", "/usr/bin", "/bin"]),
                "PULUMI_BACKEND_URL": (root / ".pulumi-state").as_uri(),
                "PULUMI_HOME": str(root / ".pulumi-home"),
                "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
                "PULUMI_SKIP_UPDATE_CHECK": "true",
                "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            }
        )
        (root / ".pulumi-state").mkdir()
        self.pulumi_exe = shutil.which("pulumi", path=self.env["PATH"])
        assert self.pulumi_exe and Path(self.pulumi_exe).parent == bundle

    def declare(self, text: str) -> None:
        (self.root / "stacks" / f"{STACK}.yaml").write_text(text)

    def _run(self, argv: list[str], shown: list[str], stdin: str | None = None, timeout: float = 600) -> Run:
        self.emu.reset_counters()
        p = subprocess.run(
            argv,
            cwd=self.root,
            env=self.env,
            input=stdin if stdin is not None else "",
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        run = Run(shown, p.returncode, p.stdout + p.stderr, self._writes())
        print(run)
        return run

    def _writes(self) -> list[str]:
        return [
            w
            for w in (
                f"{r['method']} {r['path']}"
                for r in self.emu.request_log()
                if r["method"] in WRITES and r["path"].startswith("/v1/")
            )
            if not NOT_WRITES.match(w)
        ]

    def pulumi(self, *args: str, stdin: str | None = None) -> Run:
        return self._run([self.pulumi_exe, *args], ["pulumi", *args], stdin)

    def webex_iac(self, *args: str) -> Run:
        return self._run([".venv/bin/python", "-m", "webex_iac", *args], ["webex-iac", *args])

    def make(self, *args: str) -> Run:
        # -o: never (re)install the shared venv from this copy.
        return self._run(["make", "-o", ".venv/.installed", *args], ["make", *args])

    def in_terminal(self, argv: list[str], answer_when: str, answer: bytes, timeout: float = 300) -> Run:
        """Run in a pseudo-terminal, as a user at a shell; type ``answer`` once ``answer_when`` shows."""
        self.emu.reset_counters()
        pid, fd = pty.fork()
        if pid == 0:  # child
            os.chdir(self.root)
            os.execvpe(argv[0], argv, {**self.env, "TERM": "xterm"})
        # A terminal of a real size: pulumi treats a 0x0 one as non-interactive.
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 160, 0, 0))
        out, answered, deadline = b"", False, time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 1.0)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
                if not answered and answer_when.encode() in out:
                    os.write(fd, answer)
                    answered = True
        else:
            os.kill(pid, 9)
        _, status = os.waitpid(pid, 0)
        text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out.decode(errors="replace"))
        run = Run(["(terminal)", *argv], os.waitstatus_to_exitcode(status), text, self._writes())
        print(run)
        return run

    def backend_and_config_bytes(self) -> bytes:
        files = [p for p in (self.root / ".pulumi-state").rglob("*") if p.is_file()]
        files += list((self.root / "stacks").glob("Pulumi.*.yaml"))
        return b"".join(p.read_bytes() for p in files)


def _dev_story() -> str:
    return (ROOT / "stacks" / "dev.yaml").read_text()


def _with_removal_limit(story: str, limit: int) -> str:
    line = f"  maxLicenseRemovals: {limit}\n"
    if "\npolicy:\n" in story:
        return story.replace("\npolicy:\n", "\npolicy:\n" + line, 1)
    return story + "\npolicy:\n" + line


def _unknown_site_and_host(story: str) -> tuple[str, str]:
    """The dev story with a meeting on a site the org does not have; and with an unknown host."""
    head, sep, tail = story.partition("  sales-pipeline-review:")
    site = tail.replace("siteUrl: acme.webex.com", "siteUrl: nosuch.webex.com", 1)
    host = tail.replace("host: dana.jensen112@acme.example.com", "host: nobody.here@acme.example.com", 1)
    assert "nosuch.webex.com" in site and "nobody.here@" in host
    return head + sep + site, head + sep + host


@pytest.fixture(scope="module")
def record(tmp_path_factory):
    """The whole sequence, once."""
    with EmulatorServer(seed="sample") as emu:
        emu.authorize_service_app(SAMPLE_APP_CLIENT_ID)  # the Control Hub click (as `make emulator` does)
        co = Checkout(tmp_path_factory.mktemp("checkout"), emu)
        # What an org admin would create: a least-privilege admin token and the integration token
        # that mints the Service App's org token.
        token = emu.mint_token(ADMIN, list(ADMIN_TOKEN_SCOPES))
        minting = emu.mint_token(ADMIN, ["spark:applications_token"])
        r: dict[str, Run] = {"tokens": Run([], 0, f"{token} {minting}")}
        r["init"] = co.pulumi("stack", "init", STACK)
        r["config baseUrl"] = co.pulumi("config", "set", "webex:baseUrl", emu.base_url)
        # Secrets go in on stdin, never in argv (they would show in `ps` and shell history).
        r["config token"] = co.pulumi("config", "set", "--secret", "webex:token", stdin=token)
        r["config minting token"] = co.pulumi("config", "set", "--secret", "webex:mintingToken", stdin=minting)
        r["config app secret"] = co.pulumi(
            "config", "set", "--secret", "webex-iac:migrationAppClientSecret", stdin=SAMPLE_APP_SECRET
        )

        # A stack policy (the stack file's own stricter limit) stops `up` in its preview: no write.
        co.declare(_with_removal_limit(_dev_story(), 1))
        r["up over the removal limit"] = co.pulumi("up", "--yes", "--stack", STACK, "--policy-pack", "policies")
        co.declare(_dev_story())
        r["up"] = co.pulumi("up", "--yes", "--stack", STACK, "--policy-pack", "policies")
        r["preview no changes"] = co.pulumi("preview", "--expect-no-changes", "--stack", STACK, "--policy-pack", "policies")
        # The stack file out of the pack's reach: the same pack in a project copy that has no
        # stacks/cli.yaml, run from this checkout (whose working directory has the file). The pack
        # finds its project from where it is, never from the cwd, and fails closed.
        elsewhere = tmp_path_factory.mktemp("pack-elsewhere")
        shutil.copytree(co.root / "policies", elsewhere / "policies")
        shutil.copytree(co.root / "resources", elsewhere / "resources")  # project code: not installed
        shutil.copy2(co.root / "Pulumi.yaml", elsewhere / "Pulumi.yaml")
        (elsewhere / ".venv").symlink_to(sys.prefix)
        r["preview, stack file out of the pack's reach"] = co.pulumi(
            "preview", "--stack", STACK, "--policy-pack", str(elsewhere / "policies")
        )
        # Checks fail in the preview too: an unknown site, or an unknown host, stops `up` before any
        # write (the engine stops at the first failed check, so one run each).
        site, host = _unknown_site_and_host(_dev_story())
        co.declare(site)
        r["up unknown site"] = co.pulumi("up", "--yes", "--stack", STACK, "--policy-pack", "policies")
        co.declare(host)
        r["up unknown host"] = co.pulumi("up", "--yes", "--stack", STACK, "--policy-pack", "policies")
        co.declare(_dev_story())
        r["export"] = co.pulumi("stack", "export", "--stack", STACK)
        at_rest = co.backend_and_config_bytes()
        r["token at rest"] = Run([], 0, str(any(t.encode() in at_rest for t in (token, minting))))

        # `webex-iac up` without --yes asks, as `pulumi up` does: in a terminal it shows the plan and
        # the question (Enter takes the default, "no"); without a terminal it refuses outright.
        co.declare(_dev_story().replace("title: Sales pipeline review", "title: Sales pipeline review (weekly)"))
        r["webex-iac up in a terminal, answered no"] = co.in_terminal(
            [".venv/bin/python", "-m", "webex_iac", "up", "--stack", STACK, "--policy-pack", "policies"],
            "Do you want to perform this update?",
            b"\r",
        )
        r["webex-iac up without a terminal"] = co.webex_iac("up", "--stack", STACK)

        # The policy pack's example of everything it refuses.
        co.declare((ROOT / "stacks" / "examples" / "policy-violations.yaml").read_text())
        # In plaintext on purpose, as the example says: no-plaintext-secrets must refuse it.
        r["config plaintext secret"] = co.pulumi(
            "config", "set", "--plaintext", "webex-iac:auditAppClientSecret", "not-a-real-secret"
        )
        r["preview violations"] = co.pulumi("preview", "--stack", STACK, "--policy-pack", "policies")

        # A typo in the stack name creates nothing, anywhere.
        r["webex-iac typo"] = co.webex_iac("preview", "--stack", "clj")
        r["make typo"] = co.make("preview", "STACK=clj")
        r["typo leftovers"] = Run(
            [], 0, " ".join(str(p.relative_to(co.root)) for p in [*co.root.rglob("*clj*")] if ".venv" not in p.parts)
        )

        co.declare(_dev_story())
        r["refresh"] = co.pulumi("refresh", "--yes", "--stack", STACK)
        r["destroy"] = co.pulumi("destroy", "--yes", "--stack", STACK)
        yield r


def test_stack_init_and_config_set_secret_from_stdin(record):
    for step in ("init", "config baseUrl", "config token", "config minting token", "config app secret"):
        assert record[step].rc == 0, record[step]


def test_up_stops_in_its_preview_on_a_stack_policy_and_writes_nothing(record):
    run = record["up over the removal limit"]
    assert run.rc != 0, run
    assert "change-size-guard" in run.out and "mandatory" in run.out, run
    assert run.writes == [], run


def test_up_yes_with_the_policy_pack_reconciles_the_org(record):
    run = record["up"]
    assert run.rc == 0, run
    assert "Policies:" in run.out and "webex-iac@" in run.out, run
    assert re.search(r"\+ \d+ created", run.out), run
    assert any(w.startswith("PATCH /v1/licenses/users") for w in run.writes), run


def test_second_preview_with_the_pack_expects_no_changes_and_passes(record):
    run = record["preview no changes"]
    assert run.rc == 0, run
    assert "unchanged" in run.out and "webex-iac@" in run.out, run
    assert run.writes == [], run


def test_the_pack_fails_closed_when_the_stack_file_is_out_of_its_reach(record):
    run = record["preview, stack file out of the pack's reach"]
    assert run.rc != 0, run
    assert "❌ webex-iac@" in run.out, run
    for policy in ("protected-holders", "change-size-guard", "deletion-limit"):
        assert (f"{policy} cannot check this change: missing the stack file stacks/{STACK}.yaml (there is no ") in run.out, (
            policy,
            run,
        )
    assert run.writes == [], run


@pytest.mark.parametrize("what, named", [("site", "nosuch.webex.com"), ("host", "nobody.here@acme.example.com")])
def test_up_stops_in_its_preview_on_an_unknown_site_or_host_and_writes_nothing(record, what, named):
    run = record[f"up unknown {what}"]
    assert run.rc != 0, run
    assert named in run.out, run
    assert "Updating (cli)" not in run.out, run
    assert run.writes == [], run


def test_stack_export_and_state_hold_no_token(record):
    run = record["export"]
    assert run.rc == 0 and '"resources"' in run.out, run
    for token in record["tokens"].out.split():
        assert token not in run.out
    assert record["token at rest"].out == "False", "the admin token is in the backend or the stack config file"


def test_webex_iac_up_without_yes_shows_the_plan_asks_and_writes_nothing_when_declined(record):
    run = record["webex-iac up in a terminal, answered no"]
    assert re.search(r"\$ pulumi up --policy-pack \S+ --stack cli", run.out), run
    assert "sales-pipeline-review" in run.out and "update" in run.out, run
    assert "Do you want to perform this update?" in run.out, run
    assert run.rc != 0 and "confirmation declined" in run.out, run
    assert run.writes == [], run


def test_webex_iac_up_without_yes_and_without_a_terminal_refuses(record):
    run = record["webex-iac up without a terminal"]
    assert run.rc != 0, run
    assert "--yes" in run.out and "non-interactive" in run.out, run
    assert run.writes == [], run


def test_preview_with_the_pack_reports_the_example_violations_by_name(record):
    assert record["config plaintext secret"].rc == 0, record["config plaintext secret"]
    run = record["preview violations"]
    assert run.rc != 0, run
    for policy in (
        "change-size-guard",
        "protected-holders",
        "host-licensed-on-site",
        "service-app-scopes",
        "ownership",
        "no-plaintext-secrets",
    ):
        assert policy in run.out, (policy, run)
    assert run.writes == [], run


def test_an_unknown_stack_name_is_refused_with_a_suggestion_and_creates_nothing(record):
    for step in ("webex-iac typo", "make typo"):
        run = record[step]
        assert run.rc != 0, run
        assert "unknown stack 'clj'" in run.out and "Did you mean 'cli'?" in run.out, run
    assert record["typo leftovers"].out == "", record["typo leftovers"].out


def test_refresh_and_destroy(record):
    assert record["refresh"].rc == 0, record["refresh"]
    run = record["destroy"]
    assert run.rc == 0 and re.search(r"- \d+ deleted", run.out), run
    assert any(w.startswith("DELETE /v1/meetings/") for w in run.writes), run
