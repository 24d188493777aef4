"""The resources are a library: the README's example program, run as-is by the real engine."""
import re
from pathlib import Path

from pulumi import automation as auto

from emulator.testing import EmulatorServer
from harness import PASSPHRASE, org_holders
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
        project = tmp_path / "my-program"
        project.mkdir()
        (tmp_path / "state").mkdir()
        (project / "Pulumi.yaml").write_text("name: my-program\nruntime: python\n")
        settings = engine.EngineSettings(project_dir=project, backend_url=(tmp_path / "state").as_uri(),
                                         pulumi_home=tmp_path / "home", extra_env={"PULUMI_CONFIG_PASSPHRASE": PASSPHRASE})
        stack = auto.create_or_select_stack("lib", project_name="my-program", program=lambda: exec(code, {}),
                                            opts=auto.LocalWorkspaceOptions(work_dir=str(project), env_vars=settings.env("lib"),
                                                                            pulumi_command=auto.PulumiCommand(root=str(engine.find_pulumi_bin_dir().parent), skip_version_check=True)))
        stack.set_config("webex:baseUrl", auto.ConfigValue(emu.base_url))
        stack.set_config("webex:token", auto.ConfigValue(emu.admin_token, secret=True))
        stack.up(on_output=print)
        holders = org_holders(emu, org["licenses"]["new-meetings"])
        assert set(org["spaceMeetingHosts"][:2]) <= holders
        stack.preview(expect_no_changes=True, on_output=print)
