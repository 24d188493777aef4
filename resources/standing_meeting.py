"""StandingMeeting: a recurring meeting series for a host on a site, addressed by meetingId/SIP.

This is what replaces space (roomId) meetings in the Migration to Improved Space Meetings: the
host's license on ``siteUrl`` decides the meeting's capabilities, and the Web SDK / Meetings
Widget join it by ``meetingNumber``/``sipAddress``/``webLink`` (its ``meetingDestination``).

* In place, never a replace, for everything ``PATCH /meetings/{id}`` can change (title, agenda,
  start, duration, timezone, recurrence, options), for invitees/co-hosts (``/meetingInvitees``)
  and for the host (``POST /meetings/reassignHost``: meetingId, meeting number and SIP address
  stay, so every SDK/widget destination keeps working). Only ``siteUrl`` replaces.
* Recurrence is compared as a rule, not as text: Webex reorders RRULE components.
* Co-hosts: only someone holding the site's meeting license can be one; Webex keeps anyone else
  as a plain invitee, without an error. The policy pack refuses that declaration before any write
  (cohost-licensed-on-site: the license may come from this stack). Without the pack, Webex's
  answer is recorded (``coHostsKeptAsInvitees``) and is not a difference while the person still
  lacks the license, so the stack settles instead of re-sending the same PUT on every run.
* Adoption: ``adoptMeetingId`` takes over an existing series instead of creating one (Python
  dynamic providers cannot use ``pulumi import``). Every managed series also carries an
  integration tag, so a create whose outcome was lost is found again rather than duplicated.
* ``password`` and ``hostKey`` are secret outputs.
"""

from __future__ import annotations

import hashlib
import weakref
from datetime import datetime, timedelta, timezone as dt_timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pulumi
from dateutil import rrule
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult
from pydantic import Field, field_validator

from webex_client import NotFoundError, PermissionDeniedError
from webex_client.types.meetings import Meeting
from webex_iac.org_model import site_pools

from . import _meeting_cache
from ._common import ERROR_30105, Email, Model
from ._provider import Outputs, Secret, WebexProvider, WebexResource

TAG_PREFIX = "webex-iac:"
# Webex's own limits ([SM] createMeeting).
MIN_MINUTES, MAX_MINUTES = 10, 23 * 60 + 59
MAX_OCCURRENCES = {"YEARLY": 5, "MONTHLY": 60, "WEEKLY": 261, "DAILY": 1826}
# -- What the service normalises: the ONE list the comparisons below follow ----------------------
# A false difference is destructive, not cosmetic: each PATCH of start or recurrence cancels all
# exception occurrences of a series ([SM] updateMeeting). Sources: docs/webex-behaviour.md
# "Meeting times and recurrence" (RRULE normalisation, truncation), "Converged sites" (Warning 1001 "Unsupported attributes on a converged site").
#
# RRULE: component order and letter case; defaults spelled out or dropped (INTERVAL=1, WKST=MO);
# the order of BYDAY/BYMONTHDAY/BYMONTH/BYSETPOS lists; a WEEKLY rule without BYDAY gets the
# start's weekday; UNTIL as a date or a date-time of that date.
_RRULE_DEFAULTS = {"INTERVAL": "1", "WKST": "MO"}
_RRULE_LISTS = ("BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS")
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# Options a converged site may answer differently from what was sent (Warning 1001). When the
# service answered a declared value with another one, that answer is kept in the state
# (`serverNormalised`) and is not a difference while the declaration stays the same.
CONVERGED_SITE_OPTIONS = frozenset(
    {
        "public_meeting",
        "entry_and_exit_tone",
        "audio_connection_type",
        "enabled_polling",
        "enabled_note",
        "note_type",
        "enabled_ucf_rich_media",
    }
)


class MeetingOptions(Model):
    """Meeting settings a standing meeting may declare (the names of POST /meetings)."""

    enabled_join_before_host: bool | None = None
    join_before_host_minutes: int | None = Field(default=None, description="0, 5, 10 or 15.")
    enable_connect_audio_before_host: bool | None = None
    enabled_auto_record_meeting: bool | None = None
    allow_any_user_to_be_co_host: bool | None = None
    allow_first_user_to_be_co_host: bool | None = None
    allow_authenticated_devices: bool | None = None
    exclude_password: bool | None = None
    public_meeting: bool | None = None
    reminder_time: int | None = None
    enable_automatic_lock: bool | None = None
    automatic_lock_minutes: int | None = None
    require_attendee_login: bool | None = None
    restrict_to_invitees: bool | None = None
    unlocked_meeting_join_security: str | None = Field(
        default=None, description="allowJoin, allowJoinWithLobby or blockFromJoin."
    )

    @field_validator("join_before_host_minutes")
    @classmethod
    def _jbh(cls, v: int | None) -> int | None:
        if v is not None and v not in (0, 5, 10, 15):
            raise ValueError("joinBeforeHostMinutes must be 0, 5, 10 or 15")
        return v


class Invitee(Model):
    email: Email
    display_name: str | None = Field(default=None, max_length=128)
    co_host: bool = False


class StandingMeetingArgs(Model):
    """Inputs of a :class:`StandingMeeting`."""

    owner: str | None = Field(default=None, description="Owning team or email (ownership policy).")
    host: Email
    site_url: str = Field(description="Meeting site; the host must hold its meeting license.")
    title: str = Field(min_length=1, max_length=128)
    agenda: str | None = Field(default=None, max_length=1300)
    start: datetime = Field(description="First occurrence, local time in `timezone` (or with an offset).")
    duration_minutes: int = Field(ge=MIN_MINUTES, le=MAX_MINUTES)
    timezone: str = "UTC"
    recurrence: str | None = Field(default=None, description="RFC 2445 RRULE, e.g. FREQ=WEEKLY;BYDAY=MO.")
    options: MeetingOptions = Field(default_factory=MeetingOptions)
    invitees: list[Invitee] = Field(default_factory=list)
    adopt_meeting_id: str | None = Field(default=None, description="Take over this existing series instead of creating one.")
    room_id: str | None = Field(default=None, description="Refused: space meetings are migrated to meetingId/SIP (30105).")
    space_id: str | None = Field(default=None, description="Refused, as roomId.")

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{v!r} is not an IANA timezone") from None
        return v

    @field_validator("recurrence")
    @classmethod
    def _rrule(cls, v: str | None) -> str | None:
        if v is None:
            return None
        parts = parse_rrule(v)
        freq = parts.get("FREQ")
        if freq not in MAX_OCCURRENCES:
            raise ValueError("recurrence needs FREQ=DAILY, WEEKLY, MONTHLY or YEARLY")
        for key in ("BYDAY", "BYMONTHDAY"):
            if freq in ("MONTHLY", "YEARLY") and "," in parts.get(key, ""):
                first = parts[key].split(",")[0]
                raise ValueError(f"Webex keeps only the first {key} of a {freq} rule; declare {key}={first}")
        for key in ("COUNT", "INTERVAL"):
            if key in parts and not parts[key].isdigit():
                raise ValueError(f"{key} must be a whole number, not {parts[key]!r}")
        if "COUNT" in parts and int(parts["COUNT"]) > MAX_OCCURRENCES[freq]:
            raise ValueError(f"Webex truncates {freq} series to {MAX_OCCURRENCES[freq]} occurrences")
        try:
            rrule.rrulestr("RRULE:" + v, dtstart=datetime(2030, 1, 1))
        except (ValueError, TypeError) as e:
            raise ValueError(f"invalid RRULE: {e}") from None
        return v

    @field_validator("room_id", "space_id")
    @classmethod
    def _no_space_destination(cls, v: str | None) -> str | None:
        if v:
            raise ValueError(ERROR_30105)
        return v

    # -- derived ---------------------------------------------------------------------------
    def start_at(self) -> datetime:
        tz = ZoneInfo(self.timezone)
        return self.start.replace(tzinfo=tz) if self.start.tzinfo is None else self.start

    def end_at(self) -> datetime:
        return self.start_at() + timedelta(minutes=self.duration_minutes)


def parse_rrule(text: str) -> dict[str, str]:
    text = text.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    parts: dict[str, str] = {}
    for piece in filter(None, text.split(";")):
        if "=" not in piece:
            raise ValueError(f"invalid RRULE part {piece!r}")
        k, v = piece.split("=", 1)
        parts[k.strip().upper()] = v.strip().upper()
    return parts


def same_recurrence(a: str | None, b: str | None, start: datetime | None = None) -> bool:
    """Semantic RRULE equality, tolerant of every RRULE normalisation listed at the top."""
    if not a or not b:
        return not a and not b

    def canon(text: str) -> dict[str, str]:
        parts = parse_rrule(text)
        for k, default in _RRULE_DEFAULTS.items():
            if parts.get(k) == default:
                parts.pop(k)
        for k in _RRULE_LISTS:
            if k in parts:
                parts[k] = ",".join(sorted(parts[k].split(",")))
        if parts.get("FREQ") == "WEEKLY" and "BYDAY" not in parts and start is not None:
            parts["BYDAY"] = _WEEKDAYS[start.weekday()]
        if "UNTIL" in parts:
            parts["UNTIL"] = parts["UNTIL"][:8]  # the date; Webex may add the time of day
        return parts

    return canon(a) == canon(b)


def integration_tag(stack: str, name: str) -> str:
    # ≤ 64 characters (Webex's limit); stable per stack and resource name.
    digest = hashlib.sha256(f"{stack}/{name}".encode()).hexdigest()[:16]
    return f"{TAG_PREFIX}{digest}"


def _same_instant(a: datetime | None, b: datetime) -> bool:
    if a is None:
        return False
    a = a if a.tzinfo else a.replace(tzinfo=dt_timezone.utc)
    return abs(a - b) < timedelta(minutes=1)


def _start_matches(args: StandingMeetingArgs, live: Meeting) -> bool:
    """The live first occurrence is the declared start, or (for a series re-created after its
    declared start had passed) one of the declared rule's occurrences at the same time of day."""
    want = args.start_at()
    if _same_instant(live.start, want):
        return True
    if not args.recurrence or live.start is None:
        return False
    live_start = live.start if live.start.tzinfo else live.start.replace(tzinfo=dt_timezone.utc)
    rule = rrule.rrulestr("RRULE:" + args.recurrence, dtstart=want)
    nxt = rule.after(live_start - timedelta(minutes=1), inc=True)
    return nxt is not None and _same_instant(live_start, nxt)


def _live_minutes(live: Meeting) -> int | None:
    if live.start is None or live.end is None:
        return None
    return round((live.end - live.start).total_seconds() / 60)


def meeting_changes(args: StandingMeetingArgs, live: Meeting, normalised: dict[str, Any] | None = None) -> dict[str, Any]:
    """The PATCH body that makes ``live`` match ``args`` (empty when they match).
    ``normalised``: converged-site answers recorded earlier (``CONVERGED_SITE_OPTIONS``)."""
    normalised = normalised or {}
    patch: dict[str, Any] = {}
    if live.title != args.title:
        patch["title"] = args.title
    if (live.agenda or None) != (args.agenda or None):
        patch["agenda"] = args.agenda
    if (live.timezone or "UTC") != args.timezone:
        patch["timezone"] = args.timezone
    if not _start_matches(args, live) or _live_minutes(live) != args.duration_minutes:
        patch["start"] = args.start_at().isoformat()
        patch["end"] = args.end_at().isoformat()
    if not same_recurrence(args.recurrence, live.recurrence, args.start_at()):
        patch["recurrence"] = args.recurrence
    live_dump = live.model_dump(by_alias=False)
    for key, want in args.options.model_dump(exclude_none=True).items():
        have = live_dump.get(key)
        if have == want:
            continue
        if (
            key in CONVERGED_SITE_OPTIONS
            and key in normalised
            and normalised[key]["sent"] == want
            and normalised[key]["got"] == have
        ):
            continue  # the site answered this value with that one before: not a difference
        patch.setdefault("options", {})[key] = want
    return patch


def server_normalised(args: StandingMeetingArgs, live: Meeting, before: dict[str, Any] | None = None) -> dict[str, Any]:
    """Declared converged-site options the service answered with another value (state output
    ``serverNormalised``), merged over what was recorded ``before``."""
    out = {k: v for k, v in (before or {}).items() if getattr(args.options, k, None) == v.get("sent")}
    live_dump = live.model_dump(by_alias=False)
    for key, want in args.options.model_dump(exclude_none=True).items():
        if key in CONVERGED_SITE_OPTIONS and live_dump.get(key) is not None and live_dump.get(key) != want:
            out[key] = {"sent": want, "got": live_dump.get(key)}
    return out


# Webex refuses a start in the past ([SM] createMeeting); this margin keeps a
# start that is "now" at planning time from having passed when the request arrives.
START_MARGIN = timedelta(minutes=2)


def past_start_problem(args: StandingMeetingArgs, now: datetime | None = None) -> str | None:
    """Why no future start can be sent for ``args`` (None: one can, see ``_future_window``)."""
    now = now or datetime.now(dt_timezone.utc)
    start = args.start_at()
    if start > now + START_MARGIN:
        return None
    if args.recurrence:
        rule = rrule.rrulestr("RRULE:" + args.recurrence, dtstart=start)
        if rule.after(now + START_MARGIN) is not None:
            return None
        return (
            f"every occurrence of the declared series ({args.recurrence} from {start.isoformat()}) has passed; "
            "declare a future start or a rule with occurrences ahead"
        )
    return f"start {start.isoformat()} has passed and Webex refuses a meeting that starts in the past; declare a future start"


def _future_window(args: StandingMeetingArgs) -> tuple[datetime, datetime]:
    """Declared start/end, or — when the declared first occurrence has passed — the next
    occurrence of the declared rule: Webex refuses a start in the past, and a standing
    meeting declared last year must still be re-creatable. A one-off meeting whose start has
    passed has no such future: that is an error, never a request with a past start."""
    problem = past_start_problem(args)
    if problem:
        raise ValueError(f"{args.title}: {problem}")
    start = args.start_at()
    now = datetime.now(dt_timezone.utc)
    if start <= now + START_MARGIN and args.recurrence:
        rule = rrule.rrulestr("RRULE:" + args.recurrence, dtstart=start)
        nxt = rule.after(now + START_MARGIN)
        if nxt is not None:
            start = nxt
    return start, start + timedelta(minutes=args.duration_minutes)


def _first_occurrence(args: StandingMeetingArgs, start: datetime) -> datetime:
    """Where the service puts a series sent with ``start``: on the rule's first occurrence
    (a WEEKLY;BYDAY=MO series sent for a Wednesday starts the next Monday), to the minute."""
    start = start.replace(second=0, microsecond=0)
    if args.recurrence:
        nxt = rrule.rrulestr("RRULE:" + args.recurrence, dtstart=start).after(start, inc=True)
        if nxt is not None:
            return nxt
    return start


def _patch_body(patch: dict[str, Any], args: StandingMeetingArgs) -> dict[str, Any]:
    body = {k: v for k, v in patch.items() if k != "options"}
    opts = MeetingOptions(**patch.get("options", {}))
    body.update(opts.to_props())
    if ("start" in body or "recurrence" in body) and "timezone" not in body:
        body["timezone"] = args.timezone
    if "start" in body:
        start, end = _future_window(args)
        body["start"], body["end"] = start.isoformat(), end.isoformat()
    body["hostEmail"] = args.host
    return body


def invitee_changes(
    args: StandingMeetingArgs,
    live: list[Any],
    settled: frozenset[str] = frozenset(),
) -> tuple[list[Invitee], list[Any], list[tuple[Any, Invitee]]]:
    """(to add, to remove, to update) — the host is never an invitee of their own meeting.
    ``settled``: declared co-hosts Webex keeps as plain invitees (see ``kept_as_invitees``): their
    ``coHost: false`` is Webex's answer, not a difference (re-sending it would change nothing)."""
    want = {i.email: i for i in args.invitees if i.email != args.host}
    have = {(i.email or "").lower(): i for i in live}
    adds = [want[e] for e in sorted(want.keys() - have.keys())]
    removes = [have[e] for e in sorted(have.keys() - want.keys())]
    updates = [
        (have[e], want[e])
        for e in sorted(want.keys() & have.keys())
        if bool(have[e].co_host) != want[e].co_host and not (e in settled and not have[e].co_host)
    ]
    return adds, removes, updates


def kept_as_invitees(args: StandingMeetingArgs, live: list[Any]) -> list[str]:
    """Declared co-hosts that Webex holds as plain invitees (state output ``coHostsKeptAsInvitees``).

    Only someone who can host on the meeting's site (holds its meeting license) can be a co-host;
    Webex invites anyone else "as a non-cohost invitee" ([SM] createMeeting invitees) without an
    error. The policy pack refuses such a declaration before any write (cohost-licensed-on-site);
    without it, the provider records Webex's answer so the stack settles instead of sending the
    same PUT on every run, and sends it again once the person holds the license (diff)."""
    cohost = {(i.email or "").lower(): bool(i.co_host) for i in live}
    return sorted(i.email for i in args.invitees if i.co_host and i.email != args.host and cohost.get(i.email) is False)


# --- provider --------------------------------------------------------------------------------

# (client, host, site) -> why admin scheduling is impossible (None: possible), per provider process.
# Per client (weakly: a test's client that is gone must not hand its answers to a new one
# that happens to get the same id()), per (host, site): None or why scheduling is refused.
_ADMIN_PROBES: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], str | None]] = weakref.WeakKeyDictionary()


def _cannot_schedule(host: str, site_url: str, e: PermissionDeniedError) -> str:
    return (
        f"the token cannot schedule meetings for {host} on {site_url}: scheduling for "
        "another host needs the scope meeting:admin_schedule_write (and "
        "meeting:admin_schedule_read) and a Full or site administrator of that site. "
        f"Webex said: {e.message}"
    )


class StandingMeetingOutputs(Outputs):
    """What a :class:`StandingMeeting` adds to its inputs in the state: where SDKs and widgets
    join it (its ``meetingDestination``), and its secrets."""

    meeting_id: str | None = None
    meeting_number: str | None = None
    sip_address: str | None = None
    web_link: str | None = None
    password: Secret[str | None] = None
    host_key: Secret[str | None] = None
    adopted: bool | None = Field(default=None, description="Taken over with adoptMeetingId (not created).")
    server_normalised: dict[str, Any] | None = Field(
        default=None, description="Converged-site options the service answered differently: {option: {sent, got}}."
    )
    co_hosts_kept_as_invitees: list[str] | None = Field(
        default=None, description="Declared co-hosts Webex keeps as plain invitees (no meeting license on the site)."
    )


class StandingMeetingProvider(WebexProvider[StandingMeetingArgs]):
    args_model = StandingMeetingArgs
    outputs_model = StandingMeetingOutputs
    # Set by the program: the integration tag is derived from them.
    carried = ("name", "stack")

    def check_args(self, args: StandingMeetingArgs, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = []
        # The migration's core rule: the host's license on the site decides the meeting. Whether
        # the host holds it is judged by the policy pack (host-licensed-on-site), not here: the
        # license may come from a LicenseDistribution of this same stack, applied before us. So are
        # co-hosts (cohost-licensed-on-site).
        snap = self.runtime.snapshot
        host = snap.person(args.host)
        if host is None:
            failures.append(CheckFailure("host", f"{args.host} is not a person in the org"))
        else:
            if not site_pools(snap.licenses().values(), args.site_url):
                failures.append(CheckFailure("siteUrl", f"{args.site_url} is not a meeting site of this org"))
        if not olds and not args.adopt_meeting_id:
            problem = past_start_problem(args)  # a new series needs a start ahead
            if problem:
                failures.append(CheckFailure("start", problem))
        # A series already in the state, same host and site: diff reads it as that host
        # (GET ?hostEmail), which needs the same admin standing, so no separate probe (bench (g)).
        known = (
            bool(olds)
            and str(olds.get("host") or "").lower() == args.host
            and str(olds.get("siteUrl") or "").lower() == args.site_url.lower()
        )
        if host is not None and not failures and not known:
            problem = self._admin_scheduling_problem(args, new=not olds and not args.adopt_meeting_id)
            if problem:
                failures.append(CheckFailure("host", problem))
        return CheckResult(self.inputs(args, news), failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        args = self.parse(news)
        replaces = [k for k in ("siteUrl",) if olds.get(k) is not None and str(olds.get(k)).lower() != str(news.get(k)).lower()]
        if replaces:
            # A meeting cannot move to another site: a new series replaces it.
            return DiffResult(changes=True, replaces=replaces, delete_before_replace=True)
        live = self._live(_id, args, olds.get("host"))
        if live is None:
            # Deleted outside Pulumi: a new series (new meetingId) is the only way back.
            return DiffResult(changes=True, replaces=["meetingId"], delete_before_replace=True)
        host_changes = (live.host_email or "").lower() != args.host
        changed = host_changes or bool(meeting_changes(args, live, olds.get("serverNormalised")))
        inv = self.runtime.client.meeting_invitees.list(_id, host_email=live.host_email or args.host)
        changed = changed or any(invitee_changes(args, list(inv), self._settled(args, olds.get("coHostsKeptAsInvitees"))))
        return DiffResult(changes=changed or self.declaration_changed(olds, news), replaces=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        args = self.parse(props)
        client = self.runtime.client
        adopted = fresh = False
        live: Meeting | None  # None only until the tagged search below falls back to a create
        if args.adopt_meeting_id:
            live = client.meetings.get(args.adopt_meeting_id, host_email=args.host)
            if (live.site_url or "").lower() != args.site_url.lower():
                raise ValueError(f"meeting {args.adopt_meeting_id} is on {live.site_url}, not {args.site_url}")
            if (live.host_email or "").lower() != args.host:
                raise ValueError(f"meeting {args.adopt_meeting_id} is hosted by {live.host_email}, not {args.host}")
            adopted = True
        else:
            tag = integration_tag(props.get("stack") or "stack", props.get("name") or args.title)
            start, end = _future_window(args)
            live = self._find_tagged(args, tag, _first_occurrence(args, start))
            if live is None:
                self._refuse_lookalike(args, _first_occurrence(args, start))
                body: dict[str, Any] = {
                    "title": args.title,
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                    "timezone": args.timezone,
                    "siteUrl": args.site_url,
                    "hostEmail": args.host,
                    "integrationTags": [tag],
                    **args.options.to_props(),
                }
                if args.agenda:
                    body["agenda"] = args.agenda
                if args.recurrence:
                    body["recurrence"] = args.recurrence
                live = client.meetings.create(body)
                _meeting_cache.record(client, args.host, args.site_url, live)  # the next search sees it
                fresh = True
        live, kept = self._reconcile(live, args, fresh=fresh)
        outs = self.outputs(args, props, **self._live_outputs(live, adopted, server_normalised(args, live), kept))
        return CreateResult(id_=live.id, outs=outs)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        args = self.parse(news)
        live = self._live(_id, args, olds.get("host"))
        if live is None:
            raise ValueError(f"meeting {_id} no longer exists (deleted outside Pulumi); run a refresh")
        if (live.host_email or "").lower() != args.host:
            live = self._reassign(live, args)
        before = olds.get("serverNormalised")
        live, kept = self._reconcile(live, args, before, kept=olds.get("coHostsKeptAsInvitees"))
        outs = self.outputs(
            args, news, **self._live_outputs(live, bool(olds.get("adopted")), server_normalised(args, live, before), kept)
        )
        return UpdateResult(outs=outs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        host = props.get("host")
        try:
            live = self.runtime.client.meetings.get(id_, host_email=host)
        except NotFoundError:
            return ReadResult(None, {})
        # The declaration as stored, with what the org says now (drift shows in the next diff).
        outs = {**self.declared(props), **{k: props.get(k) for k in self.carried}}
        outs.update(
            {
                "title": live.title,
                "agenda": live.agenda,
                "timezone": live.timezone or props.get("timezone"),
                "recurrence": props.get("recurrence")
                if same_recurrence(props.get("recurrence"), live.recurrence)
                else live.recurrence,
            }
        )
        outs.update(
            self.outputs_model(
                **self._live_outputs(
                    live, bool(props.get("adopted")), props.get("serverNormalised"), props.get("coHostsKeptAsInvitees")
                )
            ).to_state()
        )
        return ReadResult(id_, outs)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        try:
            self.runtime.client.meetings.delete(_id, host_email=props.get("host"), send_email=False)
        except NotFoundError:
            pass  # already gone (deleted in the UI, or expired): nothing to undo

    # -- helpers ---------------------------------------------------------------------------
    def _live(self, meeting_id: str, args: StandingMeetingArgs, old_host: str | None = None) -> Meeting | None:
        """The series, read as its declared host or (mid host change) its previous one: a host
        only sees their own meetings."""
        for host in dict.fromkeys(h for h in (args.host, old_host) if h):
            try:
                return self.runtime.client.meetings.get(meeting_id, host_email=host)
            except NotFoundError:
                continue
            except PermissionDeniedError as e:  # check no longer probes a known series
                raise ValueError(_cannot_schedule(host, args.site_url, e)) from None
        return None

    def _admin_scheduling_problem(self, args: StandingMeetingArgs, new: bool = False) -> str | None:
        """Scheduling for someone else (``hostEmail``) needs ``meeting:admin_schedule_write`` and
        an admin of the site ([SM] hostEmail; docs/webex-behaviour.md "Scopes"). Checked in preview with a read
        that needs the same admin standing: listing the host's series on the site (read-only;
        once per host and site). The write scope itself cannot be probed without a write. For a
        ``new`` series the probe is the read its create searches (resources/_meeting_cache.py)."""
        client = self.runtime.client
        probes = _ADMIN_PROBES.setdefault(client, {})
        key = (args.host, args.site_url.lower())
        if key not in probes:
            me = _meeting_cache.me(client)
            if args.host in {e.lower() for e in (me.emails or [])}:
                probes[key] = None  # the token's own meetings: no admin rights needed
            else:
                try:
                    if new:
                        _meeting_cache.series_near(
                            client, args.host, args.site_url, _first_occurrence(args, _future_window(args)[0])
                        )
                    else:
                        next(
                            iter(
                                client.meetings.list(
                                    host_email=args.host, site_url=args.site_url, meeting_type="meetingSeries", page_size=1
                                )
                            ),
                            None,
                        )
                    probes[key] = None
                except PermissionDeniedError as e:
                    probes[key] = _cannot_schedule(args.host, args.site_url, e)
        return probes[key]

    def _reassign(self, live: Meeting, args: StandingMeetingArgs) -> Meeting:
        """``POST /meetings/reassignHost`` on the meeting's site; a 207 item is reported as is."""
        client = self.runtime.client
        results = client.meetings.reassign_host([live.id], args.host, site_url=args.site_url)
        failed = [r for r in results if not r.ok]
        if failed or not results:
            why = failed[0].reason() if failed else "no result for the meeting"
            raise ValueError(
                f"meeting {live.id} was not reassigned from {live.host_email} to {args.host} on {args.site_url}: {why}"
            )
        return client.meetings.get(live.id, host_email=args.host)

    def _find_tagged(self, args: StandingMeetingArgs, tag: str, start: datetime) -> Meeting | None:
        """A series we created earlier whose id never reached the state (crash after POST),
        searched around the start a create sends (the declared one, or its next occurrence), in
        the run's one read of the host's series there (list items carry the tags this client set)."""
        for m in _meeting_cache.series_near(self.runtime.client, args.host, args.site_url, start):
            if tag in (m.integration_tags or []):
                return self.runtime.client.meetings.get(m.id, host_email=args.host)
        return None

    def _refuse_lookalike(self, args: StandingMeetingArgs, start: datetime) -> None:
        """Integration tags are per client ([SM] listMeetings integrationTag): a series created
        by an earlier run with other credentials (admin token vs Service App) is invisible to
        the tag search. A series of the same host, title and start is such a candidate:
        creating another would duplicate it, so refuse and say how to adopt it."""
        for m in _meeting_cache.series_near(self.runtime.client, args.host, args.site_url, start):
            if m.title == args.title and _same_instant(m.start, start):
                raise ValueError(
                    f"a meeting series {m.id} titled {args.title!r} for {args.host} at {start.isoformat()} already "
                    "exists but carries no integration tag this client can see: it may have been created by an "
                    "earlier run with other credentials (integration tags are visible only to the client that "
                    f"set them). Adopt it with `adoptMeetingId: {m.id}`, or delete it, then run again"
                )

    def _reconcile(
        self,
        live: Meeting,
        args: StandingMeetingArgs,
        normalised: dict[str, Any] | None = None,
        fresh: bool = False,
        kept: Any = None,
    ) -> tuple[Meeting, list[str]]:
        """Writes what differs; returns the series and the declared co-hosts Webex keeps as plain
        invitees (``kept``: those recorded before, see ``kept_as_invitees``), from its answers."""
        client = self.runtime.client
        patch = meeting_changes(args, live, normalised)
        if patch:
            live = client.meetings.patch(live.id, _patch_body(patch, args))
        # A series we just created (POST without invitees) has none: no read needed.
        have = [] if fresh else list(client.meeting_invitees.list(live.id, host_email=args.host))
        adds, removes, updates = invitee_changes(args, have, self._settled(args, kept))
        now = {(i.email or "").lower(): i for i in have}
        for inv in removes:
            client.meeting_invitees.delete(inv.id, host_email=args.host, send_email=False)
            now.pop((inv.email or "").lower(), None)
        for old, want in updates:
            now[want.email] = client.meeting_invitees.update(
                old.id,
                {
                    "email": want.email,
                    "displayName": want.display_name or old.display_name,
                    "coHost": want.co_host,
                    "hostEmail": args.host,
                    "sendEmail": False,
                },
            )
        for want in adds:  # coHost as declared: whether Webex keeps it is its answer
            now[want.email] = client.meeting_invitees.create(
                {
                    "meetingId": live.id,
                    "email": want.email,
                    "displayName": want.display_name,
                    "coHost": want.co_host,
                    "hostEmail": args.host,
                    "sendEmail": False,
                }
            )
        return live, kept_as_invitees(args, list(now.values()))

    def _settled(self, args: StandingMeetingArgs, kept: Any) -> frozenset[str]:
        """Co-hosts recorded as kept as plain invitees who still hold no meeting license on the
        site: Webex would keep them so again. One who holds it now is a difference again (the
        license may have come from a LicenseDistribution of this stack, applied before us)."""
        if not kept:
            return frozenset()
        snap = self.runtime.snapshot
        pools = {lic.id for lic in site_pools(snap.licenses().values(), args.site_url)}
        out = set()
        for email in (str(e).lower() for e in kept):
            person = snap.person(email)
            if person is None or not pools & set(person.licenses or ()):
                out.add(email)
        return frozenset(out)

    @staticmethod
    def _live_outputs(
        live: Meeting, adopted: bool, normalised: dict[str, Any] | None, kept: list[str] | None = None
    ) -> dict[str, Any]:
        return {
            "meeting_id": live.id,
            "meeting_number": live.meeting_number,
            "sip_address": live.sip_address,
            "web_link": live.web_link,
            "password": live.password,
            "host_key": live.host_key,
            "adopted": adopted,
            "server_normalised": normalised,
            "co_hosts_kept_as_invitees": kept or None,
        }


class StandingMeeting(WebexResource, kind="StandingMeeting"):
    """A recurring meeting series; see the module docstring."""

    provider_class = StandingMeetingProvider
    meetingId: pulumi.Output[str]
    meetingNumber: pulumi.Output[str]
    sipAddress: pulumi.Output[str]
    webLink: pulumi.Output[str]
    password: pulumi.Output[str]
    hostKey: pulumi.Output[str]

    def __init__(self, resource_name: str, args: StandingMeetingArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(resource_name, args, opts, name=resource_name, stack=pulumi.get_stack())
