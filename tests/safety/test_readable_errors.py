"""Every failure a user can cause or meet reads as a sentence (issue 15): which token, which
scope, which URL, what was or was not applied, what to do next."""

from __future__ import annotations

import socket

import pytest

from resources import _errors
from webex_client import ClientSettings, WebexClient
from webex_client._exceptions import APIConnectionError, AuthenticationError, OutcomeUnknownError, PermissionDeniedError, describe


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    return port


def test_connection_refused_on_loopback_gives_up_at_once_and_says_is_the_emulator_running():
    port = _closed_port()
    client = WebexClient("a-token", settings=ClientSettings(base_url=f"http://127.0.0.1:{port}/v1", max_retries=10))
    with pytest.raises(APIConnectionError) as err:
        client.people.me()
    assert err.value.attempts == 1  # not 11: nothing listens on this machine's port
    text = describe(err.value)
    assert text == (
        f"Cannot connect to http://127.0.0.1:{port}: connection refused. If this is the local "
        "emulator, it is not running: start it with `make emulator`. Nothing was sent."
    )


def test_401_names_the_token_setting():
    e = AuthenticationError(
        "The request requires a valid access token",
        status=401,
        method="GET",
        url="https://webexapis.com/v1/people?max=1000",
        tracking_id="T1",
    )
    assert describe(e, credentials="the admin token in webex:token") == (
        "Webex refused the admin token in webex:token (401 on GET /people): it is missing, expired or "
        "revoked. Set a valid one and run again; nothing was changed by this request (trackingId T1)."
    )


def test_403_names_the_scope_the_call_needs():
    e = PermissionDeniedError(
        "missing required scopes", status=403, method="PATCH", url="https://webexapis.com/v1/licenses/users"
    )
    text = describe(e, credentials="the admin token in webex:token")
    assert "lacks the scope spark-admin:people_write" in text and "PATCH /licenses/users" in text


def test_outcome_unknown_says_what_may_have_happened_and_what_to_do():
    e = OutcomeUnknownError("outcome unknown", method="POST", url="https://webexapis.com/v1/meetings")
    text = describe(e)
    assert "may or may not have been applied" in text and "Run the same command again" in text


def test_provider_errors_render_as_the_sentence_unless_debug(monkeypatch):
    try:
        try:
            raise AuthenticationError("bad", status=401, method="GET", url="http://127.0.0.1:1/v1/people")
        except AuthenticationError as inner:
            raise RuntimeError("while reading the org") from inner
    except RuntimeError:
        monkeypatch.delenv(_errors.DEBUG_ENV, raising=False)
        short = _errors._Traceback().format_exc()
        monkeypatch.setenv(_errors.DEBUG_ENV, "1")
        full = _errors._Traceback().format_exc()
    assert short.startswith("Webex refused") and "Traceback" not in short
    assert full.startswith("Traceback (most recent call last)")


def test_a_permission_error_a_provider_raises_reads_as_its_own_plain_sentence():
    said = (
        "Service App app-1 (client id c-1) is not authorized for org o-1: a Full Administrator of that "
        "org must open Control Hub > Apps > Service Apps, select the app and click Authorize."
    )
    assert _errors.sentence(PermissionError(said)) == said
    # An OS permission error (errno set) is not ours: it stays marked as unexpected.
    assert "an unexpected error" in _errors.sentence(PermissionError(13, "Permission denied", "/x"))


def test_the_403_scope_table_is_the_one_list_in_webex_client_scopes():
    from webex_client import scopes
    from webex_client._exceptions import needed_scope

    known = {**scopes.ADMIN_TOKEN_SCOPES, **scopes.MINTING_TOKEN_SCOPES, **scopes.OTHER_SCOPES}
    assert {s for _, _, s in scopes.ENDPOINT_SCOPES} <= set(known)
    # Every scope a stack's token needs names at least one call, so its 403 names it.
    assert set(scopes.ADMIN_TOKEN_SCOPES) <= {s for _, _, s in scopes.ENDPOINT_SCOPES}
    assert needed_scope("POST", "https://webexapis.com/v1/applications/a1/token") == (
        "spark:applications_token (on the minting token)"
    )
    assert needed_scope("GET", "https://webexapis.com/v1/admin/meeting/config/commonSettings?siteUrl=x") == (
        "meeting:admin_config_read (site admin)"
    )
