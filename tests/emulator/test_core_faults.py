"""Fault injection: script, before/after (outcome unknown), drops, probabilities, latency."""

from __future__ import annotations

import time

import httpx
import pytest

from webex_emulator.core.app import ConnectionDropped

HOST = "chen.jensen111@acme.example.com"


def lid(app) -> str:
    return app.state.seed_summary["orgs"][0]["licenses"]["new-meetings"]


def holds(c, lic: str) -> bool:
    p = c.get("/v1/people", params={"email": HOST}).json()["items"][0]
    return lic in p["licenses"]


def add(c, lic: str):
    return c.patch("/v1/licenses/users", json={"email": HOST, "licenses": [{"id": lic}]})


def root_client(emu) -> httpx.Client:
    return httpx.Client(base_url=emu.root_url, headers={"Authorization": f"Bearer {emu.admin_token}"})


def test_scripted_fault_before_is_not_applied(app, app_client):
    app_client.put("/_emulator/faults", json={"script": [{"status": 503, "method": "PATCH"}]})
    r = add(app_client, lid(app))
    assert r.status_code == 503 and r.json()["trackingId"] == r.headers["trackingid"]
    assert not holds(app_client, lid(app))
    assert add(app_client, lid(app)).status_code == 200  # script consumed
    assert holds(app_client, lid(app))


def test_scripted_fault_after_is_applied_but_client_sees_502(app, app_client):
    app_client.put(
        "/_emulator/faults", json={"script": [{"status": 502, "when": "after", "method": "PATCH", "path": "/licenses/users"}]}
    )
    r = add(app_client, lid(app))
    assert r.status_code == 502
    assert holds(app_client, lid(app))  # outcome unknown: applied
    log = app_client.get("/_emulator/requests/log", params={"method": "PATCH"}).json()["items"]
    assert log[-1]["status"] == 502 and log[-1]["applied"] is True and log[-1]["fault"] == "502 after"


def test_script_is_a_queue_applied_to_the_next_matching_requests_in_order(app_client):
    app_client.post(
        "/_emulator/faults/script",
        json=[
            {"status": 429, "retryAfter": 7, "method": "GET", "path": "/v1/people"},
            {"status": 500, "method": "GET", "path": "/v1/people"},
            {"status": 423, "method": "GET", "path": "/v1/people"},
        ],
    )
    assert app_client.get("/v1/licenses").status_code == 200  # not matching: untouched
    r1 = app_client.get("/v1/people/me")
    assert r1.status_code == 429 and r1.headers["retry-after"] == "7"
    assert [app_client.get("/v1/people/me").status_code for _ in range(3)] == [500, 423, 200]
    assert app_client.get("/_emulator/faults").json()["script"] == []


def test_in_process_drop_raises_so_the_client_sees_a_failure(app, app_client):
    app_client.put("/_emulator/faults", json={"script": [{"status": "drop", "when": "after"}]})
    with pytest.raises(ConnectionDropped):
        add(app_client, lid(app))
    assert holds(app_client, lid(app))


def test_dropped_connection_after_write_over_real_http(emu):
    lic = emu.seed_summary["orgs"][0]["licenses"]["new-meetings"]
    emu.set_faults(script=[{"status": "drop", "when": "after", "method": "PATCH"}])
    with root_client(emu) as c:
        with pytest.raises(httpx.TransportError):
            add(c, lic)
        assert holds(c, lic)
    log = emu.request_log(method="PATCH")
    assert log[-1]["dropped"] is True and log[-1]["applied"] is True


def test_dropped_connection_before_write_over_real_http_is_not_applied(emu):
    lic = emu.seed_summary["orgs"][0]["licenses"]["new-meetings"]
    emu.set_faults(script=[{"status": "drop", "method": "PATCH"}])
    with root_client(emu) as c:
        with pytest.raises(httpx.TransportError):
            add(c, lic)
        assert not holds(c, lic)
        assert add(c, lic).status_code == 200  # the connection pool recovers


def test_probabilistic_faults_are_reproducible_with_a_seed(app_client):
    cfg = {"seed": 1234, "rules": [{"status": 500, "probability": 0.5, "method": "GET"}]}

    def run() -> list[int]:
        app_client.put("/_emulator/faults", json=cfg)
        return [app_client.get("/v1/licenses").status_code for _ in range(30)]

    first, second = run(), run()
    assert first == second and 500 in first and 200 in first


def test_fault_rules_scope_by_method_and_path(app_client):
    app_client.put("/_emulator/faults", json={"rules": [{"status": 503, "method": "GET", "path": "/licenses"}]})
    assert app_client.get("/v1/licenses").status_code == 503
    assert app_client.get("/v1/people/me").status_code == 200
    assert app_client.get("/_emulator/health").status_code == 200
    app_client.delete("/_emulator/faults")
    assert app_client.get("/v1/licenses").status_code == 200


def test_latency_is_added(app_client):
    app_client.put("/_emulator/faults", json={"latency": {"ms": 150, "path": "/v1/people"}})
    t = time.perf_counter()
    app_client.get("/v1/people/me")
    assert time.perf_counter() - t >= 0.14
    t = time.perf_counter()
    app_client.get("/v1/licenses")
    assert time.perf_counter() - t < 0.14


def test_invalid_fault_config_is_rejected(app_client):
    r = app_client.put("/_emulator/faults", json={"rules": [{"status": 418}]})
    assert r.status_code == 400


def test_faults_configurable_at_start():
    from starlette.testclient import TestClient

    from webex_emulator import create_app

    app = create_app(seed="sample", admin_token="t", faults={"script": [{"status": 503}]})
    c = TestClient(app, headers={"Authorization": "Bearer t"})
    assert c.get("/v1/people/me").status_code == 503
    assert c.get("/v1/people/me").status_code == 200
