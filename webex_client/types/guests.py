"""Guest management (webex-admin.json, tag Guest Management)."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from .._logging import register_secret
from ._base import WebexModel


class GuestCreate(WebexModel):
    subject: str
    display_name: str


class GuestToken(WebexModel):
    id: str | None = None
    subject: str | None = None
    display_name: str | None = None
    email: str | None = None
    access_token: SecretStr
    expires_in: int | None = None

    def model_post_init(self, context: Any) -> None:
        register_secret(self.access_token.get_secret_value())
