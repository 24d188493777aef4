"""Service Apps area: ``POST /applications/{id}/token``, the OAuth refresh grant
(``POST /access_token``) and ``/authorizations`` ([SA] tags Service Apps, Authorizations).

The app registry and the per-org Control Hub authorization live in the core
(``webex_emulator/core/service_apps.py``, control surface ``/_emulator/service-apps``); this area turns
an authorization into real emulator tokens.
"""

from webex_emulator.core import Area

from .routes import control_routes, router

AREA = Area(name="service_apps", router=router, order=60, control_routes=control_routes)

__all__ = ["AREA"]
