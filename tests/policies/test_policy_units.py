"""Pieces of the pack that need no engine: the secret-key table, the pack config's validation,
the ConfigureStack hook, and the lifeline that ends a pack whose engine died."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

from webex_iac.engine import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "policies"))

from webex_policy import packconfig  # noqa: E402
from webex_policy.context import install_configure_hook  # noqa: E402
from webex_policy.rules import DEFAULT_NOT_SECRET_KEYS, DEFAULT_SECRET_KEY_FRAGMENTS, _nested_secrets, secret_key_reason  # noqa: E402

SECRET = [
    "webex:token",
    "webex:mintingToken",
    "webex:serviceAppClientSecret",
    "webex-iac:migrationAppClientSecret",
    "webex-iac:partnerApiKey",
    "webex-iac:partner_api_key",
    "webex-iac:secretKey",
    "webex-iac:dbPasswd",
    "webex-iac:botTokenValue",
    "webex-iac:privateKeyPem",
    "webex-iac:SMTP_PASSWORD",
    "webex-iac:adminPwd",
    "webex-iac:vaultPassphrase",
    "webex-iac:awsAccessKeyId",
    "webex-iac:signingKey",
    "webex-iac:encryptionKey",
    "webex-iac:oauthCredentials",
    "webex-iac:bearer",
    "webex-iac:sessionCookie",
    "webex-iac:dbConnectionString",
    "webex-iac:sentryDsn",
    "webex-iac:jwtSigning",
    "webex-iac:clientCertPkcs12",
    "webex-iac:masterKey",
]
NOT_SECRET = [
    "webex:baseUrl",
    "webex:orgId",
    "webex:requestsPerSecond",
    "webex:maxRetries",
    "webex:pageSize",
    "webex:serviceAppId",
    "webex:serviceAppClientId",
    "webex-iac:siteLabel",
    "webex-iac:keynoteRoom",
    "webex-iac:timezone",
    "webex-iac:owner",
    "webex-iac:monkeyCount",
]


@pytest.mark.parametrize("key", SECRET)
def test_secret_looking_config_keys_are_recognised_by_fragment(key):
    assert secret_key_reason(key, DEFAULT_SECRET_KEY_FRAGMENTS), key


@pytest.mark.parametrize("key", NOT_SECRET)
def test_ordinary_config_keys_are_not_taken_for_secrets(key):
    assert secret_key_reason(key, DEFAULT_SECRET_KEY_FRAGMENTS) is None, key


def test_the_client_setting_with_token_in_its_name_is_listed_as_not_secret():
    assert secret_key_reason("webex:tokenRefreshMarginSeconds", DEFAULT_SECRET_KEY_FRAGMENTS)
    assert "webex:tokenRefreshMarginSeconds" in DEFAULT_NOT_SECRET_KEYS


def test_nested_secrets_are_found_at_any_depth_and_in_private_key_values():
    value = {
        "host": "db",
        "auth": {"user": "u", "password": "p"},
        "list": [{"apiKey": "k"}],
        "tls": "-----BEGIN RSA PRIVATE KEY-----\nMII...",
        "empty": {"token": ""},
    }
    assert _nested_secrets(value, DEFAULT_SECRET_KEY_FRAGMENTS) == ["auth.password", "list[0].apiKey", "tls"]


def test_pack_config_shapes_that_would_silently_do_nothing_are_refused():
    for text, why in [
        ("{", "not JSON"),
        ("[]", "must be an object"),
        ('{"protected-holder": {"protectedUsers": ["a@b.c"]}}', "'protected-holder' is not a policy"),
        ('{"ownership": "strict"}', "'strict' is not an enforcement level"),
        ('{"ownership": 3}', "expected a level or an object"),
    ]:
        with pytest.raises(ValueError, match=why):
            packconfig.parse(text)
    assert packconfig.parse((REPO_ROOT / "policies" / "config.json").read_text())


def test_an_unreadable_pack_config_is_an_error_not_the_defaults(tmp_path):
    try:
        assert packconfig.load_pack_config(tmp_path / "config.json") is None
        assert packconfig.ERROR and "cannot be read" in packconfig.ERROR
        (tmp_path / "config.json").write_text('{"all": "mandatory", "no-such-policy": "advisory"}')
        assert packconfig.load_pack_config(tmp_path / "config.json") is None
        assert "'no-such-policy' is not a policy of this pack" in packconfig.ERROR
    finally:
        packconfig.load_pack_config()
    assert packconfig.ERROR is None


def test_the_configure_stack_hook_still_fits_pulumi_policy():
    """pulumi-policy keeps only the stack tags of ConfigureStack; the hook must keep finding the
    method it wraps, or the secret-key list (no-plaintext-secrets) would be lost."""
    from pulumi_policy import policy as pp

    assert install_configure_hook() is True
    assert getattr(pp._PolicyAnalyzerServicer.ConfigureStack, "_webex_iac_hook", False)


def test_the_pack_exits_when_its_engine_stops_answering(tmp_path):
    engine = socket.socket()
    engine.bind(("127.0.0.1", 0))
    engine.listen()
    addr = f"127.0.0.1:{engine.getsockname()[1]}"
    pack = subprocess.Popen(
        [sys.executable, "-u", str(REPO_ROOT / "policies" / "__main__.py"), addr],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    try:
        port = pack.stdout.readline().strip()
        assert port.isdigit(), pack.stderr.read()
        time.sleep(1.5)
        assert pack.poll() is None, "the pack serves while its engine is alive"
        engine.close()
        pack.wait(timeout=15)
        assert pack.returncode == 0
    finally:
        if pack.poll() is None:
            pack.kill()
        engine.close()


def test_the_policy_section_is_only_taken_from_the_stack_file_the_run_was_declared_from(tmp_path):
    """A pack beside another checkout's stacks/ must not apply that checkout's policy section."""
    from webex_policy.context import Missing, StackContext
    from webex_policy.rules import Res

    (tmp_path / "policies").mkdir()
    (tmp_path / "Pulumi.yaml").write_text("name: webex-iac\nruntime: python\n")
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "s.yaml").write_text(
        "policy:\n  maxLicenseRemovals: 7\nmeetings:\n  weekly:\n    host: a@acme.example.com\n"
        "    siteUrl: acme.webex.com\n    title: t\n    start: 2027-01-04T10:00:00\n    durationMinutes: 30\n"
    )
    ctx = StackContext(pack_dir=tmp_path / "policies")
    ctx.configure(project="webex-iac", stack="s", config={}, secret_keys=set(), dry_run=True)
    same = [Res("StandingMeeting", "weekly", "urn:w", {})]
    assert ctx.settings(same).max_license_removals == 7
    other = [Res("StandingMeeting", "weekly", "urn:w", {}), Res("StandingMeeting", "standup", "urn:s", {})]
    with pytest.raises(Missing, match=r"does not declare StandingMeeting 'standup'; run"):
        ctx.settings(other)
    # Messages name where a resource is declared, from the file the pack read (inputs carry no file:line).
    assert ctx.locate("StandingMeeting", "weekly", {"title": "t"}) == {"title": "t", "source": "stacks/s.yaml:5"}
    assert ctx.locate("StandingMeeting", "standup", {}) == {}
    # The webex-iac program always declares from stacks/<stack>.yaml: without it, fail closed.
    missing = StackContext(pack_dir=tmp_path / "policies")
    missing.configure(project="webex-iac", stack="lib", config={}, secret_keys=set(), dry_run=True)
    with pytest.raises(Missing, match="the stack file stacks/lib.yaml"):
        missing.settings([Res("StandingMeeting", "m", "urn:m", {})])
    # Another project's program (library use) without a stack file gets the defaults.
    (tmp_path / "Pulumi.yaml").write_text("name: my-app\nruntime: python\n")
    library = StackContext(pack_dir=tmp_path / "policies")
    library.configure(project="my-app", stack="lib", config={}, secret_keys=set(), dry_run=True)
    assert library.settings([Res("StandingMeeting", "m", "urn:m", {})]).max_license_removals is None
