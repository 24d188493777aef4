"""The pieces discover builds on: grouping holders, and edits that keep humans' comments."""

from __future__ import annotations

import io

from webex_iac.discover import group_holders, remove, strip_generated, yaml_rt


def _dump(doc) -> str:
    buf = io.StringIO()
    yaml_rt().dump(doc, buf)
    return buf.getvalue()


def test_groups_fully_inside_the_pool_are_used_largest_first_and_redundant_ones_skipped():
    holders = {"a", "b", "c", "d", "e"}
    groups = {
        "all-staff": {"a", "b", "c", "d", "e", "x"},  # x holds nothing: not usable
        "hosts": {"a", "b", "c"},
        "execs": {"a", "b"},
        "ops": {"d"},
        "empty": set(),
    }
    chosen, rest = group_holders(holders, groups)
    assert chosen == ["hosts", "ops"]  # execs ⊂ hosts adds nobody
    assert rest == {"e"}


def test_removing_an_entry_keeps_the_comment_that_stood_below_it():
    doc = yaml_rt().load(
        "meetings:\n"
        "  a:\n"
        "    title: x\n"
        "    invitees:\n"
        "      - {email: a@x.com}\n"
        "  # about b\n"
        "  b:\n"
        "    title: y  # eol of b\n"
        "  # about c\n"
        "  c:\n"
        "    title: z\n"
        "users:\n"
        "  - a@x.com  # keep a\n"
        "  - b@x.com  # drop b\n"
        "  # before c\n"
        "  - c@x.com\n"
    )
    remove(doc["meetings"], "b")
    remove(doc["users"], 1)
    out = _dump(doc)
    assert "eol of b" not in out and "drop b" not in out
    assert "  # about b\n  # about c\n  c:\n" in out
    assert "  - a@x.com  # keep a\n  # before c\n  - c@x.com\n" in out
    # Removing c: the comments above it now follow `a`, which ends with a flow mapping.
    remove(doc["meetings"], "c")
    assert "      - {email: a@x.com}\n  # about b\n  # about c\nusers:\n" in _dump(doc)


def test_generated_blocks_and_schema_line_are_stripped_with_their_blank_separators():
    text = (
        "# yaml-language-server: $schema=../schema/stack.schema.json\n"
        "# >>> webex-iac discover: summary\n# x\n# <<< webex-iac discover: summary\n\n"
        "# human\nsites: {}\n\n# >>> webex-iac discover: notes\n# y\n# <<< webex-iac discover: notes\n"
    )
    assert strip_generated(text) == "# human\nsites: {}\n"
