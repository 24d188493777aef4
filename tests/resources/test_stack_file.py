"""stacks/<stack>.yaml: validation with file:line:column:field, and the published JSON Schema."""

import json
import textwrap

import jsonschema
import pytest

from webex_iac.stack_file import SCHEMA_PATH, StackFileError, json_schema, load_stack_file


def _write(tmp_path, text):
    p = tmp_path / "dev.yaml"
    p.write_text(textwrap.dedent(text))
    return p


def test_error_names_file_line_column_and_field(tmp_path):
    p = _write(
        tmp_path,
        """\
        licenses:
          hosts:
            pools:
              - license: {siteUrl: acme.webex.com}
                users:
                  - ok@acme.example.com
                  - not-an-email
        """,
    )
    with pytest.raises(StackFileError) as err:
        load_stack_file(p, display="stacks/dev.yaml")
    assert str(err.value) == ("stacks/dev.yaml:7:13: licenses.hosts.pools[0].users[1]: 'not-an-email' is not an email address")


def test_every_problem_is_reported_not_just_the_first(tmp_path):
    p = _write(
        tmp_path,
        """\
        meetings:
          weekly:
            host: host@acme.example.com
            siteUrl: acme.webex.com
            title: Weekly
            start: 2030-01-07T09:00:00
            durationMinutes: 5
            timezone: Mars/Olympus
        """,
    )
    with pytest.raises(StackFileError) as err:
        load_stack_file(p)
    fields = [prob[2] for prob in err.value.problems]
    assert fields == ["meetings.weekly.durationMinutes", "meetings.weekly.timezone"]
    assert [prob[0] for prob in err.value.problems] == [7, 8]


def test_room_id_destination_is_refused_with_error_30105(tmp_path):
    p = _write(
        tmp_path,
        """\
        meetings:
          space-standup:
            host: host@acme.example.com
            siteUrl: acme.webex.com
            title: Standup
            start: 2030-01-07T09:00:00
            durationMinutes: 15
            roomId: Y2lzY29zcGFyazovL3VzL1JPT00vYWJj
        """,
    )
    with pytest.raises(StackFileError) as err:
        load_stack_file(p)
    assert "30105" in str(err.value) and "meeting ID or SIP address" in str(err.value)
    assert ":8:5: meetings.space-standup.roomId:" in str(err.value)


def test_unknown_key_is_an_error_not_silently_ignored(tmp_path):
    p = _write(
        tmp_path,
        """\
        licenses:
          hosts:
            pools:
              - license: {siteUrl: acme.webex.com}
                user: [a@acme.example.com]
        """,
    )
    with pytest.raises(StackFileError) as err:
        load_stack_file(p)
    assert "licenses.hosts.pools[0].user" in str(err.value) and ":5:" in str(err.value)


def test_yaml_syntax_error_has_a_line(tmp_path):
    p = _write(tmp_path, "licenses:\n  hosts: [unclosed\n")
    with pytest.raises(StackFileError) as err:
        load_stack_file(p)
    assert err.value.problems[0][0] is not None and "YAML syntax" in str(err.value)


def test_a_pool_cannot_belong_to_two_distributions(tmp_path):
    p = _write(
        tmp_path,
        """\
        licenses:
          a: {pools: [{license: {siteUrl: acme.webex.com}}]}
          b: {pools: [{license: {siteUrl: acme.webex.com}}]}
        """,
    )
    with pytest.raises(StackFileError, match="in both distributions 'a' and 'b'"):
        load_stack_file(p)


def test_monthly_rule_with_several_bymonthday_is_refused_rather_than_truncated(tmp_path):
    p = _write(
        tmp_path,
        """\
        meetings:
          monthly:
            host: host@acme.example.com
            siteUrl: acme.webex.com
            title: Monthly
            start: 2030-01-10T09:00:00
            durationMinutes: 30
            recurrence: FREQ=MONTHLY;BYMONTHDAY=10,11
        """,
    )
    with pytest.raises(StackFileError, match="keeps only the first BYMONTHDAY"):
        load_stack_file(p)


def test_sources_are_recorded_for_messages_but_never_enter_the_resource_inputs(tmp_path):
    p = _write(
        tmp_path,
        """\
        licenses:
          hosts:
            pools:
              - license: {siteUrl: acme.webex.com}
                users: [A@Acme.Example.com]
        meetings:
          weekly:
            host: a@acme.example.com
            siteUrl: acme.webex.com
            title: t
            start: 2027-01-04T10:00:00
            durationMinutes: 30
        """,
    )
    sf = load_stack_file(p, display="stacks/dev.yaml")
    dist = sf.licenses["hosts"]
    assert dist.pool_sources == ["stacks/dev.yaml:4"] and sf.source_of("LicenseDistribution", "hosts", 0) == "stacks/dev.yaml:4"
    assert sf.source_of("StandingMeeting", "weekly") == "stacks/dev.yaml:8"  # where its body starts
    assert dist.pools[0].users == ["a@acme.example.com"]  # emails are compared case-insensitively
    # file:line moves with every edit above it: it is no input, so it is never in the state.
    assert "source" not in dist.to_props()["pools"][0] and "source" not in sf.meetings["weekly"].to_props()


def test_source_cannot_be_written_in_the_stack_file(tmp_path):
    p = _write(
        tmp_path,
        """\
        meetings:
          weekly:
            host: a@acme.example.com
            siteUrl: acme.webex.com
            title: t
            start: 2027-01-04T10:00:00
            durationMinutes: 30
            source: elsewhere.yaml:1
        """,
    )
    with pytest.raises(StackFileError, match=r"meetings.weekly.source: Extra inputs are not permitted"):
        load_stack_file(p)


def test_published_json_schema_is_current():
    assert json.loads(SCHEMA_PATH.read_text()) == json_schema(), "run `make schema`"


def test_repository_stack_files_validate_against_the_schema_and_the_models():
    from pathlib import Path

    from ruamel.yaml import YAML

    root = Path(__file__).resolve().parents[2]
    files = [p for p in (root / "stacks").glob("*.yaml") if not p.name.startswith("Pulumi.")]
    assert files, "the repository ships stack files"
    schema = json_schema()
    for f in files:
        first = f.read_text().splitlines()[0]
        assert "$schema=../schema/stack.schema.json" in first, f"{f.name} points editors at the schema"
        data = json.loads(json.dumps(YAML(typ="safe").load(f.read_text()), default=str))
        jsonschema.validate(data, schema)
        load_stack_file(f)
