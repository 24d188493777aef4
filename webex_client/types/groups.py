"""Groups (webex-admin.json, tag Groups). The service accepts the simple body shape the
spec *example* and wxc_sdk use (``displayName``, ``orgId``, ``description``, ``members[{id}]``);
that is what these models send."""

from __future__ import annotations

from typing import Annotated, Union

from pydantic import Field

from ._base import CaseInsensitiveEnum, Timestamp, WebexModel


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


class GroupMemberOperation(CaseInsensitiveEnum):
    ADD = "add"
    DELETE = "delete"


class GroupMemberChange(WebexModel):
    id: str
    operation: Annotated[Union[GroupMemberOperation, str], Field(union_mode="left_to_right")] = (
        GroupMemberOperation.ADD
    )


class GroupPatch(WebexModel):
    display_name: str | None = None
    description: str | None = None
    members: list[GroupMemberChange] | None = None
