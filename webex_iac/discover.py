"""``webex-iac discover``: write ``stacks/<stack>.yaml`` from a live org, so ``up`` adopts it.

What is written, and why
========================

* **sites** — one ``MeetingSite`` per meeting site (a site exists when a license pool has its
  ``siteUrl``) with every *writable* common setting that could be read
  (``telephonyConfig`` is read-only and never written). ``up`` adopts the site; the settings
  equal the live ones, so nothing is patched.
* **licenses** — pools and their holders, exclusive (the file becomes the truth):

  - one distribution ``meetings`` holds **every meeting-site pool** (pools keyed by
    ``siteUrl``; ``subscriptionId`` or ``id`` only when a site has several pools): users move
    between sites, and one distribution moves a user with one ``PATCH`` carrying both the
    remove and the add, within both pools' capacity;
  - **one distribution per other pool** (keyed by ``id``; the license name is a comment —
    names are not stable, REFERENCE.md §1.2), named after the license;
  - pools without holders are not declared (an empty exclusive pool would be a promise that
    nobody ever gets that license); the notes at the end of the file list them;
  - holders are grouped readably: a group whose members *all* hold the license is declared
    by name (largest groups first, skipping groups that add nobody), the rest by email.
    A declared group is live membership: whoever joins it later gets the license on ``up``.
* **meetings** — each standing series (``meetingSeries`` that is not a space meeting and is a
  plain ``meeting``, not a webinar) whose span overlaps the next ``--horizon-days``, hosted by
  someone with an account on a meeting site (holder of a meeting license or attendee account;
  without one the Meetings API has no site to list). One ``GET /meetings?hostEmail=`` per
  such person, at most ``--max-host-scans`` (the notes say when the scan was truncated), plus
  one ``GET /meetingInvitees`` per series found. Each is written with ``adoptMeetingId`` and
  its live title, agenda, first occurrence, duration, timezone, recurrence and invitees, so
  adopting patches nothing. Meeting options are not declared (not managed until you add them).
  **Space meetings** (``roomId``) are not declared — a space is no longer a meeting destination
  (error 30105) — but listed in the notes, for ``webex-iac migration-report``.
* **serviceApps** — no API lists the Service Apps authorized for an org, and the machine
  account that holds an app's grants is not a directory person. Discover reads
  ``GET /authorizations`` for the org's admins (at most 25) and lists the applications found
  in the notes, with a commented ``serviceApps`` template. It never declares one: its client
  secret cannot be read, and ``up`` of a ServiceApp mints the org token
  (``POST /applications/{id}/token``), a write that adoption must not make.

Running ``up`` on the discovered file creates Pulumi resources only: no ``POST``/``PATCH``/
``PUT``/``DELETE`` reaches the org.

Re-running on an edited file
============================

The existing file is loaded with ruamel.yaml (round trip) and updated in place: values the org
changed are updated, new entries are appended at the end of their section, entries that
vanished from the org are dropped (comments that stood between them and the next entry are
kept). Human structure wins — a group a human replaced by users is not re-added, a common
setting a human removed is not re-added, a meeting declared without ``adoptMeetingId`` is
left alone (and its live series is not adopted a second time); the org wins on values. The two
comment blocks between ``>>> webex-iac discover`` and ``<<< webex-iac discover`` markers are
rewritten on every run; every other comment is the humans'. Discover makes the file describe
the org: run it before editing, not between an edit and its ``up``.
"""

from __future__ import annotations

import dataclasses
import io
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterable
from zoneinfo import ZoneInfo

import click
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark, YAMLError
from ruamel.yaml.timestamp import TimeStamp
from ruamel.yaml.tokens import CommentToken

from resources import CommonSettings, LicenseRef, StandingMeetingArgs
from resources._runtime import ConfigError, WebexConfig
from resources.license_distribution import _resolve
from resources.standing_meeting import integration_tag, same_recurrence
from webex_client import (
    APIConnectionError,
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    WebexClient,
    WebexError,
    decode_id,
    normalize_id,
)
from webex_client.types.licenses import License
from webex_client.types.people import Person

from . import engine

SCHEMA_LINE = "# yaml-language-server: $schema=../schema/stack.schema.json"
BLOCK_START = "# >>> webex-iac discover"
BLOCK_END = "# <<< webex-iac discover"
MEETINGS_DISTRIBUTION = "meetings"
MAX_ADMINS_FOR_AUTHORIZATIONS = 25
DEFAULT_MAX_HOST_SCANS = 5000
DEFAULT_HORIZON_DAYS = 366
ADMIN_ROLES = {"id_full_admin", "id_user_admin", "id_readonly_admin", "id_device_admin"}
# GET /authorizations: own-org Full, User or Device admins (read-only admins are refused).
TOKEN_ADMIN_ROLES = {"id_full_admin", "id_user_admin", "id_device_admin"}
_STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


# =============================================================================================
# Connecting: credentials from the stack (Automation API) or WEBEX_TOKEN, never from argv
# =============================================================================================

class DiscoverError(click.ClickException):
    """A clear, non-zero exit without a traceback (exit code 1)."""


@dataclass
class Connection:
    client: WebexClient
    config: WebexConfig
    stack: str
    token_source: str
    me: Person | None

    def close(self) -> None:
        self.client.close()


def validate_stack_name(ctx: click.Context | None, param: Any, value: str) -> str:
    if not _STACK_NAME.match(value or ""):
        raise click.BadParameter(f"{value!r} is not a stack name (letters, digits, '-', '_', '.')")
    return value


def validate_base_url_option(ctx: click.Context | None, param: Any, value: str | None) -> str | None:
    if value is None:
        return None
    from webex_client._settings import validate_base_url

    try:
        return validate_base_url(value)
    except ValueError as e:
        raise click.BadParameter(str(e)) from None


def read_stack_config(stack: str, project_dir: Path) -> tuple[dict[str, Any], str | None]:
    """All config of ``stack`` (secrets decrypted) through the Automation API, or why not."""
    from pulumi.automation import errors as auto_errors

    if not (project_dir / "Pulumi.yaml").exists():
        return {}, f"{project_dir} has no Pulumi.yaml"
    try:
        st = engine.open_stack(stack, settings=engine.EngineSettings(project_dir=project_dir), create=False)
        return {k: v.value for k, v in st.get_all_config().items()}, None
    except engine.EngineError as e:
        return {}, str(e)
    except auto_errors.StackNotFoundError:
        return {}, f"stack {stack!r} does not exist in this project's backend"
    except auto_errors.CommandError as e:
        lines = [ln for ln in str(e).splitlines() if "error" in ln.lower()] or str(e).splitlines()[-1:]
        return {}, f"cannot read stack {stack!r} config: {' '.join(lines)[:300]}"


def connect(stack: str, project_dir: Path, base_url: str | None, requests_per_second: float | None = None) -> Connection:
    """A client for the stack's org: ``webex:token`` (or the Service App keys) from the stack's
    config, else ``WEBEX_TOKEN``; ``--base-url`` overrides ``webex:baseUrl``. A first call
    (``GET /people/me``) with short retries turns an unreachable org or a rejected token into
    a one-line error instead of minutes of backoff."""
    config, why_no_config = read_stack_config(stack, project_dir)
    if base_url:
        config["webex:baseUrl"] = base_url
    if requests_per_second is not None:
        config["webex:requestsPerSecond"] = str(requests_per_second)
    try:
        cfg = WebexConfig.from_config(lambda key: config.get(f"webex:{key}"))
    except ConfigError:
        where = f" ({why_no_config})" if why_no_config else ""
        raise DiscoverError(
            f"no Webex credentials for stack {stack!r}{where}: set WEBEX_TOKEN in the environment, or "
            f"`pulumi config set --secret webex:token <admin token> --stack {stack}`"
        ) from None
    token_source = "stack config webex:token" if config.get("webex:token") else (
        "stack config webex:serviceAppId" if cfg.service_app_id else "WEBEX_TOKEN")
    try:
        quick = dataclasses.replace(cfg, client_settings={
            **cfg.client_settings, "maxRetries": 1, "maxRetryWaitSeconds": 2,
            "connectTimeoutSeconds": 5, "timeoutSeconds": 20})
        probe = quick.make_client()
    except (ValueError, ConfigError) as e:
        raise DiscoverError(f"invalid Webex settings for stack {stack!r}: {e}") from None
    me: Person | None = None
    try:
        me = probe.people.me()
    except APIConnectionError as e:
        raise DiscoverError(f"cannot reach the Webex API at {cfg.base_url}: {e.message or e}") from None
    except AuthenticationError:
        raise DiscoverError(
            f"the Webex API at {cfg.base_url} rejected the token from {token_source} (401): "
            "it is expired, revoked or not a token of this org") from None
    except (NotFoundError, PermissionDeniedError):
        me = None  # a Service App machine account is not a directory person
    except WebexError as e:
        raise DiscoverError(f"the Webex API at {cfg.base_url} answered {e.status}: {e.message}") from None
    finally:
        probe.close()
    return Connection(cfg.make_client(), cfg, stack, token_source, me)


# =============================================================================================
# Reading the org
# =============================================================================================

@dataclass
class LiveMeeting:
    id: str
    host: str
    site_url: str
    title: str
    agenda: str | None
    start: datetime | None
    end: datetime | None
    timezone: str
    recurrence: str | None
    room_id: str | None
    scheduled_type: str
    integration_tags: list[str]
    invitees: list[tuple[str, bool]] | None = None  # (email, coHost); None = could not read

    @property
    def minutes(self) -> int | None:
        if self.start is None or self.end is None:
            return None
        return round((self.end - self.start).total_seconds() / 60)


@dataclass
class OrgRead:
    base_url: str
    org_id: str | None
    org_name: str
    org_created: datetime | None
    me_email: str | None
    people: list[Person]
    by_id: dict[str, Person]
    by_email: dict[str, Person]
    admins: list[str]
    licenses: list[License]
    holders: dict[str, set[str]]                  # license id -> person ids
    groups: dict[str, set[str]]                   # display name -> member person ids
    site_settings: dict[str, dict[str, Any] | None]  # site url -> writable settings (None: unreadable)
    site_notes: dict[str, str]
    meetings: list[LiveMeeting]                   # standing series (no roomId, scheduledType meeting)
    space_meetings: list[LiveMeeting]             # roomId
    other_meetings: list[LiveMeeting]             # webinars, personal room meetings
    scanned_hosts: set[str]
    unscanned_hosts: list[str]
    scan_errors: dict[str, str]                   # host -> why their meetings could not be listed
    horizon_days: int
    apps: list[dict[str, Any]]
    apps_note: str
    guest_like: list[str]                         # directory people that look like guests
    group_ids: dict[str, str] = field(default_factory=dict)  # display name -> group id (snapshot)

    def email_of(self, person_id: str) -> str:
        p = self.by_id.get(person_id)
        return primary_email(p) if p else person_id

    def meeting_licenses(self) -> list[License]:
        return [lic for lic in self.licenses if lic.site_url]

    def sites(self) -> list[str]:
        return sorted({(lic.site_url or "").lower() for lic in self.licenses if lic.site_url})


def primary_email(p: Person) -> str:
    return (p.emails or [p.id or "?"])[0].lower()


def role_names(p: Person) -> set[str]:
    out = set()
    for r in p.roles or []:
        decoded = decode_id(r)
        out.add(decoded.tail if decoded else r)
    return out


class Steps:
    """Rich progress bars (on stderr, only on a terminal) around the long reads."""

    def __init__(self, enabled: bool | None = None) -> None:
        console = Console(stderr=True)
        show = console.is_terminal if enabled is None else enabled
        self.progress = Progress(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=console, transient=True, disable=not show,
        )

    def __enter__(self) -> "Steps":
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.progress.__exit__(*exc)

    def task(self, description: str, total: int | None = None):
        return self.progress.add_task(description, total=total)

    def advance(self, task, n: int = 1) -> None:
        self.progress.advance(task, n)

    def done(self, task) -> None:
        t = next((t for t in self.progress.tasks if t.id == task), None)
        if t is not None and t.total is None:
            self.progress.update(task, total=t.completed)


def _aware(d: datetime | None) -> datetime | None:
    if d is None:
        return None
    return d if d.tzinfo else d.replace(tzinfo=timezone.utc)


def _live_meeting(m: Any) -> LiveMeeting:
    st = m.scheduled_type
    return LiveMeeting(
        id=m.id, host=(m.host_email or "").lower(), site_url=(m.site_url or "").lower(), title=m.title or "",
        agenda=m.agenda or None, start=_aware(m.start), end=_aware(m.end), timezone=m.timezone or "UTC",
        recurrence=m.recurrence or None, room_id=m.room_id or None,
        scheduled_type=str(getattr(st, "value", st) or "meeting"), integration_tags=list(m.integration_tags or []),
    )


def read_org(
    conn: Connection,
    *,
    steps: Steps,
    max_host_scans: int = DEFAULT_MAX_HOST_SCANS,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    read_settings: bool = True,
    read_authorizations: bool = True,
) -> OrgRead:
    client = conn.client
    org_id = conn.config.org_id or (conn.me.org_id if conn.me else None)

    # People (with their licenses), then license pools and groups.
    t = steps.task("people")
    people: list[Person] = []
    for p in client.people.list(org_id=conn.config.org_id):
        people.append(p)
        steps.advance(t)
    steps.done(t)
    by_id = {p.id: p for p in people if p.id}
    by_email = {e.lower(): p for p in people for e in (p.emails or [])}
    admins = sorted(primary_email(p) for p in people if role_names(p) & ADMIN_ROLES)
    licenses = sorted(client.licenses.list(org_id=conn.config.org_id), key=lambda l: (l.site_url or "~", l.name or "", l.id))
    holders: dict[str, set[str]] = {lic.id: set() for lic in licenses}
    for p in people:
        for lid in p.licenses or []:
            if lid in holders:
                holders[lid].add(p.id)
            else:  # ids may differ in padding
                for known in holders:
                    if normalize_id(known) == normalize_id(lid):
                        holders[known].add(p.id)

    group_list = list(client.groups.list(org_id=conn.config.org_id))
    t = steps.task("group members", total=len(group_list))
    groups: dict[str, set[str]] = {}
    for g in group_list:
        if g.display_name and g.id:
            groups[g.display_name] = {m.id for m in client.groups.list_members(g.id) if m.id}
        steps.advance(t)

    org_name, org_created = "", None
    if org_id:
        try:
            org = client.organizations.get(org_id)
            org_name, org_created = org.display_name or "", _aware(org.created)
        except WebexError:
            pass

    # Meeting sites and their common settings.
    site_settings: dict[str, dict[str, Any] | None] = {}
    site_notes: dict[str, str] = {}
    for site in sorted({(lic.site_url or "").lower() for lic in licenses if lic.site_url}):
        site_settings[site] = None
        if not read_settings:
            continue
        try:
            live = client.sites.get_common_settings(site).to_api()
            site_settings[site], dropped = writable_settings(live)
            if dropped:
                site_notes[site] = "not declared (not valid as input): " + ", ".join(dropped)
        except WebexError as e:
            site_notes[site] = f"common settings unreadable ({e.status}: {e.message})"

    # Meetings: one list call per person with a site account (bounded), then invitees.
    site_accounts = {lic.id for lic in licenses if lic.site_url}
    candidates = [
        p for p in people
        if p.emails and str(getattr(p.type, "value", p.type) or "person") == "person"
        and (set(p.licenses or []) & site_accounts or p.site_urls)
    ]
    candidates.sort(key=lambda p: (0 if set(p.licenses or []) & site_accounts else 1, primary_email(p)))
    scan, unscanned = candidates[:max_host_scans], [primary_email(p) for p in candidates[max_host_scans:]]
    now = datetime.now(timezone.utc)
    window = (now - timedelta(minutes=1), now + timedelta(days=horizon_days))
    t = steps.task("meeting hosts", total=len(scan))

    def series_of(p: Person) -> list[Any]:
        email = primary_email(p)
        try:
            return [m for m in client.meetings.list(
                host_email=email, meeting_type="meetingSeries", current=False, from_=window[0], to=window[1])
                if (m.host_email or "").lower() == email]
        finally:
            steps.advance(t)

    results = client.map_concurrent(series_of, scan)
    seen: dict[str, LiveMeeting] = {}
    scan_errors: dict[str, str] = {}
    for p, r in zip(scan, results):
        if not r.ok:
            if isinstance(r.error, (AuthenticationError, APIConnectionError)):
                raise r.error  # the whole read is off, not this host
            err = r.error
            scan_errors[primary_email(p)] = (f"{err.status}: {err.message}" if isinstance(err, WebexError)
                                             else f"{type(err).__name__}: {err}")
            continue
        for m in r.value:
            if m.id not in seen:
                seen[m.id] = _live_meeting(m)
    all_series = sorted(seen.values(), key=lambda m: (m.host, m.title.lower(), m.id))

    t = steps.task("meeting invitees", total=len(all_series))

    def invitees_of(m: LiveMeeting) -> list[tuple[str, bool]] | None:
        try:
            return [((i.email or "").lower(), bool(i.co_host)) for i in client.meeting_invitees.list(m.id, host_email=m.host)
                    if i.email and not i.panelist]
        except WebexError:
            return None
        finally:
            steps.advance(t)

    for m, r in zip(all_series, client.map_concurrent(invitees_of, all_series)):
        m.invitees = r.value if r.ok else None

    meetings = [m for m in all_series if not m.room_id and m.scheduled_type == "meeting"]
    space = [m for m in all_series if m.room_id]
    other = [m for m in all_series if not m.room_id and m.scheduled_type != "meeting"]

    apps, apps_note = [], "not read"
    if read_authorizations:
        apps, apps_note = _read_authorizations(client, [p for p in people if role_names(p) & TOKEN_ADMIN_ROLES])

    guest_like = sorted(
        primary_email(p) for p in people
        if str(getattr(p.type, "value", p.type) or "") == "appuser"
        or any(e.lower().endswith("@appid.ciscospark.com") for e in p.emails or [])
    )
    return OrgRead(
        base_url=conn.config.base_url, org_id=org_id, org_name=org_name, org_created=org_created,
        me_email=primary_email(conn.me) if conn.me else None, people=people, by_id=by_id, by_email=by_email,
        admins=admins, licenses=licenses, holders=holders, groups=groups, site_settings=site_settings,
        site_notes=site_notes, meetings=meetings, space_meetings=space, other_meetings=other,
        scanned_hosts={primary_email(p) for p in scan} - scan_errors.keys(), unscanned_hosts=unscanned,
        scan_errors=scan_errors, horizon_days=horizon_days,
        apps=apps, apps_note=apps_note, guest_like=guest_like,
        group_ids={g.display_name: g.id for g in group_list if g.display_name and g.id},
    )


def _read_authorizations(client: WebexClient, admins: list[Person]) -> tuple[list[dict[str, Any]], str]:
    apps: dict[str, dict[str, Any]] = {}
    asked = admins[:MAX_ADMINS_FOR_AUTHORIZATIONS]
    for p in asked:
        try:
            items = client.authorizations.list(person_email=primary_email(p))
        except PermissionDeniedError as e:
            return [], f"GET /authorizations refused (403: {e.message}); needs identity:tokens_read"
        except WebexError as e:
            return [], f"GET /authorizations failed ({e.status}: {e.message})"
        for a in items:
            key = a.client_id or a.application_id or "?"
            entry = apps.setdefault(key, {"applicationName": a.application_name, "applicationId": a.application_id,
                                          "clientId": a.client_id, "heldBy": set()})
            entry["heldBy"].add(primary_email(p))
    note = f"GET /authorizations for {len(asked)} admin(s)" + (
        f" (of {len(admins)})" if len(admins) > len(asked) else "")
    out = [{**v, "heldBy": sorted(v["heldBy"])} for v in apps.values()]
    return sorted(out, key=lambda a: (a["applicationName"] or "", a["clientId"] or "")), note


def writable_settings(live: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The part of live commonSettings a MeetingSite can declare: known writable keys whose
    values validate; ``telephonyConfig`` (read-only) and anything invalid is dropped."""
    dropped: list[str] = []

    def leaves(d: dict[str, Any], prefix: tuple[str, ...] = ()) -> Iterable[tuple[tuple[str, ...], Any]]:
        for k, v in d.items():
            if isinstance(v, dict):
                yield from leaves(v, prefix + (k,))
            else:
                yield prefix + (k,), v

    out: dict[str, Any] = {}
    for path, value in leaves({k: v for k, v in live.items() if k != "telephonyConfig"}):
        if value is None:
            continue
        probe: dict[str, Any] = {}
        node = probe
        for p in path[:-1]:
            node = node.setdefault(p, {})
        node[path[-1]] = value
        try:
            CommonSettings.model_validate(probe)
        except ValidationError:
            dropped.append(".".join(path))
            continue
        node = out
        for p in path[:-1]:
            node = node.setdefault(p, {})
        node[path[-1]] = value
    return out, dropped


# =============================================================================================
# Grouping holders, names, references
# =============================================================================================

def group_holders(holders: set[str], groups: dict[str, set[str]]) -> tuple[list[str], set[str]]:
    """(groups whose members all hold, largest first, each adding someone; holders left over)."""
    chosen: list[str] = []
    covered: set[str] = set()
    for name, members in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        if members and members <= holders and not members <= covered:
            chosen.append(name)
            covered |= members
    return chosen, holders - covered


def slug(text: str, fallback: str = "item") -> str:
    s = re.sub(r"[^a-z0-9]+", "-", (text or "").lower()).strip("-")[:63].strip("-")
    return s if s and s[0].isalnum() else fallback


def unique_name(base: str, taken: Iterable[str]) -> str:
    taken = set(taken)
    if base not in taken:
        return base
    for i in range(2, 10_000):
        cand = f"{base[:58]}-{i}"
        if cand not in taken:
            return cand
    raise RuntimeError("no free name")


def license_ref(lic: License, licenses: list[License]) -> dict[str, str]:
    """Meeting pools by siteUrl (plus subscriptionId if a site has several pools), else id."""
    if lic.site_url:
        same = [l for l in licenses if (l.site_url or "").lower() == lic.site_url.lower()]
        if len(same) == 1:
            return {"siteUrl": lic.site_url.lower()}
        if lic.subscription_id and len([l for l in same if l.subscription_id == lic.subscription_id]) == 1:
            return {"siteUrl": lic.site_url.lower(), "subscriptionId": lic.subscription_id}
    return {"id": lic.id}


def resolve_pool(ref: Any, licenses: list[License]) -> License | None:
    try:
        model = LicenseRef.model_validate(dict(ref))
    except (ValidationError, TypeError, ValueError):
        return None
    found = _resolve(model, {lic.id: lic for lic in licenses})
    return None if isinstance(found, str) else found


def pool_label(lic: License) -> str:
    return f"{lic.site_url} ({lic.name})" if lic.site_url else (lic.name or lic.id)


# =============================================================================================
# ruamel helpers: in-place edits that keep humans' comments
# =============================================================================================

def yaml_rt() -> YAML:
    y = YAML(typ="rt")
    y.indent(mapping=2, sequence=4, offset=2)
    y.width = 4096
    y.preserve_quotes = True
    return y


def flow(d: dict[str, Any]) -> CommentedMap:
    m = CommentedMap(d)
    m.fa.set_flow_style()
    return m


def _is_block(value: Any) -> bool:
    return isinstance(value, (CommentedMap, CommentedSeq)) and len(value) > 0 and not value.fa.flow_style()


def _last_key(value: Any) -> Any:
    return list(value.keys())[-1] if isinstance(value, CommentedMap) else len(value) - 1


def _following_lines(container: Any, key: Any) -> str:
    """Comment lines below ``container[key]`` (after its eol comment): they describe what
    follows. ruamel keeps them on the deepest last scalar, or in a block's ``ca.end`` when the
    block ends with a flow collection."""
    value = container[key]
    if _is_block(value):
        if value.ca.end:
            return "".join(_line_text(t) for t in value.ca.end if isinstance(t, CommentToken))
        return _following_lines(value, _last_key(value))
    entry = container.ca.items.get(key)
    pos = 2 if isinstance(container, CommentedMap) else 0
    tok = entry[pos] if entry is not None and len(entry) > pos else None
    if not isinstance(tok, CommentToken):
        return ""
    _, sep, rest = tok.value.partition("\n")
    return rest if sep else ""


def _line_text(tok: CommentToken) -> str:
    """A whole-line comment token as text with its indentation."""
    col = tok.start_mark.column if tok.start_mark is not None else 0
    return " " * col + tok.value if not tok.value.startswith(("\n", " ")) else tok.value.lstrip("\n")


def _append_following(container: Any, key: Any, lines: str) -> None:
    if not lines:
        return
    value = container[key]
    if _is_block(value):
        last = value[_last_key(value)]
        if value.ca.end or isinstance(last, (CommentedMap, CommentedSeq)) and last.fa.flow_style():
            stripped = lines.lstrip(" ")
            if value.ca.comment is None:
                value.ca.comment = [None, None]  # ruamel only emits `end` next to a `comment` list
            value.ca.end = list(value.ca.end or []) + [
                CommentToken(stripped, CommentMark(len(lines) - len(stripped)), None)]
            return
        _append_following(value, _last_key(value), lines)
        return
    pos = 2 if isinstance(container, CommentedMap) else 0
    entry = container.ca.items.setdefault(key, [None, None, None, None])
    while len(entry) <= pos:
        entry.append(None)
    tok = entry[pos]
    if isinstance(tok, CommentToken):
        tok.value = (tok.value if tok.value.endswith("\n") else tok.value + "\n") + lines
    else:
        entry[pos] = CommentToken("\n" + lines, CommentMark(0), None)


def remove(container: Any, key: Any) -> None:
    """Delete ``container[key]`` keeping the comment lines that stood below it (they belong to
    whatever follows) by moving them to the previous sibling."""
    lines = _following_lines(container, key)
    keys = list(container.keys()) if isinstance(container, CommentedMap) else list(range(len(container)))
    idx = keys.index(key)
    del container[key]
    if lines and idx > 0:
        _append_following(container, keys[idx - 1], lines)


def _same(old: Any, new: Any) -> bool:
    if isinstance(new, datetime) or isinstance(old, datetime):
        try:
            return _naive(old) == _naive(new)
        except (TypeError, ValueError):
            return False
    if isinstance(new, str) and isinstance(old, str):
        return old == new
    return old == new


def _naive(v: Any) -> datetime:
    if isinstance(v, datetime):
        d = datetime(v.year, v.month, v.day, v.hour, v.minute, v.second)
        return d
    return datetime.fromisoformat(str(v).replace(" ", "T")).replace(tzinfo=None, microsecond=0)


def set_value(m: CommentedMap, key: str, value: Any, changes: list[str], where: str) -> None:
    """Set only when different; None removes the key."""
    if value is None:
        if key in m:
            remove(m, key)
            changes.append(f"~ {where}.{key}: removed")
        return
    if key in m and _same(m[key], value):
        return
    changes.append(f"~ {where}.{key}: {_show(m.get(key))} -> {_show(value)}" if key in m else f"~ {where}.{key}: set")
    m[key] = value


def _show(v: Any) -> str:
    s = str(v)
    return s if len(s) <= 40 else s[:37] + "..."


def timestamp(local: datetime) -> TimeStamp:
    ts = TimeStamp(local.year, local.month, local.day, local.hour, local.minute, local.second)
    ts._yaml["t"] = True  # 2027-01-04T09:30:00, as people write it
    return ts


# =============================================================================================
# Building / updating the document
# =============================================================================================

@dataclass
class Notes:
    """What the notes block at the end of the file says."""

    not_adoptable: list[tuple[LiveMeeting, str]] = field(default_factory=list)
    empty_pools: list[License] = field(default_factory=list)


def build_document(
    existing: CommentedMap | None, org: OrgRead, *, stack: str, owner: str,
) -> tuple[CommentedMap, list[str], Notes]:
    doc = existing if existing is not None else CommentedMap()
    changes: list[str] = []
    notes = Notes()
    if existing is None:
        doc["description"] = f"{org.org_name or 'The org'}, adopted from the live org by `webex-iac discover`."
    _merge_sites(doc, org, owner, changes)
    _merge_licenses(doc, org, owner, changes, notes)
    _merge_meetings(doc, org, stack, changes, notes)
    return doc, changes, notes


def _section(doc: CommentedMap, key: str) -> CommentedMap:
    if not isinstance(doc.get(key), CommentedMap):
        doc[key] = CommentedMap()
    return doc[key]


def _drop_if_empty(doc: CommentedMap, key: str) -> None:
    if key in doc and isinstance(doc[key], CommentedMap) and not doc[key]:
        remove(doc, key)


def _merge_sites(doc: CommentedMap, org: OrgRead, owner: str, changes: list[str]) -> None:
    sites = _section(doc, "sites")
    seen: set[str] = set()
    for name in list(sites.keys()):
        entry = sites[name]
        url = str((entry or {}).get("siteUrl") or "").lower() if isinstance(entry, dict) else ""
        if url not in org.site_settings:
            remove(sites, name)
            changes.append(f"- sites.{name}: {url or '?'} is no longer a meeting site of the org")
            continue
        seen.add(url)
        live = org.site_settings[url]
        declared = entry.get("commonSettings")
        if live and isinstance(declared, CommentedMap):
            _update_leaves(declared, live, changes, f"sites.{name}.commonSettings")
    for url in org.sites():
        if url in seen:
            continue
        entry = CommentedMap()
        entry["siteUrl"] = url
        entry["owner"] = owner
        if org.site_settings.get(url):
            entry["commonSettings"] = _to_commented(org.site_settings[url])
        name = slug(url.split(".")[0], "site")
        if name in sites:
            name = unique_name(slug(url, "site"), sites.keys())
        sites[name] = entry
        changes.append(f"+ sites.{name}: {url}")
    _drop_if_empty(doc, "sites")


def _to_commented(d: dict[str, Any]) -> CommentedMap:
    out = CommentedMap()
    for k, v in d.items():
        if isinstance(v, dict):
            out[k] = _to_commented(v)
        elif isinstance(v, list):
            out[k] = flow_seq(v)
        else:
            out[k] = v
    return out


def flow_seq(items: list[Any]) -> CommentedSeq:
    s = CommentedSeq(items)
    s.fa.set_flow_style()
    return s


def _update_leaves(node: CommentedMap, live: dict[str, Any], changes: list[str], where: str) -> None:
    for key in list(node.keys()):
        if key not in live:
            continue
        if isinstance(node[key], CommentedMap) and isinstance(live[key], dict):
            _update_leaves(node[key], live[key], changes, f"{where}.{key}")
        elif isinstance(live[key], list):
            if list(node[key] or []) != list(live[key]):
                changes.append(f"~ {where}.{key}")
                node[key] = flow_seq(list(live[key]))
        elif not (isinstance(live[key], str) and isinstance(node[key], str) and node[key].lower() == live[key].lower()) \
                and node[key] != live[key]:
            changes.append(f"~ {where}.{key}: {_show(node[key])} -> {_show(live[key])}")
            node[key] = live[key]


def _new_pool(lic: License, org: OrgRead) -> CommentedMap:
    pool = CommentedMap()
    pool["license"] = flow(license_ref(lic, org.licenses))
    if "id" in pool["license"]:
        pool.yaml_add_eol_comment(lic.name or "license", "license")
    if lic.total_units is not None:
        pool["capacity"] = lic.total_units
    pool["exclusive"] = True
    groups, rest = group_holders(org.holders[lic.id], org.groups)
    if groups:
        pool["groups"] = CommentedSeq(groups)
    users = sorted(org.email_of(pid) for pid in rest)
    if users:
        pool["users"] = CommentedSeq(users)
    return pool


def _sync_pool(pool: CommentedMap, lic: License, org: OrgRead, changes: list[str], where: str) -> None:
    holders = org.holders[lic.id]
    groups = pool.get("groups")
    covered: set[str] = set()
    if isinstance(groups, CommentedSeq):
        for i in reversed(range(len(groups))):
            members = org.groups.get(str(groups[i]))
            if members is None or not members <= holders:
                why = "no longer exists" if members is None else "has members without this license"
                changes.append(f"~ {where}.groups: {groups[i]} {why}; its holders are listed as users")
                remove(groups, i)
            else:
                covered |= members
        if not groups:
            remove(pool, "groups")
    users = pool.get("users")
    declared: set[str] = set(covered)
    if isinstance(users, CommentedSeq):
        for i in reversed(range(len(users))):
            person = org.by_email.get(str(users[i]).strip().lower())
            if person is None or person.id not in holders:
                changes.append(f"- {where}.users: {users[i]}")
                remove(users, i)
            else:
                declared.add(person.id)
    missing = sorted(org.email_of(pid) for pid in holders - declared)
    if missing:
        if not isinstance(pool.get("users"), CommentedSeq):
            pool["users"] = CommentedSeq()
        for email in missing:
            pool["users"].append(email)
            changes.append(f"+ {where}.users: {email}")
    if isinstance(pool.get("users"), CommentedSeq) and not pool["users"]:
        remove(pool, "users")
    if "capacity" in pool and lic.total_units is not None and pool["capacity"] != lic.total_units:
        changes.append(f"~ {where}.capacity: {pool['capacity']} -> {lic.total_units}")
        pool["capacity"] = lic.total_units


def _merge_licenses(doc: CommentedMap, org: OrgRead, owner: str, changes: list[str], notes: Notes) -> None:
    dists = _section(doc, "licenses")
    matched: set[str] = set()
    for dname in list(dists.keys()):
        dist = dists[dname]
        pools = dist.get("pools") if isinstance(dist, CommentedMap) else None
        if not isinstance(pools, CommentedSeq):
            continue
        for i in reversed(range(len(pools))):
            pool = pools[i]
            ref = pool.get("license") if isinstance(pool, CommentedMap) else None
            lic = resolve_pool(ref, org.licenses) if isinstance(ref, dict) else None
            if lic is None and isinstance(ref, dict) and pool_vanished(ref, org.licenses):
                changes.append(f"- licenses.{dname}.pools[{i}]: {dict(ref)} no longer matches a pool of the org")
                remove(pools, i)
                continue
            if lic is None or lic.id in matched:
                continue  # unparseable (left for the loader to report) or a duplicate
            matched.add(lic.id)
        for i, pool in enumerate(pools):
            ref = pool.get("license") if isinstance(pool, CommentedMap) else None
            lic = resolve_pool(ref, org.licenses) if isinstance(ref, dict) else None
            if lic is not None:
                _sync_pool(pool, lic, org, changes, f"licenses.{dname}.pools[{i}]")
        if not pools:
            changes.append(f"- licenses.{dname}: none of its pools exists any more")
            remove(dists, dname)

    new = [lic for lic in org.licenses if lic.id not in matched]
    notes.empty_pools = [lic for lic in new if not org.holders[lic.id]]
    new = [lic for lic in new if org.holders[lic.id]]
    # Meeting pools join the distribution that already moves users between sites.
    meeting_new = [lic for lic in new if lic.site_url]
    if meeting_new:
        target = meeting_distribution(dists, org.licenses)
        if target is None:
            target = unique_name(MEETINGS_DISTRIBUTION, dists.keys())
            dists[target] = CommentedMap([("owner", owner), ("pools", CommentedSeq())])
        for lic in meeting_new:
            dists[target]["pools"].append(_new_pool(lic, org))
            changes.append(f"+ licenses.{target}: pool {pool_label(lic)}, {len(org.holders[lic.id])} holders")
    for lic in new:
        if lic.site_url:
            continue
        name = unique_name(slug(lic.name or "license", "license"), dists.keys())
        dists[name] = CommentedMap([("owner", owner), ("pools", CommentedSeq([_new_pool(lic, org)]))])
        changes.append(f"+ licenses.{name}: pool {pool_label(lic)}, {len(org.holders[lic.id])} holders")
    _drop_if_empty(doc, "licenses")


def meeting_distribution(dists: CommentedMap, licenses: list[License]) -> str | None:
    """The first distribution of the file that holds a meeting-site pool."""
    for name, d in dists.items():
        for p in (d.get("pools") or []) if isinstance(d, CommentedMap) else []:
            ref = p.get("license") if isinstance(p, CommentedMap) else None
            lic = resolve_pool(ref, licenses) if isinstance(ref, dict) else None
            if (lic is not None and lic.site_url) or (isinstance(ref, dict) and ref.get("siteUrl")):
                return name
    return None


def pool_vanished(ref: Any, licenses: list[License]) -> bool:
    """The reference is valid and matches no pool (an ambiguous one is left for a human)."""
    try:
        model = LicenseRef.model_validate(dict(ref))
    except (ValidationError, TypeError, ValueError):
        return False
    found = _resolve(model, {lic.id: lic for lic in licenses})
    return isinstance(found, str) and found.startswith("no ")


def meeting_props(m: LiveMeeting) -> dict[str, Any] | None:
    """The StandingMeeting inputs that describe ``m`` exactly (None: not expressible)."""
    if m.start is None or m.minutes is None:
        return None
    try:
        tz = ZoneInfo(m.timezone)
    except Exception:  # noqa: BLE001 - unknown zone name
        tz = ZoneInfo("UTC")
    local = m.start.astimezone(tz).replace(tzinfo=None)
    props: dict[str, Any] = {
        "host": m.host, "siteUrl": m.site_url, "title": m.title, "agenda": m.agenda, "start": local,
        "durationMinutes": m.minutes, "timezone": tz.key, "recurrence": m.recurrence,
        "invitees": [{"email": e, **({"coHost": True} if co else {})} for e, co in m.invitees or [] if e != m.host],
        "adoptMeetingId": m.id,
    }
    return props


def check_meeting(props: dict[str, Any]) -> str | None:
    try:
        StandingMeetingArgs.model_validate({k: v for k, v in props.items() if v is not None})
        return None
    except ValidationError as e:
        return "; ".join(f"{'.'.join(map(str, err['loc']))}: {err['msg'].removeprefix('Value error, ')}" for err in e.errors())


def _new_meeting(props: dict[str, Any], owner: str) -> CommentedMap:
    e = CommentedMap()
    e["owner"] = owner
    e["adoptMeetingId"] = props["adoptMeetingId"]
    for k in ("host", "siteUrl", "title", "agenda"):
        if props.get(k) is not None:
            e[k] = props[k]
    e["start"] = timestamp(props["start"])
    e["durationMinutes"] = props["durationMinutes"]
    e["timezone"] = props["timezone"]
    if props.get("recurrence"):
        e["recurrence"] = props["recurrence"]
    if props["invitees"]:
        e["invitees"] = CommentedSeq(flow(i) for i in props["invitees"])
    return e


def _sync_meeting(e: CommentedMap, props: dict[str, Any], changes: list[str], where: str) -> None:
    for k in ("host", "siteUrl", "title", "agenda", "durationMinutes", "timezone"):
        old = e.get(k)
        new = props.get(k)
        if k in ("host", "siteUrl") and isinstance(old, str) and new and old.lower() == new:
            continue
        set_value(e, k, new, changes, where)
    if not _same(e.get("start"), props["start"]):
        changes.append(f"~ {where}.start: {_show(e.get('start'))} -> {props['start'].isoformat()}")
        e["start"] = timestamp(props["start"])
    if not same_recurrence(str(e.get("recurrence")) if e.get("recurrence") else None, props.get("recurrence")):
        set_value(e, "recurrence", props.get("recurrence"), changes, where)
    want = {i["email"]: bool(i.get("coHost")) for i in props["invitees"]}
    seq = e.get("invitees")
    have = {}
    if isinstance(seq, CommentedSeq):
        have = {str(i.get("email", "")).lower(): bool(i.get("coHost")) for i in seq if isinstance(i, dict)}
    if have == want:
        return
    if not isinstance(seq, CommentedSeq):
        seq = e["invitees"] = CommentedSeq()
    for i in reversed(range(len(seq))):
        item = seq[i]
        email = str(item.get("email", "")).lower() if isinstance(item, dict) else ""
        if email not in want:
            changes.append(f"- {where}.invitees: {email}")
            remove(seq, i)
        elif bool(item.get("coHost")) != want[email]:
            changes.append(f"~ {where}.invitees: {email} coHost -> {want[email]}")
            if want[email]:
                item["coHost"] = True
            elif "coHost" in item:
                item["coHost"] = False
    present = {str(i.get("email", "")).lower() for i in seq if isinstance(i, dict)}
    for email in sorted(want.keys() - present):
        seq.append(flow({"email": email, **({"coHost": True} if want[email] else {})}))
        changes.append(f"+ {where}.invitees: {email}")
    if not seq:
        remove(e, "invitees")


def _merge_meetings(doc: CommentedMap, org: OrgRead, stack: str, changes: list[str], notes: Notes) -> None:
    meetings = _section(doc, "meetings")
    live = {m.id: m for m in org.meetings}
    claimed: set[str] = set()
    for name in list(meetings.keys()):
        e = meetings[name]
        if not isinstance(e, CommentedMap):
            continue
        mid = e.get("adoptMeetingId")
        if mid:
            m = live.get(str(mid))
            host = str(e.get("host") or "").lower()
            if m is None:
                if host in org.scanned_hosts or host not in org.by_email:
                    changes.append(f"- meetings.{name}: series {mid} is no longer in the org (ended or deleted)")
                    remove(meetings, name)
                continue
            claimed.add(m.id)
            props = meeting_props(m)
            if props is None or m.invitees is None or check_meeting(props):
                continue  # keep the human's entry as it is; the notes say why
            _sync_meeting(e, props, changes, f"meetings.{name}")
        else:
            # Declared (created and managed by `up`): don't adopt its live series a second time.
            tag = integration_tag(stack, name)
            host, site, title = (str(e.get(k) or "").lower() for k in ("host", "siteUrl", "title"))
            for m in org.meetings:
                if tag in m.integration_tags or (m.host == host and m.site_url == site and m.title.lower() == title):
                    claimed.add(m.id)
    for m in sorted(org.meetings, key=lambda m: (m.title.lower(), m.host, m.id)):
        if m.id in claimed:
            continue
        props = meeting_props(m)
        why = "no start or end" if props is None else (
            "invitees unreadable" if m.invitees is None else check_meeting(props))
        if why:
            notes.not_adoptable.append((m, why))
            continue
        base = slug(m.title, "meeting")
        name = base if base not in meetings else unique_name(slug(f"{m.title} {m.host.split('@')[0]}", "meeting"), meetings.keys())
        meetings[name] = _new_meeting(props, m.host)
        changes.append(f"+ meetings.{name}: {m.title!r} hosted by {m.host} (adopts {m.id})")
    _drop_if_empty(doc, "meetings")


# =============================================================================================
# The two generated comment blocks, and reading/writing the file
# =============================================================================================

def _count(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def header_lines(org: OrgRead) -> list[str]:
    created = f" (created {org.org_created.date().isoformat()})" if org.org_created else ""
    lines = [
        f"{BLOCK_START}: summary (this block and the notes at the end are rewritten by every run)",
        f"Org {org.org_name or org.org_id or '?'}{created}, read through {org.base_url}:",
        f"  {_count(len(org.people), 'person', 'people')}, {_count(len(org.groups), 'group')}, "
        f"{_count(len(org.licenses), 'license pool')}, {_count(len(org.sites()), 'meeting site')}, "
        f"{_count(len(org.admins), 'admin')}.",
        "License pools (used/total; holders declared below):",
    ]
    width = max((len(pool_label(l)) for l in org.licenses), default=0)
    for lic in org.licenses:
        used = f"{lic.consumed_units if lic.consumed_units is not None else '?'}/{lic.total_units if lic.total_units is not None else '?'}"
        extra = " (no holders: not declared)" if not org.holders[lic.id] else ""
        sub = f"  subscription {lic.subscription_id}" if lic.subscription_id else ""
        lines.append(f"  {pool_label(lic).ljust(width)}  {used:>9}{sub}{extra}")
    lines += [
        f"Distributions: `{MEETINGS_DISTRIBUTION}` holds every meeting-site pool (a user moves between sites in one",
        "  PATCH, within both pools' capacity); every other pool has its own. Pools are exclusive: an",
        "  undeclared holder loses the license on `up`. A declared group is its live membership.",
        f"Standing meetings: {_count(len(org.meetings), 'series', 'series')} found for {_count(len(org.scanned_hosts), 'host')} scanned "
        f"(people with a meeting-site account), next {org.horizon_days} days;",
        "  declared with adoptMeetingId: `up` takes each series over and creates nothing.",
        f"{BLOCK_END}: summary",
    ]
    return lines


def notes_lines(org: OrgRead, notes: Notes) -> list[str]:
    out = [f"{BLOCK_START}: notes"]
    if org.space_meetings:
        out += [
            f"Space meetings: {len(org.space_meetings)} (roomId) — NOT declared: a space is no longer a meeting",
            "  destination (error 30105). Move each to a standing meeting on a site its host is licensed for",
            "  (`webex-iac migration-report --target-site <site>` plans the licenses):",
        ]
        for m in sorted(org.space_meetings, key=lambda m: (m.host, m.id)):
            rec = f" {m.recurrence}" if m.recurrence else ""
            out.append(f"    {m.host}  {m.site_url}  {m.title!r}{rec}  meeting {m.id}  room {m.room_id}")
    if notes.not_adoptable:
        out.append(f"Not declared ({len(notes.not_adoptable)} series a StandingMeeting cannot describe exactly):")
        for m, why in notes.not_adoptable:
            out.append(f"    {m.host}  {m.title!r}  meeting {m.id}: {why}")
    if org.other_meetings:
        out.append(f"Not declared ({len(org.other_meetings)} webinars / personal room meetings):")
        for m in org.other_meetings:
            out.append(f"    {m.host}  {m.scheduled_type}  {m.title!r}  meeting {m.id}")
    if org.unscanned_hosts:
        out.append(f"Meeting scan truncated: {len(org.unscanned_hosts)} people with a site account were not scanned "
                   "(raise --max-host-scans); their meetings are not declared and not dropped.")
    if org.scan_errors:
        shown = "; ".join(f"{h} ({e})" for h, e in sorted(org.scan_errors.items())[:10])
        more = f"; … and {len(org.scan_errors) - 10} more" if len(org.scan_errors) > 10 else ""
        out.append(f"Meetings of {len(org.scan_errors)} host(s) could not be listed (not declared, not dropped): "
                   f"{shown}{more}")
    if notes.empty_pools:
        out.append("Pools without holders (not declared): " + ", ".join(
            f"{pool_label(l)} ({l.total_units} units)" for l in notes.empty_pools))
    for site, note in sorted(org.site_notes.items()):
        out.append(f"Site {site}: {note}")
    out.append(f"Service Apps: no API lists the Service Apps authorized for an org; {org.apps_note}")
    if org.apps:
        out.append("  found these applications with live grants (any of them may be a Service App):")
        for a in org.apps:
            out.append(f"    {a['applicationName']}  clientId {a['clientId']}  (held by {', '.join(a['heldBy'])})")
    else:
        out.append("  found no application grants.")
    out += [
        "  Declare an authorized Service App yourself (discover never does: its client secret cannot be",
        "  read, and `up` mints its org token with POST /applications/{id}/token, a write):",
        "# serviceApps:",
        "#   provisioning-app:",
        "#     owner: platform-team@example.com",
        "#     applicationId: <base64 APPLICATION id from developer.webex.com>",
        "#     clientId: <C... client id>",
        "#     clientSecretConfig: provisioningAppClientSecret  # pulumi config set --secret provisioningAppClientSecret ...",
        "#     scopes: [spark-admin:people_read, guest-issuer:write]",
    ]
    out.append(f"{BLOCK_END}: notes")
    return out


def _as_comments(lines: list[str]) -> str:
    return "".join((ln if ln.startswith("#") else f"# {ln}").rstrip() + "\n" for ln in lines)


def strip_generated(text: str) -> str:
    """The file without the schema line and the generated blocks (and their blank separators)."""
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        ln = lines[i]
        if ln.strip() == SCHEMA_LINE:
            i += 1
            continue
        if ln.startswith(BLOCK_START):
            if out and not out[-1].strip():
                out.pop()  # the blank line we put before a block
            j = i
            while j < len(lines) and not lines[j].startswith(BLOCK_END):
                j += 1
            i = j + 1
            if i < len(lines) and not lines[i].strip():
                i += 1  # the blank line we put after a block
            continue
        out.append(ln)
        i += 1
    return "\n".join(out) + ("\n" if out else "")


def load_existing(path: Path) -> CommentedMap | None:
    """The existing stack file, round trip; refused when invalid (discover would guess)."""
    if not path.exists():
        return None
    from .stack_file import StackFileError, load_stack_file

    try:
        load_stack_file(path, display=str(path), allow_empty=True)
    except StackFileError as e:
        raise DiscoverError(f"the existing stack file is invalid; fix it (or move it away) first:\n{e}") from None
    try:
        data = yaml_rt().load(strip_generated(path.read_text()))
    except YAMLError as e:
        raise DiscoverError(f"{path}: not valid YAML, fix or move it first: {e}") from None
    if data is None:
        return None
    if not isinstance(data, CommentedMap):
        raise DiscoverError(f"{path}: not a stack file (the top level must be a mapping)")
    return data


def render(doc: CommentedMap, header: list[str], trailer: list[str]) -> str:
    buf = io.StringIO()
    if doc:
        yaml_rt().dump(doc, buf)
    body = buf.getvalue().rstrip("\n") + "\n" if doc else ""
    text = SCHEMA_LINE + "\n" + _as_comments(header) + "\n" + body
    if trailer:
        text += "\n" + _as_comments(trailer)
    return text


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text)
    os.replace(tmp, path)


def validate_text(text: str, display: str) -> None:
    """The written file must load with the stack-file loader (schema + names + pools)."""
    import tempfile

    from .stack_file import StackFileError, load_stack_file

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "stack.yaml"
        p.write_text(text)
        try:
            load_stack_file(p, display=display, allow_empty=True)
        except StackFileError as e:
            raise DiscoverError(f"the generated file does not validate (a bug; nothing written):\n{e}") from None


# =============================================================================================
# The command
# =============================================================================================

def default_stack_path(project_dir: Path, stack: str) -> Path:
    return project_dir / "stacks" / f"{stack}.yaml"


def run_discover(
    conn: Connection, path: Path, *, owner: str | None, max_host_scans: int, horizon_days: int,
    steps: Steps, display: str | None = None,
) -> tuple[str, list[str], OrgRead, Notes]:
    existing = load_existing(path)
    org = read_org(conn, steps=steps, max_host_scans=max_host_scans, horizon_days=horizon_days)
    owner = owner or org.me_email or "unowned"
    doc, changes, notes = build_document(existing, org, stack=conn.stack, owner=owner)
    text = render(doc, header_lines(org), notes_lines(org, notes))
    validate_text(text, display or str(path))
    return text, changes, org, notes


common_options = [
    click.option("--stack", "-s", required=True, callback=validate_stack_name, help="Stack: its config (token, baseUrl) and stacks/<stack>.yaml."),
    click.option("--base-url", callback=validate_base_url_option,
                 help="Webex API root (default: the stack's webex:baseUrl, else https://webexapis.com/v1)."),
    click.option("--project-dir", type=click.Path(file_okay=False, path_type=Path), default=engine.REPO_ROOT,
                 show_default=False, help="Directory holding Pulumi.yaml and stacks/ (default: this checkout)."),
    click.option("--requests-per-second", type=click.FloatRange(min=0), default=None,
                 help="Client-side read rate ceiling (0 = unthrottled; default: the stack's webex:requestsPerSecond, else the client finds the limit)."),
]


def with_common(f: Callable) -> Callable:
    for opt in reversed(common_options):
        f = opt(f)
    return f


@click.command("discover")
@with_common
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write here instead of stacks/<stack>.yaml (an existing file is updated in place).")
@click.option("--owner", help="Owner of new entries (default: the email of the token's user).")
@click.option("--max-host-scans", type=click.IntRange(min=0), default=DEFAULT_MAX_HOST_SCANS, show_default=True,
              help="At most this many GET /meetings?hostEmail= calls.")
@click.option("--horizon-days", type=click.IntRange(min=1, max=3650), default=DEFAULT_HORIZON_DAYS, show_default=True,
              help="Adopt series with an occurrence in this many days.")
@click.option("--progress/--no-progress", default=None, help="Progress bars (default: on a terminal).")
def discover_command(stack: str, base_url: str | None, project_dir: Path, requests_per_second: float | None,
                     out: Path | None, owner: str | None, max_host_scans: int, horizon_days: int,
                     progress: bool | None) -> None:
    """Read the live org and write stacks/STACK.yaml so that `up` adopts it, writing nothing."""
    path = out or default_stack_path(project_dir, stack)
    if path.exists() and path.is_dir():
        raise click.BadParameter(f"{path} is a directory", param_hint="--out")
    conn = connect(stack, project_dir, base_url, requests_per_second)
    try:
        with Steps(progress) as steps:
            before = path.read_text() if path.exists() else None
            text, changes, org, notes = run_discover(
                conn, path, owner=owner, max_host_scans=max_host_scans, horizon_days=horizon_days, steps=steps)
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
