"""ClientSettings: defaults from _constants, Pulumi config mapping, base URL safety."""

from __future__ import annotations

import httpx
import pytest

from webex_client import ClientSettings, WebexClient
from webex_client import _constants as C

from .conftest import TOKEN


def test_settings_defaults_come_from_constants():
    s = ClientSettings()
    assert s.base_url == C.DEFAULT_BASE_URL
    assert s.max_retries == C.DEFAULT_MAX_RETRIES
    assert s.max_retry_wait_seconds == C.DEFAULT_MAX_RETRY_WAIT_SECONDS
    assert s.backoff_base_seconds == C.DEFAULT_BACKOFF_BASE_SECONDS
    assert s.backoff_cap_seconds == C.DEFAULT_BACKOFF_CAP_SECONDS
    assert s.retry_after_default_seconds == C.DEFAULT_RETRY_AFTER_SECONDS
    assert (s.retry_after_min_seconds, s.retry_after_max_seconds) == (C.MIN_RETRY_AFTER_SECONDS, C.MAX_RETRY_AFTER_SECONDS)
    assert s.requests_per_second == C.DEFAULT_REQUESTS_PER_SECOND
    assert s.burst == C.DEFAULT_BURST
    assert s.max_concurrency == C.DEFAULT_MAX_CONCURRENCY
    assert s.page_size == C.DEFAULT_PAGE_SIZE
    assert s.timeout_seconds == C.DEFAULT_TIMEOUT_SECONDS
    assert s.token_refresh_margin_seconds == C.TOKEN_REFRESH_MARGIN_SECONDS


def test_from_config_accepts_prefixed_and_bare_camel_case_keys():
    s = ClientSettings.from_config(
        {
            "webex:maxRetries": "3",
            "webex:requestsPerSecond": "2.5",
            "maxConcurrency": 6,
            "webex:pageSize": "50",
            "webex:maxRetryWaitSeconds": "90",
            "timeoutSeconds": "12",
            "token_refresh_margin_seconds": "60",
        }
    )
    assert s.max_retries == 3
    assert s.requests_per_second == 2.5
    assert s.max_concurrency == 6
    assert s.page_size == 50
    assert s.max_retry_wait_seconds == 90
    assert s.timeout_seconds == 12
    assert s.token_refresh_margin_seconds == 60


def test_from_config_ignores_other_namespaces_and_unknown_keys():
    s = ClientSettings.from_config({"aws:maxRetries": "1", "webex:token": "secret-token-value", "webex:orgId": "x"})
    assert s.max_retries == C.DEFAULT_MAX_RETRIES


def test_from_config_rejects_invalid_values_naming_the_key():
    with pytest.raises(ValueError, match="max_concurrency|maxConcurrency"):
        ClientSettings.from_config({"webex:maxConcurrency": "0"})
    with pytest.raises(ValueError):
        ClientSettings.from_config({"webex:maxRetries": "many"})


def test_to_config_round_trips():
    s = ClientSettings(max_retries=2, page_size=10)
    assert ClientSettings.from_config(s.to_config()) == s


@pytest.mark.parametrize(
    "url",
    [
        "http://webexapis.com/v1",
        "http://10.0.0.5:8080/v1",
        "http://example.internal/v1",
        "http://127.example.com/v1",
    ],
)
def test_http_rejected_for_non_loopback_base_url(url):
    with pytest.raises(ValueError, match="https"):
        ClientSettings(base_url=url)
    with pytest.raises(ValueError, match="https"):
        WebexClient(TOKEN, base_url=url)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8765/v1",
        "http://127.4.5.6/v1",
        "http://[::1]:9000/v1",
        "http://localhost:8765/v1",
        "https://webexapis.com/v1/",
    ],
)
def test_http_allowed_only_for_loopback_or_https(url):
    assert ClientSettings(base_url=url).base_url == url.rstrip("/")


@pytest.mark.parametrize("url", ["ftp://webexapis.com/v1", "webexapis.com/v1", "https://x/v1?a=b"])
def test_other_schemes_and_queries_are_rejected(url):
    with pytest.raises(ValueError):
        ClientSettings(base_url=url)


def test_base_url_is_used_for_requests():
    seen = []
    client = WebexClient(
        TOKEN,
        base_url="http://127.0.0.1:8765/v1",
        transport=httpx.MockTransport(lambda r: seen.append(r) or httpx.Response(200, json={"id": "x"})),
    )
    client.people.me()
    assert str(seen[0].url) == "http://127.0.0.1:8765/v1/people/me"


def test_settings_flow_into_the_client():
    client = WebexClient.from_config(
        {"webex:maxConcurrency": "3", "webex:requestsPerSecond": "0", "webex:maxRetries": "2", "webex:timeoutSeconds": "7"},
        token=TOKEN,
    )
    assert client.throttle.limiter.max_concurrency == 3
    assert not client.throttle.bucket.enabled
    assert client.retry_policy.max_retries == 2
    assert client._http.timeout.read == 7


def test_token_defaults_to_environment(monkeypatch):
    monkeypatch.setenv(C.TOKEN_ENV_VAR, TOKEN)
    assert WebexClient().token_source.get_token() == TOKEN
    monkeypatch.delenv(C.TOKEN_ENV_VAR)
    with pytest.raises(ValueError):
        WebexClient()
