"""Meeting invitees (webex-meeting.json, tag Meeting Invitees)."""

from __future__ import annotations

from ._base import WebexModel


class Invitee(WebexModel):
    id: str
    email: str | None = None
    display_name: str | None = None
    co_host: bool | None = None
    meeting_id: str | None = None
    panelist: bool | None = None


class InviteeCreate(WebexModel):
    meeting_id: str
    email: str
    display_name: str | None = None
    co_host: bool | None = None
    host_email: str | None = None
    send_email: bool | None = None
    panelist: bool | None = None


class InviteeUpdate(WebexModel):
    email: str
    display_name: str | None = None
    co_host: bool | None = None
    host_email: str | None = None
    send_email: bool | None = None
    panelist: bool | None = None


class BulkInviteeItem(WebexModel):
    email: str
    display_name: str | None = None
    co_host: bool | None = None
    send_email: bool | None = None
    panelist: bool | None = None
