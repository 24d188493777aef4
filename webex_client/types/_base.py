"""Shared model machinery: base model, case-insensitive enums, timestamps, booleans."""

from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer
from pydantic.alias_generators import to_camel


def _norm(value: str) -> str:
    return value.replace("_", "").replace("-", "").replace(" ", "").lower()


class CaseInsensitiveEnum(str, Enum):
    """A str enum that accepts and compares values case-insensitively.

    The live service spells some values differently from the spec (``ATTENDEE`` vs
    ``attendee``, docs/webex-behaviour.md "License account types"). Members keep the spec
    spelling (so requests send what the spec documents) but parse any casing, and
    ``member == "ATTENDEE"`` is true. Underscores, dashes and spaces are ignored too
    (``in_progress`` ≡ ``inProgress``).
    """

    @classmethod
    def _missing_(cls, value: object) -> "CaseInsensitiveEnum | None":
        if isinstance(value, str):
            key = _norm(value)
            for member in cls:
                if _norm(member.value) == key:
                    return member
        return None

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            return _norm(self.value) == _norm(other)
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self) -> int:
        return hash(_norm(self.value))

    def __str__(self) -> str:
        return self.value


def format_timestamp(value: datetime) -> str:
    """Webex wire format: ``2015-10-18T14:26:16.000Z`` for UTC, else ISO with offset."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    offset = value.utcoffset()
    if offset is not None and offset.total_seconds() == 0:
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    return value.isoformat(timespec="milliseconds")


def _parse_timestamp(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            return value  # let pydantic produce the validation error
    return value


#: Parses ``…:16.000Z`` and ``…:16+00:00`` alike; serialises as ``…:16.000Z``.
Timestamp = Annotated[
    datetime,
    BeforeValidator(_parse_timestamp),
    PlainSerializer(format_timestamp, return_type=str, when_used="json-unless-none"),
]


def _parse_bool_string(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
        return value.strip().lower() == "true"
    return value


#: People ``invitePending``/``loginEnabled`` arrive as the strings "true"/"false".
StringBool = Annotated[bool, BeforeValidator(_parse_bool_string)]


class WebexModel(BaseModel):
    """Base of every wire model.

    * snake_case attributes, camelCase on the wire (aliases generated);
    * ``extra="allow"``: fields this client does not know survive a GET → PUT round trip;
    * :meth:`to_api` produces the JSON body (aliases, no ``None`` unless asked).
    """

    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        alias_generator=to_camel,
        protected_namespaces=(),
    )

    def to_api(self, *, exclude_unset: bool = False, exclude_none: bool = True) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=exclude_none, exclude_unset=exclude_unset)
