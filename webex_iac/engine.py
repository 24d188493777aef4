"""Run the real Pulumi engine on this project, offline, the standard way.

The engine is a complete Pulumi CLI bundle: ``pulumi`` with Pulumi's own Python language host
``pulumi-language-python``, its exec shim and the dynamic-provider plugin script side by side
(an official install, or what ``tools/pulumi/bootstrap.sh`` builds). Programs are *local*: the
CLI runs the project's ``__main__.py`` through the language host in the virtualenv that
``Pulumi.yaml`` names, exactly as a bare ``pulumi up`` in the project directory does.

``webex-iac up``/``refresh``/``destroy`` run the plain CLI (:func:`pulumi_argv`); the Automation
API's ``Stack.up`` always passes ``--skip-preview``, which lets stack policies run only after the
writes. Commands that read the engine's events (``preview --expect-no-drift``, ``plan-summary``,
``discover``) use the Automation API on the project directory (:func:`open_stack`).

Everything that makes the engine work offline is set here (and by the Makefile), never by the
user: no update checks, no plugin downloads, a ``file://`` backend inside the project, and the
passphrase secrets provider.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

from .project import python_path

PULUMI_VERSION = "v3.274.1"
# The oldest CLI the project is tested with (policy pack config and dynamic-provider `configure`).
MIN_PULUMI_VERSION = (3, 181, 0)
# What a complete bundle holds beside `pulumi` (see tools/pulumi/bootstrap.sh).
BUNDLE = ("pulumi", "pulumi-language-python", "pulumi-language-python-exec", "pulumi-resource-pulumi-python")
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


def _complete(d: Path) -> bool:
    return all((d / name).exists() for name in BUNDLE)


def find_pulumi_bin_dir() -> Path:
    """The directory of a complete Pulumi bundle: ``WEBEX_IAC_PULUMI_BIN``, else the bootstrap's
    cache, else a complete ``pulumi`` on PATH (an official install)."""
    explicit = os.environ.get("WEBEX_IAC_PULUMI_BIN")
    candidates = [Path(explicit)] if explicit else [cache_bin_dir()]
    on_path = shutil.which("pulumi")
    if not explicit and on_path:
        candidates.append(Path(on_path).resolve().parent)
    for d in candidates:
        if _complete(d):
            return d
    incomplete = [str(d) for d in candidates if (d / "pulumi").exists()]
    why = f" ({', '.join(incomplete)} has pulumi but not its Python language host)" if incomplete else ""
    raise EngineError(
        f"No complete Pulumi CLI{why}. Run `make bootstrap` (builds Pulumi {PULUMI_VERSION} and its "
        "Python language host offline), or install Pulumi (https://www.pulumi.com/docs/install/) "
        "and put it on PATH."
    )


def pulumi_version(bin_dir: Path) -> str:
    out = subprocess.run(
        [str(bin_dir / "pulumi"), "version"],
        capture_output=True,
        text=True,
        check=True,
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

    def env(self, stack: str, secrets: bool = True) -> dict[str, str]:
        """The engine's environment for ``stack``; ``secrets=False`` for commands that decrypt
        nothing (listing stacks), which then need no passphrase."""
        bin_dir = find_pulumi_bin_dir()
        env = {
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": "true",
            # The bundle first: the engine takes the language host and plugin script from PATH.
            # Then this interpreter's venv, as `source .venv/bin/activate` would: a project whose
            # Pulumi.yaml names no virtualenv (a scratch test project) runs on it.
            "PATH": os.pathsep.join([str(bin_dir), str(Path(sys.prefix) / "bin"), os.environ.get("PATH", "")]),
        }
        env["PULUMI_BACKEND_URL"] = (
            self.backend_url or os.environ.get("PULUMI_BACKEND_URL") or (self.project_dir / ".pulumi-state").as_uri()
        )
        env["PULUMI_HOME"] = str(self.pulumi_home or os.environ.get("PULUMI_HOME") or (self.project_dir / ".pulumi-home"))
        supplied = {**os.environ, **self.extra_env}
        if secrets and not (supplied.get("PULUMI_CONFIG_PASSPHRASE") or supplied.get("PULUMI_CONFIG_PASSPHRASE_FILE")):
            if stack in DEV_STACKS:
                env["PULUMI_CONFIG_PASSPHRASE"] = DEV_PASSPHRASE
            else:
                raise EngineError(
                    f"Stack {stack!r} needs its secrets passphrase: set PULUMI_CONFIG_PASSPHRASE "
                    "(or PULUMI_CONFIG_PASSPHRASE_FILE) in the environment. Only the dev stack has a "
                    "built-in, public passphrase."
                )
        env.update(self.extra_env)
        # The project's code (resources/) is not installed: the program, the providers and the
        # policy pack import it from the project root, which a scratch copy of a project
        # (rehearse, tests, bench) does not hold (webex_iac/project.py). A PYTHONPATH in
        # extra_env is the caller's choice of code (the upgrade test runs an older release).
        if "PYTHONPATH" not in self.extra_env and (pythonpath := python_path(self.project_dir, supplied)):
            env["PYTHONPATH"] = pythonpath
        if env["PULUMI_BACKEND_URL"].startswith("postgres://") and "PULUMI_DIY_BACKEND_PARALLEL" not in supplied:
            # Pulumi's PostgreSQL backend (v3.274.1) deadlocks listing stacks (`stack ls`) once
            # it has ~6 stacks: its 10 parallel readers each hold a pooled connection while asking
            # for another, and the pool is 2 × GOMAXPROCS. One reader never waits (issue 17).
            env["PULUMI_DIY_BACKEND_PARALLEL"] = "1"
        return env


def prepare(env: Mapping[str, str]) -> None:
    """Create the local backend directory and PULUMI_HOME the engine will use."""
    Path(env["PULUMI_HOME"]).mkdir(parents=True, exist_ok=True)
    if env["PULUMI_BACKEND_URL"].startswith("file://"):
        Path(env["PULUMI_BACKEND_URL"][len("file://") :]).mkdir(parents=True, exist_ok=True)


def open_stack(
    stack: str,
    program: Callable[[], None] | None = None,
    settings: EngineSettings | None = None,
    create: bool = True,
):
    """Select (or create) ``stack`` of the project in ``settings.project_dir``.

    Without ``program`` (the standard way) the stack runs the project's own program through the
    language host. An inline ``program`` is still accepted for library-style callers (bench).
    """
    from pulumi import automation as auto

    settings = settings or EngineSettings()
    env = settings.env(stack)
    prepare(env)
    opts = auto.LocalWorkspaceOptions(work_dir=str(settings.project_dir), env_vars=env, pulumi_command=pulumi_command())
    if program is None:
        pick = auto.create_or_select_stack if create else auto.select_stack
        return pick(stack, work_dir=str(settings.project_dir), opts=opts)
    if create:
        return auto.create_or_select_stack(stack, project_name=PROJECT_NAME, program=program, opts=opts)
    return auto.select_stack(stack, project_name=PROJECT_NAME, program=program, opts=opts)


def pulumi_command():
    """The Automation API's handle on this bundle's ``pulumi``, wherever the bundle lives
    (``PulumiCommand(root=...)`` assumes ``<root>/bin/pulumi``; a tarball install has no bin/)."""
    from pulumi import automation as auto

    bin_dir = find_pulumi_bin_dir()
    if bin_dir.name == "bin":
        return auto.PulumiCommand(root=str(bin_dir.parent), skip_version_check=True)

    class BundleCommand(auto.PulumiCommand):
        def __init__(self) -> None:  # what PulumiCommand.__init__ sets, without its `pulumi` from PATH
            self.command = str(bin_dir / "pulumi")
            self.version = None

    return BundleCommand()


# Pulumi v3.274.1 serialises (and integrity-checks) the whole state after every step even in a
# preview, whose persister then discards it: quadratic in the resources, 69 s of a 1,000-meeting
# preview (docs/pulumi-checkpoints.md). A preview writes no state, so skipping those
# checkpoints changes nothing but the time. PULUMI_PARALLEL_DIFF: the engine otherwise diffs one
# resource at a time, and a standing meeting's diff is two reads (bench (g)).
PREVIEW_ENV = {"PULUMI_SKIP_CHECKPOINTS": "true", "PULUMI_PARALLEL_DIFF": "true"}


def for_preview(stack):
    """``stack`` (an Automation API stack used only to preview) without per-step checkpoints."""
    stack.workspace.env_vars = {**stack.workspace.env_vars, **PREVIEW_ENV}
    return stack


def pulumi_argv(*args: str) -> list[str]:
    """The plain CLI, as a user types it: ``pulumi <args>`` from the bundle."""
    return [str(find_pulumi_bin_dir() / "pulumi"), *args]


def which_pulumi() -> str | None:
    return shutil.which("pulumi")
