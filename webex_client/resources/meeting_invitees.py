"""``/meetingInvitees``.

* ``create`` (POST) is not replayed after an unknown outcome: a replay would at best
  answer 409 "User is already a meeting invitee" and at worst send a second invitation
  e-mail. Instead the invitees of the meeting are listed and the one with the requested
  email is returned if present.
* ``bulk_insert`` likewise: if every requested email is now an invitee, those are returned;
  otherwise the :class:`OutcomeUnknownError` propagates.
* ``update`` (PUT) and ``delete`` are idempotent.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from typing import Any

from .._base_client import path_segment
from .._exceptions import OutcomeUnknownError
from .._logging import logger
from .._pagination import Paginator
from ..types.meeting_invitees import BulkInviteeItem, Invitee, InviteeCreate, InviteeUpdate
from ._resource import SyncAPIResource, items_of


class MeetingInvitees(SyncAPIResource):
    def list(
        self,
        meeting_id: str,
        *,
        host_email: str | None = None,
        panelist: bool | None = None,
        page_size: int | None = None,
    ) -> Paginator[Invitee]:
        return Paginator(
            self._client,
            "/meetingInvitees",
            items_key="items",
            parse=Invitee.model_validate,
            params={"meetingId": meeting_id, "hostEmail": host_email, "panelist": panelist},
            page_size_param="max",
            page_size=self._page_size(page_size, "meeting_invitees"),
        )

    def get(self, invitee_id: str, *, host_email: str | None = None) -> Invitee:
        body = self._client.get_json(f"/meetingInvitees/{path_segment(invitee_id)}", params={"hostEmail": host_email})
        return Invitee.model_validate(body)

    def _by_email(self, meeting_id: str, host_email: str | None) -> dict[str, Invitee]:
        return {(i.email or "").lower(): i for i in self.list(meeting_id, host_email=host_email)}

    def create(self, invitee: InviteeCreate | Mapping[str, Any], *, recover: bool = True) -> Invitee:
        model = self._coerce(InviteeCreate, invitee)
        try:
            response = self._client.request("POST", "/meetingInvitees", json=model.to_api())
        except OutcomeUnknownError:
            if not recover:
                raise
            found = self._by_email(model.meeting_id, model.host_email).get(model.email.lower())
            if found is None:
                raise
            logger.warning("POST /meetingInvitees outcome unknown; invitee %s exists, treating as created", found.id)
            return found
        return Invitee.model_validate(self._client.decode(response))

    def bulk_insert(
        self,
        meeting_id: str,
        items: Iterable[BulkInviteeItem | Mapping[str, Any]],
        *,
        host_email: str | None = None,
        recover: bool = True,
    ) -> builtins.list[Invitee]:  # builtins: ``list`` here is the method above
        models = [self._coerce(BulkInviteeItem, i) for i in items]
        body = {"meetingId": meeting_id, "hostEmail": host_email, "items": [m.to_api() for m in models]}
        if host_email is None:
            body.pop("hostEmail")
        try:
            response = self._client.request("POST", "/meetingInvitees/bulkInsert", json=body)
        except OutcomeUnknownError:
            if not recover:
                raise
            present = self._by_email(meeting_id, host_email)
            wanted = [m.email.lower() for m in models]
            if not all(e in present for e in wanted):
                raise
            logger.warning("bulkInsert outcome unknown; all %d invitees present, treating as created", len(wanted))
            return [present[e] for e in wanted]
        return [Invitee.model_validate(x) for x in items_of(self._client.decode(response))]

    def update(self, invitee_id: str, update: InviteeUpdate | Mapping[str, Any]) -> Invitee:
        body = self._coerce(InviteeUpdate, update).to_api()
        response = self._client.request("PUT", f"/meetingInvitees/{path_segment(invitee_id)}", json=body)
        return Invitee.model_validate(self._client.decode(response))

    def delete(self, invitee_id: str, *, host_email: str | None = None, send_email: bool | None = None) -> None:
        self._client.request(
            "DELETE",
            f"/meetingInvitees/{path_segment(invitee_id)}",
            params={"hostEmail": host_email, "sendEmail": send_email},
        )
