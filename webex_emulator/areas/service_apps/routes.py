"""Service App token, OAuth refresh and ``/authorizations`` ([SA] tags Service Apps,
Authorizations; docs/webex-behaviour.md "Tokens and OAuth").

Routes:
* ``POST /applications/{applicationId}/token`` — token pair for an authorized Service App.
* ``POST /access_token`` — OAuth 2.0 refresh grant (form-encoded, no bearer token).
* ``GET/DELETE /authorizations``, ``DELETE /authorizations/{id}``, ``GET /authorizations/tokenExpiry``.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from webex_emulator.areas.people import model as ppl
from webex_emulator.core import FULL_ADMIN, USER_ADMIN, Ctx, Router, WebexError, bad_request, forbidden, ids, not_found
from webex_emulator.core import service_apps as sa
from webex_emulator.core.auth import DEVICE_ADMIN, lookup
from webex_emulator.core.wire import ApiResponse

from . import model

router = Router()

# [SA] POST /applications/{applicationId}/token wording, verbatim.
INVALID_CREDENTIALS = "Invalid client credentials"
NOT_AUTHORIZED = "Insufficient permissions or Service App not authorized by Full Admin in Control Hub"
APP_NOT_FOUND = "Service App not found"
# docs/webex-behaviour.md "Tokens and OAuth" (webex/webex-js-sdk#855).
BAD_REFRESH = "The refresh token provided is expired, revoked, malformed, or invalid."

# [DOCS] authorizations: own-org Full, User or Device admin (read-only admins not supported).
TOKEN_ADMIN_ROLES = (FULL_ADMIN, USER_ADMIN, DEVICE_ADMIN)


# ---------------------------------------------------------------------------------------------
# POST /applications/{applicationId}/token
# ---------------------------------------------------------------------------------------------


@router.post("/applications/{applicationId}/token", scopes=["spark:applications_token"])
def create_service_app_token(ctx: Ctx) -> ApiResponse:
    app = sa.get(ctx.db, app_id=ctx.params["applicationId"])
    if app is None:
        raise WebexError(404, APP_NOT_FOUND, APP_NOT_FOUND)
    body = ctx.json_object()
    for name in ("clientId", "clientSecret", "targetOrgId"):
        if not isinstance(body.get(name), str) or not body[name]:
            raise bad_request(f"{name} is required", INVALID_CREDENTIALS)
    if body["clientId"] != app["clientId"] or not sa.check_secret(ctx.db, app["clientId"], body["clientSecret"]):
        raise bad_request("clientId or clientSecret is invalid", INVALID_CREDENTIALS)
    org_uuid = ids.decode_uuid(body["targetOrgId"], ids.ORGANIZATION)
    if org_uuid is None:
        raise bad_request("targetOrgId is not an organization id", INVALID_CREDENTIALS)
    # An unknown org is, from the app's point of view, just an org that has not authorized it.
    if not sa.is_authorized(ctx.db, app["clientId"], org_uuid):
        raise WebexError(403, NOT_AUTHORIZED, NOT_AUTHORIZED)
    return ctx.ok(model.mint_pair(ctx.db, app, org_uuid, now=ctx.state.clock.time(), now_iso=ctx.now_iso()))


# ---------------------------------------------------------------------------------------------
# POST /access_token (OAuth 2.0 token endpoint; errors are OAuth-style, not Webex bodies)
# ---------------------------------------------------------------------------------------------


def oauth_error(error: str, description: str, status: int = 400) -> ApiResponse:
    """``{"error", "error_description", "trackingID": "CLIENT_…"}`` (docs/webex-behaviour.md "Tokens and OAuth")."""
    return ApiResponse(
        status=status,
        body={"error": error, "error_description": description, "trackingID": f"CLIENT_{uuid.uuid4()}"},
    )


@router.post("/access_token", auth=False)
def access_token(ctx: Ctx) -> ApiResponse:
    ctype = (ctx.headers.get("content-type") or "").split(";")[0].strip().lower()
    if ctype != "application/x-www-form-urlencoded":
        return oauth_error("invalid_request", "The request must be application/x-www-form-urlencoded.")
    form = ctx.form()
    grant = form.get("grant_type")
    if not grant:
        return oauth_error("invalid_request", "The grant_type parameter is required.")
    if grant == "authorization_code":
        # The emulator never issues authorization codes, so none can be valid.
        return oauth_error("invalid_grant", "The authorization code is invalid or expired.")
    if grant != "refresh_token":
        return oauth_error("unsupported_grant_type", f"The grant type '{grant}' is not supported.")
    missing = [name for name in ("client_id", "client_secret", "refresh_token") if not form.get(name)]
    if missing:
        return oauth_error("invalid_request", f"Missing required parameter(s): {', '.join(missing)}.")
    client_id = form["client_id"]
    app = sa.get(ctx.db, client_id=client_id)
    if app is None or not sa.check_secret(ctx.db, client_id, form["client_secret"]):
        return oauth_error("invalid_client", "The client credentials are invalid.")
    row = lookup(ctx.state, form["refresh_token"], token_type="refresh")
    now = ctx.state.clock.time()
    if (
        row is None
        or row["revoked"]
        or row["client_id"] != client_id
        or (row["expires_at"] is not None and row["expires_at"] <= now)
    ):
        return oauth_error("invalid_grant", BAD_REFRESH)
    if not sa.is_authorized(ctx.db, client_id, row["org_uuid"]):
        return oauth_error("invalid_grant", BAD_REFRESH)
    return ctx.ok(model.refresh(ctx.db, app, row, form["refresh_token"], now=now, now_iso=ctx.now_iso()))


# ---------------------------------------------------------------------------------------------
# /authorizations
# ---------------------------------------------------------------------------------------------


def _person_uuid_for(ctx: Ctx) -> str:
    person_id, email = ctx.q("personId"), ctx.q("personEmail")
    if bool(person_id) == bool(email):
        raise bad_request("Either personId or personEmail must be provided.")
    if email:
        person = ppl.by_email(ctx.db, email)
        if person is None or not ctx.auth.can_access_org(person.org_uuid):
            raise not_found(f"Person '{email}' not found.")
        return person.uuid
    person_uuid = ids.decode_uuid(person_id, ids.PEOPLE)
    if person_uuid is None:
        raise not_found(f"Person '{person_id}' not found.")
    person = ppl.get(ctx.db, person_uuid)
    if person is not None:
        if not ctx.auth.can_access_org(person.org_uuid):
            raise not_found(f"Person '{person_id}' not found.")
        return person_uuid
    # Machine accounts of Service Apps are not directory people but do hold tokens.
    owner = model.token_holder_org(ctx.db, person_uuid)
    if owner is None or not ctx.auth.can_access_org(owner):
        raise not_found(f"Person '{person_id}' not found.")
    return person_uuid


@router.get("/authorizations", scopes=["identity:tokens_read"], roles=TOKEN_ADMIN_ROLES)
def list_authorizations(ctx: Ctx) -> ApiResponse:
    person_uuid = _person_uuid_for(ctx)
    rows = model.live_tokens_of(ctx.db, person_uuid, ctx.state.clock.time())
    # Not paginated ([SA] GET /authorizations).
    return ctx.ok({"items": [model.authorization_json(ctx.db, r) for r in rows]})


@router.get("/authorizations/tokenExpiry")
def token_expiry(ctx: Ctx) -> ApiResponse:
    row = model.token_row(ctx.db, ctx.auth.token_id)
    assert row is not None  # authenticated just now
    return ctx.ok({"exp": model.expiry_ms(row)})


@router.delete("/authorizations/{authorizationId}", scopes=["identity:tokens_write"], roles=TOKEN_ADMIN_ROLES)
def delete_authorization(ctx: Ctx) -> ApiResponse:
    token_id = ids.decode_uuid(ctx.params["authorizationId"], ids.AUTHORIZATION)
    row = model.token_row(ctx.db, token_id) if token_id else None
    if row is None or row["revoked"] or row["kind"] == "admin" or not ctx.auth.can_access_org(row["org_uuid"] or ""):
        raise not_found()
    model.revoke(ctx.db, row["id"])
    return ctx.no_content()


@router.delete("/authorizations", scopes=["identity:tokens_write"], roles=TOKEN_ADMIN_ROLES)
def delete_client_authorizations(ctx: Ctx) -> ApiResponse:
    client_id = ctx.q("clientId")
    if not client_id:
        raise bad_request("clientId is required.")
    org_uuid = ctx.org_uuid(ctx.q("orgId"))
    if sa.is_authorized(ctx.db, client_id, org_uuid):
        if not ctx.auth.is_full_admin:
            # Only a Full Admin can (de)authorize a Service App for the org (docs/webex-behaviour.md "Service Apps").
            raise forbidden("Only a Full Administrator can revoke a Service App's authorization.")
        sa.deauthorize(ctx.db, client_id, org_uuid)  # also revokes the app's tokens there
    model.revoke_client(ctx.db, client_id, org_uuid)
    return ctx.no_content()


# ---------------------------------------------------------------------------------------------
# Control surface: token lifetimes
# ---------------------------------------------------------------------------------------------


async def token_lifetimes(request: Request) -> JSONResponse:
    """``GET|PUT|DELETE /_emulator/token-lifetimes`` — seconds per token kind.

    PUT ``{"serviceAppAccessToken": 120}`` (null resets one); DELETE resets all.
    """
    state = request.app.state.runtime.state
    body: Any = None
    if request.method == "PUT":
        raw = await request.body()
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            return JSONResponse({"error": "body is not valid JSON"}, status_code=400)
        if not isinstance(body, dict):
            return JSONResponse({"error": "body must be an object"}, status_code=400)
    with state.transaction() as db:
        try:
            if request.method == "PUT":
                out = model.set_lifetimes(db, body)
            elif request.method == "DELETE":
                out = model.set_lifetimes(db, {k: None for k in model.LIFETIME_DEFAULTS})
            else:
                out = model.lifetimes(db)
        except ValueError as err:
            return JSONResponse({"error": str(err)}, status_code=400)
    return JSONResponse({"tokenLifetimes": out})


control_routes = [Route("/token-lifetimes", token_lifetimes, methods=["GET", "PUT", "DELETE"])]
