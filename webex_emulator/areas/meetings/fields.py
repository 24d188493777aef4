"""Meeting option fields: types, defaults, validation and merge rules.

The option set is the one shared by CreateMeetingObject / UpdateMeetingObject /
PatchMeetingObject in webex-meeting.json.  Each field is validated against its spec type so a
client bug (a string "true", a misspelt enum) is a 400 here, as it is on the live service.
Unknown fields are ignored, as a JSON API usually does.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .model import MeetingRuleError


@dataclass(frozen=True)
class Kind:
    """Expected JSON type of one field: ``bool``, ``number``, ``string``, ``enum`` or ``object``."""

    type: str
    enum: tuple[str, ...] = ()
    sub: Mapping[str, "Kind"] | None = None
    required: tuple[str, ...] = ()


BOOL = Kind("bool")
NUMBER = Kind("number")
STRING = Kind("string")


def enum(*values: str) -> Kind:
    return Kind("enum", values)


MEETING_OPTIONS = {
    "enabledChat": BOOL,
    "enabledVideo": BOOL,
    "enabledPolling": BOOL,
    "enabledNote": BOOL,
    "noteType": enum("allowAll", "allowOne"),
    "enabledFileTransfer": BOOL,
    "enabledUCFRichMedia": BOOL,
}
ATTENDEE_PRIVILEGES = {
    name: BOOL
    for name in (
        "enabledShareContent",
        "enabledSaveDocument",
        "enabledPrintDocument",
        "enabledAnnotate",
        "enabledViewParticipantList",
        "enabledViewThumbnails",
        "enabledRemoteControl",
        "enabledViewAnyDocument",
        "enabledViewAnyPage",
        "enabledContactOperatorPrivately",
        "enabledChatHost",
        "enabledChatPresenter",
        "enabledChatOtherParticipants",
    )
}
AUDIO_CONNECTION_OPTIONS = {
    "audioConnectionType": enum("webexAudio", "VoIP", "other", "none"),
    "enabledTollFreeCallIn": BOOL,
    "enabledGlobalCallIn": BOOL,
    "enabledAudienceCallBack": BOOL,
    "entryAndExitTone": enum("beep", "announceName", "noTone"),
    "allowHostToUnmuteParticipants": BOOL,
    "allowAttendeeToUnmuteSelf": BOOL,
    "muteAttendeeUponEntry": BOOL,
}
LIVE_STREAM = {
    "destination": STRING,
    "rtmpUrl": STRING,
    "streamUrl": STRING,
    "layoutWithoutSharedContent": enum("grid", "stack", "focus"),
    "layoutWithSharedContent": enum("stack", "focusedContentWithActiveSpeaker", "focusedContent"),
    "allowChangeLayoutInMeeting": BOOL,
    "followStageLayoutWhenSynced": BOOL,
    "resolution": STRING,
}

# Options every create/update body may carry (title/agenda/password/times/recurrence are
# handled by the route because they have rules of their own).
OPTIONS: dict[str, Kind] = {
    "enabledAutoRecordMeeting": BOOL,
    "allowAnyUserToBeCoHost": BOOL,
    "enabledJoinBeforeHost": BOOL,
    "enableConnectAudioBeforeHost": BOOL,
    "joinBeforeHostMinutes": NUMBER,
    "excludePassword": BOOL,
    "publicMeeting": BOOL,
    "reminderTime": NUMBER,
    "unlockedMeetingJoinSecurity": enum("allowJoin", "allowJoinWithLobby", "blockFromJoin"),
    "sessionTypeId": NUMBER,
    "enabledWebcastView": BOOL,
    "enableAutomaticLock": BOOL,
    "automaticLockMinutes": NUMBER,
    "allowFirstUserToBeCoHost": BOOL,
    "allowAuthenticatedDevices": BOOL,
    "meetingOptions": Kind("object", sub=MEETING_OPTIONS),
    "attendeePrivileges": Kind("object", sub=ATTENDEE_PRIVILEGES),
    "enabledBreakoutSessions": BOOL,
    "enabledAudioWatermark": BOOL,
    "enabledVisualWatermark": BOOL,
    "visualWatermarkOpacity": NUMBER,
    "audioConnectionOptions": Kind("object", sub=AUDIO_CONNECTION_OPTIONS),
    "requireAttendeeLogin": BOOL,
    "restrictToInvitees": BOOL,
    "enabledLiveStream": BOOL,
    "liveStream": Kind("object", sub=LIVE_STREAM, required=("destination", "rtmpUrl", "streamUrl")),
}

# Values a new meeting gets when the request does not set them (the spec's response example
# where it shows one; lobby for unlisted people is the Webex default).
DEFAULTS: dict[str, Any] = {
    "enabledAutoRecordMeeting": False,
    "allowAnyUserToBeCoHost": False,
    "enabledJoinBeforeHost": False,
    "enableConnectAudioBeforeHost": False,
    "joinBeforeHostMinutes": 0,
    "excludePassword": False,
    "publicMeeting": False,
    "reminderTime": 10,
    "unlockedMeetingJoinSecurity": "allowJoinWithLobby",
    "sessionTypeId": 3,
    "enabledWebcastView": False,
    "enableAutomaticLock": False,
    "automaticLockMinutes": 0,
    "allowFirstUserToBeCoHost": False,
    "allowAuthenticatedDevices": False,
    "meetingOptions": {
        "enabledChat": True,
        "enabledVideo": True,
        "enabledPolling": False,
        "enabledNote": True,
        "noteType": "allowAll",
        "enabledFileTransfer": False,
        "enabledUCFRichMedia": False,
    },
    "attendeePrivileges": {
        "enabledShareContent": True,
        "enabledSaveDocument": False,
        "enabledPrintDocument": False,
        "enabledAnnotate": False,
        "enabledViewParticipantList": True,
        "enabledViewThumbnails": False,
        "enabledRemoteControl": True,
        "enabledViewAnyDocument": False,
        "enabledViewAnyPage": False,
        "enabledContactOperatorPrivately": False,
        "enabledChatHost": True,
        "enabledChatPresenter": True,
        "enabledChatOtherParticipants": True,
    },
    "enabledBreakoutSessions": False,
    "enabledAudioWatermark": False,
    "enabledVisualWatermark": False,
    "audioConnectionOptions": {
        "audioConnectionType": "webexAudio",
        "enabledTollFreeCallIn": False,
        "enabledGlobalCallIn": True,
        "enabledAudienceCallBack": False,
        "entryAndExitTone": "beep",
        "allowHostToUnmuteParticipants": False,
        "allowAttendeeToUnmuteSelf": True,
        "muteAttendeeUponEntry": False,
    },
    "requireAttendeeLogin": False,
    "restrictToInvitees": False,
    "enabledLiveStream": False,
}

JOIN_BEFORE_HOST_MINUTES = {"meeting": (0, 5, 10, 15), "webinar": (0, 15, 30, 45, 60)}
SCHEDULED_TYPES = ("meeting", "webinar", "personalRoomMeeting")
TITLE_MAX = 128
AGENDA_MAX = 1300
INTEGRATION_TAGS_MAX = 3
INTEGRATION_TAG_LEN = 64
TRACKING_CODE_LEN = 120


def _check(name: str, kind: Kind, value: Any) -> Any:
    if kind.type == "bool":
        if not isinstance(value, bool):
            raise MeetingRuleError(f"'{name}' must be a boolean.")
        return value
    if kind.type == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise MeetingRuleError(f"'{name}' must be a number.")
        return int(value) if float(value).is_integer() else value
    if kind.type == "string":
        if not isinstance(value, str):
            raise MeetingRuleError(f"'{name}' must be a string.")
        return value
    if kind.type == "enum":
        if value not in kind.enum:
            raise MeetingRuleError(f"'{name}' must be one of: {', '.join(kind.enum)}.")
        return value
    if kind.type == "object":
        if not isinstance(value, dict):
            raise MeetingRuleError(f"'{name}' must be an object.")
        out = {}
        assert kind.sub is not None
        for key, sub in kind.sub.items():
            if key in value and value[key] is not None:
                out[key] = _check(f"{name}.{key}", sub, value[key])
        return out
    raise AssertionError(kind.type)


def parse_options(body: Mapping[str, Any]) -> dict[str, Any]:
    """Validated option values present (and not null) in ``body``."""
    return {name: _check(name, kind, body[name]) for name, kind in OPTIONS.items() if body.get(name) is not None}


def merge_options(current: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """PATCH semantics: scalars replace, nested objects merge key by key."""
    out = copy.deepcopy(dict(current))
    for name, value in update.items():
        if isinstance(value, dict) and isinstance(out.get(name), dict):
            out[name] = {**out[name], **value}
        else:
            out[name] = copy.deepcopy(value)
    return out


def with_defaults(options: Mapping[str, Any]) -> dict[str, Any]:
    """PUT/create semantics: anything not given takes its default (nested objects too)."""
    return merge_options(DEFAULTS, options)


def check_consistency(options: Mapping[str, Any], scheduled_type: str) -> None:
    """Cross-field rules stated in the spec descriptions."""
    minutes = options.get("joinBeforeHostMinutes", 0)
    allowed = JOIN_BEFORE_HOST_MINUTES["webinar" if scheduled_type == "webinar" else "meeting"]
    if minutes not in allowed:
        raise MeetingRuleError(
            f"'joinBeforeHostMinutes' must be one of {', '.join(str(v) for v in allowed)} for a {scheduled_type}."
        )
    if options.get("reminderTime", 0) < 0:
        raise MeetingRuleError("'reminderTime' cannot be negative.")
    opacity = options.get("visualWatermarkOpacity")
    if opacity is not None and not 5 <= opacity <= 80:
        raise MeetingRuleError("'visualWatermarkOpacity' must be between 5 and 80.")
    if options.get("enabledLiveStream"):
        stream = options.get("liveStream") or {}
        missing = [k for k in LIVE_STREAM_REQUIRED if not stream.get(k)]
        if missing:
            raise MeetingRuleError("'liveStream' must be specified when 'enabledLiveStream' is true.")
    if options.get("restrictToInvitees") and not options.get("requireAttendeeLogin"):
        # [SM]: "restrictToInvitees cannot be set to true if requireAttendeeLogin is false".
        if scheduled_type == "webinar":
            raise MeetingRuleError("'restrictToInvitees' cannot be true when 'requireAttendeeLogin' is false.")


LIVE_STREAM_REQUIRED = ("destination", "rtmpUrl", "streamUrl")


def parse_title(value: Any, *, required: bool) -> str | None:
    if value is None:
        if required:
            raise MeetingRuleError("'title' is required.")
        return None
    if not isinstance(value, str) or not value.strip():
        raise MeetingRuleError("'title' must be a non-empty string.")
    if len(value) > TITLE_MAX:
        raise MeetingRuleError(f"'title' can be a maximum of {TITLE_MAX} characters long.")
    return value


def parse_agenda(value: Any) -> str:
    if not isinstance(value, str):
        raise MeetingRuleError("'agenda' must be a string.")
    if len(value) > AGENDA_MAX:
        raise MeetingRuleError(f"'agenda' can be a maximum of {AGENDA_MAX} characters long.")
    return value


def parse_integration_tags(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(t, str) and t for t in value):
        raise MeetingRuleError("'integrationTags' must be a list of non-empty strings.")
    if len(value) > INTEGRATION_TAGS_MAX:
        raise MeetingRuleError(f"At most {INTEGRATION_TAGS_MAX} integration tags are allowed.")
    if any(len(t) > INTEGRATION_TAG_LEN for t in value):
        raise MeetingRuleError(f"An integration tag can be a maximum of {INTEGRATION_TAG_LEN} characters long.")
    return list(dict.fromkeys(value))


def parse_tracking_codes(value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list):
        raise MeetingRuleError("'trackingCodes' must be a list.")
    out = []
    for item in value:
        if not isinstance(item, dict):
            raise MeetingRuleError("Each tracking code must be an object with 'name' and 'value'.")
        name, val = item.get("name"), item.get("value")
        if not isinstance(name, str) or not name or len(name) > TRACKING_CODE_LEN:
            raise MeetingRuleError("Tracking code 'name' cannot be empty and is at most 120 characters.")
        if not isinstance(val, str) or not val or len(val) > TRACKING_CODE_LEN:
            raise MeetingRuleError("Tracking code 'value' cannot be empty and is at most 120 characters.")
        out.append({"name": name, "value": val})
    return out
