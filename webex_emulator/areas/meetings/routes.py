"""HTTP shape of ``/meetings`` ([SM] webex-meeting.json tag Meetings).

Handlers parse the request, resolve *who* acts (``access``), call the backend for Webex's
scheduling rules (``backend``) and render the answer (``render``). ``/meetingInvitees`` is in
``invitees``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from webex_emulator.areas.people import model as ppl
from webex_emulator.core import Ctx, Router, WebexError, bad_request, forbidden, ids
from webex_emulator.core.wire import ApiResponse

from . import backend, fields, store
from .access import (
    ADMIN_WRITE,
    READ_SCOPES,
    WRITE_SCOPES,
    acting_user,
    check_read_access,
    check_write_access,
    client_key,
    load_target,
)
from .backend import INVALID_INPUT, invalid, meeting_rule, recurrence_rule
from .model import (
    MeetingIdKind,
    classify_meeting_id,
    normalise_schedule,
    occurrence_state,
    parse_timestamp,
    resolve_timezone,
)
from .listing import HAS_FLAGS, MEETING_TYPES, STATES, by_selector, window
from .render import output_zone, render

router = Router()

REASSIGN_MAX = 100
MESSAGES_404 = "The requested resource could not be found."


# ---------------------------------------------------------------------------------------------
# Create
# ---------------------------------------------------------------------------------------------


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
        site_url = backend.default_site(ctx.db, actor.person_uuid)
        if site_url is None:
            raise forbidden(f"User '{actor.email}' has no meeting site: a meeting host needs a meeting license.")
    if not isinstance(site_url, str) or not backend.site_exists(ctx.db, actor.org_uuid, site_url):
        raise invalid(f"Site '{site_url}' is not a valid Webex site for the host.")
    site_url = site_url.lower()
    backend.require_host_license(ctx.db, actor.person_uuid, actor.email, site_url)

    if adhoc:
        assert room_id is not None
        rec = backend.create_adhoc(
            ctx.db,
            body,
            org_uuid=actor.org_uuid,
            host_uuid=actor.person_uuid,
            host_name=actor.display_name,
            site_url=site_url,
            room_id=room_id,
            now=now,
            now_iso=ctx.now_iso(),
        )
        return ctx.ok(render(ctx, rec, zone=output_zone(ctx)))

    scheduled_type = body.get("scheduledType", "meeting")
    if scheduled_type not in fields.SCHEDULED_TYPES:
        raise invalid(f"'scheduledType' must be one of: {', '.join(fields.SCHEDULED_TYPES)}.")
    if scheduled_type == "webinar" and body.get("sessionTypeId") is None:
        raise invalid("'sessionTypeId' is required when scheduling a webinar.")
    title = meeting_rule(fields.parse_title, body.get("title"), required=True)
    tz_name = body.get("timezone") or "UTC"
    tz = meeting_rule(resolve_timezone, tz_name)
    if body.get("start") is None or body.get("end") is None:
        raise invalid("'start' and 'end' are required.")
    start = meeting_rule(parse_timestamp, body["start"], "start", tz)
    end = meeting_rule(parse_timestamp, body["end"], "end", tz)
    start, end = meeting_rule(normalise_schedule, start, end, now)
    recurrence = None
    if body.get("recurrence") is not None:
        recurrence = recurrence_rule(body["recurrence"], tz, start, now)

    rec, warning = backend.create_series(
        ctx.db,
        body,
        org_uuid=actor.org_uuid,
        host_uuid=actor.person_uuid,
        host_name=actor.display_name,
        host_email=actor.email,
        site_url=site_url,
        room_id=room_id,
        scheduled_type=scheduled_type,
        title=title,
        tz=tz,
        start=start,
        end=end,
        recurrence=recurrence,
        client=client_key(ctx),
        now_iso=ctx.now_iso(),
    )
    return ctx.ok(render(ctx, rec, zone=output_zone(ctx)), headers=warning)


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
        return by_selector(ctx, records, selectors[0], bool(current), zone)
    else:
        site = ctx.q("siteUrl")
        if site:
            records = [r for r in records if r.site_url == site.lower()]
        tag = ctx.q("integrationTag")
        if tag:
            records = [r for r in records if tag in (r.data.get("integrationTags") or {}).get(client_key(ctx), [])]
        if scheduled_type:
            records = [r for r in records if r.data.get("scheduledType", "meeting") == scheduled_type]

    start, end = window(ctx, meeting_type)
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


# ---------------------------------------------------------------------------------------------
# Update (PATCH = partial, PUT = full replace) and delete
# ---------------------------------------------------------------------------------------------


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
    backend.require_host_license(ctx.db, actor.person_uuid, actor.email, rec.site_url)
    if body.get("sendEmail") is not None and not isinstance(body["sendEmail"], bool):
        raise invalid("'sendEmail' must be a boolean.")
    if full:
        missing = [name for name in ("title", "start", "end") if body.get(name) is None]
        if missing:
            # PUT replaces the whole meeting; historically these were required on PUT.
            raise invalid(f"PUT replaces the meeting: {', '.join(repr(m) for m in missing)} required.")
    if target.occurrence is not None:
        backend.update_occurrence(ctx.db, rec, target.occurrence, body, full=full, client=client_key(ctx), now=ctx.now())
        occ = rec.series.occurrence(target.occurrence.key)
        assert occ is not None
        store.save(ctx.db, rec)
        return ctx.ok(render(ctx, rec, occ, zone=output_zone(ctx)))
    backend.update_series(ctx.db, rec, body, full=full, host_name=actor.display_name, client=client_key(ctx), now=ctx.now())
    warning = backend.converged_normalise(ctx.db, rec)
    store.save(ctx.db, rec)
    return ctx.ok(render(ctx, rec, zone=output_zone(ctx)), headers=warning)


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
    backend.delete(ctx.db, rec, target.occurrence)
    return ctx.no_content()


# ---------------------------------------------------------------------------------------------
# POST /meetings/reassignHost ([SM] reassignHost)
# ---------------------------------------------------------------------------------------------


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
    if (
        not isinstance(meeting_ids, list)
        or not 1 <= len(meeting_ids) <= REASSIGN_MAX
        or not all(isinstance(m, str) and m for m in meeting_ids)
    ):
        raise invalid(f"'meetingIds' must list 1 to {REASSIGN_MAX} meeting series ids.")
    site = (ctx.headers.get("siteUrl") or backend.default_site(ctx.db, ctx.auth.person_uuid) or "").lower()
    new_host = ppl.by_email(ctx.db, host_email)
    if new_host is None or not ctx.auth.can_access_org(new_host.org_uuid):
        raise forbidden(f"User '{host_email}' is not qualified to be a host of site '{site}'.")
    if not site or not backend.can_host(ctx.db, new_host.uuid, site):
        raise forbidden(f"User '{host_email}' is not qualified to be a host of site '{site}'.")
    results: list[dict[str, Any]] = []
    now = ctx.now()
    for meeting_id in meeting_ids:
        parsed = classify_meeting_id(meeting_id)
        rec = store.load(ctx.db, meeting_id) if parsed and parsed[0] == MeetingIdKind.SERIES else None
        if rec is None or rec.adhoc or not ctx.auth.can_access_org(rec.org_uuid):
            results.append(
                {
                    "meetingId": meeting_id,
                    "httpStatus": "404",
                    "message": MESSAGES_404,
                    "errors": [{"description": "The meeting is not found."}],
                }
            )
            continue
        if rec.site_url.lower() != site:
            results.append(
                {
                    "meetingId": meeting_id,
                    "httpStatus": "400",
                    "message": INVALID_INPUT,
                    "errors": [{"description": f"The meeting is not on site '{site}'."}],
                }
            )
            continue
        if any(o.start <= now for o in rec.series.occurrences(after=now, before=now + timedelta(seconds=1))):
            results.append(
                {
                    "meetingId": meeting_id,
                    "httpStatus": "400",
                    "message": INVALID_INPUT,
                    "errors": [{"description": "An in-progress meeting cannot be reassigned."}],
                }
            )
            continue
        backend.reassign(ctx.db, rec, new_host)
        results.append({"meetingId": meeting_id, "httpStatus": "200"})
    # httpStatus is a string in the schema (the example shows numbers; docs/webex-behaviour.md "Wire formats": the
    # schema wins).
    if all(r["httpStatus"] == "200" for r in results):
        return ctx.no_content()
    return ctx.ok({"items": results}, status=207)
