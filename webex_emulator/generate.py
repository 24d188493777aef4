"""Large-org seed generator: ``python -m webex_emulator.generate --users 10000 --out big.yaml``.

The output uses the deterministic ``generatedPeople`` block (see core/seeding.py), so a
10,000-user org is a few hundred bytes of YAML and seeds in about a second. Assignments: every
user holds messaging; half hold the classic-site meeting license, the other half the new-site
one — 2 per user (20,000 for 10,000 users). Pools keep ``headroom`` free units.

``--orgs N`` writes a fleet instead (``fleet_seed``): N orgs of ``--users`` people each, for
``webex-iac fleet`` tests and ``make bench``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import yaml

FIRST = [
    "Alice",
    "Bruno",
    "Chen",
    "Dana",
    "Elif",
    "Farid",
    "Greta",
    "Hiro",
    "Ines",
    "Jonas",
    "Kofi",
    "Lena",
    "Mateo",
    "Nadia",
    "Oskar",
    "Priya",
    "Quentin",
    "Rosa",
    "Sven",
    "Tara",
]
LAST = [
    "Anders",
    "Becker",
    "Costa",
    "Dubois",
    "Evans",
    "Fischer",
    "Garcia",
    "Hughes",
    "Ivanova",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Quinn",
    "Rossi",
    "Svensson",
    "Tanaka",
    "Urban",
    "Vargas",
    "Weber",
    "Xu",
    "Yilmaz",
    "Zhang",
]


def large_org_seed(
    users: int = 10000, *, headroom: int = 2000, org_key: str = "bigcorp", domain: str = "bigcorp.example.com"
) -> dict[str, Any]:
    half = users // 2
    return {
        "orgs": [
            {
                "key": org_key,
                "displayName": "BigCorp Ltd.",
                "domain": domain,
                "licenses": [
                    {"key": "messaging", "offerCode": "MS", "name": "Messaging", "totalUnits": users + 1 + headroom},
                    {
                        "key": "classic-meetings",
                        "offerCode": "EE",
                        "name": "Meeting - Webex Enterprise Edition",
                        "siteUrl": f"{org_key}-classic.webex.com",
                        "siteType": "Site Admin managed site",
                        "totalUnits": half + 1 + headroom,
                    },
                    {
                        "key": "new-meetings",
                        "offerCode": "MC",
                        "name": "Meeting - Webex Meeting Center",
                        "siteUrl": f"{org_key}.webex.com",
                        "siteType": "Control Hub managed site",
                        "totalUnits": users - half + 1 + headroom,
                    },
                ],
                "people": [
                    {
                        "email": f"admin@{domain}",
                        "displayName": "Big Admin",
                        "firstName": "Big",
                        "lastName": "Admin",
                        "roles": ["full_admin"],
                        "licenses": ["messaging", "classic-meetings", "new-meetings"],
                    }
                ],
                "generatedPeople": {
                    "count": users,
                    "firstNames": FIRST,
                    "lastNames": LAST,
                    "departments": ["Sales", "Engineering", "Support", "Finance"],
                    "rules": [
                        {"range": [1, users], "licenses": ["messaging"]},
                        {"range": [1, half], "licenses": ["classic-meetings"]},
                        {"range": [half + 1, users], "licenses": ["new-meetings"]},
                    ],
                },
                "groups": [{"displayName": "everyone-sample", "members": [f"admin@{domain}"]}],
            }
        ],
    }


def fleet_org_key(i: int) -> str:
    """``org01`` … : the key, the stack name and the domain label of the i-th fleet org (1-based)."""
    return f"org{i:02d}"


def fleet_seed(orgs: int = 20, users: int = 500, *, headroom: int | None = None) -> dict[str, Any]:
    """``orgs`` independent orgs of ``users`` people each, the same shape as :func:`large_org_seed`
    (messaging for all, half on the classic meeting site, half on the new one), each with its own
    domain, sites and full admin. Deterministic: the same arguments give the same orgs, ids and
    emails (org ids are stable uuids of the key). ``headroom`` free units per pool default to a
    fifth of the org, enough for a move of that many users in either direction."""
    headroom = users // 5 if headroom is None else headroom
    docs = [
        large_org_seed(users, headroom=headroom, org_key=fleet_org_key(i), domain=f"{fleet_org_key(i)}.example.com")["orgs"][0]
        for i in range(1, orgs + 1)
    ]
    for i, org in enumerate(docs, 1):
        org["displayName"] = f"Fleet Org {i:02d}"
    return {"orgs": docs}


def org_people(org: dict[str, Any]) -> list[dict[str, Any]]:
    """Every person of one seed org (explicit and generated), as the emulator will create them."""
    from .core.seeding import expand_org

    return expand_org(org)["people"]


def meeting_holders(org: dict[str, Any]) -> dict[str, list[str]]:
    """Emails holding each meeting pool as seeded: ``{"classic": [...], "new": [...]}`` (the admin,
    who holds both, excluded)."""
    out: dict[str, list[str]] = {"classic": [], "new": []}
    for p in org_people(org):
        if "full_admin" in (p.get("roles") or []):
            continue
        for lic, key in (("classic-meetings", "classic"), ("new-meetings", "new")):
            if lic in (p.get("licenses") or []):
                out[key].append(p["email"])
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m webex_emulator.generate")
    p.add_argument("--users", type=int, default=10000, help="people per org")
    p.add_argument("--orgs", type=int, default=0, help="generate a fleet of this many orgs (org01…) instead of one large org")
    p.add_argument("--headroom", type=int, default=None)
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    if args.orgs:
        doc = fleet_seed(args.orgs, args.users, headroom=args.headroom)
        what = f"{args.orgs} orgs of {args.users + 1} people"
    else:
        doc = large_org_seed(args.users, headroom=2000 if args.headroom is None else args.headroom)
        what = f"{args.users + 1} people, {2 * args.users + 3} license assignments"
    Path(args.out).write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    print(f"wrote {args.out}: {what}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
