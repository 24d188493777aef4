"""Which project a command works on, found as ``pulumi`` finds it, and how its code is imported.

``pulumi`` walks up from the current directory to the first ``Pulumi.yaml``; every
``webex-iac`` command does the same, so an installed ``webex-iac`` works on the project the user
stands in (not on the directory the package happens to be installed in). ``--project-dir``
(or ``WEBEX_IAC_PROJECT_DIR``, for running CI's exact commands on a scratch project) overrides it.

**The project's code is not installed.** ``pip install`` puts only ``webex_client``,
``webex_iac`` and the emulator into site-packages. ``resources/`` (the dynamic providers) is
the project's own code, like ``__main__.py`` and ``stacks/``: it lives in the project directory
and is imported from there (``tests/project/test_namespace.py`` checks the wheel). Who puts
the project root on ``sys.path``:

* ``pulumi`` itself, for the program and the dynamic providers: the language host runs
  ``__main__.py`` from the project directory, and ``pulumi-resource-pulumi-python`` starts
  ``python -m pulumi.dynamic`` with the project directory as its working directory;
* the policy pack's ``__main__.py``, for the project holding the pack;
* :func:`activate`, for a ``webex-iac`` command: the one place that resolves the project
  (:func:`project_dir_option`, and the CLI before it imports a command module that needs
  ``resources``) also puts its root first on ``sys.path``;
* :func:`python_path`, for processes started on a scratch copy of a project that has no
  ``resources/`` of its own (``rehearse``'s copy, tests, bench): the engine's environment
  (``webex_iac.engine.EngineSettings.env``) carries the root whose ``resources`` this process
  imports on ``PYTHONPATH``, so the copy runs the code of the project it copies.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import Any, Mapping, Sequence

import click

PROJECT_FILE = "Pulumi.yaml"
CODE_PACKAGE = "resources"  # the project's own code, importable from the project root
PROJECT_DIR_ENV = "WEBEX_IAC_PROJECT_DIR"


def find_project_dir(start: Path | None = None) -> Path | None:
    """The nearest directory at or above ``start`` (default: the current one) holding Pulumi.yaml."""
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        if (d / PROJECT_FILE).is_file():
            return d
    return None


def activate(root: Path) -> Path:
    """Make the project in ``root`` importable in this process: its root first on ``sys.path``
    (so ``import resources`` finds the project's own providers). Idempotent; returns ``root``."""
    entry = os.path.abspath(root)
    if sys.path[:1] != [entry]:
        if entry in sys.path:
            sys.path.remove(entry)
        sys.path.insert(0, entry)
    return root


def code_root(project_dir: Path) -> Path | None:
    """The directory whose ``resources`` the program, providers and policy pack of
    ``project_dir`` import: the project's own, else the one this process imports (a scratch
    copy of a project runs the code of the project it was made from). None: neither has any."""
    if (project_dir / CODE_PACKAGE / "__init__.py").is_file():
        return project_dir
    try:
        spec = importlib.util.find_spec(CODE_PACKAGE)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]).parent


def python_path(project_dir: Path, env: Mapping[str, str] | None = None) -> str:
    """``PYTHONPATH`` for a process that runs the code of ``project_dir`` (see :func:`code_root`):
    that root first, then what ``env`` (default: this process's environment) already had."""
    before = (os.environ if env is None else env).get("PYTHONPATH", "")
    root = code_root(project_dir)
    parts = [str(root)] if root is not None else []
    parts += [p for p in before.split(os.pathsep) if p and p != str(root)]
    return os.pathsep.join(parts)


def no_project_error() -> click.UsageError:
    """What a command says when it finds no project."""
    return click.UsageError(
        f"no {PROJECT_FILE} found in {Path.cwd()} or any parent directory: run the command inside "
        "a webex-iac project, or pass --project-dir"
    )


def _resolve_project_dir(ctx: click.Context | None, param: Any, value: Path | None) -> Path:
    if value is None:
        value = find_project_dir()
        if value is None:
            raise no_project_error()
    return activate(value)


def project_dir_option(help: str = "Directory holding Pulumi.yaml") -> Any:
    """``--project-dir``: default, the nearest Pulumi.yaml at or above the current directory.
    The project it names is activated (:func:`activate`)."""
    return click.option(
        "--project-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        envvar=PROJECT_DIR_ENV,
        callback=_resolve_project_dir,
        show_default=False,
        help=f"{help} (default: the nearest Pulumi.yaml at or above the current directory, as pulumi "
        f"finds it; env {PROJECT_DIR_ENV}).",
    )


def activate_for_args(args: Sequence[str]) -> Path | None:
    """Activate the project a command line will work on, before the command's module is imported
    (a module that imports ``resources`` at its top needs it on ``sys.path`` first): its
    ``--project-dir``, else ``WEBEX_IAC_PROJECT_DIR``, else the nearest Pulumi.yaml. The
    command's own ``--project-dir`` option resolves it again, and says so when there is none."""
    value: str | None = None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--project-dir" and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith("--project-dir="):
            value = arg.split("=", 1)[1]
    if value is None:
        value = os.environ.get(PROJECT_DIR_ENV) or None
    root = Path(value) if value is not None else find_project_dir()
    return activate(root) if root is not None else None
