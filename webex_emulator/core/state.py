"""Persistent emulator state: one SQLite connection guarded by one lock.

Why one connection and one lock: the emulator is a test double, not a database server. Handlers
are short synchronous functions, so serialising them costs little and makes every request
trivially atomic (one ``BEGIN IMMEDIATE``/``COMMIT`` per request, see :meth:`State.transaction`).
A file-backed state uses WAL + ``synchronous=NORMAL``: commits do not fsync, yet a clean stop
or a process crash loses nothing that was committed (only an OS crash could).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

from .wire import iso

CORE_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Organizations and people are "identity core": authentication reads them on every request,
-- the organizations and people areas implement their API.
CREATE TABLE IF NOT EXISTS orgs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    created TEXT NOT NULL,
    data TEXT NOT NULL DEFAULT '{}'        -- JSON: domain, seed extras
);

CREATE TABLE IF NOT EXISTS people (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- stable order and keyset-paging key
    uuid TEXT NOT NULL UNIQUE,
    org_uuid TEXT NOT NULL,
    email TEXT NOT NULL,                    -- primary email as given
    email_lc TEXT NOT NULL UNIQUE,          -- lower-cased, globally unique like Webex
    display_name TEXT NOT NULL COLLATE NOCASE,
    roles TEXT NOT NULL DEFAULT '[]',       -- JSON list of role names (id_full_admin, ...)
    preferred_site TEXT,                    -- default meeting site (docs/webex-behaviour.md "Sites")
    data TEXT NOT NULL DEFAULT '{}',        -- JSON: the remaining Person fields
    created TEXT NOT NULL,
    last_modified TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS people_org ON people(org_uuid, seq);
CREATE INDEX IF NOT EXISTS people_name ON people(org_uuid, display_name);

-- Bearer tokens. Only a SHA-256 of the token is stored.
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY,                    -- uuid; AUTHORIZATION ids can be derived from it
    token_hash TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,                     -- admin | personal | integration | service_app | guest
    token_type TEXT NOT NULL DEFAULT 'access',   -- access | refresh
    person_uuid TEXT,
    org_uuid TEXT,
    scopes TEXT NOT NULL,                   -- space separated
    roles TEXT,                             -- JSON list overriding the person's roles, or NULL
    all_orgs INTEGER NOT NULL DEFAULT 0,    -- may act on any org (emulator admin / partner)
    client_id TEXT,                         -- OAuth client that owns the token, if any
    parent_id TEXT,                         -- refresh token an access token came from
    created TEXT NOT NULL,
    expires_at REAL,                        -- epoch seconds (emulator clock); NULL = never
    revoked INTEGER NOT NULL DEFAULT 0,
    data TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS tokens_person ON tokens(person_uuid);
CREATE INDEX IF NOT EXISTS tokens_client ON tokens(client_id, org_uuid);

-- Service Apps (registered on the developer portal, docs/webex-behaviour.md "Service Apps") and their per-org
-- authorization by a Full Admin in Control Hub.
CREATE TABLE IF NOT EXISTS service_apps (
    client_id TEXT PRIMARY KEY,             -- "C" + 64 hex
    app_id TEXT NOT NULL UNIQUE,            -- base64 ciscospark://us/APPLICATION/<clientId>
    name TEXT NOT NULL,
    secret_hash TEXT NOT NULL,              -- "sha256$<salt>$<hex>"
    scopes TEXT NOT NULL,                   -- space separated
    owner_org_uuid TEXT,
    created TEXT NOT NULL,
    data TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS service_app_orgs (
    client_id TEXT NOT NULL,
    org_uuid TEXT NOT NULL,
    authorized_at TEXT NOT NULL,
    authorized_by TEXT,                     -- person uuid of the authorizing admin, if known
    machine_person_uuid TEXT,               -- machine account, if an area provisions one
    PRIMARY KEY (client_id, org_uuid)
);
"""


class Clock:
    """The emulator's notion of "now": real time plus an offset, or frozen.

    Areas must use it (``ctx.now()``) instead of ``datetime.now`` so tests can move time.
    """

    def __init__(self) -> None:
        self.offset = 0.0
        self.frozen: float | None = None

    def time(self) -> float:
        return self.frozen if self.frozen is not None else time.time() + self.offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), tz=timezone.utc)

    def iso_now(self) -> str:
        return iso(self.now())

    def config(self) -> dict[str, Any]:
        return {"now": self.iso_now(), "offsetSeconds": self.offset, "frozen": self.frozen is not None}

    def set(
        self,
        *,
        offset_seconds: float | None = None,
        frozen_at: datetime | None = None,
        advance_seconds: float | None = None,
        unfreeze: bool = False,
    ) -> None:
        if unfreeze:
            self.frozen = None
        if offset_seconds is not None:
            self.offset = float(offset_seconds)
        if frozen_at is not None:
            self.frozen = frozen_at.timestamp()
        if advance_seconds is not None:
            if self.frozen is not None:
                self.frozen += advance_seconds
            else:
                self.offset += advance_seconds

    def after(self, seconds: float) -> datetime:
        return self.now() + timedelta(seconds=seconds)


class State:
    """SQLite-backed state plus the lock that serialises every access to it."""

    def __init__(self, path: str = ":memory:") -> None:
        self.path = path
        self.lock = threading.RLock()
        self.clock = Clock()
        # isolation_level=None: we issue BEGIN/COMMIT ourselves (see transaction()).
        self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        if path != ":memory:" and not path.startswith("file::memory:"):
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA temp_store=MEMORY")
        self._depth = 0
        self._savepoint = 0
        self._schemas: list[str] = []
        self.apply_schema(CORE_SCHEMA)

    # -- schema -------------------------------------------------------------------------------
    def apply_schema(self, ddl: str) -> None:
        """Run an area's ``CREATE TABLE IF NOT EXISTS`` script (idempotent, runs at start-up)."""
        with self.lock:
            self.conn.executescript(ddl)
            self._schemas.append(ddl)

    # -- transactions -------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Atomic unit of work. Re-entrant: nested use becomes a SAVEPOINT, so an inner block
        that raises is rolled back on its own while the outer block may continue (used for
        per-item partial success, e.g. ``PATCH /licenses/users`` → 206)."""
        with self.lock:
            if self._depth == 0:
                self.conn.execute("BEGIN IMMEDIATE")
                self._depth = 1
                try:
                    yield self.conn
                except BaseException:
                    self._depth = 0
                    self.conn.execute("ROLLBACK")
                    raise
                else:
                    self._depth = 0
                    self.conn.execute("COMMIT")
            else:
                self._savepoint += 1
                name = f"sp{self._savepoint}"
                self.conn.execute(f"SAVEPOINT {name}")
                self._depth += 1
                try:
                    yield self.conn
                except BaseException:
                    self._depth -= 1
                    self.conn.execute(f"ROLLBACK TO {name}")
                    self.conn.execute(f"RELEASE {name}")
                    raise
                else:
                    self._depth -= 1
                    self.conn.execute(f"RELEASE {name}")

    # -- convenience --------------------------------------------------------------------------
    def has_org(self) -> bool:
        with self.lock:
            return self.conn.execute("SELECT 1 FROM orgs LIMIT 1").fetchone() is not None

    def reset(self) -> None:
        """Delete every row of every table (schema stays). Used by ``/_emulator/reset``."""
        with self.transaction() as db:
            tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
            for t in tables:
                db.execute(f'DELETE FROM "{t}"')
            if db.execute("SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'").fetchone():
                db.execute("DELETE FROM sqlite_sequence")

    def close(self) -> None:
        with self.lock:
            try:
                if self.path != ":memory:":
                    self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                self.conn.close()


def jloads(text: str | None, default: Any = None) -> Any:
    if text is None:
        return default
    return json.loads(text)


def jdumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
