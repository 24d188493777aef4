"""Fault injection: probabilistic faults, a deterministic script, latency, dropped connections.

A fault applies either ``before`` the handler (the request is NOT applied) or ``after`` it
(the write IS committed, but the client sees the fault — the "outcome unknown" case a client
must reconcile, docs/webex-behaviour.md "Errors"). Faults never apply to ``/_emulator`` routes.

Configuration (JSON, also accepted by ``create_app(faults=...)``)::

    {
      "seed": 42,                                   # RNG seed for probabilistic rules
      "rules": [                                    # evaluated in order, first hit wins
        {"status": 503, "probability": 0.1, "method": "PATCH", "path": "/v1/licenses",
         "when": "before", "retryAfter": 2}
      ],
      "script": [                                   # queue; each entry hits ONE matching request
        {"status": 502, "when": "after", "method": "PATCH", "path": "/v1/licenses/users"},
        {"status": "drop", "when": "after"},
        {"status": 429, "retryAfter": 1}
      ],
      "latency": {"ms": 50, "jitterMs": 10, "method": "GET", "path": "/v1/people"}
    }

``status`` is one of 423, 429, 500, 502, 503, 504 or ``"drop"`` (close the connection without
a response). ``path`` is a prefix of the request path; ``/v1`` is prepended when missing.
``method`` may be a string or a list.

``status: 206`` is a *partial* answer for requests whose JSON body carries a ``licenses`` array
of two or more items (``PATCH /licenses/users``): one item is withheld from the handler (the
first ``add``, else the last item), every other item is applied and committed, and the real
result comes back with status 206 — what Webex does when one license of a request fails
([SA] PATCH /licenses/users). ``when`` is ignored for it. A request it does not fit (fewer than two
license items, no JSON) is served normally; a scripted 206 entry is used up by it all the same,
so script it with ``method``/``path``.
"""

from __future__ import annotations

import json
import random
import threading
from dataclasses import dataclass, field
from typing import Any

PARTIAL = 206
ALLOWED_STATUSES = (PARTIAL, 423, 429, 500, 502, 503, 504)
DROP = "drop"


def _norm_path(prefix: str | None) -> str | None:
    if prefix is None or prefix == "":
        return None
    if not prefix.startswith("/"):
        prefix = "/" + prefix
    if not (prefix.startswith("/v1/") or prefix == "/v1"):
        prefix = "/v1" + prefix
    return prefix


@dataclass
class FaultSpec:
    status: int | str  # int HTTP status or "drop"
    when: str = "before"  # before | after
    method: tuple[str, ...] | None = None
    path: str | None = None
    probability: float = 1.0
    retry_after: int | None = None
    message: str | None = None

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and method.upper() not in self.method:
            return False
        if self.path is not None and not path.startswith(self.path):
            return False
        return True

    @property
    def drop(self) -> bool:
        return self.status == DROP

    @property
    def partial(self) -> bool:
        return self.status == PARTIAL

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status, "when": self.when}
        if self.method is not None:
            out["method"] = list(self.method)
        if self.path is not None:
            out["path"] = self.path
        if self.probability != 1.0:
            out["probability"] = self.probability
        if self.retry_after is not None:
            out["retryAfter"] = self.retry_after
        if self.message is not None:
            out["message"] = self.message
        return out

    @classmethod
    def parse(cls, data: Any, *, scripted: bool) -> "FaultSpec":
        if isinstance(data, (int, str)):
            data = {"status": data}
        if not isinstance(data, dict):
            raise ValueError("fault must be an object, a status or 'drop'")
        status = data.get("status")
        if isinstance(status, str) and status.lower() == DROP:
            status = DROP
        elif isinstance(status, str) and status.isdigit():
            status = int(status)
        if status != DROP and status not in ALLOWED_STATUSES:
            raise ValueError(f"status must be one of {ALLOWED_STATUSES} or 'drop'")
        when = str(data.get("when", "before")).lower()
        if when not in ("before", "after"):
            raise ValueError("when must be 'before' or 'after'")
        method = data.get("method")
        if isinstance(method, str):
            method = (method.upper(),)
        elif isinstance(method, list):
            method = tuple(str(m).upper() for m in method)
        elif method is not None:
            raise ValueError("method must be a string or list")
        prob = float(data.get("probability", 1.0))
        if scripted:
            prob = 1.0
        if not 0.0 <= prob <= 1.0:
            raise ValueError("probability must be within [0, 1]")
        ra = data.get("retryAfter")
        return cls(
            status=status,
            when=when,
            method=method,
            path=_norm_path(data.get("path")),
            probability=prob,
            retry_after=None if ra is None else int(ra),
            message=data.get("message"),
        )


@dataclass
class Latency:
    ms: float = 0.0
    jitter_ms: float = 0.0
    method: tuple[str, ...] | None = None
    path: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ms": self.ms, "jitterMs": self.jitter_ms}
        if self.method is not None:
            out["method"] = list(self.method)
        if self.path is not None:
            out["path"] = self.path
        return out


@dataclass
class FaultConfig:
    seed: int | None = None
    rules: list[FaultSpec] = field(default_factory=list)
    script: list[FaultSpec] = field(default_factory=list)
    latency: Latency | None = None


class FaultInjector:
    """Thread-safe holder of the fault configuration; picks the fault for each request."""

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        self._lock = threading.Lock()
        self._cfg = FaultConfig()
        self._rng = random.Random(0)
        self.configure(config or {})

    def configure(self, data: dict[str, Any], *, merge: bool = False) -> None:
        """Replace (or, with ``merge``, extend) the configuration. Raises ValueError."""
        if not isinstance(data, dict):
            raise ValueError("faults config must be an object")
        rules = [FaultSpec.parse(r, scripted=False) for r in data.get("rules", []) or []]
        script = [FaultSpec.parse(r, scripted=True) for r in data.get("script", []) or []]
        lat = data.get("latency")
        latency = None
        if lat:
            if isinstance(lat, (int, float)):
                lat = {"ms": lat}
            m = lat.get("method")
            latency = Latency(
                ms=float(lat.get("ms", 0)),
                jitter_ms=float(lat.get("jitterMs", 0)),
                method=(m.upper(),) if isinstance(m, str) else (tuple(x.upper() for x in m) if m else None),
                path=_norm_path(lat.get("path")),
            )
        seed = data.get("seed")
        with self._lock:
            if merge:
                self._cfg.rules.extend(rules)
                self._cfg.script.extend(script)
                if latency is not None:
                    self._cfg.latency = latency
                if seed is not None:
                    self._cfg.seed = int(seed)
                    self._rng = random.Random(int(seed))
            else:
                self._cfg = FaultConfig(seed=None if seed is None else int(seed), rules=rules, script=script, latency=latency)
                self._rng = random.Random(self._cfg.seed if self._cfg.seed is not None else 0)

    def clear(self) -> None:
        self.configure({})

    def to_json(self) -> dict[str, Any]:
        with self._lock:
            return {
                "seed": self._cfg.seed,
                "rules": [r.to_json() for r in self._cfg.rules],
                "script": [r.to_json() for r in self._cfg.script],
                "latency": self._cfg.latency.to_json() if self._cfg.latency else None,
            }

    def pick(self, method: str, path: str) -> tuple[FaultSpec | None, float]:
        """(fault to apply or None, latency seconds). Consumes a script entry when it hits."""
        with self._lock:
            delay = 0.0
            lat = self._cfg.latency
            if lat and (lat.method is None or method in lat.method) and (lat.path is None or path.startswith(lat.path)):
                delay = max(0.0, lat.ms + (self._rng.uniform(-lat.jitter_ms, lat.jitter_ms) if lat.jitter_ms else 0.0)) / 1000.0
            for i, spec in enumerate(self._cfg.script):
                if spec.matches(method, path):
                    del self._cfg.script[i]
                    return spec, delay
            for spec in self._cfg.rules:
                if spec.matches(method, path) and self._rng.random() < spec.probability:
                    return spec, delay
            return None, delay


def withhold_one_license(body: bytes) -> bytes | None:
    """For a 206 fault: ``body`` without one of its license items, or None if it does not fit.

    The withheld item is the first ``add`` (adds are what fails live: a pool with no free
    unit), else the last item; the handler then applies the rest as usual."""
    try:
        data = json.loads(body or b"null")
    except ValueError:
        return None
    items = data.get("licenses") if isinstance(data, dict) else None
    if not isinstance(items, list) or len(items) < 2:
        return None
    adds = [i for i, it in enumerate(items) if isinstance(it, dict) and str(it.get("operation", "add")).lower() == "add"]
    drop = adds[0] if adds else len(items) - 1
    data["licenses"] = items[:drop] + items[drop + 1 :]
    return json.dumps(data).encode()
