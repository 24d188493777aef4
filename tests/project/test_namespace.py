"""One installable namespace: `pip install` adds only the package's own top-level names, and the
project's code (resources/) is imported from the project root, not from site-packages.

The wheel is built from a copy of the tree (tracked and new files) with pip, as a user's install
builds it. The CLI runs as the installed console script from a directory below a scratch
project that holds its own resources/, with no PYTHONPATH: the only way it can import resources
is through the project root it finds (webex_iac/project.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from webex_iac import engine

ROOT = engine.REPO_ROOT
# What site-packages gains from `pip install webex-iac`, besides its .dist-info: three names of
# our own, nothing generic (no `resources`, no `emulator`).
INSTALLED_TOP_LEVEL = {"webex_client", "webex_iac", "webex_emulator"}
CLI = Path(sys.prefix) / "bin" / "webex-iac"
INVALID_STACK = """\
licenses:
  meetings:
    owner: platform@acme.example.com
    pools:
      - license: {siteUrl: acme.webex.com}
        users: [bob@]
"""


def _clean_env() -> dict[str, str]:
    """The environment of a user's shell: no PYTHONPATH, no project or credentials preset."""
    return {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "WEBEX_IAC_PROJECT_DIR", "WEBEX_TOKEN", "WEBEX_ACCESS_TOKEN")
    }


def _copy_tree(dest: Path) -> None:
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    for f in files:
        if (ROOT / f).is_file():
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / f, dest / f)


def test_the_wheel_installs_only_the_packages_own_top_level_names(tmp_path):
    src, out = tmp_path / "src", tmp_path / "dist"
    _copy_tree(src)
    r = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(src)],
        capture_output=True,
        text=True,
        env=_clean_env(),
        timeout=600,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    (wheel,) = out.glob("webex_iac-*.whl")
    names = {n.split("/", 1)[0] for n in zipfile.ZipFile(wheel).namelist()}
    top_level = {n.removesuffix(".py") for n in names if not n.endswith((".dist-info", ".data"))}
    assert top_level == INSTALLED_TOP_LEVEL, f"the wheel installs {sorted(top_level)}"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project of the user's: Pulumi.yaml, its own resources/ and an invalid stack file."""
    root = tmp_path / "project"
    (root / "stacks").mkdir(parents=True)
    (root / "Pulumi.yaml").write_text("name: my-org\nruntime: python\n")
    shutil.copytree(ROOT / "resources", root / "resources", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "stacks" / "prod.yaml").write_text(INVALID_STACK)
    (root / "docs" / "notes").mkdir(parents=True)
    return root


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=cwd, env=_clean_env(), capture_output=True, text=True, timeout=120)


def test_resources_is_not_installed_but_the_cli_imports_it_anywhere(tmp_path):
    r = _run([sys.executable, "-c", "import webex_iac.cli"], tmp_path)
    assert r.returncode == 0, r.stderr
    r = _run([sys.executable, "-c", "import resources"], tmp_path)
    assert r.returncode == 1 and "No module named 'resources'" in r.stderr, r.stderr


def test_the_cli_below_a_project_imports_the_projects_resources_from_its_root(project):
    below = project / "docs" / "notes"
    # The stack file is validated by the providers' own input models (resources/), before
    # any credential or connection is needed: the message proves they were imported.
    r = _run([str(CLI), "migration-report", "--stack", "prod", "--target-site", "acme.webex.com"], below)
    out = r.stdout + r.stderr
    assert r.returncode == 1, out
    assert "licenses.meetings.pools[0].users[0]: 'bob@' is not an email address" in out, out
    assert "Traceback" not in out


def test_outside_any_project_a_project_command_says_so_and_help_still_works(tmp_path):
    r = _run([str(CLI), "migration-report", "--stack", "prod", "--target-site", "acme.webex.com"], tmp_path)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "no Pulumi.yaml found" in r.stderr and "Traceback" not in r.stderr
    r = _run([str(CLI), "--help"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "migration-report" in r.stdout and "discover" in r.stdout
