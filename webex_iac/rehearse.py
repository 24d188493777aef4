"""``webex-iac rehearse``: a dress rehearsal of ``up`` on a throwaway copy of the org.

What it does, in order:

1. loads the snapshot (``webex-iac snapshot``; for the dev stack without one, it snapshots a
   fresh sample-org emulator, which is what the dev stack points at);
2. starts a throwaway emulator seeded with it (its state in a temporary directory);
3. makes a temporary copy of the project: the same ``__main__.py`` and stack file — with emails,
   meeting titles and agendas mapped by the snapshot's pseudonymisation key when the snapshot
   is pseudonymised — its own ``file://`` backend, ``PULUMI_HOME``, random passphrase and
   config (base URL and token of the emulator, the real stack's plain ``webex:*`` tuning, the
   Service Apps' client secrets as the emulator issued them) and a copy of the policy pack
   (a pack reads the stack file of the project it ships in). The real stack's state and
   secrets are never opened;
4. runs ``webex-iac up --policy-pack policies`` in a child process — the same command users
   run, so it drives the engine exactly as ``up`` does — optionally under faults:
   ``storm`` (a 429 storm: a share of all requests answered 429 + Retry-After) and ``crash``
   (the child's whole process session is SIGKILLed after a few license writes, then a second
   ``up`` must converge);
5. runs ``webex-iac preview --expect-no-changes`` (no faults): convergence;
6. reads the emulator's request log (``/_emulator/requests/log`` via ``EmulatorServer``) and
   replays every license write on the org as it was seeded, which gives the report:

   * **waves**: the license scheduler sends frees first, then waves of moves that fit the free
     units; a wave is recovered from the log as a run of writes whose adds all fit the room
     that was free when the run began (the scheduler's own rule, seen from outside). Per wave
     and pool: units consumed before → after.
   * **users without a meeting license**: at every write, the users who held a meeting-site
     license at the start and hold none now; the maximum is reported. For hosts of standing
     meetings (the snapshot's series and the stack's meetings) the invariant is stricter:
     a host who held a license on the meeting's site never loses it, not even for one write.
     A 206 (partial) answer is replayed pessimistically (removes applied, adds not), because
     the log does not record which item failed.
   * **API calls** per phase and the **estimated wall time** at the real stack's
     ``webex:requestsPerSecond`` (unset: the client's adaptive starting rate). The rehearsal
     itself runs unthrottled; the estimate is calls ÷ rate, a lower bound that ignores latency.
   * **failures**: non-zero exits with the engine's error lines, and every 4xx/5xx the
     emulator answered that was not an injected fault.

The exit status is non-zero when an ``up`` (the last one) failed, the preview was not clean, or
an invariant broke. What a rehearsal cannot show: Service App authorization (no API lists it;
the rehearsal authorizes every app the stack declares) and anything the snapshot did not read
(meetings outside the discover horizon, see the snapshot's notes).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import click
import yaml

from . import engine
from .project import project_dir_option, python_path
from .sessions import kill_session
from .snapshot import Pseudonymiser, SnapshotError, connection_to, dumps, load_key, take_snapshot

FAULTS = ("storm", "crash")
# The storm: this share of every request is answered 429 with Retry-After: 1 (seeded RNG).
STORM_SHARE = 0.2
# The crash lands after this many license writes (latency on writes makes it land mid-run).
CRASH_AFTER_WRITES = 3
CRASH_WRITE_LATENCY_MS = 150
# The rehearsal's own client: no client-side ceiling, quick retries (an emulator answers fast).
REHEARSAL_CLIENT = {
    "webex:requestsPerSecond": "0",
    "webex:backoffBaseSeconds": "0.05",
    "webex:backoffCapSeconds": "1",
    "webex:maxRetryWaitSeconds": "120",
}
# Real-stack keys a rehearsal never copies: where and who (the emulator's instead).
_NOT_COPIED = {
    "webex:baseUrl",
    "webex:orgId",
    "webex:token",
    "webex:serviceAppId",
    "webex:serviceAppClientId",
    "webex:serviceAppClientSecret",
    "webex:mintingToken",
    "webex:requestsPerSecond",
}
_EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
LICENSE_WRITE = "PATCH /v1/licenses/users"


class RehearsalError(click.ClickException):
    """The rehearsal could not be set up (exit 1); a failed rehearsal exits 2."""


# =============================================================================================
# The temporary project
# =============================================================================================


def translate_stack_text(text: str, pseudo: Pseudonymiser | None) -> str:
    """The stack file as the rehearsal's org knows its people: emails (everywhere, comments
    too) and meeting titles/agendas through the snapshot's pseudonyms. Lines stay where they
    were, so an error in the copy points at the same line of the real file."""
    if pseudo is None:
        return text
    text = _EMAIL_IN_TEXT.sub(lambda m: pseudo.email(m.group(0)), text)
    doc = yaml.safe_load(text) or {}
    meetings = doc.get("meetings") if isinstance(doc, dict) else None
    if not isinstance(meetings, dict) or not meetings:
        return text
    from ruamel.yaml import YAML

    rt = YAML(typ="rt")
    rt.preserve_quotes = True
    rt.width = 4096
    data = rt.load(text)
    for m in data["meetings"].values():
        for k in ("title", "agenda"):
            if isinstance(m, dict) and isinstance(m.get(k), str):
                m[k] = pseudo.text(str(m[k]))
    import io

    buf = io.StringIO()
    rt.dump(data, buf)
    return buf.getvalue()


def real_stack_config(project_dir: Path, stack: str) -> dict[str, str]:
    """Plain (non-secret) values of the real stack's config file; secrets are never read."""
    doc = yaml.safe_load(_config_file(project_dir, stack).read_text()) if _config_file(project_dir, stack).exists() else None
    out: dict[str, str] = {}
    for k, v in ((doc or {}).get("config") or {}).items():
        if isinstance(v, (str, int, float, bool)) and not isinstance(v, dict):
            out[str(k)] = str(v).lower() if isinstance(v, bool) else str(v)
    return out


def _config_file(project_dir: Path, stack: str) -> Path:
    pj = yaml.safe_load((project_dir / "Pulumi.yaml").read_text()) or {}
    return project_dir / (pj.get("stackConfigDir") or ".") / f"Pulumi.{stack}.yaml"


def _with_absolute_venv(manifest: Path) -> dict[str, Any]:
    """A Pulumi.yaml / PulumiPolicy.yaml whose runtime virtualenv is absolute, for a copy that
    lives elsewhere (a relative one would make Pulumi create an empty virtualenv there)."""
    doc = yaml.safe_load(manifest.read_text()) or {}
    options = (doc.get("runtime") or {}).get("options") if isinstance(doc.get("runtime"), dict) else None
    if isinstance(options, dict) and options.get("virtualenv"):
        path = (manifest.parent / str(options["virtualenv"])).resolve()
        if not path.exists() and sys.prefix != sys.base_prefix:
            path = Path(sys.prefix)  # the virtualenv running this rehearsal has every package
        options["virtualenv"] = str(path)
    return doc


@dataclass
class TempProject:
    root: Path
    stack: str
    env: dict[str, str]

    @classmethod
    def create(cls, root: Path, project_dir: Path, stack: str, stack_text: str) -> "TempProject":
        (root / "stacks").mkdir(parents=True)
        # The project's own Pulumi.yaml, its virtualenv made absolute (the copy lives elsewhere).
        pj = _with_absolute_venv(project_dir / "Pulumi.yaml")
        pj["stackConfigDir"] = "stacks"
        (root / "Pulumi.yaml").write_text(yaml.safe_dump(pj, sort_keys=False))
        shutil.copy2(project_dir / "__main__.py", root / "__main__.py")
        (root / "stacks" / f"{stack}.yaml").write_text(stack_text)
        env = {
            k: v
            for k, v in os.environ.items()
            if k
            not in ("WEBEX_ACCESS_TOKEN", "WEBEX_TOKEN", "WEBEX_BASE_URL", "PULUMI_CONFIG_PASSPHRASE_FILE", "PULUMI_ACCESS_TOKEN")
        }
        env.update(
            {
                "PULUMI_BACKEND_URL": (root / ".pulumi-state").as_uri(),
                "PULUMI_HOME": str(root / ".pulumi-home"),
                # A fresh passphrase per rehearsal: the copy's secrets are the emulator's, and die with it.
                "PULUMI_CONFIG_PASSPHRASE": secrets.token_urlsafe(24),
                "PULUMI_SKIP_UPDATE_CHECK": "true",
                "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
                "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": "true",
                "WEBEX_IAC_PROJECT_DIR": str(root),
                "PYTHONUNBUFFERED": "1",
                # The copy holds no resources/: its CLI, program, providers and policy pack import the
                # real project's (webex_iac/project.py).
                "PYTHONPATH": python_path(project_dir, env),
            }
        )
        (root / ".pulumi-state").mkdir()
        (root / ".pulumi-home").mkdir()
        return cls(root, stack, env)

    def _pulumi(self, *args: str, value: str | None = None, stdin: str | None = None) -> None:
        bin_dir = engine.find_pulumi_bin_dir()
        env = {**self.env, "PATH": f"{bin_dir}{os.pathsep}{self.env.get('PATH', '')}"}
        argv = engine.pulumi_argv(*args, "--stack", self.stack, "--non-interactive")
        r = subprocess.run(
            argv + (["--", value] if value is not None else []),
            cwd=self.root,
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
        )
        if r.returncode:
            raise RehearsalError(
                f"pulumi {args[0]} {args[1] if len(args) > 1 else ''} failed: {(r.stderr or r.stdout).strip()[-500:]}"
            )

    def configure(self, plain: dict[str, str], secret: dict[str, str]) -> None:
        self._pulumi("stack", "init")
        for k, v in sorted(plain.items()):
            self._pulumi("config", "set", k, "--plaintext", value=v)
        for k, v in sorted(secret.items()):
            # The value on stdin, never in argv (ps shows argv to every user of the machine).
            self._pulumi("config", "set", k, "--secret", stdin=v)

    def release_dead_lock(self) -> bool:
        """What an operator does after a crash on a file backend: `pulumi cancel` removes the
        dead run's lock (only if there is one; a live run is never ours to cancel here)."""
        locks = self.root / ".pulumi-state" / ".pulumi" / "locks"
        if not (locks.exists() and any(p.is_file() for p in locks.rglob("*"))):
            return False
        self._pulumi("cancel", "--yes")
        return True

    def command(self, *args: str, policy_packs: Iterable[str] = ()) -> list[str]:
        argv = [sys.executable, "-m", "webex_iac", *args, "--stack", self.stack, "--project-dir", str(self.root)]
        for p in policy_packs:
            argv += ["--policy-pack", str(p)]
        return argv


def copy_policy_packs(packs: Iterable[str], project_root: Path, pseudo: Pseudonymiser | None) -> list[str]:
    """The packs, copied into the temporary project.

    A pack reads the stack file of the project it ships in (its parent directory), so the copy
    must live in the copy of the project: there it reads the rehearsal's stack file, never the
    real one. With a pseudonymised snapshot, emails in its config.json are mapped like the stack
    file's (protected users must still be the same people)."""
    out = []
    for i, pack in enumerate(packs):
        src = Path(pack).resolve()
        if not src.is_dir():
            out.append(str(src))
            continue
        dest = project_root / ("policies" if i == 0 else f"policies-{i}")
        shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        if (src / "PulumiPolicy.yaml").is_file():
            (dest / "PulumiPolicy.yaml").write_text(
                yaml.safe_dump(_with_absolute_venv(src / "PulumiPolicy.yaml"), sort_keys=False)
            )
        cfg = dest / "config.json"
        if pseudo is not None and cfg.is_file():
            cfg.write_text(_EMAIL_IN_TEXT.sub(lambda m: pseudo.email(m.group(0)), cfg.read_text()))
        out.append(str(dest))
    return out


# =============================================================================================
# Running the phases
# =============================================================================================


@dataclass
class Phase:
    name: str
    returncode: int
    seconds: float
    log: list[dict[str, Any]]
    output: str
    killed_after_writes: int | None = None

    @property
    def calls(self) -> int:
        return len(self.log)

    def error_lines(self) -> list[str]:
        """The engine's distinct diagnostics: `error: …` texts and mandatory policy violations,
        without the summary lines that only repeat that something failed."""
        keep = []
        for ln in self.output.splitlines():
            ln = ln.strip()
            if "[mandatory]" in ln:
                keep.append(ln.lstrip("- "))
            elif "error:" in ln:
                text = ln[ln.index("error:") + len("error:") :].strip()
                if text and not re.fullmatch(r"(update|preview|refresh|destroy) failed|Resource monitor has terminated.*", text):
                    keep.append(text if len(text) <= 400 else text[:400] + " …")
        keep = list(dict.fromkeys(keep))
        if not keep:  # no diagnostic the engine formats: its last words (a traceback, a usage error)
            keep = [ln.strip()[:400] for ln in self.output.splitlines() if ln.strip()][-3:]
        return keep[:6] + ([f"… and {len(keep) - 6} more in its output"] if len(keep) > 6 else [])


def _run_child(
    project: TempProject, argv: list[str], log_path: Path, emu: Any, kill_after_writes: int | None = None, timeout: float = 3600
) -> tuple[int, float, int | None]:
    started = time.monotonic()
    with log_path.open("w") as out:
        # A session of its own: the engine starts plugins in their own process groups, so only
        # the session reaches every process of the run (CLI, engine, dynamic provider).
        proc = subprocess.Popen(
            argv, cwd=project.root, env=project.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        killed_at = None
        try:
            while proc.poll() is None:
                if time.monotonic() - started > timeout:
                    kill_session(proc, wait_timeout=None)
                    break
                if kill_after_writes is not None:
                    n = emu.request_counts().get(LICENSE_WRITE, 0)
                    if n >= kill_after_writes:
                        kill_session(proc, wait_timeout=None)
                        killed_at = n
                        break
                time.sleep(0.02)
        except BaseException:
            kill_session(proc, wait_timeout=None)
            raise
        proc.wait()
    return proc.returncode, time.monotonic() - started, killed_at


# =============================================================================================
# Replaying the license writes
# =============================================================================================


@dataclass
class Pool:
    id: str
    label: str
    total: int
    site: str | None


@dataclass
class Wave:
    phase: str
    label: str
    users: int = 0
    before: dict[str, int] = field(default_factory=dict)
    after: dict[str, int] = field(default_factory=dict)


@dataclass
class Replay:
    waves: list[Wave]
    max_unlicensed: int
    max_unlicensed_hosts: int
    host_breaks: list[str]  # "<host>: lost <site> license (phase, write #n)"
    final: dict[str, set[str]]  # person id -> license ids after every write


def _norm(i: str) -> str:
    from webex_client import normalize_id

    try:
        return normalize_id(i)
    except ValueError:
        return i


def _changed_state(e: dict[str, Any]) -> bool:
    if not e.get("applied", True):
        return False
    fault = e.get("fault") or ""
    return e["status"] in (200, 206) or "after" in fault


def replay_license_writes(
    phases: list[Phase],
    pools: dict[str, Pool],
    holdings: dict[str, set[str]],
    email_to_id: dict[str, str],
    host_sites: dict[str, set[str]],
    id_to_email: dict[str, str],
) -> Replay:
    state = {pid: {_norm(x) for x in ls} for pid, ls in holdings.items()}
    meeting = {lid for lid, p in pools.items() if p.site}
    site_pools: dict[str, set[str]] = {}
    for lid, p in pools.items():
        if p.site:
            site_pools.setdefault(p.site, set()).add(lid)
    consumed = Counter(lid for ls in state.values() for lid in ls)
    start_licensed = {pid for pid, ls in state.items() if ls & meeting}
    # host -> pools of their meetings' sites they held at the start: they must always hold one.
    guarded = {
        pid: need
        for pid, sites in host_sites.items()
        if (need := set().union(*(site_pools.get(s, set()) for s in sites))) & state.get(pid, set())
    }
    unlicensed: set[str] = set()
    max_unl = max_hosts = 0
    breaks: list[str] = []
    broken: set[str] = set()
    waves: list[Wave] = []

    for ph in phases:
        current: Wave | None = None
        room: dict[str, int] = {}
        n = 0
        for e in ph.log:
            if f"{e['method']} {e.get('route') or e['path']}" != LICENSE_WRITE or not _changed_state(e):
                continue
            body = e.get("body")
            if not isinstance(body, dict):
                body = {}
            pid = _norm(body.get("personId") or email_to_id.get(str(body.get("email", "")).lower(), ""))
            if not pid:
                continue
            n += 1
            items = [x for x in body.get("licenses") or [] if isinstance(x, dict)]
            adds = {_norm(x["id"]) for x in items if x.get("operation", "add") == "add" and x.get("id")}
            removes = {_norm(x["id"]) for x in items if x.get("operation") == "remove" and x.get("id")}
            if e["status"] == 206:
                adds = set()  # pessimistic: the log does not say which item failed
            held = state.setdefault(pid, set())
            adds -= held
            removes &= held
            free = {lid: pools[lid].total - consumed[lid] for lid in pools}
            if adds:
                if current is None or current.label == "frees" or not all(room.get(a, 0) > 0 for a in adds):
                    current = Wave(
                        ph.name,
                        f"wave {sum(1 for w in waves if w.phase == ph.name and w.label != 'frees') + 1}",
                        before={lid: consumed[lid] for lid in pools},
                    )
                    waves.append(current)
                    room = dict(free)
                for a in adds:
                    room[a] = room.get(a, 0) - 1
            elif current is None:
                current = Wave(ph.name, "frees", before={lid: consumed[lid] for lid in pools})
                waves.append(current)
            current.users += 1
            for lid in adds:
                consumed[lid] += 1
            for lid in removes:
                consumed[lid] -= 1
            held |= adds
            held -= removes
            current.after = {lid: consumed[lid] for lid in pools}
            if pid in start_licensed:
                (unlicensed.discard if held & meeting else unlicensed.add)(pid)
            max_unl = max(max_unl, len(unlicensed))
            max_hosts = max(max_hosts, len(unlicensed & set(host_sites)))
            if pid in guarded and not held & guarded[pid] and pid not in broken:
                broken.add(pid)  # the first moment per host is the finding
                sites = ", ".join(sorted({pools[l].site or "" for l in guarded[pid]}))
                breaks.append(f"{id_to_email.get(pid, pid)}: without a license on {sites} ({ph.name}, write #{n})")
    return Replay(waves, max_unl, max_hosts, breaks, state)


# =============================================================================================
# The report
# =============================================================================================


@dataclass
class Report:
    stack: str
    snapshot: str
    pseudonymised: bool
    faults: list[str]
    people: int
    pools: dict[str, Pool]
    phases: list[Phase]
    replay: Replay
    rate: float
    rate_source: str
    failures: list[str]
    converged: bool
    replay_matches_org: bool
    notes: list[str]

    @property
    def invariants(self) -> dict[str, bool]:
        return {
            "converged (last up succeeded, then a preview with no changes)": self.converged,
            "no host of a standing meeting without a license on its site": not self.replay.host_breaks,
            "hosts of standing meetings without a meeting license at any moment: 0": self.replay.max_unlicensed_hosts == 0,
        }

    @property
    def ok(self) -> bool:
        return all(self.invariants.values())

    def apply_calls(self) -> int:
        return sum(p.calls for p in self.phases if p.name.startswith("up"))

    def render(self) -> str:
        out: list[str] = []
        w = out.append
        w(
            f"Rehearsal of stack {self.stack!r} on {self.snapshot} "
            f"({self.people} people{', pseudonymised' if self.pseudonymised else ''}; "
            f"faults: {', '.join(self.faults) or 'none'})"
        )
        w("")
        w("Phases")
        for p in self.phases:
            status = (
                "ok"
                if p.returncode == 0
                else (
                    f"killed after {p.killed_after_writes} license writes"
                    if p.killed_after_writes is not None
                    else f"exit {p.returncode}"
                )
            )
            throttled = sum(1 for e in p.log if e["status"] == 429)
            w(
                f"  {p.name:<28} {status:<34} {p.calls:>6} API calls  {p.seconds:6.1f} s"
                + (f"  ({throttled} answered 429)" if throttled else "")
            )
        w("")
        meeting_pools = [lid for lid, p in self.pools.items() if p.site]
        if self.replay.waves:
            w("License waves (units consumed per pool, before -> after)")
            touched = [
                lid for lid in self.pools if any(wv.before.get(lid) != wv.after.get(lid) for wv in self.replay.waves)
            ] or meeting_pools
            width = max(len(wv.phase) for wv in self.replay.waves)
            for wv in self.replay.waves:
                pools = ", ".join(
                    f"{self.pools[lid].label} {wv.before[lid]}->{wv.after[lid]}/{self.pools[lid].total}" for lid in touched
                )
                w(f"  {wv.phase:<{width}}  {wv.label:<8} {wv.users:>5} users  {pools}")
        else:
            w("License waves: none (no license changes)")
        w("")
        w(f"Users without a meeting license at any moment (held one at the start): max {self.replay.max_unlicensed}")
        w(f"  of them hosts of standing meetings: max {self.replay.max_unlicensed_hosts}")
        for b in self.replay.host_breaks[:20]:
            w(f"  BROKEN: {b}")
        w("")
        calls = self.apply_calls()
        writes = sum(
            1 for p in self.phases if p.name.startswith("up") for e in p.log if e["method"] != "GET" and e["status"] != 429
        )
        est = calls / self.rate if self.rate else 0.0
        w(
            f"API calls to apply: {calls} ({writes} writes); at {self.rate:g} requests/s ({self.rate_source}) "
            f"the real org needs about {_duration(est)}"
        )
        w("")
        if self.failures:
            w("Failures")
            for f in self.failures[:40]:
                w(f"  - {f}")
            if len(self.failures) > 40:
                w(f"  … and {len(self.failures) - 40} more")
            w("")
        for n in self.notes:
            w(f"Note: {n}")
        if self.notes:
            w("")
        w("Invariants")
        for name, ok in self.invariants.items():
            w(f"  [{'ok' if ok else 'BROKEN'}] {name}")
        w("")
        w("Result: " + ("the rehearsal converged and every invariant held" if self.ok else "the rehearsal FAILED (see above)"))
        return "\n".join(out) + "\n"


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _unexpected_answers(phases: list[Phase]) -> list[str]:
    out: Counter[str] = Counter()
    for p in phases:
        for e in p.log:
            if e["status"] >= 400 and not e.get("fault") and e["status"] != 429:
                out[f"{p.name}: {e['method']} {e.get('route') or e['path']} answered {e['status']}"] += 1
    return [f"{k} (x{n})" if n > 1 else k for k, n in sorted(out.items())]


# =============================================================================================
# The rehearsal
# =============================================================================================


@dataclass
class Options:
    stack: str
    project_dir: Path = engine.REPO_ROOT
    snapshot: Path | None = None
    faults: tuple[str, ...] = ()
    policy_packs: tuple[str, ...] | None = None  # None: the project's policies/
    keep: Path | None = None  # keep the temporary project here (debugging)
    echo: Any = None  # progress lines (stderr)


def _load_snapshot(opts: Options) -> tuple[dict[str, Any], str]:
    path = opts.snapshot or opts.project_dir / "snapshots" / f"{opts.stack}.json"
    if path.exists():
        try:
            return json.loads(path.read_text(encoding="utf-8")), str(path)
        except ValueError as e:
            raise RehearsalError(f"{path}: not a snapshot (invalid JSON: {e})") from None
    if opts.snapshot is None and opts.stack in engine.DEV_STACKS:
        # The dev stack's org is the emulator's sample org: snapshot a fresh one, as a user
        # would snapshot theirs (authorizing the sample Service App first, as `make up` does).
        from webex_emulator.testing import EmulatorServer

        with EmulatorServer(seed="sample") as emu:
            org = emu.orgs()[0]
            for app in emu.service_apps():
                emu.authorize_service_app(app["clientId"], authorized_by=org["adminPersonId"])
            conn = connection_to(emu.base_url, emu.admin_token, requests_per_second=0)
            try:
                doc = take_snapshot(conn, keep_identities=True, stack=opts.stack)
            finally:
                conn.close()
        return json.loads(dumps(doc)), "a fresh snapshot of the emulator's sample org"
    raise RehearsalError(
        f"no snapshot: {path} does not exist (take one with `webex-iac snapshot --stack {opts.stack}`, or pass --snapshot)"
    )


def _stack_apps(text: str) -> list[dict[str, Any]]:
    doc = yaml.safe_load(text) or {}
    apps = doc.get("serviceApps") if isinstance(doc, dict) else None
    return [a for a in (apps or {}).values() if isinstance(a, dict)] if isinstance(apps, dict) else []


def _stack_meeting_hosts(text: str) -> dict[str, set[str]]:
    doc = yaml.safe_load(text) or {}
    out: dict[str, set[str]] = {}
    for m in ((doc.get("meetings") or {}) if isinstance(doc, dict) else {}).values():
        if isinstance(m, dict) and m.get("host") and m.get("siteUrl"):
            out.setdefault(str(m["host"]).lower(), set()).add(str(m["siteUrl"]).lower())
    return out


def _read_org(emu: Any) -> tuple[dict[str, Pool], dict[str, set[str]], dict[str, str]]:
    """(pools, person id -> license ids, email -> person id) through the API."""
    conn = connection_to(emu.base_url, emu.admin_token, requests_per_second=0)
    try:
        pools = {}
        for lic in conn.client.licenses.list():
            label = lic.site_url or lic.name or lic.id
            pools[_norm(lic.id)] = Pool(_norm(lic.id), label, lic.total_units or 0, (lic.site_url or "").lower() or None)
        holdings: dict[str, set[str]] = {}
        emails: dict[str, str] = {}
        for p in conn.client.people.list():
            if p.id:
                holdings[_norm(p.id)] = {_norm(x) for x in p.licenses or []}
                for e in p.emails or []:
                    emails[e.lower()] = _norm(p.id)
        return pools, holdings, emails
    finally:
        conn.close()


def rehearse(opts: Options) -> Report:
    from webex_emulator.testing import EmulatorServer

    say = opts.echo or (lambda s: None)
    for f in opts.faults:
        if f not in FAULTS:
            raise RehearsalError(f"unknown fault {f!r} (known: {', '.join(FAULTS)})")
    stack_path = opts.project_dir / "stacks" / f"{opts.stack}.yaml"
    if not stack_path.exists():
        raise RehearsalError(f"{stack_path} does not exist")
    engine.find_pulumi_bin_dir()  # fail early, with the bootstrap hint

    doc, source = _load_snapshot(opts)
    meta = doc.get("snapshot") or {}
    pseudo = None
    if meta.get("pseudonymised"):
        pseudo = Pseudonymiser(load_key(create=False))
        if meta.get("keyFingerprint") != pseudo.fingerprint:
            raise RehearsalError(
                "the snapshot was pseudonymised with another key, or by another version of webex-iac "
                "(fingerprints differ): set WEBEX_IAC_SNAPSHOT_KEY to the key it was taken with, or take it again"
            )
    stack_text = translate_stack_text(stack_path.read_text(encoding="utf-8"), pseudo)
    apps = _stack_apps(stack_text)
    seen_apps = {a.get("clientId") for a in meta.get("applicationGrants") or []}
    # The rehearsal registers every declared app with its declared scopes (below).
    seed = {k: v for k, v in doc.items() if k != "serviceApps"}

    tmp = Path(tempfile.mkdtemp(prefix="webex-iac-rehearsal-"))
    emu = None
    try:
        say(f"starting a throwaway emulator seeded with {source}")
        emu = EmulatorServer(seed=seed, state_path=tmp / "emulator.db").start()
        secret_config: dict[str, str] = {"webex:token": emu.admin_token}
        notes: list[str] = list(meta.get("notes") or [])
        for app in apps:
            cid = app.get("clientId")
            if not cid:
                continue
            reg = emu.register_service_app(f"rehearsal {cid[:12]}", list(app.get("scopes") or []), client_id=cid)
            emu.authorize_service_app(cid)
            if app.get("clientSecretConfig"):
                key = str(app["clientSecretConfig"])
                secret_config[key if ":" in key else f"{engine.PROJECT_NAME}:{key}"] = reg["clientSecret"]
            if cid not in seen_apps:
                notes.append(
                    f"Service App {cid[:16]}…: registered and authorized for the rehearsal; no API shows "
                    "whether the org has authorized it (check Control Hub before the real up)"
                )
        admin_email = emu.orgs()[0].get("adminEmail") if emu.orgs() else None
        if apps and admin_email:
            # Service App tokens are minted with an integration token holding
            # spark:applications_token (resources/service_app.py); the emulator issues one.
            secret_config["webex:mintingToken"] = emu.mint_token(admin_email, ["spark:applications_token"])
        pools, holdings, email_to_id = _read_org(emu)
        id_to_email = {v: k for k, v in email_to_id.items()}

        real = real_stack_config(opts.project_dir, opts.stack)
        plain = {k: v for k, v in real.items() if k.startswith("webex:") and k not in _NOT_COPIED}
        plain.update(REHEARSAL_CLIENT)
        plain["webex:baseUrl"] = emu.base_url
        plain["webex:orgId"] = emu.org_id
        for k, v in real.items():  # the program's own plain settings (not secrets: never read)
            if not k.startswith("webex:"):
                plain.setdefault(k, v)
        project = TempProject.create(tmp / "project", opts.project_dir, opts.stack, stack_text)
        say("configuring the temporary stack")
        project.configure(plain, secret_config)

        packs = copy_policy_packs(
            opts.policy_packs if opts.policy_packs is not None else (str(opts.project_dir / "policies"),), project.root, pseudo
        )
        phases: list[Phase] = []

        def run(name: str, argv: list[str], **kw: Any) -> Phase:
            say(f"{name} …")
            emu.reset_counters()
            rc, secs, killed = _run_child(project, argv, tmp / f"{len(phases) + 1:02d}-{name.split()[0]}.log", emu, **kw)
            log = emu.request_log()
            if killed is not None:  # writes in flight when the kill landed may have completed
                killed = sum(1 for e in log if f"{e['method']} {e.get('route') or e['path']}" == LICENSE_WRITE)
            phase = Phase(name, rc, secs, log, (tmp / f"{len(phases) + 1:02d}-{name.split()[0]}.log").read_text(), killed)
            phases.append(phase)
            return phase

        up_argv = project.command("up", "--yes", policy_packs=packs)
        if "storm" in opts.faults:
            emu.set_faults(rules=[{"status": 429, "probability": STORM_SHARE, "retryAfter": 1}], seed=7)
        if "crash" in opts.faults:
            emu.set_faults(
                {"latency": {"ms": CRASH_WRITE_LATENCY_MS, "method": "PATCH"}}
                if "storm" not in opts.faults
                else {
                    "latency": {"ms": CRASH_WRITE_LATENCY_MS, "method": "PATCH"},
                    "rules": [{"status": 429, "probability": STORM_SHARE, "retryAfter": 1}],
                    "seed": 7,
                }
            )
            first = run("up (killed mid-run)", up_argv, kill_after_writes=CRASH_AFTER_WRITES)
            if first.killed_after_writes is None:
                notes.append(
                    f"the crash did not land: the first up finished after "
                    f"{sum(1 for e in first.log if e['method'] == 'PATCH')} license writes"
                )
            if project.release_dead_lock():
                notes.append(
                    "the killed run left the file backend's lock: `pulumi cancel` removed it "
                    "before the second up (do the same after a real crash)"
                )
            if "storm" in opts.faults:
                emu.set_faults(rules=[{"status": 429, "probability": STORM_SHARE, "retryAfter": 1}], seed=8)
            else:
                emu.clear_faults()
            last_up = run("up (after the crash)", up_argv)
        else:
            last_up = run("up" + (" (429 storm)" if "storm" in opts.faults else ""), up_argv)
        emu.clear_faults()
        preview = run("preview (no changes)", project.command("preview", "--expect-no-changes", policy_packs=packs))

        host_sites: dict[str, set[str]] = {}
        series = ((doc.get("orgs") or [{}])[0].get("meetings") or {}).get("series") or []
        for s in series:
            if not s.get("roomId"):
                host_sites.setdefault(s["host"].lower(), set()).add(s["site"].lower())
        for h, sites in _stack_meeting_hosts(stack_text).items():
            host_sites.setdefault(h, set()).update(sites)
        host_ids = {email_to_id[h]: s for h, s in host_sites.items() if h in email_to_id}
        replay = replay_license_writes(
            [p for p in phases if p.name.startswith("up")], pools, holdings, email_to_id, host_ids, id_to_email
        )
        _, live_after, _ = _read_org(emu)
        matches = all(replay.final.get(pid, set()) == ls for pid, ls in live_after.items())
        if not matches:
            notes.append(
                "replaying the request log does not reproduce the org's final licenses "
                "(a partial answer or a truncated log): per-moment figures are approximate"
            )

        failures: list[str] = []
        for p in phases:
            if p.returncode != 0 and p.killed_after_writes is None:
                failures.append(f"{p.name} exited {p.returncode}: " + ("; ".join(p.error_lines()) or "see its output"))
        failures += _unexpected_answers(phases)
        converged = last_up.returncode == 0 and preview.returncode == 0
        rate_cfg = real.get("webex:requestsPerSecond")
        try:
            rate = float(rate_cfg) if rate_cfg is not None else 0.0
        except ValueError:
            rate = 0.0
        if rate > 0:
            rate_source = f"webex:requestsPerSecond of stack {opts.stack}"
        else:
            from webex_client import constants as _constants

            rate = float(getattr(_constants, "ADAPTIVE_INITIAL_RATE", 10.0))
            rate_source = "no ceiling configured: the client's starting rate"
        if opts.keep:
            shutil.copytree(tmp, opts.keep, dirs_exist_ok=True)
        return Report(
            stack=opts.stack,
            snapshot=source,
            pseudonymised=pseudo is not None,
            faults=list(opts.faults),
            people=len(holdings),
            pools=pools,
            phases=phases,
            replay=replay,
            rate=rate,
            rate_source=rate_source,
            failures=failures,
            converged=converged,
            replay_matches_org=matches,
            notes=notes,
        )
    finally:
        if emu is not None:
            emu.stop()
        shutil.rmtree(tmp, ignore_errors=True)


# =============================================================================================
# CLI
# =============================================================================================


def _faults(ctx: Any, param: Any, value: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for v in value:
        for f in v.split(","):
            f = f.strip()
            if f and f not in FAULTS:
                raise click.BadParameter(f"{f!r} is not a fault (known: {', '.join(FAULTS)})")
            if f and f not in out:
                out.append(f)
    return tuple(out)


@click.command("rehearse")
@click.option("--stack", "-s", default="dev", show_default=True, help="Stack to rehearse.")
@click.option(
    "--snapshot",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Seed written by `webex-iac snapshot` (default: snapshots/<stack>.json).",
)
@click.option(
    "--faults",
    multiple=True,
    callback=_faults,
    help="storm (429s on a fifth of all requests), crash (kill mid-run, then a second up); comma-separated or repeated.",
)
@project_dir_option()
@click.option(
    "--policy-pack", "policy_packs", multiple=True, help="Policy pack to enforce (default: the project's policies/); repeatable."
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the report to this file.",
)
@click.option(
    "--keep",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Copy the temporary project, logs and emulator state here (debugging).",
)
def rehearse_command(
    stack: str,
    snapshot: Path | None,
    faults: tuple[str, ...],
    project_dir: Path,
    policy_packs: tuple[str, ...],
    report_path: Path | None,
    keep: Path | None,
) -> None:
    """Rehearse `up` on a throwaway emulator seeded with a snapshot of the org; print a report.

    Exit 0: converged and every invariant held; 2: the rehearsal failed; 1: it could not run."""
    try:
        report = rehearse(
            Options(
                stack=stack,
                project_dir=project_dir,
                snapshot=snapshot,
                faults=faults,
                policy_packs=policy_packs or None,
                keep=keep,
                echo=lambda s: click.echo(f"rehearse: {s}", err=True),
            )
        )
    except (engine.EngineError, SnapshotError) as e:
        raise RehearsalError(str(e)) from None
    text = report.render()
    click.echo(text, nl=False)
    if report_path:
        report_path.parent.mkdir(parents=True, exist_ok=True)
        report_path.write_text(text)
    if not report.ok:
        raise SystemExit(2)
