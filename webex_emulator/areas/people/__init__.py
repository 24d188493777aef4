"""People area. Helpers for other areas: :mod:`webex_emulator.areas.people.model`."""

from .routes import AREA

__all__ = ["AREA"]
