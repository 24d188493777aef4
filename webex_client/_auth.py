"""Token sources: where the bearer token of each request comes from.

* :class:`StaticToken` — a fixed token (personal/bot/admin token, the emulator's token).
* :class:`ServiceAppToken` — a Service App's org-specific token, minted with
  ``POST /applications/{id}/token`` (authorised by an integration token that has
  ``spark:applications_token``) and refreshed with ``POST /access_token``
  (``grant_type=refresh_token``) *before* it expires (margin from settings). If the refresh
  token is expired or revoked (OAuth ``invalid_grant``) it mints a new pair. Thread-safe:
  concurrent callers wait for one renewal instead of each renewing.

The client asks the source for a token *before* taking a concurrency slot, so a renewal
(which itself needs a slot) can never deadlock against requests waiting for the token.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ._exceptions import AuthenticationError, OAuthError
from ._logging import logger
from ._secret import Secret, reveal

if TYPE_CHECKING:
    from ._base_client import SyncAPIClient
    from .types.service_apps import Token


@runtime_checkable
class TokenSource(Protocol):
    """Anything that can hand out a bearer token."""

    def get_token(self) -> str:
        """Return a currently valid access token (clear text, used for one request)."""
        ...

    def invalidate(self, token: str) -> bool:
        """The service rejected ``token`` (401). Return True if a fresh token may be tried."""
        ...


class StaticToken:
    """A fixed bearer token. A 401 with it is final."""

    def __init__(self, token: str | Secret) -> None:
        if not reveal(token):
            raise ValueError("token must not be empty")
        self._token = Secret(token)

    def get_token(self) -> str:
        return self._token.get()

    def invalidate(self, token: str) -> bool:
        return False

    def bind(self, client: "SyncAPIClient") -> None:  # noqa: D401 - protocol hook
        """Static tokens need no client."""

    def __repr__(self) -> str:
        return "StaticToken(Secret('**redacted**'))"


class ServiceAppToken:
    """Org-specific Service App token with proactive refresh and re-mint fallback.

    :param application_id: the Service App id (base64 ``APPLICATION`` id).
    :param client_id: OAuth client id (``C…``).
    :param client_secret: OAuth client secret (wrapped in :class:`Secret`).
    :param target_org_id: org the token is for (base64 ``ORGANIZATION`` id).
    :param minting_token: bearer of an integration (or another Service App) holding
        ``spark:applications_token``; a str/Secret or another :class:`TokenSource`.
    :param initial: an already known token pair (e.g. from a secret store) to start with.
    :param refresh_margin: seconds before expiry at which to renew (default from settings).
    :param on_token: called with each new :class:`Token` (persist the refresh token there).
    """

    def __init__(
        self,
        application_id: str,
        client_id: str,
        client_secret: str | Secret,
        target_org_id: str,
        minting_token: "str | Secret | TokenSource | None" = None,
        *,
        initial: "Token | None" = None,
        refresh_margin: float | None = None,
        on_token: "Callable[[Token], None] | None" = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.application_id = application_id
        self.client_id = client_id
        self._client_secret = Secret(client_secret)
        self.target_org_id = target_org_id
        if minting_token is None or isinstance(minting_token, TokenSource):
            self._minting: TokenSource | None = minting_token
        else:
            self._minting = StaticToken(minting_token)
        self._margin = refresh_margin
        self._on_token = on_token
        self._clock = clock
        self._lock = threading.RLock()
        self._client: SyncAPIClient | None = None
        self._access: Secret | None = None
        self._access_expires_at = 0.0
        self._refresh: Secret | None = None
        self._refresh_expires_at = 0.0
        self.mint_count = 0
        self.refresh_count = 0
        if initial is not None:
            self._store(initial)

    def __repr__(self) -> str:
        return (
            f"ServiceAppToken(application_id={self.application_id!r}, client_id={self.client_id!r}, "
            f"target_org_id={self.target_org_id!r}, client_secret={self._client_secret!r})"
        )

    # -- wiring -----------------------------------------------------------------------

    def bind(self, client: "SyncAPIClient") -> None:
        """Called by the client that owns this source: renewals use its transport, retry
        policy and throttle (but never this source's own token)."""
        self._client = client
        if self._margin is None:
            self._margin = client.settings.token_refresh_margin_seconds

    @property
    def margin(self) -> float:
        from ._constants import TOKEN_REFRESH_MARGIN_SECONDS

        return TOKEN_REFRESH_MARGIN_SECONDS if self._margin is None else self._margin

    # -- TokenSource --------------------------------------------------------------------

    def get_token(self) -> str:
        with self._lock:
            if self._access is not None and self._clock() < self._access_expires_at - self.margin:
                return self._access.get()
            self._renew()
            assert self._access is not None
            return self._access.get()

    def invalidate(self, token: str) -> bool:
        with self._lock:
            if self._access is not None and self._access.get() == token:
                # Revoked or expired early: force a renewal on the next get_token().
                self._access_expires_at = 0.0
            return True

    # -- renewal ------------------------------------------------------------------------

    def _renew(self) -> None:
        now = self._clock()
        if self._refresh is not None and now < self._refresh_expires_at - self.margin:
            try:
                self._store(self._do_refresh(self._refresh))
                self.refresh_count += 1
                logger.info("refreshed Service App access token for client %s", self.client_id)
                return
            except (OAuthError, AuthenticationError) as exc:
                # invalid_grant: refresh token expired/revoked/rotated away — mint anew.
                logger.warning("Service App token refresh refused (%s); minting a new token", exc)
        self._store(self._do_mint())
        self.mint_count += 1
        logger.info("minted Service App token for client %s", self.client_id)

    def _require_client(self) -> "SyncAPIClient":
        if self._client is None:
            raise RuntimeError("ServiceAppToken is not bound to a client; pass it to WebexClient(token=...)")
        return self._client

    def _do_refresh(self, refresh: Secret) -> "Token":
        from .resources.service_apps import refresh_access_token

        return refresh_access_token(
            self._require_client(), client_id=self.client_id, client_secret=self._client_secret, refresh_token=refresh
        )

    def _do_mint(self) -> "Token":
        from .resources.service_apps import create_service_app_token

        if self._minting is None:
            raise AuthenticationError("Service App token expired and no minting token was given to obtain a new one", status=401)
        return create_service_app_token(
            self._require_client(),
            application_id=self.application_id,
            client_id=self.client_id,
            client_secret=self._client_secret,
            target_org_id=self.target_org_id,
            bearer=self._minting,
        )

    def _store(self, token: "Token") -> None:
        now = self._clock()
        self._access = Secret(token.access_token.get_secret_value())
        # No expires_in: assume the documented Service App default (1 h) rather than forever.
        self._access_expires_at = now + float(token.expires_in if token.expires_in is not None else 3600)
        if token.refresh_token is not None:
            self._refresh = Secret(token.refresh_token.get_secret_value())
            lifetime = token.refresh_token_expires_in
            self._refresh_expires_at = now + float(lifetime if lifetime is not None else 90 * 86400)
        if self._on_token is not None:
            self._on_token(token)

    @property
    def expires_in(self) -> float:
        """Seconds until the current access token expires (negative if expired/none)."""
        with self._lock:
            return self._access_expires_at - self._clock()


def as_token_source(token: "str | Secret | TokenSource") -> TokenSource:
    if isinstance(token, (str, Secret)):
        return StaticToken(token)
    if isinstance(token, TokenSource):
        return token
    raise TypeError(f"token must be a str, Secret or TokenSource, not {type(token).__name__}")
