"""Licenses (webex-admin.json, tag Licenses)."""

from __future__ import annotations

from typing import Annotated, Union

from pydantic import Field, model_validator

from .._ids import license_offer_code, normalize_id
from ._base import CaseInsensitiveEnum, WebexModel


class SiteType(CaseInsensitiveEnum):
    CONTROL_HUB_MANAGED = "Control Hub managed site"
    LINKED = "Linked site"
    SITE_ADMIN_MANAGED = "Site Admin managed site"


class LicenseUserType(CaseInsensitiveEnum):
    INTERNAL = "INTERNAL"
    EXTERNAL = "EXTERNAL"


class LicenseOperation(CaseInsensitiveEnum):
    ADD = "add"
    REMOVE = "remove"


class SiteAccountType(CaseInsensitiveEnum):
    """Spec: lower-case ``attendee``/``host``; the live service answers ``ATTENDEE``/``HOST``.
    Requests send the spec spelling; responses parse either."""

    ATTENDEE = "attendee"
    HOST = "host"


AccountTypeField = Annotated[Union[SiteAccountType, str], Field(union_mode="left_to_right")]


class LicenseUser(WebexModel):
    """A holder of a licence (``GET /licenses/{id}?includeAssignedTo=user`` → ``users``)."""

    id: str
    type: Annotated[Union[LicenseUserType, str], Field(union_mode="left_to_right")] | None = None
    display_name: str | None = None
    email: str | None = None


class License(WebexModel):
    id: str
    name: str | None = None
    total_units: int | None = None
    consumed_units: int | None = None
    consumed_by_users: int | None = None
    consumed_by_workspaces: int | None = None
    subscription_id: str | None = None
    site_url: str | None = None
    site_type: Annotated[Union[SiteType, str], Field(union_mode="left_to_right")] | None = None
    users: list[LicenseUser] | None = None

    @property
    def offer_code(self) -> str | None:
        """Offer code from the id (``MS``, ``UCPREM`` …) — stable, unlike ``name``."""
        return license_offer_code(self.id)

    @property
    def available_units(self) -> int | None:
        if self.total_units is None or self.consumed_units is None:
            return None
        return self.total_units - self.consumed_units


def pool_label(lic: License) -> str:
    """How a pool is shown to people: ``site (license name)`` for a meeting pool, else its name
    (its id when it has none). The one definition: the providers' plans and errors, the policy
    pack and ``discover``/``migration-report`` all show pools this way."""
    return f"{lic.site_url} ({lic.name})" if lic.site_url else (lic.name or lic.id)


class LicenseProperties(WebexModel):
    location_id: str | None = None
    phone_number: str | None = None
    extension: str | None = None


class LicenseRequest(WebexModel):
    id: str
    operation: LicenseOperation = LicenseOperation.ADD
    properties: LicenseProperties | None = None


class SiteUrlRequest(WebexModel):
    site_url: str
    account_type: SiteAccountType = SiteAccountType.ATTENDEE
    operation: LicenseOperation = LicenseOperation.ADD


class LicenseAssignmentRequest(WebexModel):
    """Body of ``PATCH /licenses/users``: explicit add/remove of licences and attendee sites
    for one existing user (identified by ``email`` or ``person_id``)."""

    email: str | None = None
    person_id: str | None = None
    org_id: str | None = None
    licenses: list[LicenseRequest] | None = None
    site_urls: list[SiteUrlRequest] | None = None

    @model_validator(mode="after")
    def _needs_a_user(self) -> "LicenseAssignmentRequest":
        if not self.email and not self.person_id:
            raise ValueError("one of email or personId is required")
        return self

    def license_ids(self, operation: LicenseOperation) -> list[str]:
        return [lic.id for lic in self.licenses or [] if lic.operation == operation]

    def site_urls_for(self, operation: LicenseOperation) -> list[str]:
        return [s.site_url for s in self.site_urls or [] if s.operation == operation]

    @property
    def subject(self) -> str:
        return self.person_id or self.email or "?"


class SiteResponse(WebexModel):
    site_url: str
    account_type: AccountTypeField | None = None


class LicenseAssignmentResponse(WebexModel):
    org_id: str | None = None
    person_id: str | None = None
    email: str | None = None
    licenses: list[str] = Field(default_factory=list)
    site_urls: list[SiteResponse] = Field(default_factory=list)
    pending_licenses: list[str] = Field(default_factory=list)
    pending_site_urls: list[SiteResponse] = Field(default_factory=list)

    def failed_license_ids(self, request: LicenseAssignmentRequest) -> list[str]:
        """Requested changes not reflected in this (resulting) licence set.

        An ``add`` failed if the licence is neither held nor pending; a ``remove`` failed if
        the licence is still held. Ids are compared in canonical form (padding-insensitive).
        """
        held = {normalize_id(i) for i in self.licenses} | {normalize_id(i) for i in self.pending_licenses}
        current = {normalize_id(i) for i in self.licenses}
        failed = [i for i in request.license_ids(LicenseOperation.ADD) if normalize_id(i) not in held]
        failed += [i for i in request.license_ids(LicenseOperation.REMOVE) if normalize_id(i) in current]
        return failed

    def failed_site_urls(self, request: LicenseAssignmentRequest) -> list[str]:
        present = {s.site_url.lower() for s in [*self.site_urls, *self.pending_site_urls]}
        attendee = {s.site_url.lower() for s in self.site_urls if s.account_type == SiteAccountType.ATTENDEE}
        failed = [u for u in request.site_urls_for(LicenseOperation.ADD) if u.lower() not in present]
        failed += [u for u in request.site_urls_for(LicenseOperation.REMOVE) if u.lower() in attendee]
        return failed
