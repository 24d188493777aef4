"""Run the real Pulumi engine on this project, offline.

The Pulumi CLI (built by ``tools/pulumi/bootstrap.sh`` or found on PATH) is driven through
the Automation API with an *inline* program: the CLI connects back (``--client``) to a
language server hosted in this Python process, so the same engine runs ``up``, ``preview``,
``refresh`` and ``destroy`` without the separate ``pulumi-language-python`` plugin. Dynamic
providers still run in their own process, started by the engine through our
``pulumi-resource-pulumi-python`` launcher.

Everything that makes the engine work offline is set here (and by the Makefile), never by the
user: no update checks, no plugin downloads, a ``file://`` backend inside the repository, and
the passphrase secrets provider.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

PULUMI_VERSION = "v3.274.1"
# 3.181 added `--client`, which inline Automation API programs need.
MIN_PULUMI_VERSION = (3, 181, 0)
PROJECT_NAME = "webex-iac"
# Documented, deliberately public: it only protects the emulator's dev token in stacks/.
DEV_PASSPHRASE = "webex-iac-dev-passphrase"
DEV_STACKS = frozenset({"dev"})

REPO_ROOT = Path(__file__).resolve().parent.parent


class EngineError(RuntimeError):
    """The engine cannot be started; the message says what to do."""


def cache_bin_dir() -> Path:
    root = os.environ.get("WEBEX_IAC_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "webex-iac"
    )
    return Path(root) / f"pulumi-{PULUMI_VERSION}" / "bin"


def find_pulumi_bin_dir() -> Path:
    """The directory holding ``pulumi`` and our launchers (see tools/pulumi/bootstrap.sh)."""
    explicit = os.environ.get("WEBEX_IAC_PULUMI_BIN")
    candidates = [Path(explicit)] if explicit else [cache_bin_dir()]
    for d in candidates:
        if (d / "pulumi").exists() and (d / "pulumi-resource-pulumi-python").exists():
            return d
    raise EngineError(
        "The Pulumi engine is not bootstrapped. Run `make bootstrap` (builds Pulumi "
        f"{PULUMI_VERSION} from the Go module proxy, or links a pulumi >= "
        f"{'.'.join(map(str, MIN_PULUMI_VERSION))} found on PATH)."
    )


def pulumi_version(bin_dir: Path) -> str:
    out = subprocess.run(
        [str(bin_dir / "pulumi"), "version"],
        capture_output=True, text=True, check=True,
        env={**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"},
    )
    return out.stdout.strip()


@dataclass
class EngineSettings:
    """Where the engine keeps state and how it finds its pieces, for one project directory."""

    project_dir: Path = REPO_ROOT
    backend_url: str | None = None
    pulumi_home: Path | None = None
    extra_env: Mapping[str, str] = field(default_factory=dict)

    def env(self, stack: str) -> dict[str, str]:
        bin_dir = find_pulumi_bin_dir()
        env = {
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": "true",
            # Our launchers first, so the engine starts the dynamic provider in our venv.
            "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "WEBEX_IAC_PYTHON": sys.executable,
        }
        env["PULUMI_BACKEND_URL"] = (
            self.backend_url
            or os.environ.get("PULUMI_BACKEND_URL")
            or (self.project_dir / ".pulumi-state").as_uri()
        )
        env["PULUMI_HOME"] = str(
            self.pulumi_home or os.environ.get("PULUMI_HOME") or (self.project_dir / ".pulumi-home")
        )
        supplied = {**os.environ, **self.extra_env}
        if not (supplied.get("PULUMI_CONFIG_PASSPHRASE") or supplied.get("PULUMI_CONFIG_PASSPHRASE_FILE")):
            if stack in DEV_STACKS:
                env["PULUMI_CONFIG_PASSPHRASE"] = DEV_PASSPHRASE
            else:
                raise EngineError(
                    f"Stack {stack!r} needs its secrets passphrase: set PULUMI_CONFIG_PASSPHRASE "
                    "(or PULUMI_CONFIG_PASSPHRASE_FILE) in the environment. Only the dev stack has a "
                    "built-in, public passphrase."
                )
        env.update(self.extra_env)
        return env


def open_stack(
    stack: str,
    program: Callable[[], None],
    settings: EngineSettings | None = None,
    create: bool = True,
):
    """Select (or create) ``stack`` of the project in ``settings.project_dir`` with ``program``."""
    from pulumi import automation as auto

    settings = settings or EngineSettings()
    env = settings.env(stack)
    Path(env["PULUMI_HOME"]).mkdir(parents=True, exist_ok=True)
    if env["PULUMI_BACKEND_URL"].startswith("file://"):
        Path(env["PULUMI_BACKEND_URL"][len("file://"):]).mkdir(parents=True, exist_ok=True)
    bin_dir = find_pulumi_bin_dir()
    command = auto.PulumiCommand(root=str(bin_dir.parent), skip_version_check=True)
    # PulumiCommand looks for <root>/bin/pulumi.
    opts = auto.LocalWorkspaceOptions(
        work_dir=str(settings.project_dir), env_vars=env, pulumi_command=command
    )
    if create:
        return auto.create_or_select_stack(stack, project_name=PROJECT_NAME, program=program, opts=opts)
    return auto.select_stack(stack, project_name=PROJECT_NAME, program=program, opts=opts)


def policy_pack_launcher(path: str | Path) -> str:
    """Map a policy pack directory to its executable launcher.

    The engine starts an executable policy pack directly; a directory would need the Python
    language host plugin, which our bootstrap may not have.
    """
    p = Path(path).resolve()
    if p.is_dir():
        launcher = p / "run-policy-pack"
        if not launcher.exists():
            raise EngineError(f"{p} has no run-policy-pack launcher")
        return str(launcher)
    return str(p)


def which_pulumi() -> str | None:
    return shutil.which("pulumi")
