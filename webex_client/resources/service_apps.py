"""Service App tokens: ``POST /applications/{id}/token`` and ``POST /access_token``.

Both are sent as **idempotent** (retried after an unknown outcome):

* minting returns a fresh token pair for the same (app, org); an extra mint only leaves one
  more valid token behind — no user-visible object is duplicated, and the caller keeps the
  pair it actually received;
* refreshing with the same refresh token again either returns a valid pair or, if the lost
  first answer rotated the refresh token, ``invalid_grant`` — which
  :class:`~webex_client.ServiceAppToken` answers by minting anew.

The minting call authenticates with the *integration* token (``spark:applications_token``),
never the Service App's own; the refresh call is form-encoded and carries no bearer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._base_client import path_segment
from .._constants import OAUTH_TOKEN_PATH
from .._secret import Secret, reveal
from ..types.service_apps import Token
from ._resource import SyncAPIResource

if TYPE_CHECKING:
    from .._auth import TokenSource
    from .._base_client import SyncAPIClient


def create_service_app_token(
    client: "SyncAPIClient",
    *,
    application_id: str,
    client_id: str,
    client_secret: "str | Secret",
    target_org_id: str,
    bearer: "str | Secret | TokenSource | bool" = True,
) -> Token:
    response = client.request(
        "POST",
        f"/applications/{path_segment(application_id)}/token",
        json={"clientId": client_id, "clientSecret": reveal(client_secret), "targetOrgId": target_org_id},
        idempotent=True,
        auth=bearer,
    )
    return Token.model_validate(client.decode(response))


def refresh_access_token(
    client: "SyncAPIClient",
    *,
    client_id: str,
    client_secret: "str | Secret",
    refresh_token: "str | Secret",
) -> Token:
    response = client.request(
        "POST",
        OAUTH_TOKEN_PATH,
        data={
            "grant_type": "refresh_token",
            "client_id": client_id,
            "client_secret": reveal(client_secret),
            "refresh_token": reveal(refresh_token),
        },
        idempotent=True,
        auth=False,
    )
    return Token.model_validate(client.decode(response))


class ServiceApps(SyncAPIResource):
    def create_token(
        self,
        application_id: str,
        *,
        client_id: str,
        client_secret: "str | Secret",
        target_org_id: str,
        minting_token: "str | Secret | TokenSource | None" = None,
    ) -> Token:
        """Org-specific token pair for an authorised Service App. ``minting_token`` defaults
        to this client's own token (which must hold ``spark:applications_token``)."""
        return create_service_app_token(
            self._client,
            application_id=application_id,
            client_id=client_id,
            client_secret=Secret(client_secret),
            target_org_id=target_org_id,
            bearer=True if minting_token is None else minting_token,
        )

    def mint_with_scopes(
        self,
        application_id: str,
        *,
        client_id: str,
        client_secret: "str | Secret",
        target_org_id: str,
        minting_token: "str | Secret | TokenSource | None" = None,
    ) -> Token:
        """``create_token`` whose answer carries ``scope``: the mint response has no such field
        (spec), the OAuth refresh response has (docs/webex-behaviour.md "Tokens and OAuth"), so a
        fresh pair is refreshed once when needed. ``token.scopes`` are then the scopes the org
        granted the app."""
        token = self.create_token(
            application_id,
            client_id=client_id,
            client_secret=client_secret,
            target_org_id=target_org_id,
            minting_token=minting_token,
        )
        if token.scope is None and token.refresh_token is not None:
            token = self.refresh_token(
                client_id=client_id, client_secret=client_secret, refresh_token=token.refresh_token.get_secret_value()
            )
        return token

    def refresh_token(self, *, client_id: str, client_secret: "str | Secret", refresh_token: "str | Secret") -> Token:
        return refresh_access_token(
            self._client, client_id=client_id, client_secret=Secret(client_secret), refresh_token=Secret(refresh_token)
        )
