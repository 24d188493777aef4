"""HTTP shape of ``/meetingInvitees`` (REFERENCE.md §6; webex-meeting.json tag Meeting Invitees).

An invitee belongs to a meeting series (invited to every occurrence) or to one scheduled
meeting.  Invitee ids are ``<meetingId>_<n>`` like the spec's ``870f…0402_2628962``.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from emulator import deviations as dev
from emulator.areas.licenses import model as lic
from emulator.areas.people import model as ppl
from emulator.core import Ctx, WebexError, conflict, not_found
from emulator.core.wire import ApiResponse

from . import store
from .model import occurrence_id
from .routes import (
    READ_SCOPES,
    WRITE_SCOPES,
    Actor,
    Target,
    acting_user,
    check_read_access,
    check_write_access,
    invalid,
    load_target,
    router,
)

DUPLICATE = "User is already a meeting invitee."  # [SM] 409 example, verbatim
BULK_DUPLICATE = "Some users in the list have been invited."  # [SM] bulkInsert 409, no `errors`
DISPLAY_NAME_MAX = 128
BULK_MAX = 100


def invitee_json(row: sqlite3.Row, meeting_id: str | None = None) -> dict[str, Any]:
    return {
        "id": row["id"],
        "email": row["email"],
        "displayName": row["display_name"],
        "coHost": bool(row["co_host"]),
        "meetingId": meeting_id or row["meeting_id"],
        "panelist": bool(row["panelist"]),
    }


def _target_meeting_id(target: Target) -> str:
    if target.occurrence is not None:
        return occurrence_id(target.rec.id, target.occurrence.original_start)
    return target.rec.id


def _display_name(ctx: Ctx, email: str, given: Any) -> str:
    """[SM]: a registered user's name is used when none is given, else the email."""
    if given is not None:
        if not isinstance(given, str) or len(given) > DISPLAY_NAME_MAX:
            raise invalid(f"'displayName' must be a string of at most {DISPLAY_NAME_MAX} characters.")
        if given:
            return given
    person = ppl.by_email(ctx.db, email)
    return person["display_name"] if person is not None else email


def _co_host(ctx: Ctx, rec: store.SeriesRecord, email: str, requested: bool) -> bool:
    """A cohost needs a host account on the meeting's site; others are invited as non-cohosts.

    [SM] createMeeting invitees: "anyone in the invitee list that is not qualified to be a cohost
    will be invited as a non-cohost invitee" (applied to every way of inviting, see deviations).
    """
    if not requested:
        return False
    if not dev.MEETINGS_COHOST_NEEDS_HOST_LICENSE:
        return True
    person = ppl.by_email(ctx.db, email)
    return person is not None and lic.holds_meeting_license_on_site(ctx.db, person["uuid"], rec.site_url)


def _check_email(value: Any) -> str:
    if not isinstance(value, str) or "@" not in value or value.strip() != value or len(value) > 320:
        raise invalid("'email' must be a valid email address.")
    return value


def _check_flag(body: dict[str, Any], name: str) -> bool:
    value = body.get(name)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise invalid(f"'{name}' must be a boolean.")
    return value


def already_invited(ctx: Ctx, rec: store.SeriesRecord, meeting_id: str, email: str) -> bool:
    """Invited to this meeting, or to the whole series this occurrence belongs to."""
    ids_ = {meeting_id, rec.id}
    marks = ",".join("?" for _ in ids_)
    return ctx.db.execute(
        f"SELECT 1 FROM meeting_invitees WHERE email_lc=? AND meeting_id IN ({marks}) LIMIT 1",
        (email.lower(), *ids_),
    ).fetchone() is not None


def add_invitee(
    ctx: Ctx, rec: store.SeriesRecord, meeting_id: str, email: str, display_name: Any, co_host: bool, panelist: bool
) -> sqlite3.Row:
    email = _check_email(email)
    if already_invited(ctx, rec, meeting_id, email):
        raise conflict(DUPLICATE)
    return store.insert_invitee(
        ctx.db, series_id=rec.id, meeting_id=meeting_id, email=email,
        display_name=_display_name(ctx, email, display_name),
        co_host=_co_host(ctx, rec, email, co_host), panelist=panelist, now_iso=ctx.now_iso(),
    )


def _writable_target(ctx: Ctx, meeting_id: Any, host_email: Any) -> tuple[Target, Actor]:
    if not isinstance(meeting_id, str) or not meeting_id:
        raise invalid("'meetingId' is required.")
    actor = acting_user(ctx, host_email, write=True)
    try:
        target = load_target(ctx, meeting_id)
    except WebexError:
        raise not_found(f"Meeting '{meeting_id}' is not found.") from None
    check_write_access(ctx, target, actor)
    if target.rec.adhoc:
        raise invalid("Invitees of an ad-hoc meeting cannot be changed.")
    return target, actor


@router.get("/meetingInvitees", scopes=READ_SCOPES)
def list_invitees(ctx: Ctx) -> ApiResponse:
    meeting_id = ctx.q("meetingId")
    if not meeting_id:
        raise invalid("'meetingId' is required.")
    panelist = ctx.q_bool("panelist", None)
    actor = acting_user(ctx, ctx.q("hostEmail"), write=False)
    try:
        target = load_target(ctx, meeting_id)
    except WebexError:
        raise not_found(f"Meeting '{meeting_id}' is not found.") from None
    check_read_access(ctx, target, actor)
    wanted = [target.rec.id]
    if target.occurrence is not None:
        # A scheduled meeting's invitees: the series' plus its own.
        wanted.append(_target_meeting_id(target))
    rows = store.invitee_rows(ctx.db, wanted)
    if panelist is not None:
        rows = [r for r in rows if bool(r["panelist"]) == panelist]
    # [SM]: "The list returned is sorted in ascending order by email address."
    items = [invitee_json(r, meeting_id) for r in rows]
    page, headers = ctx.offset_page(items, default=10, cap=100)
    return ctx.ok({"items": page}, headers=headers)


@router.post("/meetingInvitees", scopes=WRITE_SCOPES)
def create_invitee(ctx: Ctx) -> ApiResponse:
    body = ctx.json_object()
    _check_flag(body, "sendEmail")
    target, _ = _writable_target(ctx, body.get("meetingId"), body.get("hostEmail"))
    if body.get("email") is None:
        raise invalid("'email' is required.")
    row = add_invitee(
        ctx, target.rec, _target_meeting_id(target), body["email"], body.get("displayName"),
        _check_flag(body, "coHost"), _check_flag(body, "panelist"),
    )
    return ctx.ok(invitee_json(row))


@router.post("/meetingInvitees/bulkInsert", scopes=WRITE_SCOPES)
def bulk_insert_invitees(ctx: Ctx) -> ApiResponse:
    body = ctx.json_object()
    target, _ = _writable_target(ctx, body.get("meetingId"), body.get("hostEmail"))
    items = body.get("items")
    if not isinstance(items, list) or not items:
        raise invalid("'items' must be a non-empty list.")
    if len(items) > BULK_MAX:
        raise invalid(f"The maximum size of 'items' is {BULK_MAX}.")
    meeting_id = _target_meeting_id(target)
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, dict):
            raise invalid("Each item must be an object.")
        email = _check_email(item.get("email"))
        if email.lower() in seen:
            raise invalid(f"Each invitee should have a unique email; '{email}' is repeated.")
        seen.add(email.lower())
        for flag in ("coHost", "panelist", "sendEmail"):
            _check_flag(item, flag)
    if any(already_invited(ctx, target.rec, meeting_id, e) for e in seen):
        raise WebexError(409, BULK_DUPLICATE, include_errors=False)
    rows = [
        add_invitee(ctx, target.rec, meeting_id, item["email"], item.get("displayName"),
                    _check_flag(item, "coHost"), _check_flag(item, "panelist"))
        for item in items
    ]
    return ctx.ok({"items": [invitee_json(r) for r in rows]})


def _load_invitee(ctx: Ctx, host_email: Any, *, write: bool) -> tuple[sqlite3.Row, Target]:
    row = store.invitee_row(ctx.db, ctx.params["meetingInviteeId"])
    if row is None:
        raise not_found()
    actor = acting_user(ctx, host_email, write=write)
    target = load_target(ctx, row["meeting_id"])
    if write:
        check_write_access(ctx, target, actor)
    else:
        check_read_access(ctx, target, actor)
    return row, target


@router.get("/meetingInvitees/{meetingInviteeId}", scopes=READ_SCOPES)
def get_invitee(ctx: Ctx) -> ApiResponse:
    row, _ = _load_invitee(ctx, ctx.q("hostEmail"), write=False)
    return ctx.ok(invitee_json(row))


@router.put("/meetingInvitees/{meetingInviteeId}", scopes=WRITE_SCOPES)
def update_invitee(ctx: Ctx) -> ApiResponse:
    body = ctx.json_object()
    _check_flag(body, "sendEmail")
    row, target = _load_invitee(ctx, body.get("hostEmail"), write=True)
    if body.get("email") is None:
        raise invalid("'email' is required.")
    email = _check_email(body["email"])
    if email.lower() != row["email_lc"] and already_invited(ctx, target.rec, row["meeting_id"], email):
        raise conflict(DUPLICATE)
    # PUT replaces the invitee: omitted flags become false, an omitted name the default name.
    ctx.db.execute(
        "UPDATE meeting_invitees SET email=?, email_lc=?, display_name=?, co_host=?, panelist=? WHERE id=?",
        (
            email, email.lower(), _display_name(ctx, email, body.get("displayName")),
            int(_co_host(ctx, target.rec, email, _check_flag(body, "coHost"))),
            int(_check_flag(body, "panelist")), row["id"],
        ),
    )
    updated = store.invitee_row(ctx.db, row["id"])
    assert updated is not None
    return ctx.ok(invitee_json(updated))


@router.delete("/meetingInvitees/{meetingInviteeId}", scopes=WRITE_SCOPES)
def delete_invitee(ctx: Ctx) -> ApiResponse:
    ctx.q_bool("sendEmail", True)
    row, _ = _load_invitee(ctx, ctx.q("hostEmail"), write=True)
    ctx.db.execute("DELETE FROM meeting_invitees WHERE id=?", (row["id"],))
    return ctx.no_content()
