"""Authorizations (webex-admin.json, tag Authorizations)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Union

from pydantic import Field

from ._base import CaseInsensitiveEnum, Timestamp, WebexModel


class AuthorizationType(CaseInsensitiveEnum):
    REFRESH = "refresh"
    ACCESS = "access"


class Authorization(WebexModel):
    id: str
    application_id: str | None = None
    application_name: str | None = None
    person_id: str | None = None
    client_id: str | None = None
    created: Timestamp | None = None
    type: Annotated[Union[AuthorizationType, str], Field(union_mode="left_to_right")] | None = None


class TokenExpiry(WebexModel):
    exp: float
    """Epoch milliseconds at which the calling token expires."""

    @property
    def expires_at(self) -> datetime:
        return datetime.fromtimestamp(self.exp / 1000.0, tz=timezone.utc)
