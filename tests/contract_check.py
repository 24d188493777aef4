"""Suite-wide request-contract check (issue 12): the whole run causes zero contract violations.

Every emulator the tests start holds requests to the official spec (webex_emulator/contract.py) in
STRICT mode: ``WEBEX_EMULATOR_STRICT=1`` is set here for this process and the emulators it
spawns. Strict emulators answer a violating request with 400, but a product path that swallows
a 400 (a best-effort lookup, a retry loop) would still pass its test, so every violation is also
collected, attributed to the test that caused it, and this session fixture fails the run if any
was seen.

Exempt: the emulator's own tests (``tests/emulator/``) send invalid requests on purpose to check
how the emulator rejects them.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Iterator

import pytest

os.environ.setdefault("WEBEX_EMULATOR_STRICT", "1")

EXEMPT_PREFIXES = ("tests/emulator/",)


def unexpected_violations(log: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    return [entry for entry in log if not entry[0].startswith(EXEMPT_PREFIXES)]


def describe(entries: list[tuple[str, str, str]]) -> str:
    counts = Counter(entries)
    lines = [f"  {test}: {route}: {text}" + (f"  (x{n})" if n > 1 else "") for (test, route, text), n in sorted(counts.items())]
    return (
        f"{len(entries)} request(s) broke the Webex request contract "
        "(webex_emulator/contract.py; GET /_emulator/requests/violations):\n" + "\n".join(lines[:50])
    )


@pytest.fixture(scope="session", autouse=True)
def no_request_contract_violations() -> Iterator[None]:
    from webex_emulator import contract

    start = len(contract.SUITE_LOG)
    yield
    seen = unexpected_violations(contract.SUITE_LOG[start:])
    assert not seen, describe(seen)
