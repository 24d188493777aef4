"""Meeting sites: ``/meetingPreferences/sites`` (a user's sites and default site) and
``/admin/meeting/config/commonSettings`` (site-admin settings).

``PUT /meetingPreferences/sites`` sets a value → idempotent. ``PATCH commonSettings`` sends
absolute values for the options it names (no increments or appends) → marked idempotent,
retried after an unknown outcome.

Which site a call reaches (issue 12 items 2 and 3; spec webex-meeting.json):

* ``GET /meetingPreferences/sites?userEmail=`` without ``siteUrl`` looks the user up on the
  *admin's* default site: pass ``site_url`` (a site the user belongs to) for admin lookups.
* ``PATCH /admin/meeting/config/commonSettings`` has NO ``siteUrl`` parameter (only the GET has
  one): it changes the caller's default site. ``update_common_settings`` therefore refuses unless
  the caller's default site is the target, sends complete nested sections (read-modify-write),
  and reads the target back with ``?siteUrl=`` to prove the change landed there.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any

from ..types.licenses import License
from ..types.sites import Site, SiteCommonSettings
from ._resource import SyncAPIResource, items_of


class SiteSettingsTargetError(RuntimeError):
    """A commonSettings change would land (or landed) on another site than the one meant."""


def _leaves(node: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in node.items():
        if isinstance(v, Mapping):
            out.update(_leaves(v, f"{prefix}{k}."))
        else:
            out[prefix + k] = v
    return out


def _same(a: Any, b: Any) -> bool:
    # Enum values come back in the service's letter case (docs/webex-behaviour.md "Wire formats").
    return a.lower() == b.lower() if isinstance(a, str) and isinstance(b, str) else a == b


class Sites(SyncAPIResource):
    def list(self, *, user_email: str | None = None, site_url: str | None = None) -> list[Site]:
        """Sites of the caller (or of ``user_email`` with admin scopes). Not paginated."""
        body = self._client.get_json("/meetingPreferences/sites", params={"userEmail": user_email, "siteUrl": site_url})
        return [Site.model_validate(s) for s in items_of(body, "sites")]

    def get_default(self, *, user_email: str | None = None, site_url: str | None = None) -> Site | None:
        """The default site of the caller, or of ``user_email`` looked up on ``site_url`` (without
        it the service searches only the admin's own default site)."""
        return next((s for s in self.list(user_email=user_email, site_url=site_url) if s.default), None)

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

    # ``builtins.list``: inside this class ``list`` is the method above.
    def licensed_site_urls(self, *, org_id: str | None = None) -> dict[str, builtins.list[License]]:
        """Meeting sites of the org as seen through its licences (siteUrl → licences).
        There is no API to list or create sites; this is how existence is read."""
        out: dict[str, builtins.list[License]] = {}
        for raw in items_of(self._client.get_json("/licenses", params={"orgId": org_id})):
            lic = License.model_validate(raw)
            if lic.site_url:
                out.setdefault(lic.site_url, []).append(lic)
        return out

    def get_common_settings(self, site_url: str | None = None) -> SiteCommonSettings:
        body = self._client.get_json("/admin/meeting/config/commonSettings", params={"siteUrl": site_url})
        return SiteCommonSettings.model_validate(body or {})

    def patch_target_problem(self, site_url: str) -> str | None:
        """Why a commonSettings PATCH by this caller would NOT land on ``site_url`` (None: it
        would). The PATCH has no ``siteUrl``: it changes the caller's default site."""
        default = self.get_default()
        if default is not None and default.site_url.lower() == site_url.lower():
            return None
        where = f"the caller's default site is {default.site_url}" if default else "the caller has no default site"
        return (
            f"site settings of {site_url} cannot be changed by this token: "
            "PATCH /admin/meeting/config/commonSettings takes no siteUrl and changes the caller's "
            f"default site, and {where}. Make {site_url} the default meeting site of the admin "
            "whose token runs this stack, or remove commonSettings from this site"
        )

    def update_common_settings(self, settings: SiteCommonSettings | Mapping[str, Any], *, site_url: str) -> SiteCommonSettings:
        """Change the options set in ``settings`` on ``site_url`` (``telephonyConfig`` is
        read-only and never sent); returns the settings read back from ``site_url``.

        Refuses (``SiteSettingsTargetError``, nothing written) unless ``site_url`` is the caller's
        default site; sends each changed section complete, as read from the site; raises
        ``SiteSettingsTargetError`` if the read-back shows the change did not land."""
        model = settings if isinstance(settings, SiteCommonSettings) else SiteCommonSettings.model_validate(settings)
        problem = self.patch_target_problem(site_url)
        if problem:
            raise SiteSettingsTargetError(problem)
        changes = model.to_patch()
        live = self.get_common_settings(site_url).to_api()
        # Complete nested objects: the schema requires e.g. defaultSchedulerOptions'
        # entryAndExitTone AND telephonySupport, so each section goes out whole.
        body = {section: _merge(live.get(section), value) for section, value in changes.items()}
        self._client.request("PATCH", "/admin/meeting/config/commonSettings", json=body, idempotent=True)
        after = self.get_common_settings(site_url)
        have = _leaves(after.to_api())
        missed = [k for k, v in _leaves(changes).items() if not _same(have.get(k), v)]
        if missed:
            raise SiteSettingsTargetError(
                f"the commonSettings PATCH did not land on {site_url}: {', '.join(sorted(missed))} "
                "still differ after the change; the service applied it to another site. Check the "
                "default meeting site of the admin whose token runs this stack"
            )
        return after


def _merge(live: Any, change: Any) -> Any:
    """``change`` laid over ``live`` (nested dicts merged, everything else replaced)."""
    if isinstance(live, Mapping) and isinstance(change, Mapping):
        return {**live, **{k: _merge(live.get(k), v) for k, v in change.items()}}
    return change
