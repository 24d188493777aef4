"""Reading the org: people, pools and holders, groups, sites' settings, standing meetings, grants.

The one read of a live org that ``discover``, ``migration-report`` and ``snapshot`` share; its
public names (:class:`OrgRead`, :func:`read_org`, :class:`Steps`, :class:`LiveMeeting` and the
constants) are the API those commands build on. Domain helpers (emails, pool labels, the pools
of a site) live in :mod:`webex_iac.org_model`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from resources import CommonSettings
from webex_client import (
    APIConnectionError,
    AuthenticationError,
    PermissionDeniedError,
    WebexClient,
    WebexError,
    normalize_id,
)
from webex_client.types.licenses import License
from webex_client.types.people import Person

from ..org_model import meeting_pools, meeting_sites, primary_email, role_names
from .connection import Connection

MAX_ADMINS_FOR_AUTHORIZATIONS = 25
DEFAULT_MAX_HOST_SCANS = 5000
DEFAULT_HORIZON_DAYS = 366
ADMIN_ROLES = {"id_full_admin", "id_user_admin", "id_readonly_admin", "id_device_admin"}
# GET /authorizations: own-org Full, User or Device admins (read-only admins are refused).
TOKEN_ADMIN_ROLES = {"id_full_admin", "id_user_admin", "id_device_admin"}


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
    id_by_email: dict[str, str]  # lower-case email -> person id
    admins: list[str]
    licenses: list[License]
    holders: dict[str, set[str]]  # license id -> person ids
    groups: dict[str, set[str]]  # display name -> member person ids
    site_settings: dict[str, dict[str, Any] | None]  # site url -> writable settings (None: unreadable)
    site_notes: dict[str, str]
    meetings: list[LiveMeeting]  # standing series (no roomId, scheduledType meeting)
    space_meetings: list[LiveMeeting]  # roomId
    other_meetings: list[LiveMeeting]  # webinars, personal room meetings
    scanned_hosts: set[str]
    unscanned_hosts: list[str]
    scan_errors: dict[str, str]  # host -> why their meetings could not be listed
    horizon_days: int
    apps: list[dict[str, Any]]
    apps_note: str
    guest_like: list[str]  # directory people that look like guests
    group_ids: dict[str, str] = field(default_factory=dict)  # display name -> group id (snapshot)

    def email_of(self, person_id: str) -> str:
        p = self.by_id.get(person_id)
        return primary_email(p) if p else person_id

    def meeting_licenses(self) -> list[License]:
        return meeting_pools(self.licenses)

    def sites(self) -> list[str]:
        return meeting_sites(self.licenses)


class Steps:
    """Rich progress bars (on stderr, only on a terminal) around the long reads."""

    def __init__(self, enabled: bool | None = None) -> None:
        console = Console(stderr=True)
        show = console.is_terminal if enabled is None else enabled
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not show,
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
        id=m.id,
        host=(m.host_email or "").lower(),
        site_url=(m.site_url or "").lower(),
        title=m.title or "",
        agenda=m.agenda or None,
        start=_aware(m.start),
        end=_aware(m.end),
        timezone=m.timezone or "UTC",
        recurrence=m.recurrence or None,
        room_id=m.room_id or None,
        scheduled_type=str(getattr(st, "value", st) or "meeting"),
        integration_tags=list(m.integration_tags or []),
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
    id_by_email = {e: p.id for e, p in by_email.items() if p.id}
    admins = sorted(primary_email(p) for p in people if role_names(p) & ADMIN_ROLES)
    licenses = sorted(client.licenses.list(org_id=conn.config.org_id), key=lambda l: (l.site_url or "~", l.name or "", l.id))
    holders: dict[str, set[str]] = {lic.id: set() for lic in licenses}
    for p in people:
        if not p.id:
            continue  # every listed person has an id; the model allows None for partial bodies
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
    for site in meeting_sites(licenses):
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
    site_accounts = {lic.id for lic in meeting_pools(licenses)}
    candidates = [
        p
        for p in people
        if p.emails
        and str(getattr(p.type, "value", p.type) or "person") == "person"
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
            return [
                m
                for m in client.meetings.list(
                    host_email=email, meeting_type="meetingSeries", current=False, from_=window[0], to=window[1]
                )
                if (m.host_email or "").lower() == email
            ]
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
            scan_errors[primary_email(p)] = (
                f"{err.status}: {err.message}" if isinstance(err, WebexError) else f"{type(err).__name__}: {err}"
            )
            continue
        for m in r.value or []:
            if m.id not in seen:
                seen[m.id] = _live_meeting(m)
    all_series = sorted(seen.values(), key=lambda m: (m.host, m.title.lower(), m.id))

    t = steps.task("meeting invitees", total=len(all_series))

    def invitees_of(m: LiveMeeting) -> list[tuple[str, bool]] | None:
        try:
            return [
                ((i.email or "").lower(), bool(i.co_host))
                for i in client.meeting_invitees.list(m.id, host_email=m.host)
                if i.email and not i.panelist
            ]
        except WebexError:
            return None
        finally:
            steps.advance(t)

    for m, found in zip(all_series, client.map_concurrent(invitees_of, all_series)):
        m.invitees = found.value if found.ok else None

    meetings = [m for m in all_series if not m.room_id and m.scheduled_type == "meeting"]
    space = [m for m in all_series if m.room_id]
    other = [m for m in all_series if not m.room_id and m.scheduled_type != "meeting"]

    apps: list[dict[str, Any]] = []
    apps_note = "not read"
    if read_authorizations:
        apps, apps_note = _read_authorizations(client, [p for p in people if role_names(p) & TOKEN_ADMIN_ROLES])

    guest_like = sorted(
        primary_email(p)
        for p in people
        if str(getattr(p.type, "value", p.type) or "") == "appuser"
        or any(e.lower().endswith("@appid.ciscospark.com") for e in p.emails or [])
    )
    return OrgRead(
        base_url=conn.config.base_url,
        org_id=org_id,
        org_name=org_name,
        org_created=org_created,
        me_email=primary_email(conn.me) if conn.me else None,
        people=people,
        by_id=by_id,
        by_email=by_email,
        id_by_email=id_by_email,
        admins=admins,
        licenses=licenses,
        holders=holders,
        groups=groups,
        site_settings=site_settings,
        site_notes=site_notes,
        meetings=meetings,
        space_meetings=space,
        other_meetings=other,
        scanned_hosts={primary_email(p) for p in scan} - scan_errors.keys(),
        unscanned_hosts=unscanned,
        scan_errors=scan_errors,
        horizon_days=horizon_days,
        apps=apps,
        apps_note=apps_note,
        guest_like=guest_like,
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
            entry = apps.setdefault(
                key,
                {
                    "applicationName": a.application_name,
                    "applicationId": a.application_id,
                    "clientId": a.client_id,
                    "heldBy": set(),
                },
            )
            entry["heldBy"].add(primary_email(p))
    note = f"GET /authorizations for {len(asked)} admin(s)" + (f" (of {len(admins)})" if len(admins) > len(asked) else "")
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
