"""People (webex-admin.json, tag People; extracts/people.txt)."""

from __future__ import annotations

from typing import Annotated, Union

from pydantic import Field

from ._base import CaseInsensitiveEnum, StringBool, Timestamp, WebexModel


class PersonType(CaseInsensitiveEnum):
    PERSON = "person"
    BOT = "bot"
    APPUSER = "appuser"


class PersonStatus(CaseInsensitiveEnum):
    ACTIVE = "active"
    CALL = "call"
    DO_NOT_DISTURB = "DoNotDisturb"
    INACTIVE = "inactive"
    MEETING = "meeting"
    OUT_OF_OFFICE = "OutOfOffice"
    PENDING = "pending"
    PRESENTING = "presenting"
    UNKNOWN = "unknown"


class PhoneNumber(WebexModel):
    type: str | None = None
    value: str | None = None
    primary: bool | None = None


class SipAddress(WebexModel):
    type: str | None = None
    value: str | None = None
    primary: bool | None = None


class Address(WebexModel):
    type: str | None = None
    country: str | None = None
    locality: str | None = None
    region: str | None = None
    street_address: str | None = None
    postal_code: str | None = None


ATTENDEE_SUFFIX = "#attendee"


class Person(WebexModel):
    """A person. All fields optional so the same model serves create, read and PUT
    (PUT is a full replace: GET, change, PUT everything back — unknown fields included)."""

    id: str | None = None
    emails: list[str] | None = None
    phone_numbers: list[PhoneNumber] | None = None
    extension: str | None = None
    location_id: str | None = None
    display_name: str | None = None
    nick_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    avatar: str | None = None
    org_id: str | None = None
    roles: list[str] | None = None
    licenses: list[str] | None = None
    department: str | None = None
    manager: str | None = None
    manager_id: str | None = None
    title: str | None = None
    addresses: list[Address] | None = None
    created: Timestamp | None = None
    last_modified: Timestamp | None = None
    timezone: str | None = None
    last_activity: Timestamp | None = None
    site_urls: list[str] | None = None
    sip_addresses: list[SipAddress] | None = None
    xmpp_federation_jid: str | None = None
    status: Annotated[Union[PersonStatus, str], Field(union_mode="left_to_right")] | None = None
    invite_pending: StringBool | None = None
    login_enabled: StringBool | None = None
    type: Annotated[Union[PersonType, str], Field(union_mode="left_to_right")] | None = None

    @property
    def primary_email(self) -> str | None:
        return self.emails[0] if self.emails else None

    @property
    def host_sites(self) -> list[str]:
        return [s for s in self.site_urls or [] if not s.lower().endswith(ATTENDEE_SUFFIX)]

    @property
    def attendee_sites(self) -> list[str]:
        return [s[: -len(ATTENDEE_SUFFIX)] for s in self.site_urls or [] if s.lower().endswith(ATTENDEE_SUFFIX)]
