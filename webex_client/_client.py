"""The public synchronous client: transport core + one attribute per API area."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx

from . import _constants as C
from ._auth import TokenSource
from ._base_client import SyncAPIClient
from ._secret import Secret
from ._settings import ClientSettings, token_from_env
from .resources import (
    Authorizations,
    Groups,
    Guests,
    Licenses,
    MeetingInvitees,
    Meetings,
    Organizations,
    People,
    Roles,
    ServiceApps,
    Sites,
)


class WebexClient(SyncAPIClient):
    """Synchronous Webex API client (see the package docstring for the full API)."""

    organizations: Organizations
    roles: Roles
    people: People
    licenses: Licenses
    sites: Sites
    meetings: Meetings
    meeting_invitees: MeetingInvitees
    service_apps: ServiceApps
    authorizations: Authorizations
    guests: Guests
    groups: Groups

    def __init__(
        self,
        token: "str | Secret | TokenSource | None" = None,
        *,
        settings: ClientSettings | Mapping[str, Any] | None = None,
        base_url: str | None = None,
        transport: httpx.BaseTransport | None = None,
        http_client: httpx.Client | None = None,
        **testing_hooks: "Callable[..., Any]",
    ) -> None:
        """
        :param token: bearer token, :class:`Secret`, or a :class:`TokenSource`
            (:class:`StaticToken`, :class:`ServiceAppToken`). Defaults to the
            ``WEBEX_ACCESS_TOKEN`` environment variable.
        :param settings: :class:`ClientSettings` or a Pulumi-style config mapping.
        :param base_url: overrides ``settings.base_url`` (HTTPS required unless loopback).
        :param transport: custom httpx transport (tests use ``httpx.MockTransport``).
        :param testing_hooks: ``clock``, ``sleep``, ``random``, ``now`` — injected time and
            randomness so retry/throttle behaviour is testable without real sleeping.
        """
        if token is None:
            if settings is not None and not isinstance(settings, ClientSettings):
                settings = ClientSettings.from_config(settings)
            token = (settings.token_source() if settings is not None else None) or token_from_env()[0]
            if not token:
                raise ValueError(f"no token given and {C.TOKEN_ENV_VAR} is not set")
        allowed = {"clock", "sleep", "random", "now"}
        unknown = set(testing_hooks) - allowed
        if unknown:
            raise TypeError(f"unexpected keyword arguments: {sorted(unknown)}")
        super().__init__(
            token,
            settings=settings,
            base_url=base_url,
            transport=transport,
            http_client=http_client,
            **testing_hooks,
        )
        self._bind_resources()

    def _bind_resources(self) -> None:
        self.organizations = Organizations(self)
        self.roles = Roles(self)
        self.people = People(self)
        self.licenses = Licenses(self)
        self.sites = Sites(self)
        self.meetings = Meetings(self)
        self.meeting_invitees = MeetingInvitees(self)
        self.service_apps = ServiceApps(self)
        self.authorizations = Authorizations(self)
        self.guests = Guests(self)
        self.groups = Groups(self)

    @classmethod
    def from_config(
        cls,
        config: Mapping[str, Any],
        token: "str | Secret | TokenSource | None" = None,
        **kwargs: Any,
    ) -> "WebexClient":
        """Client configured from Pulumi stack config (``webex:maxRetries`` …)."""
        return cls(token, settings=ClientSettings.from_config(config), **kwargs)

    def __enter__(self) -> "WebexClient":
        return self
