"""Meeting sites: the user's site list / default site (``/meetingPreferences/sites``) and the
site-admin common settings (``/admin/meeting/config/commonSettings``) — webex-meeting.json.

There is no public API to create or delete a Webex Meetings site; sites come from
subscriptions. An IaC "site" resource can read existence and manage these settings."""

from __future__ import annotations

from typing import Annotated, Union

from pydantic import Field

from ._base import CaseInsensitiveEnum, WebexModel


class Site(WebexModel):
    """One entry of ``{"sites": [...]}``; exactly one has ``default: true``."""

    site_url: str
    default: bool = False


#: Alias matching the brief's naming.
SitePreference = Site


class EntryAndExitTone(CaseInsensitiveEnum):
    NO_TONE = "NoTone"
    BEEP = "Beep"
    ANNOUNCE_NAME = "AnnounceName"


class TelephonySupport(CaseInsensitiveEnum):
    NONE = "None"
    WEBEX_TELECONFERENCING = "WebexTeleconferencing"
    OTHER = "Other"


class SiteOptions(WebexModel):
    allow_custom_personal_room_url: bool | None = Field(None, alias="allowCustomPersonalRoomURL")


class TelephonyConfig(WebexModel):
    """Read-only on the service (not accepted by PATCH)."""

    allow_call_in: bool | None = None
    allow_call_back: bool | None = None
    allow_other_teleconf: bool | None = None
    allow_toll_free_callin: bool | None = None
    allow_international_callin: bool | None = None
    allow_international_callback: bool | None = None
    voip: bool | None = Field(None, alias="VoIP")


class DefaultSchedulerOptions(WebexModel):
    entry_and_exit_tone: Annotated[Union[EntryAndExitTone, str], Field(union_mode="left_to_right")] | None = None
    join_teleconf_not_press1: bool | None = None
    telephony_support: Annotated[Union[TelephonySupport, str], Field(union_mode="left_to_right")] | None = None
    toll_free: bool | None = None
    voip: bool | None = Field(None, alias="VoIP")


class ScheduleMeetingOptions(WebexModel):
    email_reminders: bool | None = None


class PasswordCriteria(WebexModel):
    mixed_case: bool | None = None
    min_length: int | None = None
    min_numeric: int | None = None
    min_alpha: int | None = None
    min_special: int | None = None
    disallow_dynamic_web_text: bool | None = None
    disallow_list: bool | None = None
    disallow_values: list[str] | None = None


class SecurityOptions(WebexModel):
    join_before_host: bool | None = None
    audio_before_host: bool | None = None
    first_attendee_as_presenter: bool | None = None
    unlist_all_meetings: bool | None = None
    require_login_before_access: bool | None = None
    allow_mobile_screen_capture: bool | None = None
    require_strong_password: bool | None = None
    password_criteria: PasswordCriteria | None = None


class CommonSettings(WebexModel):
    """The writable part of ``/admin/meeting/config/commonSettings`` (telephonyConfig is read-only).

    The one declaration of this shape: the MeetingSite resource's inputs (``resources/meeting_site.py``)
    subclass these models, adding only what an input needs on top (no unknown keys, the spec's
    value sets, bounds)."""

    site_options: SiteOptions | None = None
    default_scheduler_options: DefaultSchedulerOptions | None = None
    schedule_meeting_options: ScheduleMeetingOptions | None = None
    security_options: SecurityOptions | None = None


class SiteCommonSettings(CommonSettings):
    """What GET returns: the writable settings and the read-only ``telephonyConfig``."""

    telephony_config: TelephonyConfig | None = None

    def to_patch(self) -> dict[str, object]:
        """PATCH body: only what was set, minus the read-only ``telephonyConfig``."""
        body = self.to_api(exclude_unset=True)
        body.pop("telephonyConfig", None)
        return body
