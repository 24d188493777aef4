"""``webex-iac migration-report``: what moving meetings to ``--target-site`` needs, and a plan.

The Migration to Improved Space Meetings (docs/webex-behaviour.md, that section) makes the
*host's* license decide a meeting: every host needs a meeting license on the site the meeting
is on, spaces stop being meeting destinations (error 30105), and guests come from Service Apps
instead of the deprecated Guest Issuer. The report reads the live org (people, pools, groups,
every meeting series of the people with a site account — as ``discover`` does) and
``stacks/<stack>.yaml``, and lists:

1. **hosts without a target-site license** — hosts of standing series (any site), of space
   meetings, and of StandingMeetings declared in the stack file, who hold no meeting license
   on the target site;
2. **pools over capacity after the move** — the target pool with all those hosts added (to the
   declared holders, or to the live ones when the file does not declare the pool);
3. **guests still created the deprecated way** — this cannot be detected: no API lists guests
   or the app that issued them (``GET /guests/count`` counts only the calling Service App's
   own guests). Approximation: directory people of type ``appuser`` or with an
   ``@appid.ciscospark.com`` address are listed as suspects for a human to check;
4. **meetings addressed by roomId** — the space meetings, with whether their host is licensed.

The proposed redistribution (``--write``)
=========================================

An edit of the target pool in the stack file (the pool is added to the meeting-pool
distribution if the file does not declare it) that the policy pack accepts by construction:

* **capacity** — declared holders after the edit ≤ min(the pool's total units, its declared
  ``capacity``);
* **protected holders are never removed** — ``policy.protectedUsers``, members of
  ``policy.protectedGroups``, of ``--protect-group`` groups and of a group named ``executives``,
  and the org's admins;
* **ownership** — a distribution the edit touches or creates has an ``owner``.

Units are freed only from declared holders who host no meeting series (live or declared,
on any site), co-host no meeting on the target site and are not protected, preferring people
who keep another meeting-site license (they can still host on the old site), then the rest;
alphabetical within each tier. A declared group containing someone to free is replaced by its
other members (a group cannot be partly declared); the hosts are added by a group when a group
consists only of people being added, otherwise by email. If the pool is ``exclusive: false``
or too few holders can be freed, nothing is written and the report says why.

Exit codes: 0 — report printed (and the edit written or not needed); 1 — the org or the
stack file could not be read; 2 — bad arguments; 3 — ``--write`` asked for but no edit fits.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from pydantic import ConfigDict, TypeAdapter
from pydantic.alias_generators import to_camel
from rich.console import Console
from rich.table import Table
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from webex_client import WebexError
from webex_client.types.licenses import License

# The org read is discover's public API (discover/org_read.py); the domain rules are org_model's.
from .discover.command import default_stack_path, with_common
from .discover.connection import DiscoverError, connect
from .discover.document import validate_text, write_text
from .discover.merge_licenses import meeting_distribution
from .discover.naming import group_holders, unique_name
from .discover.notes import MEETINGS_DISTRIBUTION
from .discover.org_read import ADMIN_ROLES, DEFAULT_HORIZON_DAYS, DEFAULT_MAX_HOST_SCANS, OrgRead, Steps, read_org
from .discover.yaml_doc import flow, remove, yaml_rt
from .org_model import license_ref, pool_label, resolve_pool, role_names, site_pools
from .stack_file import StackFile, StackFileError, load_stack_file

EXIT_NO_FIT = 3
DEFAULT_PROTECTED_GROUP = "executives"
# policies/: change-size-guard.maxLicenseRemovals default (not raised by the edit: that is a reviewer's call).
CHANGE_SIZE_DEFAULT = 25
_CAMEL = ConfigDict(alias_generator=to_camel)  # the report's dataclasses dump by this alias


@dataclass
class HostNeed:
    __pydantic_config__ = _CAMEL
    email: str
    meetings: list[dict[str, str]]
    other_meeting_sites: list[str]
    declared_in_target_pool: bool
    in_org: bool = True


@dataclass
class PoolRow:
    __pydantic_config__ = _CAMEL
    pool: str
    license_id: str
    site_url: str | None
    total: int | None
    used: int | None
    declared: int | None
    after_move: int
    over_by: int
    after_proposal: int | None = None


@dataclass
class Proposal:
    __pydantic_config__ = _CAMEL
    fits: bool
    reason: str
    distribution: str | None = None
    pool_declared: bool = False
    capacity: int | None = None
    adds: list[str] = field(default_factory=list)
    add_groups: list[str] = field(default_factory=list)
    removes: list[str] = field(default_factory=list)
    expanded_groups: list[str] = field(default_factory=list)
    excluded: dict[str, int] = field(default_factory=dict)
    written: bool = False
    file: str | None = None


@dataclass
class Report:
    __pydantic_config__ = _CAMEL
    stack: str
    target_site: str
    target_pool: dict[str, Any]
    unlicensed_hosts: list[HostNeed]
    pools: list[PoolRow]
    guests: dict[str, Any]
    room_meetings: list[dict[str, Any]]
    proposal: Proposal

    def to_json(self) -> dict[str, Any]:
        # Only the report's own field names take camelCase, by pydantic's to_camel (the project's one
        # converter); keys inside dict fields are data (emails such as ann_b@x.com) and stay as they are.
        return TypeAdapter(Report).dump_python(self, by_alias=True)


# ---------------------------------------------------------------------------------------------
# Analysis
# ---------------------------------------------------------------------------------------------


def _target_license(org: OrgRead, target: str, declared: StackFile | None) -> License:
    pools = site_pools(org.licenses, target)
    if not pools:
        sites = ", ".join(org.sites()) or "none"
        raise click.BadParameter(f"{target} is not a meeting site of this org (sites: {sites})", param_hint="--target-site")
    if len(pools) > 1 and declared is not None:
        for dist in declared.licenses.values():
            for pool in dist.pools:
                lic = resolve_pool(pool.license.model_dump(by_alias=True, exclude_none=True), pools)
                if lic is not None:
                    return lic
    return max(pools, key=lambda l: ((l.total_units or 0) - (l.consumed_units or 0), l.id))


def _declared_pool(declared: StackFile | None, lic: License, org: OrgRead) -> tuple[str, int, Any] | None:
    if declared is None:
        return None
    for dname, dist in declared.licenses.items():
        for i, pool in enumerate(dist.pools):
            ref = pool.license.model_dump(by_alias=True, exclude_none=True)
            found = resolve_pool(ref, org.licenses)
            if found is not None and found.id == lic.id:
                return dname, i, pool
    return None


def _ids_of(org: OrgRead, emails: list[str], groups: list[str]) -> set[str]:
    out = {org.id_by_email[e.lower()] for e in emails if e.lower() in org.id_by_email}
    for g in groups:
        out |= org.groups.get(g, set())
    return out


def analyze(org: OrgRead, declared: StackFile | None, stack: str, target: str, protect_groups: list[str]) -> Report:
    target = target.lower()
    lic = _target_license(org, target, declared)
    holders = org.holders[lic.id]
    meeting_pools = {l.id: l for l in org.meeting_licenses()}

    # 1. Hosts and their meetings.
    by_host: dict[str, list[dict[str, str]]] = {}
    for m in org.meetings + org.other_meetings:
        by_host.setdefault(m.host, []).append({"kind": "standing", "id": m.id, "title": m.title, "siteUrl": m.site_url})
    for m in org.space_meetings:
        by_host.setdefault(m.host, []).append({"kind": "space", "id": m.id, "title": m.title, "siteUrl": m.site_url})
    declared_hosts: set[str] = set()
    target_cohosts: set[str] = set()
    live_ids = {x["id"] for ms in by_host.values() for x in ms}
    if declared is not None:
        for name, sm in declared.meetings.items():
            declared_hosts.add(sm.host)
            if sm.site_url.lower() == target:
                target_cohosts |= {i.email for i in sm.invitees if i.co_host}
            if sm.adopt_meeting_id and sm.adopt_meeting_id in live_ids:
                continue
            by_host.setdefault(sm.host, []).append({"kind": "declared", "id": name, "title": sm.title, "siteUrl": sm.site_url})
    for m in org.meetings + org.space_meetings + org.other_meetings:
        if m.site_url == target:
            target_cohosts |= {e for e, co in m.invitees or [] if co}

    found = _declared_pool(declared, lic, org)
    declared_set: set[str] | None = None
    exclusive = True
    if found is not None:
        _, _, pool = found
        exclusive = pool.exclusive
        declared_set = _ids_of(org, pool.users, pool.groups) | (set() if exclusive else set(holders))

    unlicensed: list[HostNeed] = []
    for host in sorted(by_host):
        person = org.by_email.get(host)
        if person is not None and person.id in holders:
            continue
        other = (
            sorted({(meeting_pools[l].site_url or "").lower() for l in (person.licenses or []) if l in meeting_pools} - {target})
            if person
            else []
        )
        unlicensed.append(
            HostNeed(
                email=host,
                meetings=sorted(by_host[host], key=lambda x: (x["kind"], x["title"])),
                other_meeting_sites=other,
                declared_in_target_pool=bool(person and declared_set is not None and person.id in declared_set),
                in_org=person is not None,
            )
        )
    needed = {org.id_by_email[h.email] for h in unlicensed if h.email in org.id_by_email}

    # 2. Pools after the move.
    cap = lic.total_units
    if found is not None and found[2].capacity is not None:
        cap = found[2].capacity if cap is None else min(cap, found[2].capacity)
    base = declared_set if declared_set is not None else set(holders)
    after_move = len(base | needed)
    proposal = _propose(
        org, declared, lic, found, base, needed, cap, exclusive, by_host, declared_hosts, target_cohosts, protect_groups
    )
    rows: list[PoolRow] = []
    for l in sorted(org.licenses, key=lambda l: (l.site_url is None, l.site_url or "", l.name or "")):
        dp = _declared_pool(declared, l, org)
        declared_count = (
            len(_ids_of(org, dp[2].users, dp[2].groups) | (set() if dp[2].exclusive else org.holders[l.id])) if dp else None
        )
        if l.id == lic.id:
            after = after_move
            added = {org.id_by_email[e] for e in proposal.adds}
            after_prop = len((base | added) - {org.id_by_email[e] for e in proposal.removes}) if proposal.fits else None
        else:
            after = declared_count if declared_count is not None else (l.consumed_units or 0)
            after_prop = after
        if not l.site_url and dp is None and l.id != lic.id:
            continue  # only meeting pools and declared pools are part of the move
        limit = l.total_units if l.id != lic.id else cap
        rows.append(
            PoolRow(
                pool=pool_label(l),
                license_id=l.id,
                site_url=l.site_url,
                total=l.total_units,
                used=l.consumed_units,
                declared=declared_count,
                after_move=after,
                over_by=max(0, after - limit) if limit is not None else 0,
                after_proposal=after_prop,
            )
        )

    # 3. Guests.
    sa_guests = sum(len(app.guests) for app in declared.service_apps.values()) if declared else 0
    guests = {
        "detectable": False,
        "explanation": "No API lists guests or the app that issued them, and GET /guests/count counts only the "
        "calling Service App's own guests, so Guest Issuer guests cannot be told apart.",
        "approximation": "directory people of type appuser or with an @appid.ciscospark.com address",
        "suspects": org.guest_like,
        "declaredServiceAppGuests": sa_guests,
    }

    # 4. Meetings addressed by roomId.
    rooms = [
        {
            "meetingId": m.id,
            "host": m.host,
            "siteUrl": m.site_url,
            "title": m.title,
            "roomId": m.room_id,
            "hostLicensedOnTarget": bool(org.by_email.get(m.host) and org.by_email[m.host].id in holders),
        }
        for m in sorted(org.space_meetings, key=lambda m: (m.host, m.id))
    ]

    return Report(
        stack=stack,
        target_site=target,
        target_pool={
            "id": lic.id,
            "name": lic.name,
            "siteUrl": lic.site_url,
            "totalUnits": lic.total_units,
            "consumedUnits": lic.consumed_units,
            "capacity": cap,
            "declared": found is not None,
            "distribution": found[0] if found else None,
        },
        unlicensed_hosts=unlicensed,
        pools=rows,
        guests=guests,
        room_meetings=rooms,
        proposal=proposal,
    )


def protected_ids(org: OrgRead, declared: StackFile | None, protect_groups: list[str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    if declared is not None:
        out["policy.protectedUsers"] = _ids_of(org, declared.policy.protected_users, [])
        out["policy.protectedGroups"] = _ids_of(org, [], declared.policy.protected_groups)
    groups = list(protect_groups)
    if DEFAULT_PROTECTED_GROUP in org.groups and DEFAULT_PROTECTED_GROUP not in groups:
        groups.append(DEFAULT_PROTECTED_GROUP)
    out["protected groups (" + ", ".join(groups) + ")"] = _ids_of(org, [], groups)
    out["admins"] = {p.id for p in org.people if p.id and role_names(p) & ADMIN_ROLES}
    return out


def _propose(
    org, declared, lic, found, base, needed, cap, exclusive, by_host, declared_hosts, target_cohosts, protect_groups
) -> Proposal:
    dist_name = found[0] if found else None
    prot = protected_ids(org, declared, protect_groups)
    protected = set().union(*prot.values())
    # The protected-holders policy: a protected person who holds the license now stays declared.
    needed = needed | ((org.holders[lic.id] & protected) - base)
    final = base | needed
    if not needed - base:
        return Proposal(
            True, "every host is already declared in the target pool: no edit needed", dist_name, found is not None, cap
        )
    k = len(final) - cap if cap is not None else 0
    hosts = {org.id_by_email[h] for h in list(by_host) + list(declared_hosts) if h in org.id_by_email}
    cohosts = {org.id_by_email[e] for e in target_cohosts if e in org.id_by_email}
    excluded = {
        "being added": len(base & needed),
        "protected": len((base - needed) & protected),
        "host meetings": len((base - needed - protected) & hosts),
        "co-host on the target site": len((base - needed - protected - hosts) & cohosts),
    }
    candidates = base - needed - protected - hosts - cohosts
    meeting_pools = {l.id for l in org.licenses if l.site_url and l.id != lic.id}

    def tier(pid: str) -> tuple[int, str]:
        p = org.by_id.get(pid)
        keeps_other = bool(p and set(p.licenses or []) & meeting_pools)
        return (0 if keeps_other else 1, org.email_of(pid))

    prop = Proposal(True, "", dist_name, found is not None, cap, excluded=excluded)
    if k > 0:
        if not exclusive:
            prop.fits = False
            prop.reason = (
                f"the pool needs {k} more unit(s) but is declared exclusive: false, so `up` never removes a "
                "license from it; set exclusive: true (after checking its holders) and re-run"
            )
            return prop
        if len(candidates) < k:
            prop.fits = False
            prop.reason = (
                f"{len(needed - base)} host(s) need a unit: the pool would hold {len(final)} of {cap}, so {k} "
                f"holder(s) must be freed, but only {len(candidates)} declared holder(s) host no meetings and "
                "are not protected (excluded: " + ", ".join(f"{v} {k_}" for k_, v in excluded.items() if v) + ")"
            )
            return prop
        prop.removes = [org.email_of(pid) for pid in sorted(candidates, key=tier)[:k]]
    prop.adds = sorted(org.email_of(pid) for pid in needed - base)
    free = (cap - len(final) + len(prop.removes)) if cap is not None else None
    prop.reason = (
        f"+{len(prop.adds)} host(s), -{len(prop.removes)} holder(s) who host no meetings; "
        f"{len(final) - len(prop.removes)}/{cap if cap is not None else '∞'} units declared"
        + (f", {free} free" if free is not None else "")
    )
    limit = declared.policy.max_license_removals if declared is not None else None
    if len(prop.removes) > (limit if limit is not None else CHANGE_SIZE_DEFAULT):
        prop.reason += (
            f". Note: it removes {len(prop.removes)} licenses, more than the change-size guard allows "
            f"({limit if limit is not None else CHANGE_SIZE_DEFAULT}); split it or add a reviewed "
            f"`policy: {{maxLicenseRemovals: {len(prop.removes)}}}` to the stack file"
        )
    return prop


# ---------------------------------------------------------------------------------------------
# The edit
# ---------------------------------------------------------------------------------------------


def apply_proposal(raw: CommentedMap, report: Report, org: OrgRead, owner: str) -> None:
    """Edit ``raw`` (the stack file, round trip) in place as ``report.proposal`` says."""
    prop = report.proposal
    lic = next(l for l in org.licenses if l.id == report.target_pool["id"])
    removes = {org.id_by_email[e] for e in prop.removes}
    adds = {org.id_by_email[e] for e in prop.adds}
    if not isinstance(raw.get("licenses"), CommentedMap):
        raw["licenses"] = CommentedMap()
    dists = raw["licenses"]
    note = f"migration-report --target-site {report.target_site}: +{len(adds)} meeting hosts, -{len(removes)} non-hosts"

    if not prop.pool_declared:
        final = (org.holders[lic.id] | adds) - removes
        target = meeting_distribution(dists, org.licenses)
        if target is None:
            target = unique_name(MEETINGS_DISTRIBUTION, dists.keys())
            dists[target] = CommentedMap([("owner", owner), ("pools", CommentedSeq())])
        pool = CommentedMap()
        pool["license"] = flow(license_ref(lic, org.licenses))
        if lic.total_units is not None:
            pool["capacity"] = lic.total_units
        pool["exclusive"] = True
        held_groups, rest = group_holders(final, org.groups)
        if held_groups:
            pool["groups"] = CommentedSeq(held_groups)
        pool["users"] = CommentedSeq(sorted(org.email_of(p) for p in rest))
        dists[target].setdefault("pools", CommentedSeq()).append(pool)
        prop.distribution = target
        prop.add_groups = held_groups
        _ensure_owner(dists[target], owner)
        return

    dist = dists[prop.distribution]
    _ensure_owner(dist, owner)
    pool = dist["pools"][
        next(
            i
            for i, p in enumerate(dist["pools"])
            if isinstance(p, CommentedMap) and ((resolve_pool(p.get("license"), org.licenses) or License(id="-")).id == lic.id)
        )
    ]
    users = pool.get("users") if isinstance(pool.get("users"), CommentedSeq) else None
    groups = pool.get("groups") if isinstance(pool.get("groups"), CommentedSeq) else None
    expanded: set[str] = set()
    if groups is not None:
        for i in reversed(range(len(groups))):
            members = org.groups.get(str(groups[i]), set())
            if members & removes:
                prop.expanded_groups.insert(0, str(groups[i]))
                expanded |= members
                remove(groups, i)
        if not groups:
            remove(pool, "groups")
            groups = None
    if users is not None:
        for i in reversed(range(len(users))):
            person = org.by_email.get(str(users[i]).lower())
            if person is not None and person.id in removes:
                remove(users, i)
    covered = set().union(*(org.groups.get(str(g), set()) for g in (groups or [])))
    covered |= {org.id_by_email[str(u).lower()] for u in (users or []) if str(u).lower() in org.id_by_email}
    to_cover = ((expanded - removes) | adds) - covered
    # Readably again: a group made only of people still to declare (hosts being added, or the
    # rest of an expanded group) is declared by name, largest first.
    for name, members in sorted(org.groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        if members and members <= to_cover and name not in (groups or []):
            if groups is None:
                pool.insert(_after(pool, ("exclusive", "capacity", "license")), "groups", CommentedSeq())
                groups = pool["groups"]
            groups.append(name)
            prop.add_groups.append(name)
            to_cover -= members
    if to_cover:
        if users is None:
            pool["users"] = users = CommentedSeq()
        for email in sorted(org.email_of(p) for p in to_cover):
            users.append(email)
    if users is not None and not users:
        remove(pool, "users")
    key = "users" if "users" in pool else ("groups" if "groups" in pool else "license")
    pool.yaml_add_eol_comment(note, key)


def _after(m: CommentedMap, keys: tuple[str, ...]) -> int:
    for k in keys:
        if k in m:
            return list(m.keys()).index(k) + 1
    return len(m)


def _ensure_owner(dist: CommentedMap, owner: str) -> None:
    if not dist.get("owner"):
        dist.insert(0, "owner", owner)


def _declared_ids_after(text: str, org: OrgRead, lic: License) -> tuple[set[str], bool]:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "s.yaml"
        p.write_text(text)
        sf = load_stack_file(p)
    found = _declared_pool(sf, lic, org)
    assert found is not None
    return _ids_of(org, found[2].users, found[2].groups), found[2].exclusive


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------


def print_report(report: Report, console: Console) -> None:
    tp = report.target_pool
    console.print(
        f"[bold]Migration to {report.target_site}[/bold] (stack {report.stack}): pool "
        f"{tp['name']} {tp['consumedUnits']}/{tp['totalUnits']} used"
        + ("" if tp["declared"] else " — not declared in the stack file")
    )
    t = Table(
        title=f"Meeting hosts without a license on {report.target_site} ({len(report.unlicensed_hosts)})", title_justify="left"
    )
    for col in ("host", "meetings", "other meeting sites", "declared in target pool"):
        t.add_column(col)
    for h in report.unlicensed_hosts:
        kinds: dict[str, int] = {}
        for m in h.meetings:
            kinds[m["kind"]] = kinds.get(m["kind"], 0) + 1
        t.add_row(
            h.email + ("" if h.in_org else " (not in the org)"),
            ", ".join(f"{n} {k}" for k, n in kinds.items()),
            ", ".join(h.other_meeting_sites) or "-",
            "yes" if h.declared_in_target_pool else "no",
        )
    console.print(t)
    t = Table(title="License pools after the move", title_justify="left")
    for col in ("pool", "total", "used", "declared", "after move", "over by", "with proposal"):
        t.add_column(col, justify="right" if col != "pool" else "left")
    for r in report.pools:
        t.add_row(
            r.pool,
            _s(r.total),
            _s(r.used),
            _s(r.declared),
            str(r.after_move),
            f"[red]{r.over_by}[/red]" if r.over_by else "0",
            _s(r.after_proposal),
        )
    console.print(t)
    g = report.guests
    console.print(
        f"[bold]Guests created the deprecated way (Guest Issuer):[/bold] not detectable. {g['explanation']} "
        f"Approximation — {g['approximation']}: {len(g['suspects'])} found"
        + (f" ({', '.join(g['suspects'][:10])}{' …' if len(g['suspects']) > 10 else ''})" if g["suspects"] else "")
        + f"; {g['declaredServiceAppGuests']} guest(s) declared through Service Apps."
    )
    t = Table(title=f"Meetings addressed by roomId ({len(report.room_meetings)}): error 30105 once moved", title_justify="left")
    for col in ("host", "site", "title", "meeting id", "host licensed on target"):
        t.add_column(col)
    for m in report.room_meetings:
        t.add_row(m["host"], m["siteUrl"], m["title"], m["meetingId"], "yes" if m["hostLicensedOnTarget"] else "no")
    console.print(t)
    p = report.proposal
    head = "[bold green]Proposed redistribution[/bold green]" if p.fits else "[bold red]No edit fits[/bold red]"
    console.print(f"{head}: {p.reason}")
    if p.fits and (p.adds or p.removes):
        where = f"licenses.{p.distribution}" if p.distribution else "a new meetings distribution"
        console.print(f"  in {where}, pool {report.target_site}:")
        if p.add_groups:
            console.print(f"  + groups: {', '.join(p.add_groups)}")
        console.print(f"  + {len(p.adds)} host(s): {_names(p.adds)}")
        if p.removes:
            console.print(f"  - {len(p.removes)} holder(s) who host no meetings: {_names(p.removes)}")
        if p.expanded_groups:
            console.print(f"  groups replaced by their remaining members: {', '.join(p.expanded_groups)}")
        console.print(("  written to " + str(p.file)) if p.written else "  (run with --write to edit the stack file)")


def _s(v: Any) -> str:
    return "-" if v is None else str(v)


def _names(emails: list[str], n: int = 12) -> str:
    return ", ".join(emails[:n]) + (f", … and {len(emails) - n} more" if len(emails) > n else "")


# ---------------------------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------------------------


@click.command("migration-report")
@with_common
@click.option("--target-site", required=True, help="The meeting site everything moves to, e.g. acme.webex.com.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (nothing else on stdout).")
@click.option("--write", is_flag=True, help="Write the proposed redistribution into the stack file.")
@click.option(
    "--protect-group",
    "protect_groups",
    multiple=True,
    help="Never free units from this group's members (repeatable; 'executives' always is).",
)
@click.option("--owner", help="Owner of a distribution the edit creates (default: the token's user).")
@click.option("--max-host-scans", type=click.IntRange(min=0), default=DEFAULT_MAX_HOST_SCANS, show_default=True)
@click.option("--horizon-days", type=click.IntRange(min=1, max=3650), default=DEFAULT_HORIZON_DAYS, show_default=True)
@click.option("--progress/--no-progress", default=None, help="Progress bars (default: on a terminal).")
def migration_report_command(
    stack: str,
    base_url: str | None,
    project_dir: Path,
    requests_per_second: float | None,
    target_site: str,
    as_json: bool,
    write: bool,
    protect_groups: tuple[str, ...],
    owner: str | None,
    max_host_scans: int,
    horizon_days: int,
    progress: bool | None,
) -> None:
    """Hosts, pools, guests and roomId meetings of a move to TARGET-SITE; --write plans the licenses."""
    target = target_site.strip().lower().removeprefix("https://").rstrip("/")
    if not target or "/" in target or "." not in target:
        raise click.BadParameter(f"{target_site!r} is not a site URL like acme.webex.com", param_hint="--target-site")
    path = default_stack_path(project_dir, stack)
    declared: StackFile | None = None
    if path.exists():
        try:
            declared = load_stack_file(path, display=str(path))
        except StackFileError as e:
            raise DiscoverError(f"the stack file is invalid; fix it first:\n{e}") from None
    elif write:
        raise DiscoverError(f"{path} does not exist: run `webex-iac discover --stack {stack}` first")
    conn = connect(stack, project_dir, base_url, requests_per_second)
    try:
        with Steps(progress) as steps:
            org = read_org(
                conn,
                steps=steps,
                max_host_scans=max_host_scans,
                horizon_days=horizon_days,
                read_settings=False,
                read_authorizations=False,
            )
    except WebexError as e:
        raise DiscoverError(f"reading the org failed: {e.status or ''} {e.message or e}".strip()) from None
    finally:
        conn.close()
    report = analyze(org, declared, stack, target, list(protect_groups))
    prop = report.proposal
    if write and prop.fits and (prop.adds or prop.removes):
        raw = yaml_rt().load(path.read_text())
        apply_proposal(raw, report, org, owner or org.me_email or "unowned")
        buf = io.StringIO()
        yaml_rt().dump(raw, buf)
        text = buf.getvalue()
        validate_text(text, str(path))
        _check_by_construction(text, report, org, declared)
        write_text(path, text)
        prop.written, prop.file = True, str(path)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2, default=str))
    else:
        print_report(report, Console())
    if write and not prop.fits:
        if not as_json:
            click.echo(f"nothing written to {path}", err=True)
        raise SystemExit(EXIT_NO_FIT)


def _check_by_construction(text: str, report: Report, org: OrgRead, declared: StackFile | None) -> None:
    """Belt and braces before writing: capacity and protected holders, as the policy checks them."""
    lic = next(l for l in org.licenses if l.id == report.target_pool["id"])
    after, exclusive = _declared_ids_after(text, org, lic)
    count = len(after | (set() if exclusive else org.holders[lic.id]))
    cap = report.target_pool["capacity"]
    problems = []
    if cap is not None and count > cap:
        problems.append(f"{count} declared holders > capacity {cap}")
    protected = set().union(*protected_ids(org, declared, []).values())
    before = _ids_of(org, *_declared_lists(declared, lic, org)) if report.proposal.pool_declared else org.holders[lic.id]
    lost = (before & protected) - after
    if lost:
        problems.append("protected holders would lose the license: " + ", ".join(sorted(org.email_of(p) for p in lost)))
    missing = {org.id_by_email[e] for e in report.proposal.adds} - after
    if missing:
        problems.append(f"{len(missing)} host(s) not declared after the edit")
    if problems:
        raise DiscoverError("the proposed edit fails its own checks (a bug; nothing written): " + "; ".join(problems))


def _declared_lists(declared: StackFile | None, lic: License, org: OrgRead) -> tuple[list[str], list[str]]:
    found = _declared_pool(declared, lic, org)
    return (found[2].users, found[2].groups) if found else ([], [])
