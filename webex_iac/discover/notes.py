"""The two generated comment blocks: the summary at the top and the notes at the end."""

from __future__ import annotations

from dataclasses import dataclass, field

from webex_client.types.licenses import License

from ..org_model import pool_label
from .org_read import LiveMeeting, OrgRead
from .yaml_doc import BLOCK_END, BLOCK_START

MEETINGS_DISTRIBUTION = "meetings"


@dataclass
class Notes:
    """What the notes block at the end of the file says."""

    not_adoptable: list[tuple[LiveMeeting, str]] = field(default_factory=list)
    empty_pools: list[License] = field(default_factory=list)


def _count(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def header_lines(org: OrgRead) -> list[str]:
    created = f" (created {org.org_created.date().isoformat()})" if org.org_created else ""
    lines = [
        f"{BLOCK_START}: summary (this block and the notes at the end are rewritten by every run)",
        f"Org {org.org_name or org.org_id or '?'}{created}, read through {org.base_url}:",
        f"  {_count(len(org.people), 'person', 'people')}, {_count(len(org.groups), 'group')}, "
        f"{_count(len(org.licenses), 'license pool')}, {_count(len(org.sites()), 'meeting site')}, "
        f"{_count(len(org.admins), 'admin')}.",
        "License pools (used/total; holders declared below):",
    ]
    width = max((len(pool_label(l)) for l in org.licenses), default=0)
    for lic in org.licenses:
        used = f"{lic.consumed_units if lic.consumed_units is not None else '?'}/{lic.total_units if lic.total_units is not None else '?'}"
        extra = " (no holders: not declared)" if not org.holders[lic.id] else ""
        sub = f"  subscription {lic.subscription_id}" if lic.subscription_id else ""
        lines.append(f"  {pool_label(lic).ljust(width)}  {used:>9}{sub}{extra}")
    lines += [
        f"Distributions: `{MEETINGS_DISTRIBUTION}` holds every meeting-site pool (a user moves between sites in one",
        "  PATCH, within both pools' capacity); every other pool has its own. Pools are exclusive: an",
        "  undeclared holder loses the license on `up`. A declared group is its live membership.",
        f"Standing meetings: {_count(len(org.meetings), 'series', 'series')} found for {_count(len(org.scanned_hosts), 'host')} scanned "
        f"(people with a meeting-site account), next {org.horizon_days} days;",
        "  declared with adoptMeetingId: `up` takes each series over and creates nothing.",
        f"{BLOCK_END}: summary",
    ]
    return lines


def notes_lines(org: OrgRead, notes: Notes) -> list[str]:
    out = [f"{BLOCK_START}: notes"]
    if org.space_meetings:
        out += [
            f"Space meetings: {len(org.space_meetings)} (roomId) — NOT declared: a space is no longer a meeting",
            "  destination (error 30105). Move each to a standing meeting on a site its host is licensed for",
            "  (`webex-iac migration-report --target-site <site>` plans the licenses):",
        ]
        for m in sorted(org.space_meetings, key=lambda m: (m.host, m.id)):
            rec = f" {m.recurrence}" if m.recurrence else ""
            out.append(f"    {m.host}  {m.site_url}  {m.title!r}{rec}  meeting {m.id}  room {m.room_id}")
    if notes.not_adoptable:
        out.append(f"Not declared ({len(notes.not_adoptable)} series a StandingMeeting cannot describe exactly):")
        for m, why in notes.not_adoptable:
            out.append(f"    {m.host}  {m.title!r}  meeting {m.id}: {why}")
    if org.other_meetings:
        out.append(f"Not declared ({len(org.other_meetings)} webinars / personal room meetings):")
        for m in org.other_meetings:
            out.append(f"    {m.host}  {m.scheduled_type}  {m.title!r}  meeting {m.id}")
    if org.unscanned_hosts:
        out.append(
            f"Meeting scan truncated: {len(org.unscanned_hosts)} people with a site account were not scanned "
            "(raise --max-host-scans); their meetings are not declared and not dropped."
        )
    if org.scan_errors:
        shown = "; ".join(f"{h} ({e})" for h, e in sorted(org.scan_errors.items())[:10])
        more = f"; … and {len(org.scan_errors) - 10} more" if len(org.scan_errors) > 10 else ""
        out.append(f"Meetings of {len(org.scan_errors)} host(s) could not be listed (not declared, not dropped): {shown}{more}")
    if notes.empty_pools:
        out.append(
            "Pools without holders (not declared): "
            + ", ".join(f"{pool_label(l)} ({l.total_units} units)" for l in notes.empty_pools)
        )
    for site, note in sorted(org.site_notes.items()):
        out.append(f"Site {site}: {note}")
    out.append(f"Service Apps: no API lists the Service Apps authorized for an org; {org.apps_note}")
    if org.apps:
        out.append("  found these applications with live grants (any of them may be a Service App):")
        for a in org.apps:
            out.append(f"    {a['applicationName']}  clientId {a['clientId']}  (held by {', '.join(a['heldBy'])})")
    else:
        out.append("  found no application grants.")
    out += [
        "  Declare an authorized Service App yourself (discover never does: its client secret cannot be",
        "  read, and `up` mints its org token with POST /applications/{id}/token, a write):",
        "# serviceApps:",
        "#   provisioning-app:",
        "#     owner: platform-team@example.com",
        "#     applicationId: <base64 APPLICATION id from developer.webex.com>",
        "#     clientId: <C... client id>",
        "#     clientSecretConfig: provisioningAppClientSecret  # pulumi config set --secret provisioningAppClientSecret ...",
        "#     scopes: [spark-admin:people_read, guest-issuer:write]",
    ]
    out.append(f"{BLOCK_END}: notes")
    return out
