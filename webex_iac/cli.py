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
        # The engine streamed its diagnostics to stdout; what it said on stderr (a locked
        # stack, a bad flag) would otherwise be lost.
        stderr = getattr(e, "stderr", None) or str(e).partition(" stderr: ")[2]
        if stderr.strip():
            click.echo(stderr.strip(), err=True)
        raise SystemExit(1) from e


stack_option = click.option("--stack", "-s", default="dev", show_default=True, help="Stack to operate on.")
project_option = click.option(
    "--project-dir", type=click.Path(file_okay=False, path_type=Path), default=engine.REPO_ROOT,
    # The env var lets tests run the CI workflow's exact commands on a scratch project.
    envvar="WEBEX_IAC_PROJECT_DIR",
    show_default=False, help="Directory holding Pulumi.yaml (default: this checkout; env WEBEX_IAC_PROJECT_DIR).",
)
policy_option = click.option(
    "--policy-pack", "policy_packs", multiple=True,
    help="Policy pack directory (or executable) to enforce; repeatable.",
)
policy_config_option = click.option(
    "--policy-pack-config", "policy_configs", multiple=True,
    help="JSON config of the --policy-pack at the same position (default: the pack's config.json, if any).",
)


def _policy_args(policy_packs: tuple[str, ...], policy_configs: tuple[str, ...]) -> dict:
    """Engine arguments for the packs: launchers, and one config file per pack (or none).

    A pack directory's own config.json (the org's reviewed policy settings) applies unless
    --policy-pack-config names another file; the engine needs either none or one per pack.
    """
    packs = [engine.policy_pack_launcher(p) for p in policy_packs]
    if policy_configs:
        if len(policy_configs) != len(packs):
            raise click.UsageError("give one --policy-pack-config per --policy-pack")
        configs = [str(Path(c).resolve()) for c in policy_configs]
    else:
        found = [Path(p) / "config.json" for p in policy_packs]
        configs = [str(c.resolve()) for c in found] if found and all(c.is_file() for c in found) else []
    return {"policy_packs": packs or None, "policy_pack_configs": configs or None}


@click.group()
def main() -> None:
    """webex-iac: declare a Webex org in stacks/<stack>.yaml and reconcile it with Pulumi."""


@main.command()
@stack_option
@project_option
@policy_option
@policy_config_option
@click.option("--yes", "-y", is_flag=True, help="Apply without the interactive confirmation (always the case here).")
def up(stack: str, project_dir: Path, policy_packs: tuple[str, ...], policy_configs: tuple[str, ...], yes: bool) -> None:
    """Make the org match the stack's declarations."""
    st = _open(stack, project_dir)
    _run(st.up, **_policy_args(policy_packs, policy_configs), color="auto")


@main.command()
@stack_option
@project_option
@policy_option
@policy_config_option
@click.option("--expect-no-changes", is_flag=True, help="Fail if the preview shows any change at all.")
@click.option("--expect-no-drift", is_flag=True,
              help="Fail (exit 3) if the org differs from the declaration. Unlike --expect-no-changes, a "
                   "Service App token that is merely due for renewal is reported, not failed.")
@click.option("--diff", is_flag=True, help="Show property-level diffs.")
def preview(stack: str, project_dir: Path, policy_packs: tuple[str, ...], policy_configs: tuple[str, ...],
            expect_no_changes: bool, expect_no_drift: bool, diff: bool) -> None:
    """Show what up would change, including drift made outside Pulumi."""
    st = _open(stack, project_dir)
    steps: list = []
    _run(st.preview, **_policy_args(policy_packs, policy_configs), expect_no_changes=expect_no_changes, diff=diff,
         color="auto", on_event=lambda ev: steps.append(ev.resource_pre_event.metadata) if ev.resource_pre_event else None)
    if expect_no_drift:
        drift, renewals = classify_steps(steps)
        for urn in renewals:
            click.echo(f"token renewal due (not drift): {urn}")
        if drift:
            click.echo("drift: the org differs from the declaration:", err=True)
            for op, urn in drift:
                click.echo(f"  {op}: {urn}", err=True)
            raise SystemExit(3)


def classify_steps(steps) -> tuple[list[tuple[str, str]], list[str]]:
    """(drift, token renewals) among preview steps.

    A ServiceApp update whose inputs did not change is its token coming due for renewal: time
    passing, not the org drifting. Everything else that is not 'same' is drift.
    """
    drift, renewals = [], []
    for m in steps:
        op = str(getattr(m.op, "value", m.op)).lower()
        if op in ("same", "read", "refresh"):
            continue
        if op == "update" and m.type.endswith("webex:ServiceApp") and not (m.diffs or []):
            renewals.append(m.urn)
            continue
        drift.append((op, m.urn))
    return drift, renewals


@main.command("plan-summary")
@stack_option
@project_option
@policy_option
@policy_config_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the Markdown here (default: stdout).")
def plan_summary(stack: str, project_dir: Path, policy_packs: tuple[str, ...], policy_configs: tuple[str, ...],
                 out: Path | None) -> None:
    """Preview, and render it as the Markdown PR comment (exit 1 if the preview fails)."""
    from .plan_summary import preview_markdown

    st = _open(stack, project_dir)
    markdown, ok = preview_markdown(st, stack, **_policy_args(policy_packs, policy_configs),
                                    on_output=lambda line: click.echo(line.rstrip("\n"), err=True))
    if out:
        out.write_text(markdown)
    else:
        click.echo(markdown, nl=False)
    if not ok:
        raise SystemExit(1)


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
