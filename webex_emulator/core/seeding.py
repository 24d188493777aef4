"""Seed documents (YAML/JSON/dict) → state.

Document shape (each area reads its own keys; unknown keys are ignored)::

    orgs:
      - key: acme                      # seed-local handle (defaults to displayName)
        id: <uuid>                     # optional; default = stable uuid from the key
        displayName: Acme, Inc.
        domain: acme.example.com
        licenses: [...]                # licenses area  (pools, meeting pools carry siteUrl)
        people: [...]                  # people area    (explicit people)
        generatedPeople: {...}         # expanded into ``people`` by expand_org() below
        groups: [...]                  # groups area
        sites: [...]                   # sites area     (commonSettings overrides)
        spaceMeetingHosts: [emails]    # derived from people tagged spaceMeetingHost
    serviceApps:                       # core (service_apps table)
      - {name, clientId, clientSecret, scopes: [...], authorizedOrgs: [orgKey]}

Area seeders receive a :class:`SeedContext` with the *expanded* org dict.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import ids
from . import service_apps as sa
from .area import Area
from .auth import bind_admin_tokens, issue_token, normalize_role
from .state import State, jdumps

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
SPACE_MEETING_HOST_TAG = "spaceMeetingHost"


@dataclass
class SeedContext:
    db: sqlite3.Connection
    state: State
    doc: dict[str, Any]
    now_iso: str
    org_uuid: str = ""
    org: dict[str, Any] = field(default_factory=dict)  # expanded org spec
    people: dict[str, str] = field(default_factory=dict)  # email (lower) -> person uuid
    licenses: dict[str, str] = field(default_factory=dict)  # license key -> license uuid
    summary: dict[str, Any] = field(default_factory=dict)  # per-org summary (areas may add)
    global_summary: dict[str, Any] = field(default_factory=dict)
    orgs_by_key: dict[str, str] = field(default_factory=dict)  # org key/name/uuid -> org uuid

    def person_uuid(self, email: str) -> str:
        try:
            return self.people[email.lower()]
        except KeyError:
            raise ValueError(f"seed references unknown person {email!r}") from None


def load_seed(seed: str | Path | dict[str, Any]) -> dict[str, Any]:
    """``"sample"`` (or another file name in webex_emulator/seeds), a path, or an in-memory dict."""
    if isinstance(seed, dict):
        return seed
    text = str(seed)
    path = Path(text)
    if not path.exists():
        for cand in (SEEDS_DIR / text, SEEDS_DIR / f"{text}.yaml", SEEDS_DIR / f"{text}.json"):
            if cand.exists():
                path = cand
                break
        else:
            raise FileNotFoundError(f"seed not found: {text}")
    raw = path.read_text(encoding="utf-8")
    doc = json.loads(raw) if path.suffix == ".json" else yaml.safe_load(raw)
    if not isinstance(doc, dict):
        raise ValueError("seed document must be a mapping")
    return doc


def _in_range(i: int, rng: Any) -> bool:
    if rng is None:
        return True
    lo, hi = int(rng[0]), int(rng[1])
    return lo <= i <= hi


def generate_people(gen: dict[str, Any], domain: str) -> list[dict[str, Any]]:
    """Deterministic people from small name lists plus index-range rules."""
    count = int(gen["count"])
    start = int(gen.get("start", 1))
    firsts = gen.get("firstNames") or ["Alex", "Sam", "Robin", "Kim", "Jordan", "Taylor"]
    lasts = gen.get("lastNames") or ["Smith", "Garcia", "Chen", "Novak", "Okafor", "Larsen"]
    depts = gen.get("departments") or []
    fmt = gen.get("emailFormat", "{first}.{last}{n}@{domain}")
    rules = gen.get("rules", [])
    out: list[dict[str, Any]] = []
    for n in range(start, start + count):
        k = n - start
        first = firsts[k % len(firsts)]
        last = lasts[(k // len(firsts)) % len(lasts)]
        p: dict[str, Any] = {
            "email": fmt.format(first=first.lower(), last=last.lower(), n=n, domain=domain),
            "displayName": f"{first} {last}",
            "firstName": first,
            "lastName": last,
        }
        if depts:
            p["department"] = depts[k % len(depts)]
        for rule in rules:
            if not _in_range(n, rule.get("range")):
                continue
            every = rule.get("every")
            if every and (n - int(rule.get("range", [start])[0])) % int(every):
                continue
            for key in ("licenses", "attendeeSites", "tags", "roles"):
                if key in rule:
                    p.setdefault(key, [])
                    p[key] = p[key] + [v for v in rule[key] if v not in p[key]]
            for key in ("preferredSite", "title"):
                if key in rule:
                    p[key] = rule[key]
        out.append(p)
    return out


def expand_org(org: dict[str, Any]) -> dict[str, Any]:
    """Copy of ``org`` with generated people made explicit and ``spaceMeetingHosts`` filled."""
    org = dict(org)
    domain = org.get("domain") or "example.com"
    people = list(org.get("people") or [])
    gens = org.get("generatedPeople")
    if gens:
        for gen in gens if isinstance(gens, list) else [gens]:
            people.extend(generate_people(gen, domain))
    org["people"] = people
    hosts = list(org.get("spaceMeetingHosts") or [])
    seen = {h.lower() for h in hosts}
    for p in people:
        if SPACE_MEETING_HOST_TAG in (p.get("tags") or []) and p["email"].lower() not in seen:
            hosts.append(p["email"])
            seen.add(p["email"].lower())
    org["spaceMeetingHosts"] = hosts
    return org


def apply_seed(state: State, areas: list[Area], seed: str | Path | dict[str, Any]) -> dict[str, Any]:
    """Seed every org of the document in one transaction; returns a summary for the caller."""
    doc = load_seed(seed)
    now_iso = state.clock.iso_now()
    summary: dict[str, Any] = {"orgs": [], "serviceApps": []}
    with state.transaction() as db:
        orgs_by_key: dict[str, str] = {}
        for raw in doc.get("orgs") or []:
            org = expand_org(raw)
            key = str(org.get("key") or org["displayName"])
            org_uuid = org.get("id") or ids.stable_uuid("org", key)
            if db.execute("SELECT 1 FROM orgs WHERE uuid=?", (org_uuid,)).fetchone():
                raise ValueError(f"org {key!r} ({org_uuid}) already exists")
            db.execute(
                "INSERT INTO orgs(uuid, display_name, created, data) VALUES(?,?,?,?)",
                (org_uuid, org["displayName"], org.get("created") or now_iso, jdumps({"domain": org.get("domain"), "key": key})),
            )
            for alias in (key, org["displayName"], org_uuid, ids.org_id(org_uuid)):
                orgs_by_key[alias] = org_uuid
            org_summary: dict[str, Any] = {
                "key": key,
                "id": ids.org_id(org_uuid),
                "uuid": org_uuid,
                "displayName": org["displayName"],
                "spaceMeetingHosts": org["spaceMeetingHosts"],
            }
            ctx = SeedContext(
                db=db,
                state=state,
                doc=doc,
                now_iso=now_iso,
                org_uuid=org_uuid,
                org=org,
                summary=org_summary,
                orgs_by_key=orgs_by_key,
            )
            for area in areas:
                if area.seed_org is not None:
                    area.seed_org(ctx)
            admin = db.execute(
                "SELECT uuid, email FROM people WHERE org_uuid=? AND roles LIKE '%id_full_admin%' ORDER BY seq LIMIT 1",
                (org_uuid,),
            ).fetchone()
            if admin is not None:
                org_summary["adminPersonId"] = ids.person_id(admin["uuid"])
                org_summary["adminEmail"] = admin["email"]
            bind_admin_tokens(db, org_uuid)
            org_summary["tokens"] = seed_tokens(db, state, org, org_uuid, now_iso)
            summary["orgs"].append(org_summary)

        gctx = SeedContext(db=db, state=state, doc=doc, now_iso=now_iso, global_summary=summary, orgs_by_key=orgs_by_key)
        summary["serviceApps"] = seed_service_apps(gctx)
        for area in areas:
            if area.seed_global is not None:
                area.seed_global(gctx)
    return summary


def seed_service_apps(ctx: SeedContext) -> list[dict[str, Any]]:
    out = []
    for spec in ctx.doc.get("serviceApps") or []:
        owner = spec.get("ownerOrg")
        app, secret = sa.register(
            ctx.db,
            name=spec["name"],
            scopes=spec.get("scopes", []),
            now_iso=ctx.now_iso,
            client_id=spec.get("clientId"),
            client_secret=spec.get("clientSecret"),
            owner_org_uuid=ctx.orgs_by_key.get(owner) if owner else None,
            data={k: v for k, v in spec.items() if k not in ("name", "scopes", "clientId", "clientSecret", "authorizedOrgs")},
        )
        for org_ref in spec.get("authorizedOrgs") or []:
            if org_ref not in ctx.orgs_by_key:
                raise ValueError(f"service app {spec['name']!r}: unknown org {org_ref!r}")
            sa.authorize(ctx.db, app["clientId"], ctx.orgs_by_key[org_ref], now_iso=ctx.now_iso)
        app = sa.get(ctx.db, client_id=app["clientId"]) or app
        app["clientSecret"] = secret
        out.append(app)
    return out


def seed_tokens(db: Any, state: State, org: dict[str, Any], org_uuid: str, now_iso: str) -> dict[str, str]:
    """``tokens: [{name, token, email, scopes, roles?, kind?, clientId?}]`` of an org: tokens
    with fixed values and exactly the scopes listed (e.g. the dev stack's least-privilege
    ``webex:token``). Returns ``{name: tokenId}`` (never the token itself)."""
    out: dict[str, str] = {}
    for spec in org.get("tokens") or []:
        row = db.execute(
            "SELECT uuid FROM people WHERE org_uuid=? AND email_lc=?", (org_uuid, str(spec["email"]).lower())
        ).fetchone()
        if row is None:
            raise ValueError(f"token {spec.get('name')!r}: no person {spec['email']!r} in the org")
        roles = spec.get("roles")
        _, token_id = issue_token(
            db,
            person_uuid=row["uuid"],
            org_uuid=org_uuid,
            scopes=list(spec.get("scopes") or []),
            now=state.clock.time(),
            created_iso=now_iso,
            kind=spec.get("kind", "personal"),
            roles=None if roles is None else [normalize_role(r) for r in roles],
            client_id=spec.get("clientId"),
            token=spec["token"],
        )
        out[str(spec.get("name") or spec["token"][:8])] = token_id
    return out
