"""Webex public identifiers.

Webex ids are base64 (standard alphabet, ``=`` padding usually stripped) of
``ciscospark://<cluster>/<TYPE>/<rest>`` (docs/webex-behaviour.md "Ids"). Clients send both padded and
unpadded forms, so every decoder here tolerates either.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass
from functools import lru_cache

CLUSTER = "us"

# TYPE strings as they appear inside decoded ids.
PEOPLE = "PEOPLE"
ORGANIZATION = "ORGANIZATION"
LICENSE = "LICENSE"
ROLE = "ROLE"
SCIM_GROUP = "SCIM_GROUP"
APPLICATION = "APPLICATION"
AUTHORIZATION = "AUTHORIZATION"
LICENSE_USER_PAGING = "LICENSE_USER_PAGING"
LOCATION = "LOCATION"


@dataclass(frozen=True)
class DecodedId:
    cluster: str
    type: str
    rest: str  # everything after "<TYPE>/" (a uuid, or "<a>:<b>" for licenses/groups)


def b64(text: str) -> str:
    """Base64 with the padding stripped, as Webex emits it."""
    return base64.b64encode(text.encode()).decode().rstrip("=")


def unb64(value: str) -> str | None:
    """Decode padded or unpadded base64 text; None if it is not base64 of UTF-8."""
    value = value.strip()
    if not value:
        return None
    try:
        raw = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
        return raw.decode()
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None


@lru_cache(maxsize=65536)  # list responses encode the same org/license ids again and again
def encode(type_: str, rest: str, cluster: str = CLUSTER) -> str:
    return b64(f"ciscospark://{cluster}/{type_}/{rest}")


def decode(value: str | None) -> DecodedId | None:
    """Decode a public id; None if it is not a ``ciscospark://`` id."""
    if not value:
        return None
    text = unb64(value)
    if text is None or not text.startswith("ciscospark://"):
        return None
    parts = text[len("ciscospark://") :].split("/", 2)
    if len(parts) != 3 or not all(parts):
        return None
    return DecodedId(cluster=parts[0], type=parts[1], rest=parts[2])


def decode_uuid(value: str | None, type_: str) -> str | None:
    """The uuid inside an id of the given TYPE, or None if it is not such an id."""
    d = decode(value)
    if d is None or d.type != type_:
        return None
    return d.rest


def new_uuid() -> str:
    return str(uuid.uuid4())


def stable_uuid(*parts: str) -> str:
    """Deterministic uuid (uuid5) so seeded objects keep the same id across runs."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "webex-emulator:" + "/".join(parts)))


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return False
    return True


# --- typed helpers -------------------------------------------------------------------------


def person_id(person_uuid: str) -> str:
    return encode(PEOPLE, person_uuid)


def org_id(org_uuid: str) -> str:
    return encode(ORGANIZATION, org_uuid)


def role_id(role_name: str) -> str:
    return encode(ROLE, role_name)


def license_id(org_uuid: str, offer_code: str, license_uuid: str) -> str:
    """``ciscospark://us/LICENSE/<orgUuid>:<OFFER>_<uuid>`` (docs/webex-behaviour.md "Ids")."""
    return encode(LICENSE, f"{org_uuid}:{offer_code}_{license_uuid}")


def decode_license(value: str | None) -> tuple[str, str, str] | None:
    """(org_uuid, offer_code, license_uuid) of a license id, or None."""
    d = decode(value)
    if d is None or d.type != LICENSE or ":" not in d.rest:
        return None
    org_part, _, tail = d.rest.partition(":")
    offer, sep, lic_uuid = tail.rpartition("_")  # the uuid never contains "_", offers might
    if not sep or not offer or not lic_uuid:
        return None
    return org_part, offer, lic_uuid


def group_id(group_uuid: str, org_uuid: str) -> str:
    """``ciscospark://us/SCIM_GROUP/<groupUuid>:<orgUuid>`` (docs/webex-behaviour.md "Ids")."""
    return encode(SCIM_GROUP, f"{group_uuid}:{org_uuid}")


def decode_group(value: str | None) -> tuple[str, str] | None:
    """(group_uuid, org_uuid) of a group id, or None."""
    d = decode(value)
    if d is None or d.type != SCIM_GROUP or ":" not in d.rest:
        return None
    g, _, o = d.rest.partition(":")
    return (g, o) if g and o else None


def application_id(client_id: str) -> str:
    """App id tail is the client id (as in the [SA] examples)."""
    return encode(APPLICATION, client_id)
