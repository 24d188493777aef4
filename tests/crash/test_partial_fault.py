"""The emulator's 206 fault (webex_emulator/core/faults.py, added for the crash tests): one license item
of a multi-license PATCH /licenses/users is not applied, the rest is, and the answer is a 206
carrying the person's real licenses."""

from __future__ import annotations

import warnings

import pytest

warnings.filterwarnings("ignore", message=".*httpx.*starlette.testclient.*")
from starlette.testclient import TestClient  # noqa: E402

from webex_emulator import create_app  # noqa: E402
from webex_emulator.testing import allow_test_client  # noqa: E402
from webex_client import PartialContentError, WebexClient  # noqa: E402
from webex_client.types import LicenseAssignmentRequest  # noqa: E402

TOKEN = "partial-fault-admin-token"
SEED = {
    "orgs": [
        {
            "key": "p",
            "displayName": "Partial Ltd",
            "domain": "p.example.com",
            "licenses": [
                {"key": "a", "offerCode": "MC", "name": "Meeting A", "siteUrl": "a.p.example.com", "totalUnits": 5},
                {"key": "b", "offerCode": "EE", "name": "Meeting B", "siteUrl": "b.p.example.com", "totalUnits": 5},
            ],
            "people": [
                {"email": "admin@p.example.com", "displayName": "Admin", "roles": ["full_admin"]},
                {"email": "mover@p.example.com", "displayName": "Mover", "licenses": ["a"]},
            ],
        }
    ]
}


@pytest.fixture
def api():
    app = allow_test_client(create_app(seed=SEED, admin_token=TOKEN))
    with TestClient(app, base_url="http://testserver", headers={"Authorization": f"Bearer {TOKEN}"}) as c:
        yield c, app.state.seed_summary["orgs"][0]["licenses"]


def licenses_of(c) -> list[str]:
    return c.get("/v1/people", params={"email": "mover@p.example.com"}).json()["items"][0]["licenses"]


def move(a: str, b: str) -> dict:
    return {"email": "mover@p.example.com", "licenses": [{"id": a, "operation": "remove"}, {"id": b, "operation": "add"}]}


def test_206_withholds_the_add_applies_the_remove_and_answers_with_the_real_result(api):
    c, lic = api
    c.put("/_emulator/faults", json={"script": [{"status": 206, "method": "PATCH", "path": "/licenses/users"}]})
    r = c.patch("/v1/licenses/users", json=move(lic["a"], lic["b"]))
    assert r.status_code == 206
    assert r.json()["licenses"] == [] == licenses_of(c), "remove applied, add not"
    counts = {l["siteUrl"]: l["consumedUnits"] for l in c.get("/v1/licenses").json()["items"]}
    assert counts == {"a.p.example.com": 0, "b.p.example.com": 0}
    entry = c.get("/_emulator/requests/log", params={"method": "PATCH"}).json()["items"][-1]
    assert entry["fault"] == "206 partial" and entry["applied"] is True
    assert len(entry["body"]["licenses"]) == 2, "the log shows what the client sent"
    # The script entry is used up: the retry goes through whole.
    assert c.patch("/v1/licenses/users", json=move(lic["a"], lic["b"])).status_code == 200
    assert licenses_of(c) == [lic["b"]]


def test_206_does_not_touch_a_single_item_request(api):
    c, lic = api
    c.put("/_emulator/faults", json={"rules": [{"status": 206, "method": "PATCH"}]})
    r = c.patch("/v1/licenses/users", json={"email": "mover@p.example.com", "licenses": [{"id": lic["b"]}]})
    assert r.status_code == 200 and sorted(licenses_of(c)) == sorted([lic["a"], lic["b"]])


def test_the_client_reports_the_206_as_a_partial_failure_naming_the_license(api):
    c, lic = api
    c.put("/_emulator/faults", json={"script": [{"status": 206, "method": "PATCH"}]})
    client = WebexClient(TOKEN, base_url="http://127.0.0.1/v1", http_client=c)
    with pytest.raises(PartialContentError) as err:
        client.licenses.assign(LicenseAssignmentRequest.model_validate(move(lic["a"], lic["b"])))
    assert err.value.failed_license_ids == [lic["b"]]
