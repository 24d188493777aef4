"""Organization state (rows live in the core ``orgs`` table)."""

from __future__ import annotations

import sqlite3
from typing import Any

from webex_emulator.core import Auth, ids


def org_json(row: sqlite3.Row) -> dict[str, Any]:
    return {"id": ids.org_id(row["uuid"]), "displayName": row["display_name"], "created": row["created"]}


def get_org(db: sqlite3.Connection, org_uuid: str | None) -> dict[str, Any] | None:
    row = db.execute("SELECT * FROM orgs WHERE uuid=?", (org_uuid,)).fetchone()
    return None if row is None else org_json(row)


def visible_orgs(db: sqlite3.Connection, auth: Auth) -> list[dict[str, Any]]:
    if auth.all_orgs:
        rows = db.execute("SELECT * FROM orgs ORDER BY seq").fetchall()
    else:
        rows = db.execute("SELECT * FROM orgs WHERE uuid=?", (auth.org_uuid,)).fetchall()
    return [org_json(r) for r in rows]
