"""Base class of the API-area resources."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from .._constants import PAGE_SIZE_CAPS

if TYPE_CHECKING:
    from .._base_client import SyncAPIClient

M = TypeVar("M", bound=BaseModel)


class SyncAPIResource:
    def __init__(self, client: "SyncAPIClient") -> None:
        self._client = client

    def _page_size(self, requested: int | None, cap_key: str) -> int:
        size = requested or self._client.settings.page_size
        return max(1, min(size, PAGE_SIZE_CAPS[cap_key]))

    @staticmethod
    def _coerce(model: type[M], value: "M | Mapping[str, Any]") -> M:
        return value if isinstance(value, model) else model.model_validate(value)


def items_of(body: Any, key: str = "items") -> list[Any]:
    if isinstance(body, Mapping):
        value = body.get(key)
        if isinstance(value, list):
            return value
    return []
