"""ServiceApp through the real engine: authorization, org token, renewal, guests, no leaks."""

import json

import pytest
from pulumi.automation.errors import CommandError

from webex_emulator.testing import EmulatorServer
from harness import WebexStack

APP_SECRET = "client-secret-7d3f1a9c2b"


def _app_yaml(app, renew: int | None = None, guests: bool = True) -> str:
    text = f"""\
serviceApps:
  provisioning:
    owner: platform@acme.example.com
    applicationId: {app["id"]}
    clientId: {app["clientId"]}
    clientSecretConfig: provisioningClientSecret
    scopes: [spark-admin:people_read, guest-issuer:write]
"""
    if renew is not None:
        text += f"    renewBeforeSeconds: {renew}\n"
    if guests:
        text += "    guests:\n      - subject: auditor-1\n        displayName: Visiting Auditor\n"
    return text


def _resource(st, revealed: bool):
    state = json.loads(st.export(show_secrets=revealed))
    return next(r for r in state["deployment"]["resources"] if r["type"].endswith("webex:ServiceApp"))


def _plain(v):
    return json.loads(v["plaintext"]) if isinstance(v, dict) and "plaintext" in v else v


APP_SCOPES = ["spark-admin:people_read", "guest-issuer:write", "guest-issuer:read"]
ADMIN_EMAIL = "ada.admin@acme.example.com"


def _stack(tmp_path, emu, minting_scopes: list[str] | None):
    config = {"webex:orgId": emu.org_id, "webex-iac:provisioningClientSecret": (APP_SECRET,)}
    if minting_scopes is not None:  # an integration's token: what webex:mintingToken holds
        config["webex:mintingToken"] = (emu.mint_token(ADMIN_EMAIL, minting_scopes),)
    return WebexStack(tmp_path / "project", emu, extra_config=config)


@pytest.fixture
def app_stack(tmp_path):
    with EmulatorServer(seed="sample") as emu:
        app = emu.register_service_app("provisioning", APP_SCOPES, client_secret=APP_SECRET)
        yield emu, app, _stack(tmp_path, emu, ["spark:applications_token"])


def test_service_app_without_a_minting_token_fails_preview_saying_what_to_configure(tmp_path):
    with EmulatorServer(seed="sample") as emu:
        app = emu.register_service_app("provisioning", APP_SCOPES, client_secret=APP_SECRET)
        emu.authorize_service_app(app["id"])
        st = _stack(tmp_path, emu, None)
        st.write(_app_yaml(app, guests=False))
        with pytest.raises(CommandError) as err:
            st.preview()
        text = str(err.value)
        assert "webex:mintingToken is not set" in text and "spark:applications_token" in text
        assert not emu.request_log(method="POST", path_prefix="/v1/applications")


def test_minting_token_without_the_scope_is_told_apart_from_a_missing_authorization(tmp_path):
    with EmulatorServer(seed="sample") as emu:
        app = emu.register_service_app("provisioning", APP_SCOPES, client_secret=APP_SECRET)
        emu.authorize_service_app(app["id"])
        st = _stack(tmp_path, emu, ["spark:people_read"])
        st.write(_app_yaml(app, guests=False))
        with pytest.raises(CommandError) as err:
            st.up()
        text = str(err.value)
        assert "lacks the scope spark:applications_token" in text
        assert "Control Hub" not in text and APP_SECRET not in text


def test_unauthorized_service_app_error_says_what_to_authorize_in_control_hub(app_stack):
    emu, app, st = app_stack
    st.write(_app_yaml(app))
    with pytest.raises(CommandError) as err:
        st.up()
    text = str(err.value)
    assert f"Service App {app['id']}" in text and "is not authorized for org" in text
    assert "Control Hub > Apps > Service Apps" in text and "Authorize" in text
    assert APP_SECRET not in text


def test_authorized_app_mints_a_secret_org_token_and_issues_guests(app_stack):
    emu, app, st = app_stack
    emu.authorize_service_app(app["id"])
    st.write(_app_yaml(app))
    st.up()
    revealed = _resource(st, revealed=True)["outputs"]
    token = _plain(revealed["accessToken"])
    guest_token = _plain(revealed["guestTokens"])["auditor-1"]
    # The minted token is a working org token of the app: it can read the guest count.
    r = emu.client(token=token).get(f"{emu.base_url}/guests/count")
    assert r.status_code == 200 and int(r.text) == 1
    # The scopes the org granted, from the OAuth answer's `scope` (the mint answer has none).
    assert revealed["grantedScopes"] == sorted(APP_SCOPES)
    plain = st.export(show_secrets=False)
    backend = st.backend_bytes()
    config = b"".join(p.read_bytes() for p in (st.root / "stacks").glob("Pulumi.*.yaml"))
    for secret in (token, _plain(revealed["refreshToken"]), guest_token, APP_SECRET):
        assert secret not in plain and secret.encode() not in backend and secret.encode() not in config
    st.preview(expect_no_changes=True)


def test_token_near_expiry_is_renewed_on_up(app_stack):
    emu, app, st = app_stack
    emu.authorize_service_app(app["id"])
    st.write(_app_yaml(app, guests=False))
    st.up()
    first = _plain(_resource(st, revealed=True)["outputs"]["accessToken"])
    st.preview(expect_no_changes=True)
    # Renew when less than two days are left: the fresh token (hours) is already "near expiry".
    st.write(_app_yaml(app, renew=2 * 24 * 3600, guests=False))
    assert st.preview().change_summary.get("update") == 1
    st.up()
    outs = _resource(st, revealed=True)["outputs"]
    assert _plain(outs["accessToken"]) != first
    assert outs["tokenRenewals"] == 1


def test_drift_check_reports_a_due_token_renewal_but_fails_on_real_drift(app_stack):
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    emu, app, st = app_stack
    emu.authorize_service_app(app["id"])
    shutil.copy(Path(__file__).resolve().parents[2] / "__main__.py", st.root / "__main__.py")
    hosts = emu.seed_summary["orgs"][0]["spaceMeetingHosts"][:2]
    st.write(
        _app_yaml(app, renew=10 * 24 * 3600, guests=False)
        + f"""\
licenses:
  hosts:
    owner: platform@acme.example.com
    pools:
      - license: {{siteUrl: acme.webex.com}}
        exclusive: false
        users: [{hosts[0]}, {hosts[1]}]
"""
    )
    st.up()
    env = {**os.environ, **st.settings.env(st.name)}
    check = [sys.executable, "-m", "webex_iac", "preview", "--stack", st.name, "--project-dir", str(st.root), "--expect-no-drift"]
    quiet = subprocess.run(check, env=env, capture_output=True, text=True)
    assert quiet.returncode == 0, quiet.stderr
    assert "token renewal due (not drift)" in quiet.stdout and "webex:ServiceApp::provisioning" in quiet.stdout
    # Control Hub: someone takes a declared holder's license away.
    lic = emu.seed_summary["orgs"][0]["licenses"]["new-meetings"]
    assert (
        emu.client()
        .patch(f"{emu.base_url}/licenses/users", json={"email": hosts[0], "licenses": [{"id": lic, "operation": "remove"}]})
        .status_code
        == 200
    )
    drifted = subprocess.run(check, env=env, capture_output=True, text=True)
    assert drifted.returncode == 3
    assert "update: urn:pulumi:e2e::webex-iac::pulumi-python:dynamic/webex:LicenseDistribution::hosts" in drifted.stderr
