"""Retry as a small, pure decision policy.

Given what happened to one attempt — method and idempotency, attempt number, the status
(or the transport exception), response headers and how long this logical request already
slept — :meth:`RetryPolicy.decide` answers one of:

* ``RETRY`` after ``delay`` seconds,
* ``GIVE_UP`` (the caller raises the matching :mod:`~webex_client._exceptions` error),
* ``OUTCOME_UNKNOWN`` (a non-idempotent request may have been applied: never replay it).

The policy never sleeps and never touches the network, so every rule is unit-testable with
a fake clock. The rules (docs/webex-behaviour.md "Rate limits and retries"):

=====================  =====================================  ==============================
answer                 idempotent (GET/PUT/DELETE, marked)    non-idempotent (POST, PATCH)
=====================  =====================================  ==============================
429, 423               retry after ``Retry-After``            same: 429/423 mean "not
                       (seconds, HTTP-date, malformed →       processed", so a replay cannot
                       bounded default), clamped              duplicate anything
503                    retry (Retry-After if sent, else       same: "overloaded", the request
                       backoff)                               was refused, not processed
502, 504               retry with backoff                     OUTCOME_UNKNOWN (an upstream
                                                              may have applied it)
500                    retry with backoff                     GIVE_UP (ServerError)
connect error /        retry with backoff                     retry: nothing was sent
pool timeout
read timeout, reset    retry with backoff                     OUTCOME_UNKNOWN
after send
anything else          GIVE_UP                                GIVE_UP
=====================  =====================================  ==============================

Two budgets bound every logical request: ``max_retries`` extra attempts and
``max_total_wait`` seconds of cumulated sleeping. A retry whose delay would cross the wait
budget is not attempted (sleeping *less* than Retry-After only earns another 429).
"""

from __future__ import annotations

import enum
import ipaddress
import random as _random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

import httpx

from . import _constants as C

if TYPE_CHECKING:
    from ._settings import ClientSettings

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

# Transport failures that happen before any byte of the request reached the server: the
# request cannot have been applied, so even a POST may be sent again.
NOT_SENT_ERRORS: tuple[type[BaseException], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)
# Failures after (part of) the request was written: the server may have applied it.
SENT_UNKNOWN_ERRORS: tuple[type[BaseException], ...] = (
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
    httpx.NetworkError,
    httpx.TimeoutException,
)


def _refused_on_loopback(exc: BaseException) -> bool:
    """A connect error whose cause is ECONNREFUSED, to 127.0.0.0/8, ::1 or localhost."""
    if not isinstance(exc, httpx.ConnectError):
        return False
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, ConnectionRefusedError):
        cause = cause.__cause__ or cause.__context__
    refused = cause is not None or "Connection refused" in str(exc)
    try:
        host = exc.request.url.host
    except RuntimeError:  # no request attached
        return False
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        loopback = False
    return refused and loopback


class Action(enum.Enum):
    RETRY = "retry"
    GIVE_UP = "give_up"
    OUTCOME_UNKNOWN = "outcome_unknown"


@dataclass(frozen=True)
class RetryDecision:
    action: Action
    delay: float = 0.0
    reason: str = ""
    #: True when the server said "slow down" (429): the shared throttle should back off.
    rate_limited: bool = False
    #: True when the failed attempt may have reached the server (sent, no usable answer).
    maybe_applied: bool = False


@dataclass(frozen=True)
class AttemptOutcome:
    """What happened to one attempt; the input of :meth:`RetryPolicy.decide`."""

    method: str
    attempt: int
    """1-based number of the attempt that just finished."""
    waited: float = 0.0
    """Seconds already slept for this logical request (Retry-After + backoff)."""
    idempotent: bool | None = None
    """None → derived from the method (GET/PUT/DELETE/HEAD/OPTIONS)."""
    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    exception: BaseException | None = None

    @property
    def is_idempotent(self) -> bool:
        if self.idempotent is not None:
            return self.idempotent
        return self.method.upper() in IDEMPOTENT_METHODS


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait according to a ``Retry-After`` value, or ``None`` if absent/malformed.

    Accepts delta-seconds (``"30"``, tolerantly ``"1.5"``) and HTTP-dates
    (``"Wed, 21 Oct 2015 07:28:00 GMT"``; a date in the past means 0). Anything else —
    e.g. ``"rand(30),add(30)"`` — is malformed.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        if seconds != seconds or seconds in (float("inf"), float("-inf")):  # NaN / inf
            return None
        return max(0.0, seconds)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - now).total_seconds())


class RetryPolicy:
    """Decides whether, and after how long, a failed attempt is retried."""

    def __init__(
        self,
        *,
        max_retries: int = C.DEFAULT_MAX_RETRIES,
        max_total_wait: float = C.DEFAULT_MAX_RETRY_WAIT_SECONDS,
        backoff_base: float = C.DEFAULT_BACKOFF_BASE_SECONDS,
        backoff_cap: float = C.DEFAULT_BACKOFF_CAP_SECONDS,
        jitter: str = C.DEFAULT_JITTER,
        retry_after_default: float = C.DEFAULT_RETRY_AFTER_SECONDS,
        retry_after_min: float = C.MIN_RETRY_AFTER_SECONDS,
        retry_after_max: float = C.MAX_RETRY_AFTER_SECONDS,
        random: Callable[[], float] = _random.random,
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        if retry_after_min > retry_after_max:
            raise ValueError("retry_after_min must not exceed retry_after_max")
        self.max_retries = max_retries
        self.max_total_wait = max_total_wait
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.jitter = jitter
        self.retry_after_default = retry_after_default
        self.retry_after_min = retry_after_min
        self.retry_after_max = retry_after_max
        self._random = random
        self._now = now

    @classmethod
    def from_settings(cls, settings: "ClientSettings", **overrides: Any) -> "RetryPolicy":
        """Policy configured from :class:`~webex_client.ClientSettings` (the single source of
        every default); ``overrides`` inject test hooks such as ``random``/``now``."""
        kwargs: dict[str, Any] = dict(
            max_retries=settings.max_retries,
            max_total_wait=settings.max_retry_wait_seconds,
            backoff_base=settings.backoff_base_seconds,
            backoff_cap=settings.backoff_cap_seconds,
            jitter=settings.jitter,
            retry_after_default=settings.retry_after_default_seconds,
            retry_after_min=settings.retry_after_min_seconds,
            retry_after_max=settings.retry_after_max_seconds,
        )
        kwargs.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**kwargs)

    # -- delays -------------------------------------------------------------------------

    def backoff_delay(self, attempt: int) -> float:
        """Full-jitter exponential backoff for the retry following attempt ``attempt``."""
        ceiling = min(self.backoff_cap, self.backoff_base * (2 ** max(0, attempt - 1)))
        if self.jitter == "none":
            return ceiling
        return self._random() * ceiling

    def retry_after_delay(self, header: str | None, *, fallback: float | None = None) -> float:
        """Bounded wait for a ``Retry-After`` header.

        Missing or malformed → ``fallback`` if given, else the default; always clamped to
        ``[retry_after_min, retry_after_max]``.
        """
        seconds = parse_retry_after(header, self._now())
        if seconds is None:
            seconds = self.retry_after_default if fallback is None else fallback
        return min(self.retry_after_max, max(self.retry_after_min, seconds))

    # -- the decision -------------------------------------------------------------------

    def decide(self, outcome: AttemptOutcome) -> RetryDecision:
        decision = self._classify(outcome)
        if decision.action is not Action.RETRY:
            return decision
        if outcome.attempt > self.max_retries:
            return RetryDecision(
                Action.GIVE_UP,
                reason=f"{decision.reason}; retry budget of {self.max_retries} retries spent",
                rate_limited=decision.rate_limited,
            )
        if outcome.waited + decision.delay > self.max_total_wait:
            return RetryDecision(
                Action.GIVE_UP,
                reason=(
                    f"{decision.reason}; waiting {decision.delay:.1f}s more would exceed the "
                    f"{self.max_total_wait:.0f}s total retry wait"
                ),
                rate_limited=decision.rate_limited,
            )
        return decision

    def _classify(self, o: AttemptOutcome) -> RetryDecision:
        idempotent = o.is_idempotent
        if o.exception is not None:
            exc = o.exception
            name = type(exc).__name__
            if _refused_on_loopback(exc):
                # Nothing listens on this machine's port (the emulator is not running): ten
                # retries would only add a minute of silence before the same answer.
                return RetryDecision(Action.GIVE_UP, reason="connection refused: nothing is listening on this loopback address")
            if isinstance(exc, NOT_SENT_ERRORS):
                return RetryDecision(Action.RETRY, self.backoff_delay(o.attempt), f"{name} before send")
            if isinstance(exc, SENT_UNKNOWN_ERRORS):
                if idempotent:
                    return RetryDecision(Action.RETRY, self.backoff_delay(o.attempt), f"{name} after send", maybe_applied=True)
                return RetryDecision(Action.OUTCOME_UNKNOWN, reason=f"{name} after the request was sent", maybe_applied=True)
            return RetryDecision(Action.GIVE_UP, reason=f"{name} is not retryable")

        status = o.status
        if status is None:
            return RetryDecision(Action.GIVE_UP, reason="no status")
        retry_after = _header(o.headers, "retry-after")
        if status == 429:
            # "Not processed": safe for every method. A missing/malformed header gets the
            # bounded default rather than a hot loop.
            return RetryDecision(Action.RETRY, self.retry_after_delay(retry_after), "429 Too Many Requests", rate_limited=True)
        if status == 423:
            # Retry-After "may" be present on 423; without it, back off exponentially.
            delay = self.retry_after_delay(retry_after) if retry_after is not None else self.backoff_delay(o.attempt)
            return RetryDecision(Action.RETRY, delay, "423 Locked")
        if status == 503:
            delay = self.retry_after_delay(retry_after) if retry_after is not None else self.backoff_delay(o.attempt)
            return RetryDecision(Action.RETRY, delay, "503 Service Unavailable")
        if status in (502, 504):
            if idempotent:
                return RetryDecision(Action.RETRY, self.backoff_delay(o.attempt), f"{status} from gateway", maybe_applied=True)
            return RetryDecision(
                Action.OUTCOME_UNKNOWN,
                reason=f"{status} from a gateway after the request was sent",
                maybe_applied=True,
            )
        if status == 500:
            if idempotent:
                return RetryDecision(Action.RETRY, self.backoff_delay(o.attempt), "500 Internal Server Error", maybe_applied=True)
            return RetryDecision(Action.GIVE_UP, reason="500 is not retried for a non-idempotent request")
        return RetryDecision(Action.GIVE_UP, reason=f"{status} is not retryable")


def _header(headers: Mapping[str, str], name: str) -> str | None:
    if isinstance(headers, httpx.Headers):
        return headers.get(name)
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None
