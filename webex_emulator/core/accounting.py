"""Request accounting: counts per (method, route template) and a bounded request log.

Kept in memory (it is observability, not Webex state). Every request under ``/v1`` is recorded,
including those answered by injected faults or the rate limiter.
"""

from __future__ import annotations

import json
import threading
from collections import Counter, deque
from dataclasses import dataclass
from typing import Any

# Body fields never written to the log (the token and secret fields of the Service App and OAuth operations).
SECRET_KEYS = frozenset(
    {
        "clientsecret",
        "client_secret",
        "access_token",
        "refresh_token",
        "accesstoken",
        "password",
        "token",
        "panelistpassword",
    }
)
MAX_BODY_CHARS = 4000


def redact(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: ("***" if k.lower() in SECRET_KEYS else redact(v)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [redact(v) for v in obj]
    return obj


def body_for_log(raw: bytes, content_type: str | None) -> Any:
    if not raw:
        return None
    text = raw.decode("utf-8", errors="replace")
    if content_type and "json" in content_type or text[:1] in "{[":
        try:
            return redact(json.loads(text))
        except ValueError:
            pass
    if content_type and "x-www-form-urlencoded" in content_type:
        from urllib.parse import parse_qsl

        return redact(dict(parse_qsl(text)))
    return text[:MAX_BODY_CHARS]


@dataclass
class LogEntry:
    method: str
    path: str
    route: str | None
    query: str
    body: Any
    status: int  # 0 when the connection was dropped
    tracking_id: str
    timestamp: str
    applied: bool
    fault: str | None = None  # e.g. "502 after", "drop before", "429 ratelimit"
    duration_ms: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "route": self.route,
            "query": self.query,
            "body": self.body,
            "status": self.status,
            "dropped": self.status == 0,
            "trackingId": self.tracking_id,
            "timestamp": self.timestamp,
            "applied": self.applied,
            "fault": self.fault,
            "durationMs": round(self.duration_ms, 3),
        }


class Accounting:
    def __init__(self, max_log: int = 10000) -> None:
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.by_status: dict[str, Counter[int]] = {}
        self.log: deque[LogEntry] = deque(maxlen=max_log)

    @staticmethod
    def key(method: str, route: str | None, path: str) -> str:
        return f"{method} {route if route is not None else path}"

    def record(self, entry: LogEntry) -> None:
        k = self.key(entry.method, entry.route, entry.path)
        with self._lock:
            self.counts[k] += 1
            self.by_status.setdefault(k, Counter())[entry.status] += 1
            self.log.append(entry)

    def clear(self) -> None:
        with self._lock:
            self.counts.clear()
            self.by_status.clear()
            self.log.clear()

    def counts_json(self) -> dict[str, Any]:
        with self._lock:
            return {
                "counts": dict(self.counts),
                "byStatus": {k: {str(s): n for s, n in v.items()} for k, v in self.by_status.items()},
                "total": sum(self.counts.values()),
            }

    def log_json(
        self, limit: int | None = None, method: str | None = None, path_prefix: str | None = None
    ) -> list[dict[str, Any]]:
        with self._lock:
            entries = list(self.log)
        if method:
            entries = [e for e in entries if e.method == method.upper()]
        if path_prefix:
            entries = [e for e in entries if e.path.startswith(path_prefix)]
        if limit is not None:
            entries = entries[-limit:]
        return [e.to_json() for e in entries]
