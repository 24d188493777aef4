"""Team scale: one throwaway PostgreSQL server for the whole session (Pulumi's DIY backend).

Started once by the first test that needs it, stopped (and its data directory removed) at the
end of the session. Without PostgreSQL the tests skip and say how to install it (in CI, where
``CI`` is set, they fail instead); `make test` installs it first (see the Makefile).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from pgserver import PostgresServer, PostgresUnavailable, find_bin_dir  # noqa: E402

_SERVER: dict[str, str] = {}


@pytest.fixture(scope="session")
def pg():
    if find_bin_dir() is None:
        why = "PostgreSQL is not installed; `sudo apt-get install -y postgresql` (make test does this)"
        if os.environ.get("CI"):
            pytest.fail(f"{why}: CI must run the team-backend tests")  # never a silent skip in CI
        pytest.skip(why)
    try:
        server = PostgresServer().start()
    except PostgresUnavailable as e:
        pytest.fail(f"could not start PostgreSQL: {e}")
    _SERVER.update(version=server.version, where=f"127.0.0.1:{server.port}, data {server.data_dir}")
    print(f"\nPostgreSQL server: {server.version} ({_SERVER['where']})")
    try:
        yield server
    finally:
        server.stop()


def pytest_terminal_summary(terminalreporter):
    if _SERVER:
        terminalreporter.write_line(f"team backend: {_SERVER['version']} on {_SERVER['where']} (stopped)")


@pytest.fixture
def tmp_path(request):
    """A fresh directory of our own, not under pytest's base temp: pytest prunes all but its
    three newest ``pytest-N`` directories, so another pytest session of the same user (parallel
    CI jobs on one runner, several checkouts) can delete a project while its engine runs."""
    d = Path(tempfile.mkdtemp(prefix=f"webex-iac-{request.node.name[:40]}-"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def module_tmp():
    d = Path(tempfile.mkdtemp(prefix="webex-iac-team-module-"))
    yield d
    shutil.rmtree(d, ignore_errors=True)
