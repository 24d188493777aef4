"""Webex identifiers.

Public ids are base64 of ``ciscospark://<cluster>/<TYPE>/<tail>``, usually with the ``=``
padding stripped (spec examples sometimes keep it), standard alphabet (docs/webex-behaviour.md
"Ids"). Decoding here tolerates padding or its absence and the URL-safe alphabet.

Tails with structure:

* licences: ``<orgUuid>:<OFFERCODE>_<subscriptionUuid>`` (``MS``, ``UCPREM`` …). Key on the
  offer code, never on the licence *name* — names were renamed on 2026-01-26.
* SCIM groups: ``<groupUuid>:<orgUuid>``.

Meeting ids are *not* base64 (32 hex, ``<series>_<YYYYMMDDTHHMMSSZ>``, ``<series>_I_<n>``);
see :func:`meeting_series_id`.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

_PREFIX = "ciscospark://"


@dataclass(frozen=True)
class WebexId:
    cluster: str
    type: str
    tail: str

    def encode(self) -> str:
        return encode_id(self.type, self.tail, cluster=self.cluster)


def _b64decode(value: str) -> bytes:
    text = value.strip().replace("-", "+").replace("_", "/")
    text = text.rstrip("=")
    text += "=" * (-len(text) % 4)
    return base64.b64decode(text, validate=True)


def decode_id(value: str) -> WebexId:
    """Decode a base64 Webex id. Raises ``ValueError`` if it is not one."""
    try:
        raw = _b64decode(value).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"not a base64 Webex id: {value!r}") from exc
    if not raw.startswith(_PREFIX):
        raise ValueError(f"not a Webex id (no {_PREFIX} prefix): {value!r}")
    parts = raw[len(_PREFIX) :].split("/", 2)
    if len(parts) != 3 or not all(parts):
        raise ValueError(f"malformed Webex id {raw!r}")
    cluster, type_, tail = parts
    return WebexId(cluster=cluster, type=type_, tail=tail)


def encode_id(type_: str, tail: str, *, cluster: str = "us") -> str:
    """Encode ``ciscospark://cluster/TYPE/tail`` as base64 without padding (as Webex does)."""
    raw = f"{_PREFIX}{cluster}/{type_}/{tail}".encode()
    return base64.b64encode(raw).decode("ascii").rstrip("=")


def is_webex_id(value: str, type_: str | None = None) -> bool:
    try:
        decoded = decode_id(value)
    except ValueError:
        return False
    return type_ is None or decoded.type.upper() == type_.upper()


def id_type(value: str) -> str:
    return decode_id(value).type


def id_uuid(value: str) -> str:
    """The raw tail of an id (the UUID the identity/SCIM APIs want)."""
    return decode_id(value).tail


def same_id(a: str, b: str) -> bool:
    """True if two ids name the same object, whatever their padding/alphabet."""
    if a == b:
        return True
    try:
        return decode_id(a) == decode_id(b)
    except ValueError:
        return False


def normalize_id(value: str) -> str:
    """Canonical (unpadded) form of a base64 id; non-ids are returned unchanged."""
    try:
        return decode_id(value).encode()
    except ValueError:
        return value


@dataclass(frozen=True)
class LicenseIdParts:
    org_uuid: str
    offer_code: str
    subscription_uuid: str


_LICENSE_TAIL = re.compile(r"^(?P<org>[^:]+):(?P<offer>[A-Za-z0-9]+)_(?P<sub>.+)$")


def parse_license_id(value: str) -> LicenseIdParts:
    """Split a licence id into ``(orgUuid, OFFERCODE, subscriptionUuid)``."""
    decoded = decode_id(value)
    if decoded.type.upper() != "LICENSE":
        raise ValueError(f"not a LICENSE id: {decoded.type}")
    match = _LICENSE_TAIL.match(decoded.tail)
    if not match:
        raise ValueError(f"licence id tail is not <org>:<OFFER>_<uuid>: {decoded.tail!r}")
    return LicenseIdParts(match["org"], match["offer"], match["sub"])


def license_offer_code(value: str) -> str | None:
    """Offer code of a licence id (``"MS"``, ``"UCPREM"`` …) or None if not structured."""
    try:
        return parse_license_id(value).offer_code
    except ValueError:
        return None


def encode_license_id(org_uuid: str, offer_code: str, subscription_uuid: str, *, cluster: str = "us") -> str:
    return encode_id("LICENSE", f"{org_uuid}:{offer_code}_{subscription_uuid}", cluster=cluster)


@dataclass(frozen=True)
class GroupIdParts:
    group_uuid: str
    org_uuid: str


def parse_group_id(value: str) -> GroupIdParts:
    decoded = decode_id(value)
    if decoded.type.upper() != "SCIM_GROUP":
        raise ValueError(f"not a SCIM_GROUP id: {decoded.type}")
    group, sep, org = decoded.tail.partition(":")
    if not sep or not group or not org:
        raise ValueError(f"group id tail is not <groupUuid>:<orgUuid>: {decoded.tail!r}")
    return GroupIdParts(group, org)


def encode_group_id(group_uuid: str, org_uuid: str, *, cluster: str = "us") -> str:
    return encode_id("SCIM_GROUP", f"{group_uuid}:{org_uuid}", cluster=cluster)


_SERIES_RE = re.compile(r"^([0-9a-fA-F]{32})(?:_.*)?$")


def meeting_series_id(meeting_id: str) -> str | None:
    """Series id of a series/occurrence/instance/invitee id, or None if unrecognised."""
    match = _SERIES_RE.match(meeting_id)
    return match.group(1) if match else None
