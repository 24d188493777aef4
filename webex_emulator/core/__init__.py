"""Emulator core: what every API area builds on. See ``webex_emulator/CORE.md``."""

from . import ids
from .area import Area
from .auth import ANY_ADMIN, FULL_ADMIN, FULL_ADMIN_ONLY, READONLY_ADMIN, USER_ADMIN, WRITE_ADMIN, Auth, issue_token
from .context import Ctx, Page, decode_cursor, encode_cursor
from .errors import WebexError, bad_request, conflict, forbidden, not_found, unauthorized
from .routing import Router
from .seeding import SeedContext
from .state import State, jdumps, jloads
from .wire import ApiResponse, iso, parse_iso

__all__ = [
    "ids",
    "Area",
    "Auth",
    "issue_token",
    "ANY_ADMIN",
    "WRITE_ADMIN",
    "FULL_ADMIN_ONLY",
    "FULL_ADMIN",
    "USER_ADMIN",
    "READONLY_ADMIN",
    "Ctx",
    "Page",
    "encode_cursor",
    "decode_cursor",
    "WebexError",
    "bad_request",
    "conflict",
    "forbidden",
    "not_found",
    "unauthorized",
    "Router",
    "SeedContext",
    "State",
    "jdumps",
    "jloads",
    "ApiResponse",
    "iso",
    "parse_iso",
]
