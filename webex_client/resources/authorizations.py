"""``/authorizations`` (not paginated). Deletes are idempotent."""

from __future__ import annotations

from .._base_client import path_segment
from ..types.authorizations import Authorization, TokenExpiry
from ._resource import SyncAPIResource, items_of


class Authorizations(SyncAPIResource):
    def list(self, *, person_id: str | None = None, person_email: str | None = None) -> list[Authorization]:
        if (person_id is None) == (person_email is None):
            raise ValueError("give exactly one of person_id or person_email")
        body = self._client.get_json("/authorizations", params={"personId": person_id, "personEmail": person_email})
        return [Authorization.model_validate(a) for a in items_of(body)]

    def delete(self, authorization_id: str) -> None:
        self._client.request("DELETE", f"/authorizations/{path_segment(authorization_id)}")

    def delete_by_client(self, client_id: str, *, org_id: str | None = None) -> None:
        """Revoke every authorization of an OAuth client in an org (de-authorize an app)."""
        self._client.request("DELETE", "/authorizations", params={"clientId": client_id, "orgId": org_id})

    def token_expiry(self) -> TokenExpiry:
        return TokenExpiry.model_validate(self._client.get_json("/authorizations/tokenExpiry"))
