"""SQLite persistence for meeting series, their exceptions, invitees and host keys.

The domain objects (``model.Series`` etc.) stay free of SQL; this module maps rows to them and
back.  Secrets (passwords, host keys) are stored as given - the emulator is a test double - but
are never logged (the core's request log redacts them; nothing here logs).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from webex_emulator.core import iso, jdumps, jloads, parse_iso

from .model import (
    OccurrenceException,
    Series,
    generate_numeric_secret,
    new_meeting_number,
    new_web_link_token,
)
from .recurrence import Recurrence, parse_recurrence

SCHEMA = """
CREATE TABLE IF NOT EXISTS meeting_series (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,                 -- 32 hex (docs/webex-behaviour.md "Ids")
    org_uuid TEXT NOT NULL,
    host_uuid TEXT NOT NULL,
    site_url TEXT NOT NULL,
    timezone TEXT NOT NULL,
    start TEXT NOT NULL,                     -- first occurrence, wire timestamp (UTC)
    end TEXT NOT NULL,
    recurrence TEXT,                         -- canonical RRULE or NULL (single meeting)
    meeting_number TEXT NOT NULL,
    web_link_token TEXT NOT NULL,
    room_id TEXT,                            -- space meetings only
    adhoc INTEGER NOT NULL DEFAULT 0,
    data TEXT NOT NULL,                      -- JSON: title, agenda, password, options, ...
    created TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS meeting_series_host ON meeting_series(host_uuid);
CREATE INDEX IF NOT EXISTS meeting_series_number ON meeting_series(site_url, meeting_number);

CREATE TABLE IF NOT EXISTS meeting_exceptions (
    series_id TEXT NOT NULL,
    key TEXT NOT NULL,                       -- original start, YYYYMMDDTHHMMSSZ
    cancelled INTEGER NOT NULL DEFAULT 0,
    start TEXT,
    end TEXT,
    overrides TEXT NOT NULL DEFAULT '{}',
    meeting_number TEXT,
    web_link_token TEXT,
    PRIMARY KEY (series_id, key)
);
CREATE INDEX IF NOT EXISTS meeting_exceptions_number ON meeting_exceptions(meeting_number);

CREATE TABLE IF NOT EXISTS meeting_invitees (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,                 -- <meetingId>_<n>
    series_id TEXT NOT NULL,
    meeting_id TEXT NOT NULL,                -- the series id or one occurrence id
    email TEXT NOT NULL,
    email_lc TEXT NOT NULL,
    display_name TEXT NOT NULL,
    co_host INTEGER NOT NULL DEFAULT 0,
    panelist INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL,
    UNIQUE (meeting_id, email_lc)
);
CREATE INDEX IF NOT EXISTS meeting_invitees_series ON meeting_invitees(series_id);
CREATE INDEX IF NOT EXISTS meeting_invitees_email ON meeting_invitees(email_lc);

-- A host key belongs to a host on a site, not to one meeting (Webex "host key" profile setting).
CREATE TABLE IF NOT EXISTS meeting_host_keys (
    person_uuid TEXT NOT NULL,
    site_url TEXT NOT NULL,
    host_key TEXT NOT NULL,
    PRIMARY KEY (person_uuid, site_url)
);
"""

# First invitee number; ids look like the spec's ``870f51ff287b41be84648412901e0402_2628962``.
INVITEE_NUMBER_BASE = 2628956


@dataclass
class SeriesRecord:
    """A stored series: the schedule (``series``) plus everything else about the meeting."""

    series: Series
    org_uuid: str
    host_uuid: str
    site_url: str
    meeting_number: str
    web_link_token: str
    data: dict[str, Any]
    room_id: str | None = None
    adhoc: bool = False
    created: str = ""
    seq: int = 0
    # Exceptions as loaded, so save() can tell what changed.
    _loaded_exception_keys: set[str] = field(default_factory=set, repr=False)

    @property
    def id(self) -> str:
        return self.series.id


def _exception_from_row(row: sqlite3.Row) -> OccurrenceException:
    return OccurrenceException(
        key=row["key"],
        cancelled=bool(row["cancelled"]),
        start=parse_iso(row["start"]) if row["start"] else None,
        end=parse_iso(row["end"]) if row["end"] else None,
        overrides=jloads(row["overrides"], {}),
        meeting_number=row["meeting_number"],
        web_link_token=row["web_link_token"],
    )


def _record_from_row(db: sqlite3.Connection, row: sqlite3.Row) -> SeriesRecord:
    recurrence: Recurrence | None = parse_recurrence(row["recurrence"]) if row["recurrence"] else None
    exceptions = {
        r["key"]: _exception_from_row(r) for r in db.execute("SELECT * FROM meeting_exceptions WHERE series_id=?", (row["id"],))
    }
    series = Series(
        id=row["id"],
        timezone=row["timezone"],
        start=parse_iso(row["start"]),
        end=parse_iso(row["end"]),
        recurrence=recurrence,
        exceptions=exceptions,
    )
    return SeriesRecord(
        series=series,
        org_uuid=row["org_uuid"],
        host_uuid=row["host_uuid"],
        site_url=row["site_url"],
        meeting_number=row["meeting_number"],
        web_link_token=row["web_link_token"],
        data=jloads(row["data"], {}),
        room_id=row["room_id"],
        adhoc=bool(row["adhoc"]),
        created=row["created"],
        seq=row["seq"],
        _loaded_exception_keys=set(exceptions),
    )


def load(db: sqlite3.Connection, series_id: str) -> SeriesRecord | None:
    row = db.execute("SELECT * FROM meeting_series WHERE id=?", (series_id,)).fetchone()
    return None if row is None else _record_from_row(db, row)


def _load_where(db: sqlite3.Connection, where: str, args: tuple[Any, ...]) -> list[SeriesRecord]:
    rows = db.execute(f"SELECT * FROM meeting_series WHERE {where} ORDER BY seq", args).fetchall()
    return [_record_from_row(db, r) for r in rows]


def adhoc_of_room(db: sqlite3.Connection, room_id: str) -> list[SeriesRecord]:
    return _load_where(db, "room_id=? AND adhoc=1", (room_id,))


def visible_to(db: sqlite3.Connection, person_uuid: str, email: str | None) -> list[SeriesRecord]:
    """Series a user hosts or is invited to (at series or occurrence level)."""
    return _load_where(
        db,
        "host_uuid=? OR id IN (SELECT series_id FROM meeting_invitees WHERE email_lc=?)",
        (person_uuid, (email or "").lower()),
    )


def number_taken(db: sqlite3.Connection, site_url: str, number: str) -> bool:
    return (
        db.execute(
            "SELECT 1 FROM meeting_series WHERE site_url=? AND meeting_number=? "
            "UNION ALL SELECT 1 FROM meeting_exceptions e JOIN meeting_series s ON s.id=e.series_id "
            "WHERE s.site_url=? AND e.meeting_number=? LIMIT 1",
            (site_url, number, site_url, number),
        ).fetchone()
        is not None
    )


def allocate_number(db: sqlite3.Connection, site_url: str) -> tuple[str, str]:
    """A fresh (meetingNumber, webLink token) pair for the site."""
    return new_meeting_number(lambda n: number_taken(db, site_url, n)), new_web_link_token()


def insert(db: sqlite3.Connection, record: SeriesRecord) -> None:
    s = record.series
    db.execute(
        "INSERT INTO meeting_series(id, org_uuid, host_uuid, site_url, timezone, start, end, "
        "recurrence, meeting_number, web_link_token, room_id, adhoc, data, created) "
        "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            s.id,
            record.org_uuid,
            record.host_uuid,
            record.site_url,
            s.timezone,
            iso(s.start),
            iso(s.end),
            s.recurrence.to_string() if s.recurrence else None,
            record.meeting_number,
            record.web_link_token,
            record.room_id,
            1 if record.adhoc else 0,
            jdumps(record.data),
            record.created,
        ),
    )
    _save_exceptions(db, record)


def save(db: sqlite3.Connection, record: SeriesRecord) -> None:
    s = record.series
    db.execute(
        "UPDATE meeting_series SET host_uuid=?, timezone=?, start=?, end=?, recurrence=?, data=? WHERE id=?",
        (
            record.host_uuid,
            s.timezone,
            iso(s.start),
            iso(s.end),
            s.recurrence.to_string() if s.recurrence else None,
            jdumps(record.data),
            s.id,
        ),
    )
    _save_exceptions(db, record)


def _save_exceptions(db: sqlite3.Connection, record: SeriesRecord) -> None:
    s = record.series
    for key in record._loaded_exception_keys - set(s.exceptions):
        db.execute("DELETE FROM meeting_exceptions WHERE series_id=? AND key=?", (s.id, key))
    for exc in s.exceptions.values():
        db.execute(
            "INSERT INTO meeting_exceptions(series_id, key, cancelled, start, end, overrides, "
            "meeting_number, web_link_token) VALUES(?,?,?,?,?,?,?,?) "
            "ON CONFLICT(series_id, key) DO UPDATE SET cancelled=excluded.cancelled, start=excluded.start, "
            "end=excluded.end, overrides=excluded.overrides, meeting_number=excluded.meeting_number, "
            "web_link_token=excluded.web_link_token",
            (
                s.id,
                exc.key,
                1 if exc.cancelled else 0,
                iso(exc.start) if exc.start else None,
                iso(exc.end) if exc.end else None,
                jdumps(exc.overrides),
                exc.meeting_number,
                exc.web_link_token,
            ),
        )
    record._loaded_exception_keys = set(s.exceptions)


def delete(db: sqlite3.Connection, series_id: str) -> None:
    db.execute("DELETE FROM meeting_invitees WHERE series_id=?", (series_id,))
    db.execute("DELETE FROM meeting_exceptions WHERE series_id=?", (series_id,))
    db.execute("DELETE FROM meeting_series WHERE id=?", (series_id,))


def host_key(db: sqlite3.Connection, person_uuid: str, site_url: str) -> str:
    """The host's key on the site, created on first use (6 digits, as in the [SM] examples)."""
    row = db.execute(
        "SELECT host_key FROM meeting_host_keys WHERE person_uuid=? AND site_url=?", (person_uuid, site_url)
    ).fetchone()
    if row is not None:
        return str(row["host_key"])
    key = generate_numeric_secret(6)
    db.execute("INSERT INTO meeting_host_keys(person_uuid, site_url, host_key) VALUES(?,?,?)", (person_uuid, site_url, key))
    return key


def on_person_deleted(db: sqlite3.Connection, person_uuid: str, org_uuid: str) -> None:
    """A deleted host's meetings go with them (Webex deletes a removed user's meetings)."""
    for row in db.execute("SELECT id FROM meeting_series WHERE host_uuid=?", (person_uuid,)).fetchall():
        delete(db, row["id"])
    db.execute("DELETE FROM meeting_host_keys WHERE person_uuid=?", (person_uuid,))


# -- invitees ---------------------------------------------------------------------------------


def invitee_rows(db: sqlite3.Connection, meeting_ids: list[str]) -> list[sqlite3.Row]:
    marks = ",".join("?" for _ in meeting_ids)
    return db.execute(
        f"SELECT * FROM meeting_invitees WHERE meeting_id IN ({marks}) ORDER BY email_lc, seq",
        tuple(meeting_ids),
    ).fetchall()


def invitee_row(db: sqlite3.Connection, invitee_id: str) -> sqlite3.Row | None:
    return db.execute("SELECT * FROM meeting_invitees WHERE id=?", (invitee_id,)).fetchone()


def insert_invitee(
    db: sqlite3.Connection,
    *,
    series_id: str,
    meeting_id: str,
    email: str,
    display_name: str,
    co_host: bool,
    panelist: bool,
    now_iso: str,
) -> sqlite3.Row:
    cur = db.execute(
        "INSERT INTO meeting_invitees(id, series_id, meeting_id, email, email_lc, display_name, co_host, "
        "panelist, created) VALUES(?,?,?,?,?,?,?,?,?)",
        ("pending", series_id, meeting_id, email, email.lower(), display_name, int(co_host), int(panelist), now_iso),
    )
    seq = cur.lastrowid
    invitee_id = f"{meeting_id}_{INVITEE_NUMBER_BASE + int(seq or 0)}"
    db.execute("UPDATE meeting_invitees SET id=? WHERE seq=?", (invitee_id, seq))
    row = invitee_row(db, invitee_id)
    assert row is not None
    return row


def is_invited(db: sqlite3.Connection, email: str, meeting_ids: set[str] | list[str]) -> bool:
    """Invited to one of these meetings (series or occurrence ids)."""
    marks = ",".join("?" for _ in meeting_ids)
    return (
        db.execute(
            f"SELECT 1 FROM meeting_invitees WHERE email_lc=? AND meeting_id IN ({marks}) LIMIT 1",
            (email.lower(), *meeting_ids),
        ).fetchone()
        is not None
    )


def is_invited_to_series(db: sqlite3.Connection, series_id: str, email: str) -> bool:
    """Invited to the series or to any of its scheduled meetings."""
    return (
        db.execute(
            "SELECT 1 FROM meeting_invitees WHERE email_lc=? AND series_id=? LIMIT 1", (email.lower(), series_id)
        ).fetchone()
        is not None
    )


def update_invitee(
    db: sqlite3.Connection, invitee_id: str, *, email: str, display_name: str, co_host: bool, panelist: bool
) -> None:
    db.execute(
        "UPDATE meeting_invitees SET email=?, email_lc=?, display_name=?, co_host=?, panelist=? WHERE id=?",
        (email, email.lower(), display_name, int(co_host), int(panelist), invitee_id),
    )


def delete_invitee(db: sqlite3.Connection, invitee_id: str) -> None:
    db.execute("DELETE FROM meeting_invitees WHERE id=?", (invitee_id,))


def delete_meeting_invitees(db: sqlite3.Connection, meeting_id: str) -> None:
    """The invitees of one scheduled meeting (it was cancelled)."""
    db.execute("DELETE FROM meeting_invitees WHERE meeting_id=?", (meeting_id,))


def remove_series_invitee(db: sqlite3.Connection, series_id: str, email_lc: str) -> None:
    db.execute("DELETE FROM meeting_invitees WHERE series_id=? AND email_lc=?", (series_id, email_lc))


def delete_occurrence_invitees(db: sqlite3.Connection, series_id: str) -> None:
    """Occurrence-level invitees go with the exceptions when a series' schedule changes."""
    db.execute("DELETE FROM meeting_invitees WHERE series_id=? AND meeting_id<>?", (series_id, series_id))
