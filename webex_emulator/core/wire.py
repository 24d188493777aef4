"""Wire-format helpers: timestamps, JSON bodies, tracking ids, query parsing.

docs/webex-behaviour.md "Wire formats" is the contract for everything here.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

JSON_CONTENT_TYPE = "application/json;charset=UTF-8"
TRACKING_HEADER = "Trackingid"


def iso(dt: datetime) -> str:
    """``2015-10-18T14:26:16.000Z``: milliseconds and a ``Z``, always UTC."""
    dt = dt.astimezone(timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def parse_iso(value: str) -> datetime:
    """Parse an ISO-8601 timestamp (``Z`` or offset) into an aware datetime."""
    text = value.strip()
    if text.endswith("Z") or text.endswith("z"):
        text = text[:-1] + "+00:00"
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt


def new_tracking_id() -> str:
    """A ``ROUTER_<HEX>``-style id like the live service's (docs/webex-behaviour.md "Tracking ids")."""
    h = secrets.token_hex(16).upper()
    return f"ROUTER_{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


TRUE_STRINGS = frozenset({"true"})
FALSE_STRINGS = frozenset({"false"})


def parse_bool(value: str) -> bool | None:
    """``true``/``True``/``TRUE`` (any case) → True; likewise false; anything else → None."""
    low = value.strip().lower()
    if low in TRUE_STRINGS:
        return True
    if low in FALSE_STRINGS:
        return False
    return None


@dataclass
class ApiResponse:
    """What an area handler returns. The pipeline adds Trackingid and serialises ``body``.

    ``body`` may be a JSON-able object (sent as ``application/json;charset=UTF-8``), ``bytes``/
    ``str`` (sent with ``content_type``), or None (empty body, e.g. 204).
    """

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = None

    def encode(self) -> tuple[bytes, str | None]:
        if self.body is None:
            return b"", self.content_type
        if isinstance(self.body, bytes):
            return self.body, self.content_type or "application/octet-stream"
        if isinstance(self.body, str) and self.content_type is not None:
            return self.body.encode(), self.content_type
        return dumps(self.body), self.content_type or JSON_CONTENT_TYPE
