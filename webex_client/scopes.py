"""The scopes and roles a real stack needs: ONE list, read by the README, the policy pack's scope
rule, the dev stack's emulator tokens and the tests that drop each scope (issue 12).

``ADMIN_TOKEN_SCOPES`` is what the token in ``webex:token`` must hold (least privilege: nothing
else), each with what needs it; ``MINTING_TOKEN_SCOPES`` is what ``webex:mintingToken`` must hold.
Scope names and the endpoints that need them: REFERENCE.md §2 and the spec operations named.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

#: webex:token — scope -> what needs it.
ADMIN_TOKEN_SCOPES: Mapping[str, str] = MappingProxyType({
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
})

#: webex:mintingToken (only for serviceApps) — scope -> what needs it.
MINTING_TOKEN_SCOPES: Mapping[str, str] = MappingProxyType({
    "spark:applications_token": "minting a Service App's org token (POST /applications/{id}/token): serviceApps",
})

#: Roles of the user behind webex:token — role -> what needs it.
ADMIN_TOKEN_ROLES: Mapping[str, str] = MappingProxyType({
    "Full Administrator": "license assignment, scheduling for others and reassigning hosts; it must also be "
                          "a site administrator of every managed site (site settings, admin scheduling)",
})

__all__ = ["ADMIN_TOKEN_SCOPES", "MINTING_TOKEN_SCOPES", "ADMIN_TOKEN_ROLES"]
