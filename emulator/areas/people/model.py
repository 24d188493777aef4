"""People state and the Person wire object (REFERENCE.md §4; extracts/people.txt).

Rows live in the core ``people`` table. ``licenses`` and ``siteUrls`` are never stored on the
person: they are computed from license assignments, so they always agree with them.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any, Iterable

from emulator.areas.licenses import model as lic
from emulator.core import Auth, ids, jdumps, jloads
from emulator.core.auth import normalize_role

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# Person fields kept in the ``data`` JSON column, in wire order (see person_json).
DATA_FIELDS = ("phoneNumbers", "extension", "locationId", "nickName", "firstName", "lastName",
               "avatar", "department", "manager", "managerId", "title", "addresses", "timezone")
# Reset by PUT when omitted (full replace, REFERENCE.md §4 / [ISSUE-6]).
PUT_RESETTABLE = ("phoneNumbers", "extension", "firstName", "lastName", "avatar", "department",
                  "manager", "managerId", "title", "addresses")


def get_row(db: sqlite3.Connection, person_uuid: str | None) -> sqlite3.Row | None:
    if not person_uuid:
        return None
    return db.execute("SELECT * FROM people WHERE uuid=?", (person_uuid,)).fetchone()


def by_email(db: sqlite3.Connection, email: str | None) -> sqlite3.Row | None:
    if not email:
        return None
    return db.execute("SELECT * FROM people WHERE email_lc=?", (email.strip().lower(),)).fetchone()


def resolve(db: sqlite3.Connection, person_id: str | None) -> sqlite3.Row | None:
    """By base64 PEOPLE id (padded or not) or raw uuid (REFERENCE.md §1.2 allows both)."""
    if not person_id:
        return None
    pu = ids.decode_uuid(person_id, ids.PEOPLE)
    if pu is None and ids.is_uuid(person_id):
        pu = person_id.lower()
    return get_row(db, pu)


def sees_admin_fields(auth: Auth, row: sqlite3.Row) -> bool:
    """Admin-only fields (licenses, roles, invitePending, loginEnabled) go to admins of the
    person's org holding an admin people scope."""
    return (auth.is_admin and auth.can_access_org(row["org_uuid"])
            and (auth.has_scope("spark-admin:people_read") or auth.has_scope("spark-admin:people_write")))


def person_json(db: sqlite3.Connection, row: sqlite3.Row, *, admin: bool = True,
                _prefetched: tuple[list[str], list[str]] | None = None) -> dict[str, Any]:
    """The Person wire object. ``_prefetched`` = (license ids, siteUrls) from people_json()."""
    if _prefetched is None:
        license_ids = lic.person_license_ids(db, row["uuid"]) if admin else []
        sites = lic.person_site_urls(db, row["uuid"])
    else:
        license_ids, sites = _prefetched
    data = jloads(row["data"], {})
    out: dict[str, Any] = {"id": ids.person_id(row["uuid"]),
                           "emails": data.get("emails") or [row["email"]]}
    phones = data.get("phoneNumbers") or []
    if phones:
        out["phoneNumbers"] = [{"type": p.get("type", "work"), "value": p.get("value"),
                                "primary": bool(p.get("primary", i == 0))}
                               for i, p in enumerate(phones)]
    for k in ("extension", "locationId"):
        if data.get(k):
            out[k] = data[k]
    out["displayName"] = row["display_name"]
    for k in ("nickName", "firstName", "lastName", "avatar"):
        if data.get(k):
            out[k] = data[k]
    out["orgId"] = ids.org_id(row["org_uuid"])
    if admin:
        out["roles"] = [ids.role_id(r) for r in jloads(row["roles"], [])]
        out["licenses"] = license_ids
    for k in ("department", "manager", "managerId", "title"):
        if data.get(k):
            out[k] = data[k]
    if data.get("addresses"):
        out["addresses"] = data["addresses"]
    out["created"] = row["created"]
    out["lastModified"] = row["last_modified"]
    if data.get("timezone"):
        out["timezone"] = data["timezone"]
    if sites:
        out["siteUrls"] = sites
    if admin:
        out["invitePending"] = "true" if data.get("invitePending") else "false"
        out["loginEnabled"] = "false" if data.get("loginEnabled") is False else "true"
    out["type"] = data.get("type", "person")
    return out


def people_json(db: sqlite3.Connection, rows: list[sqlite3.Row], *, admin: bool) -> list[dict[str, Any]]:
    """Person objects for a page of rows with 2 queries instead of ~4 per person (GET /people)."""
    if not rows:
        return []
    uuids = [r["uuid"] for r in rows]
    marks = ",".join("?" * len(uuids))
    licenses: dict[str, list[str]] = {u: [] for u in uuids}
    hosts: dict[str, list[str]] = {u: [] for u in uuids}
    for r in db.execute(
            f"SELECT a.person_uuid, l.* FROM license_assignments a JOIN licenses l "
            f"ON l.uuid=a.license_uuid WHERE a.person_uuid IN ({marks}) ORDER BY l.seq", uuids):
        licenses[r["person_uuid"]].append(lic.public_id(r))
        if r["site_url"] and r["site_url"] not in hosts[r["person_uuid"]]:
            hosts[r["person_uuid"]].append(r["site_url"])
    sites: dict[str, list[str]] = {u: list(hosts[u]) for u in uuids}
    for r in db.execute(f"SELECT person_uuid, site_url FROM attendee_sites WHERE person_uuid "
                        f"IN ({marks}) ORDER BY seq", uuids):
        if r["site_url"] not in hosts[r["person_uuid"]]:
            sites[r["person_uuid"]].append(f"{r['site_url']}#attendee")
    return [person_json(db, r, admin=admin, _prefetched=(licenses[r["uuid"]], sites[r["uuid"]]))
            for r in rows]


def validate_roles(values: Any) -> list[str]:
    from emulator.core import bad_request
    from emulator.core.auth import ROLE_NAMES
    if values is None:
        return []
    if not isinstance(values, list):
        raise bad_request("'roles' must be an array of role ids.")
    out: list[str] = []
    for v in values:
        # The spec example packs several ids into one comma-separated string; accept that too.
        for part in str(v).split(","):
            part = part.strip()
            if not part:
                continue
            name = normalize_role(part)
            if name not in ROLE_NAMES:
                raise bad_request(f"Invalid role '{part}'.")
            if name not in out:
                out.append(name)
    return out


def split_ids(values: Iterable[Any]) -> list[str]:
    """License id arrays: the spec example packs ids comma-separated into one string."""
    out: list[str] = []
    for v in values:
        for part in str(v).split(","):
            part = part.strip()
            if part and part not in out:
                out.append(part)
    return out


def insert(db: sqlite3.Connection, *, org_uuid: str, email: str, display_name: str,
           data: dict[str, Any], roles: list[str], now_iso: str, person_uuid: str | None = None,
           preferred_site: str | None = None) -> str:
    pu = person_uuid or ids.new_uuid()
    db.execute(
        "INSERT INTO people(uuid, org_uuid, email, email_lc, display_name, roles, preferred_site, "
        "data, created, last_modified) VALUES(?,?,?,?,?,?,?,?,?,?)",
        (pu, org_uuid, email, email.lower(), display_name, jdumps(roles),
         preferred_site.lower() if preferred_site else None, jdumps(data), now_iso, now_iso))
    return pu


def delete(db: sqlite3.Connection, person_uuid: str) -> None:
    db.execute("DELETE FROM tokens WHERE person_uuid=? AND kind != 'admin'", (person_uuid,))
    db.execute("DELETE FROM people WHERE uuid=?", (person_uuid,))
