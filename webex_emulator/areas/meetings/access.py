"""Who a meetings request acts as, and what it may see ([SM] tag Meetings; deviations.py).

The caller, or the host named by ``hostEmail`` for an admin acting on behalf; the meeting a
path id names; and whether that user may read or change it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from webex_emulator import deviations as dev
from webex_emulator.areas.people import model as ppl
from webex_emulator.core import Ctx, forbidden, not_found

from . import store
from .backend import effective_data, invalid
from .model import MeetingIdKind, Occurrence, classify_meeting_id, occurrence_id

READ_SCOPES = ["meeting:schedules_read", "meeting:admin_schedule_read"]
WRITE_SCOPES = ["meeting:schedules_write", "meeting:admin_schedule_write"]
ADMIN_READ = ("meeting:admin_schedule_read",)
ADMIN_WRITE = ("meeting:admin_schedule_write",)


@dataclass(frozen=True)
class Actor:
    """The meeting user a request acts as (the caller, or a host named by ``hostEmail``)."""

    person_uuid: str
    email: str
    display_name: str
    org_uuid: str


def _actor(person: ppl.Person) -> Actor:
    return Actor(person.uuid, person.email, person.display_name, person.org_uuid)


def acting_user(ctx: Ctx, host_email: Any, *, write: bool) -> Actor:
    """Resolve ``hostEmail`` (admin on-behalf-of) or the caller.

    ``hostEmail`` needs the admin scope and an admin role in the host's org; naming oneself is
    always fine.  A token without a person (a Service App machine account) must name a host.
    """
    auth = ctx.auth
    caller = ppl.get(ctx.db, auth.person_uuid)
    if host_email not in (None, ""):
        if not isinstance(host_email, str):
            raise invalid("'hostEmail' must be a string.")
        if caller is not None and caller.email_lc == host_email.lower():
            return _actor(caller)
        admin_scope = ADMIN_WRITE if write else ADMIN_READ + ADMIN_WRITE
        privileged = any(auth.has_scope(s) for s in admin_scope) and (auth.is_full_admin if write else auth.is_admin)
        if not privileged:
            raise forbidden("Not permitted to view or change other user's meetings.")
        target = ppl.by_email(ctx.db, host_email)
        if target is None or not auth.can_access_org(target.org_uuid):
            raise not_found(f"User '{host_email}' is not found.")
        return _actor(target)
    if caller is None:
        raise forbidden("The access token does not belong to a meeting user; specify 'hostEmail'.")
    return _actor(caller)


def client_key(ctx: Ctx) -> str:
    """integrationTags are visible only to the client that set them ([SM] integrationTag)."""
    return ctx.auth.client_id or dev.MEETINGS_DEVELOPER_PORTAL_CLIENT


@dataclass
class Target:
    rec: store.SeriesRecord
    occurrence: Occurrence | None

    @property
    def meeting_id(self) -> str:
        """The id of what was named: the series, or one scheduled meeting."""
        if self.occurrence is not None:
            return occurrence_id(self.rec.id, self.occurrence.original_start)
        return self.rec.id


def load_target(ctx: Ctx, meeting_id: str) -> Target:
    """The series or scheduled meeting a path id names (404 for anything else)."""
    parsed = classify_meeting_id(meeting_id)
    if parsed is None:
        raise not_found()
    kind, series_id, suffix = parsed
    rec = store.load(ctx.db, series_id)
    if rec is None or rec.adhoc and kind != MeetingIdKind.SERIES:
        raise not_found()
    if kind == MeetingIdKind.INSTANCE:
        # The emulator never runs meetings, so no instance exists.
        raise not_found()
    occ = None
    if kind == MeetingIdKind.OCCURRENCE:
        assert suffix is not None
        occ = rec.series.occurrence(suffix)
        if occ is None:
            raise not_found()
    return Target(rec, occ)


def _is_invitee(ctx: Ctx, target: Target, email: str) -> bool:
    if target.occurrence is not None:
        return store.is_invited(ctx.db, email, [target.rec.id, target.meeting_id])
    return store.is_invited_to_series(ctx.db, target.rec.id, email)


def check_read_access(ctx: Ctx, target: Target, actor: Actor) -> None:
    """Host, invitee, or anyone presenting the meeting password (header ``password``)."""
    rec = target.rec
    if rec.host_uuid == actor.person_uuid or _is_invitee(ctx, target, actor.email):
        return
    password = ctx.headers.get("password")
    exc = target.occurrence.exception if target.occurrence else None
    if password and password == effective_data(rec, exc).get("password"):
        return
    raise not_found()


def check_write_access(ctx: Ctx, target: Target, actor: Actor) -> None:
    if target.rec.host_uuid != actor.person_uuid:
        # Existence is not revealed to people who could not see the meeting anyway.
        if _is_invitee(ctx, target, actor.email):
            raise forbidden("Only the meeting host can change or delete the meeting.")
        raise not_found()
