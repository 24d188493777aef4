"""Client-side throttling, kept apart from retry.

Three parts, shared by every thread using one client:

* :class:`TokenBucket` — at most ``rate`` requests per second on average, bursts of up to
  ``burst``. ``rate == 0`` switches it off. Its rate is set by a controller.
* :class:`AdaptiveRate` — the controller (the default). Webex does not publish its limits
  (they vary per endpoint, app and org), so the rate is *found*: AIMD in the TCP sense, on
  windows of ``window`` seconds of answers.

  - **Increase** while windows come back clean: ×``slow_start`` per window until the first
    real congestion; after it, halve the gap to the rate the server last delivered, then
    probe beyond it with a step that doubles per clean window (BIC-TCP: quick back to the
    known limit, careful past it). Only while the client actually uses its rate (RFC 7661).
    Never above the ceiling (``webex:requestsPerSecond``) when one is set.
  - **Decrease at most once per window**, not once per 429: to ``decrease`` × the goodput
    of the last window (what the server actually let through), so a limit that drops from
    50 to 10 req/s is met within a window or two instead of by repeated halvings.
  - **Random 429s are learnt, not obeyed.** A decrease that does not clear the 429s is
    followed by another, and each window after one is judged: a limit lets the same goodput
    through at a lower send rate, so its share of 429s falls to ``1 - goodput/sent``; random
    faults keep their share whatever the rate. When two windows in a row look random, the
    decreases are undone (as TCP undoes a spurious one) and that share becomes the *noise
    floor*; from then on a window counts as congested only when its 429s exceed the noise by
    a binomial margin (``noise_z`` standard deviations). The floor tracks later windows
    slowly, and is capped at ``noise_max`` so a hard overload is never mistaken for noise.
  - Windows are judged on at least ``ADAPTIVE_MIN_SAMPLES`` answers (they stretch at low
    rates): a 429 share computed from two answers means nothing.
* :class:`LegacySlowdown` — the controller before issue 14, kept to reproduce the old
  behaviour in the bench (``webex:rateControl: legacy``): fixed rate, every 429 halves it
  for 10 s, floor 10 %. At 20 % random 429s it sits at the floor for the whole run.
* :class:`ConcurrencyLimiter` — at most ``max_concurrency`` requests in flight.

The retry loop in :mod:`webex_client._base_client` holds a slot only while a request is on
the wire: acquire slot → take token → send → release → (sleep on Retry-After/backoff) →
acquire again. A request waiting out a Retry-After therefore never blocks other work.
Every answer (not transport errors) is reported to the controller via
:meth:`Throttle.on_response`.

All time comes from an injected ``clock``, so the controller is tested against a simulated
server on a virtual clock (tests/client/test_throttle.py) with no real waiting.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

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

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self._last)
        self._last = now
        self._tokens = min(float(self.burst), self._tokens + elapsed * self.rate)

    def reserve(self) -> float:
        """Take one token now; return how long the caller must wait before using it."""
        if not self.enabled:
            return 0.0
        with self._lock:
            now = self._clock()
            self._refill(now)
            self._tokens -= 1.0
            # A negative balance is a reservation: we wait until it has been refilled.
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def acquire(self) -> float:
        """Take one token, sleeping as long as needed. Returns the seconds slept."""
        wait = self.reserve()
        if wait > 0:
            self._sleep(wait)
        return wait

    def set_rate(self, rate: float) -> None:
        """Change the refill rate from now on (tokens earned so far are kept)."""
        with self._lock:
            self._refill(self._clock())
            self.rate = float(rate)

    @property
    def current_rate(self) -> float:
        return self.rate


@dataclass
class _Check:
    """A decrease under trial: judged on the windows that follow it."""

    rate_before: float  # the rate before the first decrease of this episode
    peak_before: float | None
    # The window after a decrease: answers and successes per second, share of 429s.
    sent: float | None = None
    good: float = 0.0
    share: float = 0.0
    suspect: int = 0  # consecutive windows whose 429s looked random


class AdaptiveRate:
    """AIMD rate controller (see the module docstring); drives a :class:`TokenBucket`."""

    def __init__(
        self,
        bucket: TokenBucket,
        *,
        ceiling: float | None,
        clock: Callable[[], float] = time.monotonic,
        initial: float = C.ADAPTIVE_INITIAL_RATE,
        floor: float = C.ADAPTIVE_MIN_RATE,
        window: float = C.ADAPTIVE_WINDOW_SECONDS,
        decrease: float = C.ADAPTIVE_DECREASE_FACTOR,
        slow_start: float = C.ADAPTIVE_SLOW_START_FACTOR,
        probe_step: float = C.ADAPTIVE_PROBE_STEP,
        probe_max: float = C.ADAPTIVE_PROBE_MAX_STEP,
        noise_z: float = C.ADAPTIVE_NOISE_Z,
        noise_max: float = C.ADAPTIVE_NOISE_MAX,
    ) -> None:
        self.bucket = bucket
        self.ceiling = ceiling if ceiling else None
        self._clock = clock
        self.floor = floor
        self.window = window
        self.decrease = decrease
        self.slow_start = slow_start
        self.probe_step = probe_step
        self.probe_max = probe_max
        self.noise_z = noise_z
        self.noise_max = noise_max
        self._lock = threading.Lock()
        # A configured ceiling is where the operator says the limit is: start there.
        self.rate = self.ceiling if self.ceiling else initial
        self.peak: float | None = None  # goodput at the last real congestion; None = slow start
        self.noise = 0.0  # share of 429s that do not depend on our rate
        self.decreases = 0
        self.undone = 0
        self._probe = probe_step
        now = clock()
        self._win_start = now
        self._n = 0
        self._k = 0
        self._last_cut = -math.inf
        self._check: _Check | None = None
        self._ok_times: deque[float] = deque()
        bucket.set_rate(self.rate)

    # -- events ---------------------------------------------------------------------------

    def on_response(self, rate_limited: bool) -> None:
        with self._lock:
            now = self._clock()
            self._n += 1
            if rate_limited:
                self._k += 1
            else:
                self._ok_times.append(now)
            elapsed = now - self._win_start
            # A window needs enough answers to be judged (a 429 share of 1 in 2 means
            # nothing); at low rates it stretches, up to a bound.
            if elapsed >= self.window and (self._n >= C.ADAPTIVE_MIN_SAMPLES or elapsed >= self.window * C.ADAPTIVE_MAX_STRETCH):
                self._close_window(now)
            elif rate_limited and self.noise == 0.0 and self._check is None and now - self._last_cut >= self.window:
                # No noise known: the first 429 of a window is congestion, act on it at once
                # (waiting for the window to end would only earn more 429s).
                self._cut(now)

    # -- internals (lock held) ------------------------------------------------------------

    def _goodput(self, now: float) -> float:
        while self._ok_times and self._ok_times[0] < now - self.window:
            self._ok_times.popleft()
        return len(self._ok_times) / self.window

    def _congested(self, n: int, k: int) -> bool:
        if self.noise == 0.0:
            return k > 0
        mean = n * self.noise
        return k > mean + self.noise_z * math.sqrt(mean * (1 - self.noise)) + 1

    def _close_window(self, now: float) -> None:
        self._goodput(now)  # trims the success times: the deque never outgrows one window
        n, k, dur = self._n, self._k, now - self._win_start
        self._win_start, self._n, self._k = now, 0, 0
        f = k / n if n else 0.0
        congested = self._congested(n, k)
        check = self._check
        if check is not None and not congested:
            self._check = None  # the decrease cleared the 429s: it was real congestion
        elif check is not None:
            sent, good = (n / dur, (n - k) / dur) if dur > 0 else (0.0, 0.0)
            verdict = self._spurious(check, sent, f) if check.sent is not None and f <= self.noise_max else False
            if verdict is not None:  # None: inconclusive, keep what was seen so far
                check.suspect = check.suspect + 1 if verdict else 0
            if check.suspect >= 2:
                # Decrease after decrease, and twice in a row the 429s behaved like random
                # faults rather than like a limit: not about our rate. Undo (as TCP undoes a
                # spurious decrease) and learn their share as the noise floor. (Twice: one
                # window also holds retries of requests 429'd at the old rate.)
                self._check = None
                self.noise = max(self.noise, f)
                self.peak = check.peak_before
                self.undone += 1
                self._set(check.rate_before)
                return
            # Still congested after a decrease: decrease again, now on a full window's goodput
            # (never above what was actually sent, or the next verdict is inconclusive too).
            self._cut(now, goodput=min(good, sent) if verdict is not None else sent)
            assert self._check is not None
            self._check.sent, self._check.good, self._check.share = sent, good, f
            return
        if congested:
            if now - self._last_cut >= self.window:
                self._cut(now)
            return
        if self.noise:  # track the noise (slowly: one window is a small sample)
            self.noise = min(self.noise_max, self.noise + (f - self.noise) / 8)
            if self.noise < 0.005:
                self.noise = 0.0
        if n >= self.rate * dur / 2:  # only grow a rate we are actually using
            self._increase()

    @staticmethod
    def _spurious(check: _Check, sent: float, f: float) -> bool | None:
        """Did the 429s after the last decrease behave like random faults?

        A limit lets through the same goodput at a lower send rate, so its share of 429s
        falls to ``1 - good_before / sent_now``; random faults keep their share. Which of
        the two predictions is the measured share nearer to? Inconclusive (None) when the
        decrease did not actually lower the send rate.
        """
        assert check.sent is not None
        if sent > 0.9 * check.sent or sent <= 0:
            return None
        if_limited = max(0.0, 1 - check.good / sent)
        return f > (check.share + if_limited) / 2

    def _increase(self) -> None:
        rate = self.rate
        if self.peak is None:
            rate *= self.slow_start
        elif rate < self.peak * 0.98:
            rate += max(self.probe_step, (self.peak - rate) / 2)
            rate = min(rate, self.peak)
        else:
            rate += self._probe
            self._probe = min(self.probe_max, self._probe * 2)
        self._set(rate)

    def _cut(self, now: float, goodput: float | None = None) -> None:
        if goodput is None:
            goodput = self._goodput(now)
        # What the server let through is the best estimate of its limit, but a window's
        # goodput also falls when workers sleep on Retry-After: cut by at most decrease².
        base = min(self.rate, max(goodput, self.rate * self.decrease))
        if self._check is None:  # a new congestion episode: remember where it started
            self._check = _Check(self.rate, self.peak)
        self.peak = base
        self._probe = self.probe_step
        self._last_cut = now
        self.decreases += 1
        self._win_start, self._n, self._k = now, 0, 0
        self._set(base * self.decrease)

    def _set(self, rate: float) -> None:
        rate = max(self.floor, rate)
        if self.ceiling:
            rate = min(self.ceiling, rate)
        self.rate = rate
        self.bucket.set_rate(rate)


class LegacySlowdown:
    """The pre-issue-14 controller: every 429 multiplies the rate by ``factor`` for
    ``cooldown`` seconds (floor ``floor`` × the configured rate). Kept for the bench's
    before/after comparison only."""

    def __init__(
        self,
        bucket: TokenBucket,
        *,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
        factor: float = C.LEGACY_SLOWDOWN_FACTOR,
        floor: float = C.LEGACY_SLOWDOWN_FLOOR_FACTOR,
        cooldown: float = C.LEGACY_COOLDOWN_SECONDS,
    ) -> None:
        self.bucket = bucket
        self.base = rate
        self._clock = clock
        self._factor = 1.0
        self._until = 0.0
        self._step, self._floor, self._cooldown = factor, floor, cooldown
        self._lock = threading.Lock()
        self.decreases = 0
        self.noise = 0.0

    @property
    def rate(self) -> float:
        with self._lock:
            self._expire(self._clock())
            return self.base * self._factor

    def _expire(self, now: float) -> None:
        if self._factor != 1.0 and now >= self._until:
            self._factor = 1.0
            self.bucket.set_rate(self.base)

    def on_response(self, rate_limited: bool) -> None:
        with self._lock:
            now = self._clock()
            self._expire(now)
            if rate_limited:
                self._factor = max(self._floor, self._factor * self._step)
                self._until = now + self._cooldown
                self.decreases += 1
                self.bucket.set_rate(self.base * self._factor)


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
    """Bucket, controller and concurrency limit together; :meth:`slot` is what the
    transport wraps each send in, :meth:`on_response` what it reports every answer to.

    ``requests_per_second``: ``None`` → adaptive with no ceiling (find the limit);
    ``> 0`` → adaptive under that ceiling (or fixed with legacy slow-down when
    ``rate_control == "legacy"``); ``0`` → no rate limit at all.
    """

    def __init__(
        self,
        *,
        requests_per_second: float | None,
        burst: int,
        max_concurrency: int,
        rate_control: str = C.DEFAULT_RATE_CONTROL,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.limiter = ConcurrencyLimiter(max_concurrency)
        self.controller: AdaptiveRate | LegacySlowdown | None
        if requests_per_second == 0:
            self.bucket = TokenBucket(0, burst, clock=clock, sleep=sleep)
            self.controller = None
        elif rate_control == "legacy":
            rate = requests_per_second or C.LEGACY_REQUESTS_PER_SECOND
            self.bucket = TokenBucket(rate, burst, clock=clock, sleep=sleep)
            self.controller = LegacySlowdown(self.bucket, rate=rate, clock=clock)
        else:
            self.bucket = TokenBucket(C.ADAPTIVE_INITIAL_RATE, burst, clock=clock, sleep=sleep)
            self.controller = AdaptiveRate(self.bucket, ceiling=requests_per_second, clock=clock)

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

    def on_response(self, rate_limited: bool) -> None:
        if self.controller is not None:
            self.controller.on_response(rate_limited)

    @property
    def current_rate(self) -> float:
        """Requests per second allowed right now (0 = unlimited)."""
        if self.controller is None:
            return 0.0
        return self.controller.rate
