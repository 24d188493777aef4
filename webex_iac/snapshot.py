"""``webex-iac snapshot``: write an emulator seed of the live org, for ``webex-iac rehearse``.

The org is read by :func:`webex_iac.discover.org_read.read_org` — the very read ``discover`` makes, through
the same client and credentials (:func:`webex_iac.discover.connection.connect`) — plus one
``GET /meetingPreferences/sites`` per person with a site account (their preferred site). The
result is an emulator seed document (``webex_emulator/core/seeding.py``) in JSON:

* people with their licenses, roles, attendee sites and preferred site; license pools with
  their capacities; sites with their writable common settings; groups and their members;
  standing meeting series (and space meetings) with their invitees; and, in the ``snapshot``
  header only, the application grants the admins hold (``GET /authorizations``: they are tokens,
  which a seed cannot recreate without their values; ``rehearse`` authorizes the stack's Service
  Apps itself and says when the snapshot did not show them);
* **the org's own ids** (org, people, license pools, groups, meeting series), so the stack's
  declarations (``adoptMeetingId``, a pool ``id``) resolve unchanged against the emulator.

What is never in the file
=========================

No secrets: the read carries no tokens, meeting passwords or host keys, and site settings keep
only booleans under any key that names a password, secret, token, key or PIN (the policy
*requireStrongPassword* is kept, a value never). Fields the rehearsal does not need (phone
numbers, addresses, job titles, departments, avatars, managers) are not written at all.

Personal data is pseudonymised by default (``--keep-identities`` opts out): every email
becomes ``<first>.<last>.<tag>@<tag>.invalid`` and names follow it; meeting titles and agendas
become ``pseudonymised <tag>``. Tags are HMAC-SHA256 of the original under a **key that is
never in the file** (``WEBEX_IAC_SNAPSHOT_KEY``, else ``~/.config/webex-iac/snapshot.key``,
created on first use): without the key the pseudonyms cannot be reversed or even confirmed by
guessing; with it, ``rehearse`` maps the stack file's emails and titles the same way, so the
declarations still meet the people they name. The file records only the key's fingerprint.
Addresses already in the pseudonym namespace (``.invalid``, reserved by RFC 2606) and
already-pseudonymised titles are kept as they are, so a snapshot of a seeded snapshot is the
same file.

Deterministic: keys sorted, lists sorted by id, no timestamp of the snapshot itself, so two
snapshots of an unchanged org are byte-identical.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass
from datetime import timezone
from pathlib import Path
from typing import Any

import click

from webex_client import WebexError, decode_id

from .discover import org_read
from .discover.connection import Connection, connect, validate_base_url_option, validate_stack_name
from .discover.org_read import OrgRead, Steps
from .org_model import primary_email, role_names
from .project import project_dir_option

FORMAT = 1
KEY_ENV = "WEBEX_IAC_SNAPSHOT_KEY"
PSEUDONYM_TLD = ".invalid"
PSEUDONYM_SCHEME = 1  # bump when pseudonyms change: old snapshots then need a new one
_PSEUDO_TITLE = re.compile(r"^pseudonymised [0-9a-f]{10}$")
# Keys whose non-boolean values could be secrets in site settings (a boolean is a policy).
_SECRETISH = re.compile(r"password|secret|token|hostkey|key$|pin$", re.I)
_FIRST = [
    "Avery",
    "Blake",
    "Casey",
    "Devon",
    "Emery",
    "Finley",
    "Harper",
    "Jules",
    "Kai",
    "Logan",
    "Morgan",
    "Noor",
    "Parker",
    "Quinn",
    "Reese",
    "Rowan",
    "Sasha",
    "Skyler",
    "Tatum",
    "Wren",
]
_LAST = [
    "Alder",
    "Birch",
    "Cedar",
    "Elm",
    "Fir",
    "Hazel",
    "Juniper",
    "Larch",
    "Linden",
    "Maple",
    "Oak",
    "Pine",
    "Rowan",
    "Spruce",
    "Willow",
    "Yew",
]


class SnapshotError(click.ClickException):
    """A clear, non-zero exit without a traceback."""


# =============================================================================================
# Pseudonyms
# =============================================================================================


def default_key_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
    return Path(base) / "webex-iac" / "snapshot.key"


def load_key(create: bool) -> bytes:
    """The pseudonymisation key: ``WEBEX_IAC_SNAPSHOT_KEY``, else the key file (created 0600
    on first use when ``create``)."""
    env = os.environ.get(KEY_ENV)
    if env:
        return env.encode()
    path = default_key_path()
    if path.exists():
        return path.read_text().strip().encode()
    if not create:
        raise SnapshotError(
            f"the snapshot is pseudonymised but there is no key: set {KEY_ENV} (the one the snapshot "
            f"was taken with) or restore {path}"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_urlsafe(32) + "\n")
    return path.read_text().strip().encode()


@dataclass(frozen=True)
class Pseudonymiser:
    """Keyed, stable pseudonyms; the same key maps the stack file the same way."""

    key: bytes

    def _tag(self, kind: str, value: str) -> str:
        return hmac.new(self.key, f"{kind}\0{value}".encode(), hashlib.sha256).hexdigest()

    @property
    def fingerprint(self) -> str:
        # Covers the key and the pseudonym scheme: a snapshot is only mapped by the same both.
        return self._tag("fingerprint", f"webex-iac snapshot key, pseudonyms v{PSEUDONYM_SCHEME}")[:16]

    def email(self, value: str) -> str:
        value = value.strip().lower()
        if value.endswith(PSEUDONYM_TLD):
            return value
        local, _, domain = value.rpartition("@")
        t = self._tag("email", value)
        first, last = _FIRST[int(t[0:4], 16) % len(_FIRST)], _LAST[int(t[4:8], 16) % len(_LAST)]
        # The domain keeps its own tag: people of one domain stay together (group-by-domain
        # policies still see one domain), yet the real domain is not in the file.
        # 40 bits of tag (plus the names' bits): no collision to expect even in 100,000 people;
        # build_seed refuses one all the same.
        return f"{first.lower()}.{last.lower()}.{t[8:18]}@{self._tag('domain', domain)[:10]}{PSEUDONYM_TLD}"

    @staticmethod
    def names(pseudo_email: str) -> tuple[str, str]:
        first, last, _ = (pseudo_email.partition("@")[0].split(".") + ["", ""])[:3]
        return first.capitalize(), last.capitalize()

    def text(self, value: str | None) -> str | None:
        if not value or _PSEUDO_TITLE.match(value):
            return value
        return f"pseudonymised {self._tag('text', value)[:10]}"


# =============================================================================================
# The seed document
# =============================================================================================


def _tail(public_id: str | None) -> str | None:
    try:
        return decode_id(public_id).tail if public_id else None
    except ValueError:
        return None


def _uuid_of(public_id: str | None) -> str | None:
    """The uuid the emulator keys an object by: the id's tail, up to a ':' (groups carry
    ``<group>:<org>``; licenses ``<org>:<OFFER>_<uuid>`` are handled by the caller)."""
    tail = _tail(public_id)
    return tail.split(":")[0] if tail else None


def _license_uuid(public_id: str) -> str | None:
    tail = _tail(public_id) or ""
    _, sep, rest = tail.partition(":")
    offer, sep2, lic_uuid = rest.rpartition("_")
    return lic_uuid if sep and sep2 and offer else None


def _iso(d: Any) -> str | None:
    if d is None:
        return None
    d = d.astimezone(timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"


def _offer_code(public_id: str) -> str | None:
    tail = _tail(public_id) or ""
    _, sep, rest = tail.partition(":")
    offer, sep2, _ = rest.rpartition("_")
    return offer if sep and sep2 else None


def _clean_settings(settings: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in settings.items():
        if isinstance(v, dict):
            sub = _clean_settings(v)
            if sub:
                out[k] = sub
        elif isinstance(v, bool) or not _SECRETISH.search(k):
            out[k] = v
    return out


def read_preferred_sites(conn: Connection, read: OrgRead) -> dict[str, str]:
    """person id -> preferred (default) site, for people with a site account; one GET each."""
    site_of = {lic.id: lic.site_url.lower() for lic in read.meeting_licenses() if lic.site_url}

    def sites(p: Any) -> list[str]:
        return sorted({site_of[i] for i in p.licenses or [] if i in site_of} | {s.lower() for s in p.attendee_sites})

    people = [p for p in read.people if p.emails and sites(p)]

    def default_of(p: Any) -> str | None:
        # Another user is only found on a site searched (siteUrl; else the admin's default
        # site, which the user may not have): search one of their own.
        listed = conn.client.sites.list(user_email=primary_email(p), site_url=sites(p)[0])
        site = next((x for x in listed if x.default), None)
        return site.site_url.lower() if site and site.site_url else None

    out: dict[str, str] = {}
    for p, r in zip(people, conn.client.map_concurrent(default_of, people)):
        if r.ok and r.value and p.id:
            out[p.id] = r.value
        elif r.error is not None and not isinstance(r.error, WebexError):
            raise r.error
    return out


def build_seed(
    read: OrgRead, preferred: dict[str, str], pseudo: Pseudonymiser | None, *, stack: str | None = None
) -> dict[str, Any]:
    """The emulator seed of ``read`` (pure: no I/O)."""
    email = pseudo.email if pseudo else (lambda e: e.strip().lower())
    text = pseudo.text if pseudo else (lambda t: t)
    notes: list[str] = []

    licenses: list[dict[str, Any]] = []
    lic_key: dict[str, str] = {}
    for lic in read.licenses:
        lu = _license_uuid(lic.id)
        if lu is None:
            notes.append(f"license {lic.name!r}: id is not <org>:<offer>_<uuid>; the rehearsal gives it another id")
        key = lu or hashlib.sha256(lic.id.encode()).hexdigest()[:32]
        lic_key[lic.id] = key
        spec: dict[str, Any] = {
            "key": key,
            "offerCode": _offer_code(lic.id) or (lic.name or "X")[:8].upper(),
            "name": lic.name or key,
            "totalUnits": lic.total_units if lic.total_units is not None else 0,
        }
        if lu:
            spec["id"] = lu
        for k, v in (
            ("subscriptionId", lic.subscription_id),
            ("siteUrl", (lic.site_url or "").lower() or None),
            ("siteType", getattr(lic.site_type, "value", lic.site_type)),
            ("consumedByWorkspaces", lic.consumed_by_workspaces or None),
        ):
            if v is not None:
                spec[k] = v
        licenses.append(spec)

    people: list[dict[str, Any]] = []
    for p in read.people:
        if not p.emails:
            continue
        addr = email(primary_email(p))
        person: dict[str, Any] = {"email": addr}
        pid = _uuid_of(p.id)
        if pid:
            person["id"] = pid
        if pseudo:
            first, last = Pseudonymiser.names(addr)
            person.update(displayName=f"{first} {last}", firstName=first, lastName=last)
        else:
            for k, v in (("displayName", p.display_name), ("firstName", p.first_name), ("lastName", p.last_name)):
                if v:
                    person[k] = v
        roles = sorted(role_names(p))
        if roles:
            person["roles"] = roles
        held = sorted({lic_key[h] for h in (k for k, v in read.holders.items() if p.id in v)})
        if held:
            person["licenses"] = held
        if p.attendee_sites:
            person["attendeeSites"] = sorted(s.lower() for s in p.attendee_sites)
        if p.id in preferred:
            person["preferredSite"] = preferred[p.id]
        if p.created:
            person["created"] = _iso(p.created)
        ptype = str(getattr(p.type, "value", p.type) or "person")
        if ptype != "person":
            person["type"] = ptype
        people.append(person)
    people.sort(key=lambda x: (x.get("id") or "", x["email"]))
    if len({x["email"] for x in people}) != len(people):
        raise SnapshotError(
            "two people got the same pseudonym: take the snapshot with another WEBEX_IAC_SNAPSHOT_KEY (or --keep-identities)"
        )

    groups: list[dict[str, Any]] = []
    group_ids = {name: _uuid_of(gid) for name, gid in read.group_ids.items()}
    for name, members in read.groups.items():
        g: dict[str, Any] = {"displayName": name, "members": sorted(email(read.email_of(m)) for m in members if m in read.by_id)}
        if group_ids.get(name):
            g["id"] = group_ids[name]
        groups.append(g)
    groups.sort(key=lambda g: (g["displayName"], g.get("id") or ""))

    sites = [
        {"siteUrl": site, "commonSettings": _clean_settings(settings)}
        for site, settings in sorted(read.site_settings.items())
        if settings
    ]

    series = []
    for m in sorted(read.meetings + read.space_meetings, key=lambda m: m.id):
        if m.start is None or m.host not in read.by_email:
            continue
        item: dict[str, Any] = {
            "key": m.id,
            "id": m.id,
            "host": email(m.host),
            "site": m.site_url,
            "title": text(m.title) or "",
            "timezone": m.timezone,
            "start": _iso(m.start),
            "durationMinutes": m.minutes or 0,
        }
        for k, v in (
            ("recurrence", m.recurrence),
            ("agenda", text(m.agenda)),
            ("roomId", m.room_id),
            ("integrationTags", sorted(m.integration_tags) or None),
        ):
            if v:
                item[k] = v
        if m.invitees:
            item["invitees"] = sorted(
                ({"email": email(e), **({"coHost": True} if co else {})} for e, co in m.invitees), key=lambda i: i["email"]
            )
        series.append(item)

    org_uuid = _uuid_of(read.org_id)
    org: dict[str, Any] = {
        "key": "org",
        "displayName": read.org_name or "org",
        "licenses": licenses,
        "people": people,
        "groups": groups,
        "sites": sites,
    }
    if org_uuid:
        org["id"] = org_uuid
    if read.org_created:
        org["created"] = _iso(read.org_created)
    if series:
        org["meetings"] = {"series": series}

    # Application grants (GET /authorizations of the admins) are tokens: a seed cannot recreate
    # them without token values, which a snapshot never holds. They are recorded for the report.
    grants = sorted(
        (
            {
                "applicationName": a.get("applicationName"),
                "clientId": a["clientId"],
                "heldBy": sorted(email(h) for h in a.get("heldBy") or []),
            }
            for a in read.apps
            if a.get("clientId")
        ),
        key=lambda a: a["clientId"],
    )

    meta: dict[str, Any] = {
        "format": FORMAT,
        "pseudonymised": pseudo is not None,
        # Who hosts standing meetings: the rehearsal's invariant (never without a meeting license).
        "standingMeetingHosts": sorted({email(m.host) for m in read.meetings if m.host in read.by_email}),
        "meetingsHorizonDays": read.horizon_days,
        "applicationGrants": grants,
        "notes": sorted(
            notes + ([f"{len(read.unscanned_hosts)} hosts' meetings not read (--max-host-scans)"] if read.unscanned_hosts else [])
        ),
    }
    if pseudo:
        meta["keyFingerprint"] = pseudo.fingerprint
    if stack:
        meta["stack"] = stack
    return {"snapshot": meta, "orgs": [org]}


def dumps(doc: dict[str, Any]) -> str:
    """The file's bytes: sorted keys, one stable layout, a final newline."""
    return json.dumps(doc, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def take_snapshot(
    conn: Connection,
    *,
    keep_identities: bool = False,
    key: bytes | None = None,
    steps: Steps | None = None,
    stack: str | None = None,
    max_host_scans: int = org_read.DEFAULT_MAX_HOST_SCANS,
) -> dict[str, Any]:
    """Read the org behind ``conn`` and return its seed document."""
    steps = steps or Steps(enabled=False)
    with steps:
        read = org_read.read_org(conn, steps=steps, max_host_scans=max_host_scans)
        preferred = read_preferred_sites(conn, read)
    pseudo = None if keep_identities else Pseudonymiser(key if key is not None else load_key(create=True))
    return build_seed(read, preferred, pseudo, stack=stack)


# =============================================================================================
# CLI
# =============================================================================================


@click.command("snapshot")
@click.option(
    "--stack",
    "-s",
    default="dev",
    show_default=True,
    callback=validate_stack_name,
    help="Stack whose org to read (its webex:* config, else WEBEX_ACCESS_TOKEN).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the seed (default: snapshots/<stack>.json).",
)
@click.option("--keep-identities", is_flag=True, help="Write real emails, names and titles (default: keyed pseudonyms).")
@click.option("--base-url", callback=validate_base_url_option, help="Override webex:baseUrl.")
@click.option(
    "--requests-per-second",
    type=click.FloatRange(min=0),
    default=None,
    help="Override webex:requestsPerSecond for this read (0: no client-side limit).",
)
@project_dir_option()
def snapshot_command(
    stack: str,
    out: Path | None,
    keep_identities: bool,
    base_url: str | None,
    requests_per_second: float | None,
    project_dir: Path,
) -> None:
    """Write an emulator seed of the stack's live org (for `webex-iac rehearse`)."""
    out = out or project_dir / "snapshots" / f"{stack}.json"
    conn = connect(stack, project_dir, base_url, requests_per_second)
    try:
        doc = take_snapshot(conn, keep_identities=keep_identities, steps=Steps(), stack=stack)
    except WebexError as e:
        raise SnapshotError(f"reading the org failed ({e.status}: {e.message})") from None
    finally:
        conn.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(dumps(doc), encoding="utf-8")
    org = doc["orgs"][0]
    click.echo(
        f"wrote {out}: {len(org['people'])} people, {len(org['licenses'])} license pools, "
        f"{len(org['groups'])} groups, {len(org.get('meetings', {}).get('series', []))} meeting series, "
        f"{len(doc['snapshot']['applicationGrants'])} application grants" + ("" if keep_identities else " (pseudonymised)")
    )


def connection_to(base_url: str, token: str, *, requests_per_second: float | None = None) -> Connection:
    """A :class:`Connection` to an org by URL and token (the rehearsal's own emulator), without
    a stack; the same client ``connect`` builds."""
    from resources import make_client, settings_from_config

    values = {"baseUrl": base_url, "token": token}
    if requests_per_second is not None:
        values["requestsPerSecond"] = str(requests_per_second)
    cfg = settings_from_config(values.get)
    client = make_client(cfg)
    return Connection(client, cfg, "-", "rehearsal", client.people.me())
