"""API areas. Every submodule/package defining ``AREA = Area(...)`` is discovered automatically
(see webex_emulator/core/area.py); add a new area by adding a package here, nothing else to edit."""
