"""A simulated Webex server and client workers on a virtual clock, for the rate controller.

Discrete-event: no thread, no real sleep. The server is a token bucket (its rate may change
over time) with optional random 429s decided before the bucket (like the emulator's
``when: before`` faults); every 429 carries ``Retry-After`` and the worker sleeps it out,
as the real client does, without holding anything.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from webex_client._throttle import AdaptiveRate, LegacySlowdown, TokenBucket


class VirtualClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@dataclass
class SimResult:
    seconds: float
    sent: int
    completed: int
    answered429: int
    controller: AdaptiveRate | LegacySlowdown
    #: (time, controller rate, was it a 429) per answer
    trace: list[tuple[float, float, bool]] = field(repr=False, default_factory=list)
    #: times at which the controller decreased its rate
    decreases: list[float] = field(repr=False, default_factory=list)

    @property
    def share429(self) -> float:
        return self.answered429 / self.sent

    def rates_between(self, start: float, end: float) -> list[float]:
        return [r for t, r, _ in self.trace if start <= t < end]

    def last_429_between(self, start: float, end: float) -> float | None:
        times = [t for t, _, limited in self.trace if limited and start <= t < end]
        return max(times) if times else None


def simulate(
    requests: int,
    *,
    limit: float | Callable[[float], float],
    server_burst: int = 50,
    random_429: float = 0.0,
    workers: int = 24,
    latency: float = 0.03,
    retry_after: float = 1.0,
    seed: int = 1,
    ceiling: float | None = None,
    legacy: bool = False,
    client_burst: int = 10,
    **controller: float,
) -> SimResult:
    rng = random.Random(seed)
    clock = VirtualClock()
    limit_at = limit if callable(limit) else (lambda _t: float(limit))
    bucket = TokenBucket(10, client_burst, clock=clock)
    ctl: AdaptiveRate | LegacySlowdown = (
        LegacySlowdown(bucket, rate=ceiling or 10, clock=clock)
        if legacy
        else AdaptiveRate(bucket, ceiling=ceiling, clock=clock, **controller)
    )
    server_tokens, server_last = float(server_burst), 0.0
    events: list[tuple[float, int, str]] = []
    seq = 0

    def push(t: float, kind: str) -> None:
        nonlocal seq
        heapq.heappush(events, (t, seq, kind))
        seq += 1

    for _ in range(workers):
        push(0.0, "start")
    todo, completed, sent, limited_count = requests, 0, 0, 0
    trace: list[tuple[float, float, bool]] = []
    cuts: list[float] = []
    while events:
        t, _, kind = heapq.heappop(events)
        clock.now = t
        if kind == "start" and todo <= 0:
            continue
        if kind in ("start", "retry"):
            if kind == "start":
                todo -= 1
            push(t + bucket.reserve(), "send")
        elif kind == "send":
            sent += 1
            if random_429 and rng.random() < random_429:
                limited = True
            else:
                server_tokens = min(server_burst, server_tokens + (t - server_last) * limit_at(t))
                server_last = t
                limited = server_tokens < 1
                if not limited:
                    server_tokens -= 1
            push(t + latency, "429" if limited else "ok")
        else:
            limited = kind == "429"
            before = ctl.decreases
            ctl.on_response(limited)
            trace.append((t, ctl.rate, limited))
            if ctl.decreases > before:
                cuts.append(t)
            if limited:
                limited_count += 1
                push(t + retry_after, "retry")
            else:
                completed += 1
                push(t, "start")
    return SimResult(clock.now, sent, completed, limited_count, ctl, trace, cuts)


def rate_limit_minimum(requests: int, limit: float, burst: int = 50) -> float:
    """Least time ``requests`` successful requests take under a (limit, burst) bucket."""
    return max(0, requests - burst) / limit
