"""Typed models of the Webex REST API, one module per area.

The models follow the official OpenAPI descriptions — Webex OpenAPI specifications
© Cisco Webex, from webex/webex-openapi-specs, licensed CC BY 4.0
(``webex-admin.json`` and ``webex-meeting.json`` at commit 1be8332652c7c3dd34ea8148848c44ddf109a200;
field names and enum values are taken from them, descriptions paraphrased). Where the live
service is known to differ from the spec (enum casing, ``"true"``/``"false"`` strings,
timestamp formats — docs/webex-behaviour.md "Wire formats") the models accept both.

All models keep unknown fields (``extra="allow"``) so that a GET → modify → PUT round trip
never drops data the client does not know about.
"""

from ._base import CaseInsensitiveEnum, StringBool, Timestamp, WebexModel, format_timestamp
from .authorizations import Authorization, AuthorizationType, TokenExpiry
from .groups import (
    Group,
    GroupCreate,
    GroupMember,
    GroupMemberChange,
    GroupMemberOperation,
    GroupMemberRef,
    GroupPatch,
)
from .guests import GuestCreate, GuestToken
from .licenses import (
    License,
    LicenseAssignmentRequest,
    LicenseAssignmentResponse,
    LicenseOperation,
    LicenseProperties,
    LicenseRequest,
    LicenseUser,
    LicenseUserType,
    SiteAccountType,
    SiteResponse,
    SiteType,
    SiteUrlRequest,
)
from .meeting_invitees import BulkInviteeItem, Invitee, InviteeCreate, InviteeUpdate
from .meetings import (
    AudioConnectionOptions,
    Meeting,
    MeetingCreate,
    MeetingInviteeSpec,
    MeetingOptions,
    MeetingPatch,
    MeetingState,
    MeetingType,
    MeetingUpdate,
    ScheduledType,
    Telephony,
    TrackingCode,
    UnlockedMeetingJoinSecurity,
)
from .organizations import Organization, Role
from .people import Address, Person, PersonStatus, PersonType, PhoneNumber, SipAddress
from .service_apps import ServiceAppTokenRequest, Token
from .sites import (
    CommonSettings,
    DefaultSchedulerOptions,
    EntryAndExitTone,
    PasswordCriteria,
    ScheduleMeetingOptions,
    SecurityOptions,
    Site,
    SiteCommonSettings,
    SiteOptions,
    SitePreference,
    TelephonyConfig,
    TelephonySupport,
)

from types import ModuleType as _ModuleType

__all__ = [n for n, v in dict(globals()).items() if not n.startswith("_") and not isinstance(v, _ModuleType)]
