"""The one exception hierarchy of the client.

::

    WebexError
     ├── APIConnectionError          network failure after retries (request never answered)
     ├── OutcomeUnknownError         a non-idempotent request may or may not have been applied
     ├── PartialContentError         206 on PATCH /licenses/users (alias PartialSuccess)
     └── APIStatusError              any non-2xx answer
          ├── BadRequestError        400
          │    └── OAuthError        400/401 from the OAuth token endpoints (invalid_grant …)
          ├── AuthenticationError    401
          ├── PermissionDeniedError  403
          ├── NotFoundError          404
          ├── ConflictError          409
          ├── LockedError            423
          ├── RateLimitedError       429 still answered after the retry budget was spent
          └── ServerError            5xx

:func:`describe` turns any of them into the paragraph a user reads (which token, which scope,
which URL, what was or was not applied, what to do next); the providers print that instead of
a traceback (``resources/_errors.py``).

Every error carries ``status``, ``message``, ``errors`` (list of :class:`ErrorDetail`),
``tracking_id``, ``method`` and ``url`` (query included). Nothing here ever holds a request
header, and all text is passed through :func:`~webex_client._logging.redact`, so no token
or client secret can surface through ``str(exc)``/``repr(exc)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from ._logging import redact, redact_data
from .scopes import ENDPOINT_SCOPES, MINTING_TOKEN_SCOPES, SITE_ADMIN_SCOPES


@dataclass(frozen=True)
class ErrorDetail:
    """One entry of the ``errors`` array of a Webex error body."""

    description: str
    error_code: int | None = None

    @classmethod
    def parse(cls, raw: Any) -> "ErrorDetail":
        if isinstance(raw, Mapping):
            code = raw.get("errorCode", raw.get("code"))
            try:
                code = int(code) if code is not None else None
            except (TypeError, ValueError):
                code = None
            return cls(description=redact(raw.get("description") or raw.get("reason") or ""), error_code=code)
        return cls(description=redact(raw))


class WebexError(Exception):
    """Base class of every error raised by :mod:`webex_client`."""

    status: int | None
    message: str
    errors: list[ErrorDetail]
    tracking_id: str | None
    method: str | None
    url: str | None
    body: Any

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        errors: Iterable[ErrorDetail] = (),
        tracking_id: str | None = None,
        method: str | None = None,
        url: str | httpx.URL | None = None,
        body: Any = None,
        attempts: int = 1,
    ) -> None:
        self.message = redact(message)
        self.status = status
        self.errors = list(errors)
        self.tracking_id = tracking_id
        self.method = method
        self.url = redact(str(url)) if url is not None else None
        self.body = redact_data(body)
        self.attempts = attempts
        super().__init__(self._render())

    def _render(self) -> str:
        parts: list[str] = []
        if self.method and self.url:
            parts.append(f"{self.method} {self.url}")
        if self.status is not None:
            parts.append(f"-> {self.status}")
        parts.append(self.message)
        text = " ".join(parts)
        if self.errors:
            details = "; ".join(
                f"{e.error_code}: {e.description}" if e.error_code is not None else e.description for e in self.errors
            )
            text += f" [{details}]"
        if self.tracking_id:
            text += f" (trackingId={self.tracking_id})"
        if self.attempts > 1:
            text += f" after {self.attempts} attempts"
        return redact(text)

    def __str__(self) -> str:
        return self._render()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._render()!r})"

    @property
    def error_codes(self) -> list[int]:
        return [e.error_code for e in self.errors if e.error_code is not None]


class APIConnectionError(WebexError):
    """The service could not be reached (or kept dropping the connection) and the retry
    budget is spent. Only raised for requests that are safe to retry, or that were never
    sent; otherwise :class:`OutcomeUnknownError` is raised instead."""


class OutcomeUnknownError(WebexError):
    """A non-idempotent request (e.g. ``POST /meetings``) was sent, but no usable answer
    came back (connection dropped after send, read timeout, 502/504). It may or may not have
    been applied, so the client did **not** replay it. Re-read the server state to find out
    (several resource methods do this for you when they can identify what they created)."""


class APIStatusError(WebexError):
    """The service answered with a non-success status."""

    def __init__(self, message: str, *, response: httpx.Response | None = None, **kwargs: Any) -> None:
        self.response_headers = dict(response.headers) if response is not None else {}
        # Never keep the response object itself: its .request holds the Authorization header.
        self.retry_after = self.response_headers.get("retry-after")
        super().__init__(message, **kwargs)


class BadRequestError(APIStatusError):
    """400 — the request was invalid; ``errors[].error_code`` tells which rule."""


class AuthenticationError(APIStatusError):
    """401 — credentials missing, expired or revoked."""


class PermissionDeniedError(APIStatusError):
    """403 — missing scope, role or licence, or a Service App not authorized for the org."""


class NotFoundError(APIStatusError):
    """404 — the resource does not exist (or the caller may not see it)."""


class ConflictError(APIStatusError):
    """409 — conflicts with an established rule (duplicate invitee, org with users…)."""


class LockedError(APIStatusError):
    """423 — resource temporarily unavailable; retried while budget remains."""


class RateLimitedError(APIStatusError):
    """429 — still rate limited once the retry budget (count or total wait) was spent."""


class ServerError(APIStatusError):
    """5xx — the service failed. 500 is never retried for non-idempotent requests."""


class OAuthError(BadRequestError):
    """The OAuth token endpoints refused the grant (``invalid_grant``, ``invalid_client``,
    ``invalid_scope`` …). ``error`` holds the OAuth error code."""

    def __init__(self, message: str, *, error: str | None = None, **kwargs: Any) -> None:
        self.error = error
        super().__init__(message, **kwargs)


class PartialContentError(WebexError):
    """206 on ``PATCH /licenses/users``: some requested changes were applied, others not.

    ``result`` is the parsed response body (the user's resulting licence set);
    ``failed_license_ids`` are the requested additions missing from the result plus the
    requested removals still present (the spec: "compare the returned licenses with the
    requested licenses to determine which ones failed"); ``failed_site_urls`` likewise for
    attendee site changes.
    """

    def __init__(
        self,
        message: str,
        *,
        result: Any = None,
        failed_license_ids: Iterable[str] = (),
        failed_site_urls: Iterable[str] = (),
        **kwargs: Any,
    ) -> None:
        self.result = result
        self.failed_license_ids = list(failed_license_ids)
        self.failed_site_urls = list(failed_site_urls)
        super().__init__(message, status=206, **kwargs)

    def _render(self) -> str:
        text = super()._render()
        if self.failed_license_ids:
            text += f" failed licenses: {', '.join(self.failed_license_ids)}"
        if self.failed_site_urls:
            text += f" failed siteUrls: {', '.join(self.failed_site_urls)}"
        return redact(text)


#: Alias: the brief and some callers prefer the success-flavoured name.
PartialSuccess = PartialContentError

_STATUS_TO_ERROR: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    423: LockedError,
    429: RateLimitedError,
}


def error_class_for_status(status: int) -> type[APIStatusError]:
    if status in _STATUS_TO_ERROR:
        return _STATUS_TO_ERROR[status]
    if status >= 500:
        return ServerError
    return APIStatusError


def parse_error_body(response: httpx.Response) -> tuple[str, list[ErrorDetail], str | None, Any]:
    """Extract ``(message, errors, trackingId, body)`` from any Webex error answer.

    Handles the regular shape ``{message, errors[{description, errorCode}], trackingId}``,
    error bodies without ``errors``, a top-level ``errorCode`` (wxc_sdk), the OAuth shape
    ``{error, error_description, trackingID}`` and non-JSON bodies.
    """
    body: Any = None
    try:
        if response.content:
            body = response.json()
    except ValueError:
        body = response.text[:500]
    message = ""
    errors: list[ErrorDetail] = []
    tracking_id = None
    if isinstance(body, Mapping):
        message = str(body.get("message") or body.get("error_description") or body.get("error") or "")
        raw_errors = body.get("errors")
        if isinstance(raw_errors, list):
            errors = [ErrorDetail.parse(e) for e in raw_errors]
        elif body.get("errorCode") is not None:
            errors = [ErrorDetail.parse({"description": message, "errorCode": body.get("errorCode")})]
        tracking_id = body.get("trackingId") or body.get("trackingID")
    elif isinstance(body, str):
        message = body
    if not message:
        message = response.reason_phrase or f"HTTP {response.status_code}"
    if not tracking_id:
        header = response.headers.get("trackingid")
        # Webex may echo the request's TrackingID next to its own: "A, A".
        tracking_id = header.split(",")[0].strip() if header else None
    return message, errors, tracking_id, body


# --- what a user reads ---------------------------------------------------------------------
# Scopes an admin token needs per endpoint: webex_client.scopes.ENDPOINT_SCOPES (the one list),
# with who must hold them said in the 403 message.
def _scope_label(scope: str) -> str:
    if scope in MINTING_TOKEN_SCOPES:
        return f"{scope} (on the minting token)"
    return f"{scope} (site admin)" if scope in SITE_ADMIN_SCOPES else scope


def _endpoint_scopes() -> list[tuple[str, str, str]]:
    return [(m, prefix, _scope_label(scope)) for m, prefix, scope in ENDPOINT_SCOPES]


_SCOPES: list[tuple[str, str, str]] = _endpoint_scopes()


def _api_path(url: str | None) -> str:
    if not url:
        return ""
    path = httpx.URL(url).path
    return path[3:] if path.startswith("/v1/") else path


def needed_scope(method: str | None, url: str | None) -> str | None:
    """The scope Webex documents for this call, if it is one this project makes."""
    path = _api_path(url)
    for m, prefix, scope in _SCOPES:
        if (m == "*" or m == (method or "").upper()) and path.startswith(prefix):
            return scope
    return None


def describe(exc: BaseException, *, credentials: str = "the Webex token") -> str:
    """One paragraph a person can act on, for any error a run can meet.

    ``credentials`` names where the token came from (e.g. ``webex:token``), so a 401 or 403
    says which setting to fix. The text is redacted like every message of this module.
    """
    if not isinstance(exc, WebexError):
        return redact(f"{type(exc).__name__}: {exc}")
    call = f"{exc.method} {_api_path(exc.url)}" if exc.method and exc.url else "the request"
    where = f"{httpx.URL(exc.url).scheme}://{httpx.URL(exc.url).netloc.decode()}" if exc.url else "Webex"
    track = f" (trackingId {exc.tracking_id})" if exc.tracking_id else ""
    if isinstance(exc, AuthenticationError):
        text = (
            f"Webex refused {credentials} (401 on {call}): it is missing, expired or revoked. "
            f"Set a valid one and run again; nothing was changed by this request{track}."
        )
    elif isinstance(exc, PermissionDeniedError):
        scope = needed_scope(exc.method, exc.url)
        need = f"the scope {scope}" if scope else "a scope or admin role this call needs"
        detail = f" Webex says: {exc.message.rstrip('. ')}." if exc.message else ""
        text = (
            f"Webex refused {call} for {credentials} (403): it lacks {need}, or its user lacks "
            f"the admin role or license.{detail} Nothing was changed by this request{track}."
        )
    elif isinstance(exc, OutcomeUnknownError):
        text = (
            f"{call} was sent to {where} but no answer came back, so it may or may not have been "
            f"applied; it was not sent again. Run the same command again: it re-reads the org "
            f"and carries on from what is really there{track}."
        )
    elif isinstance(exc, APIConnectionError):
        cause = exc.message.split(" (", 1)[0]
        if "refused" in exc.message.lower():
            local = httpx.URL(exc.url).host in ("127.0.0.1", "localhost", "::1") if exc.url else False
            hint = (
                " If this is the local emulator, it is not running: start it with `make emulator`."
                if local
                else " Check webex:baseUrl and that the service is up."
            )
            text = f"Cannot connect to {where}: connection refused.{hint} Nothing was sent."
        elif "timeout" in cause.lower():
            text = (
                f"{where} did not answer {call} in time ({cause}, {exc.attempts} attempt(s)). "
                "Nothing was applied by this request; run again when the service answers "
                "(webex:timeoutSeconds sets the limit)."
            )
        else:
            text = (
                f"Cannot reach {where} for {call}: {cause} ({exc.attempts} attempt(s)). Nothing "
                "was applied by this request; check the network and webex:baseUrl, then run again."
            )
    elif isinstance(exc, RateLimitedError):
        text = (
            f"Webex kept answering 429 (too many requests) to {call} after {exc.attempts} "
            f"attempts. Nothing was applied by this request; run again later, or lower "
            f"webex:requestsPerSecond{track}."
        )
    elif isinstance(exc, ServerError):
        text = (
            f"Webex failed on {call} ({exc.status} {exc.message}) after {exc.attempts} attempt(s). "
            f"Run again; the next run re-reads the org and converges{track}."
        )
    elif isinstance(exc, PartialContentError):
        text = f"{exc} — the next run retries what was not applied."
    else:
        text = str(exc)
    return redact(text)
