"""Guest Management area: ``POST /guests/token`` and ``GET /guests/count`` ([SA] tag Guest Management)."""

from webex_emulator.core import Area

from .model import SCHEMA
from .routes import router

AREA = Area(name="guests", router=router, schema=SCHEMA, order=70)

__all__ = ["AREA"]
