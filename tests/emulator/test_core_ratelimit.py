"""Rate limiting: per-token bucket, 429 + integer Retry-After, request NOT processed."""

from __future__ import annotations

from .conftest import bearer, mint

HOST = "chen.jensen111@acme.example.com"


def new_license(app) -> str:
    return app.state.seed_summary["orgs"][0]["licenses"]["new-meetings"]


def test_429_has_integer_retry_after_and_webex_body_and_the_write_is_not_applied(app, app_client):
    lid = new_license(app)
    before = app_client.get(f"/v1/licenses/{lid}").json()["consumedUnits"]
    app_client.put("/_emulator/rate-limit", json={"rate": 0.01, "burst": 1})
    ok = app_client.get("/v1/people/me")  # takes the only token
    assert ok.status_code == 200
    r = app_client.patch("/v1/licenses/users", json={"email": HOST, "licenses": [{"id": lid}]})
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) >= 1 and r.headers["retry-after"].isdigit()
    body = r.json()
    assert body["message"] and body["errors"][0]["description"] and body["trackingId"]
    app_client.delete("/_emulator/rate-limit")
    assert app_client.get(f"/v1/licenses/{lid}").json()["consumedUnits"] == before
    log = app_client.get("/_emulator/requests/log", params={"method": "PATCH"}).json()["items"]
    assert log[-1]["status"] == 429 and log[-1]["applied"] is False


def test_rate_limit_is_per_token(app_client):
    app_client.put("/_emulator/rate-limit", json={"rate": 0.01, "burst": 2})
    other = mint(app_client, HOST, ["spark:people_read"])
    assert [app_client.get("/v1/people/me").status_code for _ in range(3)] == [200, 200, 429]
    assert app_client.get("/v1/people/me", headers=bearer(other)).status_code == 200


def test_bucket_refills_at_the_configured_rate(app_client):
    import time

    app_client.put("/_emulator/rate-limit", json={"rate": 20, "burst": 1})
    assert app_client.get("/v1/people/me").status_code == 200
    assert app_client.get("/v1/people/me").status_code == 429
    time.sleep(0.12)
    assert app_client.get("/v1/people/me").status_code == 200


def test_rate_limit_configurable_at_start_and_readable():
    from webex_emulator import create_app

    app = create_app(seed="sample", admin_token="t", rate_limit={"rate": 3, "burst": 5})
    assert app.runtime.rate_limiter.config.rate == 3 and app.runtime.rate_limiter.config.burst == 5


def test_control_routes_are_never_rate_limited(app_client):
    app_client.put("/_emulator/rate-limit", json={"rate": 0.01, "burst": 1})
    for _ in range(5):
        assert app_client.get("/_emulator/health").status_code == 200
    assert app_client.get("/_emulator/rate-limit").json()["rateLimit"] == {"rate": 0.01, "burst": 1}


def test_real_server_rate_limit_over_http(emu):
    emu.set_rate_limit(0.01, burst=2)
    with emu.client() as c:
        codes = [c.get("/people/me").status_code for _ in range(4)]
    assert codes == [200, 200, 429, 429]
    assert emu.request_counts_by_status()["GET /v1/people/me"] == {"200": 2, "429": 2}
