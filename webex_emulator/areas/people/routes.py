"""People API ([SA] webex-admin.json tag People)."""

from __future__ import annotations

import sqlite3
from typing import Any

from webex_emulator import deviations as dev
from webex_emulator.core import (
    WRITE_ADMIN,
    Area,
    Ctx,
    Router,
    SeedContext,
    WebexError,
    bad_request,
    conflict,
    ids,
    jloads,
    not_found,
)
from webex_emulator.core.auth import normalize_role

from . import model

router = Router()

READ = ["spark:people_read", "spark-admin:people_read"]
WRITE = [("spark-admin:people_write", "spark-admin:people_read")]


def _is_admin_caller(ctx: Ctx) -> bool:
    return ctx.auth.is_admin and ctx.auth.has_scope("spark-admin:people_read")


@router.get("/people", scopes=READ)
def list_people(ctx: Ctx) -> Any:
    admin = _is_admin_caller(ctx)
    org = ctx.org_uuid(ctx.q("orgId"))
    email, name, id_list = ctx.q("email"), ctx.q("displayName"), ctx.q("id")
    roles_q, location = ctx.q("roles"), ctx.q("locationId")
    if not admin and not (email or name or id_list):
        raise bad_request(dev.PEOPLE_FILTER_REQUIRED_MESSAGE)
    calling_data = ctx.q_bool("callingData")
    ctx.q_bool("excludeStatus")
    cap = dev.PEOPLE_MAX_CAP_LOCATION if location else dev.PEOPLE_MAX_CAP_CALLING_DATA if calling_data else dev.PEOPLE_MAX_CAP

    not_found_ids: list[str] | None = None
    uuids: list[str] | None = None
    if id_list:
        raw_ids = [i.strip() for i in id_list.split(",") if i.strip()]
        if len(raw_ids) > dev.PEOPLE_ID_LIST_MAX:
            raise bad_request(f"At most {dev.PEOPLE_ID_LIST_MAX} ids may be given in 'id'.")
        by_raw = {raw: ids.decode_uuid(raw, ids.PEOPLE) or "" for raw in raw_ids}
        uuids = list(by_raw.values())
        found = model.existing_uuids(ctx.db, org, uuids)
        not_found_ids = [raw for raw, u in by_raw.items() if u not in found]
    roles: list[str] | None = None
    if roles_q:
        if not admin:
            raise WebexError(403)
        roles = [normalize_role(r.strip()) for r in roles_q.split(",") if r.strip()]
    query = model.list_query(org, email=email, name_prefix=name, uuids=uuids, roles=roles, location_id=location)

    def fetch(after: Any, n: int) -> list[sqlite3.Row]:
        return model.list_page(ctx.db, query, int(after or 0), n)

    rows, headers = ctx.keyset(fetch, key=lambda r: r["seq"], default=dev.PEOPLE_MAX_DEFAULT, cap=cap)
    # "These fields are shown when accessing a user via GET /people/{id}, not when doing a
    # GET /people?id=" (spec): admin fields are dropped for id-list lookups.
    show_admin = admin and not id_list
    body: dict[str, Any] = {"items": model.people_json(ctx.db, rows, admin=show_admin)}
    if not_found_ids is not None:
        body["notFoundIds"] = not_found_ids
    return ctx.ok(body, headers=headers)


def _person_or_404(ctx: Ctx) -> sqlite3.Row:
    row = model.resolve_row(ctx.db, ctx.params["personId"])
    if row is None or not (ctx.auth.can_access_org(row["org_uuid"])):
        raise not_found()
    return row


@router.get("/people/me", scopes=READ)
def get_me(ctx: Ctx) -> Any:
    row = model.get_row(ctx.db, ctx.auth.person_uuid)
    if row is None:
        raise not_found()
    return ctx.ok(model.person_json(ctx.db, row, admin=model.sees_admin_fields(ctx.auth, row)))


@router.get("/people/{personId}", scopes=READ)
def get_person(ctx: Ctx) -> Any:
    ctx.q_bool("callingData")
    row = _person_or_404(ctx)
    return ctx.ok(model.person_json(ctx.db, row, admin=model.sees_admin_fields(ctx.auth, row)))


# -- write helpers ---------------------------------------------------------------------------------


def _opt_str(body: dict[str, Any], key: str) -> str | None:
    v = body.get(key)
    if v is None:
        return None
    if not isinstance(v, str):
        raise bad_request(f"'{key}' must be a string.")
    return v


def _emails(body: dict[str, Any], required: bool) -> list[str] | None:
    emails = body.get("emails")
    if emails is None:
        if required:
            raise bad_request("'emails' is required.")
        return None
    if not isinstance(emails, list) or not emails or not all(isinstance(e, str) for e in emails):
        raise bad_request("'emails' must be a non-empty array of strings.")
    primary = emails[0].strip()
    if not model.EMAIL_RE.match(primary):
        raise bad_request(f"Invalid email address '{primary}'.")
    return [primary]  # spec: only one email address is used


def _data_from_body(body: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for k in ("extension", "locationId", "firstName", "lastName", "avatar", "department", "manager", "managerId", "title"):
        v = _opt_str(body, k)
        if v is not None:
            data[k] = v
    phones = body.get("phoneNumbers")
    if phones is not None:
        if not isinstance(phones, list) or not all(isinstance(p, dict) and "value" in p for p in phones):
            raise bad_request("'phoneNumbers' must be an array of {type, value}.")
        data["phoneNumbers"] = [{"type": p.get("type", "work"), "value": str(p["value"])} for p in phones]
    addrs = body.get("addresses")
    if addrs is not None:
        if not isinstance(addrs, list) or not all(isinstance(a, dict) for a in addrs):
            raise bad_request("'addresses' must be an array of objects.")
        data["addresses"] = addrs
    if data.get("firstName"):
        # nickName "cannot be overwritten and instead will be set to the firstName" (spec PUT).
        data["nickName"] = data["firstName"]
    return data


def _site_entries(body: dict[str, Any]) -> list[str] | None:
    sites = body.get("siteUrls")
    if sites is None:
        return None
    if not isinstance(sites, list) or not all(isinstance(s, str) for s in sites):
        raise bad_request("'siteUrls' must be an array of strings.")
    return sites


@router.post("/people", scopes=WRITE, roles=WRITE_ADMIN)
def create_person(ctx: Ctx) -> Any:
    body = ctx.json_object()
    ctx.q_bool("callingData")
    min_response = ctx.q_bool("minResponse")
    emails = _emails(body, required=True)
    assert emails
    org = ctx.org_uuid(_opt_str(body, "orgId"))
    display = _opt_str(body, "displayName")
    first, last = _opt_str(body, "firstName"), _opt_str(body, "lastName")
    if not (display or first or last):
        raise bad_request("At least one of 'displayName', 'firstName' or 'lastName' is required.")
    if model.by_email(ctx.db, emails[0]) is not None:
        raise conflict(f"User with email '{emails[0]}' already exists.")
    data = _data_from_body(body)
    data.update({"emails": emails, "invitePending": True, "loginEnabled": True, "type": "person"})
    now = ctx.now_iso()
    pu = model.insert(
        ctx.db,
        org_uuid=org,
        email=emails[0],
        display_name=display or " ".join(x for x in (first, last) if x),
        data=data,
        roles=model.validate_roles(body.get("roles")),
        now_iso=now,
    )
    model.set_licenses(ctx.db, pu, org, model.split_ids(body.get("licenses") or []), now, replace=False)
    model.set_attendee_sites(ctx.db, pu, org, _site_entries(body) or [], remove_missing=False)
    if min_response:
        return ctx.ok({"id": ids.person_id(pu)})
    row = model.get_row(ctx.db, pu)
    assert row is not None  # inserted above, in this request's transaction
    return ctx.ok(model.person_json(ctx.db, row, admin=True))


@router.put("/people/{personId}", scopes=WRITE, roles=WRITE_ADMIN)
def update_person(ctx: Ctx) -> Any:
    """FULL replace: omitted fields are reset (docs/webex-behaviour.md "People")."""
    row = _person_or_404(ctx)
    body = ctx.json_object()
    ctx.q_bool("callingData")
    show_all = ctx.q_bool("showAllTypes")
    min_response = ctx.q_bool("minResponse")
    display = _opt_str(body, "displayName")
    if not display:
        raise bad_request("'displayName' is required.")
    org_id = _opt_str(body, "orgId")
    if org_id and ids.decode_uuid(org_id, ids.ORGANIZATION) != row["org_uuid"]:
        raise bad_request("A person cannot be moved to another organization.")
    pu, org = row["uuid"], row["org_uuid"]
    old = jloads(row["data"], {})
    emails = _emails(body, required=False) or old.get("emails") or [row["email"]]
    if emails[0].lower() != row["email_lc"]:
        other = model.by_email(ctx.db, emails[0])
        if other is not None and other.uuid != pu:
            raise conflict(f"User with email '{emails[0]}' already exists.")
    login = body.get("loginEnabled", True)
    if not isinstance(login, bool):
        raise bad_request("'loginEnabled' must be a boolean.")
    data = _data_from_body(body)
    # Not settable by PUT, so kept: timezone, type, invitePending; locationId only changes with
    # a calling license, so an omitted one is kept.
    for k in ("timezone", "type", "invitePending", "locationId"):
        if k in old and k not in data:
            data[k] = old[k]
    data.update({"emails": emails, "loginEnabled": login})
    roles = model.validate_roles(body.get("roles"))
    now = ctx.now_iso()
    model.update(ctx.db, pu, email=emails[0], display_name=display, roles=roles, data=data, now_iso=now)
    model.set_licenses(ctx.db, pu, org, model.split_ids(body.get("licenses") or []), now, replace=True)
    model.set_attendee_sites(ctx.db, pu, org, _site_entries(body) or [], remove_missing=bool(show_all))
    if min_response:
        return ctx.no_content()
    updated = model.get_row(ctx.db, pu)
    assert updated is not None  # updated above, in this request's transaction
    return ctx.ok(model.person_json(ctx.db, updated, admin=True))


@router.delete("/people/{personId}", scopes=WRITE, roles=WRITE_ADMIN)
def delete_person(ctx: Ctx) -> Any:
    row = _person_or_404(ctx)
    ctx.runtime.person_deleted(row["uuid"], row["org_uuid"])
    model.delete(ctx.db, row["uuid"])
    return ctx.no_content()


# -- seeding ------------------------------------------------------------------------------------


def seed_org(ctx: SeedContext) -> None:
    count = 0
    for p in ctx.org.get("people") or []:
        email = p["email"]
        if email.lower() in ctx.people:
            raise ValueError(f"duplicate person {email!r} in seed")
        first, last = p.get("firstName"), p.get("lastName")
        display = p.get("displayName") or " ".join(x for x in (first, last) if x) or email
        data = {k: p[k] for k in model.DATA_FIELDS if p.get(k) is not None}
        if first and "nickName" not in data:
            data["nickName"] = first
        data.update(
            {
                "emails": [email],
                "invitePending": bool(p.get("invitePending", False)),
                "loginEnabled": bool(p.get("loginEnabled", True)),
                "type": p.get("type", "person"),
            }
        )
        if p.get("tags"):
            data["tags"] = list(p["tags"])
        roles = [normalize_role(r) for r in p.get("roles") or []]
        pu = model.insert(
            ctx.db,
            org_uuid=ctx.org_uuid,
            email=email,
            display_name=display,
            data=data,
            roles=roles,
            now_iso=p.get("created") or ctx.now_iso,
            person_uuid=p.get("id") or ids.stable_uuid("person", email.lower()),
            preferred_site=p.get("preferredSite"),
        )
        ctx.people[email.lower()] = pu
        count += 1
    ctx.summary["people"] = count


AREA = Area(name="people", router=router, seed_org=seed_org, order=10)
