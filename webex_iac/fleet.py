"""`webex-iac fleet`: one stack per org, reconciled in parallel, one org's failure isolated.

``fleet.yaml`` lists the orgs; each is a stack of this project (``stacks/<stack>.yaml`` declares
it) with a reference to its credentials, never the credentials themselves::

    # fleet.yaml
    backend: postgres://pulumi@db.internal:5432/pulumi?sslmode=require   # optional
    orgs:
      - stack: acme                        # declared in stacks/acme.yaml
        token: {env: ACME_WEBEX_TOKEN}     # the org's admin token, from the environment
      - stack: globex
        baseUrl: https://webexapis.com/v1  # optional (default: the stack's webex:baseUrl)
        token: {file: /run/secrets/globex-webex-token}
      - stack: initech                     # no token: the stack's own secret webex:token

Each org runs through the Automation API on the project directory (the project's own program,
via the language host), in a thread of a pool of ``--parallel K``: every org has its own
``pulumi`` process, language host and provider process, so an org that fails (bad credentials,
an API outage, an invalid stack file) fails only its own row; the others run to the end. The
token reaches only that org's processes, through the environment (``WEBEX_ACCESS_TOKEN``): never argv,
config or state. Stacks are locked by the backend, so two machines running overlapping slices
refuse rather than interleave; ``--slice i/n`` gives each CI job a disjoint one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from . import engine
from .project import project_dir_option
from .stack_file import StackFileError

_STACK = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


class SecretRef(BaseModel):
    """Where a secret comes from: an environment variable or a file (e.g. a mounted secret)."""

    model_config = ConfigDict(extra="forbid")
    env: str | None = Field(default=None, description="Name of an environment variable holding it.")
    file: str | None = Field(default=None, description="Path of a file holding it (relative to fleet.yaml).")

    @model_validator(mode="after")
    def _one(self) -> "SecretRef":
        if (self.env is None) == (self.file is None):
            raise ValueError("give exactly one of env or file")
        return self

    def describe(self) -> str:
        return f"${self.env}" if self.env else f"file {self.file}"

    def resolve(self, base: Path) -> str:
        if self.env:
            value = os.environ.get(self.env)
            if not value:
                raise FleetError(f"environment variable {self.env} is not set")
            return value
        assert self.file is not None  # the validator requires exactly one of env and file
        path = (base / self.file).resolve()
        try:
            return path.read_text().strip()
        except OSError as e:
            raise FleetError(f"cannot read {self.file}: {e.strerror}") from None


class FleetOrg(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    stack: str = Field(description="Stack name; the org is declared in stacks/<stack>.yaml.")
    base_url: str | None = Field(
        default=None, alias="baseUrl", description="Webex API base URL (default: the stack's webex:baseUrl)."
    )
    token: SecretRef | None = Field(
        default=None,
        description="The org's admin token, for a stack without a webex:token config of its own (that config, when set, wins).",
    )
    passphrase: SecretRef | None = Field(
        default=None, description="Secrets passphrase of the stack (default: $PULUMI_CONFIG_PASSPHRASE)."
    )

    @field_validator("stack")
    @classmethod
    def _stack_name(cls, v: str) -> str:
        if not _STACK.match(v):
            raise ValueError(f"{v!r} is not a stack name (letters, digits, _ . -)")
        return v


class FleetFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    backend: str | None = Field(
        default=None,
        description="Pulumi backend URL shared by the fleet (default: $PULUMI_BACKEND_URL, else the project's "
        "file:// backend). postgres://user@host:port/db?sslmode=… is Pulumi's DIY PostgreSQL backend.",
    )
    orgs: list[FleetOrg] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> "FleetFile":
        seen: set[str] = set()
        for org in self.orgs:
            if org.stack in seen:
                raise ValueError(f"stack {org.stack!r} is listed twice")
            seen.add(org.stack)
        return self


class FleetError(Exception):
    """One org cannot run; the message says why (never a secret)."""


@dataclass
class Fleet:
    path: Path
    spec: FleetFile

    @property
    def orgs(self) -> list[FleetOrg]:
        return self.spec.orgs


def _where(data: Any, loc: tuple[Any, ...]) -> tuple[int | None, int | None, str]:
    """1-based line and column of the deepest node of ``loc`` in the YAML, and the field path."""
    node, pos, path = data, (data.lc.line, data.lc.col), ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        if isinstance(node, CommentedMap) and part in node:
            pos, node = node.lc.key(part), node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
            pos, node = node.lc.item(part), node[part]
    return pos[0] + 1, pos[1] + 1, path


def load_fleet(path: str | Path, display: str | None = None) -> Fleet:
    """Parse and validate fleet.yaml; errors are file:line:col: field: message."""
    path = Path(path)
    shown = display or str(path)
    try:
        data = YAML(typ="rt").load(path.read_text())
    except FileNotFoundError:
        raise StackFileError(shown, [(None, None, "", "no such file")]) from None
    except MarkedYAMLError as e:
        mark = e.problem_mark
        raise StackFileError(
            shown, [(mark.line + 1 if mark else None, mark.column + 1 if mark else None, "", f"YAML syntax: {e.problem}")]
        ) from None
    if not isinstance(data, CommentedMap):
        raise StackFileError(shown, [(1, 1, "", "the file must be a mapping with `orgs`")])
    try:
        spec = FleetFile.model_validate(json.loads(json.dumps(data, default=str)))
    except ValidationError as e:
        problems = []
        for err in e.errors():
            line, col, where = _where(data, tuple(err["loc"]))
            problems.append((line, col, where, err["msg"].removeprefix("Value error, ")))
        raise StackFileError(shown, problems) from None
    return Fleet(path.resolve(), spec)


def select(orgs: list[FleetOrg], only: tuple[str, ...] = (), slice_: str | None = None) -> list[FleetOrg]:
    """The orgs this run reconciles: ``only`` names, and/or slice ``i/n`` (every n-th org from the
    i-th, in file order: disjoint slices that cover the fleet, stable while orgs are appended)."""
    out = orgs
    if only:
        unknown = set(only) - {o.stack for o in orgs}
        if unknown:
            raise FleetError(f"not in the fleet: {', '.join(sorted(unknown))}")
        out = [o for o in out if o.stack in only]
    if slice_:
        m = re.fullmatch(r"(\d+)/(\d+)", slice_)
        if not m or not 1 <= int(m[1]) <= int(m[2]):
            raise FleetError(f"--slice {slice_!r}: expected i/n with 1 <= i <= n, e.g. 2/4")
        i, n = int(m[1]), int(m[2])
        out = [o for k, o in enumerate(out) if k % n == i - 1]
    return out


# -- running ------------------------------------------------------------------------------------

Op = Literal["up", "preview"]


@dataclass
class OrgResult:
    stack: str
    result: str = "queued"  # queued | running | ok | failed
    changed: int = 0  # declared resources created/updated/replaced/deleted (preview: would be)
    api_calls: int | None = None  # HTTP requests the provider sent (retries included)
    api_writes: int | None = None
    seconds: float = 0.0
    error: str = ""
    steps_done: int = 0
    steps_seen: int = 0
    log: Path | None = None
    changes: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.result == "ok"

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "result": self.result,
            "changed": self.changed,
            "changes": self.changes,
            "apiCalls": self.api_calls,
            "apiWrites": self.api_writes,
            "seconds": round(self.seconds, 2),
            "error": self.error,
        }


Progress = Callable[[OrgResult], None]

_WRITES = {"POST", "PUT", "PATCH", "DELETE"}
_CHANGES = {"create", "update", "delete", "replace"}


def _org_env(fleet: Fleet, org: FleetOrg, calls_file: Path, home: Path) -> dict[str, str]:
    env = {"WEBEX_IAC_API_CALLS_FILE": str(calls_file), "PULUMI_HOME": str(home)}
    backend = fleet.spec.backend or os.environ.get("PULUMI_BACKEND_URL")
    if backend:
        env["PULUMI_BACKEND_URL"] = backend
    if org.token is not None:
        # The variable the providers read first: an ambient WEBEX_ACCESS_TOKEN must never win.
        env["WEBEX_ACCESS_TOKEN"] = org.token.resolve(fleet.path.parent)
    if org.base_url:
        env["WEBEX_BASE_URL"] = org.base_url
    if org.passphrase is not None:
        env["PULUMI_CONFIG_PASSPHRASE"] = org.passphrase.resolve(fleet.path.parent)
    return env


def _error_text(e: BaseException, diagnostics: list[str]) -> str:
    """What went wrong, short: the engine's error diagnostics, else the command's stderr."""
    # Policy violations first, then the rest; "preview failed"/"update failed" add nothing.
    said: list[str] = []
    for d in (d.strip() for d in diagnostics):
        if d and d not in ("preview failed", "update failed") and d not in said:
            said.append(d)
    said.sort(key=lambda d: not d.startswith("policy "))  # stable: otherwise in the order said
    if said:
        text = " | ".join(said)
    else:
        # The command's own words are at the end of its output.
        text = (getattr(e, "stderr", None) or "").strip() or str(e).strip()[-400:]
    text = re.sub(r"\s+", " ", text).strip()
    return text[:400] + ("…" if len(text) > 400 else "")


def run_org(
    fleet: Fleet,
    org: FleetOrg,
    project_dir: Path,
    op: Op,
    work: Path,
    progress: Progress = lambda r: None,
    policy: dict[str, Any] | None = None,
) -> OrgResult:
    """Reconcile one org. Never raises: everything that goes wrong is its row's ``error``.

    With policy packs, ``up`` first previews with them and applies only if that passes: the
    Automation API's ``up`` skips its own preview, and stack policies would otherwise judge only
    after the writes."""
    log_path = work / f"{org.stack}.log"
    res = OrgResult(org.stack, log=log_path)
    calls_file = work / f"{org.stack}.calls"
    diagnostics: list[str] = []
    lock = threading.Lock()

    def on_gate_event(ev) -> None:
        # The gating preview: only what explains a refusal.
        if ev.diagnostic_event is not None and ev.diagnostic_event.severity == "error":
            diagnostics.append(ev.diagnostic_event.message)
        elif ev.policy_event is not None and ev.policy_event.enforcement_level == "mandatory":
            # Its message is the policy's description, then what this change did wrong.
            why = (ev.policy_event.message.strip().splitlines() or [""])[-1].strip()
            diagnostics.append(f"policy {ev.policy_event.policy_name}: {why}")

    def on_event(ev) -> None:
        with lock:
            if ev.resource_pre_event is not None:
                res.steps_seen += 1
            elif ev.res_outputs_event is not None:
                res.steps_done += 1
                meta = ev.res_outputs_event.metadata
                op_name = str(getattr(meta.op, "value", meta.op)).lower()
                # Declared resources only (not the stack or a provider); a replace counts once.
                if op_name in _CHANGES and not meta.type.startswith("pulumi:"):
                    res.changed += 1
            elif ev.res_op_failed_event is not None:
                res.steps_done += 1
            elif ev.diagnostic_event is not None and ev.diagnostic_event.severity == "error":
                diagnostics.append(ev.diagnostic_event.message)
            elif ev.summary_event is not None:
                res.changes = {str(getattr(k, "value", k)): v for k, v in ev.summary_event.resource_changes.items()}
        progress(res)

    started = time.monotonic()
    res.result = "running"
    progress(res)
    try:
        with open(log_path, "w") as log:
            # Its own PULUMI_HOME per org: parallel `stack select`s would race on one workspace file.
            env = _org_env(fleet, org, calls_file, _org_home(project_dir, org))
            settings = engine.EngineSettings(project_dir=project_dir, extra_env=env)
            stack = engine.open_stack(org.stack, None, settings)
            out = lambda line: print(line, file=log, flush=True)  # noqa: E731
            if op == "up" and policy:
                stack.preview(on_output=out, on_event=on_gate_event, color="never", **policy)
            action = stack.up if op == "up" else stack.preview
            action(on_event=on_event, on_output=out, color="never", **(policy or {}))
        res.result = "ok"
    except Exception as e:  # noqa: BLE001 — one org's failure, whatever it is, is its row only
        res.result = "failed"
        res.error = _error_text(e, diagnostics)
    res.seconds = time.monotonic() - started
    if calls_file.exists():
        methods = calls_file.read_text().split()
        res.api_calls, res.api_writes = len(methods), sum(m in _WRITES for m in methods)
    else:
        res.api_calls = res.api_writes = 0
    progress(res)
    return res


def _org_home(project_dir: Path, org: FleetOrg) -> Path:
    return Path(os.environ.get("PULUMI_HOME") or project_dir / ".pulumi-home") / "fleet" / org.stack


def _initialise_backend(fleet: Fleet, org: FleetOrg, project_dir: Path, work: Path) -> None:
    """Open one stack before going parallel. Pulumi's DIY backend sets itself up on first use
    (postgres: ``CREATE TABLE IF NOT EXISTS pulumi_state``, which races in PostgreSQL when two
    sessions run it at once; every backend: ``.pulumi/meta.yaml``), so on a fresh backend two
    orgs starting together could fail one of them for nothing."""
    env = _org_env(fleet, org, work / f"{org.stack}.calls", _org_home(project_dir, org))
    try:
        engine.open_stack(org.stack, None, engine.EngineSettings(project_dir=project_dir, extra_env=env))
    except Exception:  # noqa: BLE001 — run_org reports this org's failure in its own row
        pass


def run_fleet(
    fleet: Fleet,
    orgs: list[FleetOrg],
    project_dir: Path,
    *,
    op: Op = "up",
    parallel: int = 4,
    progress: Progress = lambda r: None,
    work_dir: Path | None = None,
    policy_packs: tuple[str, ...] = (),
    policy_configs: tuple[str, ...] = (),
) -> list[OrgResult]:
    """Reconcile ``orgs`` with at most ``parallel`` at a time; results in fleet order."""
    work = work_dir or Path(tempfile.mkdtemp(prefix="webex-iac-fleet-"))
    work.mkdir(parents=True, exist_ok=True)
    for org in orgs:
        (work / f"{org.stack}.calls").unlink(missing_ok=True)
    if parallel > 1 and len(orgs) > 1:
        _initialise_backend(fleet, orgs[0], project_dir, work)
    with ThreadPoolExecutor(max_workers=max(1, parallel), thread_name_prefix="fleet") as pool:
        policy = (
            {
                "policy_packs": [os.path.abspath(p) for p in policy_packs],
                "policy_pack_configs": [os.path.abspath(c) for c in policy_configs] or None,
            }
            if policy_packs
            else None
        )
        futures = [pool.submit(run_org, fleet, org, project_dir, op, work, progress, policy) for org in orgs]
        return [f.result() for f in futures]


# -- presentation (rich) --------------------------------------------------------------------------


def summary_table(results: list[OrgResult], op: Op, wall: float):
    from rich.markup import escape
    from rich.table import Table

    verb = "would change" if op == "preview" else "changed"
    ok = sum(r.ok for r in results)
    table = Table(title=f"webex-iac fleet {op}: {ok}/{len(results)} orgs ok in {wall:.1f}s", title_justify="left")
    table.add_column("org")
    table.add_column(f"resources {verb}", justify="right")
    table.add_column("API calls (writes)", justify="right")
    table.add_column("seconds", justify="right")
    table.add_column("result")
    for r in results:
        error = r.error if len(r.error) <= 160 else r.error[:160] + "…"
        detail = "ok" if r.ok else f"[red]failed[/red]: {escape(error)}"
        if r.ok and r.changed == 0:
            detail = "ok, no changes"
        table.add_row(r.stack, str(r.changed), f"{r.api_calls} ({r.api_writes})", f"{r.seconds:.1f}", detail)
    return table


class LiveProgress:
    """One row per org: state, resources done/seen, elapsed (rich; plain lines when not a TTY)."""

    def __init__(self, console, orgs: list[FleetOrg]) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.console = console
        self.progress = Progress(
            TextColumn("{task.description:<16}"),
            TextColumn("{task.fields[state]:<8}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("resources"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self.tasks = {o.stack: self.progress.add_task(o.stack, total=None, start=False, state="queued") for o in orgs}
        self._lock = threading.Lock()
        self._started: set[str] = set()

    def __enter__(self):
        self.progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.__exit__(*exc)

    def __call__(self, r: OrgResult) -> None:
        with self._lock:
            task = self.tasks[r.stack]
            if r.stack not in self._started:
                self._started.add(r.stack)
                self.progress.start_task(task)
            done = r.result in ("ok", "failed")
            total = max(r.steps_seen, r.steps_done) or None
            self.progress.update(
                task,
                completed=r.steps_done if not done else (total or 0),
                total=total if not done else (total or 0),
                state=r.result,
            )
            if done:
                self.progress.stop_task(task)
                if not self.console.is_terminal:
                    self.console.print(
                        f"{r.stack}: {r.result} in {r.seconds:.1f}s" + (f": {r.error}" if r.error else ""),
                        markup=False,
                        highlight=False,
                    )


# -- command line (registered in cli.py) ------------------------------------------------------------


def _command():
    import click
    from rich.console import Console

    @click.command("fleet")
    @click.option(
        "--file",
        "-f",
        "fleet_file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=Path("fleet.yaml"),
        show_default=True,
        help="The fleet: orgs, stacks, credentials.",
    )
    @click.option(
        "--parallel", "-p", type=click.IntRange(min=1), default=4, show_default=True, help="Orgs reconciled at the same time."
    )
    @click.option("--org", "only", multiple=True, help="Only this stack (repeatable).")
    @click.option("--slice", "slice_", metavar="I/N", help="Only the I-th of N disjoint slices (one per CI job / machine).")
    @click.option("--preview", "preview_only", is_flag=True, help="Preview every org instead of applying.")
    @click.option(
        "--summary-json",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Also write the summary as JSON here (a CI artifact).",
    )
    @click.option(
        "--policy-pack",
        "policy_packs",
        multiple=True,
        help="Policy pack to enforce on every org (repeatable); up previews with it before applying.",
    )
    @click.option(
        "--policy-pack-config", "policy_configs", multiple=True, help="JSON config of the --policy-pack at the same position."
    )
    @click.option(
        "--log-dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Keep each org's engine log here (default: a temp dir, kept only if an org failed).",
    )
    @project_dir_option()
    def fleet(
        fleet_file: Path,
        parallel: int,
        only: tuple[str, ...],
        slice_: str | None,
        preview_only: bool,
        summary_json: Path | None,
        policy_packs: tuple[str, ...],
        policy_configs: tuple[str, ...],
        log_dir: Path | None,
        project_dir: Path,
    ) -> None:
        """Reconcile every org of fleet.yaml (one stack each), --parallel at a time.

        Exits 1 if any org failed; the others still run to the end.
        """
        try:
            spec = load_fleet(fleet_file)
            orgs = select(spec.orgs, only, slice_)
        except (StackFileError, FleetError) as e:
            raise click.ClickException(str(e)) from None
        if policy_configs and len(policy_configs) != len(policy_packs):
            raise click.UsageError("give one --policy-pack-config per --policy-pack")
        if not orgs:
            click.echo("no orgs in this slice")
            return
        op: Op = "preview" if preview_only else "up"
        console = Console()
        work = log_dir or Path(tempfile.mkdtemp(prefix="webex-iac-fleet-"))
        started = time.monotonic()
        with LiveProgress(console, orgs) as live:
            results = run_fleet(
                spec,
                orgs,
                project_dir.resolve(),
                op=op,
                parallel=parallel,
                progress=live,
                work_dir=work,
                policy_packs=policy_packs,
                policy_configs=policy_configs,
            )
        wall = time.monotonic() - started
        console.print(summary_table(results, op, wall))
        if summary_json:
            summary_json.write_text(
                json.dumps(
                    {"op": op, "parallel": parallel, "seconds": round(wall, 2), "orgs": [r.to_json() for r in results]}, indent=2
                )
            )
        failed = [r for r in results if not r.ok]
        if failed:
            console.print(f"{len(failed)} org(s) failed; engine logs: {work}", markup=False, highlight=False)
            raise SystemExit(1)
        if log_dir is None:
            shutil.rmtree(work, ignore_errors=True)  # logs are kept only when something failed

    return fleet


fleet_command = _command()
