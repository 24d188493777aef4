"""Meeting sites area. Helpers: :mod:`emulator.areas.sites.model` (``default_site``)."""

from .routes import AREA

__all__ = ["AREA"]
