"""Guest Management area: ``POST /guests/token`` and ``GET /guests/count`` (REFERENCE.md §10)."""

from emulator.core import Area

from .routes import SCHEMA, router

AREA = Area(name="guests", router=router, schema=SCHEMA, order=70)

__all__ = ["AREA"]
