"""Shared fixtures for the client tests: a scripted mock API and a fake clock.

No test sleeps for real: the client's ``clock``/``sleep``/``random``/``now`` hooks are
replaced by :class:`FakeClock`, which records every requested sleep and advances time.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest

from webex_client import ClientSettings, WebexClient

TOKEN = "test-admin-token-0123456789abcdef"
FIXED_NOW = datetime(2026, 5, 4, 12, 0, 0, tzinfo=timezone.utc)


class FakeClock:
    """Monotonic clock + sleep that only advance on demand (thread-safe)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def clock(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds

    def wall(self) -> datetime:
        """Wall-clock 'now' consistent with the fake monotonic clock (for HTTP-dates)."""
        from datetime import timedelta

        return FIXED_NOW + timedelta(seconds=self.now - 1000.0)


Responder = "httpx.Response | BaseException | Callable[[httpx.Request], httpx.Response]"


class MockAPI:
    """A scripted server for ``httpx.MockTransport``.

    ``api.add("GET", "/v1/people", resp1, resp2)`` — answers are consumed in order and the
    last one repeats. An answer may be an ``httpx.Response``, an exception *class or
    instance* (raised as a transport error), or a callable ``(request) -> Response``.
    Every request is recorded in ``api.requests`` (with its body bytes).
    """

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[Any]] = {}
        self.requests: list[httpx.Request] = []
        self._lock = threading.Lock()

    def add(self, method: str, path: str, *answers: Any) -> "MockAPI":
        self.routes[(method.upper(), path)] = list(answers)
        return self

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        with self._lock:
            self.requests.append(request)
            key = (request.method, request.url.path)
            answers = self.routes.get(key)
            if not answers:
                return httpx.Response(
                    404,
                    json={
                        "message": "The requested resource could not be found.",
                        "errors": [{"description": f"no mock for {key}"}],
                        "trackingId": "MOCK_404",
                    },
                )
            answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if isinstance(answer, type) and issubclass(answer, BaseException):
            raise answer("mock transport error", request=request)  # type: ignore[call-arg]
        if isinstance(answer, BaseException):
            raise answer
        if callable(answer):
            return answer(request)
        return answer

    def calls(self, method: str | None = None, path: str | None = None) -> list[httpx.Request]:
        return [r for r in self.requests if (method is None or r.method == method) and (path is None or r.url.path == path)]


def ok(body: Any = None, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    if body is None:
        return httpx.Response(status, headers=headers)
    return httpx.Response(
        status,
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/json;charset=UTF-8", **(headers or {})},
    )


def err(
    status: int,
    message: str = "error",
    *,
    headers: dict[str, str] | None = None,
    errors: list[dict[str, Any]] | None = None,
    tracking_id: str = "ROUTER_ABC",
) -> httpx.Response:
    body: dict[str, Any] = {"message": message, "trackingId": tracking_id}
    body["errors"] = errors if errors is not None else [{"description": message}]
    return ok(body, status=status, headers=headers)


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def api() -> MockAPI:
    return MockAPI()


@pytest.fixture
def make_client(api: MockAPI, fake_clock: FakeClock) -> Callable[..., WebexClient]:
    """Build a client on the mock API with fake time; settings overridable by kwargs."""
    created: list[WebexClient] = []

    def factory(token: Any = TOKEN, *, random: Callable[[], float] = lambda: 1.0, **settings: Any) -> WebexClient:
        base = {"requests_per_second": 0, "max_concurrency": 4}
        base.update(settings)
        client = WebexClient(
            token,
            settings=ClientSettings(**base),
            transport=httpx.MockTransport(api),
            clock=fake_clock.clock,
            sleep=fake_clock.sleep,
            random=random,
            now=fake_clock.wall,
        )
        created.append(client)
        return client

    yield factory
    for c in created:
        c.close()
