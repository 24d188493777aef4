"""deletion-limit and the ceilings of the stack file's policy section, through the plain CLI:
`pulumi up` creates five meeting series, then previews of edited stack files remove or replace
some of them. The pack reads the stack's state before the change (`pulumi stack export`)."""

from __future__ import annotations

import pytest

from cli import Project
from test_policy_table import meeting

HOSTS = ["ada.admin@acme.example.com", "alice.anders1@acme.example.com", "bruno.anders2@acme.example.com"]
CLASSIC = "acme-classic.webex.com"  # all three hold its license


def meetings(names_hosts: list[tuple[str, str]]) -> str:
    return "meetings:\n" + "".join(meeting(n, h, site=CLASSIC) for n, h in names_hosts)


FIVE = [(f"series-{i}", HOSTS[i % 2]) for i in range(1, 6)]
# series-2 changes host (a replace: a new series and join link), series-3..5 are removed: 4 deletions.
EDITED = meetings([("series-1", HOSTS[1]), ("series-2", HOSTS[2])])


@pytest.fixture(scope="module")
def project(emu, tmp_path_factory):
    p = Project(tmp_path_factory.mktemp("deletion-limit"), emu)
    p.stack("del", meetings(FIVE))
    p.up("del")
    return p


def edit(project: Project, policy: str = "") -> None:
    (project.root / "stacks" / "del.yaml").write_text(policy + EDITED)


def test_deleting_or_replacing_more_series_than_the_default_limit_is_refused(project):
    edit(project)
    result = project.preview("del")
    assert result.rc != 0
    msg = result.messages("deletion-limit")
    assert "this change deletes 4 meeting series, more than the 3 allowed (deletion-limit.maxMeetingDeletions" in msg
    for name in ("series-3", "series-4", "series-5"):
        assert f"'{name}' (series " in msg and "removed from the stack file" in msg
    assert "'series-2'" in msg and f"host {HOSTS[0]} → {HOSTS[2]} replaces the series" in msg
    assert "`policy: {maxMeetingDeletions: 4}` in stacks/del.yaml" in msg


def test_the_stack_file_allows_a_larger_deletion_up_to_the_ceiling_but_not_past_it(project):
    edit(project, "policy:\n  maxMeetingDeletions: 4\n  maxLicenseRemovals: 100000\n")
    allowed = project.preview("del")
    assert not allowed.of("deletion-limit"), allowed.output
    assert (
        "policy.maxLicenseRemovals: 100000 in stacks/del.yaml is above the ceiling of 100 set by the policy-pack config"
    ) in allowed.messages("change-size-guard")
    assert allowed.rc != 0

    edit(project, "policy:\n  maxMeetingDeletions: 1000\n")
    lifted = project.preview("del")
    assert lifted.rc != 0
    assert (
        "policy.maxMeetingDeletions: 1000 in stacks/del.yaml is above the ceiling of 20 set by the policy-pack config"
    ) in lifted.messages("deletion-limit")


def test_removing_a_few_series_passes(project):
    (project.root / "stacks" / "del.yaml").write_text(meetings(FIVE[:3]))
    result = project.preview("del")
    assert not result.of("deletion-limit"), result.output
    assert result.rc == 0, result.output


def test_a_distribution_this_change_leaves_alone_counts_no_removals(project):
    """Stack policies see an unchanged resource's outputs of the last run, plan included: the
    removals that run made must not count again."""
    hosts = (
        "licenses:\n  hosts:\n    owner: ops@acme.example.com\n    pools:\n"
        "      - license: {siteUrl: acme.webex.com}\n        groups: [executives]\n"
    )
    (project.root / "stacks" / "del.yaml").write_text(hosts + meetings(FIVE))
    project.up("del")  # removes 102 of the 111 acme.webex.com licenses (no pack: a test's setup)
    (project.root / "stacks" / "del.yaml").write_text("policy:\n  maxLicenseRemovals: 1\n" + hosts + meetings(FIVE))
    result = project.preview("del")
    assert not result.of("change-size-guard"), result.output
    assert result.rc == 0, result.output
