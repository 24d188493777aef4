"""People (webex-admin.json, tag People)."""

from __future__ import annotations

from typing import Annotated, Protocol, Union

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
        """:func:`primary_email`, or None for a person without any email (a create body)."""
        return primary_email(self) if self.emails else None

    @property
    def host_sites(self) -> list[str]:
        return [s for s in self.site_urls or [] if not s.lower().endswith(ATTENDEE_SUFFIX)]

    @property
    def attendee_sites(self) -> list[str]:
        return [s[: -len(ATTENDEE_SUFFIX)] for s in self.site_urls or [] if s.lower().endswith(ATTENDEE_SUFFIX)]


class HasEmails(Protocol):
    """Any person record: a full :class:`Person` or a lean one read for speed."""

    @property
    def id(self) -> str | None: ...

    @property
    def emails(self) -> list[str] | None: ...


def primary_email(person: HasEmails) -> str:
    """The address a person is known by: their first listed email, lower-cased (every comparison
    of emails here is case-insensitive); their id (else ``?``) when they have none. The spec
    (``PUT /people/{personId}``) puts the primary email first but does not guarantee the order a
    GET returns; people with one email, the common case, are unaffected. The one definition:
    providers, policy pack, ``discover``, ``migration-report`` and ``snapshot`` all use it."""
    return (person.emails or [person.id or "?"])[0].lower()
