"""HTTP shape of ``/meetings`` (REFERENCE.md §5; webex-meeting.json tag Meetings).

Handlers translate between the wire and the model: they resolve *who* acts (the caller, or the
host named by ``hostEmail`` for an admin acting on behalf), enforce the host-licence rule, and
hand times/recurrences to ``model``/``recurrence`` for Webex's scheduling rules.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from emulator import deviations as dev
from emulator.areas.licenses import model as lic
from emulator.areas.people import model as ppl
from emulator.areas.sites import model as sites
from emulator.core import Ctx, Router, WebexError, bad_request, forbidden, ids, iso, not_found
from emulator.core.wire import ApiResponse

from . import fields, store
from .model import (
    MeetingIdKind,
    MeetingRuleError,
    Occurrence,
    OccurrenceException,
    PasswordCriteria,
    Series,
    classify_meeting_id,
    generate_numeric_secret,
    generate_password,
    new_series_id,
    normalise_schedule,
    check_schedule_duration,
    occurrence_id,
    occurrence_state,
    parse_timestamp,
    resolve_timezone,
    sip_address,
    validate_password,
    web_link,
)
from .recurrence import RecurrenceError, apply_limits, parse_recurrence

router = Router()

READ_SCOPES = ["meeting:schedules_read", "meeting:admin_schedule_read"]
WRITE_SCOPES = ["meeting:schedules_write", "meeting:admin_schedule_write"]
ADMIN_READ = ("meeting:admin_schedule_read",)
ADMIN_WRITE = ("meeting:admin_schedule_write",)

# The spec's own message for invalid meeting input (createMeeting 400 example).
INVALID_INPUT = dev.MEETINGS_INVALID_INPUT_MESSAGE

MEETING_TYPES = ("meetingSeries", "scheduledMeeting", "meeting")
STATES = ("active", "scheduled", "ready", "lobby", "inProgress", "ended", "missed", "expired")
HAS_FLAGS = ("hasChat", "hasRecording", "hasTranscription", "hasSummary", "hasClosedCaption", "hasPolls",
             "hasQA", "hasSlido")
LIST_WINDOW = timedelta(days=7)
ADHOC_START = timedelta(minutes=5)
ADHOC_END = timedelta(minutes=20)


def invalid(description: str) -> WebexError:
    return bad_request(description, INVALID_INPUT)


# ---------------------------------------------------------------------------------------------
# Who is acting
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """The meeting user a request acts as (the caller, or a host named by ``hostEmail``)."""

    person_uuid: str
    email: str
    display_name: str
    org_uuid: str
    on_behalf: bool


def _person(db: sqlite3.Connection, person_uuid: str | None) -> sqlite3.Row | None:
    return ppl.get_row(db, person_uuid) if person_uuid else None


def acting_user(ctx: Ctx, host_email: Any, *, write: bool) -> Actor:
    """Resolve ``hostEmail`` (admin on-behalf-of) or the caller.

    ``hostEmail`` needs the admin scope and an admin role in the host's org; naming oneself is
    always fine.  A token without a person (a Service App machine account) must name a host.
    """
    auth = ctx.auth
    caller = _person(ctx.db, auth.person_uuid)
    if host_email not in (None, ""):
        if not isinstance(host_email, str):
            raise invalid("'hostEmail' must be a string.")
        if caller is not None and caller["email_lc"] == host_email.lower():
            return Actor(caller["uuid"], caller["email"], caller["display_name"], caller["org_uuid"], False)
        admin_scope = ADMIN_WRITE if write else ADMIN_READ + ADMIN_WRITE
        privileged = any(auth.has_scope(s) for s in admin_scope) and (
            auth.is_full_admin if write else auth.is_admin
        )
        if not privileged:
            raise forbidden("Not permitted to view or change other user's meetings.")
        target = ppl.by_email(ctx.db, host_email)
        if target is None or not auth.can_access_org(target["org_uuid"]):
            raise not_found(f"User '{host_email}' is not found.")
        return Actor(target["uuid"], target["email"], target["display_name"], target["org_uuid"], True)
    if caller is None:
        raise forbidden("The access token does not belong to a meeting user; specify 'hostEmail'.")
    return Actor(caller["uuid"], caller["email"], caller["display_name"], caller["org_uuid"], False)


def require_host_license(ctx: Ctx, actor: Actor, site_url: str) -> None:
    """A meeting host must hold the site's meeting license (REFERENCE.md §3, §7, §13)."""
    if not lic.holds_meeting_license_on_site(ctx.db, actor.person_uuid, site_url):
        raise forbidden(
            f"User '{actor.email}' does not have a host account on site '{site_url}': "
            "a meeting host needs that site's meeting license."
        )


def site_criteria(ctx: Ctx, org_uuid: str, site_url: str) -> PasswordCriteria:
    return site_criteria_for(ctx.db, org_uuid, site_url)


def site_criteria_for(db: sqlite3.Connection, org_uuid: str, site_url: str) -> PasswordCriteria:
    """The site's strong-password rules (commonSettings ``securityOptions``, sites area)."""
    security = sites.get_settings(db, org_uuid, site_url).get("securityOptions") or {}
    raw = security.get("passwordCriteria") or {}
    base = PasswordCriteria()
    return PasswordCriteria(
        require_strong_password=bool(security.get("requireStrongPassword", True)),
        mixed_case=bool(raw.get("mixedCase", base.mixed_case)),
        min_length=int(raw.get("minLength", base.min_length)),
        min_numeric=int(raw.get("minNumeric", base.min_numeric)),
        min_alpha=int(raw.get("minAlpha", base.min_alpha)),
        min_special=int(raw.get("minSpecial", base.min_special)),
        disallow_dynamic_web_text=bool(raw.get("disallowDynamicWebText", base.disallow_dynamic_web_text)),
        disallow_list=bool(raw.get("disallowList", base.disallow_list)),
        disallow_values=tuple(raw.get("disallowValues", base.disallow_values)),
    )


def default_site(ctx: Ctx, person_uuid: str) -> str | None:
    """[SM]: without ``siteUrl`` the meeting goes to the user's preferred site."""
    return sites.default_site(ctx.db, person_uuid)


def client_key(ctx: Ctx) -> str:
    """integrationTags are visible only to the client that set them ([SM] integrationTag)."""
    return ctx.auth.client_id or dev.MEETINGS_DEVELOPER_PORTAL_CLIENT


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------


def output_zone(ctx: Ctx) -> ZoneInfo:
    """Request header ``timezone`` sets the zone of response timestamps (default UTC)."""
    name = ctx.headers.get("timezone")
    if not name:
        return ZoneInfo("UTC")
    try:
        return resolve_timezone(name)
    except MeetingRuleError as err:
        raise invalid(str(err)) from None


def render_time(moment: datetime, zone: ZoneInfo) -> str:
    if zone.key == "UTC":
        return iso(moment)  # 2015-10-18T14:26:16.000Z, REFERENCE.md §15
    return moment.astimezone(zone).isoformat(timespec="milliseconds")


def _effective(rec: store.SeriesRecord, exc: OccurrenceException | None) -> dict[str, Any]:
    data = dict(rec.data)
    if exc is not None:
        data = fields.merge_options(data, exc.overrides)
    return data


def render(
    ctx: Ctx,
    rec: store.SeriesRecord,
    occ: Occurrence | None = None,
    *,
    zone: ZoneInfo,
    current: Occurrence | None = None,
) -> dict[str, Any]:
    """A meeting object.  ``occ`` set: that scheduled meeting.  Otherwise the series, with
    ``current`` (if given) supplying start/end as ``current=true`` asks."""
    now = ctx.now()
    series = rec.series
    exc = occ.exception if occ is not None else None
    data = _effective(rec, exc)
    host = _person(ctx.db, rec.host_uuid)
    number = (exc.meeting_number if exc and exc.meeting_number else None) or rec.meeting_number
    token = (exc.web_link_token if exc and exc.web_link_token else None) or rec.web_link_token
    if occ is not None:
        meeting_id = occurrence_id(series.id, occ.original_start)
        start, end = occ.start, occ.end
        meeting_type, state = "scheduledMeeting", occurrence_state(occ, now)
    else:
        meeting_id = series.id
        timing = current or Occurrence("", series.start, series.start, series.end, None)
        start, end = timing.start, timing.end
        meeting_type, state = "meetingSeries", series.state(now)
    out: dict[str, Any] = {
        "id": meeting_id,
        "meetingSeriesId": series.id,
    }
    if occ is not None:
        out["scheduledMeetingId"] = meeting_id
    elif current is not None:
        out["scheduledMeetingId"] = occurrence_id(series.id, current.original_start)
    out.update({
        "meetingNumber": number,
        "title": data["title"],
    })
    if data.get("agenda"):
        out["agenda"] = data["agenda"]
    out.update({
        "password": data["password"],
        "phoneAndVideoSystemPassword": data["phoneAndVideoSystemPassword"],
        "meetingType": meeting_type,
        "state": state,
    })
    if occ is not None:
        out["isModified"] = occ.modified
    out.update({
        "timezone": series.timezone,
        "start": render_time(start, zone),
        "end": render_time(end, zone),
    })
    if occ is None and series.recurrence is not None:
        out["recurrence"] = series.recurrence.to_string()
    out.update({
        "hostUserId": ids.person_id(rec.host_uuid),
        "hostDisplayName": host["display_name"] if host else "",
        "hostEmail": host["email"] if host else "",
        "hostKey": store.host_key(ctx.db, rec.host_uuid, rec.site_url),
        "siteUrl": rec.site_url,
        "webLink": web_link(rec.site_url, token),
        "sipAddress": sip_address(number, rec.site_url),
    })
    if rec.room_id:
        out["roomId"] = rec.room_id
    for name in fields.OPTIONS:
        if data.get(name) is not None:
            out[name] = data[name]
    out["scheduledType"] = data.get("scheduledType", "meeting")
    if out["scheduledType"] == "webinar" and data.get("panelistPassword"):
        out["panelistPassword"] = data["panelistPassword"]
    if data.get("registration"):
        out["registration"] = data["registration"]
    tags = (data.get("integrationTags") or {}).get(client_key(ctx))
    if tags:
        out["integrationTags"] = tags
    if data.get("trackingCodes"):
        out["trackingCodes"] = data["trackingCodes"]
    out["simultaneousInterpretation"] = data.get("simultaneousInterpretation") or {"enabled": False}
    out["telephony"] = {
        "accessCode": number,
        "callInNumbers": [
            {"label": "United States Toll", "callInNumber": "+1-415-655-0001", "tollType": "toll"},
            {"label": "United States Toll (Washington D.C.)", "callInNumber": "+1-202-600-2533", "tollType": "toll"},
        ],
        "links": [{
            "rel": "globalCallinNumbers",
            "href": f"/v1/meetings/{meeting_id}/globalCallinNumbers",
            "method": "GET",
        }],
    }
    return out


# ---------------------------------------------------------------------------------------------
# Loading and access
# ---------------------------------------------------------------------------------------------


@dataclass
class Target:
    rec: store.SeriesRecord
    kind: str
    occurrence: Occurrence | None


def load_target(ctx: Ctx, meeting_id: str) -> Target:
    """The series or scheduled meeting a path id names (404 for anything else)."""
    parsed = classify_meeting_id(meeting_id)
    if parsed is None:
        raise not_found()
    kind, series_id, suffix = parsed
    rec = store.load(ctx.db, series_id)
    if rec is None or rec.adhoc and kind != MeetingIdKind.SERIES:
        raise not_found()
    if kind == MeetingIdKind.INSTANCE:
        # The emulator never runs meetings, so no instance exists.
        raise not_found()
    occ = None
    if kind == MeetingIdKind.OCCURRENCE:
        assert suffix is not None
        occ = rec.series.occurrence(suffix)
        if occ is None:
            raise not_found()
    return Target(rec, kind, occ)


def is_invitee(ctx: Ctx, rec: store.SeriesRecord, email: str, occ: Occurrence | None) -> bool:
    meeting_ids = [rec.id]
    if occ is not None:
        meeting_ids.append(occurrence_id(rec.id, occ.original_start))
    else:
        meeting_ids += [r["meeting_id"] for r in ctx.db.execute(
            "SELECT meeting_id FROM meeting_invitees WHERE series_id=?", (rec.id,))]
    marks = ",".join("?" for _ in meeting_ids)
    return ctx.db.execute(
        f"SELECT 1 FROM meeting_invitees WHERE email_lc=? AND meeting_id IN ({marks}) LIMIT 1",
        (email.lower(), *meeting_ids),
    ).fetchone() is not None


def check_read_access(ctx: Ctx, target: Target, actor: Actor) -> None:
    """Host, invitee, or anyone presenting the meeting password (header ``password``)."""
    rec = target.rec
    if rec.host_uuid == actor.person_uuid or is_invitee(ctx, rec, actor.email, target.occurrence):
        return
    password = ctx.headers.get("password")
    if password and password == _effective(rec, target.occurrence.exception if target.occurrence else None).get(
        "password"
    ):
        return
    raise not_found()


def check_write_access(ctx: Ctx, target: Target, actor: Actor) -> None:
    if target.rec.host_uuid != actor.person_uuid:
        # Existence is not revealed to people who could not see the meeting anyway.
        if is_invitee(ctx, target.rec, actor.email, target.occurrence):
            raise forbidden("Only the meeting host can change or delete the meeting.")
        raise not_found()


# ---------------------------------------------------------------------------------------------
# Create
# ---------------------------------------------------------------------------------------------


def _meeting_rule(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except (MeetingRuleError, RecurrenceError) as err:
        raise invalid(str(err)) from None


def _parse_recurrence(value: Any, tz: ZoneInfo, start: datetime, now: datetime):
    if not isinstance(value, str):
        raise invalid("'recurrence' must be an RRULE string.")
    rule = _meeting_rule(parse_recurrence, value, tz)
    return _meeting_rule(apply_limits, rule, start.astimezone(tz), now)


def _anchor_to_first_occurrence(series: Series) -> None:
    """A series' start/end are its first occurrence's (the rule may skip the requested day)."""
    if series.recurrence is None:
        return
    first = next(series.pattern_starts(), None)
    if first is not None and first != series.start:
        duration = series.duration
        series.start = first.astimezone(timezone.utc)
        series.end = series.start + duration


def _password(ctx: Ctx, body: dict[str, Any], criteria: PasswordCriteria, dynamic: list[str]) -> str:
    if body.get("password") is None:
        return generate_password(criteria)
    _meeting_rule(validate_password, body["password"], criteria, dynamic_text=dynamic)
    return str(body["password"])


def _parse_invitees(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise invalid("'invitees' must be a list.")
    if len(value) > 1000:
        raise invalid("The maximum size of invitees is 1000.")
    seen: set[str] = set()
    out = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("email"), str) or "@" not in item["email"]:
            raise invalid("Each invitee needs a valid 'email'.")
        if item["email"].lower() in seen:
            raise invalid(f"Invitee '{item['email']}' is listed more than once.")
        seen.add(item["email"].lower())
        for flag in ("coHost", "panelist"):
            if item.get(flag) is not None and not isinstance(item[flag], bool):
                raise invalid(f"Invitee '{flag}' must be a boolean.")
        name = item.get("displayName")
        if name is not None and (not isinstance(name, str) or len(name) > 128):
            raise invalid("Invitee 'displayName' must be a string of at most 128 characters.")
        out.append(item)
    return out


def _check_room_id(ctx: Ctx, room_id: Any) -> str:
    if not ctx.auth.has_scope("spark:all"):
        # [SM] createMeeting: "The spark:all scope is required when roomId is specified."
        raise forbidden("The 'spark:all' scope is required when 'roomId' is specified.")
    decoded = ids.decode(room_id if isinstance(room_id, str) else None)
    if decoded is None or decoded.type != "ROOM":
        raise invalid("'roomId' is not a valid Webex space id.")
    return str(room_id)


@router.post("/meetings", scopes=WRITE_SCOPES)
def create_meeting(ctx: Ctx) -> ApiResponse:
    body = ctx.json_object()
    now = ctx.now()
    room_id = _check_room_id(ctx, body["roomId"]) if body.get("roomId") is not None else None
    adhoc = body.get("adhoc")
    if adhoc is not None and not isinstance(adhoc, bool):
        raise invalid("'adhoc' must be a boolean.")
    if adhoc and room_id is None:
        raise invalid("'roomId' is required when 'adhoc' is true.")
    # [SM]: "When roomId is specified, the parameter hostEmail will be ignored."
    actor = acting_user(ctx, None if room_id else body.get("hostEmail"), write=True)

    site_url = body.get("siteUrl")
    if site_url is None:
        site_url = default_site(ctx, actor.person_uuid)
        if site_url is None:
            raise forbidden(f"User '{actor.email}' has no meeting site: a meeting host needs a meeting license.")
    if not isinstance(site_url, str) or not lic.site_exists(ctx.db, actor.org_uuid, site_url):
        raise invalid(f"Site '{site_url}' is not a valid Webex site for the host.")
    site_url = site_url.lower()
    require_host_license(ctx, actor, site_url)

    if adhoc:
        assert room_id is not None
        return ctx.ok(render(ctx, _create_adhoc(ctx, actor, site_url, room_id, body, now), zone=output_zone(ctx)))

    scheduled_type = body.get("scheduledType", "meeting")
    if scheduled_type not in fields.SCHEDULED_TYPES:
        raise invalid(f"'scheduledType' must be one of: {', '.join(fields.SCHEDULED_TYPES)}.")
    if scheduled_type == "webinar" and body.get("sessionTypeId") is None:
        raise invalid("'sessionTypeId' is required when scheduling a webinar.")
    title = _meeting_rule(fields.parse_title, body.get("title"), required=True)
    tz_name = body.get("timezone") or "UTC"
    tz = _meeting_rule(resolve_timezone, tz_name)
    if body.get("start") is None or body.get("end") is None:
        raise invalid("'start' and 'end' are required.")
    start = _meeting_rule(parse_timestamp, body["start"], "start", tz)
    end = _meeting_rule(parse_timestamp, body["end"], "end", tz)
    start, end = _meeting_rule(normalise_schedule, start, end, now)
    recurrence = None
    if body.get("recurrence") is not None:
        recurrence = _parse_recurrence(body["recurrence"], tz, start, now)

    options = fields.with_defaults(_meeting_rule(fields.parse_options, body))
    _meeting_rule(fields.check_consistency, options, scheduled_type)
    criteria = site_criteria(ctx, actor.org_uuid, site_url)
    data: dict[str, Any] = {
        **options,
        "title": title,
        "password": _password(ctx, body, criteria, [title, actor.display_name, actor.email, site_url]),
        "phoneAndVideoSystemPassword": generate_numeric_secret(8),
        "scheduledType": scheduled_type,
    }
    if body.get("agenda") is not None:
        data["agenda"] = _meeting_rule(fields.parse_agenda, body["agenda"])
    if scheduled_type == "webinar":
        data["panelistPassword"] = (
            _password(ctx, {"password": body.get("panelistPassword")}, criteria, [title])
        )
    if body.get("integrationTags") is not None:
        data["integrationTags"] = {client_key(ctx): _meeting_rule(fields.parse_integration_tags, body["integrationTags"])}
    if body.get("trackingCodes") is not None:
        data["trackingCodes"] = _meeting_rule(fields.parse_tracking_codes, body["trackingCodes"])
    if body.get("registration") is not None:
        if not isinstance(body["registration"], dict):
            raise invalid("'registration' must be an object.")
        data["registration"] = body["registration"]
    if isinstance(body.get("simultaneousInterpretation"), dict):
        si = body["simultaneousInterpretation"]
        if not isinstance(si.get("enabled", False), bool):
            raise invalid("'simultaneousInterpretation.enabled' must be a boolean.")
        data["simultaneousInterpretation"] = {"enabled": bool(si.get("enabled", False))}
    invitees = _parse_invitees(body["invitees"]) if body.get("invitees") is not None else []
    if body.get("sendEmail") is not None and not isinstance(body["sendEmail"], bool):
        raise invalid("'sendEmail' must be a boolean.")

    number, token = store.allocate_number(ctx.db, site_url)
    series = Series(new_series_id(), tz.key, start, end, recurrence)
    _anchor_to_first_occurrence(series)
    rec = store.SeriesRecord(
        series=series, org_uuid=actor.org_uuid, host_uuid=actor.person_uuid, site_url=site_url,
        meeting_number=number, web_link_token=token, data=data, room_id=room_id, created=ctx.now_iso(),
    )
    warning = _converged_normalise(ctx, rec)
    store.insert(ctx.db, rec)
    from .invitees import add_invitee  # local import: invitees imports this module

    for item in invitees:
        co_host = item.get("coHost")
        if co_host is None:
            # [SM]: "coHost for each invitee is true by default if roomId is specified".
            co_host = room_id is not None
        add_invitee(ctx, rec, rec.id, item["email"], item.get("displayName"), co_host, bool(item.get("panelist")))
    return ctx.ok(render(ctx, rec, zone=output_zone(ctx)), headers=warning)


def _create_adhoc(
    ctx: Ctx, actor: Actor, site_url: str, room_id: str, body: dict[str, Any], now: datetime
) -> store.SeriesRecord:
    """[SM]: one ad-hoc meeting per room; start now+5 min, end now+20 min, UTC, fixed options."""
    for rec in store.load_where(ctx.db, "room_id=? AND adhoc=1", (room_id,)):
        if rec.series.end > now:
            return rec
    title = body.get("title") or actor.display_name
    title = _meeting_rule(fields.parse_title, title, required=True)
    start = now.replace(second=0, microsecond=0) + ADHOC_START
    options = fields.with_defaults({
        "allowAnyUserToBeCoHost": True, "allowAuthenticatedDevices": True, "enabledJoinBeforeHost": True,
        "enableConnectAudioBeforeHost": True, "allowFirstUserToBeCoHost": False, "enableAutomaticLock": False,
        "publicMeeting": False, "joinBeforeHostMinutes": 5, "unlockedMeetingJoinSecurity": "allowJoinWithLobby",
    })
    criteria = site_criteria(ctx, actor.org_uuid, site_url)
    data = {
        **options, "title": title, "password": generate_password(criteria),
        "phoneAndVideoSystemPassword": generate_numeric_secret(8), "scheduledType": "meeting",
    }
    number, token = store.allocate_number(ctx.db, site_url)
    rec = store.SeriesRecord(
        series=Series(new_series_id(), "UTC", start, start + (ADHOC_END - ADHOC_START)),
        org_uuid=actor.org_uuid, host_uuid=actor.person_uuid, site_url=site_url, meeting_number=number,
        web_link_token=token, data=data, room_id=room_id, adhoc=True, created=ctx.now_iso(),
    )
    store.insert(ctx.db, rec)
    return rec


# ---------------------------------------------------------------------------------------------
# Read
# ---------------------------------------------------------------------------------------------


@router.get("/meetings/{meetingId}", scopes=READ_SCOPES)
def get_meeting(ctx: Ctx) -> ApiResponse:
    actor = acting_user(ctx, ctx.q("hostEmail"), write=False)
    target = load_target(ctx, ctx.params["meetingId"])
    check_read_access(ctx, target, actor)
    zone = output_zone(ctx)
    if target.occurrence is not None:
        return ctx.ok(render(ctx, target.rec, target.occurrence, zone=zone))
    # GET: `current` defaults to false (the whole series); true = the current scheduled meeting.
    if ctx.q_bool("current", False):
        current = target.rec.series.current_occurrence(ctx.now())
        if current is not None:
            return ctx.ok(render(ctx, target.rec, current, zone=zone))
    return ctx.ok(render(ctx, target.rec, zone=zone))


def _parse_query_time(ctx: Ctx, name: str) -> datetime | None:
    raw = ctx.q(name)
    if not raw:
        return None
    try:
        return parse_timestamp(raw, name, ZoneInfo("UTC"))
    except MeetingRuleError as err:
        raise bad_request(str(err)) from None


def _window(ctx: Ctx, meeting_type: str) -> tuple[datetime, datetime]:
    """``from``/``to`` with the spec's defaults (±7 days around whichever is given)."""
    now = ctx.now()
    start, end = _parse_query_time(ctx, "from"), _parse_query_time(ctx, "to")
    if meeting_type == "meeting":
        start = start or ((end - LIST_WINDOW) if end else now - LIST_WINDOW)
        end = end or (start + LIST_WINDOW if ctx.q("from") else now)
    else:
        start = start or ((end - LIST_WINDOW) if end else now)
        end = end or start + LIST_WINDOW
    if start > end:
        raise bad_request("'from' cannot be after 'to'.")
    return start, end


@router.get("/meetings", scopes=READ_SCOPES)
def list_meetings(ctx: Ctx) -> ApiResponse:
    actor = acting_user(ctx, ctx.q("hostEmail"), write=False)
    zone = output_zone(ctx)
    now = ctx.now()
    selectors = [name for name in ("meetingNumber", "webLink", "roomId") if ctx.q(name)]
    if len(selectors) > 1:
        raise bad_request("'meetingNumber', 'webLink' and 'roomId' are mutually exclusive.")
    meeting_type = ctx.q("meetingType") or "meetingSeries"
    if meeting_type not in MEETING_TYPES:
        raise bad_request(f"'meetingType' must be one of: {', '.join(MEETING_TYPES)}.")
    state = ctx.q("state")
    if state and state not in STATES:
        raise bad_request(f"'state' must be one of: {', '.join(STATES)}.")
    scheduled_type = ctx.q("scheduledType")
    if scheduled_type and scheduled_type not in fields.SCHEDULED_TYPES:
        raise bad_request(f"'scheduledType' must be one of: {', '.join(fields.SCHEDULED_TYPES)}.")
    is_modified = ctx.q_bool("isModified", None)
    has_flags = [name for name in HAS_FLAGS if ctx.q_bool(name, None) is not None]
    if has_flags and (meeting_type != "meeting" or state != "ended"):
        # [SM]: "If any of the hasChat, hasRecording, ... parameters is specified, the
        # meetingType must be meeting and state must be ended."
        raise bad_request(f"{', '.join(has_flags)} need meetingType=meeting and state=ended.")
    current = ctx.q_bool("current", True)  # list: `current` defaults to TRUE
    records = [r for r in store.visible_to(ctx.db, actor.person_uuid, actor.email) if not r.adhoc]

    series_id = ctx.q("meetingSeriesId")
    if series_id:
        records = [r for r in records if r.id == series_id]
        if meeting_type == "meetingSeries":
            meeting_type = "scheduledMeeting"  # "lists all occurrences and instances" by default
    elif selectors:
        return _list_by_selector(ctx, records, selectors[0], bool(current), zone)
    else:
        site = ctx.q("siteUrl")
        if site:
            records = [r for r in records if r.site_url == site.lower()]
        tag = ctx.q("integrationTag")
        if tag:
            records = [r for r in records if tag in (r.data.get("integrationTags") or {}).get(client_key(ctx), [])]
        if scheduled_type:
            records = [r for r in records if r.data.get("scheduledType", "meeting") == scheduled_type]

    start, end = _window(ctx, meeting_type)
    items: list[tuple[datetime, str, dict[str, Any]]] = []
    if meeting_type == "meetingSeries":
        for rec in records:
            if not rec.series.span_overlaps(start, end):
                continue
            if state and rec.series.state(now) != state:
                continue
            cur = rec.series.current_occurrence(now) if current else None
            body = render(ctx, rec, zone=zone, current=cur)
            items.append(((cur.start if cur else rec.series.start), rec.id, body))
    elif meeting_type == "scheduledMeeting":
        for rec in records:
            for occ in rec.series.occurrences(after=start, before=end):
                if state and occurrence_state(occ, now) != state:
                    continue
                if is_modified is not None and occ.modified != is_modified:
                    continue
                items.append((occ.start, occ.key, render(ctx, rec, occ, zone=zone)))
    # meetingType=meeting lists instances; the emulator never runs a meeting, so there are none.
    items.sort(key=lambda t: (t[0], t[1]))
    page, headers = ctx.offset_page([body for _, _, body in items], default=10, cap=100)
    return ctx.ok({"items": page}, headers=headers)


def _list_by_selector(
    ctx: Ctx, records: list[store.SeriesRecord], selector: str, current: bool, zone: ZoneInfo
) -> ApiResponse:
    """meetingNumber / webLink / roomId lookups: from/to/type/state are ignored, ``max`` too."""
    value = ctx.q(selector) or ""
    now = ctx.now()
    out: list[dict[str, Any]] = []
    for rec in records:
        if selector == "roomId":
            if rec.room_id == value:
                out.append(render(ctx, rec, zone=zone, current=rec.series.current_occurrence(now)))
            continue
        # An exceptional occurrence has its own number/link and is returned instead of the series.
        for exc in rec.series.exceptions.values():
            if exc.cancelled:
                continue
            matches = (
                exc.meeting_number == value
                if selector == "meetingNumber"
                else web_link(rec.site_url, exc.web_link_token or "") == value
            )
            if matches:
                occ = rec.series.occurrence(exc.key)
                if occ is not None:
                    out.append(render(ctx, rec, occ, zone=zone))
        series_match = (
            rec.meeting_number == value
            if selector == "meetingNumber"
            else web_link(rec.site_url, rec.web_link_token) == value
        )
        if series_match:
            cur = rec.series.current_occurrence(now)
            if current and cur is not None and not cur.modified:
                out.append(render(ctx, rec, cur, zone=zone))
            else:
                out.append(render(ctx, rec, zone=zone))
    return ctx.ok({"items": out})


# ---------------------------------------------------------------------------------------------
# Update (PATCH = partial, PUT = full replace) and delete
# ---------------------------------------------------------------------------------------------

# PATCH may clear these with JSON null ([SM] patchMeeting).
NULLABLE_ON_PATCH = ("agenda", "recurrence", "trackingCodes")


def _check_content_type(ctx: Ctx) -> None:
    ctype = (ctx.headers.get("content-type") or "").split(";")[0].strip().lower()
    if ctype and ctype not in ("application/json", "application/json-patch+json"):
        raise WebexError(415)


def _update(ctx: Ctx, *, full: bool) -> ApiResponse:
    _check_content_type(ctx)
    body = ctx.json_object()
    actor = acting_user(ctx, body.get("hostEmail"), write=True)
    target = load_target(ctx, ctx.params["meetingId"])
    check_write_access(ctx, target, actor)
    rec = target.rec
    if rec.adhoc:
        raise invalid("An ad-hoc meeting cannot be updated.")
    require_host_license(ctx, actor, rec.site_url)
    if body.get("sendEmail") is not None and not isinstance(body["sendEmail"], bool):
        raise invalid("'sendEmail' must be a boolean.")
    if full:
        missing = [name for name in ("title", "start", "end") if body.get(name) is None]
        if missing:
            # PUT replaces the whole meeting; historically these were required on PUT.
            raise invalid(f"PUT replaces the meeting: {', '.join(repr(m) for m in missing)} required.")
    if target.occurrence is not None:
        _update_occurrence(ctx, rec, target.occurrence, body, full=full)
        occ = rec.series.occurrence(target.occurrence.key)
        assert occ is not None
        store.save(ctx.db, rec)
        return ctx.ok(render(ctx, rec, occ, zone=output_zone(ctx)))
    _update_series(ctx, rec, actor, body, full=full)
    warning = _converged_normalise(ctx, rec)
    store.save(ctx.db, rec)
    return ctx.ok(render(ctx, rec, zone=output_zone(ctx)), headers=warning)


def _converged_normalise(ctx: Ctx, rec: store.SeriesRecord) -> dict[str, str] | None:
    """On a converged site, attributes it does not support keep the site's value and the answer
    carries Warning 1001 (deviations.CONVERGED_SITE_NORMALISED)."""
    if not sites.is_converged(ctx.db, rec.org_uuid, rec.site_url):
        return None
    changed = [k for k, kept in dev.CONVERGED_SITE_NORMALISED.items()
               if rec.data.get(k) is not None and rec.data.get(k) != kept]
    for k in changed:
        rec.data[k] = dev.CONVERGED_SITE_NORMALISED[k]
    return {"Warning": f"{dev.CONVERGED_SITE_WARNING}: {', '.join(changed)}"} if changed else None


def _apply_common(
    ctx: Ctx, rec: store.SeriesRecord, current: dict[str, Any], body: dict[str, Any], *, full: bool,
    host_name: str,
) -> dict[str, Any]:
    """Title/agenda/password/options/tags/tracking codes → the new data dict."""
    updates = _meeting_rule(fields.parse_options, body)
    data = dict(current)
    if full:
        keep = {k: data[k] for k in ("password", "phoneAndVideoSystemPassword", "scheduledType",
                                    "panelistPassword", "registration", "simultaneousInterpretation") if k in data}
        data = {**fields.with_defaults(updates), **keep}
        tags = dict(current.get("integrationTags") or {})
        tags.pop(client_key(ctx), None)  # full replace of this client's tags
        data["integrationTags"] = tags
        data.pop("agenda", None)
        data.pop("trackingCodes", None)
    else:
        data = fields.merge_options(data, updates)
    title = _meeting_rule(fields.parse_title, body.get("title"), required=False)
    if title is not None:
        data["title"] = title
    if "agenda" in body:
        if body["agenda"] is None:
            data.pop("agenda", None)
        else:
            data["agenda"] = _meeting_rule(fields.parse_agenda, body["agenda"])
    if "trackingCodes" in body:
        if body["trackingCodes"] is None:
            data.pop("trackingCodes", None)
        else:
            data["trackingCodes"] = _meeting_rule(fields.parse_tracking_codes, body["trackingCodes"])
    if body.get("integrationTags") is not None:
        tags = dict(data.get("integrationTags") or {})
        tags[client_key(ctx)] = _meeting_rule(fields.parse_integration_tags, body["integrationTags"])
        data["integrationTags"] = tags
    criteria = site_criteria(ctx, rec.org_uuid, rec.site_url)
    if body.get("password") is not None:
        _meeting_rule(validate_password, body["password"], criteria,
                      dynamic_text=[data["title"], host_name, rec.site_url])
        data["password"] = body["password"]
    if body.get("panelistPassword") is not None and data.get("scheduledType") == "webinar":
        _meeting_rule(validate_password, body["panelistPassword"], criteria, dynamic_text=[data["title"]])
        data["panelistPassword"] = body["panelistPassword"]
    _meeting_rule(fields.check_consistency, data, data.get("scheduledType", "meeting"))
    return data


def _update_series(ctx: Ctx, rec: store.SeriesRecord, actor: Actor, body: dict[str, Any], *, full: bool) -> None:
    now = ctx.now()
    series = rec.series
    rec.data = _apply_common(ctx, rec, rec.data, body, full=full, host_name=actor.display_name)

    tz = series.tz
    if body.get("timezone") is not None:
        tz = _meeting_rule(resolve_timezone, body["timezone"])
    start = _meeting_rule(parse_timestamp, body["start"], "start", tz) if body.get("start") is not None else None
    end = _meeting_rule(parse_timestamp, body["end"], "end", tz) if body.get("end") is not None else None
    start_changed = start is not None and start.replace(second=0, microsecond=0) != series.start
    end_changed = end is not None and end.replace(second=0, microsecond=0) != series.end
    new_start, new_end = series.start, series.end
    if start_changed or end_changed:
        # [MTG] rules 1 and 2: not before now; 10 min <= duration <= 23:59.
        new_start, new_end = _meeting_rule(normalise_schedule, start or series.start, end or series.end, now)

    if full:
        recurrence_given, recurrence_value = True, body.get("recurrence")  # omitted on PUT = none
    else:
        recurrence_given, recurrence_value = "recurrence" in body, body.get("recurrence")
    new_rule = series.recurrence
    if recurrence_given:
        new_rule = None if recurrence_value is None else _parse_recurrence(recurrence_value, tz, new_start, now)
    old_rule = series.recurrence.to_string() if series.recurrence else None
    rule_changed = (new_rule.to_string() if new_rule else None) != old_rule
    # The rule expands in the meeting's timezone, so a new zone moves occurrences too.
    zone_changed = tz.key != series.timezone

    if start_changed or end_changed or rule_changed or zone_changed:
        # [SM] update/patch: "If the value of start, end, or recurrence for the meeting series is
        # changed, any exceptional scheduled meeting in this series is cancelled".
        series.timezone = tz.key
        series.start, series.end, series.recurrence = new_start, new_end, new_rule
        series.exceptions.clear()
        store.delete_occurrence_invitees(ctx.db, series.id)
        _anchor_to_first_occurrence(series)


def _update_occurrence(
    ctx: Ctx, rec: store.SeriesRecord, occ: Occurrence, body: dict[str, Any], *, full: bool
) -> None:
    """Only this scheduled meeting changes; it becomes an exception (``isModified: true``)."""
    if body.get("recurrence") is not None:
        raise invalid("'recurrence' applies only to a meeting series, not to a scheduled meeting.")
    now = ctx.now()
    series = rec.series
    exc = occ.exception or OccurrenceException(occ.key)
    host = _person(ctx.db, rec.host_uuid)
    new_data = _apply_common(ctx, rec, _effective(rec, exc), body, full=full,
                             host_name=host["display_name"] if host else "")
    # Keep only what differs from the series, so later series edits of other fields still reach
    # this occurrence; None marks a field cleared here (agenda/trackingCodes set to null).
    overrides: dict[str, Any] = {k: v for k, v in new_data.items() if rec.data.get(k) != v}
    overrides.update({k: None for k in rec.data if k not in new_data})
    tz = series.tz
    start = _meeting_rule(parse_timestamp, body["start"], "start", tz) if body.get("start") is not None else None
    end = _meeting_rule(parse_timestamp, body["end"], "end", tz) if body.get("end") is not None else None
    new_start, new_end = occ.start, occ.end
    if (start is not None and start.replace(second=0, microsecond=0) != occ.start) or (
        end is not None and end.replace(second=0, microsecond=0) != occ.end
    ):
        new_start, new_end = _meeting_rule(normalise_schedule, start or occ.start, end or occ.end, now)
        lower, upper = series.recurring_interval(occ.key)
        if (lower is not None and new_start < lower) or (upper is not None and new_start >= upper):
            # [MTG] rule 5: a scheduled meeting stays inside its recurring interval.
            raise invalid(
                "meeting.err.two_meeting_schedule_at_same_day: the new start of a scheduled meeting must "
                "stay between its own day and the day of the next scheduled meeting."
            )
    _meeting_rule(check_schedule_duration, new_start, new_end)
    exc.start = None if new_start == occ.original_start else new_start
    exc.end = None if exc.start is None and new_end == occ.original_start + series.duration else new_end
    exc.overrides = overrides
    if exc.meeting_number is None:
        # An exceptional meeting gets its own number and link ([SM] listMeetings meetingNumber).
        exc.meeting_number, exc.web_link_token = store.allocate_number(ctx.db, rec.site_url)
    series.exceptions[occ.key] = exc


@router.patch("/meetings/{meetingId}", scopes=WRITE_SCOPES)
def patch_meeting(ctx: Ctx) -> ApiResponse:
    return _update(ctx, full=False)


@router.put("/meetings/{meetingId}", scopes=WRITE_SCOPES)
def put_meeting(ctx: Ctx) -> ApiResponse:
    return _update(ctx, full=True)


@router.delete("/meetings/{meetingId}", scopes=WRITE_SCOPES)
def delete_meeting(ctx: Ctx) -> ApiResponse:
    ctx.q_bool("sendEmail", True)  # validated; the emulator sends no email
    actor = acting_user(ctx, ctx.q("hostEmail"), write=True)
    target = load_target(ctx, ctx.params["meetingId"])
    check_write_access(ctx, target, actor)
    rec = target.rec
    if rec.adhoc:
        raise invalid("An ad-hoc meeting cannot be deleted.")
    occ = target.occurrence
    if occ is None or rec.series.recurrence is None:
        store.delete(ctx.db, rec.id)
        return ctx.no_content()
    exc = occ.exception or OccurrenceException(occ.key)
    exc.cancelled = True
    rec.series.exceptions[occ.key] = exc
    ctx.db.execute("DELETE FROM meeting_invitees WHERE meeting_id=?", (occurrence_id(rec.id, occ.original_start),))
    if rec.series.recurrence.bounded and not rec.series.occurrences():
        store.delete(ctx.db, rec.id)  # nothing left of the series
    else:
        store.save(ctx.db, rec)
    return ctx.no_content()


# ---------------------------------------------------------------------------------------------
# POST /meetings/reassignHost ([SM] reassignMeetingsToANewHost; REFERENCE.md §5.7)
# ---------------------------------------------------------------------------------------------

REASSIGN_MAX = 100


@router.post("/meetings/reassignHost", scopes=list(ADMIN_WRITE))
def reassign_host(ctx: Ctx) -> ApiResponse:
    """Series keep their id, meeting number, SIP address and invitees; only the host changes.
    204 when every meeting moved, 207 with per-meeting results otherwise, 403 when the new host
    is not a host of the site (the request header ``siteUrl``, else the admin's preferred site)."""
    if not ctx.auth.is_full_admin:
        raise forbidden("Only an administrator can reassign meetings to a new host.")
    body = ctx.json_object()
    host_email, meeting_ids = body.get("hostEmail"), body.get("meetingIds")
    if not isinstance(host_email, str) or not host_email.strip():
        raise invalid("'hostEmail' is required.")
    if (not isinstance(meeting_ids, list) or not 1 <= len(meeting_ids) <= REASSIGN_MAX
            or not all(isinstance(m, str) and m for m in meeting_ids)):
        raise invalid(f"'meetingIds' must list 1 to {REASSIGN_MAX} meeting series ids.")
    site = (ctx.headers.get("siteUrl") or default_site(ctx, ctx.auth.person_uuid) or "").lower()
    new_host = ppl.by_email(ctx.db, host_email)
    if new_host is None or not ctx.auth.can_access_org(new_host["org_uuid"]):
        raise forbidden(f"User '{host_email}' is not qualified to be a host of site '{site}'.")
    if not site or not lic.holds_meeting_license_on_site(ctx.db, new_host["uuid"], site):
        raise forbidden(f"User '{host_email}' is not qualified to be a host of site '{site}'.")
    results: list[dict[str, Any]] = []
    now = ctx.now()
    for meeting_id in meeting_ids:
        parsed = classify_meeting_id(meeting_id)
        rec = store.load(ctx.db, meeting_id) if parsed and parsed[0] == MeetingIdKind.SERIES else None
        if rec is None or rec.adhoc or not ctx.auth.can_access_org(rec.org_uuid):
            results.append({"meetingId": meeting_id, "httpStatus": "404", "message": MESSAGES_404,
                            "errors": [{"description": "The meeting is not found."}]})
            continue
        if rec.site_url.lower() != site:
            results.append({"meetingId": meeting_id, "httpStatus": "400", "message": INVALID_INPUT,
                            "errors": [{"description": f"The meeting is not on site '{site}'."}]})
            continue
        if any(o.start <= now for o in rec.series.occurrences(after=now, before=now + timedelta(seconds=1))):
            results.append({"meetingId": meeting_id, "httpStatus": "400", "message": INVALID_INPUT,
                            "errors": [{"description": "An in-progress meeting cannot be reassigned."}]})
            continue
        rec.host_uuid = new_host["uuid"]
        store.save(ctx.db, rec)
        ctx.db.execute("DELETE FROM meeting_invitees WHERE series_id=? AND email_lc=?",
                       (rec.id, new_host["email_lc"]))   # a host is never their own invitee
        results.append({"meetingId": meeting_id, "httpStatus": "200"})
    # httpStatus is a string in the schema (the example shows numbers; REFERENCE.md §15: the
    # schema wins).
    if all(r["httpStatus"] == "200" for r in results):
        return ctx.no_content()
    return ctx.ok({"items": results}, status=207)


MESSAGES_404 = "The requested resource could not be found."


__all__ = ["router", "render", "load_target", "acting_user", "Actor", "Target"]
