"""The policy pack through the real engine: one emulator (sample org) and one stack per module."""

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
sys.path[:0] = [str(HERE), str(HERE.parent / "e2e")]  # cli (plain-CLI project copies), harness


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/policies" in str(item.fspath):
            item.add_marker(pytest.mark.engine)


@pytest.fixture(scope="module")
def emu():
    from webex_emulator.testing import EmulatorServer

    with EmulatorServer(seed="sample") as server:
        yield server
