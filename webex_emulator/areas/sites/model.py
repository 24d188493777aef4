"""Meeting sites: existence (from license pools), users' default site, common settings
([SM] tags Preferences, Site; docs/webex-behaviour.md "Sites")."""

from __future__ import annotations

import copy
import sqlite3
from typing import Any

from webex_emulator.areas.licenses import model as lic
from webex_emulator.areas.people import model as ppl
from webex_emulator.core import jdumps, jloads

SCHEMA = """
CREATE TABLE IF NOT EXISTS converged_sites (   -- sites seeded with `converged: true`
    org_uuid TEXT NOT NULL,
    site_url TEXT NOT NULL,
    PRIMARY KEY (org_uuid, site_url)
);
CREATE TABLE IF NOT EXISTS site_settings (
    org_uuid TEXT NOT NULL,
    site_url TEXT NOT NULL,
    settings TEXT NOT NULL,          -- JSON commonSettings object
    last_modified TEXT NOT NULL,
    PRIMARY KEY (org_uuid, site_url)
);
"""

# Defaults = the spec's GET commonSettings response example.
DEFAULT_COMMON_SETTINGS: dict[str, Any] = {
    "siteOptions": {"allowCustomPersonalRoomURL": True},
    "telephonyConfig": {
        "allowCallIn": True,
        "allowCallBack": True,
        "allowOtherTeleconf": True,
        "allowTollFreeCallin": True,
        "allowInternationalCallin": True,
        "allowInternationalCallback": True,
        "VoIP": True,
    },
    "defaultSchedulerOptions": {
        "entryAndExitTone": "Beep",
        "joinTeleconfNotPress1": True,
        "telephonySupport": "WebexTeleconferencing",
        "tollFree": True,
        "VoIP": False,
    },
    "scheduleMeetingOptions": {"emailReminders": True},
    "securityOptions": {
        "joinBeforeHost": True,
        "audioBeforeHost": True,
        "firstAttendeeAsPresenter": True,
        "unlistAllMeetings": False,
        "requireLoginBeforeAccess": False,
        "allowMobileScreenCapture": True,
        "requireStrongPassword": True,
        "passwordCriteria": {
            "mixedCase": True,
            "minLength": 8,
            "minNumeric": 2,
            "minAlpha": 4,
            "minSpecial": 1,
            "disallowDynamicWebText": True,
            "disallowList": True,
            "disallowValues": ["password", "Admin@123", "passwd", "pass"],
        },
    },
}


def default_site(db: sqlite3.Connection, person_uuid: str) -> str | None:
    """The user's default meeting site: the stored preference if still accessible, else the
    first host site, else the first attendee site, else None."""
    access = lic.site_access(db, person_uuid)
    if not access:
        return None
    pref = ppl.preferred_site(db, person_uuid)
    if pref and pref in access:
        return pref
    return next(iter(access))


def site_list(db: sqlite3.Connection, person_uuid: str) -> list[dict[str, Any]]:
    default = default_site(db, person_uuid)
    return [{"siteUrl": s, "default": s == default} for s in lic.site_access(db, person_uuid)]


def set_default_site(db: sqlite3.Connection, person_uuid: str, site_url: str) -> None:
    ppl.set_preferred_site(db, person_uuid, site_url)


def get_settings(db: sqlite3.Connection, org_uuid: str, site_url: str) -> dict[str, Any]:
    row = db.execute(
        "SELECT settings FROM site_settings WHERE org_uuid=? AND site_url=?", (org_uuid, site_url.lower())
    ).fetchone()
    return jloads(row["settings"]) if row else copy.deepcopy(DEFAULT_COMMON_SETTINGS)


def put_settings(db: sqlite3.Connection, org_uuid: str, site_url: str, settings: dict[str, Any], now_iso: str) -> None:
    db.execute(
        "INSERT INTO site_settings(org_uuid, site_url, settings, last_modified) VALUES(?,?,?,?) "
        "ON CONFLICT(org_uuid, site_url) DO UPDATE SET settings=excluded.settings, "
        "last_modified=excluded.last_modified",
        (org_uuid, site_url.lower(), jdumps(settings), now_iso),
    )


# -- validation of PATCH commonSettings ----------------------------------------------------------

BOOL = "bool"
INT12 = "int12"
ENTRY_TONES = ("NoTone", "Beep", "AnnounceName")
TELEPHONY = ("None", "WebexTeleconferencing", "Other")

PATCH_SCHEMA: dict[str, dict[str, Any]] = {
    "siteOptions": {"allowCustomPersonalRoomURL": BOOL},
    "defaultSchedulerOptions": {
        "entryAndExitTone": ENTRY_TONES,
        "joinTeleconfNotPress1": BOOL,
        "telephonySupport": TELEPHONY,
        "tollFree": BOOL,
        "VoIP": BOOL,
    },
    "scheduleMeetingOptions": {"emailReminders": BOOL},
    "securityOptions": {
        "joinBeforeHost": BOOL,
        "audioBeforeHost": BOOL,
        "firstAttendeeAsPresenter": BOOL,
        "unlistAllMeetings": BOOL,
        "requireLoginBeforeAccess": BOOL,
        "allowMobileScreenCapture": BOOL,
        "requireStrongPassword": BOOL,
        "passwordCriteria": "criteria",
    },
}
CRITERIA_SCHEMA: dict[str, Any] = {
    "mixedCase": BOOL,
    "minLength": INT12,
    "minNumeric": INT12,
    "minAlpha": INT12,
    "minSpecial": INT12,
    "disallowDynamicWebText": BOOL,
    "disallowList": BOOL,
    "disallowValues": "strings",
}


def _check(kind: Any, path: str, value: Any, errors: list[str]) -> None:
    if kind == BOOL:
        if not isinstance(value, bool):
            errors.append(f"{path} must be a boolean.")
    elif kind == INT12:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 12:
            errors.append(f"{path} must be an integer between 0 and 12.")
    elif kind == "strings":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            errors.append(f"{path} must be an array of strings.")
        elif len(set(value)) != len(value):
            errors.append("Repeated items are not allowed in disallowValues.")
    elif kind == "criteria":
        if not isinstance(value, dict):
            errors.append(f"{path} must be an object.")
            return
        for k, v in value.items():
            if k not in CRITERIA_SCHEMA:
                errors.append(f"Unrecognized field {path}.{k}.")
            else:
                _check(CRITERIA_SCHEMA[k], f"{path}.{k}", v, errors)
    elif isinstance(kind, tuple):
        if value not in kind:
            errors.append(f"{path} must be one of {', '.join(kind)}.")


def merge_patch(current: dict[str, Any], patch: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Validate ``patch`` and merge it into ``current``; returns (merged, error descriptions)."""
    errors: list[str] = []
    merged = copy.deepcopy(current)
    for section, value in patch.items():
        if section == "telephonyConfig":
            # Read-only ("unable to update by Update Common Settings API"): tolerate an unchanged
            # echo from a GET-modify-PATCH client, reject a change.
            if value != current.get("telephonyConfig"):
                errors.append("telephonyConfig is read-only.")
            continue
        if section not in PATCH_SCHEMA:
            errors.append(f"Unrecognized field {section}.")
            continue
        if not isinstance(value, dict):
            errors.append(f"{section} must be an object.")
            continue
        target = merged.setdefault(section, {})
        for k, v in value.items():
            if k not in PATCH_SCHEMA[section]:
                errors.append(f"Unrecognized field {section}.{k}.")
                continue
            _check(PATCH_SCHEMA[section][k], f"{section}.{k}", v, errors)
            if k == "passwordCriteria" and isinstance(v, dict):
                target.setdefault(k, {}).update(v)
            else:
                target[k] = v
    if errors:
        return merged, errors
    # Cross-field rules from the PATCH schema descriptions.
    tel = merged.get("telephonyConfig", {})
    dso = merged.get("defaultSchedulerOptions", {})
    sec = merged.get("securityOptions", {})
    for req in ("entryAndExitTone", "telephonySupport"):
        if req not in dso:
            errors.append(f"defaultSchedulerOptions.{req} is required.")
    pdso = patch.get("defaultSchedulerOptions") or {}
    if "tollFree" in pdso and dso.get("telephonySupport") != "WebexTeleconferencing":
        errors.append("tollFree can't be specified when telephonySupport is not WebexTeleconferencing.")
    if pdso.get("tollFree") is True and not tel.get("allowTollFreeCallin"):
        errors.append("tollFree can't be true when toll-free call-in is not enabled.")
    if pdso.get("VoIP") is True and not tel.get("VoIP"):
        errors.append("VoIP can't be true when Voice Over IP is not enabled.")
    if pdso.get("telephonySupport") == "WebexTeleconferencing" and not (tel.get("allowCallIn") or tel.get("allowCallBack")):
        errors.append("WebexTeleconferencing is unavailable: call-in/call-back teleconferencing is off.")
    if pdso.get("telephonySupport") == "Other" and not tel.get("allowOtherTeleconf"):
        errors.append("Other teleconferencing is unavailable.")
    psec = patch.get("securityOptions") or {}
    if psec.get("audioBeforeHost") is True and not sec.get("joinBeforeHost"):
        errors.append("audioBeforeHost can't be turned on when joinBeforeHost is false.")
    if "passwordCriteria" in psec and not sec.get("requireStrongPassword"):
        errors.append("passwordCriteria can't be specified when requireStrongPassword is false.")
    return merged, errors


def is_converged(db: sqlite3.Connection, org_uuid: str, site_url: str) -> bool:
    """A converged site answers some meeting attributes differently (Warning 1001)."""
    return (
        db.execute("SELECT 1 FROM converged_sites WHERE org_uuid=? AND site_url=?", (org_uuid, site_url.lower())).fetchone()
        is not None
    )


def set_converged(db: sqlite3.Connection, org_uuid: str, site_url: str) -> None:
    db.execute("INSERT OR IGNORE INTO converged_sites(org_uuid, site_url) VALUES(?,?)", (org_uuid, site_url.lower()))
