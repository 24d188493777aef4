"""Organizations and roles (webex-admin.json, tags Organizations / Roles)."""

from __future__ import annotations

from ._base import Timestamp, WebexModel


class Organization(WebexModel):
    id: str
    display_name: str | None = None
    created: Timestamp | None = None


class Role(WebexModel):
    id: str
    name: str | None = None
