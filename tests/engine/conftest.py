import shutil
from pathlib import Path

import pytest

from webex_iac import engine


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/engine" in str(item.fspath):
            item.add_marker(pytest.mark.engine)


@pytest.fixture(scope="session")
def pulumi_bin() -> Path:
    try:
        return engine.find_pulumi_bin_dir()
    except engine.EngineError as e:  # make test bootstraps first; a bare pytest run may not have
        pytest.fail(str(e))


@pytest.fixture
def tiny_project(tmp_path: Path) -> Path:
    src = Path(__file__).parent / "tiny_project"
    dst = tmp_path / "project"
    shutil.copytree(src, dst)
    return dst
