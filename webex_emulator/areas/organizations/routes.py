"""Organizations & Roles ([SA] webex-admin.json tags Organizations, Roles).

``GET /organizations`` is not paginated and lists the orgs visible to the caller (own org; the
emulator admin token sees all). Roles are the fixed set in ``webex_emulator.core.auth.ROLE_NAMES``.
"""

from __future__ import annotations

from typing import Any

from webex_emulator.core import ANY_ADMIN, Area, Ctx, Router, ids, not_found
from webex_emulator.core.auth import ROLE_NAMES
from webex_emulator.core.errors import forbidden

from . import model

router = Router()

ORG_READ = ["spark:organizations_read", "spark-admin:organizations_read"]


@router.get("/organizations", scopes=ORG_READ)
def list_organizations(ctx: Ctx) -> Any:
    return ctx.ok({"items": model.visible_orgs(ctx.db, ctx.auth)})


@router.get("/organizations/{orgId}", scopes=ORG_READ)
def get_organization(ctx: Ctx) -> Any:
    org_uuid = ids.decode_uuid(ctx.params["orgId"], ids.ORGANIZATION)
    org = model.get_org(ctx.db, org_uuid) if org_uuid else None
    if org is None:
        raise not_found()
    if not ctx.auth.can_access_org(org_uuid or ""):
        raise forbidden()
    return ctx.ok(org)


@router.get("/roles", scopes=["spark-admin:roles_read"], roles=ANY_ADMIN)
def list_roles(ctx: Ctx) -> Any:
    return ctx.ok({"items": [{"id": ids.role_id(k), "name": v} for k, v in ROLE_NAMES.items()]})


@router.get("/roles/{roleId}", scopes=["spark-admin:roles_read"], roles=ANY_ADMIN)
def get_role(ctx: Ctx) -> Any:
    d = ids.decode(ctx.params["roleId"])
    if d is None or d.type != ids.ROLE or d.rest not in ROLE_NAMES:
        raise not_found()
    return ctx.ok({"id": ids.role_id(d.rest), "name": ROLE_NAMES[d.rest]})


AREA = Area(name="organizations", router=router, order=0)
