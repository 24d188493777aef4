"""Meeting sites: site list, default site, common settings (docs/webex-behaviour.md "Sites")."""

from __future__ import annotations

from .conftest import bearer, mint

ADMIN = "ada.admin@acme.example.com"
CLASSIC_ONLY = "alice.lopez133@acme.example.com"  # messaging + classic
SETTINGS = "/v1/admin/meeting/config/commonSettings"


def test_site_list_has_exactly_one_default(app_client):
    sites = app_client.get("/v1/meetingPreferences/sites").json()["sites"]
    assert [s["siteUrl"] for s in sites] == ["acme-classic.webex.com", "acme.webex.com"]
    assert [s["default"] for s in sites] == [False, True]  # Ada prefers the new site


def test_admin_reads_another_users_sites_on_the_site_named_by_site_url(app_client):
    sites = app_client.get(
        "/v1/meetingPreferences/sites", params={"userEmail": CLASSIC_ONLY, "siteUrl": "acme-classic.webex.com"}
    ).json()["sites"]
    assert sites == [{"siteUrl": "acme-classic.webex.com", "default": True}]


def test_admin_lookup_without_site_url_searches_only_the_admins_default_site(app_client):
    # Ada's default is acme.webex.com; the user is only on the classic site ([SM] siteUrl).
    r = app_client.get("/v1/meetingPreferences/sites", params={"userEmail": CLASSIC_ONLY})
    assert r.status_code == 404


def test_non_admin_cannot_read_other_users_sites(app_client):
    tok = mint(app_client, CLASSIC_ONLY, ["meeting:preferences_read"])
    r = app_client.get("/v1/meetingPreferences/sites", params={"userEmail": ADMIN}, headers=bearer(tok))
    assert r.status_code == 403
    assert r.json()["errors"][0]["description"] == "Not permitted to view or change other user's preferences."
    own = app_client.get("/v1/meetingPreferences/sites", headers=bearer(tok))
    assert own.status_code == 200 and len(own.json()["sites"]) == 1


def test_user_can_only_default_to_a_site_they_can_access(app_client):
    r = app_client.put(
        "/v1/meetingPreferences/sites",
        params={"defaultSite": "true", "userEmail": CLASSIC_ONLY},
        json={"siteUrl": "acme.webex.com"},
    )
    assert r.status_code == 400


def test_put_default_site_switches_the_default(app_client):
    r = app_client.put("/v1/meetingPreferences/sites", params={"defaultSite": "true"}, json={"siteUrl": "acme-classic.webex.com"})
    assert r.status_code == 200 and r.json() == {"siteUrl": "acme-classic.webex.com", "default": True}
    sites = app_client.get("/v1/meetingPreferences/sites").json()["sites"]
    assert [s["siteUrl"] for s in sites if s["default"]] == ["acme-classic.webex.com"]


def test_put_default_site_requires_the_default_site_param(app_client):
    r = app_client.put("/v1/meetingPreferences/sites", json={"siteUrl": "acme.webex.com"})
    assert r.status_code == 400


def test_losing_the_preferred_sites_license_moves_the_default(app, app_client):
    lic = app.state.seed_summary["orgs"][0]["licenses"]
    app_client.patch(
        "/v1/licenses/users", json={"email": ADMIN, "licenses": [{"id": lic["new-meetings"], "operation": "remove"}]}
    )
    sites = app_client.get("/v1/meetingPreferences/sites").json()["sites"]
    assert sites == [{"siteUrl": "acme-classic.webex.com", "default": True}]


def test_common_settings_get_returns_seeded_overrides_merged_on_defaults(app_client):
    s = app_client.get(SETTINGS, params={"siteUrl": "acme-classic.webex.com"}).json()
    assert s["defaultSchedulerOptions"]["entryAndExitTone"] == "AnnounceName"
    assert s["defaultSchedulerOptions"]["telephonySupport"] == "WebexTeleconferencing"
    assert s["securityOptions"]["joinBeforeHost"] is False
    assert set(s) == {"siteOptions", "telephonyConfig", "defaultSchedulerOptions", "scheduleMeetingOptions", "securityOptions"}


def test_common_settings_patch_merges_and_persists(app_client):
    r = app_client.patch(
        SETTINGS,
        json={
            "scheduleMeetingOptions": {"emailReminders": False},
            "securityOptions": {"passwordCriteria": {"minLength": 10, "disallowValues": ["pwd"]}},
        },
    )
    assert r.status_code == 200
    s = app_client.get(SETTINGS, params={"siteUrl": "acme.webex.com"}).json()
    assert s["scheduleMeetingOptions"]["emailReminders"] is False
    assert s["securityOptions"]["passwordCriteria"]["minLength"] == 10
    assert s["securityOptions"]["passwordCriteria"]["mixedCase"] is True  # untouched


def test_common_settings_rejects_repeated_disallow_values(app_client):
    r = app_client.patch(SETTINGS, json={"securityOptions": {"passwordCriteria": {"disallowValues": ["a", "a"]}}})
    assert r.status_code == 400
    assert r.json()["errors"][0]["description"] == "Repeated items are not allowed in disallowValues."


def test_common_settings_rejects_bad_enum_type_and_range(app_client):
    for body in (
        {"defaultSchedulerOptions": {"entryAndExitTone": "Loud"}},
        {"siteOptions": {"allowCustomPersonalRoomURL": "yes"}},
        {"securityOptions": {"passwordCriteria": {"minLength": 13}}},
        {"unknownSection": {}},
        {"telephonyConfig": {"allowCallIn": False}},
    ):
        r = app_client.patch(SETTINGS, json=body)
        assert r.status_code == 400, body


def test_common_settings_audio_before_host_needs_join_before_host(app_client):
    r = app_client.patch(SETTINGS, json={"securityOptions": {"joinBeforeHost": False, "audioBeforeHost": True}})
    assert r.status_code == 400


def test_common_settings_patch_lands_on_the_callers_default_site_whatever_the_query_says():
    from tests.emulator.conftest import lax_client

    c = lax_client()
    before = c.get(SETTINGS, params={"siteUrl": "acme-classic.webex.com"}).json()
    r = c.patch(
        SETTINGS, params={"siteUrl": "acme-classic.webex.com"}, json={"scheduleMeetingOptions": {"emailReminders": False}}
    )
    assert r.status_code == 200  # the live-like emulator serves it ...
    assert c.get(SETTINGS, params={"siteUrl": "acme-classic.webex.com"}).json() == before
    assert c.get(SETTINGS).json()["scheduleMeetingOptions"]["emailReminders"] is False  # ... elsewhere
    counted = c.get("/_emulator/requests/violations").json()["routes"]
    assert counted["PATCH /v1/admin/meeting/config/commonSettings"]["examples"] == [
        "query siteUrl: is not a parameter of this operation"
    ]


def test_strict_contract_rejects_site_url_on_common_settings_patch(app_client):
    r = app_client.patch(
        SETTINGS, params={"siteUrl": "acme.webex.com"}, json={"scheduleMeetingOptions": {"emailReminders": False}}
    )
    assert r.status_code == 400 and "siteUrl" in r.json()["errors"][0]["description"]


def test_common_settings_unknown_site_is_404_and_default_is_callers_site(app_client):
    assert app_client.get(SETTINGS, params={"siteUrl": "nope.webex.com"}).status_code == 404
    s = app_client.get(SETTINGS).json()  # Ada's preferred site acme.webex.com: spec defaults
    assert s["defaultSchedulerOptions"]["entryAndExitTone"] == "Beep"


def test_common_settings_need_a_full_admin(app_client):
    tok = mint(app_client, "uma.useradmin@acme.example.com", ["meeting:admin_config_read"])
    assert app_client.get(SETTINGS, params={"siteUrl": "acme.webex.com"}, headers=bearer(tok)).status_code == 403
