"""Webex API client used by the webex-iac resources, the discover CLI and the policy pack.

Models follow the Webex OpenAPI specifications © Cisco Webex, from
webex/webex-openapi-specs, licensed CC BY 4.0 (see :mod:`webex_client.types`).

Quick start
===========

::

    from webex_client import WebexClient, ClientSettings, ServiceAppToken

    client = WebexClient("<admin token>")                          # or WEBEX_ACCESS_TOKEN
    client = WebexClient.from_config(pulumi_config, token=...)      # webex:maxRetries …
    client = WebexClient(ServiceAppToken(app_id, client_id, secret, org_id,
                                         minting_token="<integration token>"))

    for person in client.people.list():                            # lazy, all pages
        ...
    results = client.licenses.assign_many(requests)                # bulk, per-item results

Constructor
===========

``WebexClient(token=None, *, settings=None, base_url=None, transport=None, http_client=None)``

* ``token`` — str, :class:`Secret`, or a :class:`TokenSource` (:class:`StaticToken`,
  :class:`ServiceAppToken`). Default: the credentials in ``settings`` (``token`` or the Service
  App keys), else ``$WEBEX_ACCESS_TOKEN`` (``$WEBEX_TOKEN`` still read, with a ``FutureWarning``).
* ``settings`` — :class:`ClientSettings` or a Pulumi config mapping.
* ``base_url`` — default ``https://webexapis.com/v1``; ``http://`` only for loopback
  (127.0.0.0/8, ::1, localhost), otherwise ``ValueError``.
* ``transport`` — an ``httpx.BaseTransport`` (tests: ``httpx.MockTransport``).
* test hooks ``clock=``, ``sleep=``, ``random=``, ``now=`` replace real time/jitter.

One client = one ``httpx.Client`` (pooled), one throttle, one retry policy; it is thread-safe
and meant to be shared. Use it as a context manager or call :meth:`close`.
``client.with_options(max_retries=, max_retry_wait_seconds=, timeout=, connect_timeout=, token=)``
returns a client for some calls with other options that shares the pool and the throttle.

Resources
=========

=====================  ===========================================================================
``organizations``      ``list()``, ``get(org_id)``, ``delete(org_id)``
``roles``              ``list()``, ``get(role_id)``
``people``             ``list(**filters) -> Paginator[Person]``, ``get``, ``me``, ``find_by_email``,
                       ``create`` (recovers by email on unknown outcome), ``update`` (PUT), ``delete``
``licenses``           ``list(org_id=)``, ``get``, ``list_users(license_id) -> Paginator[LicenseUser]``,
                       ``assign(LicenseAssignmentRequest)`` (206 → :class:`PartialContentError`),
                       ``assign_many(requests, max_workers=) -> BulkResults``
``sites``              ``list(user_email=)``, ``get_default``, ``set_default(site_url)``,
                       ``licensed_site_urls()``, ``get_common_settings(site_url)``,
                       ``update_common_settings(settings, site_url=)``
``meetings``           ``list(**filters) -> Paginator[Meeting]``, ``get``, ``create(MeetingCreate)``
                       (recovers by integration tag), ``patch(id, MeetingPatch)``, ``update`` (PUT),
                       ``delete``
``meeting_invitees``   ``list(meeting_id)``, ``get``, ``create`` (recovers by email), ``bulk_insert``,
                       ``update``, ``delete``
``service_apps``       ``create_token(app_id, client_id=, client_secret=, target_org_id=)``,
                       ``refresh_token(client_id=, client_secret=, refresh_token=)``
``authorizations``     ``list(person_id=|person_email=)``, ``delete``, ``delete_by_client``,
                       ``token_expiry``
``guests``             ``create(subject, display_name) -> GuestToken``, ``count()``
``groups``             ``list(**filters) -> Paginator[Group]``, ``get``, ``find_by_name``, ``create``,
                       ``update(GroupPatch)``, ``delete``, ``list_members``
=====================  ===========================================================================

Low level: ``client.request(method, path, params=, json=, data=, idempotent=, auth=)``
returns the 2xx ``httpx.Response`` after retries; ``client.get_json(path, params=)``.

Bulk path
=========

``client.map_concurrent(fn, items, max_workers=settings.max_concurrency)`` runs ``fn`` on a
thread pool over the same core and returns :class:`BulkResults` (one :class:`BulkResult` per
item, in order, with ``.value`` or ``.error``; ``.succeeded``, ``.failed``,
``.raise_first()``). A failing item never aborts the batch.

Settings (Pulumi config keys)
=============================

``ClientSettings.from_config(mapping)`` takes camelCase keys with or without ``webex:``:
``baseUrl``, ``maxRetries``, ``maxRetryWaitSeconds``, ``backoffBaseSeconds``,
``backoffCapSeconds``, ``jitter`` (full|none), ``retryAfterDefaultSeconds``,
``retryAfterMinSeconds``, ``retryAfterMaxSeconds``, ``requestsPerSecond`` (a ceiling; unset = find
the limit; 0 = off), ``rateControl`` (adaptive|legacy), ``burst``,
``maxConcurrency``, ``pageSize``, ``timeoutSeconds``, ``connectTimeoutSeconds``,
``tokenRefreshMarginSeconds``. Defaults live in :mod:`webex_client._constants`.

Retry, throttling, errors
=========================

* 429/423 honour ``Retry-After`` (seconds, HTTP-date; malformed → bounded default), 503 and
  502/504/connection errors back off exponentially with full jitter; the total sleep of a
  request is bounded. A retry resends exactly the same URL (query) and body.
* A non-idempotent request (POST, most PATCH) is **never replayed** once it may have reached
  the server (read timeout, dropped connection, 502/504): :class:`OutcomeUnknownError`.
  429/423/503 and connect failures mean "not processed" and are retried for every method;
  500 is not retried for POST. Per-endpoint decisions are documented in each resource module.
* Throttling is separate from retry: a token bucket whose rate an AIMD controller sets (it
  finds the server's limit, decreases at most once per window, learns random 429s as noise;
  ``requestsPerSecond`` caps it) and a concurrency limit (``maxConcurrency``). A request
  sleeping on Retry-After/backoff does not hold a concurrency slot.
* Errors: :class:`WebexError` → :class:`BadRequestError` (400, :class:`OAuthError`),
  :class:`AuthenticationError` (401), :class:`PermissionDeniedError` (403),
  :class:`NotFoundError` (404), :class:`ConflictError` (409), :class:`LockedError` (423),
  :class:`RateLimitedError` (429), :class:`ServerError` (5xx), :class:`PartialContentError`
  (206, alias :data:`PartialSuccess`), :class:`OutcomeUnknownError`,
  :class:`APIConnectionError`. Each has ``status``, ``message``, ``errors``, ``tracking_id``,
  ``method``, ``url``. No token or client secret ever appears in an error, log line or repr.

Every request carries ``TrackingID: webexiac_<uuid4>`` (same value across its retries), which
is logged with retries and errors.
"""

from ._auth import ServiceAppToken, StaticToken, TokenSource
from ._base_client import BulkResult, BulkResults, SyncAPIClient
from ._client import WebexClient
from ._exceptions import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ErrorDetail,
    LockedError,
    NotFoundError,
    OAuthError,
    OutcomeUnknownError,
    PartialContentError,
    PartialSuccess,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    WebexError,
)
from ._ids import (
    GroupIdParts,
    LicenseIdParts,
    WebexId,
    decode_id,
    encode_group_id,
    encode_id,
    encode_license_id,
    is_webex_id,
    license_offer_code,
    meeting_series_id,
    normalize_id,
    parse_group_id,
    parse_license_id,
    same_id,
)
from ._pagination import Paginator
from ._retry import RetryPolicy
from ._secret import Secret
from . import _constants as constants
from ._exceptions import describe as describe_error
from ._settings import ClientSettings, token_from_env, validate_base_url
from ._throttle import Throttle

__all__ = [
    "WebexClient",
    "SyncAPIClient",
    "ClientSettings",
    "constants",
    "describe_error",
    "token_from_env",
    "validate_base_url",
    "Secret",
    "TokenSource",
    "StaticToken",
    "ServiceAppToken",
    "Paginator",
    "BulkResult",
    "BulkResults",
    "RetryPolicy",
    "Throttle",
    "WebexError",
    "APIConnectionError",
    "APIStatusError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "ErrorDetail",
    "LockedError",
    "NotFoundError",
    "OAuthError",
    "OutcomeUnknownError",
    "PartialContentError",
    "PartialSuccess",
    "PermissionDeniedError",
    "RateLimitedError",
    "ServerError",
    "WebexId",
    "LicenseIdParts",
    "GroupIdParts",
    "decode_id",
    "encode_id",
    "encode_license_id",
    "encode_group_id",
    "is_webex_id",
    "license_offer_code",
    "meeting_series_id",
    "normalize_id",
    "parse_group_id",
    "parse_license_id",
    "same_id",
]
