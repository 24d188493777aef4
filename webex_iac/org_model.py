"""Facts about an org that every reader of it shares: people's primary email and roles, license
pools (their labels, the pools of a site, references to a pool and their resolution).

``discover``, ``migration-report`` and ``snapshot`` use these instead of their own copies, so a
rule (say, which email of a person is theirs) is written once. The two facts the providers and
the policy pack need too, ``primary_email`` and ``pool_label``, are defined with the types they
read (``webex_client.types.people``, ``webex_client.types.licenses``: ``resources`` cannot
depend on ``webex_iac``) and offered here with the rest.
"""

from __future__ import annotations

from typing import Any, Iterable

from pydantic import ValidationError

from resources import LicenseRef
from resources import resolve_license
from webex_client import decode_id
from webex_client.types.licenses import License
from webex_client.types.licenses import pool_label as pool_label  # re-exported (see above)
from webex_client.types.people import Person
from webex_client.types.people import primary_email as primary_email  # re-exported (see above)


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
