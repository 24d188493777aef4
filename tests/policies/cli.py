"""The policy pack the way users run it: the plain `pulumi` CLI on a fresh copy of the project.

``Project`` copies the project's files (not tests/, bench/, docs/) into a temp dir, links the
venv, and runs `pulumi` subprocesses there with a file backend, offline. ``preview`` runs
`pulumi preview --policy-pack policies --event-log FILE` and reads the policy events from the
engine's own event log.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from webex_iac import engine
from webex_iac.engine import REPO_ROOT

PASSPHRASE = "policy-table-passphrase"
SKIP = ("tests/", "bench/", "docs/", ".github/")


@dataclass(frozen=True)
class Violation:
    policy: str
    level: str
    resource: str  # the resource name, "" for a stack-wide violation
    message: str


@dataclass
class Result:
    rc: int
    violations: list[Violation]
    output: str

    def of(self, policy: str, resource: str | None = None) -> list[Violation]:
        return [v for v in self.violations if v.policy == policy and (resource is None or v.resource == resource)]

    def messages(self, policy: str, resource: str | None = None) -> str:
        return "\n".join(v.message for v in self.of(policy, resource))

    def pairs(self) -> set[tuple[str, str]]:
        return {(v.policy, v.resource) for v in self.violations}


def project_files() -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    return [f for f in out if not f.startswith(SKIP) and (REPO_ROOT / f).is_file()]


class Project:
    def __init__(self, root: Path, emu) -> None:
        self.root, self.emu = root, emu
        for rel in project_files():
            dest = root / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO_ROOT / rel, dest)
        (root / ".venv").symlink_to(REPO_ROOT / ".venv")
        for f in (root / "stacks").glob("Pulumi.*.yaml"):
            f.unlink()  # the repository's stack configs belong to its own backend
        (root / ".state").mkdir()
        bin_dir = engine.find_pulumi_bin_dir()
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "WEBEX_"))},
            "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "PULUMI_BACKEND_URL": (root / ".state").as_uri(),
            "PULUMI_HOME": str(root / ".pulumi-home"),
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_DEBUG_COMMANDS": "true",  # enables --event-log (the Automation API's event stream)
        }

    def pulumi(self, *args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
        done = subprocess.run(
            ["pulumi", *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"pulumi {' '.join(args[:2])} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done

    def stack(
        self,
        name: str,
        text: str,
        *,
        plain: dict[str, str] | None = None,
        secret: dict[str, str] | None = None,
        paths: dict[str, str] | None = None,
    ) -> str:
        """Create stack ``name`` with stacks/<name>.yaml and its config (one `config set-all`)."""
        (self.root / "stacks" / f"{name}.yaml").write_text(textwrap.dedent(text))
        self.pulumi("stack", "init", name)
        args = [
            "config",
            "set-all",
            "--stack",
            name,
            "--plaintext",
            f"webex:baseUrl={self.emu.base_url}",
            "--secret",
            f"webex:token={self.emu.admin_token}",
        ]
        for k, v in (plain or {}).items():
            args += ["--plaintext", f"{k}={v}"]
        for k, v in (secret or {}).items():
            args += ["--secret", f"{k}={v}"]
        self.pulumi(*args)
        for k, v in (paths or {}).items():  # structured values: `config set --path`
            self.pulumi("config", "set", "--stack", name, "--path", k, v)
        return name

    def preview(
        self, stack: str, *, policy_config: dict[str, Any] | None = None, pack: str = "policies", extra: tuple[str, ...] = ()
    ) -> Result:
        log = self.root / f".events-{stack}.jsonl"
        log.unlink(missing_ok=True)
        args = ["preview", "--stack", stack, "--policy-pack", pack, "--event-log", str(log), "--color", "never", *extra]
        if policy_config is not None:
            cfg = self.root / f".policy-config-{stack}.json"
            cfg.write_text(json.dumps(policy_config))
            args += ["--policy-pack-config", str(cfg)]
        done = self.pulumi(*args, check=False)
        output = done.stdout + done.stderr
        print(output)
        return Result(done.returncode, policy_events(log), output)

    def up(self, stack: str) -> None:
        self.pulumi("up", "--stack", stack, "--yes", "--skip-preview", "--color", "never")


def policy_events(log: Path) -> list[Violation]:
    out = []
    if not log.exists():
        return out
    for line in log.read_text().splitlines():
        try:
            ev = json.loads(line).get("policyEvent")
        except ValueError:
            continue
        if ev:
            urn = ev.get("resourceUrn") or ""
            out.append(
                Violation(
                    ev.get("policyName", ""),
                    ev.get("enforcementLevel", ""),
                    urn.rsplit("::", 1)[-1] if urn else "",
                    ev.get("message", ""),
                )
            )
    return out
