"""Facts about an org that every reader of it shares: people's primary email and roles, license
pools (their labels, the pools of a site, references to a pool and their resolution).

``discover``, ``migration-report`` and ``snapshot`` use these instead of their own copies, so a
rule (say, which email of a person is theirs) is written once. The two facts the providers and
the policy pack need too, ``primary_email`` and ``pool_label``, are defined with the types they
read (``webex_client.types.people``, ``webex_client.types.licenses``) and offered here with
the rest. License references and their resolution are defined here; the providers
(``resources/``, the project's own code, which is not installed) import them from here, so the
installed package never needs the project's code.
"""

from __future__ import annotations

from typing import Any, Iterable

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.alias_generators import to_camel

from webex_client import decode_id, normalize_id
from webex_client.types.licenses import License
from webex_client.types.licenses import pool_label as pool_label  # re-exported (see above)
from webex_client.types.people import Person
from webex_client.types.people import primary_email as primary_email  # re-exported (see above)


class LicenseRef(BaseModel):
    """Which license pool: by id, or by the meeting site it belongs to, or by name.

    Names are only a last resort: Webex renamed license products in 2026 (docs/webex-behaviour.md).
    """

    # The providers' input conventions (resources' Model): camelCase in YAML and in Pulumi
    # state, snake_case in Python, no unknown keys. Defined here, not in resources/ (the
    # project's code, not installed), so every reader of an org resolves references one way.
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    id: str | None = Field(default=None, description="License id (base64 ciscospark://us/LICENSE/...).")
    site_url: str | None = Field(default=None, description="Meeting site of a meeting license pool, e.g. acme.webex.com.")
    name: str | None = Field(default=None, description="License name, e.g. 'Meeting - Webex Meeting Center'.")
    subscription_id: str | None = Field(default=None, description="Disambiguates two pools with the same site or name.")

    @model_validator(mode="after")
    def _one_key(self) -> "LicenseRef":
        if not (self.id or self.site_url or self.name):
            raise ValueError("a license needs one of id, siteUrl or name")
        return self

    def describe(self) -> str:
        return self.id or self.site_url or self.name or "?"


def resolve_license(ref: LicenseRef, licenses: dict[str, License]) -> License | str:
    """The one pool ``ref`` names among ``licenses`` (by id), or why it names none (a string)."""
    if ref.id:
        want = normalize_id(ref.id)  # padding-insensitive comparison
        for lic in licenses.values():
            if normalize_id(lic.id) == want:
                return lic
        return f"no license with id {ref.id} in the org"
    found = [
        lic
        for lic in licenses.values()
        if (not ref.site_url or (lic.site_url or "").lower() == ref.site_url.lower())
        and (not ref.name or (lic.name or "").lower() == ref.name.lower())
        and (not ref.subscription_id or lic.subscription_id == ref.subscription_id)
    ]
    if not found:
        return f"no license pool matches {ref.describe()} (GET /licenses lists {len(licenses)} pools)"
    if len(found) > 1:
        ids = ", ".join(f"{l.name} [{l.subscription_id}]" for l in found)
        return f"{ref.describe()} matches {len(found)} pools ({ids}); add name, subscriptionId or id"
    return found[0]


def role_names(p: Person) -> set[str]:
    """Role names (``id_full_admin``…) from the person's role ids."""
    out = set()
    for r in p.roles or []:
        decoded = decode_id(r)
        out.add(decoded.tail if decoded else r)
    return out


def meeting_pools(licenses: Iterable[License]) -> list[License]:
    """The pools that give an account on a meeting site (they carry a ``siteUrl``)."""
    return [lic for lic in licenses if lic.site_url]


def meeting_sites(licenses: Iterable[License]) -> list[str]:
    """The org's meeting sites (lower-case URLs, sorted): a site exists when a pool names it."""
    return sorted({(lic.site_url or "").lower() for lic in licenses if lic.site_url})


def site_pools(licenses: Iterable[License], site_url: str) -> list[License]:
    """The pools of one meeting site (URLs compare case-insensitively)."""
    site = site_url.lower()
    return [lic for lic in licenses if (lic.site_url or "").lower() == site]


def license_ref(lic: License, licenses: list[License]) -> dict[str, str]:
    """Meeting pools by siteUrl (plus subscriptionId if a site has several pools), else id."""
    if lic.site_url:
        same = site_pools(licenses, lic.site_url)
        if len(same) == 1:
            return {"siteUrl": lic.site_url.lower()}
        if lic.subscription_id and len([l for l in same if l.subscription_id == lic.subscription_id]) == 1:
            return {"siteUrl": lic.site_url.lower(), "subscriptionId": lic.subscription_id}
    return {"id": lic.id}


def _resolved(ref: Any, licenses: list[License]) -> License | str | None:
    """The pool ``ref`` names, why it names none (a string), or None when ``ref`` is no reference."""
    try:
        model = LicenseRef.model_validate(dict(ref))
    except (ValidationError, TypeError, ValueError):
        return None
    return resolve_license(model, {lic.id: lic for lic in licenses})


def resolve_pool(ref: Any, licenses: list[License]) -> License | None:
    """The one pool a stack file's ``license:`` reference names (None: none, several, or invalid)."""
    found = _resolved(ref, licenses)
    return found if isinstance(found, License) else None


def pool_vanished(ref: Any, licenses: list[License]) -> bool:
    """The reference is valid and matches no pool (an ambiguous one is left for a human)."""
    found = _resolved(ref, licenses)
    return isinstance(found, str) and found.startswith("no ")
