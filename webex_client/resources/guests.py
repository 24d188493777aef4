"""Guest management.

``POST /guests/token`` is sent as **idempotent**: per the spec, repeated calls with the same
``subject`` address the same guest and "create additional tokens without invalidating
previous ones", so a replay after an unknown outcome cannot create a second guest.
"""

from __future__ import annotations

from ..types.guests import GuestToken
from ._resource import SyncAPIResource


class Guests(SyncAPIResource):
    def create(self, subject: str, display_name: str) -> GuestToken:
        """Create (or rename) the guest ``subject`` and return a token for it."""
        response = self._client.request(
            "POST", "/guests/token", json={"subject": subject, "displayName": display_name}, idempotent=True
        )
        return GuestToken.model_validate(self._client.decode(response))

    def count(self) -> int:
        """Number of guests. The spec declares ``text/plain``; JSON is accepted too."""
        body = self._client.decode(self._client.request("GET", "/guests/count"))
        if isinstance(body, dict):
            for key in ("count", "guestCount", "total"):
                if key in body:
                    return int(body[key])
            raise ValueError(f"unexpected /guests/count body: {body!r}")
        return int(str(body).strip())
