"""The benchmark org: the generated 10,000-user seed and the stack files declaring it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from webex_emulator.core.seeding import generate_people
from webex_emulator.generate import large_org_seed

ORG_KEY = "bigcorp"
DOMAIN = "bigcorp.example.com"
ADMIN = f"admin@{DOMAIN}"
CLASSIC_SITE = f"{ORG_KEY}-classic.webex.com"
NEW_SITE = f"{ORG_KEY}.webex.com"


@dataclass
class BenchOrg:
    """Who holds which meeting license in the seed, and the move the bench makes."""

    seed: dict[str, Any]
    emails: list[str]  # generated users, in seed order (user n is emails[n-1])
    classic: list[str]  # holders of the classic-site meeting license at seed time
    new: list[str]  # holders of the new-site meeting license at seed time

    @classmethod
    def generate(cls, users: int, headroom: int = 2000) -> "BenchOrg":
        # large_org_seed: users 1..users/2 hold the classic license, the rest the new one, the
        # admin holds both; each meeting pool keeps ``headroom`` free units.
        seed = large_org_seed(users, headroom=headroom)
        org = seed["orgs"][0]
        emails = [p["email"].lower() for p in generate_people(org["generatedPeople"], org["domain"])]
        half = users // 2
        return cls(seed, emails, emails[:half] + [ADMIN], emails[half:] + [ADMIN])

    def headroom(self) -> int:
        lic = {spec["key"]: spec for spec in self.seed["orgs"][0]["licenses"]}
        return int(lic["new-meetings"]["totalUnits"]) - len(self.new)

    def moved(self, n: int) -> tuple[list[str], list[str]]:
        """(classic, new) holders after moving the first ``n`` classic users to the new site.

        One direction only, into free units: every mover is one PATCH (add new + remove
        classic) and no cycle between full pools can arise, so no cycle-breaking PATCH.
        """
        if n > self.headroom():
            raise ValueError(f"moving {n} users needs {n} free units; the new pool has {self.headroom()}")
        movers = [e for e in self.classic if e != ADMIN][:n]
        gone = set(movers)
        return [e for e in self.classic if e not in gone], self.new + movers


def distribution_yaml(classic: list[str], new: list[str]) -> str:
    """``stacks/<stack>.yaml`` declaring both meeting pools as one LicenseDistribution."""

    def users(xs: list[str]) -> str:
        return "\n".join(f"          - {x}" for x in sorted(xs)) or "          []"

    return (
        "# yaml-language-server: $schema=../schema/stack.schema.json\n"
        "licenses:\n"
        "  meetings:\n"
        f"    owner: platform@{DOMAIN}\n"
        "    pools:\n"
        f"      - license: {{siteUrl: {CLASSIC_SITE}}}\n"
        "        users:\n"
        f"{users(classic)}\n"
        f"      - license: {{siteUrl: {NEW_SITE}}}\n"
        "        users:\n"
        f"{users(new)}\n"
    )


def meetings_yaml(hosts: list[str], n: int, site_url: str = NEW_SITE) -> str:
    """A ``meetings:`` block of ``n`` weekly standing meetings, hosts taken in turn (bench (g))."""
    out = ["meetings:"]
    for i in range(n):
        host = hosts[i % len(hosts)]
        out += [
            f"  standup-{i:05d}:",
            f"    owner: {host}",
            f"    host: {host}",
            f"    siteUrl: {site_url}",
            f"    title: Team standup {i}",
            f"    start: 2027-01-{4 + i % 5:02d}T{8 + i % 9:02d}:{(i * 5) % 60:02d}:00",
            "    durationMinutes: 15",
            "    timezone: Europe/Berlin",
            "    recurrence: FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
        ]
    return "\n".join(out) + "\n"
