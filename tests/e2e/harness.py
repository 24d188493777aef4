"""Drive the real engine on a throwaway project, against an emulator org.

The project is a real one on disk (Pulumi.yaml naming this venv, the repository's __main__.py
program, stacks/): the Automation API runs it as a *local* program, so the CLI starts Pulumi's
Python language host on it exactly as a plain `pulumi up` in the directory would.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from webex_iac import engine
from webex_iac.project import python_path

PASSPHRASE = "e2e-test-passphrase"
# The venv running the tests is the project's (absolute: the project lives in a temp dir).
PULUMI_YAML = f"""\
name: webex-iac
runtime:
  name: python
  options:
    toolchain: pip
    virtualenv: {sys.prefix}
stackConfigDir: stacks
"""


def write_project(root: Path) -> None:
    """Pulumi.yaml and the repository's own __main__.py (it declares the stacks/ beside it)."""
    (root / "stacks").mkdir(parents=True, exist_ok=True)
    (root / "Pulumi.yaml").write_text(PULUMI_YAML)
    (root / "__main__.py").write_text((engine.REPO_ROOT / "__main__.py").read_text())


def least_privilege_token(emu, scopes=None) -> str:
    """A token of the org's admin with exactly the README's scopes (webex_client/scopes.py):
    the product runs with what a real stack is told to grant, never the emulator's own token."""
    from webex_client.scopes import ADMIN_TOKEN_SCOPES

    admin = next(o["adminEmail"] for o in emu.orgs() if o.get("adminEmail"))
    return emu.mint_token(admin, list(ADMIN_TOKEN_SCOPES if scopes is None else scopes))


class WebexStack:
    """A stack of this project in ``root`` whose stack file the test writes."""

    def __init__(self, root: Path, emu, name: str = "e2e", token: str | None = None, extra_config: dict | None = None):
        self.root, self.emu, self.name = root, emu, name
        write_project(root)
        self.settings = engine.EngineSettings(
            project_dir=root,
            backend_url=(root / ".pulumi-state").as_uri(),
            pulumi_home=root / ".pulumi-home",
            # The scratch project holds no resources/ (the project's code, not installed): the
            # engine's children, and a CLI a test starts with this environment, run this checkout's.
            extra_env={"PULUMI_CONFIG_PASSPHRASE": PASSPHRASE, "PYTHONPATH": python_path(engine.REPO_ROOT)},
        )
        self.stack = engine.open_stack(name, settings=self.settings)
        self.stack.set_config("webex:baseUrl", auto.ConfigValue(emu.base_url))
        self.stack.set_config("webex:token", auto.ConfigValue(token or least_privilege_token(emu), secret=True))
        for k, v in (extra_config or {}).items():
            secret = isinstance(v, tuple)
            self.stack.set_config(k, auto.ConfigValue(v[0] if secret else v, secret=secret))

    @property
    def stack_file(self) -> Path:
        return self.root / "stacks" / f"{self.name}.yaml"

    def write(self, text: str) -> None:
        self.stack_file.write_text("# yaml-language-server: $schema=../schema/stack.schema.json\n" + textwrap.dedent(text))

    def up(self, **kw):
        return self.stack.up(on_output=print, **kw)

    def preview(self, **kw):
        return self.stack.preview(on_output=print, **kw)

    def refresh(self, **kw):
        return self.stack.refresh(on_output=print, **kw)

    def destroy(self, **kw):
        return self.stack.destroy(on_output=print, **kw)

    def export(self, show_secrets: bool = False) -> str:
        env = {**os.environ, **self.settings.env(self.name)}
        return subprocess.run(
            [
                str(engine.find_pulumi_bin_dir() / "pulumi"),
                "stack",
                "export",
                "--stack",
                self.name,
                f"--show-secrets={'true' if show_secrets else 'false'}",
            ],
            cwd=self.root,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    def backend_bytes(self) -> bytes:
        return b"".join(p.read_bytes() for p in (self.root / ".pulumi-state").rglob("*") if p.is_file())


def org_holders(emu, license_id: str) -> set[str]:
    """Emails holding a license, read straight from the emulator's API."""
    c = emu.client()
    out, url, params = set(), f"{emu.base_url}/licenses/{license_id}", {"includeAssignedTo": "user", "limit": 300}
    while url:
        r = c.get(url, params=params)
        r.raise_for_status()
        out |= {u["email"].lower() for u in r.json().get("users", [])}
        url, params = r.links.get("next", {}).get("url"), None
    return out


def license_info(emu, license_id: str) -> dict[str, Any]:
    r = emu.client().get(f"{emu.base_url}/licenses/{license_id}")
    r.raise_for_status()
    return r.json()
