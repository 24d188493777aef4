"""Client settings: the project's one configuration (base URL, credentials, throttle, retry,
paging, timeouts), with the defaults of :mod:`._constants`, overridable per stack.

Pulumi stack config arrives as a flat mapping of strings::

    webex:maxRetries: "5"
    webex:requestsPerSecond: "4"
    webex:maxConcurrency: "4"
    webex:pageSize: "100"
    webex:maxRetryWaitSeconds: "120"
    webex:timeoutSeconds: "20"

:meth:`ClientSettings.from_config` accepts exactly that (camelCase keys with or without the
``webex:`` prefix, snake_case too), ignores keys of other namespaces and keys it does not
know, and validates every value. ``webex:token``, ``webex:orgId`` and the Service App keys are
fields too; the secret ones are kept out of repr, dumps and :meth:`ClientSettings.to_config`.
"""

from __future__ import annotations

import ipaddress
import os
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.alias_generators import to_camel, to_snake

from . import _constants as C

if TYPE_CHECKING:
    from ._auth import ServiceAppToken

CONFIG_NAMESPACE = "webex"


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in C.LOOPBACK_HOSTNAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_base_url(url: str) -> str:
    """Return ``url`` without trailing slash, or raise ``ValueError``.

    HTTPS is required because every request carries a bearer token; plain HTTP is
    accepted only for loopback hosts (127.0.0.0/8, ::1, localhost) — the local emulator.
    """
    try:
        parsed = httpx.URL(url)
    except Exception as exc:  # httpx.InvalidURL and friends
        raise ValueError(f"invalid base URL {url!r}: {exc}") from exc
    scheme = parsed.scheme.lower()
    if not parsed.host:
        raise ValueError(f"base URL {url!r} has no host")
    if scheme == "https":
        pass
    elif scheme == "http":
        if not is_loopback_host(parsed.host):
            raise ValueError(
                f"base URL {url!r} uses plain http:// for the non-loopback host {parsed.host!r}; "
                "bearer tokens must only travel over https:// (http is allowed for "
                "127.0.0.0/8, ::1 and localhost only)"
            )
    else:
        raise ValueError(f"base URL {url!r} must use https:// (got scheme {scheme!r})")
    if parsed.query or parsed.fragment:
        raise ValueError(f"base URL {url!r} must not carry a query or fragment")
    return str(parsed).rstrip("/")


def token_from_env(environ: Mapping[str, str] | None = None) -> tuple[str | None, str | None]:
    """``(token, variable it came from)`` from ``WEBEX_ACCESS_TOKEN``, else (deprecated, for one
    release) ``WEBEX_TOKEN`` with a ``FutureWarning`` (shown to users, unlike
    ``DeprecationWarning``); ``(None, None)`` when neither is set. The one place that reads it."""
    env = os.environ if environ is None else environ
    token = env.get(C.TOKEN_ENV_VAR)
    if token:
        return token, C.TOKEN_ENV_VAR
    token = env.get(C.DEPRECATED_TOKEN_ENV_VAR)
    if token:
        warnings.warn(
            f"{C.DEPRECATED_TOKEN_ENV_VAR} is deprecated and will be ignored in the next release: set {C.TOKEN_ENV_VAR} instead",
            FutureWarning,
            stacklevel=2,
        )
        return token, C.DEPRECATED_TOKEN_ENV_VAR
    return None, None


class ClientSettings(BaseModel):
    """Every knob of the client. Field names are snake_case; camelCase aliases match the
    Pulumi config keys (``webex:maxRetries`` → ``max_retries``)."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="ignore",
        frozen=True,
    )

    base_url: str = Field(C.DEFAULT_BASE_URL, description="API root, e.g. https://webexapis.com/v1")

    # retry
    max_retries: int = Field(C.DEFAULT_MAX_RETRIES, ge=0, le=100)
    max_retry_wait_seconds: float = Field(C.DEFAULT_MAX_RETRY_WAIT_SECONDS, ge=0)
    backoff_base_seconds: float = Field(C.DEFAULT_BACKOFF_BASE_SECONDS, ge=0)
    backoff_cap_seconds: float = Field(C.DEFAULT_BACKOFF_CAP_SECONDS, ge=0)
    jitter: Literal["full", "none"] = C.DEFAULT_JITTER  # type: ignore[assignment]
    retry_after_default_seconds: float = Field(C.DEFAULT_RETRY_AFTER_SECONDS, ge=0)
    retry_after_min_seconds: float = Field(C.MIN_RETRY_AFTER_SECONDS, ge=0)
    retry_after_max_seconds: float = Field(C.MAX_RETRY_AFTER_SECONDS, ge=0)

    # throttling
    requests_per_second: float | None = Field(
        C.DEFAULT_REQUESTS_PER_SECOND,
        ge=0,
        description="ceiling of the adaptive rate; unset = find the server's limit; 0 = no client rate limit",
    )
    rate_control: Literal["adaptive", "legacy"] = C.DEFAULT_RATE_CONTROL  # type: ignore[assignment]
    burst: int = Field(C.DEFAULT_BURST, ge=1)
    max_concurrency: int = Field(C.DEFAULT_MAX_CONCURRENCY, ge=1, le=256)

    # paging
    page_size: int = Field(C.DEFAULT_PAGE_SIZE, ge=1, le=1000)

    # timeouts
    timeout_seconds: float = Field(C.DEFAULT_TIMEOUT_SECONDS, gt=0)
    connect_timeout_seconds: float = Field(C.DEFAULT_CONNECT_TIMEOUT_SECONDS, gt=0)

    # auth
    token_refresh_margin_seconds: float = Field(C.TOKEN_REFRESH_MARGIN_SECONDS, ge=0)

    # credentials (``webex:token``, ``webex:orgId``, ``webex:serviceApp*``, ``webex:mintingToken``):
    # the secret ones never appear in repr, ``model_dump`` or :meth:`to_config`.
    token: str | None = Field(None, repr=False, exclude=True, description="admin (bearer) token")
    org_id: str | None = None
    service_app_id: str | None = None
    service_app_client_id: str | None = None
    service_app_client_secret: str | None = Field(None, repr=False, exclude=True)
    minting_token: str | None = Field(
        None, repr=False, exclude=True, description="integration token that mints the Service App's org token"
    )

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        return validate_base_url(value)

    @field_validator("jitter", mode="before")
    @classmethod
    def _lower_jitter(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _check_bounds(self) -> "ClientSettings":
        if self.retry_after_min_seconds > self.retry_after_max_seconds:
            raise ValueError("retryAfterMinSeconds must not exceed retryAfterMaxSeconds")
        if self.backoff_base_seconds > self.backoff_cap_seconds:
            raise ValueError("backoffBaseSeconds must not exceed backoffCapSeconds")
        return self

    def token_source(self) -> "str | ServiceAppToken | None":
        """The credentials as :class:`WebexClient` takes them: the Service App (all four of its
        keys and ``orgId`` required, else ``ValueError`` naming the missing ones), else the token."""
        if self.service_app_id:
            from ._auth import ServiceAppToken

            missing = [
                k
                for k, v in (
                    ("serviceAppClientId", self.service_app_client_id),
                    ("serviceAppClientSecret", self.service_app_client_secret),
                    ("mintingToken", self.minting_token),
                    ("orgId", self.org_id),
                )
                if not v
            ]
            if missing:
                raise ValueError("Service App credentials are incomplete: set " + ", ".join(f"webex:{k}" for k in missing))
            # All four are set (checked just above); `or ""` only tells the type checker so.
            return ServiceAppToken(
                self.service_app_id,
                self.service_app_client_id or "",
                self.service_app_client_secret or "",
                self.org_id or "",
                minting_token=self.minting_token,
            )
        return self.token

    def with_updates(self, **changes: Any) -> "ClientSettings":
        """A validated copy with some fields changed (``model_copy`` does not validate)."""
        return type(self).model_validate({**dict(self), **changes})

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None = None, **overrides: Any) -> "ClientSettings":
        """Build settings from a Pulumi-style config mapping.

        ``{"webex:maxRetries": "3", "pageSize": 50}`` → ``max_retries=3, page_size=50``.
        Keys of another namespace (``aws:region``) and unknown keys are ignored; invalid
        values raise ``pydantic.ValidationError`` (a ``ValueError``) naming the key.
        """
        known = set(cls.model_fields)
        values: dict[str, Any] = {}
        for raw_key, value in (config or {}).items():
            key = str(raw_key)
            if ":" in key:
                namespace, _, key = key.partition(":")
                if namespace != CONFIG_NAMESPACE:
                    continue
            name = key if key in known else to_snake(key)
            if name in known and value is not None and value != "":
                values[name] = value
        values.update(overrides)
        return cls.model_validate(values)

    def to_config(self) -> dict[str, str]:
        """Inverse of :meth:`from_config` (``webex:``-prefixed camelCase keys, str values)."""
        return {f"{CONFIG_NAMESPACE}:{to_camel(k)}": str(v) for k, v in self.model_dump().items() if v is not None}
