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

from emulator import create_app  # noqa: E402
from emulator.testing import EmulatorServer  # noqa: E402

ADMIN_TOKEN = "test-admin-token"


def _client(app: Any) -> TestClient:
    return TestClient(app, base_url="http://testserver",
                      headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})


@pytest.fixture
def app() -> Any:
    return create_app(seed="sample", admin_token=ADMIN_TOKEN)


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
