"""Meeting sites: ``/meetingPreferences/sites`` and ``/admin/meeting/config/commonSettings``
([SM] webex-meeting.json; docs/webex-behaviour.md "Sites"). There is no public API to create a site: a site
exists when its org has a meeting license pool with that ``siteUrl``."""

from __future__ import annotations

from typing import Any

from webex_emulator import deviations as dev
from webex_emulator.areas.licenses import model as lic
from webex_emulator.areas.people import model as people
from webex_emulator.core import FULL_ADMIN_ONLY, Area, Ctx, Router, SeedContext, WebexError, bad_request, forbidden, not_found
from webex_emulator.core.errors import MESSAGES

from . import model

router = Router()

OTHER_USER_FORBIDDEN = "Not permitted to view or change other user's preferences."  # spec 403 example


def _target_user(ctx: Ctx, admin_scope: str) -> people.Person:
    """The caller, or ``userEmail``'s user when the caller is an admin with ``admin_scope``."""
    email = ctx.q("userEmail")
    me = people.get(ctx.db, ctx.auth.person_uuid)
    if email and (me is None or me.email_lc != email.strip().lower()):
        if not (ctx.auth.has_scope(admin_scope) and ctx.auth.is_admin):
            raise forbidden(OTHER_USER_FORBIDDEN)
        person = people.by_email(ctx.db, email)
        if person is None or not ctx.auth.can_access_org(person.org_uuid):
            raise not_found(f"User '{email}' not found.")
        return person
    if me is None:
        raise not_found("The token has no user.")
    return me


def _check_lookup_site(ctx: Ctx, org: str) -> None:
    site = ctx.q("siteUrl")
    if site and not lic.site_exists(ctx.db, org, site):
        raise bad_request(f"Invalid siteUrl '{site}'.")


@router.get("/meetingPreferences/sites", scopes=["meeting:preferences_read", "meeting:admin_preferences_read"])
def get_site_list(ctx: Ctx) -> Any:
    user = _target_user(ctx, "meeting:admin_preferences_read")
    _check_lookup_site(ctx, user.org_uuid)
    if user.uuid != ctx.auth.person_uuid:
        # [SM] siteUrl: "If siteUrl is not specified, the query will use the default site for the
        # admin's authorization token": another user is only found on the site searched.
        me = ctx.auth.person_uuid  # None for a token of no person: then no default site
        site = ctx.q("siteUrl") or (model.default_site(ctx.db, me) if me else None)
        if not site or site.lower() not in lic.site_access(ctx.db, user.uuid):
            raise not_found(f"User '{user.email}' not found on site '{site}'.")
    return ctx.ok({"sites": model.site_list(ctx.db, user.uuid)})


@router.put("/meetingPreferences/sites", scopes=["meeting:preferences_write", "meeting:admin_preferences_write"])
def update_default_site(ctx: Ctx) -> Any:
    default_flag = ctx.q_bool("defaultSite", None)
    if default_flag is None:
        raise bad_request("Query parameter 'defaultSite' is required.")
    user = _target_user(ctx, "meeting:admin_preferences_write")
    body = ctx.json_object()
    site = body.get("siteUrl")
    if not isinstance(site, str) or not site.strip():
        raise bad_request("'siteUrl' is required.")
    site = site.strip().lower()
    if site not in lic.site_access(ctx.db, user.uuid):
        # A user can only default to a site where they host or attend (docs/webex-behaviour.md "Sites").
        raise bad_request(f"User does not have access to site '{site}'.")
    if default_flag:
        model.set_default_site(ctx.db, user.uuid, site)
    return ctx.ok({"siteUrl": site, "default": model.default_site(ctx.db, user.uuid) == site})


def _settings_site(ctx: Ctx, *, site_param: bool = True) -> tuple[str, str]:
    org = ctx.org_uuid(None)
    site = ctx.q("siteUrl") if site_param else None
    if not site:
        me = ctx.auth.person_uuid
        site = model.default_site(ctx.db, me) if me else None
        if not site:
            raise bad_request("'siteUrl' is required (the caller has no preferred site).")
    site = site.strip().lower()
    if not lic.site_exists(ctx.db, org, site):
        raise not_found(f"Site '{site}' not found.")
    return org, site


@router.get("/admin/meeting/config/commonSettings", scopes=list(dev.COMMON_SETTINGS_READ_SCOPES), roles=FULL_ADMIN_ONLY)
def get_common_settings(ctx: Ctx) -> Any:
    org, site = _settings_site(ctx)
    return ctx.ok(model.get_settings(ctx.db, org, site))


@router.patch("/admin/meeting/config/commonSettings", scopes=list(dev.COMMON_SETTINGS_WRITE_SCOPES), roles=FULL_ADMIN_ONLY)
def patch_common_settings(ctx: Ctx) -> Any:
    # The spec gives the PATCH no siteUrl: it changes the caller's default site, whatever the
    # query says (deviations.COMMON_SETTINGS_PATCH_IGNORES_SITE_URL).
    org, site = _settings_site(ctx, site_param=not dev.COMMON_SETTINGS_PATCH_IGNORES_SITE_URL)
    patch = ctx.json_object()
    merged, errors = model.merge_patch(model.get_settings(ctx.db, org, site), patch)
    if errors:
        raise WebexError(400, MESSAGES[400], errors=[{"description": e} for e in errors])
    model.put_settings(ctx.db, org, site, merged, ctx.now_iso())
    return ctx.ok(merged)


def seed_org(ctx: SeedContext) -> None:
    for spec in ctx.org.get("sites") or []:
        site = spec["siteUrl"].lower()
        if not lic.site_exists(ctx.db, ctx.org_uuid, site):
            raise ValueError(f"site {site!r} has no meeting license pool in the seed")
        if spec.get("converged"):
            model.set_converged(ctx.db, ctx.org_uuid, site)
        if spec.get("commonSettings"):
            merged, errors = model.merge_patch(model.DEFAULT_COMMON_SETTINGS, spec["commonSettings"])
            if errors:
                raise ValueError(f"site {site}: {'; '.join(errors)}")
            model.put_settings(ctx.db, ctx.org_uuid, site, merged, ctx.now_iso)


AREA = Area(name="sites", router=router, schema=model.SCHEMA, seed_org=seed_org, order=40)
