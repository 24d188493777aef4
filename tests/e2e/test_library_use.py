"""The resources are a library: the README's example program, run as-is by the real engine."""

import re
import shutil
import sys
from pathlib import Path

from pulumi import automation as auto

from webex_emulator.testing import EmulatorServer
from harness import PASSPHRASE, least_privilege_token, org_holders
from webex_iac import engine

README = Path(__file__).resolve().parents[2] / "README.md"


def _readme_example() -> str:
    text = README.read_text()
    match = re.search(r"<!-- library-example -->\s*```python\n(.*?)```", text, re.S)
    assert match, "README.md has the library example"
    return match.group(1)


def test_readme_library_example_runs_against_the_emulator(tmp_path):
    code = _readme_example()
    assert len(code.strip().splitlines()) <= 12, "the README promises a ten-line example"
    with EmulatorServer(seed="sample") as emu:
        org = emu.seed_summary["orgs"][0]
        # Your own Pulumi project: the example is its __main__.py, run by the language host.
        project = tmp_path / "my-program"
        project.mkdir()
        (tmp_path / "state").mkdir()
        (project / "Pulumi.yaml").write_text(
            f"name: my-program\nruntime:\n  name: python\n  options:\n    virtualenv: {sys.prefix}\n"
        )
        (project / "__main__.py").write_text(code)
        # resources/ is project code (not installed): the README says to copy it into the project.
        shutil.copytree(README.parent / "resources", project / "resources", ignore=shutil.ignore_patterns("__pycache__"))
        settings = engine.EngineSettings(
            project_dir=project,
            backend_url=(tmp_path / "state").as_uri(),
            pulumi_home=tmp_path / "home",
            extra_env={"PULUMI_CONFIG_PASSPHRASE": PASSPHRASE},
        )
        stack = engine.open_stack("lib", settings=settings)
        stack.set_config("webex:baseUrl", auto.ConfigValue(emu.base_url))
        stack.set_config("webex:token", auto.ConfigValue(least_privilege_token(emu), secret=True))
        stack.up(on_output=print)
        holders = org_holders(emu, org["licenses"]["new-meetings"])
        assert set(org["spaceMeetingHosts"][:2]) <= holders
        stack.preview(expect_no_changes=True, on_output=print)
