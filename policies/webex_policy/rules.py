"""The webex-iac policies: each one a pure check over plain dicts, wrapped as a CrossGuard policy.

Checks take the resource inputs exactly as the providers' ``check`` returned them (camelCase),
plus ``source`` (file:line) from the stack file the pack loads (``StackContext.locate``; inputs
and state never carry it), and return violation messages.
Every message starts with the offending resource, e.g.
``StandingMeeting 'weekly-sync' (stacks/dev.yaml:147): host bob@acme.example.com ...``, and
names the user where one is concerned. See policies/README.md for levels, config, the data
each policy uses and what happens when that data is unavailable.

Fail closed: a check that needs data it cannot get raises :class:`~.context.Missing`, and the
wrapper reports a violation naming what is missing; a check that crashes is reported too.
"""

from __future__ import annotations

import json
import re
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Callable

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ResourceValidationPolicy,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from . import packconfig
from .context import CONTEXT, Missing, StackContext, explain, norm

from resources import TYPE_PREFIX  # one definition for every kind (resources/_provider.py)
from webex_client.types.licenses import pool_label
from webex_iac.org_model import site_pools


class _Unknown:
    """A value the engine does not know during preview (an output of another resource)."""

    def __repr__(self) -> str:
        return "<unknown during preview>"

    def __bool__(self) -> bool:
        return False


UNKNOWN = _Unknown()


# A Service App of this toolkit provisions what the toolkit's own token does (webex_client.scopes,
# the one list the README and the tests use too) and issues guests.
SERVICE_APP_EXTRA_SCOPES = ["guest-issuer:read", "guest-issuer:write"]


def _default_allowed_scopes() -> list[str]:
    from webex_client.scopes import ADMIN_TOKEN_SCOPES

    return sorted(set(ADMIN_TOKEN_SCOPES) | set(SERVICE_APP_EXTRA_SCOPES))


DEFAULT_ALLOWED_SCOPES = _default_allowed_scopes()

# Fragments of config key names that hold secrets. Compared against the key name without its
# namespace, lower-cased with everything but letters and digits removed, so `partnerApiKey`,
# `partner_api_key` and `PARTNER-API-KEY` are all `partnerapikey` (contains `apikey`).
DEFAULT_SECRET_KEY_FRAGMENTS = [
    "secret",
    "token",
    "passw",
    "pwd",
    "passphrase",
    "apikey",
    "privatekey",
    "accesskey",
    "signingkey",
    "encryptionkey",
    "masterkey",
    "sessionkey",
    "credential",
    "bearer",
    "cookie",
    "connectionstring",
    "dsn",
    "pem",
    "pkcs",
    "jwt",
]
# Keys that contain a fragment but are settings, not secrets (the client's own knobs).
DEFAULT_NOT_SECRET_KEYS = ["webex:tokenRefreshMarginSeconds"]
PEM_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")

# Default config of every policy (the policy-pack config overrides any key).
DEFAULTS: dict[str, dict[str, Any]] = {
    "license-capacity": {},
    "host-licensed-on-site": {},
    "cohost-licensed-on-site": {},
    "no-space-destination": {},
    "service-app-scopes": {"allowedScopes": DEFAULT_ALLOWED_SCOPES, "additionalScopes": []},
    "no-plaintext-secrets": {"secretKeyFragments": DEFAULT_SECRET_KEY_FRAGMENTS, "notSecretKeys": DEFAULT_NOT_SECRET_KEYS},
    "protected-holders": {"protectedUsers": [], "protectedGroups": []},
    "change-size-guard": {"maxLicenseRemovals": 25, "maxLicenseRemovalsCeiling": 100},
    "deletion-limit": {"maxMeetingDeletions": 3, "maxMeetingDeletionsCeiling": 20},
    "ownership": {"ownerPattern": r"(?s).*\S.*", "kinds": ["StandingMeeting", "LicenseDistribution"]},
}


# --- plain values ------------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """pulumi-policy's lazy proxies to plain dicts/lists; unknown values become UNKNOWN."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        out = {}
        for k in value:
            try:
                out[k] = plain(value[k])
            except UnknownValueError:
                out[k] = UNKNOWN
        return out
    if isinstance(value, Sequence):
        out_list = []
        for i in range(len(value)):
            try:
                out_list.append(plain(value[i]))
            except UnknownValueError:
                out_list.append(UNKNOWN)
        return out_list
    return value


def kind_of(resource_type: str) -> str | None:
    return resource_type[len(TYPE_PREFIX) :] if resource_type.startswith(TYPE_PREFIX) else None


def where(props: Mapping[str, Any]) -> str:
    src = props.get("source")
    return src if isinstance(src, str) and src else "source unknown"


def first_pool_source(props: Mapping[str, Any]) -> str:
    pools = props.get("pools")
    if isinstance(pools, list) and pools and isinstance(pools[0], dict):
        return where(pools[0])
    return where(props)


def describe_ref(ref: Any) -> str:
    if not isinstance(ref, dict):
        return "?"
    for key in ("siteUrl", "name", "id"):
        if ref.get(key):
            return f"{{{key}: {ref[key]}}}"
    return "?"


def _pools(props: Mapping[str, Any]) -> list[dict[str, Any]]:
    pools = props.get("pools")
    return [p for p in pools if isinstance(p, dict)] if isinstance(pools, list) else []


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _emails(value: Any) -> list[str]:
    return [e.strip().lower() for e in _strings(value) if e.strip()]


@dataclass
class Holders:
    """Who a pool declares, resolved against the org (person ids)."""

    ids: set[str] = field(default_factory=set)
    users: int = 0
    group_members: int = 0
    unresolved_groups: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)


def declared_holders(pool: Mapping[str, Any], org) -> Holders:
    h = Holders()
    users = set(_emails(pool.get("users")))
    h.groups = [g.strip() for g in _strings(pool.get("groups"))]
    h.users = len(users)
    for email in users:
        pid = org.person_id(email)
        h.ids.add(pid if pid is not None else f"email:{email}")  # unknown users: the provider's check
    before = len(h.ids)
    for group in h.groups:
        members = org.group_member_ids(group)
        if members is None:
            h.unresolved_groups.append(group)
        else:
            h.ids.update(members)
    h.group_members = len(h.ids) - before
    return h


@dataclass
class Res:
    kind: str
    name: str
    urn: str
    props: dict[str, Any]


Found = list[tuple[str, str | None]]


# --- license-capacity ------------------------------------------------------------------------------


@dataclass
class _PoolEntry:
    dist: Res
    pool: dict[str, Any]
    holders: Holders

    @property
    def label(self) -> str:
        return f"LicenseDistribution '{self.dist.name}', pool {describe_ref(self.pool.get('license'))} ({where(self.pool)})"


def check_license_capacity(resources: list[Res], ctx: StackContext, config: Mapping[str, Any]) -> Found:
    """All pools that name one live license (by siteUrl, name or id, in any case), over every
    distribution of the stack, fit that license's live totalUnits together."""
    dists = [r for r in resources if r.kind == "LicenseDistribution"]
    if not dists:
        return []
    org = ctx.org()
    by_license: dict[str, list[_PoolEntry]] = {}
    licenses: dict[str, Any] = {}
    for d in dists:
        for pool in _pools(d.props):
            lic = org.resolve(pool.get("license"))
            if isinstance(lic, str):
                continue  # an unresolvable pool fails the provider's check, which names it
            licenses[lic.id] = lic
            by_license.setdefault(lic.id, []).append(_PoolEntry(d, pool, declared_holders(pool, org)))
    out: Found = []
    for lic_id, entries in by_license.items():
        lic = licenses[lic_id]
        urns = {e.dist.urn for e in entries}
        urn = next(iter(urns)) if len(urns) == 1 else None
        if len(entries) > 1:
            out.append(
                (
                    f"{entries[0].label}: license {pool_label(lic)} is declared by {len(entries)} pools: "
                    + "; ".join(e.label for e in entries)
                    + ". One license is one pool: merge them into one (they are counted together below)",
                    urn,
                )
            )
        if lic.total_units is None:
            out.append(
                (f"{entries[0].label}: the org reports no totalUnits for {pool_label(lic)}; its capacity cannot be checked", urn)
            )
            continue
        holders: set[str] = set()
        for e in entries:
            holders |= e.holders.ids
        kept = 0
        if all(e.pool.get("exclusive") is False for e in entries):  # nobody is removed: current holders stay
            live = org.holders(lic_id)
            kept = len(live - holders)
            holders |= live
        if len(holders) <= lic.total_units:
            continue
        users = sum(e.holders.users for e in entries)
        parts = [f"{users} users"]
        groups = sorted({g for e in entries for g in e.holders.groups})
        unresolved = sorted({g for e in entries for g in e.holders.unresolved_groups})
        if groups and not unresolved:
            parts.append(f"members of groups {', '.join(groups)}")
        elif unresolved:
            parts.append(f"groups {', '.join(unresolved)} not found, not counted")
        if kept:
            parts.append(f"{kept} current holders a non-exclusive pool keeps")
        at_least = "at least " if unresolved else ""
        what = entries[0].label if len(entries) == 1 else f"{len(entries)} pools of {pool_label(lic)}"
        out.append(
            (
                f"{what}: {at_least}{len(holders)} holders ({' + '.join(parts)}) exceed the {lic.total_units} units "
                f"(the live totalUnits of {pool_label(lic)}); remove {len(holders) - lic.total_units} holders "
                f"or add units to the subscription",
                urn,
            )
        )
    return out


# --- host-licensed-on-site ------------------------------------------------------------------------


@dataclass
class _Managed:
    """A pool of this stack naming one live license: who it declares."""

    dist: str
    source: str
    exclusive: bool
    ids: set[str]


def _managed_pools(dists: list[Res], org) -> dict[str, list[_Managed]]:
    """The stack's pools by live license id."""
    managed: dict[str, list[_Managed]] = {}
    for d in dists:
        for pool in _pools(d.props):
            lic = org.resolve(pool.get("license"))
            if isinstance(lic, str):
                continue
            managed.setdefault(lic.id, []).append(
                _Managed(d.name, where(pool), pool.get("exclusive") is not False, declared_holders(pool, org).ids)
            )
    return managed


def _site_license(pid: str, pools: list, managed: dict[str, list[_Managed]], org) -> tuple[bool, list[_Managed]]:
    """Whether person ``pid`` holds, or is declared to hold, a meeting license of the site after
    this change; if not, the exclusive pools of this stack that take away the one they hold now."""
    licensed, losing = False, list[_Managed]()
    for lic in pools:
        holds_now = pid in org.holders(lic.id)
        entries = managed.get(lic.id)
        if entries is None:
            licensed = licensed or holds_now
            continue
        if any(pid in e.ids for e in entries) or (holds_now and not any(e.exclusive for e in entries)):
            licensed = True
        elif holds_now:
            losing.extend(e for e in entries if e.exclusive)
    return licensed, losing


def check_hosts_licensed(resources: list[Res], ctx: StackContext, config: Mapping[str, Any]) -> Found:
    """Every meeting's host holds, or is declared to hold, a meeting license on its site."""
    dists = [r for r in resources if r.kind == "LicenseDistribution"]
    meetings = [r for r in resources if r.kind == "StandingMeeting"]
    if not meetings:
        return []
    try:
        org = ctx.org()
    except Missing as missing:
        return _unconfirmed(dists, [(m, "host", str(m.props.get("host") or "")) for m in meetings], missing)
    managed = _managed_pools(dists, org)
    out: Found = []
    for m in meetings:
        host, site = m.props.get("host"), m.props.get("siteUrl")
        if not isinstance(host, str) or not isinstance(site, str):
            continue  # unknown during preview; the provider checks it at create
        host, site = host.strip().lower(), site.strip().lower()
        pid = org.person_id(host)
        pools = site_pools(org.licenses(), site)
        if pid is None or not pools:
            continue  # unknown host or site: the provider's check refuses it, naming it
        licensed, losing = _site_license(pid, pools, managed, org)
        if licensed:
            continue
        if losing:
            e = losing[0]
            out.append(
                (
                    f"StandingMeeting '{m.name}' ({where(m.props)}): host {host} holds the meeting license on {site} "
                    f"now but would lose it: LicenseDistribution '{e.dist}' (pool at {e.source}) does not declare "
                    f"them; declare the host in that pool (users or a group)",
                    m.urn,
                )
            )
        else:
            out.append(
                (
                    f"StandingMeeting '{m.name}' ({where(m.props)}): host {host} holds no meeting license on {site} "
                    f"and none is declared in this stack; add the host to a LicenseDistribution pool with "
                    f"license {{siteUrl: {site}}}",
                    m.urn,
                )
            )
    return out


def _unconfirmed(dists: list[Res], people: list[tuple[Res, str, str]], missing: Missing) -> Found:
    """Without the org only a pool of the site that lists the person by email proves the license.
    ``people``: (meeting, who — ``host`` or ``invitees[i]: co-host``, email)."""
    out: Found = []
    for m, role, email in people:
        email = email.strip().lower()
        site = str(m.props.get("siteUrl") or "").strip().lower()
        declared = any(
            email in _emails(p.get("users"))
            for d in dists
            for p in _pools(d.props)
            if str((p.get("license") or {}).get("siteUrl") or "").strip().lower() == site
        )
        if not declared:
            out.append(
                (
                    f"StandingMeeting '{m.name}' ({where(m.props)}): {role} {email}'s meeting license on {site} "
                    f"cannot be confirmed: missing {missing}, and no pool of {site} in this stack lists them "
                    f"by email",
                    m.urn,
                )
            )
    return out


# --- cohost-licensed-on-site -----------------------------------------------------------------------


def _cohosts(props: Mapping[str, Any]) -> list[tuple[int, str]]:
    """(index, email) of each invitee declared ``coHost: true`` (the host is never an invitee)."""
    host = str(props.get("host") or "").strip().lower()
    invitees = props.get("invitees")
    out = []
    for i, inv in enumerate(invitees if isinstance(invitees, list) else []):
        email = inv.get("email") if isinstance(inv, dict) and inv.get("coHost") is True else None
        if isinstance(email, str) and email.strip() and email.strip().lower() != host:
            out.append((i, email.strip().lower()))
    return out


def check_cohosts_licensed(resources: list[Res], ctx: StackContext, config: Mapping[str, Any]) -> Found:
    """Every declared co-host holds, or is declared to hold, a meeting license on the meeting's
    site. Webex keeps anyone else as a plain invitee without an error ([SM] createMeeting
    invitees: "not qualified to be a cohost will be invited as a non-cohost invitee"), so the
    declaration could never be met: refused here, before any write. A policy, not the provider's
    check, for the host rule's reason: the license may come from a pool of this same stack."""
    dists = [r for r in resources if r.kind == "LicenseDistribution"]
    meetings = [r for r in resources if r.kind == "StandingMeeting" and _cohosts(r.props)]
    if not meetings:
        return []
    try:
        org = ctx.org()
    except Missing as missing:
        return _unconfirmed(dists, [(m, f"invitees[{i}]: co-host", e) for m in meetings for i, e in _cohosts(m.props)], missing)
    managed = _managed_pools(dists, org)
    out: Found = []
    for m in meetings:
        raw_site = m.props.get("siteUrl")
        site = raw_site.strip().lower() if isinstance(raw_site, str) else ""
        pools = site_pools(org.licenses(), site) if site else []
        if not pools:
            continue  # unknown during preview, or not a site: the provider's check names it
        for i, email in _cohosts(m.props):
            who = f"StandingMeeting '{m.name}' ({where(m.props)}): invitees[{i}]: co-host {email}"
            pid = org.person_id(email)
            licensed, losing = _site_license(pid, pools, managed, org) if pid else (False, [])
            if licensed:
                continue
            if pid is None:
                why = (
                    f"is not a person of this org: Webex keeps them as a plain invitee (only someone who "
                    f"holds a meeting license on {site} can be a co-host); declare coHost: false"
                )
            elif losing:
                why = (
                    f"holds the meeting license on {site} now but would lose it: LicenseDistribution "
                    f"'{losing[0].dist}' (pool at {losing[0].source}) does not declare them, and Webex keeps "
                    f"a co-host without it as a plain invitee; declare them in that pool, or coHost: false"
                )
            else:
                why = (
                    f"holds no meeting license on {site}: Webex keeps them as a plain invitee; add them to a "
                    f"LicenseDistribution pool with license {{siteUrl: {site}}}, or declare coHost: false"
                )
            out.append((f"{who} {why}", m.urn))
    return out


# --- no-space-destination --------------------------------------------------------------------------


def check_no_space_destination(
    kind: str, name: str, props: Mapping[str, Any], ctx: StackContext, config: Mapping[str, Any]
) -> list[str]:
    """A space (roomId) is no longer a meeting destination (error 30105), declared or adopted."""
    from resources import ERROR_30105

    out = []
    for key in ("roomId", "spaceId"):
        value = props.get(key)
        if value:
            out.append(
                f"StandingMeeting '{name}' ({where(props)}): {key} {str(value)!r} is a space destination. "
                f"{ERROR_30105} Remove {key}; the meeting is joined by its meetingNumber, sipAddress or webLink."
            )
    adopt = props.get("adoptMeetingId")
    if isinstance(adopt, str) and adopt.strip():
        org = ctx.org()
        host = props.get("host") if isinstance(props.get("host"), str) else None
        try:
            live = org.meeting(adopt.strip(), host)
        except Exception as e:  # noqa: BLE001 - not found, forbidden, unreadable: all unconfirmed
            status = getattr(e, "status", None)
            if status == 404:
                return out + [
                    f"StandingMeeting '{name}' ({where(props)}): adoptMeetingId {adopt} names no meeting "
                    f"series of host {host} in the org; fix the id (webex-iac discover lists them)"
                ]
            raise Missing(f"the adopted meeting {adopt} ({explain(e)})") from None
        if getattr(live, "room_id", None):
            out.append(
                f"StandingMeeting '{name}' ({where(props)}): adoptMeetingId {adopt} is a space meeting "
                f"(roomId {live.room_id} in the org). {ERROR_30105} Migrate it instead of adopting it: remove "
                f"adoptMeetingId so this stack creates a new series addressed by meetingId/SIP URL, send its "
                f"link to the space's members, then delete the space meeting in the space"
            )
    return out


# --- service-app-scopes ------------------------------------------------------------------------------


def check_service_app_scopes(
    kind: str, name: str, props: Mapping[str, Any], ctx: StackContext, config: Mapping[str, Any]
) -> list[str]:
    """The declared scopes and the scopes the org really granted the app are on the allow-list."""
    allowed = {
        s.strip()
        for s in _strings(config.get("allowedScopes", DEFAULT_ALLOWED_SCOPES)) + _strings(config.get("additionalScopes", []))
    }
    label = f"ServiceApp '{name}' ({where(props)})"
    out = [
        f"{label}: declared scope {s!r} is not in the allow-list (service-app-scopes.allowedScopes in the "
        f"policy-pack config); drop it or have it approved"
        for s in _strings(props.get("scopes"))
        if s.strip() not in allowed
    ]
    try:
        granted = _granted_scopes(props, ctx)
    except Missing as e:
        return out + [_missing("service-app-scopes", label, e)]
    out += [
        f"{label}: the org granted scope {s!r}, which is not in the allow-list (service-app-scopes.allowedScopes "
        f"in the policy-pack config); register the app with only the scopes it needs and re-authorize it"
        for s in granted
        if s not in allowed
    ]
    return out


def _granted_scopes(props: Mapping[str, Any], ctx: StackContext) -> list[str]:
    app_id, client_id, secret_key = props.get("applicationId"), props.get("clientId"), props.get("clientSecretConfig")
    if not (
        isinstance(app_id, str)
        and app_id
        and isinstance(client_id, str)
        and client_id
        and isinstance(secret_key, str)
        and secret_key
    ):
        raise Missing("the app's identity (applicationId, clientId, clientSecretConfig) in its inputs")
    secret = ctx.require_config().get(ctx.qualified(secret_key.strip()))
    if not secret:
        raise Missing(
            f"the client secret (stack config {ctx.qualified(secret_key.strip())} is not set), without "
            f"which the scopes the org granted the app cannot be read"
        )
    recorded = _recorded_scopes(app_id, ctx)
    if recorded is not None:
        return recorded
    org = ctx.org()
    target = props.get("targetOrgId") if isinstance(props.get("targetOrgId"), str) else None
    try:
        target = target or org.config.org_id or org.client.people.me().org_id
        if not target:
            raise Missing("the org's id (webex:orgId; the token's own person has none)")
        return org.granted_scopes(app_id, client_id, secret, target)
    except Missing:
        raise
    except Exception as e:  # noqa: BLE001
        status = getattr(e, "status", None)
        why = (
            (
                "the app is not authorized for the org (a Full Admin authorizes it in Control Hub > Apps > "
                "Service Apps; or webex:mintingToken lacks spark:applications_token)"
            )
            if status == 403
            else explain(e, credentials="webex:mintingToken")
        )
        raise Missing(f"the scopes the org granted the app ({why})") from None


def _recorded_scopes(app_id: str, ctx: StackContext) -> list[str] | None:
    """For an app already in the stack, the scopes the org granted at its last token mint or
    renewal (the provider records them as ``grantedScopes``): no token is minted in a preview."""
    try:
        prior = ctx.prior_resources()
    except Missing:
        return None  # then mint, as for a new app
    for old in prior:
        if kind_of(str(old.get("type") or "")) != "ServiceApp" or old.get("delete"):
            continue
        outputs = old.get("outputs") or {}
        if outputs.get("applicationId") == app_id and isinstance(outputs.get("grantedScopes"), list):
            return sorted(str(x) for x in outputs["grantedScopes"])
    return None


# --- ownership -----------------------------------------------------------------------------------------


def check_ownership(kind: str, name: str, props: Mapping[str, Any], ctx: StackContext, config: Mapping[str, Any]) -> list[str]:
    kinds = _strings(config.get("kinds", DEFAULTS["ownership"]["kinds"]))
    if kind not in kinds:
        return []
    pattern = config.get("ownerPattern", DEFAULTS["ownership"]["ownerPattern"])
    owner = props.get("owner")
    src = first_pool_source(props) if kind == "LicenseDistribution" else where(props)
    if not isinstance(owner, str) or not owner.strip():
        return [f"{kind} '{name}' ({src}): no owner declared; add `owner: <team or email>` so reviewers know who to ask"]
    if not re.fullmatch(pattern, owner.strip()):
        return [
            f"{kind} '{name}' ({src}): owner {owner!r} does not match ownership.ownerPattern {pattern!r} "
            f"(the whole owner must match)"
        ]
    return []


# --- protected-holders ------------------------------------------------------------------------------


def check_protected_holders(resources: list[Res], ctx: StackContext, config: Mapping[str, Any]) -> Found:
    """Protected users, and members of protected groups, keep every license they hold now."""
    dists = [r for r in resources if r.kind == "LicenseDistribution"]
    if not dists:
        return []  # nothing in this stack can take a license away
    settings = ctx.settings(resources)
    org = ctx.org()
    out: Found = []
    protected: dict[str, str] = {}
    sources = [
        (
            _strings(config.get("protectedUsers", [])),
            _strings(config.get("protectedGroups", [])),
            "the protected-holders policy-pack config",
        ),
        (settings.protected_users, settings.protected_groups, f"the policy section of {ctx.stack_file}"),
    ]
    for users, groups, origin in sources:
        for raw in users:
            pid = org.person_id(raw)
            if pid is None:
                out.append(
                    (
                        f"protectedUsers names nobody called {raw.strip()!r} in the org (listed in {origin}); "
                        f"fix the email or remove it: a protection that matches nobody protects nobody",
                        None,
                    )
                )
            else:
                protected.setdefault(pid, f"listed in protectedUsers of {origin}")
        for raw in groups:
            members = org.group_member_ids(raw)
            if members is None:
                out.append(
                    (
                        f"protectedGroups names no group called {raw.strip()!r} in the org (listed in {origin}); "
                        f"fix the name or remove it: a protection that matches nothing protects nobody",
                        None,
                    )
                )
                continue
            group = org.group(raw)
            for pid in members:
                protected.setdefault(pid, f"member of group '{group.display_name}', listed in protectedGroups of {origin}")
    if not protected:
        return out
    for d in dists:
        for pool in _pools(d.props):
            if pool.get("exclusive") is False:
                continue  # a non-exclusive pool never removes anyone
            lic = org.resolve(pool.get("license"))
            if isinstance(lic, str):
                continue
            declared = declared_holders(pool, org).ids
            losing = (org.holders(lic.id) & protected.keys()) - declared
            for pid in sorted(losing, key=org.email):
                out.append(
                    (
                        f"LicenseDistribution '{d.name}', pool {describe_ref(pool.get('license'))} ({where(pool)}): "
                        f"protected user {org.email(pid)} holds {pool_label(lic)} now and would lose it "
                        f"({protected[pid]}); declare them in this pool's users or groups",
                        d.urn,
                    )
                )
    return out


# --- change-size-guard ---------------------------------------------------------------------------------


def _limit(
    ctx: StackContext, config: Mapping[str, Any], policy: str, key: str, stack_value: int | None
) -> tuple[int, str, list[str]]:
    """The limit in force: the stack file's value up to the pack config's ceiling, else the pack's default."""
    default = int(config.get(key, DEFAULTS[policy][key]))
    ceiling = int(config.get(f"{key}Ceiling", DEFAULTS[policy][f"{key}Ceiling"]))
    problems: list[str] = []
    if stack_value is None:
        return min(default, ceiling), f"{policy}.{key} in the policy-pack config", problems
    if stack_value > ceiling:
        problems.append(
            f"policy.{key}: {stack_value} in {ctx.stack_file} is above the ceiling of {ceiling} set by the policy-pack "
            f"config ({policy}.{key}Ceiling): a stack file may lower the limit or raise it up to the ceiling, not past "
            f"it. Split the change, or have the pack config's ceiling raised (reviewed by the pack's owners)"
        )
        return ceiling, f"the ceiling {policy}.{key}Ceiling", problems
    return stack_value, f"policy.{key} in {ctx.stack_file}", problems


def check_change_size(resources: list[Res], ctx: StackContext, config: Mapping[str, Any]) -> Found:
    """One change removes at most N licenses (the plans' losses over all distributions)."""
    limit, origin, problems = _limit(
        ctx, config, "change-size-guard", "maxLicenseRemovals", ctx.settings(resources).max_license_removals
    )
    out: Found = [(p, None) for p in problems]
    unchanged = _unchanged(resources, ctx)
    total, rows, urns = 0, [], set()
    for d in (r for r in resources if r.kind == "LicenseDistribution"):
        if d.urn in unchanged:
            continue  # its plan is the last run's, already applied: this change removes nothing there
        plan = d.props.get("plan")
        if not isinstance(plan, list) and "live" in d.props:
            # Stack policies see outputs (engine: AnalyzeStack runs on "the final outputs"): an
            # unchanged distribution in a preview, every one after `up` applied. Outputs carry
            # `live`, never the plan: nothing of this one is pending. (Added by H11, issue 11.)
            continue
        if not isinstance(plan, list):
            out.append(
                (
                    f"LicenseDistribution '{d.name}' ({first_pool_source(d.props)}): its inputs carry no plan "
                    f"(the provider computes it in check), so the licenses it removes cannot be counted",
                    d.urn,
                )
            )
            continue
        pools = _pools(d.props)
        for i, entry in enumerate(plan):
            if not isinstance(entry, dict):
                continue
            losses = int(entry.get("losses") or 0)
            if not losses:
                continue
            total += losses
            urns.add(d.urn)
            src = where(pools[i]) if i < len(pools) else first_pool_source(d.props)
            losers = [x.strip() for x in str(entry.get("losers") or "").split(",") if x.strip() and not x.strip().startswith("…")]
            shown = ", ".join(losers[:10]) + (f", … ({losses - 10} more)" if losses > 10 else "")
            rows.append(f"LicenseDistribution '{d.name}', pool {entry.get('pool')} ({src}) removes {losses}: {shown}")
    if total > limit:
        out.append(
            (
                f"this change removes {total} licenses, more than the {limit} allowed ({origin}): "
                + "; ".join(rows)
                + f". Split the change, or allow it explicitly with `policy: {{maxLicenseRemovals: {total}}}` "
                f"in {ctx.stack_file} (reviewed in the PR; at most the pack config's ceiling)",
                next(iter(urns)) if len(urns) == 1 else None,
            )
        )
    return out


def _unchanged(resources: list[Res], ctx: StackContext) -> set[str]:
    """URNs this change leaves as they are. Stack policies see each resource's *outputs*; for an
    unchanged resource those are the last run's (with the last run's plan), identical to its
    state. Without the state nothing is taken as unchanged (counting more, never less)."""
    try:
        prior = {str(o.get("urn")): o.get("outputs") for o in ctx.prior_resources()}
    except Missing:
        return set()
    return {r.urn for r in resources if prior.get(r.urn) is not None and prior[r.urn] == r.props}


# --- deletion-limit --------------------------------------------------------------------------------------


def check_deletion_limit(resources: list[Res], ctx: StackContext, config: Mapping[str, Any]) -> Found:
    """One change deletes or replaces at most N meeting series (declarations removed, or host/site changed)."""
    limit, origin, problems = _limit(
        ctx, config, "deletion-limit", "maxMeetingDeletions", ctx.settings(resources).max_meeting_deletions
    )
    out: Found = [(p, None) for p in problems]
    current = {r.urn: r for r in resources if r.kind == "StandingMeeting"}
    gone: list[str] = []
    for old in ctx.prior_resources():
        if kind_of(str(old.get("type") or "")) != "StandingMeeting" or old.get("delete"):
            continue
        urn = str(old.get("urn") or "")
        name = urn.rsplit("::", 1)[-1]
        inputs = old.get("inputs") or {}
        series = (old.get("outputs") or {}).get("meetingId") or old.get("id") or "?"
        now = current.get(urn)
        if now is None:
            gone.append(f"'{name}' (series {series}, host {inputs.get('host')}): removed from the stack file")
            continue
        for key in ("host", "siteUrl"):
            before, after = inputs.get(key), now.props.get(key)
            if isinstance(before, str) and isinstance(after, str) and norm(before) != norm(after):
                gone.append(f"'{name}' (series {series}, {where(now.props)}): {key} {before} → {after} replaces the series")
                break
    if len(gone) > limit:
        out.append(
            (
                f"this change deletes {len(gone)} meeting series, more than the {limit} allowed ({origin}): "
                + "; ".join(gone)
                + f". Invitees lose these series and their join links. If this is intended, say so with "
                f"`policy: {{maxMeetingDeletions: {len(gone)}}}` in {ctx.stack_file} (reviewed in the PR), or "
                f"split the change",
                None,
            )
        )
    return out


# --- no-plaintext-secrets ---------------------------------------------------------------------------------


def _squash(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "", key.lower())


def secret_key_reason(key: str, fragments: Sequence[str]) -> str | None:
    """The fragment that makes a config key name (without namespace) look secret, or None."""
    name = _squash(key.split(":", 1)[-1])
    for frag in fragments:
        if _squash(frag) and _squash(frag) in name:
            return frag
    return None


def _nested_secrets(value: Any, fragments: Sequence[str], path: str = "") -> list[str]:
    """Paths inside a structured config value whose key looks secret, or that hold a private key."""
    found = []
    if isinstance(value, dict):
        for k, v in value.items():
            sub = f"{path}.{k}" if path else str(k)
            if secret_key_reason(str(k), fragments) and v not in (None, "", {}, []):
                found.append(sub)
            else:
                found += _nested_secrets(v, fragments, sub)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += _nested_secrets(v, fragments, f"{path}[{i}]")
    elif isinstance(value, str) and PEM_PRIVATE_KEY.search(value):
        found.append(path or "(value)")
    return found


def check_plaintext_secrets(resources: list[Res], ctx: StackContext, config: Mapping[str, Any]) -> Found:
    """Secret-looking config (by key fragment, nested too) and every Service App's client secret
    key are stored encrypted."""
    values = ctx.require_config()
    secret_keys = ctx.require_secret_keys()
    fragments = _strings(config.get("secretKeyFragments", DEFAULT_SECRET_KEY_FRAGMENTS))
    not_secret = set(_strings(config.get("notSecretKeys", DEFAULT_NOT_SECRET_KEYS)))
    readers: dict[str, list[Res]] = {}
    for app in (r for r in resources if r.kind == "ServiceApp"):
        key = app.props.get("clientSecretConfig")
        if isinstance(key, str) and key:
            readers.setdefault(ctx.qualified(key.strip()), []).append(app)
    out: Found = []
    for key in sorted(values):
        if key in secret_keys or key.startswith("pulumi:"):
            continue
        apps = readers.get(key, [])
        why = []
        if apps:
            why += [f"ServiceApp '{a.name}' ({where(a.props)}) reads its client secret from it" for a in apps]
        elif key not in not_secret:
            frag = secret_key_reason(key, fragments)
            if frag:
                why.append(f"its name contains {frag!r}")
            raw = values[key]
            try:
                parsed = json.loads(raw) if isinstance(raw, str) and raw[:1] in "{[" else raw
            except ValueError:
                parsed = raw
            if not frag:
                nested = _nested_secrets(parsed, fragments)
                if nested:
                    why.append("it holds " + ", ".join(f"{key}.{p}" if not p.startswith("(") else p for p in nested))
        if not why:
            continue
        out.append(
            (
                f"config {key} is stored in plaintext in {ctx.config_file} ({'; '.join(why)}). Encrypt it: "
                f"`pulumi config set --secret {key} <value>` (and rotate it: the plaintext is in the history)",
                apps[0].urn if len(apps) == 1 else None,
            )
        )
    return out


# --- policies ------------------------------------------------------------------------------------------


def _failed(policy: str, exc: BaseException) -> str:
    """A check that crashes is reported as a violation of its policy (fail closed), with why."""
    tb = traceback.extract_tb(exc.__traceback__)
    at = f" at {tb[-1].filename.rsplit('/', 1)[-1]}:{tb[-1].lineno}" if tb else ""
    return f"policy {policy} could not run: {type(exc).__name__}: {exc}{at}"


def _missing(policy: str, subject: str, missing: Missing) -> str:
    return (
        f"{subject}{': ' if subject else ''}{policy} cannot check this change: missing {missing}. "
        f"It fails closed until it can read what it needs"
    )


def _config(args, policy: str) -> dict[str, Any]:
    return {**DEFAULTS[policy], **(args.get_config() or {})}


ResourceCheck = Callable[[str, str, Mapping[str, Any], StackContext, Mapping[str, Any]], list[str]]
StackCheck = Callable[[list[Res], StackContext, Mapping[str, Any]], Found]


def resource_policy(
    name: str, description: str, kinds: set[str], check: ResourceCheck, schema: dict[str, Any] | None = None
) -> ResourceValidationPolicy:
    def validate(args, report_violation):
        kind = kind_of(args.resource_type)
        if kind not in kinds:
            return
        subject = f"{kind} '{args.name}'"
        if packconfig.ERROR:
            report_violation(_missing(name, subject, Missing(packconfig.ERROR)))
            return
        try:
            props = CONTEXT.locate(kind, args.name, plain(args.props))
            subject = f"{kind} '{args.name}' ({where(props)})"
            messages = check(kind, args.name, props, CONTEXT, _config(args, name))
        except Missing as e:
            messages = [_missing(name, subject, e)]
        except Exception as e:  # noqa: BLE001
            messages = [f"{subject}: {_failed(name, e)}"]
        for message in messages:
            report_violation(message)

    return ResourceValidationPolicy(
        name=name,
        description=description,
        enforcement_level=EnforcementLevel.MANDATORY,
        validate=validate,
        config_schema=PolicyConfigSchema(properties=schema) if schema else None,
    )


def stack_policy(name: str, description: str, check: StackCheck, schema: dict[str, Any] | None = None) -> StackValidationPolicy:
    def validate(args, report_violation):
        if packconfig.ERROR:
            report_violation(_missing(name, "", Missing(packconfig.ERROR)))
            return
        try:
            resources = [
                Res(kind_of(r.resource_type), r.name, r.urn, CONTEXT.locate(kind_of(r.resource_type), r.name, plain(r.props)))
                for r in args.resources
                if kind_of(r.resource_type)
            ]
            found = check(resources, CONTEXT, _config(args, name))
        except Missing as e:
            found = [(_missing(name, "", e), None)]
        except Exception as e:  # noqa: BLE001
            found = [(_failed(name, e), None)]
        for message, urn in found:
            if urn:
                report_violation(message, urn)
            else:
                report_violation(message)

    return StackValidationPolicy(
        name=name,
        description=description,
        enforcement_level=EnforcementLevel.MANDATORY,
        validate=validate,
        config_schema=PolicyConfigSchema(properties=schema) if schema else None,
    )


def _strings_schema(default: list[str], description: str) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string"}, "default": default, "description": description}


def _int_schema(policy: str, key: str, description: str) -> dict[str, Any]:
    return {"type": "integer", "minimum": 0, "default": DEFAULTS[policy][key], "description": description}


def policies() -> list:
    return [
        stack_policy(
            "license-capacity",
            "All pools naming one live license (by siteUrl, name or id) fit its live totalUnits together; "
            "one license is declared by one pool.",
            check_license_capacity,
        ),
        stack_policy(
            "host-licensed-on-site",
            "Every standing meeting's host holds, or is declared in this stack to hold, a meeting license on the meeting's site.",
            check_hosts_licensed,
        ),
        stack_policy(
            "cohost-licensed-on-site",
            "Every standing meeting's co-host (invitee with coHost: true) holds, or is declared in this "
            "stack to hold, a meeting license on the meeting's site: Webex keeps anyone else as a plain invitee.",
            check_cohosts_licensed,
        ),
        resource_policy(
            "no-space-destination",
            "Standing meetings are addressed by meetingId/SIP, never by a space (roomId), declared or adopted: error 30105.",
            {"StandingMeeting"},
            check_no_space_destination,
        ),
        resource_policy(
            "service-app-scopes",
            "A Service App asks for, and was granted by the org, only scopes on the allow-list.",
            {"ServiceApp"},
            check_service_app_scopes,
            schema={
                "allowedScopes": _strings_schema(
                    DEFAULT_ALLOWED_SCOPES,
                    "Scopes a Service App may hold (default: webex_client.scopes.ADMIN_TOKEN_SCOPES + guest-issuer).",
                ),
                "additionalScopes": _strings_schema([], "Scopes allowed on top of allowedScopes."),
            },
        ),
        stack_policy(
            "no-plaintext-secrets",
            "Client secrets and other secret-looking stack config (by key fragment, nested values too) are "
            "stored encrypted (pulumi config set --secret).",
            check_plaintext_secrets,
            schema={
                "secretKeyFragments": _strings_schema(
                    DEFAULT_SECRET_KEY_FRAGMENTS, "Fragments of config key names that hold secrets."
                ),
                "notSecretKeys": _strings_schema(
                    DEFAULT_NOT_SECRET_KEYS, "Full config keys that contain a fragment but are not secrets."
                ),
            },
        ),
        stack_policy(
            "protected-holders",
            "Protected users and members of protected groups never lose a license they hold; "
            "a protected name that matches nobody is itself a violation.",
            check_protected_holders,
            schema={
                "protectedUsers": _strings_schema([], "Emails that must keep their licenses."),
                "protectedGroups": _strings_schema([], "Groups whose members must keep their licenses."),
            },
        ),
        stack_policy(
            "change-size-guard",
            "A single change removes at most maxLicenseRemovals licenses (the stack file may set its own "
            "limit up to maxLicenseRemovalsCeiling).",
            check_change_size,
            schema={
                "maxLicenseRemovals": _int_schema(
                    "change-size-guard", "maxLicenseRemovals", "Most licenses one change may remove, over all distributions."
                ),
                "maxLicenseRemovalsCeiling": _int_schema(
                    "change-size-guard", "maxLicenseRemovalsCeiling", "Most a stack file's policy.maxLicenseRemovals may allow."
                ),
            },
        ),
        stack_policy(
            "deletion-limit",
            "A single change deletes or replaces at most maxMeetingDeletions meeting series (the stack file may "
            "set its own limit up to maxMeetingDeletionsCeiling).",
            check_deletion_limit,
            schema={
                "maxMeetingDeletions": _int_schema(
                    "deletion-limit", "maxMeetingDeletions", "Most meeting series one change may delete or replace."
                ),
                "maxMeetingDeletionsCeiling": _int_schema(
                    "deletion-limit", "maxMeetingDeletionsCeiling", "Most a stack file's policy.maxMeetingDeletions may allow."
                ),
            },
        ),
        resource_policy(
            "ownership",
            "Every standing meeting and license distribution declares its owner, matching ownerPattern in full.",
            {"StandingMeeting", "LicenseDistribution", "MeetingSite", "ServiceApp"},
            check_ownership,
            schema={
                "ownerPattern": {
                    "type": "string",
                    "default": DEFAULTS["ownership"]["ownerPattern"],
                    "description": "Regex the whole owner must match (e.g. an email domain).",
                },
                "kinds": _strings_schema(DEFAULTS["ownership"]["kinds"], "Resource kinds that must declare an owner."),
            },
        ),
    ]
