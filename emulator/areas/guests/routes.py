"""Guests issued by a Service App (REFERENCE.md §10; webex-admin.json tag Guest Management).

A guest is identified by ``subject`` per issuing app and org; asking again with the same subject
issues another token (earlier ones stay valid) and a new ``displayName`` renames the guest.
Guest tokens are real emulator tokens owned by the guest.
"""

from __future__ import annotations

import base64
import json
import secrets
import sqlite3
from typing import Any

from emulator.areas.service_apps import model as tokens
from emulator.core import Ctx, Router, bad_request, forbidden, ids, issue_token
from emulator.core.wire import ApiResponse

router = Router()

SCHEMA = """
CREATE TABLE IF NOT EXISTS guests (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL UNIQUE,
    client_id TEXT NOT NULL,              -- issuing Service App
    org_uuid TEXT NOT NULL,
    subject TEXT NOT NULL,
    display_name TEXT NOT NULL,
    created TEXT NOT NULL,
    UNIQUE (client_id, org_uuid, subject)
);
"""

SUBJECT_MAX = 256
DISPLAY_NAME_MAX = 256
# What a guest may do with its token: user-level Webex (spark:all covers the spark:* user scopes).
GUEST_SCOPES = ("spark:all",)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _guest_token(guest_uuid: str, issuer: str, expires_at: float) -> str:
    """A JWT-shaped opaque token (live guest tokens are JWTs, often >2000 characters)."""
    header = {"alg": "RS256", "typ": "JWT"}
    claims = {"sub": guest_uuid, "iss": issuer, "exp": int(expires_at), "jti": secrets.token_hex(16)}
    signature = secrets.token_bytes(256)
    return ".".join((_b64url(json.dumps(header).encode()), _b64url(json.dumps(claims).encode()), _b64url(signature)))


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
        # Guest Issuer apps are deprecated; guests come from Service Apps (REFERENCE.md §9, §10).
        raise forbidden("Guests can only be created with a Service App access token.")
    return auth.client_id, auth.org_uuid


@router.post("/guests/token", scopes=["guest-issuer:write"])
def create_guest(ctx: Ctx) -> ApiResponse:
    client_id, org_uuid = _issuer(ctx)
    body = ctx.json_object()
    subject = _string(body, "subject", SUBJECT_MAX)
    display_name = _string(body, "displayName", DISPLAY_NAME_MAX)
    row: sqlite3.Row | None = ctx.db.execute(
        "SELECT * FROM guests WHERE client_id=? AND org_uuid=? AND subject=?", (client_id, org_uuid, subject)
    ).fetchone()
    if row is None:
        guest_uuid = ids.new_uuid()
        ctx.db.execute(
            "INSERT INTO guests(uuid, client_id, org_uuid, subject, display_name, created) VALUES(?,?,?,?,?,?)",
            (guest_uuid, client_id, org_uuid, subject, display_name, ctx.now_iso()),
        )
    else:
        guest_uuid = row["uuid"]
        if row["display_name"] != display_name:  # same subject, new name = rename
            ctx.db.execute("UPDATE guests SET display_name=? WHERE uuid=?", (display_name, guest_uuid))
    lifetime = tokens.lifetimes(ctx.db)["guestToken"]
    now = ctx.state.clock.time()
    token, _ = issue_token(
        ctx.db, person_uuid=guest_uuid, org_uuid=org_uuid, scopes=GUEST_SCOPES, now=now,
        created_iso=ctx.now_iso(), kind="guest", roles=[], client_id=client_id, expires_in=lifetime,
        token=_guest_token(guest_uuid, client_id, now + lifetime),
    )
    return ctx.ok({
        "id": ids.person_id(guest_uuid),
        "subject": subject,
        "displayName": display_name,
        "email": f"{guest_uuid}@appid.ciscospark.com",
        "accessToken": token,
        "expiresIn": lifetime,
    })


@router.get("/guests/count", scopes=["guest-issuer:read", "guest-issuer:write"])
def guest_count(ctx: Ctx) -> ApiResponse:
    client_id, org_uuid = _issuer(ctx)
    count = ctx.db.execute(
        "SELECT COUNT(*) FROM guests WHERE client_id=? AND org_uuid=?", (client_id, org_uuid)
    ).fetchone()[0]
    # The spec declares text/plain with a bare number (REFERENCE.md §10).
    return ApiResponse(status=200, body=str(count), content_type="text/plain")
