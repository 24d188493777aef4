"""Guests backend: guests per issuing Service App and org, and their tokens ([SA] tag Guest Management).

A guest is identified by ``subject`` per issuing app and org; asking again with the same subject
issues another token (earlier ones stay valid) and a new ``displayName`` renames the guest.
Guest tokens are real emulator tokens owned by the guest.
"""

from __future__ import annotations

import base64
import json
import secrets
import sqlite3

from webex_emulator.areas.service_apps import model as tokens
from webex_emulator.core import ids, issue_token

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


def upsert(db: sqlite3.Connection, client_id: str, org_uuid: str, subject: str, display_name: str, now_iso: str) -> str:
    """The guest's uuid: created on first ask, renamed when the name changed."""
    row = db.execute(
        "SELECT * FROM guests WHERE client_id=? AND org_uuid=? AND subject=?", (client_id, org_uuid, subject)
    ).fetchone()
    if row is None:
        guest_uuid = ids.new_uuid()
        db.execute(
            "INSERT INTO guests(uuid, client_id, org_uuid, subject, display_name, created) VALUES(?,?,?,?,?,?)",
            (guest_uuid, client_id, org_uuid, subject, display_name, now_iso),
        )
        return guest_uuid
    if row["display_name"] != display_name:  # same subject, new name = rename
        db.execute("UPDATE guests SET display_name=? WHERE uuid=?", (display_name, row["uuid"]))
    return str(row["uuid"])


def issue(db: sqlite3.Connection, guest_uuid: str, client_id: str, org_uuid: str, *, now: float, now_iso: str) -> tuple[str, int]:
    """A new token for the guest: (token, lifetime in seconds)."""
    lifetime = tokens.lifetimes(db)["guestToken"]
    token, _ = issue_token(
        db,
        person_uuid=guest_uuid,
        org_uuid=org_uuid,
        scopes=GUEST_SCOPES,
        now=now,
        created_iso=now_iso,
        kind="guest",
        roles=[],
        client_id=client_id,
        expires_in=lifetime,
        token=_guest_token(guest_uuid, client_id, now + lifetime),
    )
    return token, lifetime


def count(db: sqlite3.Connection, client_id: str, org_uuid: str) -> int:
    return int(db.execute("SELECT COUNT(*) FROM guests WHERE client_id=? AND org_uuid=?", (client_id, org_uuid)).fetchone()[0])
