"""Per-token token-bucket rate limiting (docs/webex-behaviour.md "Rate limits and retries").

A limited request gets 429 with an integer ``Retry-After`` and is *not* processed.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Any


@dataclass
class RateLimitConfig:
    rate: float  # tokens added per second
    burst: int  # bucket size

    def to_json(self) -> dict[str, Any]:
        return {"rate": self.rate, "burst": self.burst}


class RateLimiter:
    def __init__(self, config: RateLimitConfig | None = None) -> None:
        self._lock = threading.Lock()
        self.config = config
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last_ts)

    def configure(self, config: RateLimitConfig | None) -> None:
        with self._lock:
            self.config = config
            self._buckets.clear()

    def check(self, key: str, now: float | None = None) -> int | None:
        """Take one token for ``key``. Returns None if allowed, else Retry-After seconds (≥1)."""
        cfg = self.config
        if cfg is None:
            return None
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.get(key, (float(cfg.burst), now))
            tokens = min(float(cfg.burst), tokens + (now - last) * cfg.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return None
            self._buckets[key] = (tokens, now)
            wait = (1.0 - tokens) / cfg.rate if cfg.rate > 0 else 60.0
            return max(1, math.ceil(wait))


def parse_config(data: Any) -> RateLimitConfig | None:
    """``None``/``{"rate": null}`` disables; ``{"rate": 5, "burst": 10}``; a bare number = rate."""
    if data is None:
        return None
    if isinstance(data, (int, float)) and not isinstance(data, bool):
        rate = float(data)
        return RateLimitConfig(rate=rate, burst=max(1, math.ceil(rate)))
    if isinstance(data, dict):
        raw = data.get("rate", data.get("rps"))
        if raw is None:
            return None
        rate = float(raw)
        if rate <= 0:
            raise ValueError("rate must be > 0 (use null to disable)")
        burst = data.get("burst")
        burst = max(1, math.ceil(rate)) if burst is None else int(burst)
        if burst < 1:
            raise ValueError("burst must be >= 1")
        return RateLimitConfig(rate=rate, burst=burst)
    raise ValueError("rate limit must be null, a number or {rate, burst}")
