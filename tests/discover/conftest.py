"""Fixtures for `webex-iac discover` / `migration-report` (issue #7).

* ``emu`` — a fresh emulator (thread mode) with the sample org, per test.
* ``run`` — invoke the real CLI group (`webex_iac.cli.main`) in-process; returns the click
  result with ``stdout``/``stderr``/``exit_code``. ``WEBEX_TOKEN`` is unset unless given.
* ``project`` — an empty project directory (no Pulumi.yaml: credentials come from WEBEX_TOKEN).
* ``writes(emu)`` — the requests that changed the org: PATCH/PUT/POST/DELETE under /v1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from click.testing import CliRunner, Result

from webex_emulator.testing import EmulatorServer
from tests.e2e.harness import PASSPHRASE
from webex_iac.cli import main

WRITE_METHODS = ("PATCH ", "PUT ", "POST ", "DELETE ")


def writes(emu: EmulatorServer) -> dict[str, int]:
    return {k: v for k, v in emu.request_counts().items() if k.startswith(WRITE_METHODS) and " /v1/" in k}


@pytest.fixture
def emu() -> Iterator[EmulatorServer]:
    with EmulatorServer(seed="sample") as server:
        yield server


@pytest.fixture
def project(tmp_path: Path) -> Path:
    d = tmp_path / "project"
    d.mkdir()
    return d


@pytest.fixture
def run():
    def invoke(*args: str, token: str | None = None, env: dict | None = None) -> Result:
        environment = {
            "WEBEX_ACCESS_TOKEN": token,
            "WEBEX_TOKEN": None,
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "COLUMNS": "240",
            **(env or {}),
        }
        return CliRunner().invoke(main, list(args), env=environment, catch_exceptions=True)

    return invoke


def ok(result: Result) -> Result:
    """Assert a CLI run succeeded, showing its output (and any traceback) when it did not."""
    if result.exit_code != 0:
        import traceback

        tb = (
            "".join(traceback.format_exception(result.exception))
            if result.exception and not isinstance(result.exception, SystemExit)
            else ""
        )
        raise AssertionError(f"exit {result.exit_code}\n{result.output}\n{tb}")
    return result
