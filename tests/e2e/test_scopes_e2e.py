"""Every scope README "Scopes and roles" lists is needed: drop one and the run fails naming it.

One emulator; each case mints the org admin's token with the README list minus one scope
(webex_client/scopes.py) and runs a stack that touches every resource kind on a fresh org. A
read scope is needed by `pulumi preview` already (check reads the org). A write scope cannot be
probed without writing (Webex has no token introspection), so its case runs `pulumi up`, which
stops at the first write and names the scope, before anything else is changed by that call.
"""

from __future__ import annotations

import pytest
from pulumi.automation.errors import CommandError

from webex_emulator.testing import EmulatorServer
from harness import WebexStack, least_privilege_token
from webex_client.scopes import ADMIN_TOKEN_SCOPES

STACK = """\
licenses:
  scope-test:
    owner: platform@acme.example.com
    pools:
      - license: {{siteUrl: acme.webex.com}}
        exclusive: false
        groups: [executives]
        users: [{host}]
sites:
  new-site:
    siteUrl: acme.webex.com
    owner: platform@acme.example.com
    commonSettings:
      defaultSchedulerOptions:
        entryAndExitTone: NoTone
    defaultSiteFor:
      users: [{host}]
meetings:
  scope-sync:
    owner: platform@acme.example.com
    host: alice.anders1@acme.example.com
    siteUrl: acme.webex.com
    title: Scope sync
    start: 2031-01-06T09:00:00
    durationMinutes: 30
    timezone: UTC
    recurrence: FREQ=WEEKLY;BYDAY=MO
    invitees:
      - email: bruno.anders2@acme.example.com
"""
READS = [s for s in ADMIN_TOKEN_SCOPES if s.endswith("_read")]
WRITES = [s for s in ADMIN_TOKEN_SCOPES if not s.endswith("_read")]


@pytest.fixture(scope="module")
def emu():
    with EmulatorServer(seed="sample") as server:
        yield server


def _stack(tmp_path, emu, name, scopes):
    emu.reset(seed="sample")
    st = WebexStack(tmp_path / name, emu, name=name, token=least_privilege_token(emu, scopes))
    st.write(STACK.format(host=emu.seed_summary["orgs"][0]["spaceMeetingHosts"][0]))
    return st


def test_the_listed_scopes_are_enough(tmp_path, emu):
    st = _stack(tmp_path, emu, "all", list(ADMIN_TOKEN_SCOPES))
    st.up()
    st.preview(expect_no_changes=True)


@pytest.mark.parametrize("scope", READS)
def test_without_a_read_scope_the_preview_fails_naming_it(tmp_path, emu, scope):
    st = _stack(tmp_path, emu, "r" + str(READS.index(scope)), [s for s in ADMIN_TOKEN_SCOPES if s != scope])
    with pytest.raises(CommandError) as err:
        st.preview()
    assert scope in str(err.value)


@pytest.mark.parametrize("scope", WRITES)
def test_without_a_write_scope_the_up_fails_naming_it(tmp_path, emu, scope):
    st = _stack(tmp_path, emu, "w" + str(WRITES.index(scope)), [s for s in ADMIN_TOKEN_SCOPES if s != scope])
    with pytest.raises(CommandError) as err:
        st.up()
    assert scope in str(err.value)
