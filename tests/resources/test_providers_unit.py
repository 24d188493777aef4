"""Provider methods called directly against an in-process emulator (no engine).

The end-to-end behaviour is proven through the engine in tests/e2e; these pin the rules."""

import pytest

from webex_emulator.testing import EmulatorServer
from resources._runtime import reset_runtimes
from resources.license_distribution import LicenseDistributionArgs, LicenseDistributionProvider
from resources.standing_meeting import same_recurrence


@pytest.fixture(scope="module")
def emu():
    with EmulatorServer(seed="sample") as e:
        yield e


@pytest.fixture
def provider(emu):
    reset_runtimes()
    p = LicenseDistributionProvider()
    p.configure_from({"webex:baseUrl": emu.base_url, "webex:token": emu.admin_token})
    return p


def _props(**pool):
    args = LicenseDistributionArgs.model_validate({"owner": "o", "pools": [{"license": {"siteUrl": "acme.webex.com"}, **pool}]})
    return {**args.to_props(), "name": "d"}


def test_check_names_the_property_and_the_unknown_user(provider):
    result = provider.check({}, _props(users=["nobody@acme.example.com"], exclusive=False))
    assert [(f.property, f.reason) for f in result.failures] == [
        ("pools[0].users[0]", "nobody@acme.example.com is not a person in the org")
    ]


def test_check_refuses_an_unknown_group_and_an_unknown_pool(provider):
    result = provider.check(
        {},
        {
            **_props(groups=["no-such-group"]),
            "pools": [
                {"license": {"siteUrl": "nowhere.webex.com"}},
                {"license": {"siteUrl": "acme.webex.com"}, "groups": ["no-such-group"]},
            ],
        },
    )
    reasons = sorted(f.reason for f in result.failures)
    assert any("no license pool matches nowhere.webex.com" in r for r in reasons)
    assert any("group 'no-such-group' does not exist" in r for r in reasons)


def test_check_of_invalid_library_inputs_reports_each_property(provider):
    result = provider.check({}, {"name": "d", "pools": [{"license": {}, "users": ["bad"]}]})
    props = {f.property for f in result.failures}
    assert "pools[0].license" in props and "pools[0].users[0]" in props


def test_check_plan_counts_units_before_and_after_without_writing(provider, emu):
    emu.reset_counters()
    hosts = emu.seed_summary["orgs"][0]["spaceMeetingHosts"][:3]
    result = provider.check({}, _props(users=hosts, exclusive=False))
    assert not result.failures
    plan = result.inputs["plan"][0]
    assert plan["units"] == "111/120 -> 114/120" and plan["gains"] == 3 and plan["losses"] == 0
    assert not [k for k in emu.request_counts() if not k.startswith("GET ")]


def test_recurrence_is_compared_as_a_rule_not_as_text():
    assert same_recurrence("FREQ=DAILY;INTERVAL=1;COUNT=10", "FREQ=DAILY;COUNT=10")
    assert same_recurrence("freq=weekly;byday=WE,MO", "FREQ=WEEKLY;BYDAY=MO,WE;WKST=MO")
    assert not same_recurrence("FREQ=WEEKLY;BYDAY=MO", "FREQ=WEEKLY;BYDAY=TU")
    assert not same_recurrence("FREQ=WEEKLY;BYDAY=MO", None)
    assert same_recurrence(None, "")


def test_diff_ignores_the_source_line_older_releases_stored_but_not_a_changed_declaration(provider):
    news = _props(exclusive=False)  # declares no one, removes no one: the plan is empty
    olds = {**news, "pools": [{**news["pools"][0], "source": "stacks/dev.yaml:4"}], "live": []}  # up to 737dc3e
    assert provider.diff("d", olds, news).changes is False
    assert provider.diff("d", olds, {**news, "owner": "someone-else"}).changes is True
