"""License pools, assignments and site access ([SA] tag Licenses; docs/webex-behaviour.md "License assignment", "Sites").

Invariants (tests check them):
* ``licenses.consumed_by_users`` == number of ``license_assignments`` rows of that license;
  ``consumedUnits`` = ``consumed_by_users`` + ``consumed_by_workspaces`` ≤ ``total_units`` after
  any API-driven assignment.
* A person's host sites are exactly the ``site_url`` of the meeting licenses they hold; attendee
  sites come from ``attendee_sites`` and never include a site they host.
* A site exists iff its org has a license pool with that ``site_url``.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from typing import Any, Iterator

from webex_emulator import deviations as dev
from webex_emulator.core import ids

SCHEMA = """
CREATE TABLE IF NOT EXISTS licenses (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL UNIQUE,               -- the <uuid> in ...:<OFFER>_<uuid>
    org_uuid TEXT NOT NULL,
    offer_code TEXT NOT NULL,
    name TEXT NOT NULL,
    total_units INTEGER NOT NULL,
    consumed_by_users INTEGER NOT NULL DEFAULT 0,      -- maintained with assignments
    consumed_by_workspaces INTEGER NOT NULL DEFAULT 0,
    subscription_id TEXT,
    site_url TEXT,                           -- meeting licenses only
    site_type TEXT,
    created TEXT NOT NULL,
    data TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS licenses_org ON licenses(org_uuid, seq);
CREATE INDEX IF NOT EXISTS licenses_site ON licenses(org_uuid, site_url);

CREATE TABLE IF NOT EXISTS license_assignments (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,   -- paging key for GET /licenses/{id}?includeAssignedTo
    license_uuid TEXT NOT NULL,
    person_uuid TEXT NOT NULL,
    created TEXT NOT NULL,
    UNIQUE (license_uuid, person_uuid)
);
CREATE INDEX IF NOT EXISTS la_person ON license_assignments(person_uuid);
CREATE INDEX IF NOT EXISTS la_license_seq ON license_assignments(license_uuid, seq);

CREATE TABLE IF NOT EXISTS attendee_sites (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    person_uuid TEXT NOT NULL,
    org_uuid TEXT NOT NULL,
    site_url TEXT NOT NULL,
    UNIQUE (person_uuid, site_url)
);
"""


class ItemError(Exception):
    """One requested change could not be applied (per-item failure)."""

    def __init__(self, message: str, description: str, error_code: int | None = None) -> None:
        super().__init__(description)
        self.message = message
        self.description = description
        self.error_code = error_code

    def as_error(self) -> dict[str, Any]:
        out: dict[str, Any] = {"description": self.description}
        if self.error_code is not None:
            out["errorCode"] = self.error_code
        return out


# -- pools ------------------------------------------------------------------------------------


def public_id(row: sqlite3.Row) -> str:
    return ids.license_id(row["org_uuid"], row["offer_code"], row["uuid"])


def is_calling(row: sqlite3.Row) -> bool:
    return row["offer_code"].upper() in dev.CALLING_OFFER_CODES


def license_json(row: sqlite3.Row) -> dict[str, Any]:
    """License wire object; properties not applicable (siteUrl/siteType) are omitted."""
    out: dict[str, Any] = {
        "id": public_id(row),
        "name": row["name"],
        "totalUnits": row["total_units"],
        "consumedUnits": row["consumed_by_users"] + row["consumed_by_workspaces"],
        "consumedByUsers": row["consumed_by_users"],
        "consumedByWorkspaces": row["consumed_by_workspaces"],
    }
    if row["subscription_id"]:
        out["subscriptionId"] = row["subscription_id"]
    if row["site_url"]:
        out["siteUrl"] = row["site_url"]
        out["siteType"] = row["site_type"] or "Control Hub managed site"
    return out


def org_licenses(db: sqlite3.Connection, org_uuid: str) -> list[sqlite3.Row]:
    return db.execute("SELECT * FROM licenses WHERE org_uuid=? ORDER BY seq", (org_uuid,)).fetchall()


def resolve(db: sqlite3.Connection, license_id: str, org_uuid: str | None = None) -> sqlite3.Row | None:
    """The pool behind a (padded/unpadded) license id; None if unknown or of another org."""
    parts = ids.decode_license(license_id)
    if parts is None:
        return None
    lic_org, offer, lic_uuid = parts
    row = db.execute("SELECT * FROM licenses WHERE uuid=?", (lic_uuid,)).fetchone()
    if row is None or row["org_uuid"] != lic_org or row["offer_code"] != offer:
        return None
    if org_uuid is not None and row["org_uuid"] != org_uuid:
        return None
    return row


def create_pool(
    db: sqlite3.Connection,
    *,
    org_uuid: str,
    offer_code: str,
    name: str,
    total_units: int,
    now_iso: str,
    license_uuid: str | None = None,
    subscription_id: str | None = None,
    site_url: str | None = None,
    site_type: str | None = None,
    consumed_by_workspaces: int = 0,
) -> sqlite3.Row:
    lic_uuid = license_uuid or ids.new_uuid()
    db.execute(
        "INSERT INTO licenses(uuid, org_uuid, offer_code, name, total_units, consumed_by_workspaces,"
        " subscription_id, site_url, site_type, created) VALUES(?,?,?,?,?,?,?,?,?,?)",
        (
            lic_uuid,
            org_uuid,
            offer_code,
            name,
            int(total_units),
            int(consumed_by_workspaces),
            subscription_id,
            site_url.lower() if site_url else None,
            (site_type or "Control Hub managed site") if site_url else None,
            now_iso,
        ),
    )
    return db.execute("SELECT * FROM licenses WHERE uuid=?", (lic_uuid,)).fetchone()


# -- sites ------------------------------------------------------------------------------------


def org_sites(db: sqlite3.Connection, org_uuid: str) -> list[str]:
    """Sites that exist in the org (one per distinct meeting-license siteUrl), in pool order."""
    rows = db.execute(
        "SELECT site_url, MIN(seq) AS s FROM licenses WHERE org_uuid=? AND site_url IS NOT NULL GROUP BY site_url ORDER BY s",
        (org_uuid,),
    ).fetchall()
    return [r["site_url"] for r in rows]


def site_exists(db: sqlite3.Connection, org_uuid: str, site_url: str) -> bool:
    return (
        db.execute("SELECT 1 FROM licenses WHERE org_uuid=? AND site_url=? LIMIT 1", (org_uuid, site_url.lower())).fetchone()
        is not None
    )


def host_sites(db: sqlite3.Connection, person_uuid: str) -> list[str]:
    rows = db.execute(
        "SELECT l.site_url FROM license_assignments a JOIN licenses l ON l.uuid=a.license_uuid "
        "WHERE a.person_uuid=? AND l.site_url IS NOT NULL ORDER BY l.seq",
        (person_uuid,),
    ).fetchall()
    out: list[str] = []
    for r in rows:
        if r["site_url"] not in out:
            out.append(r["site_url"])
    return out


def attendee_sites(db: sqlite3.Connection, person_uuid: str) -> list[str]:
    return [
        r["site_url"] for r in db.execute("SELECT site_url FROM attendee_sites WHERE person_uuid=? ORDER BY seq", (person_uuid,))
    ]


def site_access(db: sqlite3.Connection, person_uuid: str) -> dict[str, str]:
    """``{siteUrl: "HOST" | "ATTENDEE"}`` — hosts first (license order), then attendee sites."""
    out = {s: dev.ACCOUNT_TYPE_HOST for s in host_sites(db, person_uuid)}
    for s in attendee_sites(db, person_uuid):
        out.setdefault(s, dev.ACCOUNT_TYPE_ATTENDEE)
    return out


def holds_meeting_license_on_site(db: sqlite3.Connection, person_uuid: str, site_url: str) -> bool:
    """True when the person holds a meeting license of ``site_url`` (= may host there)."""
    return (
        db.execute(
            "SELECT 1 FROM license_assignments a JOIN licenses l ON l.uuid=a.license_uuid "
            "WHERE a.person_uuid=? AND l.site_url=? LIMIT 1",
            (person_uuid, site_url.lower()),
        ).fetchone()
        is not None
    )


def person_site_urls(db: sqlite3.Connection, person_uuid: str) -> list[str]:
    """People ``siteUrls``: host sites plain, attendee sites with ``#attendee`` (docs/webex-behaviour.md "People")."""
    return [s if t == dev.ACCOUNT_TYPE_HOST else f"{s}#attendee" for s, t in site_access(db, person_uuid).items()]


def licenses_and_site_urls_of(
    db: sqlite3.Connection, person_uuids: list[str]
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Many people's license ids and People ``siteUrls`` in 2 queries (a GET /people page)."""
    marks = ",".join("?" * len(person_uuids))
    licenses: dict[str, list[str]] = {u: [] for u in person_uuids}
    hosts: dict[str, list[str]] = {u: [] for u in person_uuids}
    for r in db.execute(
        f"SELECT a.person_uuid, l.* FROM license_assignments a JOIN licenses l "
        f"ON l.uuid=a.license_uuid WHERE a.person_uuid IN ({marks}) ORDER BY l.seq",
        person_uuids,
    ):
        licenses[r["person_uuid"]].append(public_id(r))
        if r["site_url"] and r["site_url"] not in hosts[r["person_uuid"]]:
            hosts[r["person_uuid"]].append(r["site_url"])
    sites: dict[str, list[str]] = {u: list(hosts[u]) for u in person_uuids}
    for r in db.execute(
        f"SELECT person_uuid, site_url FROM attendee_sites WHERE person_uuid IN ({marks}) ORDER BY seq", person_uuids
    ):
        if r["site_url"] not in hosts[r["person_uuid"]]:
            sites[r["person_uuid"]].append(f"{r['site_url']}#attendee")
    return licenses, sites


def person_site_objects(db: sqlite3.Connection, person_uuid: str) -> list[dict[str, str]]:
    """PATCH /licenses/users ``siteUrls``: ``[{siteUrl, accountType}]`` (upper-case, see
    deviations.ACCOUNT_TYPE_*)."""
    return [{"siteUrl": s, "accountType": t} for s, t in site_access(db, person_uuid).items()]


# -- assignments ------------------------------------------------------------------------------


def person_license_rows(db: sqlite3.Connection, person_uuid: str) -> list[sqlite3.Row]:
    return db.execute(
        "SELECT l.* FROM license_assignments a JOIN licenses l ON l.uuid=a.license_uuid WHERE a.person_uuid=? ORDER BY l.seq",
        (person_uuid,),
    ).fetchall()


def person_license_ids(db: sqlite3.Connection, person_uuid: str) -> list[str]:
    return [public_id(r) for r in person_license_rows(db, person_uuid)]


def holds(db: sqlite3.Connection, person_uuid: str, license_uuid: str) -> bool:
    return (
        db.execute(
            "SELECT 1 FROM license_assignments WHERE license_uuid=? AND person_uuid=?", (license_uuid, person_uuid)
        ).fetchone()
        is not None
    )


def capacity_error(row: sqlite3.Row) -> ItemError:
    used = row["consumed_by_users"] + row["consumed_by_workspaces"]
    return ItemError(
        dev.LICENSE_CAPACITY_MESSAGE,
        f"No license units available for {public_id(row)} ({row['name']}): "
        f"totalUnits {row['total_units']}, consumedUnits {used}.",
    )


def assign(db: sqlite3.Connection, person_uuid: str, row: sqlite3.Row, now_iso: str, *, enforce_capacity: bool = True) -> bool:
    """Give ``person`` one unit of pool ``row``. False if already held (no-op). Raises
    ItemError when the pool is full. Gaining a meeting license drops ``site#attendee``."""
    if holds(db, person_uuid, row["uuid"]):
        return False
    if enforce_capacity:
        # Re-read: earlier items of the same request may have changed the counter.
        cur = db.execute("SELECT * FROM licenses WHERE uuid=?", (row["uuid"],)).fetchone()
        if cur["consumed_by_users"] + cur["consumed_by_workspaces"] + 1 > cur["total_units"]:
            raise capacity_error(cur)
    db.execute(
        "INSERT INTO license_assignments(license_uuid, person_uuid, created) VALUES(?,?,?)", (row["uuid"], person_uuid, now_iso)
    )
    db.execute("UPDATE licenses SET consumed_by_users=consumed_by_users+1 WHERE uuid=?", (row["uuid"],))
    if row["site_url"]:
        db.execute("DELETE FROM attendee_sites WHERE person_uuid=? AND site_url=?", (person_uuid, row["site_url"]))
    return True


@contextmanager
def _item(db: sqlite3.Connection) -> Iterator[None]:
    """One item of a multi-item change: a savepoint, so a failing item leaves no trace."""
    db.execute("SAVEPOINT license_item")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK TO license_item")
        db.execute("RELEASE license_item")
        raise
    db.execute("RELEASE license_item")


def try_assign(db: sqlite3.Connection, person_uuid: str, row: sqlite3.Row, now_iso: str) -> bool:
    """``assign`` that skips a full pool instead of failing (POST/PUT /people)."""
    try:
        with _item(db):
            return assign(db, person_uuid, row, now_iso)
    except ItemError:
        return False


def apply_changes(
    db: sqlite3.Connection,
    person_uuid: str,
    org_uuid: str,
    lic_ops: list[tuple[str, sqlite3.Row]],
    site_ops: list[tuple[str, str]],
    now_iso: str,
) -> tuple[int, list[ItemError]]:
    """PATCH /licenses/users after validation: (steps run, per-item failures).

    Removes run before adds so that swaps work (deviations.py); each item runs in its own
    savepoint so a failing item leaves no trace."""
    steps: list[tuple[str, Any]] = (
        [("lic-remove", r) for op, r in lic_ops if op == "remove"]
        + [("site-remove", s) for op, s in site_ops if op == "remove"]
        + [("lic-add", r) for op, r in lic_ops if op == "add"]
        + [("site-add", s) for op, s in site_ops if op == "add"]
    )
    failures: list[ItemError] = []
    for kind, target in steps:
        try:
            with _item(db):
                if kind == "lic-remove":
                    unassign(db, person_uuid, target)
                elif kind == "site-remove":
                    remove_attendee(db, person_uuid, target)
                elif kind == "lic-add":
                    assign(db, person_uuid, target, now_iso)
                else:
                    add_attendee(db, person_uuid, org_uuid, target)
        except ItemError as e:
            failures.append(e)
    return len(steps), failures


def assignments_page(db: sqlite3.Connection, license_uuid: str, after_seq: int, limit: int) -> list[tuple[int, str]]:
    """(seq, person uuid) of a pool's assignments after ``after_seq``, in assignment order."""
    return [
        (r["seq"], r["person_uuid"])
        for r in db.execute(
            "SELECT seq, person_uuid FROM license_assignments WHERE license_uuid=? AND seq>? ORDER BY seq LIMIT ?",
            (license_uuid, after_seq, limit),
        )
    ]


def unassign(db: sqlite3.Connection, person_uuid: str, row: sqlite3.Row) -> bool:
    """Take pool ``row`` from ``person``. False if not held (no-op)."""
    cur = db.execute("DELETE FROM license_assignments WHERE license_uuid=? AND person_uuid=?", (row["uuid"], person_uuid))
    if cur.rowcount == 0:
        return False
    db.execute("UPDATE licenses SET consumed_by_users=consumed_by_users-1 WHERE uuid=?", (row["uuid"],))
    return True


def add_attendee(db: sqlite3.Connection, person_uuid: str, org_uuid: str, site_url: str) -> bool:
    """Attendee role on ``site_url``. False if already attendee. ItemError if the person hosts
    the site (host access already includes attending; remove the license first)."""
    site = site_url.lower()
    if holds_meeting_license_on_site(db, person_uuid, site):
        raise ItemError(
            "Invalid site URL",
            f"User already has host access on {site}; remove the site's meeting license to make the user an attendee.",
        )
    cur = db.execute(
        "INSERT OR IGNORE INTO attendee_sites(person_uuid, org_uuid, site_url) VALUES(?,?,?)", (person_uuid, org_uuid, site)
    )
    return cur.rowcount > 0


def remove_attendee(db: sqlite3.Connection, person_uuid: str, site_url: str) -> bool:
    cur = db.execute("DELETE FROM attendee_sites WHERE person_uuid=? AND site_url=?", (person_uuid, site_url.lower()))
    return cur.rowcount > 0


def on_person_deleted(db: sqlite3.Connection, person_uuid: str, org_uuid: str) -> None:
    """Free every unit the person holds (DELETE /people)."""
    for row in person_license_rows(db, person_uuid):
        unassign(db, person_uuid, row)
    db.execute("DELETE FROM attendee_sites WHERE person_uuid=?", (person_uuid,))


def check_invariants(db: sqlite3.Connection) -> list[str]:
    """Human-readable violations of the invariants above (used by tests)."""
    problems: list[str] = []
    for r in db.execute(
        "SELECT l.uuid, l.consumed_by_users, l.total_units, l.consumed_by_workspaces, "
        "(SELECT COUNT(*) FROM license_assignments a WHERE a.license_uuid=l.uuid) AS n "
        "FROM licenses l"
    ):
        if r["n"] != r["consumed_by_users"]:
            problems.append(f"license {r['uuid']}: counter {r['consumed_by_users']} != rows {r['n']}")
    for r in db.execute(
        "SELECT s.person_uuid, s.site_url FROM attendee_sites s JOIN license_assignments a "
        "ON a.person_uuid=s.person_uuid JOIN licenses l ON l.uuid=a.license_uuid "
        "AND l.site_url=s.site_url"
    ):
        problems.append(f"person {r['person_uuid']} is both host and attendee on {r['site_url']}")
    return problems
