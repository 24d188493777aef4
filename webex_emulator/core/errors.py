"""Webex error bodies.

Every error the emulator sends has the shape docs/webex-behaviour.md "Errors" describes:
``{"message": str, "errors": [{"description": str[, "errorCode": int]}], "trackingId": str}``.
Area code raises :class:`WebexError` (or a helper below); the pipeline renders it, rolls back
the request's transaction and adds the tracking id.
"""

from __future__ import annotations

from typing import Any

# Top-level messages. 401/403/404 are the strings the live service sends (docs/webex-behaviour.md "Errors"); the others paraphrase the spec's per-status descriptions.
MESSAGES: dict[int, str] = {
    400: "The request could not be understood by the server due to malformed syntax. See 'errors' for more details.",
    401: "The request requires a valid access token set in the Authorization request header.",
    403: "The server understood the request, but refused to fulfill it because the access token "
    "is missing required scopes or the user is missing required roles or licenses.",
    404: "The requested resource could not be found.",
    405: "The request was made to a resource using an HTTP request method that is not supported.",
    409: "The request could not be processed because it conflicts with some established rule of the system.",
    415: "The request was made without specifying a media type or used a media type that is not supported.",
    423: "The requested resource is temporarily unavailable.",
    429: "Too many requests have been sent in a given amount of time and the request has been rate limited.",
    500: "Something went wrong on the server. If the issue persists, feel free to contact the Webex Developer Support team.",
    502: "The server received an invalid response from an upstream server while processing the request. Try again later.",
    503: "Server is overloaded with requests. Try again later.",
    504: "An upstream server failed to respond on time. If your query uses max parameter, please try to reduce it.",
}

FORBIDDEN_MESSAGE = MESSAGES[403]


class WebexError(Exception):
    """An HTTP error rendered as a Webex error body.

    ``errors`` is the list of ``{"description"[, "errorCode"]}`` entries; when omitted one entry
    with ``description`` (defaulting to the message) is produced. ``include_errors=False`` drops
    the list entirely (some live errors have none, docs/webex-behaviour.md "Errors").
    """

    def __init__(
        self,
        status: int,
        message: str | None = None,
        description: str | None = None,
        *,
        error_code: int | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        include_errors: bool = True,
    ) -> None:
        self.status = status
        self.message = message or MESSAGES.get(status, "Error")
        if errors is None and include_errors:
            entry: dict[str, Any] = {"description": description or self.message}
            if error_code is not None:
                entry["errorCode"] = error_code
            errors = [entry]
        self.errors = errors
        self.headers = dict(headers or {})
        super().__init__(f"{status} {self.message}")

    def body(self, tracking_id: str) -> dict[str, Any]:
        out: dict[str, Any] = {"message": self.message}
        if self.errors is not None:
            out["errors"] = self.errors
        out["trackingId"] = tracking_id
        return out


def bad_request(description: str, message: str | None = None, *, error_code: int | None = None) -> WebexError:
    return WebexError(400, message or MESSAGES[400], description, error_code=error_code)


def unauthorized(description: str | None = None) -> WebexError:
    return WebexError(401, None, description)


def forbidden(description: str | None = None) -> WebexError:
    return WebexError(403, None, description)


def not_found(description: str | None = None) -> WebexError:
    return WebexError(404, None, description)


def conflict(description: str, message: str | None = None) -> WebexError:
    return WebexError(409, message or description, description)
