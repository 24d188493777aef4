"""Which project a command works on: found as ``pulumi`` finds it.

``pulumi`` walks up from the current directory to the first ``Pulumi.yaml``; every
``webex-iac`` command does the same, so an installed ``webex-iac`` works on the project the user
stands in (not on the directory the package happens to be installed in). ``--project-dir``
(or ``WEBEX_IAC_PROJECT_DIR``, for running CI's exact commands on a scratch project) overrides it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

PROJECT_FILE = "Pulumi.yaml"


def find_project_dir(start: Path | None = None) -> Path | None:
    """The nearest directory at or above ``start`` (default: the current one) holding Pulumi.yaml."""
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        if (d / PROJECT_FILE).is_file():
            return d
    return None


def _resolve_project_dir(ctx: click.Context | None, param: Any, value: Path | None) -> Path:
    if value is not None:
        return value
    found = find_project_dir()
    if found is None:
        raise click.UsageError(
            f"no {PROJECT_FILE} found in {Path.cwd()} or any parent directory: run the command inside "
            "a webex-iac project, or pass --project-dir")
    return found


def project_dir_option(help: str = "Directory holding Pulumi.yaml") -> Any:
    """``--project-dir``: default, the nearest Pulumi.yaml at or above the current directory."""
    return click.option(
        "--project-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
        envvar="WEBEX_IAC_PROJECT_DIR", callback=_resolve_project_dir, show_default=False,
        help=f"{help} (default: the nearest Pulumi.yaml at or above the current directory, as pulumi "
             "finds it; env WEBEX_IAC_PROJECT_DIR).",
    )
