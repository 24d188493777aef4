"""The scopes and roles a real stack needs: ONE list, read by the README, the policy pack's scope
rule, the dev stack's emulator tokens, the tests that drop each scope (issue 12) and the 403
messages that name the missing scope (``ENDPOINT_SCOPES``, read by ``webex_client._exceptions``).

``ADMIN_TOKEN_SCOPES`` is what the token in ``webex:token`` must hold (least privilege: nothing
else), each with what needs it; ``MINTING_TOKEN_SCOPES`` is what ``webex:mintingToken`` must hold.
Scope names and the endpoints that need them: the spec operations named (the specs state scopes
only in descriptions; docs/webex-behaviour.md "Scopes").
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

#: webex:token — scope -> what needs it.
ADMIN_TOKEN_SCOPES: Mapping[str, str] = MappingProxyType(
    {
        "spark-admin:people_read": "reading the org's people (GET /people, /people/me): every resource",
        "spark-admin:people_write": "assigning and removing licenses (PATCH /licenses/users): licenses",
        "spark-admin:licenses_read": "reading license pools and the sites they name (GET /licenses): licenses, sites, meetings",
        "identity:groups_read": "resolving declared groups (GET /groups, /groups/{id}/members): licenses, sites",
        "meeting:admin_schedule_read": "reading hosts' meetings and invitees (GET /meetings, /meetingInvitees): meetings",
        "meeting:admin_schedule_write": "scheduling for hosts, invitees, host changes (POST/PATCH/DELETE /meetings, "
        "/meetingInvitees, POST /meetings/reassignHost): meetings",
        "meeting:admin_preferences_read": "reading users' default site (GET /meetingPreferences/sites): sites",
        "meeting:admin_preferences_write": "setting users' default site (PUT /meetingPreferences/sites): sites",
        "meeting:admin_config_read": "reading site settings (GET /admin/meeting/config/commonSettings): sites",
        "meeting:admin_config_write": "changing site settings (PATCH /admin/meeting/config/commonSettings): sites",
    }
)

#: webex:mintingToken (only for serviceApps) — scope -> what needs it.
MINTING_TOKEN_SCOPES: Mapping[str, str] = MappingProxyType(
    {
        "spark:applications_token": "minting a Service App's org token (POST /applications/{id}/token): serviceApps",
    }
)

#: Roles of the user behind webex:token — role -> what needs it.
ADMIN_TOKEN_ROLES: Mapping[str, str] = MappingProxyType(
    {
        "Full Administrator": "license assignment, scheduling for others and reassigning hosts; it must also be "
        "a site administrator of every managed site (site settings, admin scheduling)",
    }
)

#: Scopes of calls the client offers that a stack's webex:token does not need (so not in its
#: least-privilege list) — scope -> who holds it.
OTHER_SCOPES: Mapping[str, str] = MappingProxyType(
    {
        "guest-issuer:write": "issuing guests (POST /guests/token): the Service App's own token",
        "spark-admin:organizations_read": "reading organizations (GET /organizations): library use only",
    }
)

#: Scopes that also need the user to be a site administrator of the site concerned.
SITE_ADMIN_SCOPES = frozenset({"meeting:admin_config_read", "meeting:admin_config_write"})

#: Which scope each call needs, for naming the missing one in a 403: (method or "*", API path
#: prefix without /v1, scope), matched in order, first match wins (more specific paths first).
#: Every scope here is one of the lists above (a test holds that).
ENDPOINT_SCOPES: tuple[tuple[str, str, str], ...] = (
    ("PATCH", "/licenses/users", "spark-admin:people_write"),
    ("GET", "/licenses", "spark-admin:licenses_read"),
    ("GET", "/people", "spark-admin:people_read"),
    ("GET", "/groups", "identity:groups_read"),
    ("GET", "/meetingInvitees", "meeting:admin_schedule_read"),
    ("*", "/meetingInvitees", "meeting:admin_schedule_write"),
    ("GET", "/meetings", "meeting:admin_schedule_read"),
    ("*", "/meetings", "meeting:admin_schedule_write"),
    ("GET", "/meetingPreferences", "meeting:admin_preferences_read"),
    ("*", "/meetingPreferences", "meeting:admin_preferences_write"),
    ("GET", "/admin/meeting/config", "meeting:admin_config_read"),
    ("*", "/admin/meeting/config", "meeting:admin_config_write"),
    ("POST", "/applications", "spark:applications_token"),
    ("*", "/guests", "guest-issuer:write"),
    ("GET", "/organizations", "spark-admin:organizations_read"),
)

__all__ = [
    "ADMIN_TOKEN_SCOPES",
    "MINTING_TOKEN_SCOPES",
    "ADMIN_TOKEN_ROLES",
    "OTHER_SCOPES",
    "SITE_ADMIN_SCOPES",
    "ENDPOINT_SCOPES",
]
