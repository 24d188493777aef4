"""A tiny wrapper that keeps secrets out of ``repr``/``str``/logs.

Every value wrapped in :class:`Secret` is also registered with the log/exception
redactor (:mod:`webex_client._logging`), so even if it leaks into a URL, a body or an
exception message by accident, the text that reaches a human is scrubbed.
"""

from __future__ import annotations

from typing import Any

from ._constants import REDACTED
from ._logging import register_secret


class Secret:
    """An opaque string. ``str(secret)`` and ``repr(secret)`` never show the value;
    call :meth:`get` at the single place that needs it (the HTTP header or body)."""

    __slots__ = ("_value",)

    def __init__(self, value: "str | Secret") -> None:
        if isinstance(value, Secret):
            value = value.get()
        if not isinstance(value, str):
            raise TypeError("Secret value must be a str")
        self._value = value
        register_secret(value)

    def get(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret('{REDACTED}')"

    __str__ = __repr__

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self) -> Any:
        # Pickling would write the clear value somewhere we do not control (Pulumi state,
        # multiprocessing); refuse instead of silently leaking.
        raise TypeError("Secret values cannot be pickled")


def reveal(value: "str | Secret") -> str:
    """Return the clear text of ``value`` whether or not it is wrapped."""
    return value.get() if isinstance(value, Secret) else value
