"""``GET /meetings``: its query's enums, the ``from``/``to`` window and the lookups by
meetingNumber / webLink / roomId ([SM] webex-meeting.json listMeetings). Kept out of
``routes`` so that module stays the handlers only."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from webex_emulator.core import Ctx, bad_request
from webex_emulator.core.wire import ApiResponse

from . import store
from .model import MeetingRuleError, parse_timestamp, web_link
from .render import render

MEETING_TYPES = ("meetingSeries", "scheduledMeeting", "meeting")
STATES = ("active", "scheduled", "ready", "lobby", "inProgress", "ended", "missed", "expired")
HAS_FLAGS = ("hasChat", "hasRecording", "hasTranscription", "hasSummary", "hasClosedCaption", "hasPolls", "hasQA", "hasSlido")
LIST_WINDOW = timedelta(days=7)


def _parse_query_time(ctx: Ctx, name: str) -> datetime | None:
    raw = ctx.q(name)
    if not raw:
        return None
    try:
        return parse_timestamp(raw, name, ZoneInfo("UTC"))
    except MeetingRuleError as err:
        raise bad_request(str(err)) from None


def window(ctx: Ctx, meeting_type: str) -> tuple[datetime, datetime]:
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


def by_selector(ctx: Ctx, records: list[store.SeriesRecord], selector: str, current: bool, zone: ZoneInfo) -> ApiResponse:
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
            rec.meeting_number == value if selector == "meetingNumber" else web_link(rec.site_url, rec.web_link_token) == value
        )
        if series_match:
            cur = rec.series.current_occurrence(now)
            if current and cur is not None and not cur.modified:
                out.append(render(ctx, rec, cur, zone=zone))
            else:
                out.append(render(ctx, rec, zone=zone))
    return ctx.ok({"items": out})
