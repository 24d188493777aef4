"""The ``webex-iac discover`` click command."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import click
from rich.console import Console
from rich.table import Table

from webex_client import WebexError

from ..project import project_dir_option
from .connection import Connection, DiscoverError, connect, validate_base_url_option, validate_stack_name
from .document import build_document, load_existing, validate_text, write_text
from .notes import Notes, header_lines, notes_lines
from .org_read import DEFAULT_HORIZON_DAYS, DEFAULT_MAX_HOST_SCANS, OrgRead, Steps, read_org
from .yaml_doc import render


def default_stack_path(project_dir: Path, stack: str) -> Path:
    return project_dir / "stacks" / f"{stack}.yaml"


def run_discover(
    conn: Connection,
    path: Path,
    *,
    owner: str | None,
    max_host_scans: int,
    horizon_days: int,
    steps: Steps,
    display: str | None = None,
) -> tuple[str, list[str], OrgRead, Notes]:
    existing = load_existing(path)
    org = read_org(conn, steps=steps, max_host_scans=max_host_scans, horizon_days=horizon_days)
    owner = owner or org.me_email or "unowned"
    doc, changes, notes = build_document(existing, org, stack=conn.stack, owner=owner)
    text = render(doc, header_lines(org), notes_lines(org, notes))
    validate_text(text, display or str(path))
    return text, changes, org, notes


common_options = [
    click.option(
        "--stack",
        "-s",
        required=True,
        callback=validate_stack_name,
        help="Stack: its config (token, baseUrl) and stacks/<stack>.yaml.",
    ),
    click.option(
        "--base-url",
        callback=validate_base_url_option,
        help="Webex API root (default: the stack's webex:baseUrl, else https://webexapis.com/v1).",
    ),
    project_dir_option("Directory holding Pulumi.yaml and stacks/"),
    click.option(
        "--requests-per-second",
        type=click.FloatRange(min=0),
        default=None,
        help="Client-side read rate ceiling (0 = unthrottled; default: the stack's webex:requestsPerSecond, else the client finds the limit).",
    ),
]


def with_common(f: Callable) -> Callable:
    for opt in reversed(common_options):
        f = opt(f)
    return f


@click.command("discover")
@with_common
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write here instead of stacks/<stack>.yaml (an existing file is updated in place).",
)
@click.option("--owner", help="Owner of new entries (default: the email of the token's user).")
@click.option(
    "--max-host-scans",
    type=click.IntRange(min=0),
    default=DEFAULT_MAX_HOST_SCANS,
    show_default=True,
    help="At most this many GET /meetings?hostEmail= calls.",
)
@click.option(
    "--horizon-days",
    type=click.IntRange(min=1, max=3650),
    default=DEFAULT_HORIZON_DAYS,
    show_default=True,
    help="Adopt series with an occurrence in this many days.",
)
@click.option("--progress/--no-progress", default=None, help="Progress bars (default: on a terminal).")
def discover_command(
    stack: str,
    base_url: str | None,
    project_dir: Path,
    requests_per_second: float | None,
    out: Path | None,
    owner: str | None,
    max_host_scans: int,
    horizon_days: int,
    progress: bool | None,
) -> None:
    """Read the live org and write stacks/STACK.yaml so that `up` adopts it, writing nothing."""
    path = out or default_stack_path(project_dir, stack)
    if path.exists() and path.is_dir():
        raise click.BadParameter(f"{path} is a directory", param_hint="--out")
    conn = connect(stack, project_dir, base_url, requests_per_second)
    try:
        with Steps(progress) as steps:
            before = path.read_text() if path.exists() else None
            text, changes, org, notes = run_discover(
                conn, path, owner=owner, max_host_scans=max_host_scans, horizon_days=horizon_days, steps=steps
            )
    except WebexError as e:
        raise DiscoverError(f"reading the org failed: {e.status or ''} {e.message or e}".strip()) from None
    finally:
        conn.close()
    changed = before != text
    if changed:
        write_text(path, text)
    _print_summary(path, org, notes, changes, before is None, changed)


def _print_summary(path: Path, org: OrgRead, notes: Notes, changes: list[str], created: bool, changed: bool) -> None:
    console = Console()
    verb = "wrote" if created else ("updated" if changed else "unchanged:")
    console.print(f"[bold]{verb}[/bold] {path}")
    table = Table(show_header=True, header_style="bold")
    for col in ("found", "count", "declared as"):
        table.add_column(col)
    table.add_row("meeting sites", str(len(org.sites())), "sites (MeetingSite, adopted by siteUrl)")
    held = [l for l in org.licenses if org.holders[l.id]]
    table.add_row("license pools with holders", str(len(held)), "licenses (exclusive pools)")
    table.add_row("standing meeting series", str(len(org.meetings) - len(notes.not_adoptable)), "meetings (adoptMeetingId)")
    table.add_row("space meetings (roomId)", str(len(org.space_meetings)), "notes only (error 30105)")
    table.add_row("application grants", str(len(org.apps)), "notes only (serviceApps template)")
    console.print(table)
    if not created:
        if changes:
            console.print(f"{len(changes)} change(s) from the org:")
            for c in changes[:50]:
                console.print(f"  {c}", markup=False, highlight=False)
            if len(changes) > 50:
                console.print(f"  … and {len(changes) - 50} more")
        elif changed:
            console.print("no declaration changed; the summary comments (counts) were refreshed")
        else:
            console.print("the org has not changed since the file was written")
