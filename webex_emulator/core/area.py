"""Area registration.

Every module or package directly under ``webex_emulator/areas/`` that defines a module-level
``AREA = Area(...)`` is discovered automatically at ``create_app`` time (no shared list to
edit). Areas are loaded in ``(order, name)`` order; the same order is used for seeding.
"""

from __future__ import annotations

import importlib
import pkgutil
import sqlite3
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from .routing import Router

if TYPE_CHECKING:
    from .seeding import SeedContext


@dataclass
class Area:
    name: str
    router: Router | None = None
    # CREATE TABLE IF NOT EXISTS ... script; applied at every start (idempotent).
    schema: str = ""
    # Seed one org: called once per org in the seed document, in area order.
    seed_org: Callable[["SeedContext"], None] | None = None
    # Seed top-level (non-org) parts of the document, after all orgs are seeded.
    seed_global: Callable[["SeedContext"], None] | None = None
    order: int = 100
    # Called inside the DELETE /people/{id} transaction before the person row goes away:
    # (db, person_uuid, org_uuid). Clean up rows that reference the person.
    on_person_deleted: Callable[[sqlite3.Connection, str, str], None] | None = None
    # Optional control-surface extras: list of starlette Routes mounted under /_emulator.
    control_routes: list[Any] = field(default_factory=list)


def discover_areas(package: str = "webex_emulator.areas") -> list[Area]:
    pkg = importlib.import_module(package)
    found: list[Area] = []
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"{package}.{info.name}")
        area = getattr(mod, "AREA", None)
        if isinstance(area, Area):
            found.append(area)
    found.sort(key=lambda a: (a.order, a.name))
    return found
