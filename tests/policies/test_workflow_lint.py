"""The GitOps workflow passes actionlint (a real linter for GitHub Actions workflows).

actionlint comes from `make actionlint` (part of `make test`): built from the Go module proxy
into the engine's cache directory. The test skips only when it is truly unavailable.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from webex_iac.engine import REPO_ROOT

WORKFLOWS = sorted((REPO_ROOT / ".github" / "workflows").glob("*.y*ml"))


def actionlint_binary() -> str | None:
    version = re.search(r"^ACTIONLINT_VERSION := (\S+)", (REPO_ROOT / "Makefile").read_text(), re.M).group(1)
    cache = Path(
        os.environ.get("WEBEX_IAC_CACHE") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "webex-iac"
    )
    for candidate in (
        os.environ.get("ACTIONLINT"),
        str(cache / f"actionlint-{version}" / "actionlint"),
        shutil.which("actionlint"),
    ):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def test_the_gitops_workflow_exists():
    assert "webex-iac.yml" in [p.name for p in WORKFLOWS]


def test_workflows_pass_actionlint():
    binary = actionlint_binary()
    if binary is None:
        pytest.skip("actionlint is not installed and `make actionlint` could not build it (needs Go and the Go module proxy)")
    proc = subprocess.run([binary, "-no-color", "-oneline", *map(str, WORKFLOWS)], cwd=REPO_ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_reports_a_broken_workflow(tmp_path):
    """The lint can fail: the same workflow with an undefined step output is refused."""
    binary = actionlint_binary()
    if binary is None:
        pytest.skip("actionlint is not installed")
    broken = tmp_path / "broken.yml"
    broken.write_text(
        (REPO_ROOT / ".github" / "workflows" / "webex-iac.yml")
        .read_text()
        .replace("steps.plan.outputs.status != '0'", "steps.nope.outputs.status != '0'")
    )
    proc = subprocess.run([binary, "-no-color", "-oneline", str(broken)], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 1 and 'property "nope" is not defined' in proc.stdout, proc.stdout + proc.stderr
