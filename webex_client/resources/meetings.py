"""``/meetings``.

Idempotency decisions:

* ``create`` (POST) is **never replayed** after an unknown outcome (a replay could create a
  second meeting; failed creates even count against the 100/24 h quota). Instead, when the
  meeting carries an ``integrationTags`` entry, the method searches for it
  (``GET /meetings?integrationTag=…`` around the requested start, ``current=false``) and
  returns the meeting whose tag, title and start match. Without a tag there is no safe way
  to tell our meeting from a look-alike, so the :class:`OutcomeUnknownError` is re-raised;
  IaC callers should always tag their meetings.
* ``patch`` (PATCH) is sent as **idempotent**: the body is a set of absolute attribute values
  (no increments or list appends), so applying it twice leaves the meeting as applying it
  once. (Changing a series' start/end/recurrence cancels exception occurrences — the first
  application already did that; the replay changes nothing further.)
* ``patch`` is sent as ``Content-Type: application/json-patch+json``, the only request content
  type the spec declares for ``PATCH /meetings/{meetingId}`` (spec: webex-meeting.json
  patchMeeting). The body is still a plain partial JSON object, as the spec's schema and example
  show, not RFC 6902 operations. The live service also takes ``application/json``
  (docs/webex-behaviour.md "Meeting PATCH content type"), but only the declared type is
  promised (issue 12 item 9; webex_emulator/deviations.py REQUEST_CONTENT_TYPES_LIVE_ACCEPTS).
* ``update`` (PUT, full replace) and ``delete`` are idempotent; a DELETE whose earlier attempt
  was lost in flight and that then meets 404 counts as done.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from .._base_client import path_segment
from .._exceptions import OutcomeUnknownError
from .._logging import logger
from .._pagination import Paginator
from ..types.meetings import Meeting, MeetingCreate, MeetingPatch, MeetingType, MeetingUpdate, ReassignResult
from ._resource import SyncAPIResource

# The declared request content type of PATCH /meetings/{meetingId} (see the module docstring).
PATCH_CONTENT_TYPE = "application/json-patch+json"

# Webex truncates start/end to the minute (docs/webex-behaviour.md "Meeting times and recurrence").
_START_TOLERANCE = timedelta(seconds=60)


class Meetings(SyncAPIResource):
    def list(
        self,
        *,
        meeting_number: str | None = None,
        web_link: str | None = None,
        room_id: str | None = None,
        meeting_series_id: str | None = None,
        from_: datetime | str | None = None,
        to: datetime | str | None = None,
        meeting_type: MeetingType | str | None = None,
        state: str | None = None,
        scheduled_type: str | None = None,
        is_modified: bool | None = None,
        current: bool | None = None,
        host_email: str | None = None,
        site_url: str | None = None,
        integration_tag: str | None = None,
        timezone: str | None = None,
        page_size: int | None = None,
    ) -> Paginator[Meeting]:
        params: dict[str, Any] = {
            "meetingNumber": meeting_number,
            "webLink": web_link,
            "roomId": room_id,
            "meetingSeriesId": meeting_series_id,
            "from": from_,
            "to": to,
            "meetingType": meeting_type,
            "state": state,
            "scheduledType": scheduled_type,
            "isModified": is_modified,
            "current": current,
            "hostEmail": host_email,
            "siteUrl": site_url,
            "integrationTag": integration_tag,
        }
        return Paginator(
            self._client,
            "/meetings",
            items_key="items",
            parse=Meeting.model_validate,
            params=params,
            page_size_param="max",
            page_size=self._page_size(page_size, "meetings"),
            headers={"timezone": timezone} if timezone else None,
        )

    def get(
        self,
        meeting_id: str,
        *,
        current: bool | None = None,
        host_email: str | None = None,
        timezone: str | None = None,
    ) -> Meeting:
        response = self._client.request(
            "GET",
            f"/meetings/{path_segment(meeting_id)}",
            params={"current": current, "hostEmail": host_email},
            headers={"timezone": timezone} if timezone else None,
        )
        return Meeting.model_validate(self._client.decode(response))

    def create(self, meeting: MeetingCreate | Mapping[str, Any], *, recover: bool = True) -> Meeting:
        model = self._coerce(MeetingCreate, meeting)
        try:
            response = self._client.request("POST", "/meetings", json=model.to_api())
        except OutcomeUnknownError:
            if not recover:
                raise
            found = self._find_created(model)
            if found is None:
                raise
            logger.warning("POST /meetings outcome unknown; found meeting %s by integration tag, treating as created", found.id)
            return found
        return Meeting.model_validate(self._client.decode(response))

    def _find_created(self, model: MeetingCreate) -> Meeting | None:
        if not model.integration_tags or model.start is None:
            return None
        start = model.start if model.start.tzinfo else model.start.replace(tzinfo=timezone.utc)
        candidates = [
            m
            for m in self.list(
                integration_tag=model.integration_tags[0],
                from_=start - timedelta(days=1),
                to=start + timedelta(days=1),
                meeting_type=MeetingType.MEETING_SERIES,
                current=False,
                host_email=model.host_email,
                site_url=model.site_url,
            )
            if m.title == model.title
            and m.start is not None
            and abs((m.start if m.start.tzinfo else m.start.replace(tzinfo=timezone.utc)) - start) <= _START_TOLERANCE
            and set(model.integration_tags) <= set(m.integration_tags or [])
        ]
        return candidates[0] if len(candidates) == 1 else None

    def update(self, meeting_id: str, meeting: MeetingUpdate | Mapping[str, Any]) -> Meeting:
        """Full replace (PUT). Webex recommends PATCH; kept for completeness."""
        body = self._coerce(MeetingUpdate, meeting).to_api()
        response = self._client.request("PUT", f"/meetings/{path_segment(meeting_id)}", json=body)
        return Meeting.model_validate(self._client.decode(response))

    def patch(self, meeting_id: str, patch: MeetingPatch | Mapping[str, Any]) -> Meeting:
        """Partial update: only the fields set on ``patch`` are sent (``None`` → JSON null,
        which clears ``agenda``/``recurrence``/``trackingCodes``)."""
        if isinstance(patch, MeetingPatch):
            body = patch.to_api()
        else:
            body = MeetingPatch.model_validate(patch).to_api()
        response = self._client.request(
            "PATCH",
            f"/meetings/{path_segment(meeting_id)}",
            json=body,
            idempotent=True,
            headers={"content-type": PATCH_CONTENT_TYPE},  # lower case: replaces httpx's own
        )
        return Meeting.model_validate(self._client.decode(response))

    def reassign_host(
        self, meeting_ids: builtins.list[str], host_email: str, *, site_url: str | None = None
    ) -> builtins.list[ReassignResult]:  # builtins: ``list`` here is the method above
        """``POST /meetings/reassignHost``: give meeting series a new host, keeping their
        meetingId, meeting number and SIP address. All series must be on one site: the
        ``siteUrl`` header, else the admin's preferred site. Returns one result per meeting
        (all ``200`` on a 204 answer; the per-meeting items of a 207). Idempotent: reassigning
        to the current host again changes nothing."""
        response = self._client.request(
            "POST",
            "/meetings/reassignHost",
            json={"hostEmail": host_email, "meetingIds": list(meeting_ids)},
            headers={"siteUrl": site_url} if site_url else None,
            idempotent=True,
        )
        if response.status_code == 204:
            return [ReassignResult(meeting_id=m, http_status="200") for m in meeting_ids]
        body = self._client.decode(response) or {}
        return [ReassignResult.model_validate(item) for item in body.get("items") or []]

    def delete(self, meeting_id: str, *, host_email: str | None = None, send_email: bool | None = None) -> None:
        self._client.request(
            "DELETE",
            f"/meetings/{path_segment(meeting_id)}",
            params={"hostEmail": host_email, "sendEmail": send_email},
        )
