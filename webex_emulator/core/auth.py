"""Bearer-token authentication, scope and role checks (docs/webex-behaviour.md "Scopes").

Tokens live in the ``tokens`` table (SHA-256 only). A token has an owner person (or none for
machine tokens), an org, a scope set (``*`` = all scopes, used by the emulator admin token)
and optionally its own role list; otherwise the owner's roles apply.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from dataclasses import dataclass, field
from typing import Iterable, Sequence, Union

from . import ids
from .errors import forbidden, unauthorized
from .state import State, jdumps, jloads

# Role names as they appear inside ROLE ids (e.g. ciscospark://us/ROLE/id_full_admin).
FULL_ADMIN = "id_full_admin"
USER_ADMIN = "id_user_admin"
READONLY_ADMIN = "id_readonly_admin"
DEVICE_ADMIN = "id_device_admin"

ROLE_NAMES: dict[str, str] = {
    FULL_ADMIN: "Full Administrator",
    USER_ADMIN: "User Administrator",
    READONLY_ADMIN: "Read-only Administrator",
    DEVICE_ADMIN: "Device Administrator",
}
# Short aliases accepted in seeds and on the control surface.
ROLE_ALIASES: dict[str, str] = {
    "full_admin": FULL_ADMIN,
    "user_admin": USER_ADMIN,
    "readonly_admin": READONLY_ADMIN,
    "device_admin": DEVICE_ADMIN,
}

# Role sets routes use.
ANY_ADMIN = frozenset({FULL_ADMIN, USER_ADMIN, READONLY_ADMIN})
WRITE_ADMIN = frozenset({FULL_ADMIN, USER_ADMIN})  # people/licenses/groups writes
FULL_ADMIN_ONLY = frozenset({FULL_ADMIN})

# Every scope the emulated operations' descriptions name: what the emulator's own admin token (the control
# surface's, tests' verification reads) holds. Products under test get least-privilege tokens
# (seeded `tokens:` or POST /_emulator/tokens), never this set.
KNOWN_SCOPES: tuple[str, ...] = (
    "spark:all",
    "spark:people_read",
    "spark:organizations_read",
    "spark:applications_token",
    "spark-admin:people_read",
    "spark-admin:people_write",
    "spark-admin:licenses_read",
    "spark-admin:organizations_read",
    "spark-admin:organizations_write",
    "spark-admin:roles_read",
    "identity:groups_read",
    "identity:groups_rw",
    "identity:people_read",
    "identity:people_rw",
    "identity:tokens_read",
    "identity:tokens_write",
    "meeting:schedules_read",
    "meeting:schedules_write",
    "meeting:admin_schedule_read",
    "meeting:admin_schedule_write",
    "meeting:preferences_read",
    "meeting:preferences_write",
    "meeting:admin_preferences_read",
    "meeting:admin_preferences_write",
    "meeting:admin_config_read",
    "meeting:admin_config_write",
    "meeting:participants_read",
    "meeting:admin_participants_read",
    "guest-issuer:read",
    "guest-issuer:write",
)

# A scope requirement: a list of alternatives; an alternative is one scope or a tuple of
# scopes that are all required. [] / None = no scope needed.
ScopeAlt = Union[str, Sequence[str]]
ScopeReq = Sequence[ScopeAlt]


def normalize_role(name: str) -> str:
    """Accept ``full_admin``, ``id_full_admin`` or a ROLE id; return ``id_full_admin``."""
    if name in ROLE_ALIASES:
        return ROLE_ALIASES[name]
    decoded = ids.decode(name)
    if decoded is not None and decoded.type == ids.ROLE:
        return decoded.rest
    return name


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token_string() -> str:
    """Opaque token shaped like Webex's (long url-safe text)."""
    return secrets.token_urlsafe(48)


@dataclass(frozen=True)
class Auth:
    """The authenticated caller of one request."""

    token_id: str
    kind: str
    person_uuid: str | None
    org_uuid: str | None
    scopes: frozenset[str]
    roles: frozenset[str]
    all_orgs: bool = False
    client_id: str | None = None
    expires_at: float | None = None
    extra: dict = field(default_factory=dict, hash=False, compare=False)

    # -- scopes ---------------------------------------------------------------------------------
    def has_scope(self, scope: str) -> bool:
        if scope in self.scopes:
            return True
        # spark:all is the broad *user* scope: it covers every spark:<x> user scope, never
        # spark-admin:*, identity:* or meeting:* (docs/webex-behaviour.md "Scopes").
        return scope.startswith("spark:") and "spark:all" in self.scopes

    def satisfies(self, requirement: ScopeReq | None) -> bool:
        if not requirement:
            return True
        for alt in requirement:
            needed = (alt,) if isinstance(alt, str) else tuple(alt)
            if all(self.has_scope(s) for s in needed):
                return True
        return False

    # -- roles ----------------------------------------------------------------------------------
    def has_role(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def is_admin(self) -> bool:
        """Any org-level admin (full, user, read-only)."""
        return bool(self.roles & ANY_ADMIN)

    @property
    def is_write_admin(self) -> bool:
        return bool(self.roles & WRITE_ADMIN)

    @property
    def is_full_admin(self) -> bool:
        return FULL_ADMIN in self.roles

    def can_access_org(self, org_uuid: str) -> bool:
        return self.all_orgs or org_uuid == self.org_uuid


def require(
    auth: Auth, scopes: ScopeReq | None = None, roles: Iterable[str] | None = None, description: str | None = None
) -> None:
    """403 with the live message unless ``auth`` has one scope alternative and one role."""
    if scopes and not auth.satisfies(scopes):
        raise forbidden(description)
    if roles is not None:
        roles = frozenset(roles)
        if roles and not (auth.roles & roles):
            raise forbidden(description)


# -- token storage ----------------------------------------------------------------------------


def issue_token(
    db: sqlite3.Connection,
    *,
    person_uuid: str | None,
    org_uuid: str | None,
    scopes: Iterable[str],
    now: float,
    created_iso: str,
    kind: str = "personal",
    token_type: str = "access",
    roles: Iterable[str] | None = None,
    all_orgs: bool = False,
    client_id: str | None = None,
    parent_id: str | None = None,
    expires_in: float | None = None,
    token: str | None = None,
    data: dict | None = None,
) -> tuple[str, str]:
    """Store a new token; return ``(token_string, token_row_id)``. Call inside a transaction."""
    token = token or new_token_string()
    row_id = ids.new_uuid()
    db.execute(
        "INSERT INTO tokens(id, token_hash, kind, token_type, person_uuid, org_uuid, scopes, "
        "roles, all_orgs, client_id, parent_id, created, expires_at, data) "
        "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            row_id,
            hash_token(token),
            kind,
            token_type,
            person_uuid,
            org_uuid,
            " ".join(sorted(set(scopes))),
            None if roles is None else jdumps(sorted(set(roles))),
            1 if all_orgs else 0,
            client_id,
            parent_id,
            created_iso,
            None if expires_in is None else now + expires_in,
            jdumps(data or {}),
        ),
    )
    return token, row_id


def lookup(state: State, token: str, token_type: str = "access") -> sqlite3.Row | None:
    """The raw token row (no validity checks)."""
    with state.lock:
        return state.conn.execute(
            "SELECT * FROM tokens WHERE token_hash=? AND token_type=?", (hash_token(token), token_type)
        ).fetchone()


def authenticate(state: State, authorization: str | None) -> Auth:
    """Resolve an ``Authorization`` header into :class:`Auth` or raise 401."""
    if not authorization:
        raise unauthorized()
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise unauthorized()
    with state.lock:
        row = state.conn.execute(
            "SELECT * FROM tokens WHERE token_hash=? AND token_type='access'", (hash_token(token),)
        ).fetchone()
        if row is None or row["revoked"]:
            raise unauthorized()
        if row["expires_at"] is not None and row["expires_at"] <= state.clock.time():
            raise unauthorized()
        roles: list[str]
        if row["roles"] is not None:
            roles = jloads(row["roles"], [])
        elif row["person_uuid"] is not None:
            p = state.conn.execute("SELECT roles FROM people WHERE uuid=?", (row["person_uuid"],)).fetchone()
            if p is None and row["kind"] != "admin":
                raise unauthorized()  # the owner was deleted
            roles = jloads(p["roles"], []) if p is not None else []
        else:
            roles = []
    return Auth(
        token_id=row["id"],
        kind=row["kind"],
        person_uuid=row["person_uuid"],
        org_uuid=row["org_uuid"],
        scopes=frozenset(row["scopes"].split()),
        roles=frozenset(roles),
        all_orgs=bool(row["all_orgs"]),
        client_id=row["client_id"],
        expires_at=row["expires_at"],
        extra=jloads(row["data"], {}),
    )


def ensure_admin_token(state: State, token: str) -> None:
    """Make ``token`` a full-admin, all-orgs token with every scope in ``KNOWN_SCOPES``. It is bound to the first org's
    first full admin now if one exists, else later by :func:`bind_admin_tokens` (seeding)."""
    with state.transaction() as db:
        row = db.execute("SELECT id FROM tokens WHERE token_hash=?", (hash_token(token),)).fetchone()
        if row is None:
            issue_token(
                db,
                person_uuid=None,
                org_uuid=None,
                scopes=list(KNOWN_SCOPES),
                now=state.clock.time(),
                created_iso=state.clock.iso_now(),
                kind="admin",
                roles=[FULL_ADMIN],
                all_orgs=True,
                token=token,
            )
        else:  # state written when the admin token held an all-scope wildcard
            db.execute("UPDATE tokens SET scopes=? WHERE id=?", (" ".join(KNOWN_SCOPES), row["id"]))
        org = db.execute("SELECT uuid FROM orgs ORDER BY seq LIMIT 1").fetchone()
        if org is not None:
            bind_admin_tokens(db, org["uuid"])


def bind_admin_tokens(db: sqlite3.Connection, org_uuid: str) -> None:
    """Attach unbound admin tokens to ``org_uuid`` and its first full admin (seeding calls it)."""
    admin = db.execute(
        "SELECT uuid FROM people WHERE org_uuid=? AND roles LIKE ? ORDER BY seq LIMIT 1", (org_uuid, f'%"{FULL_ADMIN}"%')
    ).fetchone()
    db.execute(
        "UPDATE tokens SET org_uuid=?, person_uuid=? WHERE kind='admin' AND org_uuid IS NULL",
        (org_uuid, admin["uuid"] if admin else None),
    )
