"""Logging and redaction.

Rule: no log line, exception text or repr produced by this package may contain a bearer
token, refresh token or client secret. Two complementary mechanisms enforce it:

* *pattern* redaction — ``Authorization`` headers, ``Bearer …`` strings and the JSON /
  form fields ``access_token``, ``refresh_token``, ``client_secret`` (and camelCase
  variants) are masked wherever they appear;
* *value* redaction — every secret the package handles (wrapped in
  :class:`~webex_client._secret.Secret`, or minted/refreshed tokens) is registered here,
  and its literal value is masked anywhere in the text, whatever the surrounding format.

All package log records go through the single ``webex_client`` logger, which carries a
:class:`RedactingFilter` (filters on a logger only see that logger's own records, which is
why the package does not use child loggers).
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from ._constants import LOGGER_NAME, REDACTED

# Secrets shorter than this are not value-redacted: masking every "abc" in a log line would
# destroy the line and such values are not real credentials anyway.
_MIN_SECRET_LENGTH = 8
_MAX_REGISTERED_SECRETS = 2048

_registry: "OrderedDict[str, None]" = OrderedDict()
_registry_lock = threading.Lock()

_SECRET_FIELDS = (
    "access_token|refresh_token|client_secret|accessToken|refreshToken|clientSecret"
    "|id_token|code_verifier|minting_token|mintingToken"
)
_JSON_FIELD_RE = re.compile(rf'("(?:{_SECRET_FIELDS})"\s*:\s*)"(?:[^"\\]|\\.)*"')
_PY_FIELD_RE = re.compile(rf"('(?:{_SECRET_FIELDS})'\s*:\s*)'[^']*'")
_FORM_FIELD_RE = re.compile(rf"((?:^|[?&\s])(?:{_SECRET_FIELDS})=)[^&\s\"']*")
_BEARER_RE = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=\-]+")
_AUTH_HEADER_RE = re.compile(r"(?i)('?authorization'?\s*[:=]\s*'?)[^,'}\n]+")


def register_secret(value: str | None) -> None:
    """Remember ``value`` so that :func:`redact` masks it anywhere it appears."""
    if not value or len(value) < _MIN_SECRET_LENGTH:
        return
    with _registry_lock:
        _registry[value] = None
        _registry.move_to_end(value)
        while len(_registry) > _MAX_REGISTERED_SECRETS:
            _registry.popitem(last=False)


def redact(text: object) -> str:
    """Return ``str(text)`` with every known secret and secret-looking field masked."""
    s = text if isinstance(text, str) else str(text)
    with _registry_lock:
        secrets = list(_registry)
    # Longest first so that a secret containing another one is masked whole.
    for secret in sorted(secrets, key=len, reverse=True):
        if secret in s:
            s = s.replace(secret, REDACTED)
    s = _JSON_FIELD_RE.sub(rf'\1"{REDACTED}"', s)
    s = _PY_FIELD_RE.sub(rf"\1'{REDACTED}'", s)
    s = _FORM_FIELD_RE.sub(rf"\1{REDACTED}", s)
    s = _AUTH_HEADER_RE.sub(rf"\1Bearer {REDACTED}", s)
    s = _BEARER_RE.sub(rf"\1{REDACTED}", s)
    return s


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Copy of ``headers`` safe to log: credentials replaced, everything else kept."""
    out: dict[str, str] = {}
    for key, value in headers.items():
        if key.lower() in {"authorization", "proxy-authorization", "cookie", "set-cookie"}:
            out[key] = REDACTED
        else:
            out[key] = redact(value)
    return out


def redact_data(data: Any) -> Any:
    """Deep copy of a JSON-like structure with secret fields masked (for error bodies)."""
    secret_keys = set(_SECRET_FIELDS.split("|"))
    if isinstance(data, Mapping):
        return {k: (REDACTED if k in secret_keys and v is not None else redact_data(v)) for k, v in data.items()}
    if isinstance(data, list):
        return [redact_data(v) for v in data]
    if isinstance(data, str):
        return redact(data)
    return data


class RedactingFilter(logging.Filter):
    """Formats the record's message eagerly and scrubs it (args included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # never let logging break a request
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            # Exception text is rendered later by the formatter; render it now, redacted.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def get_logger() -> logging.Logger:
    logger = logging.getLogger(LOGGER_NAME)
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(RedactingFilter())
    if not logger.handlers:
        # Library etiquette: no output unless the application configures logging.
        logger.addHandler(logging.NullHandler())
    return logger


logger = get_logger()
