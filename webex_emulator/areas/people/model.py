"""People backend: state, rules and the Person wire object ([SA] tag People).

Rows live in the core ``people`` table, and only this module reads or writes it: other areas
ask for a :class:`Person` (``get``, ``by_email``, ``get_many``) or for the few facts they need
(``preferred_site``, ``touch``). ``licenses`` and ``siteUrls`` are never stored on the person:
they come from the licenses backend, so they always agree with the assignments.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import Any, Iterable

from webex_emulator.areas.licenses import model as lic
from webex_emulator.core import Auth, bad_request, ids, jdumps, jloads
from webex_emulator.core.auth import ROLE_NAMES, normalize_role

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# Person fields kept in the ``data`` JSON column, in wire order (see person_json).
DATA_FIELDS = (
    "phoneNumbers",
    "extension",
    "locationId",
    "nickName",
    "firstName",
    "lastName",
    "avatar",
    "department",
    "manager",
    "managerId",
    "title",
    "addresses",
    "timezone",
)


@dataclass(frozen=True, slots=True)
class Person:
    """What other areas may know about a person (they never see the table's columns)."""

    uuid: str
    org_uuid: str
    email: str
    email_lc: str
    display_name: str


_PERSON_COLUMNS = "uuid, org_uuid, email, email_lc, display_name"


def _person(row: sqlite3.Row | None) -> Person | None:
    if row is None:
        return None
    return Person(row["uuid"], row["org_uuid"], row["email"], row["email_lc"], row["display_name"])


# -- the backend API other areas use ------------------------------------------------------------


def get(db: sqlite3.Connection, person_uuid: str | None) -> Person | None:
    if not person_uuid:
        return None
    return _person(db.execute(f"SELECT {_PERSON_COLUMNS} FROM people WHERE uuid=?", (person_uuid,)).fetchone())


def by_email(db: sqlite3.Connection, email: str | None) -> Person | None:
    if not email:
        return None
    return _person(db.execute(f"SELECT {_PERSON_COLUMNS} FROM people WHERE email_lc=?", (email.strip().lower(),)).fetchone())


def get_many(db: sqlite3.Connection, person_uuids: list[str]) -> dict[str, Person]:
    """Many people in one query (pages of license users, group members)."""
    out: dict[str, Person] = {}
    for start in range(0, len(person_uuids), 500):  # below SQLite's bound-parameter limit
        chunk = person_uuids[start : start + 500]
        for row in db.execute(f"SELECT {_PERSON_COLUMNS} FROM people WHERE uuid IN ({','.join('?' * len(chunk))})", chunk):
            out[row["uuid"]] = Person(row["uuid"], row["org_uuid"], row["email"], row["email_lc"], row["display_name"])
    return out


def preferred_site(db: sqlite3.Connection, person_uuid: str) -> str | None:
    row = db.execute("SELECT preferred_site FROM people WHERE uuid=?", (person_uuid,)).fetchone()
    return row["preferred_site"] if row else None


def set_preferred_site(db: sqlite3.Connection, person_uuid: str, site_url: str) -> None:
    db.execute("UPDATE people SET preferred_site=? WHERE uuid=?", (site_url.lower(), person_uuid))


def touch(db: sqlite3.Connection, person_uuid: str, now_iso: str) -> None:
    """``lastModified`` moves when another area changes what the Person object shows."""
    db.execute("UPDATE people SET last_modified=? WHERE uuid=?", (now_iso, person_uuid))


# -- rows, for the people area itself -----------------------------------------------------------


def get_row(db: sqlite3.Connection, person_uuid: str | None) -> sqlite3.Row | None:
    if not person_uuid:
        return None
    return db.execute("SELECT * FROM people WHERE uuid=?", (person_uuid,)).fetchone()


def resolve_row(db: sqlite3.Connection, person_id: str | None) -> sqlite3.Row | None:
    """By base64 PEOPLE id (padded or not) or raw uuid (both are seen, docs/webex-behaviour.md "Ids")."""
    if not person_id:
        return None
    pu = ids.decode_uuid(person_id, ids.PEOPLE)
    if pu is None and ids.is_uuid(person_id):
        pu = person_id.lower()
    return get_row(db, pu)


def sees_admin_fields(auth: Auth, row: sqlite3.Row) -> bool:
    """Admin-only fields (licenses, roles, invitePending, loginEnabled) go to admins of the
    person's org holding an admin people scope."""
    return (
        auth.is_admin
        and auth.can_access_org(row["org_uuid"])
        and (auth.has_scope("spark-admin:people_read") or auth.has_scope("spark-admin:people_write"))
    )


def person_json(
    db: sqlite3.Connection, row: sqlite3.Row, *, admin: bool = True, _prefetched: tuple[list[str], list[str]] | None = None
) -> dict[str, Any]:
    """The Person wire object. ``_prefetched`` = (license ids, siteUrls) from people_json()."""
    if _prefetched is None:
        license_ids = lic.person_license_ids(db, row["uuid"]) if admin else []
        sites = lic.person_site_urls(db, row["uuid"])
    else:
        license_ids, sites = _prefetched
    data = jloads(row["data"], {})
    out: dict[str, Any] = {"id": ids.person_id(row["uuid"]), "emails": data.get("emails") or [row["email"]]}
    phones = data.get("phoneNumbers") or []
    if phones:
        out["phoneNumbers"] = [
            {"type": p.get("type", "work"), "value": p.get("value"), "primary": bool(p.get("primary", i == 0))}
            for i, p in enumerate(phones)
        ]
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
    licenses, sites = lic.licenses_and_site_urls_of(db, [r["uuid"] for r in rows])
    return [person_json(db, r, admin=admin, _prefetched=(licenses[r["uuid"]], sites[r["uuid"]])) for r in rows]


def validate_roles(values: Any) -> list[str]:
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


def insert(
    db: sqlite3.Connection,
    *,
    org_uuid: str,
    email: str,
    display_name: str,
    data: dict[str, Any],
    roles: list[str],
    now_iso: str,
    person_uuid: str | None = None,
    preferred_site: str | None = None,
) -> str:
    pu = person_uuid or ids.new_uuid()
    db.execute(
        "INSERT INTO people(uuid, org_uuid, email, email_lc, display_name, roles, preferred_site, "
        "data, created, last_modified) VALUES(?,?,?,?,?,?,?,?,?,?)",
        (
            pu,
            org_uuid,
            email,
            email.lower(),
            display_name,
            jdumps(roles),
            preferred_site.lower() if preferred_site else None,
            jdumps(data),
            now_iso,
            now_iso,
        ),
    )
    return pu


def update(
    db: sqlite3.Connection,
    person_uuid: str,
    *,
    email: str,
    display_name: str,
    roles: list[str],
    data: dict[str, Any],
    now_iso: str,
) -> None:
    db.execute(
        "UPDATE people SET email=?, email_lc=?, display_name=?, roles=?, data=?, last_modified=? WHERE uuid=?",
        (email, email.lower(), display_name, jdumps(roles), jdumps(data), now_iso, person_uuid),
    )


def delete(db: sqlite3.Connection, person_uuid: str) -> None:
    db.execute("DELETE FROM tokens WHERE person_uuid=? AND kind != 'admin'", (person_uuid,))
    db.execute("DELETE FROM people WHERE uuid=?", (person_uuid,))


# -- GET /people ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListQuery:
    """A GET /people filter, built once per request and run once per page."""

    sql: str
    args: tuple[Any, ...]


def list_query(
    org_uuid: str,
    *,
    email: str | None = None,
    name_prefix: str | None = None,
    uuids: list[str] | None = None,
    roles: list[str] | None = None,
    location_id: str | None = None,
) -> ListQuery:
    where = ["org_uuid=?"]
    args: list[Any] = [org_uuid]
    if email:
        where.append("email_lc=?")
        args.append(email.strip().lower())
    if name_prefix:
        # Prefix match, case-insensitive (display_name is COLLATE NOCASE).
        where.append("display_name LIKE ? ESCAPE '\\'")
        args.append(name_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
    if uuids is not None:
        where.append(f"uuid IN ({','.join('?' * len(uuids))})")
        args.extend(uuids)
    if roles:
        where.append("(" + " OR ".join("roles LIKE ?" for _ in roles) + ")")
        args.extend(f'%"{n}"%' for n in roles)
    if location_id:
        where.append("json_extract(data, '$.locationId')=?")
        args.append(location_id)
    return ListQuery(f"SELECT * FROM people WHERE {' AND '.join(where)} AND seq>? ORDER BY seq LIMIT ?", tuple(args))


def list_page(db: sqlite3.Connection, query: ListQuery, after_seq: int, limit: int) -> list[sqlite3.Row]:
    return db.execute(query.sql, (*query.args, after_seq, limit)).fetchall()


def existing_uuids(db: sqlite3.Connection, org_uuid: str, uuids: list[str]) -> set[str]:
    if not uuids:
        return set()
    return {
        r["uuid"]
        for r in db.execute(
            f"SELECT uuid FROM people WHERE org_uuid=? AND uuid IN ({','.join('?' * len(uuids))})", [org_uuid, *uuids]
        )
    }


# -- licenses and attendee sites through POST/PUT /people ------------------------------------------


def set_licenses(
    db: sqlite3.Connection, person_uuid: str, org_uuid: str, wanted_ids: list[str], now_iso: str, *, replace: bool
) -> None:
    """Make the person's licenses ``wanted_ids``; invalid or unavailable ones are skipped
    ("the system will assign all valid and available licenses", spec POST/PUT)."""
    wanted = [r for r in (lic.resolve(db, i, org_uuid) for i in wanted_ids) if r is not None]
    wanted_uuids = {r["uuid"] for r in wanted}
    if replace:  # free units first so a swap within one pool cannot fail on capacity
        for row in lic.person_license_rows(db, person_uuid):
            if row["uuid"] not in wanted_uuids:
                lic.unassign(db, person_uuid, row)
    for row in wanted:
        lic.try_assign(db, person_uuid, row, now_iso)


def set_attendee_sites(
    db: sqlite3.Connection, person_uuid: str, org_uuid: str, entries: list[str], *, remove_missing: bool
) -> None:
    wanted = []
    for entry in entries:
        site, _, suffix = entry.strip().lower().partition("#")
        if suffix == "attendee" and lic.site_exists(db, org_uuid, site):
            wanted.append(site)
        # Plain entries are host sites: host access follows `licenses` (deviations.py).
    if remove_missing:
        for site in lic.attendee_sites(db, person_uuid):
            if site not in wanted:
                lic.remove_attendee(db, person_uuid, site)
    for site in wanted:
        try:
            lic.add_attendee(db, person_uuid, org_uuid, site)
        except lic.ItemError:
            pass  # the person hosts the site; host wins
