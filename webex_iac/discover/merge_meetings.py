"""The ``meetings`` section: standing series adopted by ``adoptMeetingId``."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from resources import StandingMeetingArgs
from resources.standing_meeting import integration_tag, same_recurrence

from .naming import slug, unique_name
from .notes import Notes
from .org_read import LiveMeeting, OrgRead
from .yaml_doc import drop_if_empty, flow, remove, same_value, section, set_value, show, timestamp


def meeting_props(m: LiveMeeting) -> dict[str, Any] | None:
    """The StandingMeeting inputs that describe ``m`` exactly (None: not expressible)."""
    if m.start is None or m.minutes is None:
        return None
    try:
        tz = ZoneInfo(m.timezone)
    except Exception:  # noqa: BLE001 - unknown zone name
        tz = ZoneInfo("UTC")
    local = m.start.astimezone(tz).replace(tzinfo=None)
    props: dict[str, Any] = {
        "host": m.host,
        "siteUrl": m.site_url,
        "title": m.title,
        "agenda": m.agenda,
        "start": local,
        "durationMinutes": m.minutes,
        "timezone": tz.key,
        "recurrence": m.recurrence,
        "invitees": [{"email": e, **({"coHost": True} if co else {})} for e, co in m.invitees or [] if e != m.host],
        "adoptMeetingId": m.id,
    }
    return props


def check_meeting(props: dict[str, Any]) -> str | None:
    try:
        StandingMeetingArgs.model_validate({k: v for k, v in props.items() if v is not None})
        return None
    except ValidationError as e:
        return "; ".join(f"{'.'.join(map(str, err['loc']))}: {err['msg'].removeprefix('Value error, ')}" for err in e.errors())


def _new_meeting(props: dict[str, Any], owner: str) -> CommentedMap:
    e = CommentedMap()
    e["owner"] = owner
    e["adoptMeetingId"] = props["adoptMeetingId"]
    for k in ("host", "siteUrl", "title", "agenda"):
        if props.get(k) is not None:
            e[k] = props[k]
    e["start"] = timestamp(props["start"])
    e["durationMinutes"] = props["durationMinutes"]
    e["timezone"] = props["timezone"]
    if props.get("recurrence"):
        e["recurrence"] = props["recurrence"]
    if props["invitees"]:
        e["invitees"] = CommentedSeq(flow(i) for i in props["invitees"])
    return e


def _sync_meeting(e: CommentedMap, props: dict[str, Any], changes: list[str], where: str) -> None:
    for k in ("host", "siteUrl", "title", "agenda", "durationMinutes", "timezone"):
        old = e.get(k)
        new = props.get(k)
        if k in ("host", "siteUrl") and isinstance(old, str) and new and old.lower() == new:
            continue
        set_value(e, k, new, changes, where)
    if not same_value(e.get("start"), props["start"]):
        changes.append(f"~ {where}.start: {show(e.get('start'))} -> {props['start'].isoformat()}")
        e["start"] = timestamp(props["start"])
    if not same_recurrence(str(e.get("recurrence")) if e.get("recurrence") else None, props.get("recurrence")):
        set_value(e, "recurrence", props.get("recurrence"), changes, where)
    want = {i["email"]: bool(i.get("coHost")) for i in props["invitees"]}
    seq = e.get("invitees")
    have = {}
    if isinstance(seq, CommentedSeq):
        have = {str(i.get("email", "")).lower(): bool(i.get("coHost")) for i in seq if isinstance(i, dict)}
    if have == want:
        return
    if not isinstance(seq, CommentedSeq):
        seq = e["invitees"] = CommentedSeq()
    for i in reversed(range(len(seq))):
        item = seq[i]
        email = str(item.get("email", "")).lower() if isinstance(item, dict) else ""
        if email not in want:
            changes.append(f"- {where}.invitees: {email}")
            remove(seq, i)
        elif bool(item.get("coHost")) != want[email]:
            changes.append(f"~ {where}.invitees: {email} coHost -> {want[email]}")
            if want[email]:
                item["coHost"] = True
            elif "coHost" in item:
                item["coHost"] = False
    present = {str(i.get("email", "")).lower() for i in seq if isinstance(i, dict)}
    for email in sorted(want.keys() - present):
        seq.append(flow({"email": email, **({"coHost": True} if want[email] else {})}))
        changes.append(f"+ {where}.invitees: {email}")
    if not seq:
        remove(e, "invitees")


def merge_meetings(doc: CommentedMap, org: OrgRead, stack: str, changes: list[str], notes: Notes) -> None:
    meetings = section(doc, "meetings")
    live = {m.id: m for m in org.meetings}
    claimed: set[str] = set()
    for name in list(meetings.keys()):
        e = meetings[name]
        if not isinstance(e, CommentedMap):
            continue
        mid = e.get("adoptMeetingId")
        if mid:
            m = live.get(str(mid))
            host = str(e.get("host") or "").lower()
            if m is None:
                if host in org.scanned_hosts or host not in org.by_email:
                    changes.append(f"- meetings.{name}: series {mid} is no longer in the org (ended or deleted)")
                    remove(meetings, name)
                continue
            claimed.add(m.id)
            props = meeting_props(m)
            if props is None or m.invitees is None or check_meeting(props):
                continue  # keep the human's entry as it is; the notes say why
            _sync_meeting(e, props, changes, f"meetings.{name}")
        else:
            # Declared (created and managed by `up`): don't adopt its live series a second time.
            tag = integration_tag(stack, name)
            host, site, title = (str(e.get(k) or "").lower() for k in ("host", "siteUrl", "title"))
            for m in org.meetings:
                if tag in m.integration_tags or (m.host == host and m.site_url == site and m.title.lower() == title):
                    claimed.add(m.id)
    for m in sorted(org.meetings, key=lambda m: (m.title.lower(), m.host, m.id)):
        if m.id in claimed:
            continue
        props = meeting_props(m)
        if props is None:
            notes.not_adoptable.append((m, "no start or end"))
            continue
        why = "invitees unreadable" if m.invitees is None else check_meeting(props)
        if why:
            notes.not_adoptable.append((m, why))
            continue
        base = slug(m.title, "meeting")
        name = (
            base if base not in meetings else unique_name(slug(f"{m.title} {m.host.split('@')[0]}", "meeting"), meetings.keys())
        )
        meetings[name] = _new_meeting(props, m.host)
        changes.append(f"+ meetings.{name}: {m.title!r} hosted by {m.host} (adopts {m.id})")
    drop_if_empty(doc, "meetings")
