"""Service App tokens and authorizations ([SA] tags Service Apps, Authorizations; docs/webex-behaviour.md "Tokens and OAuth").

* Token pairs for an authorized Service App belong to the app's *machine account* in the target
  org (one per app and org, created on first token).  They are ordinary emulator tokens: the
  access token authenticates on every ``/v1`` route with the app's scopes.
* Lifetimes are configurable (``/_emulator/token-lifetimes`` or per app ``data``), so tests can
  hand out a token that is about to expire.
* An "authorization" (``/authorizations``) is one stored token row: ``type`` access|refresh.
"""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import timedelta
from typing import Any

from webex_emulator import deviations as dev
from webex_emulator.core import FULL_ADMIN, ids, issue_token, jloads, parse_iso
from webex_emulator.core import service_apps as sa

# meta-table keys and defaults (seconds). Defaults are the spec's example values for
# POST /applications/{id}/token (3600 / 7776000) and POST /guests/token (64799).
LIFETIME_DEFAULTS: dict[str, int] = {
    "serviceAppAccessToken": 3600,
    "serviceAppRefreshToken": 7_776_000,
    "guestToken": 64_799,
}
_META_PREFIX = "tokenLifetime."
# Per-app overrides in the app's ``data`` (e.g. from the seed's serviceApps entries).
_APP_OVERRIDES = {"serviceAppAccessToken": "accessTokenExpiresIn", "serviceAppRefreshToken": "refreshTokenExpiresIn"}


def lifetimes(db: sqlite3.Connection) -> dict[str, int]:
    out = dict(LIFETIME_DEFAULTS)
    for row in db.execute("SELECT key, value FROM meta WHERE key LIKE ?", (_META_PREFIX + "%",)):
        name = row["key"][len(_META_PREFIX) :]
        if name in out:
            out[name] = int(row["value"])
    return out


def set_lifetimes(db: sqlite3.Connection, values: dict[str, Any]) -> dict[str, int]:
    for name, value in values.items():
        if name not in LIFETIME_DEFAULTS:
            raise ValueError(f"unknown token lifetime {name!r}; known: {', '.join(LIFETIME_DEFAULTS)}")
        if value is None:
            db.execute("DELETE FROM meta WHERE key=?", (_META_PREFIX + name,))
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive number of seconds")
        db.execute(
            "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            (_META_PREFIX + name, str(value)),
        )
    return lifetimes(db)


def app_lifetime(db: sqlite3.Connection, app: dict[str, Any], name: str) -> int:
    override = (app.get("data") or {}).get(_APP_OVERRIDES.get(name, ""))
    return int(override) if override else lifetimes(db)[name]


def machine_account(db: sqlite3.Connection, client_id: str, org_uuid: str) -> str:
    """The app's machine account in the org (created with the first token; docs/webex-behaviour.md "Service Apps")."""
    row = sa.authorization(db, client_id, org_uuid)
    if row is not None and row["machine_person_uuid"]:
        return str(row["machine_person_uuid"])
    machine = ids.stable_uuid("service-app-machine-account", client_id, org_uuid)
    db.execute(
        "UPDATE service_app_orgs SET machine_person_uuid=? WHERE client_id=? AND org_uuid=?",
        (machine, client_id, org_uuid),
    )
    return machine


def mint_pair(db: sqlite3.Connection, app: dict[str, Any], org_uuid: str, *, now: float, now_iso: str) -> dict[str, Any]:
    """A new refresh token and an access token derived from it; the token JSON for the wire."""
    machine = machine_account(db, app["clientId"], org_uuid)
    access_ttl = app_lifetime(db, app, "serviceAppAccessToken")
    refresh_ttl = app_lifetime(db, app, "serviceAppRefreshToken")
    common = dict(
        person_uuid=machine,
        org_uuid=org_uuid,
        scopes=app["scopes"],
        now=now,
        created_iso=now_iso,
        kind="service_app",
        roles=[FULL_ADMIN],
        client_id=app["clientId"],
    )
    refresh, refresh_id = issue_token(db, token_type="refresh", expires_in=refresh_ttl, **common)
    access, _ = issue_token(db, token_type="access", parent_id=refresh_id, expires_in=access_ttl, **common)
    return {
        "access_token": access,
        "expires_in": access_ttl,
        "refresh_token": refresh,
        "refresh_token_expires_in": refresh_ttl,
        "token_type": "Bearer",
    }


# -- authorizations ---------------------------------------------------------------------------


def developer_portal_client_id() -> str:
    """Client id standing in for tokens minted without an OAuth client (personal tokens)."""
    return "C" + hashlib.sha256(dev.DEVELOPER_PORTAL_APPLICATION_NAME.encode()).hexdigest()


def authorization_json(db: sqlite3.Connection, row: sqlite3.Row) -> dict[str, Any]:
    client_id = row["client_id"] or developer_portal_client_id()
    app = sa.get(db, client_id=client_id) if row["client_id"] else None
    if app is not None:
        name = app["name"]
    elif row["client_id"]:
        name = dev.UNKNOWN_CLIENT_APPLICATION_NAME
    else:
        name = dev.DEVELOPER_PORTAL_APPLICATION_NAME
    return {
        "id": ids.encode(ids.AUTHORIZATION, row["id"]),
        "applicationId": ids.application_id(client_id),
        "applicationName": name,
        "personId": ids.person_id(row["person_uuid"]),
        "clientId": client_id,
        "created": row["created"],
        "type": row["token_type"],
    }


def live_tokens_of(db: sqlite3.Connection, person_uuid: str, now: float) -> list[sqlite3.Row]:
    """Valid tokens of a person; the emulator's own admin token is not a Webex authorization."""
    return db.execute(
        "SELECT * FROM tokens WHERE person_uuid=? AND revoked=0 AND kind<>'admin' "
        "AND (expires_at IS NULL OR expires_at>?) ORDER BY created, id",
        (person_uuid, now),
    ).fetchall()


def revoke(db: sqlite3.Connection, token_id: str) -> None:
    """Revoke a token; revoking a refresh token revokes the access tokens made from it."""
    db.execute("UPDATE tokens SET revoked=1 WHERE id=? OR parent_id=?", (token_id, token_id))


def expiry_ms(row: sqlite3.Row) -> int:
    if row["expires_at"] is not None:
        return int(row["expires_at"] * 1000)
    # A token that never expires (bot-like): report ~100 years after creation (docs/webex-behaviour.md "Tokens and OAuth").
    created = parse_iso(row["created"]) + timedelta(days=36_525)
    return int(created.timestamp() * 1000)


def token_row(db: sqlite3.Connection, token_id: str) -> sqlite3.Row | None:
    return db.execute("SELECT * FROM tokens WHERE id=?", (token_id,)).fetchone()


def token_holder_org(db: sqlite3.Connection, person_uuid: str) -> str | None:
    """The org of someone who holds tokens without being a directory person (a machine account)."""
    row = db.execute("SELECT org_uuid FROM tokens WHERE person_uuid=? LIMIT 1", (person_uuid,)).fetchone()
    return None if row is None else row["org_uuid"]


def revoke_client(db: sqlite3.Connection, client_id: str, org_uuid: str) -> None:
    """Every token a client holds in an org (DELETE /authorizations?clientId=)."""
    db.execute("UPDATE tokens SET revoked=1 WHERE client_id=? AND org_uuid=? AND kind<>'admin'", (client_id, org_uuid))


def refresh(
    db: sqlite3.Connection, app: dict[str, Any], row: sqlite3.Row, refresh_token: str, *, now: float, now_iso: str
) -> dict[str, Any]:
    """The OAuth refresh grant for a valid refresh token ``row``: a new access token; the token JSON."""
    access_ttl = app_lifetime(db, app, "serviceAppAccessToken")
    refresh_ttl = app_lifetime(db, app, "serviceAppRefreshToken")
    scopes = row["scopes"].split()
    token, _ = issue_token(
        db,
        person_uuid=row["person_uuid"],
        org_uuid=row["org_uuid"],
        scopes=scopes,
        now=now,
        created_iso=now_iso,
        kind=row["kind"],
        token_type="access",
        roles=jloads(row["roles"], None),
        client_id=app["clientId"],
        parent_id=row["id"],
        expires_in=access_ttl,
    )
    # "Refresh tokens when being regularly used will be refreshed to last forever" ([DOCS]
    # authorizations): the same refresh token comes back with a renewed lifetime.
    db.execute("UPDATE tokens SET expires_at=? WHERE id=?", (now + refresh_ttl, row["id"]))
    return {
        "access_token": token,
        "expires_in": access_ttl,
        "refresh_token": refresh_token,
        "refresh_token_expires_in": refresh_ttl,
        "token_type": "Bearer",
        "scope": " ".join(sorted(scopes)),
    }
