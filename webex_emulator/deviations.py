"""Every place where the emulator knowingly differs from the OpenAPI spec, in ONE place.

Webex OpenAPI specifications © Cisco Webex, from webex/webex-openapi-specs, licensed CC BY 4.0.
The spec files are found by `webex_emulator.spec.default_spec_dir()` ($WEBEX_OPENAPI_DIR, else
../shared/webex-openapi). Facts about the live service are cited as sections of
docs/webex-behaviour.md, which says what the project does about each and defines the source
tags used here ([SA] webex-admin.json, [SM] webex-meeting.json, [MTG], [DOCS], [WXC]).

Two kinds of entries:

* DEVIATIONS — the live service differs from the spec and the emulator follows the live service.
* ASSUMPTIONS — the spec is silent or self-contradictory; the emulator picks a behaviour.

A constant here is a value or a switch that the emulator reads where the behaviour is
implemented, so a change of mind is a one-line edit here (tests/emulator/test_area_layering.py
fails on a constant nothing reads). A behaviour that is not a switch is described in a comment
that names where it lives.
"""

from __future__ import annotations

# ---------------------------------------------------------------------------------------------
# DEVIATIONS (live behaviour wins over the spec)
# ---------------------------------------------------------------------------------------------

# PATCH /licenses/users responses (and pendingSiteUrls) spell accountType in upper case,
# although the spec enum is lower-case `attendee`/`host`.
# docs/webex-behaviour.md "License account types" ([WXC] commits 1a2e0135 / bbb46bed; a lower-case
# accountType breaks strict clients).
# Requests still accept only `attendee` (case-insensitive), per the spec request enum.
ACCOUNT_TYPE_HOST = "HOST"
ACCOUNT_TYPE_ATTENDEE = "ATTENDEE"
REQUEST_ACCOUNT_TYPES = frozenset({"attendee"})

# Timestamps are `2015-10-18T14:26:16.000Z` everywhere (core/wire.py `iso`), although
# organization/authorization examples in the spec show `+00:00`. docs/webex-behaviour.md "Wire formats".

# `invitePending` / `loginEnabled` are the STRINGS "true"/"false" in Person responses (spec
# agrees for responses; PUT takes a boolean `loginEnabled`; areas/people/model.py
# `person_json`). docs/webex-behaviour.md "People".

# Path segments match in any letter case (e.g. /groups/{id}/Members as [WXC] sends it;
# core/routing.py). docs/webex-behaviour.md "Groups".

# POST /groups and PATCH /groups accept the simple form the spec EXAMPLE and [WXC] send
# ({displayName, orgId, description, members:[{id[, operation]}]}) besides the SCIM form of the
# spec schema (areas/groups/routes.py); `operation: "delete"` removes a member, as [WXC] sends
# it. docs/webex-behaviour.md "Groups".
GROUP_MEMBER_REMOVE_OPERATIONS = frozenset({"delete", "remove"})

# ---------------------------------------------------------------------------------------------
# REQUEST CONTRACT (webex_emulator/contract.py). Where the live service accepts MORE than the spec, the
# lax emulator (python -m webex_emulator) serves the request and counts it; the strict emulator (tests,
# WEBEX_EMULATOR_STRICT=1) rejects it, so the product keeps to the spec as written.
# ---------------------------------------------------------------------------------------------

# Booleans in query strings as `True`/`TRUE` besides `true`. docs/webex-behaviour.md "Wire formats".
QUERY_BOOLEANS_ANY_CASE = True

# PATCH /meetings/{meetingId} declares only `application/json-patch+json` ([SM] patchMeeting);
# the live service also takes `application/json` (docs/webex-behaviour.md "Meeting PATCH content type"). The product sends the
# declared type (decision in webex_client/resources/meetings.py).
REQUEST_CONTENT_TYPES_LIVE_ACCEPTS: dict[tuple[str, str], tuple[str, ...]] = {
    ("PATCH", "/meetings/{meetingId}"): ("application/json",),
}

# Query parameters the emulator's own next links carry (docs/webex-behaviour.md "Paging": live next links
# carry `cursor=…`, a parameter no operation declares). Clients echo them from the `Link` header, so
# they are accepted on every GET without counting as unknown.
PAGING_LINK_PARAMS = frozenset({"cursor", "next"})

# Body fields the spec's own prose lets clients send as JSON null although the schema types them
# as strings/objects ([SM] updateMeeting: "agenda, recurrence, trackingCodes ... null to clear";
# docs/webex-behaviour.md "Meeting PATCH content type"). Followed in both modes.
REQUEST_NULLABLE: dict[tuple[str, str], tuple[str, ...]] = {
    ("PATCH", "/meetings/{meetingId}"): ("agenda", "recurrence", "trackingCodes"),
}

# Body violations the live service accepts: (method, spec path, body location regex, message
# regex, source). Lax emulator: served and counted; strict emulator: 400.
REQUEST_BODY_LIVE_ACCEPTS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "POST",
        "/groups",
        "<root>",
        "'schemas' is a required property",
        'the simple form of the spec example and [WXC], docs/webex-behaviour.md "Groups"',
    ),
    (
        "PATCH",
        "/groups/{groupId}",
        "<root>",
        "'(schemas|Operations)' is a required property",
        'the simple form of the spec example and [WXC], docs/webex-behaviour.md "Groups"',
    ),
    (
        "PATCH",
        "/licenses/users",
        r"(siteUrls|pendingSiteUrls)/\d+/accountType",
        "is not one of",
        'accountType in any letter case, docs/webex-behaviour.md "License account types" (REQUEST_ACCOUNT_TYPES)',
    ),
)

# Body violations that are the spec contradicting itself, accepted in BOTH modes: (method, spec
# path, body location regex, message regex, reason). PatchGroup types every `Operations[].value`
# as an array of inheritance objects, while its own `path` example is "displayName": a SCIM
# replace of displayName/description carries the string (RFC 7644 §3.5.2).
REQUEST_BODY_SPEC_CONTRADICTIONS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "PATCH",
        "/groups/{groupId}",
        r"Operations/\d+/value",
        "is not of type 'array'",
        "PatchGroup path example 'displayName' vs value schema array; RFC 7644 §3.5.2",
    ),
)

# Next links repeat every original query parameter (the live service was reported to drop
# some — the emulator does what clients need; core/context.py `next_link`). docs/webex-behaviour.md "Paging"
# (WebexCommunity/WebexPythonSDK#168).

# ---------------------------------------------------------------------------------------------
# ASSUMPTIONS (spec silent or contradictory)
# ---------------------------------------------------------------------------------------------

# Page-size caps (`max` above the cap is silently reduced, docs/webex-behaviour.md "Paging"). The People spec
# documents default 100, "≤100 with callingData" and ≤50 with locationId, so a plain list
# allows more than 100; the emulator takes 1,000 (the page size the project's benchmarks name,
# `GET /people?max=1000`). callingData=true caps at 100.
PEOPLE_MAX_DEFAULT = 100
PEOPLE_MAX_CAP = 1000
PEOPLE_MAX_CAP_CALLING_DATA = 100
PEOPLE_MAX_CAP_LOCATION = 50
PEOPLE_ID_LIST_MAX = 85  # spec: "Accepts up to 85 person IDs"
LICENSE_USERS_LIMIT_DEFAULT = 300  # spec: default 300, "cannot be more than 300"
LICENSE_USERS_LIMIT_CAP = 300
GROUPS_COUNT_DEFAULT = 100  # spec: no default stated
GROUPS_COUNT_CAP = 100  # spec: no cap stated for groups (members: 500)
GROUP_MEMBERS_COUNT_DEFAULT = 500  # spec: "The default maximum members returned is 500"
GROUP_MEMBERS_COUNT_CAP = 500  # spec: "Maximum value for the count is 500"
GROUP_INCLUDED_MEMBERS_CAP = 500  # spec: includeMembers returns at most 500

# PATCH /licenses/users: which failures are per-item (→ 206 when others succeed, 400 when all
# fail) and which reject the whole request (400, nothing applied). The spec only says 206 =
# "some licenses failed; compare returned with requested". Emulator rule:
#   * malformed input, unknown license id (400000), invalid attendee siteUrl (400216), missing
#     calling properties (400411) → whole request 400 — the client sent something invalid;
#   * state-dependent constraints (pool at capacity, attendee add on a site the user hosts) →
#     per item.
# Capacity failures have no documented errorCode; the emulator sends message "License
# assignment failed" (the 400112 message) and no errorCode.
LICENSE_CAPACITY_MESSAGE = "License assignment failed"
# Add of an already-held license / remove of an absent one is a no-op success
# (docs/webex-behaviour.md "License assignment"; areas/licenses/model.py `assign`, `unassign`).
# Within one PATCH the operations run in this order so that "swap" requests work:
# license removes, attendee removes, license adds, attendee adds.
# Gaining a site's meeting license makes the user a host there: an `site#attendee` entry for the
# same site is dropped (the spec: "For host account, remove attendee and assign the license").

# Offer codes that are calling licenses (need phoneNumber or extension, [SA] PATCH /licenses/users).
CALLING_OFFER_CODES = frozenset({"BCSTD", "BCBASIC", "BCPRO", "UCPREM", "UCMSTD", "CXESS", "ATTCONS"})

# PUT /people: plain (host) entries in `siteUrls` are ignored — host access follows the
# `licenses` array (docs/webex-behaviour.md "People": host sites follow licenses); licenses that are unknown or
# over capacity are skipped (spec: "the system will assign all valid and available licenses").
# Omitted `licenses` = remove all licenses (full replace). `#attendee` entries missing from the
# body are only removed with showAllTypes=true (spec PUT description).

# GET /people non-admin without email/displayName/id → 400 (spec: "For non-admin requests,
# either this or displayName are required").
PEOPLE_FILTER_REQUIRED_MESSAGE = "Email, displayName, or id list should be specified."

# PATCH /admin/meeting/config/commonSettings is a merge: `defaultSchedulerOptions.entryAndExitTone`
# and `.telephonySupport` are REQUIRED in the schema but the spec's own request example omits
# `telephonySupport`; the emulator requires them in the merged result only. `telephonyConfig`
# is read-only: accepted when unchanged, 400 when a client tries to change it.
# Scopes for commonSettings are not stated in any source (docs/webex-behaviour.md "Scopes"): the emulator uses
# meeting:admin_config_read / meeting:admin_config_write and requires a full admin. As for every
# documented read/write pair, the write scope does not imply the read scope.
COMMON_SETTINGS_READ_SCOPES = ("meeting:admin_config_read",)
COMMON_SETTINGS_WRITE_SCOPES = ("meeting:admin_config_write",)
# The PATCH declares no `siteUrl` parameter (only the GET does, "If siteUrl is not specified, the
# query will use the default site for the admin's authorization token"). The emulator applies
# a PATCH to the caller's default site even when `?siteUrl=` is sent (the strict contract rejects
# the parameter): the worst case of issue 12 item 2, so clients must read back to verify.
COMMON_SETTINGS_PATCH_IGNORES_SITE_URL = True

# spark:all covers every `spark:` user scope (never spark-admin:*, identity:*, meeting:*;
# core/auth.py).

# Unknown routes answer 404 with the Webex "resource could not be found" body; known paths with a
# wrong method answer 405 with a Webex body.

# ---------------------------------------------------------------------------------------------
# Meetings, meeting invitees (areas/meetings) — ASSUMPTIONS
# ---------------------------------------------------------------------------------------------

# integrationTags are per client ([SM] listMeetings integrationTag: "An integrationTag created by
# one client cannot be accessed or used as a filtering parameter by another client"). Tokens
# without an OAuth client (personal/emulator tokens) count as the developer portal's client,
# like personal access tokens from developer.webex.com.
MEETINGS_DEVELOPER_PORTAL_CLIENT = "developer-portal"

# Alternate hosts (coHost) need a host account on the meeting's site. [SM] createMeeting says an
# unqualified invitee "will be invited as a non-cohost invitee"; the emulator applies that rule to
# every way of inviting (create meeting, POST/PUT /meetingInvitees, bulkInsert): no error, the
# answer carries `coHost: false`. "Qualified" read as [SM]'s Personal Room options put it ("any
# attendee with a host account on the target site"): holding the site's meeting license. The
# product refuses such a declaration in its policy pack (cohost-licensed-on-site).
MEETINGS_COHOST_NEEDS_HOST_LICENSE = True

# Converged sites (seed `sites[].converged: true`) answer some attributes differently from what
# was sent, with the response header `Warning: 1001 ...` (docs/webex-behaviour.md "Converged sites": "Unsupported
# attributes on a converged site"). Emulated for these attributes -> the value kept:
CONVERGED_SITE_NORMALISED = {"publicMeeting": False}
CONVERGED_SITE_WARNING = '1001 - "Unsupported attributes on a converged site"'

# Other meeting behaviours the spec leaves open (implemented in webex_emulator/areas/meetings):
# * Host rule: a meeting's host must hold the meeting license of the meeting's site, on create
#   AND on update/delete-free edits (PATCH/PUT) — docs/webex-behaviour.md "License assignment"
#   (hosting on a site means holding its meeting license) and "Migration to Improved Space
#   Meetings" (every host needs that license).
#   403 otherwise. Seeded legacy space meetings violate it on purpose (the migration story).
# * hostEmail naming someone else needs meeting:admin_schedule_write (writes) or
#   meeting:admin_schedule_read|write (reads) AND an admin role in the host's org (403 otherwise);
#   naming oneself is always allowed.
# * Visibility: a meeting is visible to its host and invitees; others get 404 unless they send
#   the right `password` header ([SM] "password ... Required when ... not privileged").
# * PUT /meetings/{id} is a full replace: title, start and end are required (historically required
#   on PUT); omitted options reset to defaults, omitted agenda/trackingCodes/recurrence/this
#   client's integrationTags are cleared; an omitted password keeps the current one.
# * A series change of start, end, recurrence or timezone drops every exception — modified AND
#   cancelled occurrences, and occurrence-level invitees ([SM] "any exceptional scheduled meeting
#   in this series is cancelled"). Re-sending unchanged values is not a change.
# * An exceptional (modified) occurrence gets its own meetingNumber and webLink ([SM] list by
#   meetingNumber: "the exceptional meeting instead of the primary meeting series is returned").
# * Scheduled-meeting state: `scheduled` before start, `ready` until end, then `missed` (the
#   emulator never runs meetings, so there are no instances and meetingType=meeting lists none).
#   Series state: `active` while an occurrence ends in the future, else `expired`.
# * Invitees of a scheduled meeting = the series' invitees + that occurrence's own.
# * Password rules come from the site's commonSettings securityOptions (sites area); the
#   mixed-case message is the spec's own example, the other messages follow its pattern.
# * Response timestamps: UTC as `...000Z` (docs/webex-behaviour.md "Wire formats"); with a `timezone` request header,
#   ISO 8601 with milliseconds and that zone's offset.
MEETINGS_INVALID_INPUT_MESSAGE = "The input parameters contain invalid items."

# ---------------------------------------------------------------------------------------------
# Service Apps, authorizations, guests (areas/service_apps, areas/guests) — ASSUMPTIONS
# ---------------------------------------------------------------------------------------------

# Tokens minted without an OAuth client (personal tokens from the control surface) are listed
# by GET /authorizations as the developer portal's, the applicationName the spec example shows.
DEVELOPER_PORTAL_APPLICATION_NAME = "Developer Portal"
# A client id the emulator does not know as a Service App (e.g. a minted integration token).
UNKNOWN_CLIENT_APPLICATION_NAME = "Integration"

# A Service App's tokens belong to its machine account in the target org (docs/webex-behaviour.md "Service Apps"). The
# machine account is not a directory person (it does not appear in GET /people); its tokens act
# with the app's scopes and the Full Administrator role of the admin who authorized the app.

# POST /access_token: the spec has no schema for it (only the OAuth `tokenUrl`); it answers with
# the token JSON of POST /applications/{id}/token plus `scope` (docs/webex-behaviour.md "Tokens and OAuth"). A refresh
# returns the SAME refresh token with a renewed lifetime ("refreshed to last forever", [DOCS]).
# Bad client credentials are 400 `invalid_client` (RFC 6749 §5.2 allows 400; no Authorization
# header is involved); bad/expired/revoked refresh tokens are 400 `invalid_grant`.

# DELETE /authorizations?clientId=&orgId= of an authorized Service App also removes the app's
# Control Hub authorization in that org (docs/webex-behaviour.md "Service Apps": the API way to revoke).

# POST /guests/token needs a Service App token (docs/webex-behaviour.md "Guests"); guests are kept by the guests
# area (not directory people) and counted per issuing app and org by GET /guests/count.

# ---------------------------------------------------------------------------------------------
# Response-schema deviations, applied EXPLICITLY by the spec-conformance validator
# (webex_emulator/spec.py `apply_response_deviations`, tests/emulator/test_conformance.py).
# The validator never loosens a schema: at exactly the listed locations it first checks that the
# body carries the documented live spelling, then maps it to the spec's spelling and validates
# the result against the unmodified schema.
# ---------------------------------------------------------------------------------------------

from dataclasses import dataclass as _dataclass  # noqa: E402
from typing import Any as _Any, Callable as _Callable  # noqa: E402


@_dataclass(frozen=True)
class ResponseDeviation:
    method: str
    path: str  # spec path template (relative to /v1)
    where: str  # body location; "/"-separated, "*" = each item
    live_check: _Callable[[_Any], bool]  # the value as the live service sends it
    to_spec: _Callable[[_Any], _Any]  # the same value spelled as the spec schema wants
    fact: str  # the documented live fact this follows


def _upper_account_type(value: _Any) -> bool:
    return value in (ACCOUNT_TYPE_HOST, ACCOUNT_TYPE_ATTENDEE)


RESPONSE_DEVIATIONS: tuple[ResponseDeviation, ...] = tuple(
    ResponseDeviation(
        "PATCH",
        "/licenses/users",
        where,
        _upper_account_type,
        str.lower,
        "docs/webex-behaviour.md 'License account types': the live service answers upper case ([WXC] 1a2e0135, "
        "bbb46bed); a lower-case accountType breaks strict clients",
    )
    for where in ("siteUrls/*/accountType", "pendingSiteUrls/*/accountType")
)

# Non-JSON success bodies: (method, path) -> regular expression the whole body must match,
# instead of the spec schema. GET /guests/count: the spec declares `text/plain` but gives it an
# object schema with a property named "112" (its example value); the live body is the bare
# number. docs/webex-behaviour.md "Wire formats".
TEXT_RESPONSE_BODIES: dict[tuple[str, str], str] = {("GET", "/guests/count"): r"\d+"}

# Operations the spec declares without a response schema, validated against another operation's
# 200 schema. POST /access_token exists in the specs only as the OAuth `tokenUrl`;
# docs/webex-behaviour.md "Tokens and OAuth": it answers with the same token JSON as /applications/{id}/token (plus `scope`).
RESPONSE_SCHEMA_ALIASES: dict[tuple[str, str], tuple[str, str]] = {
    ("POST", "/access_token"): ("POST", "/applications/{applicationId}/token"),
}
