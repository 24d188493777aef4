"""Commands find the project as `pulumi` does: the nearest Pulumi.yaml at or above the current
directory; --project-dir (or WEBEX_IAC_PROJECT_DIR) overrides it. No engine, no network: the
command used (migration-report) names the stack file it looked for before connecting to anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from webex_iac.cli import main
from webex_iac.project import find_project_dir


@pytest.fixture
def tree(tmp_path: Path) -> dict[str, Path]:
    outer = tmp_path / "outer"
    inner = outer / "team" / "inner"
    (inner / "deep" / "er").mkdir(parents=True)
    (outer / "Pulumi.yaml").write_text("name: outer\nruntime: python\n")
    (inner / "Pulumi.yaml").write_text("name: inner\nruntime: python\n")
    (tmp_path / "elsewhere").mkdir()
    return {"outer": outer, "inner": inner, "deep": inner / "deep" / "er", "team": outer / "team", "none": tmp_path / "elsewhere"}


def _report(args: list[str], env: dict[str, str | None] | None = None):
    # With --write and no stack file, the command stops before reading credentials or the org.
    return CliRunner().invoke(
        main,
        ["migration-report", "--stack", "prod", "--target-site", "a.webex.com", "--write", *args],
        env={"WEBEX_TOKEN": None, "WEBEX_IAC_PROJECT_DIR": None, **(env or {})},
    )


def test_the_nearest_pulumi_yaml_at_or_above_the_start_is_the_project(tree):
    assert find_project_dir(tree["deep"]) == tree["inner"].resolve()
    assert find_project_dir(tree["inner"]) == tree["inner"].resolve()
    assert find_project_dir(tree["team"]) == tree["outer"].resolve()


def test_a_command_run_below_a_project_works_on_that_project(tree, monkeypatch):
    monkeypatch.chdir(tree["deep"])
    result = _report([])
    assert result.exit_code == 1, result.output
    assert f"{tree['inner'].resolve() / 'stacks' / 'prod.yaml'} does not exist" in result.output


def test_project_dir_and_its_env_var_override_the_walk(tree, monkeypatch):
    monkeypatch.chdir(tree["deep"])
    result = _report(["--project-dir", str(tree["outer"])])
    assert f"{tree['outer'] / 'stacks' / 'prod.yaml'} does not exist" in result.output, result.output
    result = _report([], env={"WEBEX_IAC_PROJECT_DIR": str(tree["outer"])})
    assert f"{tree['outer'] / 'stacks' / 'prod.yaml'} does not exist" in result.output, result.output


def test_outside_any_project_a_command_says_so_instead_of_using_the_install_location(tree, monkeypatch):
    monkeypatch.chdir(tree["none"])
    for args in (
        ["migration-report", "--stack", "prod", "--target-site", "a.webex.com"],
        ["discover", "--stack", "prod"],
        ["snapshot", "--stack", "prod"],
        ["up", "--stack", "dev"],
    ):
        result = CliRunner().invoke(main, args, env={"WEBEX_IAC_PROJECT_DIR": None, "WEBEX_TOKEN": None})
        assert result.exit_code == 2, (args, result.output)
        assert "no Pulumi.yaml found" in result.output and "--project-dir" in result.output
