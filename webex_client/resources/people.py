"""``/people``.

Idempotency decisions:

* ``create`` (POST) is **not** replayed when its outcome is unknown. The People API is
  non-atomic ("POST … may return a 400 status, but the person was created still — check if
  the user exists before retrying"), so instead the method looks the person up by their
  first email and returns them if they exist; otherwise the original
  :class:`~webex_client.OutcomeUnknownError` is raised.
* ``update`` (PUT) is a full replace → idempotent, retried.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .._base_client import path_segment
from .._exceptions import OutcomeUnknownError
from .._logging import logger
from .._pagination import Paginator
from ..types.people import Person
from ._resource import SyncAPIResource, items_of


class People(SyncAPIResource):
    def list(
        self,
        *,
        email: str | None = None,
        display_name: str | None = None,
        ids: Iterable[str] | None = None,
        org_id: str | None = None,
        roles: Iterable[str] | None = None,
        calling_data: bool | None = None,
        location_id: str | None = None,
        exclude_status: bool | None = None,
        page_size: int | None = None,
    ) -> Paginator[Person]:
        """Iterate people (admins may omit ``email``/``display_name`` to list the org)."""
        params: dict[str, Any] = {
            "email": email,
            "displayName": display_name,
            "id": list(ids) if ids is not None else None,
            "orgId": org_id,
            "roles": list(roles) if roles is not None else None,
            "callingData": calling_data,
            "locationId": location_id,
            "excludeStatus": exclude_status,
        }
        cap = "people_by_location" if location_id else "people_calling_data" if calling_data else "people"
        return Paginator(
            self._client,
            "/people",
            items_key="items",
            parse=Person.model_validate,
            params=params,
            page_size_param="max",
            page_size=self._page_size(page_size, cap),
        )

    def get(self, person_id: str, *, calling_data: bool | None = None) -> Person:
        body = self._client.get_json(f"/people/{path_segment(person_id)}", params={"callingData": calling_data})
        return Person.model_validate(body)

    def me(self) -> Person:
        return Person.model_validate(self._client.get_json("/people/me"))

    def find_by_email(self, email: str, *, org_id: str | None = None) -> Person | None:
        """The person with exactly this email, or None."""
        body = self._client.get_json("/people", params={"email": email, "orgId": org_id})
        for raw in items_of(body):
            person = Person.model_validate(raw)
            if any(e.lower() == email.lower() for e in person.emails or []):
                return person
        return None

    def create(
        self,
        person: Person | Mapping[str, Any],
        *,
        calling_data: bool | None = None,
        min_response: bool | None = None,
        recover: bool = True,
    ) -> Person:
        model = self._coerce(Person, person)
        body = model.to_api()
        for read_only in ("id", "created", "lastModified", "lastActivity", "status", "sipAddresses"):
            body.pop(read_only, None)
        try:
            response = self._client.request(
                "POST", "/people", params={"callingData": calling_data, "minResponse": min_response}, json=body
            )
        except OutcomeUnknownError:
            email = model.primary_email
            if not recover or not email:
                raise
            found = self.find_by_email(email, org_id=model.org_id)
            if found is None:
                raise
            logger.warning("POST /people outcome unknown; found %s by email, treating as created", found.id)
            return found
        return Person.model_validate(self._client.decode(response) or {})

    def update(
        self,
        person_id: str,
        person: Person | Mapping[str, Any],
        *,
        calling_data: bool | None = None,
        show_all_types: bool | None = None,
        min_response: bool | None = None,
    ) -> Person | None:
        """Full replace (PUT): send the whole person — GET, change, PUT."""
        body = self._coerce(Person, person).to_api()
        response = self._client.request(
            "PUT",
            f"/people/{path_segment(person_id)}",
            params={"callingData": calling_data, "showAllTypes": show_all_types, "minResponse": min_response},
            json=body,
        )
        decoded = self._client.decode(response)
        return Person.model_validate(decoded) if decoded else None

    def delete(self, person_id: str) -> None:
        self._client.request("DELETE", f"/people/{path_segment(person_id)}")
