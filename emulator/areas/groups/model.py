"""Groups (REFERENCE.md §12.1; spec tag Groups in webex-admin.json)."""

from __future__ import annotations

import sqlite3
from typing import Any

from emulator.core import ids

SCHEMA = """
CREATE TABLE IF NOT EXISTS groups_ (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL UNIQUE,
    org_uuid TEXT NOT NULL,
    display_name TEXT NOT NULL COLLATE NOCASE,
    description TEXT,
    external_id TEXT,
    usage TEXT,
    created TEXT NOT NULL,
    last_modified TEXT NOT NULL,
    UNIQUE (org_uuid, display_name)
);
CREATE TABLE IF NOT EXISTS group_members (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    group_uuid TEXT NOT NULL,
    person_uuid TEXT NOT NULL,
    UNIQUE (group_uuid, person_uuid)
);
CREATE INDEX IF NOT EXISTS group_members_person ON group_members(person_uuid);
"""


def public_id(row: sqlite3.Row) -> str:
    return ids.group_id(row["uuid"], row["org_uuid"])


def resolve(db: sqlite3.Connection, group_id: str) -> sqlite3.Row | None:
    parts = ids.decode_group(group_id)
    if parts is None:
        return None
    g, o = parts
    return db.execute("SELECT * FROM groups_ WHERE uuid=? AND org_uuid=?", (g, o)).fetchone()


def member_count(db: sqlite3.Connection, group_uuid: str) -> int:
    return db.execute("SELECT COUNT(*) FROM group_members WHERE group_uuid=?", (group_uuid,)).fetchone()[0]


def members(db: sqlite3.Connection, group_uuid: str, offset: int, limit: int) -> list[dict[str, Any]]:
    rows = db.execute(
        "SELECT p.uuid, p.display_name FROM group_members m JOIN people p ON p.uuid=m.person_uuid "
        "WHERE m.group_uuid=? ORDER BY m.seq LIMIT ? OFFSET ?", (group_uuid, limit, offset)).fetchall()
    return [{"id": ids.person_id(r["uuid"]), "type": "user", "displayName": r["display_name"]}
            for r in rows]


def group_json(db: sqlite3.Connection, row: sqlite3.Row, *, include_members: bool,
               members_cap: int = 500) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": public_id(row), "displayName": row["display_name"],
        "orgId": ids.org_id(row["org_uuid"]),
    }
    if row["description"]:
        out["description"] = row["description"]
    out["created"] = row["created"]
    out["lastModified"] = row["last_modified"]
    out["memberSize"] = member_count(db, row["uuid"])
    if include_members:
        out["members"] = members(db, row["uuid"], 0, members_cap)
    if row["usage"]:
        out["usage"] = row["usage"]
    return out


def add_member(db: sqlite3.Connection, group_uuid: str, person_uuid: str) -> None:
    db.execute("INSERT OR IGNORE INTO group_members(group_uuid, person_uuid) VALUES(?,?)",
               (group_uuid, person_uuid))


def remove_member(db: sqlite3.Connection, group_uuid: str, person_uuid: str) -> None:
    db.execute("DELETE FROM group_members WHERE group_uuid=? AND person_uuid=?",
               (group_uuid, person_uuid))
