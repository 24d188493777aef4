"""``/groups`` (SCIM-style paging with ``startIndex``/``count``).

* ``create`` (POST, 201) is not replayed after an unknown outcome; the group is looked up
  by exact ``displayName`` (``filter=displayName eq "…"``) and returned if exactly one
  matches.
* ``update`` (PATCH with member add/delete operations) is **not** marked idempotent:
  the service's answer to adding an existing member is undocumented, so an unknown outcome
  is surfaced as :class:`OutcomeUnknownError` for the caller to re-read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._base_client import path_segment
from .._exceptions import OutcomeUnknownError
from .._logging import logger
from .._pagination import Paginator
from ..types.groups import Group, GroupCreate, GroupMember, GroupPatch
from ._resource import SyncAPIResource


class Groups(SyncAPIResource):
    def list(
        self,
        *,
        org_id: str | None = None,
        filter: str | None = None,
        attributes: str | None = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
        include_members: bool | None = None,
        page_size: int | None = None,
    ) -> Paginator[Group]:
        return Paginator(
            self._client,
            "/groups",
            items_key="groups",
            parse=Group.model_validate,
            params={
                "orgId": org_id,
                "filter": filter,
                "attributes": attributes,
                "sortBy": sort_by,
                "sortOrder": sort_order,
                "includeMembers": include_members,
            },
            page_size_param="count",
            page_size=self._page_size(page_size, "groups"),
            scim=True,
        )

    def get(self, group_id: str, *, include_members: bool | None = None) -> Group:
        body = self._client.get_json(f"/groups/{path_segment(group_id)}", params={"includeMembers": include_members})
        return Group.model_validate(body)

    def find_by_name(self, display_name: str, *, org_id: str | None = None) -> Group | None:
        escaped = display_name.replace("\\", "\\\\").replace('"', '\\"')
        matches = [g for g in self.list(org_id=org_id, filter=f'displayName eq "{escaped}"') if g.display_name == display_name]
        return matches[0] if len(matches) == 1 else None

    def create(self, group: GroupCreate | Mapping[str, Any], *, recover: bool = True) -> Group:
        model = self._coerce(GroupCreate, group)
        try:
            response = self._client.request("POST", "/groups", json=model.to_api())
        except OutcomeUnknownError:
            if not recover:
                raise
            found = self.find_by_name(model.display_name, org_id=model.org_id)
            if found is None:
                raise
            logger.warning("POST /groups outcome unknown; found group %s by name, treating as created", found.id)
            return found
        return Group.model_validate(self._client.decode(response))

    def update(self, group_id: str, patch: GroupPatch | Mapping[str, Any]) -> Group:
        body = self._coerce(GroupPatch, patch).to_api()
        response = self._client.request("PATCH", f"/groups/{path_segment(group_id)}", json=body)
        return Group.model_validate(self._client.decode(response))

    def delete(self, group_id: str) -> None:
        self._client.request("DELETE", f"/groups/{path_segment(group_id)}")

    def list_members(self, group_id: str, *, page_size: int | None = None) -> Paginator[GroupMember]:
        return Paginator(
            self._client,
            f"/groups/{path_segment(group_id)}/members",
            items_key="members",
            parse=GroupMember.model_validate,
            page_size_param="count",
            page_size=self._page_size(page_size, "group_members"),
            scim=True,
        )
