"""Groups (webex-admin.json, tag Groups).

The models keep a simple Python shape (``display_name``, ``members=[{"id": ...}]``), but what
goes on the wire follows the spec *schemas*, not the spec example (issue 12 item 10):
``POST /groups`` sends ``PostGroup`` (``schemas`` + ``displayName`` + ``members[{value, type}]``),
``PATCH /groups/{id}`` sends ``PatchGroup`` (SCIM ``schemas`` + ``Operations``). The live service
also takes the example's simple shape, but nothing promises that.
"""

from __future__ import annotations

from typing import Annotated, Any, Union

from pydantic import Field

from .._ids import id_uuid, is_webex_id
from ._base import CaseInsensitiveEnum, Timestamp, WebexModel

SCIM_GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
SCIM_PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def _member_value(person_id: str) -> str:
    """SCIM member ``value`` is the person's UUID (spec example); Webex ids are unwrapped."""
    return id_uuid(person_id) if is_webex_id(person_id) else person_id


class GroupMember(WebexModel):
    id: str
    type: str | None = None
    display_name: str | None = None


class Group(WebexModel):
    id: str
    display_name: str | None = None
    org_id: str | None = None
    description: str | None = None
    created: Timestamp | None = None
    last_modified: Timestamp | None = None
    member_size: int | None = None
    members: list[GroupMember] | None = None
    usage: str | None = None


class GroupMemberRef(WebexModel):
    id: str


class GroupCreate(WebexModel):
    display_name: str
    org_id: str | None = None
    description: str | None = None
    members: list[GroupMemberRef] | None = None

    def to_api(self, **kw: Any) -> dict[str, Any]:
        """The ``PostGroup`` schema body (``orgId``/``description`` ride along: the schema does
        not close ``additionalProperties`` and the spec example sends them)."""
        body = super().to_api(**kw)
        body["schemas"] = [SCIM_GROUP_SCHEMA]
        if self.members is not None:
            body["members"] = [{"value": _member_value(m.id), "type": "user"} for m in self.members]
        return body


class GroupMemberOperation(CaseInsensitiveEnum):
    ADD = "add"
    DELETE = "delete"


class GroupMemberChange(WebexModel):
    id: str
    operation: Annotated[Union[GroupMemberOperation, str], Field(union_mode="left_to_right")] = GroupMemberOperation.ADD


class GroupPatch(WebexModel):
    display_name: str | None = None
    description: str | None = None
    members: list[GroupMemberChange] | None = None

    def to_api(self, **kw: Any) -> dict[str, Any]:
        """The ``PatchGroup`` schema body: SCIM ``Operations`` (RFC 7644 §3.5.2)."""
        ops: list[dict[str, Any]] = []
        for path, value in (("displayName", self.display_name), ("description", self.description)):
            if value is not None:
                ops.append({"op": "replace", "path": path, "value": value})

        def is_add(m: GroupMemberChange) -> bool:
            return str(getattr(m.operation, "value", m.operation)).lower() == "add"

        adds = [m for m in self.members or [] if is_add(m)]
        removes = [m for m in self.members or [] if not is_add(m)]
        if adds:
            ops.append({"op": "add", "path": "members", "value": [{"value": _member_value(m.id), "type": "user"} for m in adds]})
        for m in removes:
            ops.append({"op": "remove", "path": f'members[value eq "{_member_value(m.id)}"]'})
        return {"schemas": [SCIM_PATCH_SCHEMA], "Operations": ops}
