"""Seeding meetings: legacy space meetings and standing series (see ``seeds/sample.yaml``).

An org opts in with ``meetings: <preset>`` (a file in ``webex_emulator/areas/meetings/seeds``) or an
inline mapping of the same shape.  Seeded meetings bypass the API's rules on purpose: legacy
space meetings exist although their hosts hold no license on the site - that is the state the
migration has to repair.  Ids, meeting numbers and links are deterministic, so reseeding gives
the same meetings; passwords and host keys are random, as secrets should be.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from webex_emulator import deviations as dev
from webex_emulator.areas.licenses import model as lic
from webex_emulator.areas.people import model as ppl
from webex_emulator.core import SeedContext, ids, parse_iso

from . import fields, store
from .backend import site_criteria
from .model import Series, generate_numeric_secret, generate_password
from .recurrence import apply_limits, parse_recurrence

PRESETS_DIR = Path(__file__).resolve().parent / "seeds"
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def load_preset(spec: Any) -> dict[str, Any]:
    if isinstance(spec, dict):
        return spec
    path = PRESETS_DIR / f"{spec}.yaml"
    if not path.is_file():
        raise ValueError(f"unknown meetings preset {spec!r} (looked for {path})")
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(doc, dict):
        raise ValueError(f"meetings preset {spec!r} must be a mapping")
    return doc


def _digest(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()


def _series_id(org_uuid: str, key: str) -> str:
    return ids.stable_uuid("meeting-series", org_uuid, key).replace("-", "")


def _first_start(now: datetime, tz: ZoneInfo, weekday: str, at: str, weeks: int) -> datetime:
    """Local ``at`` on ``weekday`` of the week ``weeks`` after the seeding week."""
    local_now = now.astimezone(tz)
    monday = local_now.date() - timedelta(days=local_now.weekday())
    day = monday + timedelta(weeks=weeks, days=WEEKDAYS.index(weekday))
    hour, minute = (int(p) for p in at.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=tz).astimezone(timezone.utc)


def _number(ctx: SeedContext, site_url: str, key: str) -> tuple[str, str]:
    digest = _digest(ctx.org_uuid, key)
    number = "2" + str(int(digest[:16], 16))[-9:].rjust(9, "0")
    if store.number_taken(ctx.db, site_url, number):
        return store.allocate_number(ctx.db, site_url)
    return number, "m" + digest[16:48]


def _insert_series(
    ctx: SeedContext,
    *,
    key: str,
    host_email: str,
    site_url: str,
    title: str,
    tz_name: str,
    start: datetime,
    duration: timedelta,
    recurrence: str | None,
    agenda: str | None = None,
    room_id: str | None = None,
    tags: list[str] | None = None,
    invitees: list[dict[str, Any]] | None = None,
    series_id: str | None = None,
) -> str:
    now = parse_iso(ctx.now_iso)
    tz = ZoneInfo(tz_name)
    host_uuid = ctx.person_uuid(host_email)
    site_url = site_url.lower()
    if not lic.site_exists(ctx.db, ctx.org_uuid, site_url):
        raise ValueError(f"meeting {key!r}: site {site_url!r} does not exist in the org")
    rule = None
    if recurrence:
        rule = apply_limits(parse_recurrence(recurrence, tz), start.astimezone(tz), now)
    series = Series(series_id or _series_id(ctx.org_uuid, key), tz.key, start, start + duration, rule)
    first = next(series.pattern_starts(), None)
    if first is not None:
        series.start = first.astimezone(timezone.utc)
        series.end = series.start + duration
    data: dict[str, Any] = {
        **fields.with_defaults({}),
        "title": title,
        "password": generate_password(site_criteria(ctx.db, ctx.org_uuid, site_url)),
        "phoneAndVideoSystemPassword": generate_numeric_secret(8),
        "scheduledType": "meeting",
    }
    if agenda:
        data["agenda"] = agenda
    if tags:
        data["integrationTags"] = {dev.MEETINGS_DEVELOPER_PORTAL_CLIENT: list(tags)}
    number, token = _number(ctx, site_url, key)
    record = store.SeriesRecord(
        series=series,
        org_uuid=ctx.org_uuid,
        host_uuid=host_uuid,
        site_url=site_url,
        meeting_number=number,
        web_link_token=token,
        data=data,
        room_id=room_id,
        created=ctx.now_iso,
    )
    store.insert(ctx.db, record)
    for inv in invitees or []:
        email = inv["email"]
        person_uuid = ctx.people.get(email.lower())
        person = ppl.get(ctx.db, person_uuid)
        co_host = (
            bool(inv.get("coHost"))
            and person_uuid is not None
            and lic.holds_meeting_license_on_site(ctx.db, person_uuid, site_url)
        )
        store.insert_invitee(
            ctx.db,
            series_id=series.id,
            meeting_id=series.id,
            email=email,
            display_name=inv.get("displayName") or (person.display_name if person else email),
            co_host=co_host,
            panelist=False,
            now_iso=ctx.now_iso,
        )
    return series.id


def seed_org(ctx: SeedContext) -> None:
    spec = ctx.org.get("meetings")
    if not spec:
        return
    preset = load_preset(spec)
    now = parse_iso(ctx.now_iso)
    summary: dict[str, Any] = {"series": {}, "spaceMeetings": {}}

    space = preset.get("spaceMeetings")
    if space:
        hosts = list(ctx.org.get("spaceMeetingHosts") or [])
        tz = ZoneInfo(space.get("timezone", "UTC"))
        for i, email in enumerate(hosts):
            weekday = WEEKDAYS[i % 5]
            host_uuid = ctx.person_uuid(email)
            host = ppl.get(ctx.db, host_uuid)
            assert host is not None
            following = [hosts[(i + k) % len(hosts)] for k in range(1, int(space.get("invitees", 0)) + 1)]
            summary["spaceMeetings"][email] = _insert_series(
                ctx,
                key=f"space:{email.lower()}",
                host_email=email,
                site_url=space["site"],
                title=space["title"].format(displayName=host.display_name),
                tz_name=tz.key,
                start=_first_start(now, tz, weekday, space.get("time", "09:00"), int(space.get("weeksFromSeed", -1))),
                duration=timedelta(minutes=int(space.get("durationMinutes", 30))),
                recurrence=space["recurrence"].format(weekday=weekday) if space.get("recurrence") else None,
                room_id=ids.encode("ROOM", ids.stable_uuid("room", ctx.org_uuid, email.lower())),
                invitees=[{"email": e, "coHost": True} for e in following if e.lower() != email.lower()],
            )

    for item in preset.get("series") or []:
        tz = ZoneInfo(item.get("timezone", "UTC"))
        # `id`, `start` (absolute ISO) and `roomId` let a snapshot of a live org (webex-iac
        # snapshot) keep its series ids and times; presets use weekday/time instead.
        summary["series"][item["key"]] = _insert_series(
            ctx,
            key=item["key"],
            host_email=item["host"],
            site_url=item["site"],
            title=item["title"],
            tz_name=tz.key,
            start=parse_iso(item["start"])
            if item.get("start")
            else _first_start(now, tz, item.get("weekday", "MO"), item.get("time", "10:00"), int(item.get("weeksFromSeed", 1))),
            duration=timedelta(minutes=int(item.get("durationMinutes", 60))),
            recurrence=item.get("recurrence"),
            agenda=item.get("agenda"),
            tags=item.get("integrationTags"),
            invitees=item.get("invitees"),
            room_id=item.get("roomId"),
            series_id=item.get("id"),
        )
    ctx.summary["meetings"] = summary
