"""Meeting sites area. Helpers: :mod:`webex_emulator.areas.sites.model` (``default_site``)."""

from .routes import AREA

__all__ = ["AREA"]
