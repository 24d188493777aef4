"""``/licenses`` and ``PATCH /licenses/users``.

``PATCH /licenses/users`` is sent as **idempotent** (retried even when an earlier attempt's
outcome is unknown). Why that is safe: the body is an explicit list of ``add``/``remove``
operations on named licences and sites for one user; applying it a second time converges
to the same final set (adding a held licence / removing an absent one is a no-op answered
with the resulting set — spec: webex-admin.json PATCH /licenses/users; docs/webex-behaviour.md
"License assignment"). A replay can therefore not duplicate
anything; the worst case is re-asserting the desired state.

A 206 answer means some of the changes were refused: :meth:`Licenses.assign` raises
:class:`~webex_client.PartialContentError` carrying the resulting set and the failed
licences (requested adds missing from the result, requested removes still present).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .._base_client import BulkResults, path_segment
from .._exceptions import PartialContentError
from .._pagination import Paginator
from ..types.licenses import License, LicenseAssignmentRequest, LicenseAssignmentResponse, LicenseUser
from ._resource import SyncAPIResource, items_of


class Licenses(SyncAPIResource):
    def list(self, *, org_id: str | None = None) -> list[License]:
        """All licences of the org (not paginated)."""
        body = self._client.get_json("/licenses", params={"orgId": org_id})
        return [License.model_validate(x) for x in items_of(body)]

    def get(self, license_id: str) -> License:
        return License.model_validate(self._client.get_json(f"/licenses/{path_segment(license_id)}"))

    def list_users(self, license_id: str, *, page_size: int | None = None) -> Paginator[LicenseUser]:
        """Holders of a licence (``includeAssignedTo=user``; ``limit`` ≤ 300; opaque ``next``)."""
        return Paginator(
            self._client,
            f"/licenses/{path_segment(license_id)}",
            items_key="users",
            parse=LicenseUser.model_validate,
            params={"includeAssignedTo": "user"},
            page_size_param="limit",
            page_size=self._page_size(page_size, "license_users"),
        )

    def assign(self, request: LicenseAssignmentRequest | Mapping[str, Any]) -> LicenseAssignmentResponse:
        """Apply licence/attendee-site changes to one user.

        :raises PartialContentError: on 206 (``.result`` and ``.failed_license_ids`` set).
        """
        model = self._coerce(LicenseAssignmentRequest, request)
        response = self._client.request("PATCH", "/licenses/users", json=model.to_api(), idempotent=True)
        result = LicenseAssignmentResponse.model_validate(self._client.decode(response) or {})
        if response.status_code == 206:
            raise PartialContentError(
                f"licence assignment for {model.subject} only partly applied",
                result=result,
                failed_license_ids=result.failed_license_ids(model),
                failed_site_urls=result.failed_site_urls(model),
                method="PATCH",
                url=str(response.request.url),
                tracking_id=(response.headers.get("trackingid") or "").split(",")[0].strip() or None,
                body=self._client.decode(response),
            )
        return result

    def assign_many(
        self,
        requests: Iterable[LicenseAssignmentRequest | Mapping[str, Any]],
        *,
        max_workers: int | None = None,
    ) -> BulkResults[LicenseAssignmentRequest, LicenseAssignmentResponse]:
        """Bulk :meth:`assign` over the shared pool/throttle/retry policy.

        Returns one result per request, in order; failures (including
        :class:`PartialContentError`) are reported per item and never abort the batch."""
        models = [self._coerce(LicenseAssignmentRequest, r) for r in requests]
        return self._client.map_concurrent(self.assign, models, max_workers=max_workers)
