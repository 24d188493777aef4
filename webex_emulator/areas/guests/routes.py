"""Guest Management routes: ``POST /guests/token``, ``GET /guests/count`` ([SA]
webex-admin.json tag Guest Management). The rules are in :mod:`.model`."""

from __future__ import annotations

from typing import Any

from webex_emulator.core import Ctx, Router, bad_request, forbidden, ids
from webex_emulator.core.wire import ApiResponse

from . import model

router = Router()

SUBJECT_MAX = 256
DISPLAY_NAME_MAX = 256


def _string(body: dict[str, Any], name: str, limit: int) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise bad_request(f"'{name}' is required.")
    if len(value) > limit:
        raise bad_request(f"'{name}' can be at most {limit} characters long.")
    return value


def _issuer(ctx: Ctx) -> tuple[str, str]:
    auth = ctx.auth
    if auth.kind != "service_app" or not auth.client_id or not auth.org_uuid:
        # Guest Issuer apps are deprecated; guests come from Service Apps (docs/webex-behaviour.md "Guests").
        raise forbidden("Guests can only be created with a Service App access token.")
    return auth.client_id, auth.org_uuid


@router.post("/guests/token", scopes=["guest-issuer:write"])
def create_guest(ctx: Ctx) -> ApiResponse:
    client_id, org_uuid = _issuer(ctx)
    body = ctx.json_object()
    subject = _string(body, "subject", SUBJECT_MAX)
    display_name = _string(body, "displayName", DISPLAY_NAME_MAX)
    guest_uuid = model.upsert(ctx.db, client_id, org_uuid, subject, display_name, ctx.now_iso())
    token, lifetime = model.issue(ctx.db, guest_uuid, client_id, org_uuid, now=ctx.state.clock.time(), now_iso=ctx.now_iso())
    return ctx.ok(
        {
            "id": ids.person_id(guest_uuid),
            "subject": subject,
            "displayName": display_name,
            "email": f"{guest_uuid}@appid.ciscospark.com",
            "accessToken": token,
            "expiresIn": lifetime,
        }
    )


@router.get("/guests/count", scopes=["guest-issuer:read", "guest-issuer:write"])
def guest_count(ctx: Ctx) -> ApiResponse:
    client_id, org_uuid = _issuer(ctx)
    count = model.count(ctx.db, client_id, org_uuid)
    # The spec declares text/plain with a bare number ([SA] GET /guests/count; docs/webex-behaviour.md "Wire formats").
    return ApiResponse(status=200, body=str(count), content_type="text/plain")
