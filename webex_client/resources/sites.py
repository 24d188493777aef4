"""Meeting sites: ``/meetingPreferences/sites`` (a user's sites and default site) and
``/admin/meeting/config/commonSettings`` (site-admin settings).

``PUT /meetingPreferences/sites`` sets a value → idempotent. ``PATCH commonSettings`` sends
absolute values for the options it names (no increments or appends) → marked idempotent,
retried after an unknown outcome.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..types.licenses import License
from ..types.sites import Site, SiteCommonSettings
from ._resource import SyncAPIResource, items_of


class Sites(SyncAPIResource):
    def list(self, *, user_email: str | None = None, site_url: str | None = None) -> list[Site]:
        """Sites of the caller (or of ``user_email`` with admin scopes). Not paginated."""
        body = self._client.get_json("/meetingPreferences/sites", params={"userEmail": user_email, "siteUrl": site_url})
        return [Site.model_validate(s) for s in items_of(body, "sites")]

    def get_default(self, *, user_email: str | None = None) -> Site | None:
        return next((s for s in self.list(user_email=user_email) if s.default), None)

    def set_default(self, site_url: str, *, user_email: str | None = None) -> Site:
        body = self._client.decode(
            self._client.request(
                "PUT",
                "/meetingPreferences/sites",
                params={"defaultSite": True, "userEmail": user_email},
                json={"siteUrl": site_url},
            )
        )
        return Site.model_validate(body or {"siteUrl": site_url, "default": True})

    def licensed_site_urls(self, *, org_id: str | None = None) -> dict[str, list[License]]:
        """Meeting sites of the org as seen through its licences (siteUrl → licences).
        There is no API to list or create sites; this is how existence is read."""
        out: dict[str, list[License]] = {}
        for raw in items_of(self._client.get_json("/licenses", params={"orgId": org_id})):
            lic = License.model_validate(raw)
            if lic.site_url:
                out.setdefault(lic.site_url, []).append(lic)
        return out

    def get_common_settings(self, site_url: str | None = None) -> SiteCommonSettings:
        body = self._client.get_json("/admin/meeting/config/commonSettings", params={"siteUrl": site_url})
        return SiteCommonSettings.model_validate(body or {})

    def update_common_settings(
        self, settings: SiteCommonSettings | Mapping[str, Any], *, site_url: str | None = None
    ) -> SiteCommonSettings:
        """PATCH only the options set in ``settings`` (``telephonyConfig`` is read-only and
        never sent). ``site_url`` is passed as a query parameter; without it the service
        uses the admin's preferred site."""
        model = settings if isinstance(settings, SiteCommonSettings) else SiteCommonSettings.model_validate(settings)
        response = self._client.request(
            "PATCH",
            "/admin/meeting/config/commonSettings",
            params={"siteUrl": site_url},
            json=model.to_patch(),
            idempotent=True,
        )
        return SiteCommonSettings.model_validate(self._client.decode(response) or {})
