"""Licenses API ([SA] webex-admin.json tag Licenses)."""

from __future__ import annotations

from typing import Any

from webex_emulator import deviations as dev
from webex_emulator.areas.people import model as ppl
from webex_emulator.core import ANY_ADMIN, WRITE_ADMIN, Area, Ctx, Router, SeedContext, WebexError, bad_request, ids, not_found
from webex_emulator.core.context import decode_cursor
from webex_emulator.core.errors import MESSAGES

from . import model
from .model import ItemError

router = Router()


@router.get("/licenses", scopes=["spark-admin:licenses_read"], roles=ANY_ADMIN)
def list_licenses(ctx: Ctx) -> Any:
    """Not paginated ([SA] GET /licenses)."""
    org = ctx.org_uuid(ctx.q("orgId"))
    return ctx.ok({"items": [model.license_json(r) for r in model.org_licenses(ctx.db, org)]})


def _paging_token(after_seq: int) -> str:
    # Opaque like the spec example: base64 of ciscospark://us/LICENSE_USER_PAGING/<...>.
    from webex_emulator.core.context import encode_cursor

    return ids.encode(ids.LICENSE_USER_PAGING, encode_cursor({"after": after_seq}))


def _after_from_token(token: str) -> int:
    d = ids.decode(token)
    if d is None or d.type != ids.LICENSE_USER_PAGING:
        raise bad_request("Invalid value for parameter 'next'.")
    return int(decode_cursor(d.rest).get("after", 0))


@router.get("/licenses/{licenseId}", scopes=["spark-admin:licenses_read"], roles=ANY_ADMIN)
def get_license(ctx: Ctx) -> Any:
    row = model.resolve(ctx.db, ctx.params["licenseId"])
    if row is None or not ctx.auth.can_access_org(row["org_uuid"]):
        raise not_found()
    body = model.license_json(row)
    headers: dict[str, str] = {}
    include = ctx.q("includeAssignedTo")
    if include is not None:
        if include != "user":
            raise bad_request(f"Invalid value '{include}' for parameter 'includeAssignedTo'.")
        limit = ctx.q_int("limit", dev.LICENSE_USERS_LIMIT_DEFAULT, minimum=1) or 1
        limit = min(limit, dev.LICENSE_USERS_LIMIT_CAP)
        after = _after_from_token(ctx.q("next") or "") if ctx.q("next") else 0
        page = model.assignments_page(ctx.db, row["uuid"], after, limit + 1)
        if len(page) > limit:
            page = page[:limit]
            headers = ctx.next_link({"next": _paging_token(page[-1][0])})
        people = ppl.get_many(ctx.db, [pu for _, pu in page])
        body["users"] = [
            {
                "id": ids.person_id(p.uuid),
                "type": "INTERNAL" if p.org_uuid == row["org_uuid"] else "EXTERNAL",
                "displayName": p.display_name,
                "email": p.email,
            }
            for p in (people.get(pu) for _, pu in page)
            if p is not None
        ]
    return ctx.ok(body, headers=headers)


def _resolve_person(ctx: Ctx, body: dict[str, Any], org: str) -> ppl.Person:
    email, pid = body.get("email"), body.get("personId")
    if not email and not pid:
        raise bad_request("At least one of 'email' or 'personId' is required.")
    if email is not None and not isinstance(email, str) or pid is not None and not isinstance(pid, str):
        raise bad_request("'email' and 'personId' must be strings.")
    person = None
    if pid:
        pu = ids.decode_uuid(pid, ids.PEOPLE)
        person = ppl.get(ctx.db, pu) if pu else None
        if person is not None and email and person.email_lc != email.lower():
            raise bad_request("'email' and 'personId' refer to different users.")
    elif isinstance(email, str) and email == email.strip():  # an email with surrounding blanks names nobody here
        person = ppl.by_email(ctx.db, email)
    if person is None or person.org_uuid != org:
        # Only existing users of the org can be licensed (spec); external users are not modelled.
        raise not_found("The user could not be found.")
    return person


def _parse_operation(item: dict[str, Any]) -> str:
    op = item.get("operation", "add")
    if not isinstance(op, str) or op.lower() not in ("add", "remove"):
        raise bad_request(f"Invalid operation '{op}'; expected 'add' or 'remove'.")
    return op.lower()


@router.patch("/licenses/users", scopes=["spark-admin:people_write"], roles=WRITE_ADMIN)
def assign_licenses(ctx: Ctx) -> Any:
    """Assign/remove licenses and attendee sites; atomic per request; 206 on partial success."""
    body = ctx.json_object()
    org = ctx.org_uuid(body.get("orgId"))
    person = _resolve_person(ctx, body, org)
    lic_items = body.get("licenses") or []
    site_items = body.get("siteUrls") or []
    if not isinstance(lic_items, list) or not isinstance(site_items, list):
        raise bad_request("'licenses' and 'siteUrls' must be arrays.")

    # 1. Validate the whole request; any problem here rejects it (nothing applied).
    lic_ops: list[tuple[str, Any]] = []
    unknown: list[str] = []
    no_props: list[str] = []
    for item in lic_items:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise bad_request("Each license needs an 'id'.")
        op = _parse_operation(item)
        row = model.resolve(ctx.db, item["id"], org)
        if row is None:
            unknown.append(item["id"])
            continue
        props = item.get("properties") or {}
        if op == "add" and model.is_calling(row) and not (props.get("phoneNumber") or props.get("extension")):
            no_props.append(item["id"])
        lic_ops.append((op, row))
    if unknown:
        raise WebexError(400, "License not recognized", f"License not recognized {', '.join(unknown)}", error_code=400000)
    if no_props:
        raise WebexError(
            400,
            "License properties missing",
            "Each Webex Calling license should contain its own calling properties. "
            f"The following license(s) do not have properties: {', '.join(no_props)}",
            error_code=400411,
        )
    site_ops: list[tuple[str, str]] = []
    bad_sites: list[str] = []
    for item in site_items:
        if not isinstance(item, dict) or not isinstance(item.get("siteUrl"), str):
            raise bad_request("Each siteUrls entry needs a 'siteUrl'.")
        acct = item.get("accountType")
        if not isinstance(acct, str) or acct.lower() not in dev.REQUEST_ACCOUNT_TYPES:
            raise bad_request(
                f"Invalid accountType '{acct}'. Only 'attendee' is supported; for host access assign the site's meeting license."
            )
        op = _parse_operation(item)
        site = item["siteUrl"].strip().lower()
        if not model.site_exists(ctx.db, org, site):
            bad_sites.append(item["siteUrl"])
            continue
        site_ops.append((op, site))
    if bad_sites:
        raise WebexError(
            400, "Invalid site URL", f"Request contains invalid attendee siteUrls: {', '.join(bad_sites)}", error_code=400216
        )

    # 2. Apply (removes before adds; per-item savepoints: the backend's rules).
    pu = person.uuid
    now = ctx.now_iso()
    steps, failures = model.apply_changes(ctx.db, pu, org, lic_ops, site_ops, now)
    if failures and len(failures) == steps:
        # Everything failed: a plain 400, nothing changed (the pipeline rolls back anyway).
        raise WebexError(400, failures[0].message or MESSAGES[400], errors=[f.as_error() for f in failures])
    if steps:
        ppl.touch(ctx.db, pu, now)
    result = {
        "orgId": ids.org_id(org),
        "personId": ids.person_id(pu),
        "email": person.email,
        "licenses": model.person_license_ids(ctx.db, pu),
        "siteUrls": model.person_site_objects(ctx.db, pu),
    }
    return ctx.ok(result, status=206 if failures else 200)


# -- seeding ------------------------------------------------------------------------------------


def seed_org(ctx: SeedContext) -> None:
    """``licenses:`` pools, then each person's ``licenses`` (pool keys) and ``attendeeSites``."""
    by_key: dict[str, Any] = {}
    summary: dict[str, str] = {}
    for spec in ctx.org.get("licenses") or []:
        key = str(spec.get("key") or spec.get("offerCode"))
        row = model.create_pool(
            ctx.db,
            org_uuid=ctx.org_uuid,
            offer_code=spec["offerCode"],
            name=spec["name"],
            total_units=int(spec["totalUnits"]),
            now_iso=ctx.now_iso,
            license_uuid=spec.get("id") or ids.stable_uuid("license", ctx.org_uuid, key),
            subscription_id=spec.get("subscriptionId"),
            site_url=spec.get("siteUrl"),
            site_type=spec.get("siteType"),
            consumed_by_workspaces=int(spec.get("consumedByWorkspaces", 0)),
        )
        by_key[key] = row
        ctx.licenses[key] = row["uuid"]
        summary[key] = model.public_id(row)
    for p in ctx.org.get("people") or []:
        pu = ctx.person_uuid(p["email"])
        for key in p.get("licenses") or []:
            if key not in by_key:
                raise ValueError(f"person {p['email']}: unknown license key {key!r}")
            try:
                model.assign(ctx.db, pu, by_key[key], ctx.now_iso)
            except ItemError as e:
                raise ValueError(f"seed over capacity: {e.description}") from None
        for site in p.get("attendeeSites") or []:
            if not model.site_exists(ctx.db, ctx.org_uuid, site):
                raise ValueError(f"person {p['email']}: unknown attendee site {site!r}")
            try:
                model.add_attendee(ctx.db, pu, ctx.org_uuid, site)
            except ItemError as e:
                raise ValueError(f"person {p['email']}: {e.description}") from None
    ctx.summary["licenses"] = summary
    ctx.summary["sites"] = model.org_sites(ctx.db, ctx.org_uuid)


AREA = Area(
    name="licenses", router=router, schema=model.SCHEMA, seed_org=seed_org, order=20, on_person_deleted=model.on_person_deleted
)
