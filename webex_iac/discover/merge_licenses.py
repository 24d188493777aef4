"""The ``licenses`` section: exclusive pools, meeting-site pools in one distribution."""

from __future__ import annotations

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from webex_client.types.licenses import License

from ..org_model import license_ref, pool_label, pool_vanished, resolve_pool
from .naming import group_holders, slug, unique_name
from .notes import MEETINGS_DISTRIBUTION, Notes
from .org_read import OrgRead
from .yaml_doc import drop_if_empty, flow, remove, section


def _new_pool(lic: License, org: OrgRead) -> CommentedMap:
    pool = CommentedMap()
    pool["license"] = flow(license_ref(lic, org.licenses))
    if "id" in pool["license"]:
        pool.yaml_add_eol_comment(lic.name or "license", "license")
    if lic.total_units is not None:
        pool["capacity"] = lic.total_units
    pool["exclusive"] = True
    groups, rest = group_holders(org.holders[lic.id], org.groups)
    if groups:
        pool["groups"] = CommentedSeq(groups)
    users = sorted(org.email_of(pid) for pid in rest)
    if users:
        pool["users"] = CommentedSeq(users)
    return pool


def _sync_pool(pool: CommentedMap, lic: License, org: OrgRead, changes: list[str], where: str) -> None:
    holders = org.holders[lic.id]
    groups = pool.get("groups")
    covered: set[str] = set()
    if isinstance(groups, CommentedSeq):
        for i in reversed(range(len(groups))):
            members = org.groups.get(str(groups[i]))
            if members is None or not members <= holders:
                why = "no longer exists" if members is None else "has members without this license"
                changes.append(f"~ {where}.groups: {groups[i]} {why}; its holders are listed as users")
                remove(groups, i)
            else:
                covered |= members
        if not groups:
            remove(pool, "groups")
    users = pool.get("users")
    declared: set[str] = set(covered)
    if isinstance(users, CommentedSeq):
        for i in reversed(range(len(users))):
            person = org.by_email.get(str(users[i]).strip().lower())
            if person is None or person.id not in holders:
                changes.append(f"- {where}.users: {users[i]}")
                remove(users, i)
            else:
                declared.add(person.id)
    missing = sorted(org.email_of(pid) for pid in holders - declared)
    if missing:
        if not isinstance(pool.get("users"), CommentedSeq):
            pool["users"] = CommentedSeq()
        for email in missing:
            pool["users"].append(email)
            changes.append(f"+ {where}.users: {email}")
    if isinstance(pool.get("users"), CommentedSeq) and not pool["users"]:
        remove(pool, "users")
    if "capacity" in pool and lic.total_units is not None and pool["capacity"] != lic.total_units:
        changes.append(f"~ {where}.capacity: {pool['capacity']} -> {lic.total_units}")
        pool["capacity"] = lic.total_units


def merge_licenses(doc: CommentedMap, org: OrgRead, owner: str, changes: list[str], notes: Notes) -> None:
    dists = section(doc, "licenses")
    matched: set[str] = set()
    for dname in list(dists.keys()):
        dist = dists[dname]
        pools = dist.get("pools") if isinstance(dist, CommentedMap) else None
        if not isinstance(pools, CommentedSeq):
            continue
        for i in reversed(range(len(pools))):
            pool = pools[i]
            ref = pool.get("license") if isinstance(pool, CommentedMap) else None
            lic = resolve_pool(ref, org.licenses) if isinstance(ref, dict) else None
            if lic is None and isinstance(ref, dict) and pool_vanished(ref, org.licenses):
                changes.append(f"- licenses.{dname}.pools[{i}]: {dict(ref)} no longer matches a pool of the org")
                remove(pools, i)
                continue
            if lic is None or lic.id in matched:
                continue  # unparseable (left for the loader to report) or a duplicate
            matched.add(lic.id)
        for i, pool in enumerate(pools):
            ref = pool.get("license") if isinstance(pool, CommentedMap) else None
            lic = resolve_pool(ref, org.licenses) if isinstance(ref, dict) else None
            if lic is not None:
                _sync_pool(pool, lic, org, changes, f"licenses.{dname}.pools[{i}]")
        if not pools:
            changes.append(f"- licenses.{dname}: none of its pools exists any more")
            remove(dists, dname)

    new = [lic for lic in org.licenses if lic.id not in matched]
    notes.empty_pools = [lic for lic in new if not org.holders[lic.id]]
    new = [lic for lic in new if org.holders[lic.id]]
    # Meeting pools join the distribution that already moves users between sites.
    meeting_new = [lic for lic in new if lic.site_url]
    if meeting_new:
        target = meeting_distribution(dists, org.licenses)
        if target is None:
            target = unique_name(MEETINGS_DISTRIBUTION, dists.keys())
            dists[target] = CommentedMap([("owner", owner), ("pools", CommentedSeq())])
        for lic in meeting_new:
            dists[target]["pools"].append(_new_pool(lic, org))
            changes.append(f"+ licenses.{target}: pool {pool_label(lic)}, {len(org.holders[lic.id])} holders")
    for lic in new:
        if lic.site_url:
            continue
        name = unique_name(slug(lic.name or "license", "license"), dists.keys())
        dists[name] = CommentedMap([("owner", owner), ("pools", CommentedSeq([_new_pool(lic, org)]))])
        changes.append(f"+ licenses.{name}: pool {pool_label(lic)}, {len(org.holders[lic.id])} holders")
    drop_if_empty(doc, "licenses")


def meeting_distribution(dists: CommentedMap, licenses: list[License]) -> str | None:
    """The first distribution of the file that holds a meeting-site pool."""
    for name, d in dists.items():
        for p in (d.get("pools") or []) if isinstance(d, CommentedMap) else []:
            ref = p.get("license") if isinstance(p, CommentedMap) else None
            lic = resolve_pool(ref, licenses) if isinstance(ref, dict) else None
            if (lic is not None and lic.site_url) or (isinstance(ref, dict) and ref.get("siteUrl")):
                return name
    return None
