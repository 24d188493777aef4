"""Fixtures for emulator tests.

* ``app_client`` — in-process Starlette TestClient on a fresh ``:memory:`` emulator seeded with
  the sample org; authenticated as the admin token. ``app_client.app.runtime`` = EmulatorRuntime.
* ``emu`` — a fresh real-HTTP ``EmulatorServer`` (thread mode, sample seed) per test.
* ``shared_emu`` — one read-mostly ``EmulatorServer`` per module (do not mutate state).
"""

from __future__ import annotations

import warnings
from typing import Any, Iterator

import pytest

warnings.filterwarnings("ignore", message=".*httpx.*starlette.testclient.*")
from starlette.testclient import TestClient  # noqa: E402

from webex_emulator import create_app  # noqa: E402
from webex_emulator.testing import EmulatorServer, allow_test_client  # noqa: E402

ADMIN_TOKEN = "test-admin-token"


class SpecTestClient(TestClient):
    """Sends meeting PATCH bodies as the declared ``application/json-patch+json`` (the strict
    request contract rejects the ``application/json`` the live service also takes)."""

    def request(self, method: str, url: Any, *args: Any, **kw: Any) -> Any:  # type: ignore[override]
        if method.upper() == "PATCH" and "/meetings/" in str(url) and "json" in kw:
            headers = dict(kw.get("headers") or {})
            if not any(k.lower() == "content-type" for k in headers):
                headers["Content-Type"] = "application/json-patch+json"
            kw["headers"] = headers
        return super().request(method, url, *args, **kw)


def _client(app: Any) -> TestClient:
    allow_test_client(app)  # Host: testserver may drive /_emulator (in-process only)
    return SpecTestClient(app, base_url="http://testserver", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})


def lax_client(**kw: Any) -> TestClient:
    """A client on a LAX emulator (live-service behaviour, webex_emulator/contract.py): for tests of
    what the live service accepts beyond the spec."""
    return _client(create_app(seed="sample", admin_token=ADMIN_TOKEN, strict=False, **kw))


@pytest.fixture
def app() -> Any:
    return create_app(seed="sample", admin_token=ADMIN_TOKEN, strict=True)


@pytest.fixture
def app_client(app: Any) -> Iterator[TestClient]:
    with _client(app) as c:
        yield c


@pytest.fixture
def emu() -> Iterator[EmulatorServer]:
    with EmulatorServer(seed="sample", admin_token=ADMIN_TOKEN) as server:
        yield server


@pytest.fixture(scope="module")
def shared_emu() -> Iterator[EmulatorServer]:
    with EmulatorServer(seed="sample", admin_token=ADMIN_TOKEN) as server:
        yield server


def mint(client: TestClient, email: str, scopes: list[str], **kw: Any) -> str:
    r = client.post("/_emulator/tokens", json={"email": email, "scopes": scopes, **kw})
    assert r.status_code == 200, r.text
    return r.json()["token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
