"""Client-side throttling, kept apart from retry.

Two independent limits, shared by every thread using one client:

* :class:`TokenBucket` — at most ``rate`` requests per second on average, bursts of up to
  ``burst``. ``rate == 0`` switches it off. A 429 from the server calls
  :meth:`TokenBucket.on_rate_limited`, which lowers the refill rate for a cool-down period
  (multiplicative decrease, floor at 10 %), so workers that were not throttled yet stop
  feeding the limit the server just hit. Without that, N workers each honouring their own
  Retry-After still send N-1 more doomed requests.
* :class:`ConcurrencyLimiter` — at most ``max_concurrency`` requests in flight.

The retry loop in :mod:`webex_client._base_client` holds a slot only while a request is on
the wire: acquire slot → take token → send → release → (sleep on Retry-After/backoff) →
acquire again. A request waiting out a Retry-After therefore never blocks other work.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from . import _constants as C


class TokenBucket:
    """Thread-safe token bucket using reservations (FIFO-fair, one sleep per caller)."""

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        slowdown_factor: float = C.RATE_LIMIT_SLOWDOWN_FACTOR,
        slowdown_floor: float = C.RATE_LIMIT_SLOWDOWN_FLOOR_FACTOR,
        cooldown: float = C.RATE_LIMIT_COOLDOWN_SECONDS,
    ) -> None:
        if rate < 0:
            raise ValueError("rate must be >= 0 (0 disables throttling)")
        self.rate = float(rate)
        self.burst = max(1, int(burst))
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = float(self.burst)
        self._last = clock()
        self._factor = 1.0
        self._slow_until = 0.0
        self._slowdown_factor = slowdown_factor
        self._slowdown_floor = slowdown_floor
        self._cooldown = cooldown

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def _effective_rate(self, now: float) -> float:
        if now >= self._slow_until:
            self._factor = 1.0
        return self.rate * self._factor

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self._last)
        self._last = now
        self._tokens = min(float(self.burst), self._tokens + elapsed * self._effective_rate(now))

    def acquire(self) -> float:
        """Take one token, sleeping as long as needed. Returns the seconds slept."""
        if not self.enabled:
            return 0.0
        with self._lock:
            now = self._clock()
            self._refill(now)
            self._tokens -= 1.0
            # A negative balance is a reservation: we wait until it has been refilled.
            wait = 0.0 if self._tokens >= 0 else -self._tokens / self._effective_rate(now)
        if wait > 0:
            self._sleep(wait)
        return wait

    def on_rate_limited(self) -> None:
        """The server answered 429: refill slower for a while."""
        if not self.enabled:
            return
        with self._lock:
            now = self._clock()
            self._refill(now)
            self._factor = max(self._slowdown_floor, self._factor * self._slowdown_factor)
            self._slow_until = now + self._cooldown

    @property
    def current_rate(self) -> float:
        with self._lock:
            return self._effective_rate(self._clock())


class ConcurrencyLimiter:
    """A bounded semaphore with an observable in-flight count (used by tests/bench)."""

    def __init__(self, max_concurrency: int) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be >= 1")
        self.max_concurrency = max_concurrency
        self._sem = threading.BoundedSemaphore(max_concurrency)
        self._lock = threading.Lock()
        self._in_flight = 0
        self.peak = 0

    def acquire(self) -> None:
        self._sem.acquire()
        with self._lock:
            self._in_flight += 1
            self.peak = max(self.peak, self._in_flight)

    def release(self) -> None:
        with self._lock:
            self._in_flight -= 1
        self._sem.release()

    @property
    def in_flight(self) -> int:
        with self._lock:
            return self._in_flight


class Throttle:
    """Both limits together; :meth:`slot` is what the transport wraps each send in."""

    def __init__(
        self,
        *,
        requests_per_second: float,
        burst: int,
        max_concurrency: int,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.bucket = TokenBucket(requests_per_second, burst, clock=clock, sleep=sleep)
        self.limiter = ConcurrencyLimiter(max_concurrency)

    @contextmanager
    def slot(self) -> Iterator[None]:
        # Slot first, then token: the token is spent only by a request that can go out now,
        # so the bucket's rate is the rate on the wire.
        self.limiter.acquire()
        try:
            self.bucket.acquire()
            yield
        finally:
            self.limiter.release()

    def on_rate_limited(self) -> None:
        self.bucket.on_rate_limited()
