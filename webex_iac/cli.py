"""Command line: run the engine on a stack (up, preview, refresh, destroy) and the extras.

``up``, ``refresh`` and ``destroy`` are the plain ``pulumi`` CLI on the project directory (the
command line is printed first): ``up`` without ``--yes`` shows the plan and asks, as ``pulumi up``
does, and ``up`` always previews (with the policy packs) before it writes. ``preview`` and
``plan-summary`` read the engine's events through the Automation API on the project directory,
which runs the same ``__main__.py`` through the same language host.

Every command refuses an unknown stack name before anything is created (see
:func:`ensure_stack`).
"""

from __future__ import annotations

import difflib
import os
import shlex
import subprocess
import sys
from pathlib import Path

import click

from . import engine
from .project import CODE_PACKAGE, activate_for_args, find_project_dir, no_project_error, project_dir_option


def _settings(project_dir: Path) -> engine.EngineSettings:
    return engine.EngineSettings(project_dir=project_dir)


def _config_dir(project_dir: Path) -> Path:
    """Where the project keeps Pulumi.<stack>.yaml (Pulumi.yaml's stackConfigDir)."""
    from ruamel.yaml import YAML

    try:
        doc = YAML(typ="safe").load((project_dir / "Pulumi.yaml").read_text()) or {}
    except (OSError, ValueError):
        doc = {}
    return project_dir / str(doc.get("stackConfigDir") or ".")


def ensure_stack(stack: str, project_dir: Path) -> None:
    """Refuse an unknown stack name before anything is created; create a known one.

    Known: the backend has it, or the project carries its Pulumi config
    (``stacks/Pulumi.<stack>.yaml``, e.g. the dev stack on a fresh clone, which is then created
    in the backend from that file). Anything else is most likely a typo (``--stack prdo``):
    refused with the close matches and the command that really starts a new stack, without
    writing a stack, a state file or a ``Pulumi.<stack>.yaml``.
    """
    from pulumi import automation as auto

    if not (project_dir / "Pulumi.yaml").exists():
        raise click.ClickException(f"{project_dir} has no Pulumi.yaml: not a Pulumi project")
    try:
        env = _settings(project_dir).env(stack, secrets=False)
        engine.prepare(env)
        ws = auto.LocalWorkspace(
            work_dir=str(project_dir),
            env_vars=env,
            pulumi_command=engine.pulumi_command(),
        )
        in_backend = {s.name.rsplit("/", 1)[-1] for s in ws.list_stacks()}
    except engine.EngineError as e:
        raise click.ClickException(str(e)) from None
    except auto.errors.CommandError as e:
        raise click.ClickException(f"cannot list the stacks of {project_dir}: {str(e).strip()[-500:]}") from None
    name = stack.rsplit("/", 1)[-1]
    if name in in_backend:
        return
    config_dir = _config_dir(project_dir)
    if (config_dir / f"Pulumi.{name}.yaml").exists():
        try:
            # Its secrets provider (the passphrase) is checked when the stack is created.
            ws.env_vars = _settings(project_dir).env(stack)
            ws.create_stack(stack)
        except engine.EngineError as e:
            raise click.ClickException(str(e)) from None
        return
    known = sorted(
        in_backend
        | {p.name[len("Pulumi.") : -len(".yaml")] for p in config_dir.glob("Pulumi.*.yaml")}
        | {p.stem for p in (project_dir / "stacks").glob("*.yaml") if not p.name.startswith("Pulumi.")}
    )
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    rel = os.path.relpath(config_dir / f"Pulumi.{name}.yaml", project_dir)
    raise click.ClickException(
        f"unknown stack {name!r}: the backend has no such stack and there is no {rel}.{hint} "
        f"Known stacks: {', '.join(known) or 'none'}. To start a new stack: `pulumi stack init {name}` "
        '(then set its webex:* config; see the README, "Pointing a stack at a real org").'
    )


def _open(stack: str, project_dir: Path):
    ensure_stack(stack, project_dir)
    try:
        return engine.open_stack(stack, settings=_settings(project_dir), create=False)
    except engine.EngineError as e:
        raise click.ClickException(str(e)) from None


def _run(action, *args, **kwargs):
    from pulumi.automation.errors import CommandError

    try:
        return action(
            *args, on_output=lambda line: click.echo(line, nl=False) if line.endswith("\n") else click.echo(line), **kwargs
        )
    except CommandError as e:
        # The engine streamed its diagnostics to stdout; what it said on stderr (a locked
        # stack, a bad flag) would otherwise be lost.
        stderr = getattr(e, "stderr", None) or str(e).partition(" stderr: ")[2]
        if stderr.strip():
            click.echo(stderr.strip(), err=True)
        raise SystemExit(1) from e


def _plain(stack: str, project_dir: Path, *args: str) -> None:
    """Run ``pulumi <args> --stack <stack>`` in the project, on this terminal; exit with its code."""
    ensure_stack(stack, project_dir)
    try:
        env = {**os.environ, **_settings(project_dir).env(stack)}
        argv = engine.pulumi_argv(*args, "--stack", stack)
    except engine.EngineError as e:
        raise click.ClickException(str(e)) from None
    engine.prepare(env)
    click.echo(f"$ {shlex.join(['pulumi', *argv[1:]])}", err=True)
    sys.stdout.flush()
    rc = subprocess.run(argv, cwd=project_dir, env=env).returncode
    if rc:
        raise SystemExit(rc)


stack_option = click.option("--stack", "-s", default="dev", show_default=True, help="Stack to operate on.")
# Found as `pulumi` finds it: the nearest Pulumi.yaml at or above the current directory
# (webex_iac/project.py); the env var lets tests run the CI workflow's exact commands on a scratch project.
project_option = project_dir_option()
policy_option = click.option(
    "--policy-pack",
    "policy_packs",
    multiple=True,
    help="Policy pack directory to enforce (e.g. policies); repeatable.",
)
policy_config_option = click.option(
    "--policy-pack-config",
    "policy_configs",
    multiple=True,
    help="JSON config of the --policy-pack at the same position (overrides what the pack applies itself).",
)


def _policy_args(policy_packs: tuple[str, ...], policy_configs: tuple[str, ...]) -> dict:
    """Engine arguments for the packs: directories, and one config file per pack (or none: a
    pack applies its own config, e.g. policies/config.json)."""
    # Absolute, not resolved: a pack reached through a symlink belongs to the project holding the link.
    packs = [os.path.abspath(p) for p in policy_packs]
    if policy_configs and len(policy_configs) != len(packs):
        raise click.UsageError("give one --policy-pack-config per --policy-pack")
    configs = [os.path.abspath(c) for c in policy_configs]
    return {"policy_packs": packs or None, "policy_pack_configs": configs or None}


def _policy_flags(policy_packs: tuple[str, ...], policy_configs: tuple[str, ...]) -> list[str]:
    """The same, as the plain CLI's flags."""
    args = _policy_args(policy_packs, policy_configs)
    flags: list[str] = []
    for p in args["policy_packs"] or []:
        flags += ["--policy-pack", p]
    for c in args["policy_pack_configs"] or []:
        flags += ["--policy-pack-config", c]
    return flags


# Commands whose modules import the project's resources/ (not installed: webex_iac/project.py)
# at their top. They are imported when named, after the project they will work on is activated,
# so `import webex_iac.cli` and `webex-iac --help` work anywhere.
_PROJECT_COMMANDS = {
    # Adopting an existing org (issue #7): webex_iac/discover/, webex_iac/migration_report.py.
    "discover": ("webex_iac.discover", "discover_command"),
    "migration-report": ("webex_iac.migration_report", "migration_report_command"),
    # Teams and fleets (issue #17): one stack per org, in parallel (webex_iac/fleet.py).
    "fleet": ("webex_iac.fleet", "fleet_command"),
    # Rehearsing a migration (issue #18): webex_iac/snapshot.py, webex_iac/rehearse.py.
    "snapshot": ("webex_iac.snapshot", "snapshot_command"),
    "rehearse": ("webex_iac.rehearse", "rehearse_command"),
}


class _Commands(click.Group):
    """``main``'s group: the commands above load on first use (click's lazy-subcommand pattern)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_PROJECT_COMMANDS})

    def resolve_command(self, ctx: click.Context, args: list[str]):
        if args and args[0] in _PROJECT_COMMANDS and args[0] not in self.commands:
            self.project_root = activate_for_args(args[1:])
        return super().resolve_command(ctx, args)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.commands or name not in _PROJECT_COMMANDS:
            return super().get_command(ctx, name)
        import importlib

        module, attr = _PROJECT_COMMANDS[name]
        try:
            command = getattr(importlib.import_module(module), attr)
        except ModuleNotFoundError as e:
            if e.name != CODE_PACKAGE:
                raise
            return _needs_project(name, getattr(self, "project_root", None) or find_project_dir())
        self.add_command(command, name)
        return command


def _needs_project(name: str, root: Path | None) -> click.Command:
    """Stands in for a command whose project code (resources/) was not found: says so when run."""

    def fail() -> None:
        if root is None:
            raise no_project_error()
        raise click.UsageError(
            f"cannot import {CODE_PACKAGE}: {root} has no {CODE_PACKAGE}/ package (the project's providers, "
            "which live in the project, not in the installed webex-iac)"
        )

    return click.Command(
        name,
        callback=fail,
        help="(run inside a webex-iac project)",
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    )


@click.group(cls=_Commands)
@click.option("--debug", is_flag=True, help="Show Python tracebacks of provider errors (sets WEBEX_IAC_DEBUG=1).")
def main(debug: bool) -> None:
    """webex-iac: declare a Webex org in stacks/<stack>.yaml and reconcile it with Pulumi."""
    if debug:
        # Inherited by the engine and its provider processes (resources/_errors.py).
        os.environ["WEBEX_IAC_DEBUG"] = "1"


@main.command()
@stack_option
@project_option
@policy_option
@policy_config_option
@click.option("--yes", "-y", is_flag=True, help="Apply without asking (after the preview and its policy checks pass).")
def up(stack: str, project_dir: Path, policy_packs: tuple[str, ...], policy_configs: tuple[str, ...], yes: bool) -> None:
    """Make the org match the stack's declarations: `pulumi up` (previews, checks, then asks)."""
    # No --skip-preview ever: the preview runs every check and policy (stack policies too)
    # before the update may write anything.
    _plain(stack, project_dir, "up", *(["--yes"] if yes else []), *_policy_flags(policy_packs, policy_configs))


@main.command()
@stack_option
@project_option
@policy_option
@policy_config_option
@click.option("--expect-no-changes", is_flag=True, help="Fail if the preview shows any change at all.")
@click.option(
    "--expect-no-drift",
    is_flag=True,
    help="Fail (exit 3) if the org differs from the declaration. Unlike --expect-no-changes, a "
    "Service App token that is merely due for renewal is reported, not failed.",
)
@click.option("--diff", is_flag=True, help="Show property-level diffs.")
def preview(
    stack: str,
    project_dir: Path,
    policy_packs: tuple[str, ...],
    policy_configs: tuple[str, ...],
    expect_no_changes: bool,
    expect_no_drift: bool,
    diff: bool,
) -> None:
    """Show what up would change, including drift made outside Pulumi."""
    st = engine.for_preview(_open(stack, project_dir))
    steps: list = []
    _run(
        st.preview,
        **_policy_args(policy_packs, policy_configs),
        expect_no_changes=expect_no_changes,
        diff=diff,
        color="auto",
        on_event=lambda ev: steps.append(ev.resource_pre_event.metadata) if ev.resource_pre_event else None,
    )
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
    from resources import ServiceApp

    drift, renewals = [], []
    for m in steps:
        op = str(getattr(m.op, "value", m.op)).lower()
        if op in ("same", "read", "refresh"):
            continue
        if op == "update" and m.type == ServiceApp.TYPE_NAME and not (m.diffs or []):
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
def plan_summary(
    stack: str, project_dir: Path, policy_packs: tuple[str, ...], policy_configs: tuple[str, ...], out: Path | None
) -> None:
    """Preview, and render it as the Markdown PR comment (exit 1 if the preview fails)."""
    from .plan_summary import preview_markdown

    st = engine.for_preview(_open(stack, project_dir))
    markdown, ok = preview_markdown(
        st, stack, **_policy_args(policy_packs, policy_configs), on_output=lambda line: click.echo(line.rstrip("\n"), err=True)
    )
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
    """Read the live org into the stack's state (`pulumi refresh --yes`)."""
    _plain(stack, project_dir, "refresh", "--yes")


@main.command()
@stack_option
@project_option
@click.option("--yes", "-y", is_flag=True, help="Destroy without asking.")
def destroy(stack: str, project_dir: Path, yes: bool) -> None:
    """Stop managing everything the stack declared, undoing what it changed (`pulumi destroy`).

    Asks first, as `pulumi destroy` does, unless --yes."""
    _plain(stack, project_dir, "destroy", *(["--yes"] if yes else []))


@main.command("ensure-stack")
@stack_option
@project_option
def ensure_stack_command(stack: str, project_dir: Path) -> None:
    """Refuse an unknown stack name (suggesting close matches); create a stack the project carries config for."""
    ensure_stack(stack, project_dir)


@main.command("engine")
def engine_info() -> None:
    """Print which Pulumi engine is used."""
    try:
        bin_dir = engine.find_pulumi_bin_dir()
    except engine.EngineError as e:
        raise click.ClickException(str(e)) from None
    host = subprocess.run([str(bin_dir / "pulumi-language-python"), "-version"], capture_output=True, text=True).stdout.strip()
    click.echo(f"pulumi {engine.pulumi_version(bin_dir)}, pulumi-language-python {host or '?'} ({bin_dir})")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
