"""HTTP shape of ``/meetingInvitees`` ([SM] webex-meeting.json tag Invitees).

An invitee belongs to a meeting series (invited to every occurrence) or to one scheduled
meeting.  Invitee ids are ``<meetingId>_<n>`` like the spec's ``870f…0402_2628962``.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from webex_emulator.core import Ctx, WebexError, not_found
from webex_emulator.core.wire import ApiResponse

from . import backend, store
from .access import (
    READ_SCOPES,
    WRITE_SCOPES,
    Actor,
    Target,
    acting_user,
    check_read_access,
    check_write_access,
    load_target,
)
from .backend import check_flag, invalid
from .routes import router

BULK_DUPLICATE = "Some users in the list have been invited."  # [SM] bulkInsert 409, no `errors`
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
        wanted.append(target.meeting_id)
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
    check_flag(body, "sendEmail")
    target, _ = _writable_target(ctx, body.get("meetingId"), body.get("hostEmail"))
    if body.get("email") is None:
        raise invalid("'email' is required.")
    row = backend.add_invitee(
        ctx.db,
        target.rec,
        target.meeting_id,
        body["email"],
        body.get("displayName"),
        check_flag(body, "coHost"),
        check_flag(body, "panelist"),
        ctx.now_iso(),
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
    meeting_id = target.meeting_id
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, dict):
            raise invalid("Each item must be an object.")
        email = backend.check_invitee_email(item.get("email"))
        if email.lower() in seen:
            raise invalid(f"Each invitee should have a unique email; '{email}' is repeated.")
        seen.add(email.lower())
        for flag in ("coHost", "panelist", "sendEmail"):
            check_flag(item, flag)
    if any(backend.already_invited(ctx.db, target.rec, meeting_id, e) for e in seen):
        raise WebexError(409, BULK_DUPLICATE, include_errors=False)
    rows = [
        backend.add_invitee(
            ctx.db,
            target.rec,
            meeting_id,
            item["email"],
            item.get("displayName"),
            check_flag(item, "coHost"),
            check_flag(item, "panelist"),
            ctx.now_iso(),
        )
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
    check_flag(body, "sendEmail")
    row, target = _load_invitee(ctx, body.get("hostEmail"), write=True)
    if body.get("email") is None:
        raise invalid("'email' is required.")
    updated = backend.replace_invitee(ctx.db, target.rec, row, body)
    return ctx.ok(invitee_json(updated))


@router.delete("/meetingInvitees/{meetingInviteeId}", scopes=WRITE_SCOPES)
def delete_invitee(ctx: Ctx) -> ApiResponse:
    ctx.q_bool("sendEmail", True)
    row, _ = _load_invitee(ctx, ctx.q("hostEmail"), write=True)
    store.delete_invitee(ctx.db, row["id"])
    return ctx.no_content()
