"""OAuth tokens: Service App token (``POST /applications/{id}/token``) and refresh
(``POST /access_token``). Wire names are snake_case here (OAuth), so no camelCase aliases.

Token values are :class:`pydantic.SecretStr` (redacted in repr) and are registered with the
log redactor the moment they are parsed."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, SecretStr

from .._logging import register_secret
from ._base import WebexModel


class Token(WebexModel):
    model_config = ConfigDict(alias_generator=None, extra="allow")

    access_token: SecretStr
    expires_in: int | None = None
    refresh_token: SecretStr | None = None
    refresh_token_expires_in: int | None = None
    token_type: str | None = "Bearer"
    scope: str | None = None

    def model_post_init(self, context: Any) -> None:
        register_secret(self.access_token.get_secret_value())
        if self.refresh_token is not None:
            register_secret(self.refresh_token.get_secret_value())

    @property
    def scopes(self) -> list[str]:
        return (self.scope or "").split()


class ServiceAppTokenRequest(WebexModel):
    client_id: str
    client_secret: SecretStr
    target_org_id: str

    def to_api(self, **_: Any) -> dict[str, Any]:
        return {
            "clientId": self.client_id,
            "clientSecret": self.client_secret.get_secret_value(),
            "targetOrgId": self.target_org_id,
        }
