"""MeetingSite: adopt an existing Webex meeting site and reconcile what is declared about it.

The API cannot create a site (sites come from subscriptions, in Control Hub), so this resource
adopts one by ``siteUrl``: create verifies that the site exists and is licensed for the org,
then applies the declared common settings. Only declared settings are ever compared or
written; delete stops managing the site and touches nothing (docs/webex-behaviour.md "Sites").

Users' default site (``defaultSiteFor``) is declared here too: the users and group members
listed get this site as their default meeting site.

Which site a write reaches (issue 12 item 2): ``PATCH commonSettings`` has no ``siteUrl`` in the
spec and changes the *token's admin's* default site. So ``commonSettings`` are only changed on
the site that is that admin's default: ``check`` (hence preview) fails when a change is due on
another site (settings already as declared are fine anywhere), and every change is read back
from ``?siteUrl=`` (``webex_client`` ``Sites.update_common_settings``).
Users' default sites are looked up on this site (``siteUrl``), not on the admin's default.
"""

from __future__ import annotations

from typing import Any, Literal

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult
from pydantic import Field, field_validator

from webex_client import NotFoundError, PermissionDeniedError
from webex_client.types import sites
from webex_iac.org_model import site_pools

from ._common import Email, Model
from ._provider import Outputs, WebexProvider, WebexResource


# The commonSettings shape is declared once, by the wire models (webex_client/types/sites.py).
# Each input model below subclasses one and adds only what an input needs: no unknown keys
# (Model's config; the wire keeps them), the spec's value sets where the wire also keeps values a
# newer Webex sends, bounds, and the nested models being these input ones.


class SiteOptions(Model, sites.SiteOptions):
    model_config = Model.model_config


class DefaultSchedulerOptions(Model, sites.DefaultSchedulerOptions):
    model_config = Model.model_config

    entry_and_exit_tone: Literal["NoTone", "Beep", "AnnounceName"] | None = None
    telephony_support: Literal["None", "WebexTeleconferencing", "Other"] | None = None


class ScheduleMeetingOptions(Model, sites.ScheduleMeetingOptions):
    model_config = Model.model_config


class PasswordCriteria(Model, sites.PasswordCriteria):
    model_config = Model.model_config

    min_length: int | None = Field(default=None, ge=0, le=12)
    min_numeric: int | None = Field(default=None, ge=0, le=12)
    min_alpha: int | None = Field(default=None, ge=0, le=12)
    min_special: int | None = Field(default=None, ge=0, le=12)

    @field_validator("disallow_values")
    @classmethod
    def _no_repeats(cls, v: list[str] | None) -> list[str] | None:
        if v is not None and len(set(v)) != len(v):
            raise ValueError("Repeated items are not allowed in disallowValues.")
        return v


class SecurityOptions(Model, sites.SecurityOptions):
    model_config = Model.model_config

    password_criteria: PasswordCriteria | None = None


class CommonSettings(Model, sites.CommonSettings):
    """The writable part of ``/admin/meeting/config/commonSettings`` (telephonyConfig is read-only)."""

    model_config = Model.model_config

    site_options: SiteOptions | None = None
    default_scheduler_options: DefaultSchedulerOptions | None = None
    schedule_meeting_options: ScheduleMeetingOptions | None = None
    security_options: SecurityOptions | None = None


class Holders(Model):
    users: list[Email] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)


class MeetingSiteArgs(Model):
    """Inputs of a :class:`MeetingSite`."""

    site_url: str = Field(description="The site, e.g. acme.webex.com.")
    owner: str | None = None
    common_settings: CommonSettings | None = Field(default=None, description="Only the settings given are managed.")
    default_site_for: Holders | None = Field(default=None, description="Users and groups whose default site this is.")


class MeetingSiteOutputs(Outputs):
    """What a :class:`MeetingSite` adds to its inputs in the state."""

    license_pools: list[str] | None = Field(default=None, description="Ids of the org's license pools on this site.")
    default_site_users: int | None = Field(default=None, description="How many users have this site as default.")


def _declared(settings: dict[str, Any]) -> dict[str, Any]:
    """Leaves of a nested dict, as {'a.b': value}."""
    out: dict[str, Any] = {}
    for k, v in settings.items():
        if isinstance(v, dict):
            out.update({f"{k}.{kk}": vv for kk, vv in _declared(v).items()})
        else:
            out[k] = v
    return out


def settings_changes(declared: CommonSettings | None, live: dict[str, Any]) -> dict[str, Any]:
    """The nested PATCH body of declared settings whose live value differs."""
    if declared is None:
        return {}
    want = _declared(declared.to_props())
    have = _declared(live)
    body: dict[str, Any] = {}
    for path, value in want.items():
        current = have.get(path)
        same = (str(current).lower() == str(value).lower()) if isinstance(value, str) else current == value
        if not same:
            node = body
            *parents, leaf = path.split(".")
            for p in parents:
                node = node.setdefault(p, {})
            node[leaf] = value
    return body


class MeetingSiteProvider(WebexProvider[MeetingSiteArgs]):
    args_model = MeetingSiteArgs
    outputs_model = MeetingSiteOutputs

    def check_args(self, args: MeetingSiteArgs, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = []
        snap = self.runtime.snapshot
        if not self._pool_ids(args.site_url):
            failures.append(CheckFailure("siteUrl", self._not_licensed(args.site_url)))
        for email in args.default_site_for.users if args.default_site_for else []:
            if snap.person(email) is None:
                failures.append(CheckFailure("defaultSiteFor.users", f"{email} is not a person in the org"))
        for group in args.default_site_for.groups if args.default_site_for else []:
            if snap.group_member_ids(group) is None:
                failures.append(CheckFailure("defaultSiteFor.groups", f"group {group!r} does not exist in the org"))
        if args.common_settings is not None and not failures:
            # Reading proves the scope and site-admin role in preview; a change can only be
            # written to the caller's default site (see the module docstring).
            live = self.runtime.client.sites.get_common_settings(args.site_url).to_api()
            if settings_changes(args.common_settings, live):
                problem = self.runtime.client.sites.patch_target_problem(args.site_url)
                if problem:
                    failures.append(CheckFailure("commonSettings", problem))
        return CheckResult(self.inputs(args, news), failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        args = self.parse(news)
        if olds.get("siteUrl", "").lower() != args.site_url.lower():
            return DiffResult(changes=True, replaces=["siteUrl"])
        live = self.runtime.client.sites.get_common_settings(args.site_url).to_api()
        changed = bool(settings_changes(args.common_settings, live)) or bool(self._default_site_changes(args))
        return DiffResult(changes=changed or self.declaration_changed(olds, news), replaces=[])

    def create(self, props: dict[str, Any]) -> CreateResult:
        args = self.parse(props)
        if not self._pool_ids(args.site_url):
            raise ValueError(self._not_licensed(args.site_url))
        return CreateResult(id_=args.site_url.lower(), outs=self._apply(args, props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs=self._apply(self.parse(news), news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        if not self._pool_ids(id_):
            return ReadResult(None, {})
        return ReadResult(
            id_,
            self.outputs(
                self.parse(props), props, license_pools=self._pool_ids(id_), default_site_users=props.get("defaultSiteUsers")
            ),
        )

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None  # stop managing; the site and its settings stay as they are

    # -- helpers ---------------------------------------------------------------------------
    def _pool_ids(self, site_url: str) -> list[str]:
        return sorted(lic.id for lic in site_pools(self.runtime.snapshot.licenses().values(), site_url))

    @staticmethod
    def _not_licensed(site_url: str) -> str:
        return (
            f"site {site_url} is not licensed for this org: no license pool has siteUrl {site_url}. "
            "Sites cannot be created through the API; add the subscription in Control Hub first"
        )

    def _default_site_users(self, args: MeetingSiteArgs) -> list[str]:
        if not args.default_site_for:
            return []
        snap = self.runtime.snapshot
        emails = set(args.default_site_for.users)
        for group in args.default_site_for.groups:
            for pid in snap.group_member_ids(group) or []:
                person = snap.person_by_id(pid)
                if person:
                    emails.add(snap.primary_email(person))
        return sorted(emails)

    def _default_site_changes(self, args: MeetingSiteArgs) -> list[str]:
        client = self.runtime.client
        users = self._default_site_users(args)

        def needs(email: str) -> bool:
            try:  # searched on this site: without siteUrl only the admin's default is searched
                current = client.sites.get_default(user_email=email, site_url=args.site_url)
            except NotFoundError:  # not (yet) on this site: setting the default will say why
                return True
            return current is None or current.site_url.lower() != args.site_url.lower()

        results = client.map_concurrent(needs, users)
        results.raise_first()
        return [email for email, r in zip(users, results) if r.value]

    def _apply(self, args: MeetingSiteArgs, news: dict[str, Any]) -> dict[str, Any]:
        client = self.runtime.client
        live = client.sites.get_common_settings(args.site_url).to_api()
        body = settings_changes(args.common_settings, live)
        if body:
            client.sites.update_common_settings(body, site_url=args.site_url)
        pending = self._default_site_changes(args)
        results = client.map_concurrent(lambda e: client.sites.set_default(args.site_url, user_email=e), pending)
        denied = next((r.error for r in results if not r.ok and isinstance(r.error, PermissionDeniedError)), None)
        if denied is not None:
            raise denied  # the token's scope or role: one sentence naming it, not one per user
        failed = [f"{e}: {r.error}" for e, r in zip(pending, results) if not r.ok]
        if failed:
            raise RuntimeError(f"default site not set for {len(failed)} users:\n  " + "\n  ".join(failed[:20]))
        return self.outputs(
            args, news, license_pools=self._pool_ids(args.site_url), default_site_users=len(self._default_site_users(args))
        )


class MeetingSite(WebexResource, kind="MeetingSite"):
    """An adopted meeting site; see the module docstring."""

    provider_class = MeetingSiteProvider
    licensePools: pulumi.Output[list]
    defaultSiteUsers: pulumi.Output[int]

    def __init__(self, resource_name: str, args: MeetingSiteArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(resource_name, args, opts)
