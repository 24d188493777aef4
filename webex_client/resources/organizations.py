"""``/organizations`` and ``/roles`` — both unpaginated lists."""

from __future__ import annotations

from .._base_client import path_segment
from ..types.organizations import Organization, Role
from ._resource import SyncAPIResource, items_of


class Organizations(SyncAPIResource):
    def list(self) -> list[Organization]:
        """Organizations visible to the caller (own + managed). Not paginated."""
        body = self._client.get_json("/organizations")
        return [Organization.model_validate(o) for o in items_of(body)]

    def get(self, org_id: str) -> Organization:
        return Organization.model_validate(self._client.get_json(f"/organizations/{path_segment(org_id)}"))

    def delete(self, org_id: str) -> None:
        """Irreversible; may answer 409 (linked sites, licences, users…). Idempotent:
        a 404 after an attempt whose outcome was unknown counts as deleted."""
        self._client.request("DELETE", f"/organizations/{path_segment(org_id)}")


class Roles(SyncAPIResource):
    def list(self) -> list[Role]:
        return [Role.model_validate(r) for r in items_of(self._client.get_json("/roles"))]

    def get(self, role_id: str) -> Role:
        return Role.model_validate(self._client.get_json(f"/roles/{path_segment(role_id)}"))
