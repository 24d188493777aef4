"""The webex-iac policies: each one a pure check over plain dicts, wrapped as a CrossGuard policy.

Checks take the resource inputs exactly as the providers' ``check`` returned them (camelCase,
with the ``source`` file:line the stack-file loader records) and return violation messages.
Every message starts with the offending resource, e.g.
``StandingMeeting 'weekly-sync' (stacks/dev.yaml:147): host bob@acme.example.com ...``, and
names the user where one is concerned. See policies/README.md for levels and config.
"""

from __future__ import annotations

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

from .context import CONTEXT, StackContext

TYPE_PREFIX = "pulumi-python:dynamic/webex:"


class _Unknown:
    """A value the engine does not know during preview (an output of another resource)."""

    def __repr__(self) -> str:
        return "<unknown during preview>"

    def __bool__(self) -> bool:
        return False


UNKNOWN = _Unknown()

# What a Service App of this toolkit needs (and nothing more): people, licenses, groups,
# meetings and their site settings, guests. Extend it per org in the policy-pack config.
DEFAULT_ALLOWED_SCOPES = [
    "spark-admin:people_read",
    "spark-admin:people_write",
    "spark-admin:licenses_read",
    "spark-admin:organizations_read",
    "identity:groups_read",
    "identity:groups_rw",
    "meeting:admin_schedule_read",
    "meeting:admin_schedule_write",
    "meeting:admin_preferences_read",
    "meeting:admin_preferences_write",
    "meeting:admin_config_read",
    "meeting:admin_config_write",
    "meeting:admin_participants_read",
    "guest-issuer:read",
    "guest-issuer:write",
]

# Default config of every policy (the policy-pack config overrides any key).
DEFAULTS: dict[str, dict[str, Any]] = {
    "license-capacity": {},
    "host-licensed-on-site": {},
    "no-space-destination": {},
    "service-app-scopes": {"allowedScopes": DEFAULT_ALLOWED_SCOPES},
    "no-plaintext-secrets": {"secretKeyPattern": r"(?i)(secret|token|password|passphrase)$"},
    "protected-holders": {"protectedUsers": [], "protectedGroups": []},
    "change-size-guard": {"maxLicenseRemovals": 25},
    "ownership": {"ownerPattern": r"\S", "kinds": ["StandingMeeting", "LicenseDistribution"]},
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
    return resource_type[len(TYPE_PREFIX):] if resource_type.startswith(TYPE_PREFIX) else None


def where(props: Mapping[str, Any]) -> str:
    src = props.get("source")
    return src if isinstance(src, str) and src else "source unknown"


def first_pool_source(props: Mapping[str, Any]) -> str:
    pools = props.get("pools")
    if isinstance(pools, list) and pools and isinstance(pools[0], dict):
        return where(pools[0])
    return "source unknown"


def describe_ref(ref: Any) -> str:
    if not isinstance(ref, dict):
        return "?"
    return str(ref.get("siteUrl") or ref.get("name") or ref.get("id") or "?")


def pool_label(lic) -> str:
    return f"{lic.site_url} ({lic.name})" if lic.site_url else (lic.name or lic.id)


def _pools(props: Mapping[str, Any]) -> list[dict[str, Any]]:
    pools = props.get("pools")
    return [p for p in pools if isinstance(p, dict)] if isinstance(pools, list) else []


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


@dataclass
class Holders:
    """Who a pool declares, resolved against the org (person ids), or by email without one."""

    ids: set[str] = field(default_factory=set)
    users: int = 0
    group_members: int = 0
    unresolved_users: list[str] = field(default_factory=list)
    unresolved_groups: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)


def declared_holders(pool: Mapping[str, Any], org) -> Holders:
    h = Holders()
    users = [u.lower() for u in _strings(pool.get("users"))]
    h.groups = _strings(pool.get("groups"))
    h.users = len(set(users))
    for email in users:
        pid = org.person_id(email) if org else None
        if pid is None:
            h.unresolved_users.append(email)
            h.ids.add(f"email:{email}")
        else:
            h.ids.add(pid)
    before = len(h.ids)
    for group in h.groups:
        members = org.group_member_ids(group) if org else None
        if members is None:
            h.unresolved_groups.append(group)
        else:
            h.ids.update(members)
    h.group_members = len(h.ids) - before
    return h


# --- resource checks -----------------------------------------------------------------------------

def check_license_capacity(kind: str, name: str, props: Mapping[str, Any], ctx: StackContext, config: Mapping[str, Any]) -> list[str]:
    """Declared holders (users + group members) of every pool fit its live ``totalUnits``."""
    out = []
    org = ctx.org()
    for pool in _pools(props):
        ref = pool.get("license") or {}
        label = f"LicenseDistribution '{name}', pool {describe_ref(ref)} ({where(pool)})"
        kept = 0
        if org is not None:
            lic = org.resolve(ref)
            if isinstance(lic, str) or lic.total_units is None:
                continue  # an unresolvable pool is the provider's check failure, not ours
            limit, basis = lic.total_units, f"the live totalUnits of {pool_label(lic)}"
            h = declared_holders(pool, org)
            holders = set(h.ids)
            if pool.get("exclusive") is False:  # nobody is removed: current holders stay
                live = org.holders(lic.id)
                kept = len(live - holders)
                holders |= live
        else:
            limit = pool.get("capacity")
            if not isinstance(limit, (int, float)):
                continue  # nothing to compare with; documented in policies/README.md
            limit = int(limit)
            basis = f"its declared capacity (the org could not be read: {ctx.org_error})"
            h = declared_holders(pool, None)
            holders = set(h.ids)
        if len(holders) <= limit:
            continue
        parts = [f"{h.users} users"]
        if h.groups and not h.unresolved_groups:
            parts.append(f"{h.group_members} more members of groups {', '.join(h.groups)}")
        elif h.unresolved_groups:
            parts.append(f"members of groups {', '.join(h.unresolved_groups)} not counted")
        if kept:
            parts.append(f"{kept} current holders a non-exclusive pool keeps")
        at_least = "at least " if h.unresolved_groups else ""
        out.append(
            f"{label}: {at_least}{len(holders)} holders ({' + '.join(parts)}) exceed the {limit} units "
            f"({basis}); remove {len(holders) - limit} holders or add units to the subscription"
        )
    return out


def check_no_space_destination(kind: str, name: str, props: Mapping[str, Any], ctx: StackContext, config: Mapping[str, Any]) -> list[str]:
    """A space (roomId) is no longer a meeting destination: Webex answers error 30105."""
    from resources._common import ERROR_30105

    out = []
    for key in ("roomId", "spaceId"):
        value = props.get(key)
        if value:
            out.append(
                f"StandingMeeting '{name}' ({where(props)}): {key} {str(value)!r} is a space destination. "
                f"{ERROR_30105} Remove {key}; the meeting is joined by its meetingNumber, sipAddress or webLink."
            )
    return out


def check_service_app_scopes(kind: str, name: str, props: Mapping[str, Any], ctx: StackContext, config: Mapping[str, Any]) -> list[str]:
    allowed = set(_strings(config.get("allowedScopes", DEFAULTS["service-app-scopes"]["allowedScopes"])))
    extra = [s for s in _strings(props.get("scopes")) if s not in allowed]
    if not extra:
        return []
    return [
        f"ServiceApp '{name}' ({where(props)}): scope {s!r} is not in the allow-list "
        f"(service-app-scopes.allowedScopes in the policy-pack config); drop it or have it approved"
        for s in extra
    ]


def check_ownership(kind: str, name: str, props: Mapping[str, Any], ctx: StackContext, config: Mapping[str, Any]) -> list[str]:
    kinds = _strings(config.get("kinds", DEFAULTS["ownership"]["kinds"]))
    if kind not in kinds:
        return []
    pattern = config.get("ownerPattern", DEFAULTS["ownership"]["ownerPattern"])
    owner = props.get("owner")
    src = first_pool_source(props) if kind == "LicenseDistribution" else where(props)
    if not isinstance(owner, str) or not owner.strip():
        return [f"{kind} '{name}' ({src}): no owner declared; add `owner: <team or email>` so reviewers know who to ask"]
    if not re.search(pattern, owner):
        return [f"{kind} '{name}' ({src}): owner {owner!r} does not match ownership.ownerPattern {pattern!r}"]
    return []


def protected_people(ctx: StackContext, config: Mapping[str, Any], org) -> dict[str, str]:
    """Person id (or email:<addr> without an org) -> why they are protected."""
    settings = ctx.settings()
    out: dict[str, str] = {}
    sources = [
        (_strings(config.get("protectedUsers", [])), _strings(config.get("protectedGroups", [])),
         "protected-holders policy-pack config"),
        (settings.protected_users, settings.protected_groups, f"policy section of {ctx.stack_file}"),
    ]
    for users, groups, origin in sources:
        for email in users:
            pid = org.person_id(email) if org else None
            out.setdefault(pid or f"email:{email.lower()}", f"listed in protectedUsers of the {origin}")
        for group in groups:
            for pid in (org.group_member_ids(group) if org else None) or []:
                out.setdefault(pid, f"member of group '{group}', listed in protectedGroups of the {origin}")
    return out


def check_protected_holders(kind: str, name: str, props: Mapping[str, Any], ctx: StackContext, config: Mapping[str, Any]) -> list[str]:
    """A protected user who holds a pool's license now stays declared in that pool."""
    org = ctx.org()
    if org is None:
        return []  # who holds what now is only known from the org; documented
    protected = protected_people(ctx, config, org)
    if not protected:
        return []
    out = []
    for pool in _pools(props):
        if pool.get("exclusive") is False:
            continue  # a non-exclusive pool never removes anyone
        lic = org.resolve(pool.get("license") or {})
        if isinstance(lic, str):
            continue
        declared = declared_holders(pool, org).ids
        losing = (org.holders(lic.id) & protected.keys()) - declared
        for pid in sorted(losing, key=org.email):
            out.append(
                f"LicenseDistribution '{name}', pool {describe_ref(pool.get('license'))} ({where(pool)}): "
                f"protected user {org.email(pid)} holds {pool_label(lic)} now and would lose it "
                f"({protected[pid]}); declare them in this pool's users or groups"
            )
    return out


# --- stack checks ----------------------------------------------------------------------------------

@dataclass
class Res:
    kind: str
    name: str
    urn: str
    props: dict[str, Any]


def check_hosts_licensed(resources: list[Res], ctx: StackContext, config: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    """Every meeting's host holds, or is declared to hold, a meeting license on its site."""
    dists = [r for r in resources if r.kind == "LicenseDistribution"]
    meetings = [r for r in resources if r.kind == "StandingMeeting"]
    if not meetings:
        return []
    org = ctx.org()
    out: list[tuple[str, str | None]] = []
    if org is None:
        for m in meetings:
            host, site = str(m.props.get("host") or "").lower(), str(m.props.get("siteUrl") or "").lower()
            if not host or not site:
                continue
            declared = any(
                host in [u.lower() for u in _strings(p.get("users"))]
                for d in dists for p in _pools(d.props)
                if str((p.get("license") or {}).get("siteUrl") or "").lower() == site
            )
            if not declared:
                out.append((
                    f"StandingMeeting '{m.name}' ({where(m.props)}): host {host}'s meeting license on {site} "
                    f"cannot be confirmed: the org could not be read ({ctx.org_error}) and no pool of {site} "
                    f"in this stack lists the host by email", m.urn))
        return out

    @dataclass
    class Managed:
        dist: str
        source: str
        exclusive: bool
        ids: set[str]

    managed: dict[str, list[Managed]] = {}
    for d in dists:
        for pool in _pools(d.props):
            lic = org.resolve(pool.get("license") or {})
            if isinstance(lic, str):
                continue
            managed.setdefault(lic.id, []).append(
                Managed(d.name, where(pool), pool.get("exclusive") is not False, declared_holders(pool, org).ids))
    for m in meetings:
        host, site = m.props.get("host"), m.props.get("siteUrl")
        if not isinstance(host, str) or not isinstance(site, str):
            continue
        host, site = host.lower(), site.lower()
        pid = org.person_id(host)
        site_pools = [lic for lic in org.licenses() if (lic.site_url or "").lower() == site]
        if pid is None or not site_pools:
            continue  # unknown host or site: the provider's check reports it
        licensed, losing = False, []
        for lic in site_pools:
            holds_now = pid in org.holders(lic.id)
            entries = managed.get(lic.id)
            if entries is None:
                licensed = licensed or holds_now
                continue
            if any(pid in e.ids for e in entries) or (holds_now and not any(e.exclusive for e in entries)):
                licensed = True
            elif holds_now:
                losing.extend(e for e in entries if e.exclusive)
        if licensed:
            continue
        if losing:
            e = losing[0]
            out.append((
                f"StandingMeeting '{m.name}' ({where(m.props)}): host {host} holds the meeting license on {site} "
                f"now but would lose it: LicenseDistribution '{e.dist}' (pool at {e.source}) does not declare "
                f"them; declare the host in that pool (users or a group)", m.urn))
        else:
            out.append((
                f"StandingMeeting '{m.name}' ({where(m.props)}): host {host} holds no meeting license on {site} "
                f"and none is declared in this stack; add the host to a LicenseDistribution pool with "
                f"license {{siteUrl: {site}}}", m.urn))
    return out


def check_change_size(resources: list[Res], ctx: StackContext, config: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    """A single change removes at most N licenses (the plan's losses over all distributions)."""
    settings = ctx.settings()
    if settings.max_license_removals is not None:
        limit, origin = settings.max_license_removals, f"policy.maxLicenseRemovals in {ctx.stack_file}"
    else:
        limit = int(config.get("maxLicenseRemovals", DEFAULTS["change-size-guard"]["maxLicenseRemovals"]))
        origin = "change-size-guard.maxLicenseRemovals in the policy-pack config"
    total, rows, urns = 0, [], set()
    for d in (r for r in resources if r.kind == "LicenseDistribution"):
        plan = d.props.get("plan")
        if not isinstance(plan, list):
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
    if total <= limit:
        return []
    msg = (f"this change removes {total} licenses, more than the {limit} allowed ({origin}): "
           + "; ".join(rows)
           + f". Split the change, or allow it explicitly with `policy: {{maxLicenseRemovals: {total}}}` "
             f"in {ctx.stack_file} (reviewed in the PR)")
    return [(msg, next(iter(urns)) if len(urns) == 1 else None)]


def check_plaintext_secrets(resources: list[Res], ctx: StackContext, config: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    """Secret-looking config keys, and every Service App's client secret key, are encrypted."""
    ctx.ensure_configured()
    pattern = re.compile(config.get("secretKeyPattern", DEFAULTS["no-plaintext-secrets"]["secretKeyPattern"]))
    readers: dict[str, list[Res]] = {}
    for app in (r for r in resources if r.kind == "ServiceApp"):
        key = app.props.get("clientSecretConfig")
        if isinstance(key, str) and key:
            readers.setdefault(ctx.qualified(key), []).append(app)
    out: list[tuple[str, str | None]] = []
    for key in sorted(ctx.config):
        if key in ctx.secret_keys or key.startswith("pulumi:"):
            continue
        apps = readers.get(key, [])
        if not (apps or pattern.search(key.split(":", 1)[-1])):
            continue
        used = "".join(f"; ServiceApp '{a.name}' ({where(a.props)}) reads its client secret from it" for a in apps)
        out.append((
            f"config {key} is stored in plaintext in {ctx.config_file}{used}. Encrypt it: "
            f"`pulumi config set --secret {key} <value>` (and rotate it: the plaintext is in the history)",
            apps[0].urn if len(apps) == 1 else None))
    return out


# --- policies --------------------------------------------------------------------------------------

def _failed(policy: str, exc: BaseException) -> str:
    """A check that crashes is reported as a violation of its policy (fail closed), with why."""
    tb = traceback.extract_tb(exc.__traceback__)
    at = f" at {tb[-1].filename.rsplit('/', 1)[-1]}:{tb[-1].lineno}" if tb else ""
    return f"policy {policy} could not run: {type(exc).__name__}: {exc}{at}"


def _config(args, policy: str) -> dict[str, Any]:
    return {**DEFAULTS[policy], **(args.get_config() or {})}


ResourceCheck = Callable[[str, str, Mapping[str, Any], StackContext, Mapping[str, Any]], list[str]]
StackCheck = Callable[[list[Res], StackContext, Mapping[str, Any]], list[tuple[str, str | None]]]


def resource_policy(name: str, description: str, kinds: set[str], check: ResourceCheck,
                    schema: dict[str, Any] | None = None,
                    level: EnforcementLevel = EnforcementLevel.MANDATORY) -> ResourceValidationPolicy:
    def validate(args, report_violation):
        kind = kind_of(args.resource_type)
        if kind not in kinds:
            return
        try:
            messages = check(kind, args.name, plain(args.props), CONTEXT, _config(args, name))
        except Exception as e:  # noqa: BLE001
            messages = [_failed(name, e)]
        for message in messages:
            report_violation(message)

    return ResourceValidationPolicy(
        name=name, description=description, enforcement_level=level, validate=validate,
        config_schema=PolicyConfigSchema(properties=schema) if schema else None)


def stack_policy(name: str, description: str, check: StackCheck, schema: dict[str, Any] | None = None,
                 level: EnforcementLevel = EnforcementLevel.MANDATORY) -> StackValidationPolicy:
    def validate(args, report_violation):
        try:
            resources = [Res(kind_of(r.resource_type), r.name, r.urn, plain(r.props))
                         for r in args.resources if kind_of(r.resource_type)]
            found = check(resources, CONTEXT, _config(args, name))
        except Exception as e:  # noqa: BLE001
            found = [(_failed(name, e), None)]
        for message, urn in found:
            if urn:
                report_violation(message, urn)
            else:
                report_violation(message)

    return StackValidationPolicy(
        name=name, description=description, enforcement_level=level, validate=validate,
        config_schema=PolicyConfigSchema(properties=schema) if schema else None)


def _strings_schema(default: list[str], description: str) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string"}, "default": default, "description": description}


def policies() -> list:
    return [
        resource_policy(
            "license-capacity",
            "A license pool's declared holders (users + group members) fit its live totalUnits "
            "(its declared capacity when the org cannot be read).",
            {"LicenseDistribution"}, check_license_capacity),
        stack_policy(
            "host-licensed-on-site",
            "Every standing meeting's host holds, or is declared in this stack to hold, a meeting "
            "license on the meeting's site.",
            check_hosts_licensed),
        resource_policy(
            "no-space-destination",
            "Standing meetings are addressed by meetingId/SIP, never by a space (roomId): error 30105.",
            {"StandingMeeting"}, check_no_space_destination),
        resource_policy(
            "service-app-scopes",
            "A Service App asks only for scopes on the allow-list.",
            {"ServiceApp"}, check_service_app_scopes,
            schema={"allowedScopes": _strings_schema(DEFAULT_ALLOWED_SCOPES, "Scopes a Service App may hold.")}),
        stack_policy(
            "no-plaintext-secrets",
            "Client secrets and other secret-looking stack config are stored encrypted (pulumi config set --secret).",
            check_plaintext_secrets,
            schema={"secretKeyPattern": {"type": "string", "description": "Regex on config key names (without namespace) that must be secret.",
                                         "default": DEFAULTS["no-plaintext-secrets"]["secretKeyPattern"]}}),
        resource_policy(
            "protected-holders",
            "Protected users and members of protected groups never lose a license they hold.",
            {"LicenseDistribution"}, check_protected_holders,
            schema={"protectedUsers": _strings_schema([], "Emails that must keep their licenses."),
                    "protectedGroups": _strings_schema([], "Groups whose members must keep their licenses.")}),
        stack_policy(
            "change-size-guard",
            "A single change removes at most maxLicenseRemovals licenses (stack file policy.maxLicenseRemovals overrides).",
            check_change_size,
            schema={"maxLicenseRemovals": {"type": "integer", "minimum": 0, "default": DEFAULTS["change-size-guard"]["maxLicenseRemovals"],
                                           "description": "Most licenses one change may remove, over all distributions."}}),
        resource_policy(
            "ownership",
            "Every standing meeting and license distribution declares its owner.",
            {"StandingMeeting", "LicenseDistribution", "MeetingSite", "ServiceApp"},
            check_ownership,
            schema={"ownerPattern": {"type": "string", "default": DEFAULTS["ownership"]["ownerPattern"],
                                     "description": "Regex an owner must match (e.g. an email domain)."},
                    "kinds": _strings_schema(DEFAULTS["ownership"]["kinds"], "Resource kinds that must declare an owner.")}),
    ]

