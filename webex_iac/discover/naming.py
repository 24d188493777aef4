"""Names and groupings of what discover writes: readable holder lists, slugs, free names."""

from __future__ import annotations

import re
from typing import Iterable


def group_holders(holders: set[str], groups: dict[str, set[str]]) -> tuple[list[str], set[str]]:
    """(groups whose members all hold, largest first, each adding someone; holders left over)."""
    chosen: list[str] = []
    covered: set[str] = set()
    for name, members in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        if members and members <= holders and not members <= covered:
            chosen.append(name)
            covered |= members
    return chosen, holders - covered


def slug(text: str, fallback: str = "item") -> str:
    s = re.sub(r"[^a-z0-9]+", "-", (text or "").lower()).strip("-")[:63].strip("-")
    return s if s and s[0].isalnum() else fallback


def unique_name(base: str, taken: Iterable[str]) -> str:
    taken = set(taken)
    if base not in taken:
        return base
    for i in range(2, 10_000):
        cand = f"{base[:58]}-{i}"
        if cand not in taken:
            return cand
    raise RuntimeError("no free name")
