"""Rendering meetings for the wire ([SM] webex-meeting.json, the Meeting object).

A series, one of its scheduled meetings, or the series with its current occurrence's times,
in the zone the request's ``timezone`` header asks for.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from webex_emulator.areas.people import model as ppl
from webex_emulator.core import Ctx, ids, iso

from . import fields, store
from .access import client_key
from .backend import effective_data, invalid
from .model import (
    MeetingRuleError,
    Occurrence,
    occurrence_id,
    occurrence_state,
    resolve_timezone,
    sip_address,
    web_link,
)


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
        return iso(moment)  # 2015-10-18T14:26:16.000Z (docs/webex-behaviour.md "Wire formats")
    return moment.astimezone(zone).isoformat(timespec="milliseconds")


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
    data = effective_data(rec, exc)
    host = ppl.get(ctx.db, rec.host_uuid)
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
    out.update(
        {
            "meetingNumber": number,
            "title": data["title"],
        }
    )
    if data.get("agenda"):
        out["agenda"] = data["agenda"]
    out.update(
        {
            "password": data["password"],
            "phoneAndVideoSystemPassword": data["phoneAndVideoSystemPassword"],
            "meetingType": meeting_type,
            "state": state,
        }
    )
    if occ is not None:
        out["isModified"] = occ.modified
    out.update(
        {
            "timezone": series.timezone,
            "start": render_time(start, zone),
            "end": render_time(end, zone),
        }
    )
    if occ is None and series.recurrence is not None:
        out["recurrence"] = series.recurrence.to_string()
    out.update(
        {
            "hostUserId": ids.person_id(rec.host_uuid),
            "hostDisplayName": host.display_name if host else "",
            "hostEmail": host.email if host else "",
            "hostKey": store.host_key(ctx.db, rec.host_uuid, rec.site_url),
            "siteUrl": rec.site_url,
            "webLink": web_link(rec.site_url, token),
            "sipAddress": sip_address(number, rec.site_url),
        }
    )
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
        "links": [
            {
                "rel": "globalCallinNumbers",
                "href": f"/v1/meetings/{meeting_id}/globalCallinNumbers",
                "method": "GET",
            }
        ],
    }
    return out
