"""Groups backend: groups and their members ([SA] webex-admin.json tag Groups;
docs/webex-behaviour.md "Groups"). Members are people of the group's org; their names come from the people
backend."""

from __future__ import annotations

import sqlite3
from typing import Any

from webex_emulator.areas.people import model as ppl
from webex_emulator.core import ids

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
    member_uuids = [
        r["person_uuid"]
        for r in db.execute(
            "SELECT person_uuid FROM group_members WHERE group_uuid=? ORDER BY seq LIMIT ? OFFSET ?", (group_uuid, limit, offset)
        )
    ]
    people = ppl.get_many(db, member_uuids)
    return [
        {"id": ids.person_id(p.uuid), "type": "user", "displayName": p.display_name}
        for p in (people.get(u) for u in member_uuids)
        if p is not None
    ]


def group_json(db: sqlite3.Connection, row: sqlite3.Row, *, include_members: bool, members_cap: int = 500) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": public_id(row),
        "displayName": row["display_name"],
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
    db.execute("INSERT OR IGNORE INTO group_members(group_uuid, person_uuid) VALUES(?,?)", (group_uuid, person_uuid))


def remove_member(db: sqlite3.Connection, group_uuid: str, person_uuid: str) -> None:
    db.execute("DELETE FROM group_members WHERE group_uuid=? AND person_uuid=?", (group_uuid, person_uuid))


def clear_members(db: sqlite3.Connection, group_uuid: str) -> None:
    db.execute("DELETE FROM group_members WHERE group_uuid=?", (group_uuid,))


def on_person_deleted(db: sqlite3.Connection, person_uuid: str, org_uuid: str) -> None:
    db.execute("DELETE FROM group_members WHERE person_uuid=?", (person_uuid,))


def get(db: sqlite3.Connection, group_uuid: str) -> sqlite3.Row | None:
    return db.execute("SELECT * FROM groups_ WHERE uuid=?", (group_uuid,)).fetchone()


def name_taken(db: sqlite3.Connection, org_uuid: str, name: str, *, other_than: str | None = None) -> bool:
    """Group names are unique per org, in any letter case (the column is NOCASE)."""
    return (
        db.execute(
            "SELECT 1 FROM groups_ WHERE org_uuid=? AND display_name=? AND uuid IS NOT ?", (org_uuid, name, other_than)
        ).fetchone()
        is not None
    )


def create(
    db: sqlite3.Connection,
    *,
    org_uuid: str,
    display_name: str,
    description: Any,
    external_id: Any,
    usage: Any,
    now_iso: str,
    group_uuid: str | None = None,
) -> str:
    gu = group_uuid or ids.new_uuid()
    db.execute(
        "INSERT INTO groups_(uuid, org_uuid, display_name, description, external_id, usage, created, "
        "last_modified) VALUES(?,?,?,?,?,?,?,?)",
        (gu, org_uuid, display_name, description, external_id, usage, now_iso, now_iso),
    )
    return gu


def update(db: sqlite3.Connection, group_uuid: str, *, display_name: str, description: Any, now_iso: str) -> None:
    db.execute(
        "UPDATE groups_ SET display_name=?, description=?, last_modified=? WHERE uuid=?",
        (display_name, description, now_iso, group_uuid),
    )


def delete(db: sqlite3.Connection, group_uuid: str) -> None:
    clear_members(db, group_uuid)
    db.execute("DELETE FROM groups_ WHERE uuid=?", (group_uuid,))


def list_page(
    db: sqlite3.Connection,
    org_uuid: str,
    *,
    name_op: str | None,
    name: str | None,
    order_by: str,
    descending: bool,
    count: int,
    offset: int,
) -> tuple[int, list[sqlite3.Row]]:
    """(total, rows) of a SCIM-style page. ``name_op``: ``eq`` (any letter case) or ``sw``;
    ``order_by``: ``displayName``, ``id`` or empty (creation order)."""
    where, args = ["org_uuid=?"], [org_uuid]
    if name_op == "eq" and name is not None:
        where.append("display_name=?")  # NOCASE column: SCIM eq is case-insensitive
        args.append(name)
    elif name_op == "sw" and name is not None:
        where.append("display_name LIKE ? ESCAPE '\\'")
        args.append(name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
    order_col = {"displayName": "display_name", "id": "uuid", "": "seq"}[order_by]
    w = " AND ".join(where)
    total = db.execute(f"SELECT COUNT(*) FROM groups_ WHERE {w}", args).fetchone()[0]
    rows = db.execute(
        f"SELECT * FROM groups_ WHERE {w} ORDER BY {order_col} {'DESC' if descending else 'ASC'}, seq LIMIT ? OFFSET ?",
        [*args, count, offset],
    ).fetchall()
    return total, rows


def person_in_org(db: sqlite3.Connection, person_uuid: str | None, org_uuid: str) -> bool:
    person = ppl.get(db, person_uuid)
    return person is not None and person.org_uuid == org_uuid
