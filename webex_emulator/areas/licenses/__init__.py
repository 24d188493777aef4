"""Licenses area: pools, assignments, attendee sites. Helpers for other areas live in
:mod:`webex_emulator.areas.licenses.model` (e.g. ``holds_meeting_license_on_site``)."""

from .routes import AREA

__all__ = ["AREA"]
