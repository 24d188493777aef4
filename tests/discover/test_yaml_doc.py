"""discover/yaml_doc.py, the one module that relies on where ruamel keeps comments (``ca.items``,
``ca.end``, ``CommentToken``): these pin that knowledge, so a ruamel upgrade that moves it fails here."""

from __future__ import annotations

import ast
import io
from datetime import datetime
from pathlib import Path

from webex_iac.discover.yaml_doc import (
    SCHEMA_LINE,
    flow,
    flow_seq,
    remove,
    render,
    set_value,
    timestamp,
    to_commented,
    yaml_rt,
)

ROOT = Path(__file__).resolve().parents[2]
# ruamel's undocumented comment machinery; only yaml_doc.py may use it.
RUAMEL_INTERNALS = ("ca", "fa", "_yaml")
RUAMEL_INTERNAL_NAMES = ("CommentToken", "CommentMark", "TimeStamp")


def _dump(doc) -> str:
    buf = io.StringIO()
    yaml_rt().dump(doc, buf)
    return buf.getvalue()


def test_set_value_changes_only_what_differs_and_none_removes_the_key_keeping_the_comment_below():
    doc = yaml_rt().load("m:\n  a: 1  # eol a\n  b: x\n  # about c\n  c: 3\n")
    changes: list[str] = []
    set_value(doc["m"], "a", 1, changes, "m")
    assert changes == [] and "# eol a" in _dump(doc)
    set_value(doc["m"], "a", 2, changes, "m")
    set_value(doc["m"], "b", None, changes, "m")
    set_value(doc["m"], "d", "new", changes, "m")
    assert changes == ["~ m.a: 1 -> 2", "~ m.b: removed", "~ m.d: set"]
    out = _dump(doc)
    assert "b: x" not in out and "  # about c\n  c: 3\n" in out and "  d: new\n" in out


def test_timestamps_are_written_as_people_write_them():
    doc = yaml_rt().load("start: 2026-01-01T00:00:00\n")
    doc["start"] = timestamp(datetime(2027, 1, 4, 9, 30))
    assert _dump(doc) == "start: 2027-01-04T09:30:00\n"


def test_removing_the_last_entry_after_a_nested_block_moves_its_comments_to_the_deepest_last_value():
    doc = yaml_rt().load(
        "sites:\n  a:\n    commonSettings:\n      x: 1\n  # about b\n  b:\n    siteUrl: b\n  # trailing human note\n"
    )
    remove(doc["sites"], "b")
    assert _dump(doc) == "sites:\n  a:\n    commonSettings:\n      x: 1\n  # about b\n  # trailing human note\n"


def test_new_entries_are_written_in_flow_style_where_discover_wants_it():
    doc = yaml_rt().load("p: {}\n")
    doc["p"] = to_commented({"license": {"siteUrl": "a.webex.com"}, "scopes": ["a", "b"]})
    doc["p"]["ref"] = flow({"id": "L1"})
    doc["p"]["seq"] = flow_seq([1, 2])
    assert _dump(doc) == ("p:\n  license:\n    siteUrl: a.webex.com\n  scopes: [a, b]\n  ref: {id: L1}\n  seq: [1, 2]\n")


def test_render_puts_the_schema_line_and_both_generated_blocks_around_the_body():
    doc = yaml_rt().load("sites: {}\n")
    text = render(doc, ["# >>> start", "summary"], ["note"])
    assert text == f"{SCHEMA_LINE}\n# >>> start\n# summary\n\nsites: {{}}\n\n# note\n"


def _touches_ruamel_internals(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Attribute) and node.attr in RUAMEL_INTERNALS:
            found.append(f"{path.name}:{node.lineno}: .{node.attr}")
        if isinstance(node, ast.Name) and node.id in RUAMEL_INTERNAL_NAMES:
            found.append(f"{path.name}:{node.lineno}: {node.id}")
        if isinstance(node, ast.alias) and node.name in RUAMEL_INTERNAL_NAMES:
            found.append(f"{path.name}: imports {node.name}")
    return found


def test_only_yaml_doc_touches_ruamels_comment_internals():
    files = [p for p in (ROOT / "webex_iac").rglob("*.py") if p.name != "yaml_doc.py"]
    offenders = [hit for p in files for hit in _touches_ruamel_internals(p)]
    assert offenders == []
    # ... and the check itself sees them where they are.
    assert _touches_ruamel_internals(ROOT / "webex_iac" / "discover" / "yaml_doc.py")
