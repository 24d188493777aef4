"""The typed provider base (resources/_provider.py): one parse by alias, validation errors as
check failures, diffs of declared inputs only, secrets and type tokens declared once."""

import pulumi
import pytest

from resources import KINDS
from resources._provider import TYPE_PREFIX, WebexProvider, input_keys
from resources.license_distribution import LicenseDistributionProvider
from resources.meeting_site import MeetingSiteArgs, MeetingSiteProvider
from resources.service_app import ServiceApp, ServiceAppArgs, ServiceAppProvider
from resources.standing_meeting import StandingMeetingProvider

PROVIDERS = [MeetingSiteProvider, ServiceAppProvider, LicenseDistributionProvider, StandingMeetingProvider]


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.__name__)
def test_every_declared_input_survives_the_parse_by_its_camel_case_name(provider):
    keys = input_keys(provider.args_model)
    bag = {k: object() for k in keys} | {"__provider": "x", "licensePools": [], "meetingId": "m", "source": "s:1"}
    assert set(provider.declared(bag)) == keys
    # Two-word fields (siteUrl, renewBeforeSeconds) are where a filter on Python names would
    # drop them silently; the state spells every input in camelCase.
    assert not {k for k in keys if "_" in k}


def test_a_two_word_field_round_trips_through_the_state():
    args = ServiceAppArgs(
        application_id="app", client_id="c", client_secret_config="k", renew_before_seconds=60, target_org_id="org"
    )
    state = {**args.to_props(), "accessToken": "t", "expiresAt": 1.0}
    assert ServiceAppProvider.parse(state) == args


def test_invalid_inputs_are_check_failures_naming_the_property_not_a_traceback():
    result = ServiceAppProvider().check(
        {},
        {"applicationId": "a", "clientId": "c", "clientSecretConfig": "k", "renewBeforeSeconds": -1, "guests": [{"subject": ""}]},
    )
    failures = {f.property: f.reason for f in result.failures}
    assert set(failures) == {"renewBeforeSeconds", "guests[0].subject", "guests[0].displayName"}
    assert "greater than or equal to 0" in failures["renewBeforeSeconds"]


def test_diff_compares_declared_inputs_only():
    p = MeetingSiteProvider()
    news = MeetingSiteArgs(site_url="a.webex.com", owner="o").to_props()
    olds = {**news, "licensePools": ["L1"], "defaultSiteUsers": 3, "__provider": "x", "source": "stacks/x.yaml:3"}
    assert not p.declaration_changed(olds, news)
    assert p.declaration_changed(olds, {**news, "owner": "p"})
    # State that spells a default out (an older release) is the same declaration.
    assert not p.declaration_changed({**olds, "commonSettings": None}, news)


def test_secret_outputs_are_declared_once_in_the_outputs_model():
    assert ServiceAppProvider.outputs_model.secret_names() == ["accessToken", "refreshToken", "guestTokens"]
    assert StandingMeetingProvider.outputs_model.secret_names() == ["password", "hostKey"]
    assert MeetingSiteProvider.outputs_model.secret_names() == []


def test_output_names_keep_the_camel_case_earlier_releases_wrote():
    # Renaming an output would change the state and every reader of it (tests/upgrade).
    assert StandingMeetingProvider.outputs_model.names() == [
        "meetingId",
        "meetingNumber",
        "sipAddress",
        "webLink",
        "password",
        "hostKey",
        "adopted",
        "serverNormalised",
        "coHostsKeptAsInvitees",
    ]
    assert ServiceAppProvider.outputs_model.names() == [
        "accessToken",
        "refreshToken",
        "expiresAt",
        "tokenLifetime",
        "grantedScopes",
        "tokenRenewals",
        "issuedGuests",
        "guestTokens",
        "guestTokensExpireAt",
    ]


def test_each_kind_has_one_type_token_used_by_the_registry():
    for kind, (resource, args) in KINDS.items():
        assert resource.KIND == kind and resource.TYPE_NAME == TYPE_PREFIX + kind
        # The token Pulumi registers is the same string.
        assert f"pulumi-python:{resource._resource_type_name}" == resource.TYPE_NAME
        assert issubclass(resource.provider_class, WebexProvider) and resource.provider_class.args_model is args


class _Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args):
        return f"{args.name}-id", args.inputs

    def call(self, args):
        return {}


@pulumi.runtime.test
def test_declared_resources_register_their_outputs_and_secrets():
    pulumi.runtime.set_mocks(_Mocks(), preview=False)
    app = ServiceApp("app", ServiceAppArgs(application_id="a", client_id="c", client_secret_config="k"))
    return pulumi.Output.all(app.urn, app.accessToken).apply(_registered)


def _registered(values):
    urn, token = values
    assert urn.endswith(f"${ServiceApp.TYPE_NAME}::app")
    assert token is None  # every output is declared (unknown until the provider fills it)
