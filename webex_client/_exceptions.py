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
                f"{e.error_code}: {e.description}" if e.error_code is not None else e.description
                for e in self.errors
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
