"""Meetings backend: the scheduling rules that need state ([SM] tags Meetings, Invitees).

``model`` and ``recurrence`` hold the pure rules (ids, secrets, times, occurrences), ``store``
the SQL; this module combines them with what other areas know: the host's license (licenses
backend), the site's password rules and converged flag (sites backend), people's names (people
backend). Routes parse the request, call these functions, and render what they return.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from webex_emulator import deviations as dev
from webex_emulator.areas.licenses import model as lic
from webex_emulator.areas.people import model as ppl
from webex_emulator.areas.sites import model as sites
from webex_emulator.core import WebexError, bad_request, conflict, forbidden

from . import fields, store
from .model import (
    MeetingRuleError,
    Occurrence,
    OccurrenceException,
    PasswordCriteria,
    Series,
    check_schedule_duration,
    generate_numeric_secret,
    generate_password,
    new_series_id,
    normalise_schedule,
    occurrence_id,
    parse_timestamp,
    resolve_timezone,
    validate_password,
)
from .recurrence import Recurrence, RecurrenceError, apply_limits, parse_recurrence

# The spec's own message for invalid meeting input (createMeeting 400 example).
INVALID_INPUT = dev.MEETINGS_INVALID_INPUT_MESSAGE
ADHOC_START = timedelta(minutes=5)
ADHOC_END = timedelta(minutes=20)
DUPLICATE_INVITEE = "User is already a meeting invitee."  # [SM] 409 example, verbatim
INVITEE_DISPLAY_NAME_MAX = 128


def invalid(description: str) -> WebexError:
    return bad_request(description, INVALID_INPUT)


def meeting_rule(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a pure rule; its broken-rule error becomes the spec's 400."""
    try:
        return fn(*args, **kwargs)
    except (MeetingRuleError, RecurrenceError) as err:
        raise invalid(str(err)) from None


def recurrence_rule(value: Any, tz: ZoneInfo, start: datetime, now: datetime) -> Recurrence:
    if not isinstance(value, str):
        raise invalid("'recurrence' must be an RRULE string.")
    rule = meeting_rule(parse_recurrence, value, tz)
    return meeting_rule(apply_limits, rule, start.astimezone(tz), now)


# ---------------------------------------------------------------------------------------------
# What other areas know
# ---------------------------------------------------------------------------------------------


def require_host_license(db: sqlite3.Connection, person_uuid: str, email: str, site_url: str) -> None:
    """A meeting host must hold the site's meeting license (docs/webex-behaviour.md "License assignment", "Migration to Improved Space Meetings")."""
    if not lic.holds_meeting_license_on_site(db, person_uuid, site_url):
        raise forbidden(
            f"User '{email}' does not have a host account on site '{site_url}': a meeting host needs that site's meeting license."
        )


def can_host(db: sqlite3.Connection, person_uuid: str, site_url: str) -> bool:
    return lic.holds_meeting_license_on_site(db, person_uuid, site_url)


def site_exists(db: sqlite3.Connection, org_uuid: str, site_url: str) -> bool:
    return lic.site_exists(db, org_uuid, site_url)


def default_site(db: sqlite3.Connection, person_uuid: str | None) -> str | None:
    """[SM]: without ``siteUrl`` the meeting goes to the user's preferred site."""
    return sites.default_site(db, person_uuid) if person_uuid else None


def site_criteria(db: sqlite3.Connection, org_uuid: str, site_url: str) -> PasswordCriteria:
    """The site's strong-password rules (commonSettings ``securityOptions``, sites area)."""
    security = sites.get_settings(db, org_uuid, site_url).get("securityOptions") or {}
    raw = security.get("passwordCriteria") or {}
    base = PasswordCriteria()
    return PasswordCriteria(
        require_strong_password=bool(security.get("requireStrongPassword", True)),
        mixed_case=bool(raw.get("mixedCase", base.mixed_case)),
        min_length=int(raw.get("minLength", base.min_length)),
        min_numeric=int(raw.get("minNumeric", base.min_numeric)),
        min_alpha=int(raw.get("minAlpha", base.min_alpha)),
        min_special=int(raw.get("minSpecial", base.min_special)),
        disallow_dynamic_web_text=bool(raw.get("disallowDynamicWebText", base.disallow_dynamic_web_text)),
        disallow_list=bool(raw.get("disallowList", base.disallow_list)),
        disallow_values=tuple(raw.get("disallowValues", base.disallow_values)),
    )


def converged_normalise(db: sqlite3.Connection, rec: store.SeriesRecord) -> dict[str, str] | None:
    """On a converged site, attributes it does not support keep the site's value and the answer
    carries Warning 1001 (deviations.CONVERGED_SITE_NORMALISED)."""
    if not sites.is_converged(db, rec.org_uuid, rec.site_url):
        return None
    changed = [k for k, kept in dev.CONVERGED_SITE_NORMALISED.items() if rec.data.get(k) is not None and rec.data.get(k) != kept]
    for k in changed:
        rec.data[k] = dev.CONVERGED_SITE_NORMALISED[k]
    return {"Warning": f"{dev.CONVERGED_SITE_WARNING}: {', '.join(changed)}"} if changed else None


def effective_data(rec: store.SeriesRecord, exc: OccurrenceException | None) -> dict[str, Any]:
    """The series' data with an exceptional occurrence's overrides applied."""
    data = dict(rec.data)
    if exc is not None:
        data = fields.merge_options(data, exc.overrides)
    return data


# ---------------------------------------------------------------------------------------------
# Create
# ---------------------------------------------------------------------------------------------


def anchor_to_first_occurrence(series: Series) -> None:
    """A series' start/end are its first occurrence's (the rule may skip the requested day)."""
    if series.recurrence is None:
        return
    first = next(series.pattern_starts(), None)
    if first is not None and first != series.start:
        duration = series.duration
        series.start = first.astimezone(timezone.utc)
        series.end = series.start + duration


def password(body: dict[str, Any], criteria: PasswordCriteria, dynamic: list[str]) -> str:
    if body.get("password") is None:
        return generate_password(criteria)
    meeting_rule(validate_password, body["password"], criteria, dynamic_text=dynamic)
    return str(body["password"])


def parse_invitees(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise invalid("'invitees' must be a list.")
    if len(value) > 1000:
        raise invalid("The maximum size of invitees is 1000.")
    seen: set[str] = set()
    out = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("email"), str) or "@" not in item["email"]:
            raise invalid("Each invitee needs a valid 'email'.")
        if item["email"].lower() in seen:
            raise invalid(f"Invitee '{item['email']}' is listed more than once.")
        seen.add(item["email"].lower())
        for flag in ("coHost", "panelist"):
            if item.get(flag) is not None and not isinstance(item[flag], bool):
                raise invalid(f"Invitee '{flag}' must be a boolean.")
        name = item.get("displayName")
        if name is not None and (not isinstance(name, str) or len(name) > 128):
            raise invalid("Invitee 'displayName' must be a string of at most 128 characters.")
        out.append(item)
    return out


def create_series(
    db: sqlite3.Connection,
    body: dict[str, Any],
    *,
    org_uuid: str,
    host_uuid: str,
    host_name: str,
    host_email: str,
    site_url: str,
    room_id: str | None,
    scheduled_type: str,
    title: str,
    tz: ZoneInfo,
    start: datetime,
    end: datetime,
    recurrence: Recurrence | None,
    client: str,
    now_iso: str,
) -> tuple[store.SeriesRecord, dict[str, str] | None]:
    """POST /meetings after the schedule was parsed: options, secrets, invitees; (record, headers)."""
    options = fields.with_defaults(meeting_rule(fields.parse_options, body))
    meeting_rule(fields.check_consistency, options, scheduled_type)
    criteria = site_criteria(db, org_uuid, site_url)
    data: dict[str, Any] = {
        **options,
        "title": title,
        "password": password(body, criteria, [title, host_name, host_email, site_url]),
        "phoneAndVideoSystemPassword": generate_numeric_secret(8),
        "scheduledType": scheduled_type,
    }
    if body.get("agenda") is not None:
        data["agenda"] = meeting_rule(fields.parse_agenda, body["agenda"])
    if scheduled_type == "webinar":
        data["panelistPassword"] = password({"password": body.get("panelistPassword")}, criteria, [title])
    if body.get("integrationTags") is not None:
        data["integrationTags"] = {client: meeting_rule(fields.parse_integration_tags, body["integrationTags"])}
    if body.get("trackingCodes") is not None:
        data["trackingCodes"] = meeting_rule(fields.parse_tracking_codes, body["trackingCodes"])
    if body.get("registration") is not None:
        if not isinstance(body["registration"], dict):
            raise invalid("'registration' must be an object.")
        data["registration"] = body["registration"]
    if isinstance(body.get("simultaneousInterpretation"), dict):
        si = body["simultaneousInterpretation"]
        if not isinstance(si.get("enabled", False), bool):
            raise invalid("'simultaneousInterpretation.enabled' must be a boolean.")
        data["simultaneousInterpretation"] = {"enabled": bool(si.get("enabled", False))}
    invitees = parse_invitees(body["invitees"]) if body.get("invitees") is not None else []
    if body.get("sendEmail") is not None and not isinstance(body["sendEmail"], bool):
        raise invalid("'sendEmail' must be a boolean.")

    number, token = store.allocate_number(db, site_url)
    series = Series(new_series_id(), tz.key, start, end, recurrence)
    anchor_to_first_occurrence(series)
    rec = store.SeriesRecord(
        series=series,
        org_uuid=org_uuid,
        host_uuid=host_uuid,
        site_url=site_url,
        meeting_number=number,
        web_link_token=token,
        data=data,
        room_id=room_id,
        created=now_iso,
    )
    warning = converged_normalise(db, rec)
    store.insert(db, rec)
    for item in invitees:
        co_host = item.get("coHost")
        if co_host is None:
            # [SM]: "coHost for each invitee is true by default if roomId is specified".
            co_host = room_id is not None
        add_invitee(db, rec, rec.id, item["email"], item.get("displayName"), co_host, bool(item.get("panelist")), now_iso)
    return rec, warning


def create_adhoc(
    db: sqlite3.Connection,
    body: dict[str, Any],
    *,
    org_uuid: str,
    host_uuid: str,
    host_name: str,
    site_url: str,
    room_id: str,
    now: datetime,
    now_iso: str,
) -> store.SeriesRecord:
    """[SM]: one ad-hoc meeting per room; start now+5 min, end now+20 min, UTC, fixed options."""
    for rec in store.adhoc_of_room(db, room_id):
        if rec.series.end > now:
            return rec
    title = body.get("title") or host_name
    title = meeting_rule(fields.parse_title, title, required=True)
    start = now.replace(second=0, microsecond=0) + ADHOC_START
    options = fields.with_defaults(
        {
            "allowAnyUserToBeCoHost": True,
            "allowAuthenticatedDevices": True,
            "enabledJoinBeforeHost": True,
            "enableConnectAudioBeforeHost": True,
            "allowFirstUserToBeCoHost": False,
            "enableAutomaticLock": False,
            "publicMeeting": False,
            "joinBeforeHostMinutes": 5,
            "unlockedMeetingJoinSecurity": "allowJoinWithLobby",
        }
    )
    criteria = site_criteria(db, org_uuid, site_url)
    data = {
        **options,
        "title": title,
        "password": generate_password(criteria),
        "phoneAndVideoSystemPassword": generate_numeric_secret(8),
        "scheduledType": "meeting",
    }
    number, token = store.allocate_number(db, site_url)
    rec = store.SeriesRecord(
        series=Series(new_series_id(), "UTC", start, start + (ADHOC_END - ADHOC_START)),
        org_uuid=org_uuid,
        host_uuid=host_uuid,
        site_url=site_url,
        meeting_number=number,
        web_link_token=token,
        data=data,
        room_id=room_id,
        adhoc=True,
        created=now_iso,
    )
    store.insert(db, rec)
    return rec


# ---------------------------------------------------------------------------------------------
# Update (PATCH = partial, PUT = full replace) and delete
# ---------------------------------------------------------------------------------------------


def _apply_common(
    db: sqlite3.Connection,
    rec: store.SeriesRecord,
    current: dict[str, Any],
    body: dict[str, Any],
    *,
    full: bool,
    host_name: str,
    client: str,
) -> dict[str, Any]:
    """Title/agenda/password/options/tags/tracking codes → the new data dict."""
    updates = meeting_rule(fields.parse_options, body)
    data = dict(current)
    if full:
        keep: dict[str, Any] = {
            k: data[k]
            for k in (
                "password",
                "phoneAndVideoSystemPassword",
                "scheduledType",
                "panelistPassword",
                "registration",
                "simultaneousInterpretation",
            )
            if k in data
        }
        data = {**fields.with_defaults(updates), **keep}
        tags = dict(current.get("integrationTags") or {})
        tags.pop(client, None)  # full replace of this client's tags
        data["integrationTags"] = tags
        data.pop("agenda", None)
        data.pop("trackingCodes", None)
    else:
        data = fields.merge_options(data, updates)
    title = meeting_rule(fields.parse_title, body.get("title"), required=False)
    if title is not None:
        data["title"] = title
    if "agenda" in body:
        if body["agenda"] is None:
            data.pop("agenda", None)
        else:
            data["agenda"] = meeting_rule(fields.parse_agenda, body["agenda"])
    if "trackingCodes" in body:
        if body["trackingCodes"] is None:
            data.pop("trackingCodes", None)
        else:
            data["trackingCodes"] = meeting_rule(fields.parse_tracking_codes, body["trackingCodes"])
    if body.get("integrationTags") is not None:
        tags = dict(data.get("integrationTags") or {})
        tags[client] = meeting_rule(fields.parse_integration_tags, body["integrationTags"])
        data["integrationTags"] = tags
    criteria = site_criteria(db, rec.org_uuid, rec.site_url)
    if body.get("password") is not None:
        meeting_rule(validate_password, body["password"], criteria, dynamic_text=[data["title"], host_name, rec.site_url])
        data["password"] = body["password"]
    if body.get("panelistPassword") is not None and data.get("scheduledType") == "webinar":
        meeting_rule(validate_password, body["panelistPassword"], criteria, dynamic_text=[data["title"]])
        data["panelistPassword"] = body["panelistPassword"]
    meeting_rule(fields.check_consistency, data, data.get("scheduledType", "meeting"))
    return data


def update_series(
    db: sqlite3.Connection,
    rec: store.SeriesRecord,
    body: dict[str, Any],
    *,
    full: bool,
    host_name: str,
    client: str,
    now: datetime,
) -> None:
    series = rec.series
    rec.data = _apply_common(db, rec, rec.data, body, full=full, host_name=host_name, client=client)

    tz = series.tz
    if body.get("timezone") is not None:
        tz = meeting_rule(resolve_timezone, body["timezone"])
    start = meeting_rule(parse_timestamp, body["start"], "start", tz) if body.get("start") is not None else None
    end = meeting_rule(parse_timestamp, body["end"], "end", tz) if body.get("end") is not None else None
    start_changed = start is not None and start.replace(second=0, microsecond=0) != series.start
    end_changed = end is not None and end.replace(second=0, microsecond=0) != series.end
    new_start, new_end = series.start, series.end
    if start_changed or end_changed:
        # [MTG] rules 1 and 2: not before now; 10 min <= duration <= 23:59.
        new_start, new_end = meeting_rule(normalise_schedule, start or series.start, end or series.end, now)

    if full:
        recurrence_given, recurrence_value = True, body.get("recurrence")  # omitted on PUT = none
    else:
        recurrence_given, recurrence_value = "recurrence" in body, body.get("recurrence")
    new_rule = series.recurrence
    if recurrence_given:
        new_rule = None if recurrence_value is None else recurrence_rule(recurrence_value, tz, new_start, now)
    old_rule = series.recurrence.to_string() if series.recurrence else None
    rule_changed = (new_rule.to_string() if new_rule else None) != old_rule
    # The rule expands in the meeting's timezone, so a new zone moves occurrences too.
    zone_changed = tz.key != series.timezone

    if start_changed or end_changed or rule_changed or zone_changed:
        # [SM] update/patch: "If the value of start, end, or recurrence for the meeting series is
        # changed, any exceptional scheduled meeting in this series is cancelled".
        series.timezone = tz.key
        series.start, series.end, series.recurrence = new_start, new_end, new_rule
        series.exceptions.clear()
        store.delete_occurrence_invitees(db, series.id)
        anchor_to_first_occurrence(series)


def update_occurrence(
    db: sqlite3.Connection,
    rec: store.SeriesRecord,
    occ: Occurrence,
    body: dict[str, Any],
    *,
    full: bool,
    client: str,
    now: datetime,
) -> None:
    """Only this scheduled meeting changes; it becomes an exception (``isModified: true``)."""
    if body.get("recurrence") is not None:
        raise invalid("'recurrence' applies only to a meeting series, not to a scheduled meeting.")
    series = rec.series
    exc = occ.exception or OccurrenceException(occ.key)
    host = ppl.get(db, rec.host_uuid)
    new_data = _apply_common(
        db, rec, effective_data(rec, exc), body, full=full, host_name=host.display_name if host else "", client=client
    )
    # Keep only what differs from the series, so later series edits of other fields still reach
    # this occurrence; None marks a field cleared here (agenda/trackingCodes set to null).
    overrides: dict[str, Any] = {k: v for k, v in new_data.items() if rec.data.get(k) != v}
    overrides.update({k: None for k in rec.data if k not in new_data})
    tz = series.tz
    start = meeting_rule(parse_timestamp, body["start"], "start", tz) if body.get("start") is not None else None
    end = meeting_rule(parse_timestamp, body["end"], "end", tz) if body.get("end") is not None else None
    new_start, new_end = occ.start, occ.end
    if (start is not None and start.replace(second=0, microsecond=0) != occ.start) or (
        end is not None and end.replace(second=0, microsecond=0) != occ.end
    ):
        new_start, new_end = meeting_rule(normalise_schedule, start or occ.start, end or occ.end, now)
        lower, upper = series.recurring_interval(occ.key)
        if (lower is not None and new_start < lower) or (upper is not None and new_start >= upper):
            # [MTG] rule 5: a scheduled meeting stays inside its recurring interval.
            raise invalid(
                "meeting.err.two_meeting_schedule_at_same_day: the new start of a scheduled meeting must "
                "stay between its own day and the day of the next scheduled meeting."
            )
    meeting_rule(check_schedule_duration, new_start, new_end)
    exc.start = None if new_start == occ.original_start else new_start
    exc.end = None if exc.start is None and new_end == occ.original_start + series.duration else new_end
    exc.overrides = overrides
    if exc.meeting_number is None:
        # An exceptional meeting gets its own number and link ([SM] listMeetings meetingNumber).
        exc.meeting_number, exc.web_link_token = store.allocate_number(db, rec.site_url)
    series.exceptions[occ.key] = exc


def delete(db: sqlite3.Connection, rec: store.SeriesRecord, occ: Occurrence | None) -> None:
    """Delete a series, or cancel one scheduled meeting of a recurring one."""
    if occ is None or rec.series.recurrence is None:
        store.delete(db, rec.id)
        return
    exc = occ.exception or OccurrenceException(occ.key)
    exc.cancelled = True
    rec.series.exceptions[occ.key] = exc
    store.delete_meeting_invitees(db, occurrence_id(rec.id, occ.original_start))
    if rec.series.recurrence.bounded and not rec.series.occurrences():
        store.delete(db, rec.id)  # nothing left of the series
    else:
        store.save(db, rec)


def reassign(db: sqlite3.Connection, rec: store.SeriesRecord, new_host: ppl.Person) -> None:
    """Series keep their id, meeting number, SIP address and invitees; only the host changes."""
    rec.host_uuid = new_host.uuid
    store.save(db, rec)
    store.remove_series_invitee(db, rec.id, new_host.email_lc)  # a host is never their own invitee


# ---------------------------------------------------------------------------------------------
# Invitees
# ---------------------------------------------------------------------------------------------


def invitee_display_name(db: sqlite3.Connection, email: str, given: Any) -> str:
    """[SM]: a registered user's name is used when none is given, else the email."""
    if given is not None:
        if not isinstance(given, str) or len(given) > INVITEE_DISPLAY_NAME_MAX:
            raise invalid(f"'displayName' must be a string of at most {INVITEE_DISPLAY_NAME_MAX} characters.")
        if given:
            return given
    person = ppl.by_email(db, email)
    return person.display_name if person is not None else email


def invitee_co_host(db: sqlite3.Connection, rec: store.SeriesRecord, email: str, requested: bool) -> bool:
    """A cohost needs a host account on the meeting's site; others are invited as non-cohosts.

    [SM] createMeeting invitees: "anyone in the invitee list that is not qualified to be a cohost
    will be invited as a non-cohost invitee" (applied to every way of inviting, see deviations).
    """
    if not requested:
        return False
    if not dev.MEETINGS_COHOST_NEEDS_HOST_LICENSE:
        return True
    person = ppl.by_email(db, email)
    return person is not None and lic.holds_meeting_license_on_site(db, person.uuid, rec.site_url)


def check_invitee_email(value: Any) -> str:
    if not isinstance(value, str) or "@" not in value or value.strip() != value or len(value) > 320:
        raise invalid("'email' must be a valid email address.")
    return value


def already_invited(db: sqlite3.Connection, rec: store.SeriesRecord, meeting_id: str, email: str) -> bool:
    """Invited to this meeting, or to the whole series this occurrence belongs to."""
    return store.is_invited(db, email, {meeting_id, rec.id})


def add_invitee(
    db: sqlite3.Connection,
    rec: store.SeriesRecord,
    meeting_id: str,
    email: str,
    display_name: Any,
    co_host: bool,
    panelist: bool,
    now_iso: str,
) -> sqlite3.Row:
    email = check_invitee_email(email)
    if already_invited(db, rec, meeting_id, email):
        raise conflict(DUPLICATE_INVITEE)
    return store.insert_invitee(
        db,
        series_id=rec.id,
        meeting_id=meeting_id,
        email=email,
        display_name=invitee_display_name(db, email, display_name),
        co_host=invitee_co_host(db, rec, email, co_host),
        panelist=panelist,
        now_iso=now_iso,
    )


def check_flag(body: dict[str, Any], name: str) -> bool:
    value = body.get(name)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise invalid(f"'{name}' must be a boolean.")
    return value


def replace_invitee(db: sqlite3.Connection, rec: store.SeriesRecord, row: sqlite3.Row, body: dict[str, Any]) -> sqlite3.Row:
    """PUT replaces the invitee: omitted flags become false, an omitted name the default name."""
    email = check_invitee_email(body["email"])
    if email.lower() != row["email_lc"] and already_invited(db, rec, row["meeting_id"], email):
        raise conflict(DUPLICATE_INVITEE)
    store.update_invitee(
        db,
        row["id"],
        email=email,
        display_name=invitee_display_name(db, email, body.get("displayName")),
        co_host=invitee_co_host(db, rec, email, check_flag(body, "coHost")),
        panelist=check_flag(body, "panelist"),
    )
    updated = store.invitee_row(db, row["id"])
    assert updated is not None
    return updated
