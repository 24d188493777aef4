"""Groups API ([SA] webex-admin.json tag Groups;
docs/webex-behaviour.md "Groups"). SCIM-ish envelope ``{totalResults, startIndex, itemsPerPage,
groups}``; both the simple body form (spec example, [WXC]) and the SCIM form are accepted."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from webex_emulator import deviations as dev
from webex_emulator.core import ANY_ADMIN, WRITE_ADMIN, Area, Ctx, Router, SeedContext, bad_request, conflict, ids, not_found

from . import model

router = Router()

READ = ["identity:groups_read", "identity:groups_rw"]
WRITE = ["identity:groups_rw"]

FILTER_RE = re.compile(r'^\s*displayName\s+(eq|sw)\s+"((?:[^"\\]|\\.)*)"\s*$', re.IGNORECASE)


def _group_or_404(ctx: Ctx) -> sqlite3.Row:
    row = model.resolve(ctx.db, ctx.params["groupId"])
    if row is None or not ctx.auth.can_access_org(row["org_uuid"]):
        raise not_found()
    return row


def _index_count(ctx: Ctx, default: int, cap: int) -> tuple[int, int]:
    start = ctx.q_int("startIndex", 1, minimum=1) or 1
    count = ctx.q_int("count", default, minimum=0)
    return start, min(cap, default if count is None else count)


def _scim_link(ctx: Ctx, start: int, count: int, total: int) -> dict[str, str]:
    # [WXC] follows Link headers on groups too (docs/webex-behaviour.md "Groups").
    if count and start - 1 + count < total:
        return ctx.next_link({"startIndex": str(start + count)})
    return {}


@router.get("/groups", scopes=READ, roles=ANY_ADMIN)
def list_groups(ctx: Ctx) -> Any:
    org = ctx.org_uuid(ctx.q("orgId"))
    include = ctx.q_bool("includeMembers")
    name_op = name = None
    flt = ctx.q("filter")
    if flt:
        m = FILTER_RE.match(flt)
        if m is None:
            raise bad_request(f'Invalid filter \'{flt}\'. Supported: displayName eq "x" | sw "x".')
        name_op, name = m.group(1).lower(), m.group(2).replace('\\"', '"')
    order_by = {"displayname": "displayName", "id": "id", "": ""}.get((ctx.q("sortBy") or "").lower())
    if order_by is None:
        raise bad_request("sortBy must be 'displayName' or 'id'.")
    direction = (ctx.q("sortOrder") or "ascending").lower()
    if direction not in ("ascending", "descending"):
        raise bad_request("sortOrder must be 'ascending' or 'descending'.")
    start, count = _index_count(ctx, dev.GROUPS_COUNT_DEFAULT, dev.GROUPS_COUNT_CAP)
    total, rows = model.list_page(
        ctx.db,
        org,
        name_op=name_op,
        name=name,
        order_by=order_by,
        descending=direction == "descending",
        count=count,
        offset=start - 1,
    )
    groups = [
        model.group_json(ctx.db, r, include_members=bool(include), members_cap=dev.GROUP_INCLUDED_MEMBERS_CAP) for r in rows
    ]
    return ctx.ok(
        {"totalResults": total, "startIndex": start, "itemsPerPage": len(groups), "groups": groups},
        headers=_scim_link(ctx, start, count, total),
    )


def _member_uuid(ctx: Ctx, org: str, ref: Any) -> str:
    """A member reference: personId (simple form) or raw uuid (SCIM ``value``)."""
    if not isinstance(ref, str) or not ref:
        raise bad_request("Each member needs an 'id' (or SCIM 'value').")
    pu = ids.decode_uuid(ref, ids.PEOPLE) or (ref.lower() if ids.is_uuid(ref) else None)
    if not model.person_in_org(ctx.db, pu, org):
        raise bad_request(f"Member '{ref}' is not a person of this organization.")
    return pu  # type: ignore[return-value]


@router.post("/groups", scopes=WRITE, roles=WRITE_ADMIN)
def create_group(ctx: Ctx) -> Any:
    body = ctx.json_object()
    name = body.get("displayName")
    if not isinstance(name, str) or not name.strip():
        raise bad_request("'displayName' is required.")
    org = ctx.org_uuid(body.get("orgId"))
    if model.name_taken(ctx.db, org, name):
        raise conflict(f"A group named '{name}' already exists.")
    ext = body.get("urn:scim:schemas:extension:cisco:webexidentity:2.0:Group") or {}
    members = body.get("members") or []
    if not isinstance(members, list):
        raise bad_request("'members' must be an array.")
    member_uuids = [_member_uuid(ctx, org, m.get("id") or m.get("value") if isinstance(m, dict) else None) for m in members]
    gu = model.create(
        ctx.db,
        org_uuid=org,
        display_name=name,
        description=body.get("description"),
        external_id=body.get("externalId"),
        usage=ext.get("usage") if isinstance(ext, dict) else None,
        now_iso=ctx.now_iso(),
    )
    for pu in member_uuids:
        model.add_member(ctx.db, gu, pu)
    row = model.get(ctx.db, gu)
    assert row is not None  # created above, in this request's transaction
    return ctx.ok(model.group_json(ctx.db, row, include_members=True), status=201)


@router.get("/groups/{groupId}", scopes=READ, roles=ANY_ADMIN)
def get_group(ctx: Ctx) -> Any:
    row = _group_or_404(ctx)
    include = ctx.q_bool("includeMembers")
    return ctx.ok(model.group_json(ctx.db, row, include_members=bool(include), members_cap=dev.GROUP_INCLUDED_MEMBERS_CAP))


@router.get("/groups/{groupId}/members", scopes=READ, roles=ANY_ADMIN)
def get_group_members(ctx: Ctx) -> Any:
    row = _group_or_404(ctx)
    start, count = _index_count(ctx, dev.GROUP_MEMBERS_COUNT_DEFAULT, dev.GROUP_MEMBERS_COUNT_CAP)
    total = model.member_count(ctx.db, row["uuid"])
    body = model.group_json(ctx.db, row, include_members=False)
    members = model.members(ctx.db, row["uuid"], start - 1, count)
    body.update({"totalResults": total, "startIndex": start, "itemsPerPage": len(members), "members": members})
    return ctx.ok(body, headers=_scim_link(ctx, start, count, total))


@router.patch("/groups/{groupId}", scopes=WRITE, roles=WRITE_ADMIN)
def update_group(ctx: Ctx) -> Any:
    row = _group_or_404(ctx)
    body = ctx.json_object()
    gu, org = row["uuid"], row["org_uuid"]
    name = body.get("displayName")
    description = body.get("description", row["description"])
    adds: list[str] = []
    removes: list[str] = []
    purge = False

    for m in body.get("members") or []:  # simple form ([WXC], spec example)
        if not isinstance(m, dict):
            raise bad_request("'members' entries must be objects.")
        op = str(m.get("operation", "add")).lower()
        pu = _member_uuid(ctx, org, m.get("id") or m.get("value"))
        if op == "add":
            adds.append(pu)
        elif op in dev.GROUP_MEMBER_REMOVE_OPERATIONS:
            removes.append(pu)
        else:
            raise bad_request(f"Invalid member operation '{op}'.")
    purge_spec = body.get("purgeAllValues")
    if isinstance(purge_spec, dict) and "members" in (purge_spec.get("attributes") or []):
        purge = True

    for op in body.get("Operations") or []:  # SCIM form (spec schema)
        if not isinstance(op, dict):
            raise bad_request("'Operations' entries must be objects.")
        kind = str(op.get("op", "")).lower()
        path = str(op.get("path", ""))
        value = op.get("value")
        if kind not in ("add", "replace", "remove"):
            raise bad_request(f"Invalid op '{op.get('op')}'.")
        if path == "displayName" and kind != "remove":
            name = value
        elif path == "description":
            description = None if kind == "remove" else value
        elif path.startswith("members"):
            m = re.match(r'members\[value eq "([^"]+)"\]', path)
            if kind == "remove" and m:
                removes.append(_member_uuid(ctx, org, m.group(1)))
            elif kind == "remove" and not value:
                purge = True
            else:
                if kind == "replace":
                    purge = True
                for v in value or []:
                    pu = _member_uuid(ctx, org, v.get("value") if isinstance(v, dict) else v)
                    (removes if kind == "remove" else adds).append(pu)
        else:
            raise bad_request(f"Unsupported path '{path}'.")

    if name is not None:
        if not isinstance(name, str) or not name.strip():
            raise bad_request("'displayName' must be a non-empty string.")
        if model.name_taken(ctx.db, org, name, other_than=gu):
            raise conflict(f"A group named '{name}' already exists.")
    if purge:
        model.clear_members(ctx.db, gu)
    for pu in removes:
        model.remove_member(ctx.db, gu, pu)
    for pu in adds:
        model.add_member(ctx.db, gu, pu)
    model.update(
        ctx.db, gu, display_name=name if name is not None else row["display_name"], description=description, now_iso=ctx.now_iso()
    )
    updated = model.get(ctx.db, gu)
    assert updated is not None  # updated above, in this request's transaction
    return ctx.ok(model.group_json(ctx.db, updated, include_members=True, members_cap=dev.GROUP_INCLUDED_MEMBERS_CAP))


@router.delete("/groups/{groupId}", scopes=WRITE, roles=WRITE_ADMIN)
def delete_group(ctx: Ctx) -> Any:
    row = _group_or_404(ctx)
    model.delete(ctx.db, row["uuid"])
    return ctx.no_content()


def seed_org(ctx: SeedContext) -> None:
    out: dict[str, str] = {}
    for g in ctx.org.get("groups") or []:
        gu = model.create(
            ctx.db,
            org_uuid=ctx.org_uuid,
            display_name=g["displayName"],
            description=g.get("description"),
            external_id=None,
            usage=g.get("usage"),
            now_iso=ctx.now_iso,
            group_uuid=g.get("id") or ids.stable_uuid("group", ctx.org_uuid, g["displayName"]),
        )
        members = list(g.get("members") or [])
        tag = g.get("membersTagged")
        if tag:
            members += [p["email"] for p in ctx.org.get("people") or [] if tag in (p.get("tags") or [])]
        for email in members:
            model.add_member(ctx.db, gu, ctx.person_uuid(email))
        out[g["displayName"]] = ids.group_id(gu, ctx.org_uuid)
    ctx.summary["groups"] = out


AREA = Area(
    name="groups", router=router, schema=model.SCHEMA, seed_org=seed_org, order=30, on_person_deleted=model.on_person_deleted
)
