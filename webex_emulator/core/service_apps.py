"""Service App registry (developer-portal step) and per-org authorization (Control Hub step).

docs/webex-behaviour.md "Service Apps": a Service App is created on the developer portal (no public API), yielding an
app id, a ``clientId`` and a ``clientSecret``; a Full Admin of each target org then authorizes
it in Control Hub. Only a salted SHA-256 of the secret is stored. The meetings/service-apps
area implements ``POST /applications/{id}/token`` on top of these helpers.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
from typing import Any, Iterable

from . import ids
from .state import jdumps, jloads


def new_client_id() -> str:
    return "C" + secrets.token_hex(32)


def new_client_secret() -> str:
    return secrets.token_hex(32)


def hash_secret(secret: str, salt: str | None = None) -> str:
    salt = salt or secrets.token_hex(8)
    digest = hashlib.sha256((salt + ":" + secret).encode()).hexdigest()
    return f"sha256${salt}${digest}"


def verify_secret(stored: str, secret: str) -> bool:
    try:
        algo, salt, _digest = stored.split("$", 2)
    except ValueError:
        return False
    return algo == "sha256" and hmac.compare_digest(hash_secret(secret, salt), stored)


def register(
    db: sqlite3.Connection,
    *,
    name: str,
    scopes: Iterable[str],
    now_iso: str,
    client_id: str | None = None,
    client_secret: str | None = None,
    owner_org_uuid: str | None = None,
    data: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], str]:
    """Create a Service App; returns (app dict, the plain client secret — shown once)."""
    client_id = client_id or new_client_id()
    client_secret = client_secret or new_client_secret()
    if db.execute("SELECT 1 FROM service_apps WHERE client_id=?", (client_id,)).fetchone():
        raise ValueError(f"a service app with clientId {client_id} already exists")
    app_id = ids.application_id(client_id)
    db.execute(
        "INSERT INTO service_apps(client_id, app_id, name, secret_hash, scopes, owner_org_uuid, "
        "created, data) VALUES(?,?,?,?,?,?,?,?)",
        (client_id, app_id, name, hash_secret(client_secret), " ".join(scopes), owner_org_uuid, now_iso, jdumps(data or {})),
    )
    return get(db, client_id=client_id) or {}, client_secret


def _row_to_app(db: sqlite3.Connection, row: sqlite3.Row) -> dict[str, Any]:
    orgs = [
        r["org_uuid"]
        for r in db.execute("SELECT org_uuid FROM service_app_orgs WHERE client_id=? ORDER BY authorized_at", (row["client_id"],))
    ]
    return {
        "id": row["app_id"],
        "clientId": row["client_id"],
        "name": row["name"],
        "scopes": row["scopes"].split(),
        "created": row["created"],
        "ownerOrgId": ids.org_id(row["owner_org_uuid"]) if row["owner_org_uuid"] else None,
        "authorizedOrgIds": [ids.org_id(o) for o in orgs],
        "data": jloads(row["data"], {}),
    }


def get(db: sqlite3.Connection, *, client_id: str | None = None, app_id: str | None = None) -> dict[str, Any] | None:
    """Look up by client id or by (padded or unpadded) application id."""
    if app_id is not None and client_id is None:
        client_id = ids.decode_uuid(app_id, ids.APPLICATION)
        if client_id is None:
            return None
    row = db.execute("SELECT * FROM service_apps WHERE client_id=?", (client_id,)).fetchone()
    return None if row is None else _row_to_app(db, row)


def list_apps(db: sqlite3.Connection) -> list[dict[str, Any]]:
    return [_row_to_app(db, r) for r in db.execute("SELECT * FROM service_apps ORDER BY created")]


def check_secret(db: sqlite3.Connection, client_id: str, client_secret: str) -> bool:
    row = db.execute("SELECT secret_hash FROM service_apps WHERE client_id=?", (client_id,)).fetchone()
    return row is not None and verify_secret(row["secret_hash"], client_secret)


def authorize(
    db: sqlite3.Connection,
    client_id: str,
    org_uuid: str,
    *,
    now_iso: str,
    authorized_by: str | None = None,
    machine_person_uuid: str | None = None,
) -> None:
    db.execute(
        "INSERT INTO service_app_orgs(client_id, org_uuid, authorized_at, authorized_by, "
        "machine_person_uuid) VALUES(?,?,?,?,?) ON CONFLICT(client_id, org_uuid) DO NOTHING",
        (client_id, org_uuid, now_iso, authorized_by, machine_person_uuid),
    )


def deauthorize(db: sqlite3.Connection, client_id: str, org_uuid: str) -> bool:
    """Remove the authorization and revoke every token the app holds in that org."""
    cur = db.execute("DELETE FROM service_app_orgs WHERE client_id=? AND org_uuid=?", (client_id, org_uuid))
    db.execute("UPDATE tokens SET revoked=1 WHERE client_id=? AND org_uuid=?", (client_id, org_uuid))
    return cur.rowcount > 0


def is_authorized(db: sqlite3.Connection, client_id: str, org_uuid: str) -> bool:
    return (
        db.execute("SELECT 1 FROM service_app_orgs WHERE client_id=? AND org_uuid=?", (client_id, org_uuid)).fetchone()
        is not None
    )


def authorization(db: sqlite3.Connection, client_id: str, org_uuid: str) -> sqlite3.Row | None:
    return db.execute("SELECT * FROM service_app_orgs WHERE client_id=? AND org_uuid=?", (client_id, org_uuid)).fetchone()
