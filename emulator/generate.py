"""Large-org seed generator: ``python -m emulator.generate --users 10000 --out big.yaml``.

The output uses the deterministic ``generatedPeople`` block (see core/seeding.py), so a
10,000-user org is a few hundred bytes of YAML and seeds in about a second. Assignments: every
user holds messaging; half hold the classic-site meeting license, the other half the new-site
one — 2 per user (20,000 for 10,000 users). Pools keep ``headroom`` free units.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import yaml

FIRST = ["Alice", "Bruno", "Chen", "Dana", "Elif", "Farid", "Greta", "Hiro", "Ines", "Jonas",
         "Kofi", "Lena", "Mateo", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Sven", "Tara"]
LAST = ["Anders", "Becker", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Hughes", "Ivanova",
        "Jensen", "Kowalski", "Lopez", "Moreau", "Nakamura", "Okafor", "Petrov", "Quinn", "Rossi",
        "Svensson", "Tanaka", "Urban", "Vargas", "Weber", "Xu", "Yilmaz", "Zhang"]


def large_org_seed(users: int = 10000, *, headroom: int = 2000, org_key: str = "bigcorp",
                   domain: str = "bigcorp.example.com") -> dict[str, Any]:
    half = users // 2
    return {
        "orgs": [{
            "key": org_key,
            "displayName": "BigCorp Ltd.",
            "domain": domain,
            "licenses": [
                {"key": "messaging", "offerCode": "MS", "name": "Messaging",
                 "totalUnits": users + 1 + headroom},
                {"key": "classic-meetings", "offerCode": "EE",
                 "name": "Meeting - Webex Enterprise Edition",
                 "siteUrl": f"{org_key}-classic.webex.com", "siteType": "Site Admin managed site",
                 "totalUnits": half + 1 + headroom},
                {"key": "new-meetings", "offerCode": "MC", "name": "Meeting - Webex Meeting Center",
                 "siteUrl": f"{org_key}.webex.com", "siteType": "Control Hub managed site",
                 "totalUnits": users - half + 1 + headroom},
            ],
            "people": [{"email": f"admin@{domain}", "displayName": "Big Admin",
                        "firstName": "Big", "lastName": "Admin", "roles": ["full_admin"],
                        "licenses": ["messaging", "classic-meetings", "new-meetings"]}],
            "generatedPeople": {
                "count": users, "firstNames": FIRST, "lastNames": LAST,
                "departments": ["Sales", "Engineering", "Support", "Finance"],
                "rules": [
                    {"range": [1, users], "licenses": ["messaging"]},
                    {"range": [1, half], "licenses": ["classic-meetings"]},
                    {"range": [half + 1, users], "licenses": ["new-meetings"]},
                ],
            },
            "groups": [{"displayName": "everyone-sample", "members": [f"admin@{domain}"]}],
        }],
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m emulator.generate")
    p.add_argument("--users", type=int, default=10000)
    p.add_argument("--headroom", type=int, default=2000)
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    doc = large_org_seed(args.users, headroom=args.headroom)
    Path(args.out).write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    print(f"wrote {args.out}: {args.users + 1} people, {2 * args.users + 3} license assignments")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
