"""Errors a provider meets, as the sentence the user reads instead of a Python traceback.

The Python SDK's dynamic-provider server answers every exception with
``traceback.format_exc()`` (``pulumi/dynamic/__main__.py``, ``_abort_with_traceback``), and the
engine prints that text under the resource. :func:`install` replaces the ``traceback`` name that
server module looks up with one whose ``format_exc`` renders the exception as a sentence
(:func:`webex_client.describe` for Webex errors: which token, which scope, which URL, what
was or was not applied). ``WEBEX_IAC_DEBUG=1`` (``--debug``) keeps the full traceback.
One place, called from the provider's ``configure``; nothing else in the SDK is touched.
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any

from webex_client import WebexError, describe_error as describe

DEBUG_ENV = "WEBEX_IAC_DEBUG"

# Where the provider's token comes from, named in 401/403 messages; set by configure.
credentials = "the Webex token (webex:token)"


def debug() -> bool:
    return os.environ.get(DEBUG_ENV, "").lower() in ("1", "true", "yes")


def _webex_error(exc: BaseException | None) -> WebexError | None:
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, WebexError):
            return exc
        # `raise X from None` means X's own message already says it all (suppressed context).
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
        seen += 1
    return None


def sentence(exc: BaseException) -> str:
    """What the user reads for ``exc``."""
    webex = _webex_error(exc)
    if isinstance(exc, ValueError) and webex is not exc:
        return str(exc)  # ours (ConfigError, PlanError, validation): already a sentence
    if isinstance(exc, PermissionError) and exc.errno is None and webex is None:
        # Raised by a provider with its own sentence (e.g. a Service App not authorized for the
        # org); an OS permission error carries an errno and stays "unexpected".
        return str(exc)
    if webex is not None:
        return describe(webex, credentials=credentials)
    text = describe(exc)
    return f"{text} (an unexpected error in the provider; run with --debug for the Python traceback)"


class _Traceback:
    """The ``traceback`` module, except ``format_exc`` (see the module docstring)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(traceback, name)

    def format_exc(self, *args: Any, **kwargs: Any) -> str:
        exc = sys.exc_info()[1]
        if exc is None or debug():
            return traceback.format_exc(*args, **kwargs)
        try:
            return sentence(exc)
        except Exception:  # never lose the error because of its rendering
            return traceback.format_exc(*args, **kwargs)


def install() -> bool:
    """In a dynamic-provider process, render errors as sentences. True if installed."""
    for name in ("__main__", "pulumi.dynamic.__main__"):
        module = sys.modules.get(name)
        if module is not None and hasattr(module, "_abort_with_traceback"):
            if not isinstance(getattr(module, "traceback", None), _Traceback):
                setattr(module, "traceback", _Traceback())  # the SDK module's own global, replaced
            return True
    return False
