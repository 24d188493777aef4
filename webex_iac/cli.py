"""Command line: run the engine on a stack (up, preview, refresh, destroy)."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import click

from . import engine


def _program(project_dir: Path):
    def program() -> None:
        # The same __main__.py a bare `pulumi up` would run.
        runpy.run_path(str(project_dir / "__main__.py"), run_name="__main__")

    return program


def _open(stack: str, project_dir: Path):
    try:
        return engine.open_stack(stack, _program(project_dir), engine.EngineSettings(project_dir=project_dir))
    except engine.EngineError as e:
        raise click.ClickException(str(e)) from None


def _run(action, *args, **kwargs):
    from pulumi.automation.errors import CommandError

    try:
        return action(*args, on_output=lambda line: click.echo(line, nl=False) if line.endswith("\n") else click.echo(line), **kwargs)
    except CommandError as e:
        # The engine already streamed its diagnostics; just carry its exit status.
        raise SystemExit(1) from e


stack_option = click.option("--stack", "-s", default="dev", show_default=True, help="Stack to operate on.")
project_option = click.option(
    "--project-dir", type=click.Path(file_okay=False, path_type=Path), default=engine.REPO_ROOT,
    show_default=False, help="Directory holding Pulumi.yaml (default: this checkout).",
)
policy_option = click.option(
    "--policy-pack", "policy_packs", multiple=True,
    help="Policy pack directory (or executable) to enforce; repeatable.",
)


@click.group()
def main() -> None:
    """webex-iac: declare a Webex org in stacks/<stack>.yaml and reconcile it with Pulumi."""


@main.command()
@stack_option
@project_option
@policy_option
@click.option("--yes", "-y", is_flag=True, help="Apply without the interactive confirmation (always the case here).")
def up(stack: str, project_dir: Path, policy_packs: tuple[str, ...], yes: bool) -> None:
    """Make the org match the stack's declarations."""
    st = _open(stack, project_dir)
    packs = [engine.policy_pack_launcher(p) for p in policy_packs]
    _run(st.up, policy_packs=packs or None, color="auto")


@main.command()
@stack_option
@project_option
@policy_option
@click.option("--expect-no-changes", is_flag=True, help="Fail if the preview shows any change (drift check).")
@click.option("--diff", is_flag=True, help="Show property-level diffs.")
def preview(stack: str, project_dir: Path, policy_packs: tuple[str, ...], expect_no_changes: bool, diff: bool) -> None:
    """Show what up would change, including drift made outside Pulumi."""
    st = _open(stack, project_dir)
    packs = [engine.policy_pack_launcher(p) for p in policy_packs]
    _run(st.preview, policy_packs=packs or None, expect_no_changes=expect_no_changes, diff=diff, color="auto")


@main.command()
@stack_option
@project_option
def refresh(stack: str, project_dir: Path) -> None:
    """Read the live org into the stack's state."""
    _run(_open(stack, project_dir).refresh, color="auto")


@main.command()
@stack_option
@project_option
def destroy(stack: str, project_dir: Path) -> None:
    """Stop managing everything the stack declared, undoing what it changed."""
    _run(_open(stack, project_dir).destroy, color="auto")


@main.command("engine")
def engine_info() -> None:
    """Print which Pulumi engine is used."""
    try:
        bin_dir = engine.find_pulumi_bin_dir()
    except engine.EngineError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"pulumi {engine.pulumi_version(bin_dir)} ({bin_dir})")


# Adopting an existing org (issue #7): webex_iac/discover.py, webex_iac/migration_report.py.
from .discover import discover_command  # noqa: E402
from .migration_report import migration_report_command  # noqa: E402

main.add_command(discover_command)
main.add_command(migration_report_command)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
