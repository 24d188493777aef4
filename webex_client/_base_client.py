"""The transport core shared by every resource, the sync client and the bulk path.

One :class:`SyncAPIClient` owns exactly one ``httpx.Client`` (connection pool), one
:class:`~webex_client._throttle.Throttle` and one
:class:`~webex_client._retry.RetryPolicy`. Every request — single calls, pages of a
paginator, bulk workers, token renewals — goes through :meth:`SyncAPIClient.request`:

1. the URL and body are prepared **once** (query string and bytes are frozen, so a retry
   sends exactly what the first attempt sent);
2. per attempt: get the bearer token (outside any slot), take a concurrency slot and a
   rate token, send, release the slot;
3. on failure ask the retry policy; sleep (without holding a slot) and go again, or raise.

Each logical request carries one ``TrackingID: webexiac_<uuid4>`` header (kept across its
retries so a support case can correlate them); it is logged with every retry and error and
attached to every exception.
"""

from __future__ import annotations

import copy
import logging
import random as _random
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum
from typing import Any, Generic, Self, TypeVar
from urllib.parse import quote

import httpx

from . import _constants as C
from ._auth import TokenSource, as_token_source
from ._exceptions import (
    APIConnectionError,
    OAuthError,
    OutcomeUnknownError,
    WebexError,
    error_class_for_status,
    parse_error_body,
)
from ._logging import logger, redact
from ._retry import Action, AttemptOutcome, RetryPolicy
from ._secret import Secret
from ._settings import ClientSettings
from ._throttle import Throttle

T = TypeVar("T")
R = TypeVar("R")


def path_segment(value: str) -> str:
    """Quote one path segment (ids may carry ``=`` padding)."""
    return quote(str(value), safe="")


def clean_params(params: Mapping[str, Any] | None) -> dict[str, str]:
    """Drop ``None`` values (an empty optional must be *absent*, never ``""`` — REFERENCE
    §14 #10) and render bools as ``true``/``false``, sequences comma-separated."""
    from .types._base import format_timestamp

    out: dict[str, str] = {}
    for key, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, Enum):
            out[key] = str(value.value)
        elif isinstance(value, datetime):
            out[key] = format_timestamp(value)
        elif isinstance(value, (list, tuple, set, frozenset)):
            out[key] = ",".join(str(v) for v in value)
        else:
            out[key] = str(value)
    return out


@dataclass(frozen=True)
class PreparedRequest:
    """A request frozen before the first attempt; every attempt is rebuilt from it."""

    method: str
    url: httpx.URL
    content: bytes
    headers: Mapping[str, str]
    idempotent: bool | None
    tracking_id: str


@dataclass(frozen=True)
class BulkResult(Generic[T, R]):
    """Outcome of one item of a bulk call: ``value`` on success, ``error`` otherwise."""

    item: T
    value: R | None = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class BulkResults(list[BulkResult[T, R]]):
    """Per-item results in input order, with helpers. Never raises by itself."""

    @property
    def succeeded(self) -> list[BulkResult[T, R]]:
        return [r for r in self if r.ok]

    @property
    def failed(self) -> list[BulkResult[T, R]]:
        return [r for r in self if not r.ok]

    def raise_first(self) -> None:
        for r in self:
            if r.error is not None:
                raise r.error


class SyncAPIClient:
    """Transport core. Use :class:`webex_client.WebexClient`, which adds the resources."""

    def __init__(
        self,
        token: "str | Secret | TokenSource",
        *,
        settings: ClientSettings | Mapping[str, Any] | None = None,
        base_url: str | None = None,
        transport: httpx.BaseTransport | None = None,
        http_client: httpx.Client | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        random: Callable[[], float] = _random.random,
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        if settings is None:
            settings = ClientSettings()
        elif not isinstance(settings, ClientSettings):
            settings = ClientSettings.from_config(settings)
        if base_url is not None:
            settings = settings.model_copy(update={"base_url": ClientSettings(base_url=base_url).base_url})
        self.settings: ClientSettings = settings
        self.base_url = httpx.URL(settings.base_url)
        self._clock = clock
        self._sleep = sleep
        self.retry_policy = RetryPolicy.from_settings(settings, random=random, now=now)
        self.throttle = Throttle(
            requests_per_second=settings.requests_per_second,
            burst=settings.burst,
            max_concurrency=settings.max_concurrency,
            rate_control=settings.rate_control,
            clock=clock,
            sleep=sleep,
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(settings.timeout_seconds, connect=settings.connect_timeout_seconds),
            limits=httpx.Limits(
                max_connections=settings.max_concurrency + C.CONNECTION_POOL_HEADROOM,
                max_keepalive_connections=settings.max_concurrency + C.CONNECTION_POOL_HEADROOM,
            ),
            follow_redirects=False,  # a redirect would re-send the bearer token elsewhere
            headers={"User-Agent": C.USER_AGENT, "Accept": "application/json"},
        )
        self._timeout: httpx.Timeout | None = None  # None: the http client's own timeout
        self.token_source: TokenSource = as_token_source(token)
        bind = getattr(self.token_source, "bind", None)
        if callable(bind):
            bind(self)

    def with_options(
        self,
        *,
        token: "str | Secret | TokenSource | None" = None,
        max_retries: int | None = None,
        max_retry_wait_seconds: float | None = None,
        timeout: float | None = None,
        connect_timeout: float | None = None,
    ) -> Self:
        """A client for some calls with other options (Stainless' ``with_options``).

        It shares this client's connection pool and throttle, so its calls count against the
        same rate and concurrency limit; closing it closes nothing. ``token`` replaces the
        bearer (e.g. a Service App's own token for its guest calls); the retry and timeout
        options replace those of :class:`ClientSettings`.
        """
        updates = {
            k: v
            for k, v in (
                ("max_retries", max_retries),
                ("max_retry_wait_seconds", max_retry_wait_seconds),
                ("timeout_seconds", timeout),
                ("connect_timeout_seconds", connect_timeout),
            )
            if v is not None
        }
        settings = self.settings.with_updates(**updates)
        clone = copy.copy(self)
        clone.settings = settings
        clone._owns_http = False
        clone.retry_policy = RetryPolicy.from_settings(settings, random=self.retry_policy._random, now=self.retry_policy._now)
        if timeout is not None or connect_timeout is not None:
            clone._timeout = httpx.Timeout(settings.timeout_seconds, connect=settings.connect_timeout_seconds)
        # A token source that calls the API itself (a Service App minting its token) gets a copy
        # bound to the clone, so those calls follow the clone's retry and timeout options too.
        source = as_token_source(token) if token is not None else self.token_source
        bind = getattr(source, "bind", None)
        if callable(bind):
            clone.token_source = source if token is not None else copy.copy(source)
            getattr(clone.token_source, "bind")(clone)
        else:
            clone.token_source = source
        clone._bind_resources()
        return clone

    def _bind_resources(self) -> None:
        """Subclasses attach their resource objects to ``self`` (again, for a ``with_options`` copy)."""

    # -- lifecycle ----------------------------------------------------------------------

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> "SyncAPIClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={str(self.base_url)!r})"

    # -- URL handling -------------------------------------------------------------------

    def resolve_url(self, path_or_url: str | httpx.URL) -> httpx.URL:
        """Absolute URL for a path relative to the base URL, or an absolute URL (next
        links). An absolute URL on another origin is re-based onto ours: the bearer token
        is only ever sent to the configured (HTTPS or loopback) origin."""
        text = str(path_or_url)
        if text.startswith(("http://", "https://")):
            url = httpx.URL(text)
            base = self.base_url
            if (url.scheme, url.host, url.port) != (base.scheme, base.host, base.port):
                logger.warning(
                    "next link %s points outside %s; re-basing it onto the configured origin",
                    redact(text),
                    base,
                )
                url = url.copy_with(scheme=base.scheme, host=base.host, port=base.port)
            return url
        return httpx.URL(str(self.base_url).rstrip("/") + "/" + text.lstrip("/"))

    # -- requests -----------------------------------------------------------------------

    def prepare(
        self,
        method: str,
        path: str | httpx.URL,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> PreparedRequest:
        method = method.upper()
        url = self.resolve_url(path)
        if params:
            url = url.copy_merge_params(clean_params(params))
        built = self._http.build_request(method, url, json=json, data=data, content=content, headers=headers)
        body = built.read()
        keep = {k: v for k, v in built.headers.items() if k.lower() in {"content-type"}}
        keep.update(headers or {})
        return PreparedRequest(
            method=method,
            url=built.url,
            content=body,
            headers=keep,
            idempotent=idempotent,
            tracking_id=f"{C.TRACKING_ID_PREFIX}{uuid.uuid4()}",
        )

    def request(
        self,
        method: str,
        path: str | httpx.URL,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        auth: "bool | str | Secret | TokenSource" = True,
    ) -> httpx.Response:
        """Send one logical request with retries; return the (read) 2xx response.

        :param idempotent: override the method's default (GET/PUT/DELETE idempotent,
            POST/PATCH not). Mark a POST/PATCH idempotent only when replaying it cannot
            change the outcome (see the resource modules for each decision).
        :raises WebexError: subclasses per status; :class:`OutcomeUnknownError` when a
            non-idempotent request may have been applied.
        """
        prepared = self.prepare(method, path, params=params, json=json, data=data, headers=headers, idempotent=idempotent)
        return self.send(prepared, auth=auth)

    def send(self, prepared: PreparedRequest, *, auth: "bool | str | Secret | TokenSource" = True) -> httpx.Response:
        waited = 0.0
        attempt = 0
        reauthenticated = False
        maybe_applied = False  # some earlier attempt may have reached the server
        source = self._auth_source(auth)
        started = self._clock()
        while True:
            attempt += 1
            bearer = source.get_token() if source is not None else None  # before the slot
            request = self._build_attempt(prepared, bearer)
            response: httpx.Response | None = None
            error: httpx.TransportError | None = None
            t0 = self._clock()
            with self.throttle.slot():
                try:
                    response = self._http.send(request)
                except httpx.TransportError as exc:
                    error = exc
            elapsed_ms = (self._clock() - t0) * 1000
            if response is not None:
                # Every answer feeds the rate controller; transport errors say nothing about
                # the server's rate limit.
                self.throttle.on_response(response.status_code == 429)
                logger.debug(
                    "%s %s -> %s in %.0fms (attempt %d, trackingId=%s)",
                    prepared.method,
                    prepared.url,
                    response.status_code,
                    elapsed_ms,
                    attempt,
                    prepared.tracking_id,
                )
                if response.is_success:
                    return response
                if (
                    response.status_code == 401
                    and source is not None
                    and bearer is not None
                    and not reauthenticated
                    and source.invalidate(bearer)
                ):
                    # 401 = not processed; a refreshable source gets one fresh-token retry.
                    reauthenticated = True
                    attempt -= 1
                    logger.info(
                        "401 for %s %s; retrying once with a renewed token (trackingId=%s)",
                        prepared.method,
                        prepared.url,
                        prepared.tracking_id,
                    )
                    continue
                if response.status_code == 404 and prepared.method == "DELETE" and maybe_applied:
                    # An earlier DELETE attempt may have succeeded before its answer was lost:
                    # "already gone" is the outcome we wanted.
                    logger.info(
                        "DELETE %s: 404 after an attempt with unknown outcome; treating as deleted (trackingId=%s)",
                        prepared.url,
                        prepared.tracking_id,
                    )
                    return response

            decision = self.retry_policy.decide(
                AttemptOutcome(
                    method=prepared.method,
                    attempt=attempt,
                    waited=waited,
                    idempotent=prepared.idempotent,
                    status=response.status_code if response is not None else None,
                    headers=response.headers if response is not None else {},
                    exception=error,
                )
            )
            maybe_applied = maybe_applied or decision.maybe_applied
            what = response.status_code if response is not None else type(error).__name__
            if decision.action is Action.RETRY:
                logger.info(
                    "retrying %s %s in %.2fs after %s: %s (attempt %d, trackingId=%s)",
                    prepared.method,
                    prepared.url,
                    decision.delay,
                    what,
                    decision.reason,
                    attempt,
                    prepared.tracking_id,
                )
                if decision.delay > 0:
                    self._sleep(decision.delay)  # no slot held while sleeping
                waited += decision.delay
                continue
            if decision.action is Action.OUTCOME_UNKNOWN:
                unknown = OutcomeUnknownError(
                    f"outcome unknown ({decision.reason}); the request was NOT replayed — re-read the "
                    "server state to see whether it was applied",
                    status=response.status_code if response is not None else None,
                    tracking_id=self._tracking_id(prepared, response),
                    method=prepared.method,
                    url=prepared.url,
                    attempts=attempt,
                )
                logger.warning("%s", unknown)
                raise unknown from error
            # GIVE_UP
            if error is not None:
                conn = APIConnectionError(
                    f"{type(error).__name__}: {error} ({decision.reason})",
                    tracking_id=prepared.tracking_id,
                    method=prepared.method,
                    url=prepared.url,
                    attempts=attempt,
                )
                logger.warning("%s", conn)
                raise conn from error
            assert response is not None
            status_error = self.status_error(prepared, response, attempts=attempt)
            # A plain 4xx (404 on a read, 409 …) is an answer, not an incident: debug level.
            level = logging.WARNING if attempt > 1 or response.status_code >= 500 else logging.DEBUG
            logger.log(level, "%s (gave up after %.1fs: %s)", status_error, self._clock() - started, decision.reason)
            raise status_error

    # -- helpers ------------------------------------------------------------------------

    def _auth_source(self, auth: "bool | str | Secret | TokenSource") -> TokenSource | None:
        if auth is True:
            return self.token_source
        if auth is False or auth is None:
            return None
        return as_token_source(auth)

    def _build_attempt(self, prepared: PreparedRequest, bearer: str | None) -> httpx.Request:
        headers = dict(prepared.headers)
        headers["TrackingID"] = prepared.tracking_id
        if bearer is not None:
            headers["Authorization"] = f"Bearer {bearer}"
        if self._timeout is not None:
            return self._http.build_request(
                prepared.method, prepared.url, content=prepared.content or None, headers=headers, timeout=self._timeout
            )
        return self._http.build_request(prepared.method, prepared.url, content=prepared.content or None, headers=headers)

    @staticmethod
    def _tracking_id(prepared: PreparedRequest, response: httpx.Response | None) -> str:
        if response is not None:
            header = response.headers.get("trackingid")
            if header:
                return header.split(",")[0].strip()
        return prepared.tracking_id

    def status_error(self, prepared: PreparedRequest, response: httpx.Response, *, attempts: int = 1) -> WebexError:
        message, errors, tracking_id, body = parse_error_body(response)
        kwargs: dict[str, Any] = dict(
            status=response.status_code,
            errors=errors,
            tracking_id=tracking_id or prepared.tracking_id,
            method=prepared.method,
            url=prepared.url,
            body=body,
            response=response,
            attempts=attempts,
        )
        if isinstance(body, Mapping) and "error" in body and response.status_code in (400, 401):
            # OAuth shape: {"error": "invalid_grant", "error_description": ...}
            return OAuthError(message, error=str(body.get("error")), **kwargs)
        return error_class_for_status(response.status_code)(message, **kwargs)

    @staticmethod
    def decode(response: httpx.Response) -> Any:
        """JSON body if the response declares JSON (or looks like it), else text, else None."""
        if not response.content:
            return None
        ctype = response.headers.get("content-type", "")
        if ctype.startswith("application/json") or ctype.endswith("+json"):
            return response.json()
        text = response.text
        stripped = text.lstrip()
        if stripped[:1] in ("{", "["):
            try:
                return response.json()
            except ValueError:
                return text
        return text

    def get_json(self, path: str | httpx.URL, *, params: Mapping[str, Any] | None = None, **kw: Any) -> Any:
        return self.decode(self.request("GET", path, params=params, **kw))

    # -- bulk ---------------------------------------------------------------------------

    def map_concurrent(
        self,
        fn: Callable[[T], R],
        items: Iterable[T],
        *,
        max_workers: int | None = None,
    ) -> BulkResults[T, R]:
        """Run ``fn(item)`` for every item on a thread pool sharing this client's connection
        pool, throttle and retry policy. Never aborts the batch: each item yields a
        :class:`BulkResult` (value or error), in input order."""
        materialised = list(items)
        results: BulkResults[T, R] = BulkResults()
        if not materialised:
            return results
        # More workers than slots: a worker sleeping on Retry-After holds no slot (see
        # BULK_WORKERS_PER_SLOT), the concurrency limiter still bounds requests in flight.
        default = self.settings.max_concurrency * C.BULK_WORKERS_PER_SLOT
        workers = max(1, min(max_workers or default, len(materialised)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="webex-bulk") as pool:
            futures = [pool.submit(fn, item) for item in materialised]
            for item, future in zip(materialised, futures):
                try:
                    results.append(BulkResult(item=item, value=future.result()))
                except Exception as exc:  # per-item failure is data, not control flow
                    results.append(BulkResult(item=item, error=exc))
        return results
