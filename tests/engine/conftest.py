import shutil
import sys
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
    # The program and the policy pack run in the venv running the tests, as Pulumi.yaml and
    # PulumiPolicy.yaml say (runtime.options.virtualenv), through Pulumi's Python language host.
    for f in (dst / "Pulumi.yaml", dst / "policy" / "PulumiPolicy.yaml"):
        f.write_text(
            f.read_text()
            .replace("virtualenv: ../.venv", f"virtualenv: {sys.prefix}")
            .replace("virtualenv: .venv", f"virtualenv: {sys.prefix}")
        )
    return dst
