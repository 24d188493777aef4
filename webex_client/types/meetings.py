"""Meetings (webex-meeting.json, tag Meetings).

Only the fields an IaC reconciler reads are typed; everything else is kept verbatim thanks
to ``extra="allow"``. Note (docs/webex-behaviour.md "Converged sites"): on converged sites
some attributes come back different from what was sent (``Warning: 1001``) — reconcilers must
not flap on them.
"""

from __future__ import annotations

from typing import Annotated, Union

from pydantic import Field

from ._base import CaseInsensitiveEnum, Timestamp, WebexModel


class MeetingType(CaseInsensitiveEnum):
    MEETING_SERIES = "meetingSeries"
    SCHEDULED_MEETING = "scheduledMeeting"
    MEETING = "meeting"


class MeetingState(CaseInsensitiveEnum):
    ACTIVE = "active"
    SCHEDULED = "scheduled"
    READY = "ready"
    LOBBY = "lobby"
    IN_PROGRESS = "inProgress"
    ENDED = "ended"
    MISSED = "missed"
    EXPIRED = "expired"


class ScheduledType(CaseInsensitiveEnum):
    MEETING = "meeting"
    WEBINAR = "webinar"
    PERSONAL_ROOM_MEETING = "personalRoomMeeting"


class UnlockedMeetingJoinSecurity(CaseInsensitiveEnum):
    ALLOW_JOIN = "allowJoin"
    ALLOW_JOIN_WITH_LOBBY = "allowJoinWithLobby"
    BLOCK_FROM_JOIN = "blockFromJoin"


MeetingTypeField = Annotated[Union[MeetingType, str], Field(union_mode="left_to_right")]
MeetingStateField = Annotated[Union[MeetingState, str], Field(union_mode="left_to_right")]
ScheduledTypeField = Annotated[Union[ScheduledType, str], Field(union_mode="left_to_right")]
JoinSecurityField = Annotated[Union[UnlockedMeetingJoinSecurity, str], Field(union_mode="left_to_right")]


class CallInNumber(WebexModel):
    label: str | None = None
    call_in_number: str | None = None
    toll_type: str | None = None


class Telephony(WebexModel):
    access_code: str | None = None
    call_in_numbers: list[CallInNumber] | None = None
    links: list[dict[str, object]] | dict[str, object] | None = None


class MeetingOptions(WebexModel):
    enabled_chat: bool | None = None
    enabled_video: bool | None = None
    enabled_polling: bool | None = None
    enabled_note: bool | None = None
    note_type: str | None = None
    enabled_closed_captions: bool | None = None
    enabled_file_transfer: bool | None = None
    enabled_ucf_rich_media: bool | None = Field(None, alias="enabledUCFRichMedia")


class AudioConnectionOptions(WebexModel):
    audio_connection_type: str | None = None
    enabled_toll_free_call_in: bool | None = None
    enabled_global_call_in: bool | None = None
    enabled_audience_call_back: bool | None = None
    entry_and_exit_tone: str | None = None
    allow_host_to_unmute_participants: bool | None = None
    allow_attendee_to_unmute_self: bool | None = None
    mute_attendee_upon_entry: bool | None = None


class TrackingCode(WebexModel):
    name: str
    value: str | None = None


class MeetingInviteeSpec(WebexModel):
    """An invitee given inline to ``POST /meetings``."""

    email: str
    display_name: str | None = None
    co_host: bool | None = None
    panelist: bool | None = None


class _MeetingSettings(WebexModel):
    """Writable attributes shared by create, PUT and PATCH."""

    title: str | None = None
    agenda: str | None = None
    password: str | None = None
    start: Timestamp | None = None
    end: Timestamp | None = None
    timezone: str | None = None
    recurrence: str | None = None
    enabled_auto_record_meeting: bool | None = None
    allow_any_user_to_be_co_host: bool | None = None
    enabled_join_before_host: bool | None = None
    enable_connect_audio_before_host: bool | None = None
    join_before_host_minutes: int | None = None
    exclude_password: bool | None = None
    public_meeting: bool | None = None
    reminder_time: int | None = None
    unlocked_meeting_join_security: JoinSecurityField | None = None
    session_type_id: int | None = None
    enabled_webcast_view: bool | None = None
    panelist_password: str | None = None
    enable_automatic_lock: bool | None = None
    automatic_lock_minutes: int | None = None
    allow_first_user_to_be_co_host: bool | None = None
    allow_authenticated_devices: bool | None = None
    send_email: bool | None = None
    host_email: str | None = None
    meeting_options: MeetingOptions | None = None
    attendee_privileges: dict[str, object] | None = None
    integration_tags: list[str] | None = None
    simultaneous_interpretation: dict[str, object] | None = None
    enabled_breakout_sessions: bool | None = None
    tracking_codes: list[TrackingCode] | None = None
    enabled_audio_watermark: bool | None = None
    enabled_visual_watermark: bool | None = None
    visual_watermark_opacity: int | None = None
    audio_connection_options: AudioConnectionOptions | None = None
    require_attendee_login: bool | None = None
    restrict_to_invitees: bool | None = None
    enabled_live_stream: bool | None = None
    live_stream: dict[str, object] | None = None


class MeetingCreate(_MeetingSettings):
    """Body of ``POST /meetings`` (``title``, ``start``, ``end`` required by the service).

    Give every IaC-managed meeting an ``integration_tags`` entry: it is how
    :meth:`~webex_client.resources.meetings.Meetings.create` finds the meeting again when a
    create's outcome is unknown (connection lost after send)."""

    title: str
    start: Timestamp | None = None
    end: Timestamp | None = None
    site_url: str | None = None
    scheduled_type: ScheduledTypeField | None = None
    template_id: str | None = None
    invitees: list[MeetingInviteeSpec] | None = None
    registration: dict[str, object] | None = None
    breakout_sessions: list[dict[str, object]] | None = None
    adhoc: bool | None = None
    room_id: str | None = None


class MeetingPatch(_MeetingSettings):
    """Body of ``PATCH /meetings/{id}``: only the fields you *set* are sent, and setting
    ``agenda``/``recurrence``/``tracking_codes`` to ``None`` sends JSON ``null`` (clears them)."""

    def to_api(self, *, exclude_unset: bool = True, exclude_none: bool = False) -> dict[str, object]:
        return super().to_api(exclude_unset=exclude_unset, exclude_none=exclude_none)


class MeetingUpdate(_MeetingSettings):
    """Body of ``PUT /meetings/{id}`` (full replace; deprecated by Webex in favour of PATCH)."""


class Meeting(_MeetingSettings):
    id: str
    meeting_series_id: str | None = None
    scheduled_meeting_id: str | None = None
    meeting_number: str | None = None
    phone_and_video_system_password: str | None = None
    meeting_type: MeetingTypeField | None = None
    state: MeetingStateField | None = None
    is_modified: bool | None = None
    host_did_join: bool | None = None
    attendee_did_join: bool | None = None
    host_user_id: str | None = None
    host_display_name: str | None = None
    host_key: str | None = None
    site_url: str | None = None
    web_link: str | None = None
    register_link: str | None = None
    sip_address: str | None = None
    dial_in_ip_address: str | None = None
    room_id: str | None = None
    scheduled_type: ScheduledTypeField | None = None
    phone_and_video_system_panelist_password: str | None = None
    telephony: Telephony | None = None
    registration: dict[str, object] | None = None
    links: list[dict[str, object]] | None = None

    @property
    def is_series(self) -> bool:
        return self.meeting_type == MeetingType.MEETING_SERIES


class ReassignError(WebexModel):
    description: str | None = None


class ReassignResult(WebexModel):
    """One item of a ``POST /meetings/reassignHost`` 207 answer (``httpStatus`` is a string
    in the schema; numbers are accepted too, as the spec example shows them)."""

    meeting_id: str
    http_status: Union[str, int]
    message: str | None = None
    errors: list[ReassignError] | None = None

    @property
    def ok(self) -> bool:
        return str(self.http_status).startswith("2")

    def reason(self) -> str:
        details = "; ".join(e.description for e in self.errors or [] if e.description)
        return f"{self.http_status} {self.message or ''} {details}".strip()
